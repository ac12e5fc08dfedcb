//! The few git questions the tasks ask: which commit to compare against, and
//! what a file looked like there.

use std::path::Path;
use std::process::Command;

use crate::Failure;

/// The branch a change is compared with when no base ref is given.
pub const MAIN_BRANCH: &str = "main";

/// A commit to compare with: how the user named it and its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    /// What the user typed, or a description of the default.
    pub label: String,
    /// The full commit id.
    pub commit: String,
}

impl Base {
    /// The first 10 hex digits of the commit id.
    pub fn short(&self) -> &str {
        self.commit.get(..10).unwrap_or(&self.commit)
    }
}

/// Resolves `given` to a commit, or, without one, the merge base of
/// [`MAIN_BRANCH`] and `HEAD` (the commit a branch started from).
pub fn resolve_base(root: &Path, given: Option<&str>) -> Result<Base, Failure> {
    match given {
        Some(rev) => {
            let commit = git(
                root,
                &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
            )
            .map(|out| out.trim().to_owned())
            .map_err(|e| {
                Failure::new(format!("`{rev}` is not a commit in this repository: {e}"))
            })?;
            Ok(Base {
                label: rev.to_owned(),
                commit,
            })
        }
        None => {
            let commit = git(root, &["merge-base", MAIN_BRANCH, "HEAD"])
                .map(|out| out.trim().to_owned())
                .map_err(|e| {
                    Failure::new(format!(
                        "no merge base of `{MAIN_BRANCH}` and HEAD ({e}); \
                     name the commit to compare with, e.g. `HEAD~1` or a release tag"
                    ))
                })?;
            Ok(Base {
                label: format!("merge-base({MAIN_BRANCH}, HEAD)"),
                commit,
            })
        }
    }
}

/// The contents of `path` (relative to the repository root) at `commit`.
pub fn show(root: &Path, commit: &str, path: &str) -> Result<String, Failure> {
    git(root, &["show", &format!("{commit}:{path}")])
        .map_err(|e| Failure::new(format!("reading {path} at {commit}: {e}")))
}

/// Runs git in `root`; its stdout, or stderr's first line as the error.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("running git: {e}"))?;
    if output.status.success() {
        String::from_utf8(output.stdout).map_err(|e| format!("git output is not UTF-8: {e}"))
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(stderr.lines().next().unwrap_or("git failed").to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project_root;

    #[test]
    fn head_resolves_and_its_spec_can_be_read() {
        let root = project_root();
        let base = resolve_base(&root, Some("HEAD")).unwrap();
        assert_eq!(base.commit.len(), 40, "{base:?}");
        assert_eq!(base.short().len(), 10);
        let spec = show(&root, &base.commit, "openapi.yaml").unwrap();
        assert!(spec.starts_with("openapi: 3.0"), "{}", &spec[..40]);
    }

    #[test]
    fn an_unknown_ref_says_so() {
        let err = resolve_base(&project_root(), Some("no-such-ref-xyz")).unwrap_err();
        assert!(
            err.message().contains("`no-such-ref-xyz` is not a commit"),
            "{err}"
        );
    }
}
