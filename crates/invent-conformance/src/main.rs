//! `cargo xtask conformance` runs this binary: the contract checked by tools
//! nobody here wrote.
//!
//! 1. Lint (`tools.rs`): Redocly, Spectral (`spectral:oas`) and
//!    openapi-spec-validator on `openapi.yaml`, warnings included.
//! 2. Requests (`requests.rs`): Prism mocks `openapi.yaml` with request
//!    validation; the SDK sends every operation of `OPERATIONS` in several
//!    shapes (`shapes.rs`) and Prism must accept each (and the SDK must decode
//!    what Prism generates). Negative controls, sent raw past the SDK's
//!    checks, must be rejected, or the check proves nothing.
//! 3. Responses (`responses.rs`): Schemathesis runs all its checks against
//!    the mock server.
//!
//! The tools are pinned in `.ci/tools/` and installed from npm and PyPI on
//! first use; nothing else is downloaded. Servers bind 127.0.0.1 only and are
//! stopped when the run ends, failed or not.

mod requests;
mod responses;
mod shapes;
mod tools;

use std::fmt;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.is_empty() {
        eprintln!(
            "error: unknown arguments: {}\n\nusage: cargo xtask conformance",
            args.join(" ")
        );
        return ExitCode::from(2);
    }
    match run() {
        Ok(()) => {
            println!("\nconformance: all checks passed");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every check; stops at the first that fails.
fn run() -> Result<(), Failure> {
    let root = project_root();
    let tools = tools::Tools::ensure(&root)?;
    tools::lint(&root, &tools)?;
    requests::prism(&root, &tools)?;
    responses::schemathesis(&root, &tools)
}

/// A check failed or could not run; the message says what to do about it.
#[derive(Debug)]
struct Failure(String);

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The workspace root (this crate lives in `crates/invent-conformance`).
fn project_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn step(what: &str) {
    println!("\n==> {what}");
}

fn run_ok(cmd: &mut Command) -> Result<(), Failure> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| Failure::new(format!("could not run {shown}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("{shown} failed ({status})")))
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("tokio runtime: {e}")))
}
