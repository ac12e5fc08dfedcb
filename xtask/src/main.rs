//! Project automation for invent-rs, run as `cargo xtask <task>`.
//!
//! Tasks:
//! - `codegen [--check]`: regenerate the SDK's review copy and model snapshots
//!   from `openapi.yaml`, or fail with a diff when they are stale.

mod codegen;
mod summary;

use std::path::PathBuf;
use std::process::ExitCode;

/// A task failed; the message says what to do about it.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

/// The workspace root (xtask lives one level below it).
pub fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  codegen [--check]   regenerate the SDK review copy and snapshots from openapi.yaml;
                      with --check, change nothing and fail if anything is stale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(codegen::Mode::Check),
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(Failure::new(format!(
            "unknown arguments: {}\n\n{USAGE}",
            args.join(" ")
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
