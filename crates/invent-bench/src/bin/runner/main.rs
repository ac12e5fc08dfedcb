//! The measurement runners behind `cargo xtask bench`, which runs this binary
//! (`cargo run -p invent-bench --bin runner -- [ARGS]`). Each drives other
//! programs (cargo, the bench targets, valgrind, release binaries) and reads
//! what they leave behind into one table, so the xtask needs neither the SDK
//! nor the mock server:
//!
//! - no argument: the benchmarks and their ratios (`ratios.rs`);
//! - `--build-cost [--native-tls]`: clean builds and rebuilds of a consumer
//!   of `invent-sdk`, with `codegen` and without, against a hand-written
//!   client (`build_cost.rs`);
//! - `--bulk`: bulk CLI runs against loops of single calls, and their peak
//!   memory per row (`bulk.rs`).

mod build_cost;
mod bulk;
mod ratios;

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask bench [--build-cost [--native-tls] | --bulk]

  (no option)              run the benchmarks of crates/invent-bench and print their tables,
                           then one table of ratios (generated SDK / hand-written)
  --build-cost             time clean builds of a minimal consumer of invent-sdk (with its
                           `codegen` feature on, and off) and of a hand-written client
                           (scratch crates under the temp dir), then their rebuilds after a
                           one-line edit, and print the ratios (slow); all with invent-sdk's
                           default TLS (rustls + ring), or with --native-tls all with native-tls
  --bulk                   time `invent chat state --ids-from` against loops of single calls,
                           and measure the peak memory of bulk runs over 0, 10^4 and 10^5 ids
                           (release builds, the mock server binary, rate limit off)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [] => ratios::run(),
        ["--build-cost"] => build_cost::run(&build_cost::DEFAULT_TLS),
        ["--build-cost", "--native-tls"] => build_cost::run(&build_cost::NATIVE_TLS),
        ["--bulk"] => bulk::run(),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("error: unknown arguments: {}\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// A runner failed; the message says what to do about it.
#[derive(Debug)]
struct Failure(String);

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }

    fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The cargo that runs this binary (`$CARGO`), so nested builds use the same
/// toolchain; plain `cargo` when run some other way.
fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The workspace root (this crate lives in `crates/invent-bench`).
fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .map_or_else(|| manifest.clone(), PathBuf::from)
}
