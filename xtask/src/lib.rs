//! Project automation for invent-rs, run as `cargo xtask <task>` (see `main.rs`).
//!
//! The tasks live in this library so that integration tests (`xtask/tests/`)
//! can run them on fixture specs without going through the command line.

pub mod codegen;
pub mod git;
pub mod semver;
pub mod spec_diff;
pub mod summary;
pub mod versioning;

use std::fmt;
use std::path::PathBuf;

/// A task failed; the message says what to do about it.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure with `message`, which should say what to do about it.
    pub fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// The cargo that runs this task (`$CARGO`), so nested builds use the same
/// toolchain; plain `cargo` when run some other way.
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo metadata --no-deps` of the workspace at `root`: its packages with
/// their versions and dependency requirements, as cargo resolves the
/// manifests (workspace inheritance included).
pub fn workspace_metadata(root: &std::path::Path) -> Result<serde_json::Value, Failure> {
    let output = std::process::Command::new(cargo())
        .current_dir(root)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .output()
        .map_err(|e| Failure::new(format!("running cargo metadata: {e}")))?;
    if !output.status.success() {
        return Err(Failure::new(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| Failure::new(format!("reading cargo metadata: {e}")))
}

/// The package called `name` in `metadata` (from [`workspace_metadata`]).
pub fn metadata_package<'a>(
    metadata: &'a serde_json::Value,
    name: &str,
) -> Result<&'a serde_json::Value, Failure> {
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name)
        .ok_or_else(|| Failure::new(format!("cargo metadata lists no {name} package")))
}

/// The workspace root (xtask lives one level below it).
pub fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
