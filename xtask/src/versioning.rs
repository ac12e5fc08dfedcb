//! The SDK's version is the API's version: `info.version` in `openapi.yaml`,
//! `invent-sdk`'s crate version and a `CHANGELOG.md` entry must agree.
//!
//! `cargo xtask codegen` (and so `--check` in CI) refuses a tree where they
//! differ, so a spec change cannot ship under the previous version by accident.

use std::path::Path;

use crate::Failure;

/// The crate whose version follows the spec.
pub const SDK_PACKAGE: &str = "invent-sdk";
/// The changelog, relative to the workspace root.
pub const CHANGELOG: &str = "CHANGELOG.md";

/// What is wrong with the link between the three; empty when they agree.
pub fn problems(spec_version: &str, crate_version: &str, changelog: &str) -> Vec<String> {
    let mut out = Vec::new();
    if spec_version != crate_version {
        out.push(format!(
            "version mismatch: openapi.yaml has info.version {spec_version} but {SDK_PACKAGE} is \
             {crate_version}; they must be equal (the SDK's version is the API's). Set both to \
             the version `cargo xtask spec-diff` suggests: info.version in openapi.yaml and \
             [workspace.package] version in Cargo.toml"
        ));
    }
    let heading = format!("## [{crate_version}]");
    if !changelog.lines().any(|line| line.starts_with(&heading)) {
        out.push(format!(
            "{CHANGELOG} has no `{heading}` entry: add one saying what changed in the spec \
             (see \"How entries are written\" at its top)"
        ));
    }
    out
}

/// Checks the spec at `spec_path` against the crate version and changelog of
/// the workspace at `root`.
pub fn check_tree(root: &Path, spec_path: &Path) -> Result<Vec<String>, Failure> {
    let spec = invent_codegen::load_spec(spec_path).map_err(|e| Failure::new(e.to_string()))?;
    let changelog_path = root.join(CHANGELOG);
    let changelog = match std::fs::read_to_string(&changelog_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Failure::new(format!("{}: {e}", changelog_path.display()))),
    };
    Ok(problems(
        &spec.info.version,
        &sdk_crate_version(root)?,
        &changelog,
    ))
}

/// `invent-sdk`'s version as cargo resolves it (workspace inheritance included).
pub fn sdk_crate_version(root: &Path) -> Result<String, Failure> {
    let metadata = crate::workspace_metadata(root)?;
    crate::metadata_package(&metadata, SDK_PACKAGE)?["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Failure::new(format!("cargo metadata gives {SDK_PACKAGE} no version")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::SPEC;
    use crate::project_root;

    const CHANGELOG_0_1_0: &str = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-25\n";

    #[test]
    fn equal_versions_with_an_entry_pass() {
        assert!(problems("0.1.0", "0.1.0", CHANGELOG_0_1_0).is_empty());
    }

    #[test]
    fn a_mismatch_names_both_versions_and_what_to_set() {
        let problems = problems("0.2.0", "0.1.0", CHANGELOG_0_1_0);
        assert_eq!(problems.len(), 1, "{problems:?}");
        let message = &problems[0];
        assert!(
            message.starts_with(
                "version mismatch: openapi.yaml has info.version 0.2.0 but invent-sdk is 0.1.0"
            ),
            "{message}"
        );
        assert!(
            message.contains("[workspace.package] version in Cargo.toml"),
            "{message}"
        );
    }

    #[test]
    fn a_version_without_a_changelog_entry_is_refused() {
        let problems = problems("0.2.0", "0.2.0", CHANGELOG_0_1_0);
        assert_eq!(
            problems,
            vec![
                "CHANGELOG.md has no `## [0.2.0]` entry: add one saying what changed in the spec \
                  (see \"How entries are written\" at its top)"
            ]
        );
    }

    #[test]
    fn this_tree_is_consistent() {
        let root = project_root();
        assert_eq!(
            check_tree(&root, &root.join(SPEC)).unwrap(),
            Vec::<String>::new()
        );
    }

    /// The check inside `cargo xtask codegen`: a spec whose info.version moved
    /// without the crate is refused with both versions named.
    #[test]
    fn a_spec_bumped_alone_is_refused() {
        let root = project_root();
        let spec = std::fs::read_to_string(root.join(SPEC)).unwrap();
        let bumped = spec.replacen("  version: 0.1.0\n", "  version: 0.2.0\n", 1);
        assert_ne!(
            spec, bumped,
            "info.version is no longer 0.1.0 in openapi.yaml"
        );
        let dir = std::env::temp_dir().join(format!("xtask-version-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("openapi.yaml");
        std::fs::write(&path, bumped).unwrap();
        let problems = check_tree(&root, &path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("info.version 0.2.0 but invent-sdk is 0.1.0"),
            "{problems:?}"
        );
    }
}
