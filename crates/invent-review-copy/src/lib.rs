//! The build-script side of the reviewed generated code.
//!
//! `invent-sdk` and `invent-sdk-httpmock` generate their code from
//! `openapi.yaml` at build time when their default `codegen` feature is on.
//! The same code, laid out for review, is checked in under `generated/` and
//! shipped in their packages. A consumer who turns `codegen` off compiles that
//! copy instead and skips the generator stack (progenitor, typify,
//! invent-codegen and what they pull in); this crate, with no dependencies,
//! is what their build scripts run then.
//!
//! A stale copy must never compile silently, so every generated file carries
//! a stamp of the spec it was generated from ([`stamp`], called by
//! invent-codegen), and [`build_script`] refuses a copy whose stamp does not
//! match the `openapi.yaml` beside it. The stamp covers the spec only: the
//! generator's settings live in invent-codegen, and in the invent-rs
//! workspace `cargo xtask codegen --check` (CI) proves the copy is exactly
//! what they generate today; a consumer cannot change them without turning
//! `codegen` on.
//!
//! ```
//! let spec = b"openapi: 3.0.3\n";
//! let copy = invent_review_copy::stamp("// @generated\npub struct Chat;\n", spec);
//! assert!(invent_review_copy::check(spec, &copy).is_ok());
//! assert!(invent_review_copy::check(b"openapi: 3.1.0\n", &copy).is_err());
//! ```

#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How the stamp line starts; the fingerprint follows it.
const STAMP_PREFIX: &str = "// Generated from the openapi.yaml with FNV-1a 64 fingerprint ";

/// The spec's fingerprint: FNV-1a (64 bits) over its bytes with every `\r`
/// left out, so a checkout with CRLF line endings has the same fingerprint.
/// Sixteen lowercase hex digits. Not a cryptographic hash: it detects a spec
/// edited after the copy was generated, not an adversary.
pub fn fingerprint(spec: &[u8]) -> String {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = spec
        .iter()
        .filter(|&&byte| byte != b'\r')
        .fold(OFFSET_BASIS, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(PRIME)
        });
    format!("{hash:016x}")
}

/// Whether `line` is a plain `//` comment: the header's lines are, a doc
/// comment (`///`, `//!`) belongs to the code below it.
fn is_header_line(line: &str) -> bool {
    line.starts_with("//") && !line.starts_with("///") && !line.starts_with("//!")
}

/// `code` with the stamp of `spec` as a comment line after its leading plain
/// comment lines (the `@generated` header), where [`check`] looks for it.
pub fn stamp(code: &str, spec: &[u8]) -> String {
    let header_len: usize = code
        .split_inclusive('\n')
        .take_while(|line| is_header_line(line))
        .map(str::len)
        .sum();
    let (header, rest) = code.split_at(header_len);
    let newline = if header.is_empty() || header.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!(
        "{header}{newline}{STAMP_PREFIX}{}.\n{rest}",
        fingerprint(spec)
    )
}

/// The fingerprint stamped into `copy`, if any (read from its leading plain
/// comment lines only).
pub fn stamped_fingerprint(copy: &str) -> Option<&str> {
    copy.lines()
        .take_while(|line| is_header_line(line))
        .find_map(|line| line.strip_prefix(STAMP_PREFIX))
        .map(|rest| rest.trim_end().trim_end_matches('.'))
}

/// Why a reviewed copy cannot stand in for generating from the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    /// The fingerprint of the spec beside the copy.
    pub spec: String,
    /// The fingerprint stamped into the copy; `None` when it has no stamp.
    pub copy: Option<String>,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.copy {
            Some(copy) => write!(
                f,
                "was generated from another openapi.yaml (fingerprint {copy}; the spec's is {})",
                self.spec
            ),
            None => write!(f, "has no fingerprint stamp (was it edited by hand?)"),
        }
    }
}

impl std::error::Error for Stale {}

/// Whether `copy` was generated from exactly `spec`.
pub fn check(spec: &[u8], copy: &str) -> Result<(), Stale> {
    let expected = fingerprint(spec);
    match stamped_fingerprint(copy) {
        Some(found) if found == expected => Ok(()),
        found => Err(Stale {
            spec: expected,
            copy: found.map(str::to_owned),
        }),
    }
}

