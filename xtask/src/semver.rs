//! `cargo xtask semver [<base-ref>]`: `cargo semver-checks` on `invent-sdk`
//! against the SDK built from a git commit (no registry release needed).
//!
//! spec-diff rates spec changes; this checks the Rust API that was actually
//! generated, against the version bump in the tree. cargo-semver-checks is a
//! large build, so it is not a dependency and CI does not install it (see
//! `docs/regenerate-workflow.md` for the measured install time); without it
//! this task prints the exact install command.

use std::process::Command;

use crate::versioning::SDK_PACKAGE;
use crate::{cargo, git, project_root, Failure};

/// The cargo-semver-checks release this task is written and tested against.
pub const TOOL_VERSION: &str = "0.51.0";

/// The command that installs [`TOOL_VERSION`].
pub fn install_command() -> String {
    format!("cargo install cargo-semver-checks --locked --version {TOOL_VERSION}")
}

/// The installed cargo-semver-checks version line, if it is installed.
pub fn installed_version() -> Option<String> {
    let output = Command::new(cargo())
        .args(["semver-checks", "--version"])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Runs the task.
pub fn run(base: Option<&str>) -> Result<(), Failure> {
    let root = project_root();
    let base = git::resolve_base(&root, base)?;
    let Some(version) = installed_version() else {
        return Err(Failure::new(format!(
            "cargo-semver-checks is not installed; install it once with\n\n    {}\n\n\
             (a large build: see docs/regenerate-workflow.md for how long it takes and why CI \
             skips this check)",
            install_command()
        )));
    };
    if !version.ends_with(TOOL_VERSION) {
        println!("note: {version} is installed; this task is tested with {TOOL_VERSION}");
    }
    println!(
        "cargo semver-checks: {SDK_PACKAGE} in the working tree against {} ({})",
        base.label,
        base.short()
    );
    let status = Command::new(cargo())
        .current_dir(&root)
        .args(["semver-checks", "--package", SDK_PACKAGE, "--baseline-rev"])
        .arg(&base.commit)
        .status()
        .map_err(|e| Failure::new(format!("running cargo semver-checks: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "cargo semver-checks reports changes to {SDK_PACKAGE}'s public API that its version \
             does not allow (above): bump the version as `cargo xtask spec-diff` suggests, or \
             undo the change"
        )))
    }
}
