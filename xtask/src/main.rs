//! Project automation for invent-rs, run as `cargo xtask <task>`.
//!
//! Tasks:
//! - `codegen [--check]`: regenerate the SDK's review copy and model snapshots
//!   from `openapi.yaml`, or fail with a diff when they are stale.
//! - `spec-diff [<base-ref>]`: what changed in `openapi.yaml` since a commit,
//!   rated for SDK users and for wire compatibility, with the semver bump.
//! - `semver [<base-ref>]`: `cargo semver-checks` on `invent-sdk` against a commit.
//! - `bench [--build-cost [--native-tls] | --bulk]`: the benchmarks of
//!   `crates/invent-bench`, ending with one table of ratios; or the build-cost
//!   figures; or bulk runs against loops of single calls.
//! - `conformance`: outside tools check the spec, the SDK's requests (Prism)
//!   and the mock server's responses (Schemathesis).
//!
//! `bench` and `conformance` run binaries of their own crates
//! (`invent-bench`'s `runner`, `invent-conformance`): they link the SDK and
//! the mock server, and the xtask does not, so a spec edit that breaks the
//! SDK cannot break the tools that show the diff.

use std::process::{Command, ExitCode};

use xtask::{cargo, codegen, project_root, semver, spec_diff};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  codegen [--check]        regenerate the SDK review copy and snapshots from openapi.yaml;
                           with --check, change nothing and fail if anything is stale
  spec-diff [<base-ref>]   compare openapi.yaml at <base-ref> (default: the merge base with
                           main) with the working copy; exit 0: nothing breaking,
                           1: breaking changes, 2: usage or I/O error
  semver [<base-ref>]      run cargo-semver-checks on invent-sdk against <base-ref>
                           (default: the merge base with main)
  conformance              lint openapi.yaml (Redocly, Spectral, openapi-spec-validator),
                           send every SDK operation through Prism, and run Schemathesis
                           against the mock server (installs pinned npm/PyPI tools)
  bench [--build-cost [--native-tls] | --bulk]
                           the benchmarks of crates/invent-bench and their ratios, or a
                           consumer's build cost, or bulk CLI runs (`cargo xtask bench --help`)";

/// Exit code for a usage error or a task that could not run at all.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check),
        ["conformance", rest @ ..] => return run_binary("invent-conformance", None, rest),
        ["bench", rest @ ..] => return run_binary("invent-bench", Some("runner"), rest),
        ["spec-diff", rest @ ..] => return spec_diff_task(rest),
        ["semver", rest @ ..] => match base_arg(rest) {
            Ok(base) => semver::run(base),
            Err(e) => return usage_error(&e),
        },
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => return usage_error(&format!("unknown arguments: {}", args.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// `spec-diff` has its own exit codes: 1 means "breaking changes found".
fn spec_diff_task(args: &[&str]) -> ExitCode {
    let base = match base_arg(args) {
        Ok(base) => base,
        Err(e) => return usage_error(&e),
    };
    match spec_diff::run(base) {
        Ok(spec_diff::Outcome::Compatible) => ExitCode::SUCCESS,
        Ok(spec_diff::Outcome::Breaking) => ExitCode::FAILURE,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// The optional `<base-ref>` argument.
fn base_arg<'a>(args: &[&'a str]) -> Result<Option<&'a str>, String> {
    match args {
        [] => Ok(None),
        [flag] if flag.starts_with('-') => Err(format!("unknown option: {flag}")),
        [rev] => Ok(Some(rev)),
        _ => Err(format!("too many arguments: {}", args.join(" "))),
    }
}

/// Runs a binary of another crate of the workspace with `args` and exits as it did.
fn run_binary(package: &str, bin: Option<&str>, args: &[&str]) -> ExitCode {
    let mut command = Command::new(cargo());
    command
        .current_dir(project_root())
        .args(["run", "--quiet", "--package", package]);
    if let Some(bin) = bin {
        command.args(["--bin", bin]);
    }
    match command.arg("--").args(args).status() {
        Ok(status) => match status.code() {
            Some(0) => ExitCode::SUCCESS,
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            // Killed by a signal.
            None => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("error: running cargo run --package {package}: {e}");
            ExitCode::from(USAGE_ERROR)
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(USAGE_ERROR)
}