/// The whole of a build script without the `codegen` feature: checks
/// `generated/<file_name>` against `openapi.yaml`, both in the crate's
/// directory, and writes the copy to `OUT_DIR/<file_name>`, where the crate
/// includes it as it would the generator's output. A failure is one
/// `cargo::error` line that says what to do.
pub fn build_script(file_name: &str) -> ExitCode {
    let dir = |var: &str| PathBuf::from(std::env::var_os(var).unwrap_or_default());
    let crate_dir = dir("CARGO_MANIFEST_DIR");
    let spec = crate_dir.join("openapi.yaml");
    let copy = crate_dir.join("generated").join(file_name);
    println!("cargo::rerun-if-changed={}", spec.display());
    println!("cargo::rerun-if-changed={}", copy.display());
    match use_copy(&spec, &copy, &dir("OUT_DIR").join(file_name)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // One line: cargo shows the first line of each `cargo::error`.
            println!("cargo::error={}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn use_copy(spec: &Path, copy: &Path, out: &Path) -> Result<(), String> {
    let read_error = |path: &Path, e: std::io::Error| format!("reading {}: {e}", path.display());
    let spec_bytes = std::fs::read(spec).map_err(|e| read_error(spec, e))?;
    let code = std::fs::read_to_string(copy).map_err(|e| read_error(copy, e))?;
    check(&spec_bytes, &code).map_err(|stale| {
        format!(
            "{} {stale}. Without the `codegen` feature the crate compiles this reviewed copy, \
             so it must match the spec: run `cargo xtask codegen` in the invent-rs workspace, \
             or enable the `codegen` feature to generate from the spec at build time.",
            copy.display()
        )
    })?;
    std::fs::write(out, code).map_err(|e| format!("writing {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail by panicking.

    use super::*;

    #[test]
    fn the_fingerprint_is_fnv1a_64_and_ignores_carriage_returns() {
        // FNV-1a 64 test vectors (Fowler, Noll, Vo).
        assert_eq!(fingerprint(b""), "cbf29ce484222325");
        assert_eq!(fingerprint(b"a"), "af63dc4c8601ec8c");
        assert_eq!(fingerprint(b"foobar"), "85944171f73967e8");
        assert_eq!(
            fingerprint(b"a: 1\r\nb: 2\r\n"),
            fingerprint(b"a: 1\nb: 2\n")
        );
        assert_ne!(fingerprint(b"a: 1\n"), fingerprint(b"a: 2\n"));
    }

    #[test]
    fn the_stamp_goes_after_the_header_and_is_found_there() {
        let spec = b"openapi: 3.0.3\n";
        let stamped = stamp("// @generated\n// two\n/// Doc.\nmod types {}\n", spec);
        let lines: Vec<&str> = stamped.lines().collect();
        assert_eq!(lines[..2], ["// @generated", "// two"]);
        assert!(lines[2].starts_with(STAMP_PREFIX), "{stamped}");
        // A doc comment stays on its item.
        assert_eq!(lines[3..], ["/// Doc.", "mod types {}"]);
        assert_eq!(
            stamped_fingerprint(&stamped),
            Some(fingerprint(spec).as_str())
        );
        // No header, or a header that is the whole file.
        assert!(stamp("mod types {}\n", spec).starts_with(STAMP_PREFIX));
        assert!(check(spec, &stamp("// only a comment", spec)).is_ok());
    }

    #[test]
    fn a_copy_from_another_spec_or_without_a_stamp_is_stale() {
        let copy = stamp("// @generated\nmod types {}\n", b"openapi: 3.0.3\n");
        assert_eq!(check(b"openapi: 3.0.3\n", &copy), Ok(()));
        let stale = check(b"openapi: 3.0.3\n# edited\n", &copy).unwrap_err();
        assert_eq!(
            stale.copy.as_deref(),
            Some(fingerprint(b"openapi: 3.0.3\n").as_str())
        );
        assert!(
            stale.to_string().contains("another openapi.yaml"),
            "{stale}"
        );
        let unstamped = check(b"openapi: 3.0.3\n", "// @generated\nmod types {}\n").unwrap_err();
        assert_eq!(unstamped.copy, None);
        // A stamp below the code does not count.
        let late = format!("mod types {{}}\n{STAMP_PREFIX}{}.\n", fingerprint(b"x"));
        assert_eq!(check(b"x", &late).unwrap_err().copy, None);
    }

    #[test]
    fn the_build_script_writes_a_fresh_copy_and_refuses_a_stale_one() {
        let dir = std::env::temp_dir().join(format!("invent-review-copy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (spec, copy, out) = (
            dir.join("openapi.yaml"),
            dir.join("copy.rs"),
            dir.join("out.rs"),
        );
        std::fs::write(&spec, "openapi: 3.0.3\n").unwrap();
        let code = stamp("// @generated\npub struct Chat;\n", b"openapi: 3.0.3\n");
        std::fs::write(&copy, &code).unwrap();
        assert_eq!(use_copy(&spec, &copy, &out), Ok(()));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), code);

        std::fs::write(&spec, "openapi: 3.0.3\npaths: {}\n").unwrap();
        std::fs::remove_file(&out).unwrap();
        let message = use_copy(&spec, &copy, &out).unwrap_err();
        assert!(message.contains("cargo xtask codegen"), "{message}");
        assert!(message.contains("`codegen` feature"), "{message}");
        assert!(!out.exists(), "a stale copy must not reach the compiler");

        let missing = use_copy(&dir.join("nope.yaml"), &copy, &out).unwrap_err();
        assert!(missing.contains("nope.yaml"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
