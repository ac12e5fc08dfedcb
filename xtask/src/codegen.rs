//! `cargo xtask codegen [--check]`: the regenerate-on-API-change workflow.
//!
//! The SDK is generated at build time (in `OUT_DIR`); this task keeps the
//! checked-in review copy of that code and the insta snapshots of its models in
//! step with `openapi.yaml`, so a spec change always arrives as a reviewable diff.

use std::path::{Path, PathBuf};
use std::process::Command;

use invent_codegen::model::Api;

use crate::{project_root, versioning, Failure};

/// Files the task owns, relative to the workspace root.
pub const SPEC: &str = "openapi.yaml";
/// The checked-in, formatted copy of the generated SDK module.
pub const SDK_REVIEW_COPY: &str = "crates/invent-sdk/generated/invent_sdk.rs";
/// The checked-in, formatted copy of the generated httpmock helpers.
pub const HTTPMOCK_REVIEW_COPY: &str =
    "crates/invent-sdk-httpmock/generated/invent_sdk_httpmock.rs";
/// The insta snapshots guarding the generated models.
pub const SNAPSHOT_DIR: &str = "crates/invent-sdk/tests/snapshots";
/// The test target that asserts those snapshots.
const SNAPSHOT_TEST: &str = "generated_models";

/// The crate that generates the SDK, in its build script and here.
pub const CODEGEN_PACKAGE: &str = "invent-codegen";
/// The crates the generated code passes through, which [`CODEGEN_PACKAGE`]
/// must require at exact (`=x.y.z`) versions so that a consumer's build
/// generates what the review copy shows (see the workspace `Cargo.toml`).
pub const GENERATOR_CRATES: [&str; 5] = [
    "progenitor",
    "progenitor-impl",
    "typify",
    "typify-impl",
    "openapiv3",
];

/// Generator crates that [`CODEGEN_PACKAGE`] does not pin to an exact
/// version; empty when all are pinned. (Cargo then resolves exactly the
/// pinned version, so the lock file cannot disagree.)
pub fn generator_pin_problems(root: &Path) -> Result<Vec<String>, Failure> {
    let metadata = crate::workspace_metadata(root)?;
    let dependencies = crate::metadata_package(&metadata, CODEGEN_PACKAGE)?["dependencies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut problems = Vec::new();
    for name in GENERATOR_CRATES {
        let req = dependencies
            .iter()
            .find(|d| d["name"] == name && d["kind"].is_null())
            .and_then(|d| d["req"].as_str());
        match req {
            Some(req) if req.starts_with('=') && !req.contains(',') => {}
            Some(req) => problems.push(format!(
                "{CODEGEN_PACKAGE} requires {name} {req}: pin it exactly (`=x.y.z`) in the workspace Cargo.toml, so consumers generate with the reviewed version"
            )),
            None => problems.push(format!(
                "{CODEGEN_PACKAGE} does not depend on {name} directly, so its version is not pinned: add it with an exact (`=x.y.z`) version"
            )),
        }
    }
    Ok(problems)
}

/// Whether to write files or only report what is stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Regenerate and write.
    Write,
    /// Change nothing; fail if anything is stale.
    Check,
}

/// One generated artifact: where it lives and what it should contain.
pub struct Artifact {
    /// Path relative to the workspace root.
    pub path: &'static str,
    /// Expected contents.
    pub contents: String,
}

/// Generates every artifact from the spec at `spec_path`.
pub fn generate(spec_path: &Path) -> Result<Vec<Artifact>, Failure> {
    let file =
        invent_codegen::SpecFile::load(spec_path).map_err(|e| Failure::new(e.to_string()))?;
    // Stamped with the spec's fingerprint, as the build scripts' output is.
    let sdk = file
        .generate(invent_codegen::generate_sdk)
        .map_err(|e| Failure::new(e.to_string()))?;
    let httpmock = file
        .generate(|spec| invent_codegen::generate_httpmock(spec, "invent_sdk"))
        .map_err(|e| Failure::new(e.to_string()))?;
    Ok(vec![
        Artifact {
            path: SDK_REVIEW_COPY,
            contents: sdk,
        },
        Artifact {
            path: HTTPMOCK_REVIEW_COPY,
            contents: httpmock,
        },
    ])
}

/// The model of the API described by the spec at `spec_path`.
pub fn model(spec_path: &Path) -> Result<Api, Failure> {
    let spec = invent_codegen::load_spec(spec_path).map_err(|e| Failure::new(e.to_string()))?;
    invent_codegen::build_model(&spec).map_err(|e| Failure::new(e.to_string()))
}

/// The model the checked-in snapshots show (one JSON snapshot per model and
/// per operation, written by the snapshot test from the model itself): what
/// the checked-in generated code was generated from. A snapshot that is not
/// such JSON (an older format) is left out.
pub fn checked_in_model(root: &Path) -> Result<Api, Failure> {
    let mut api = Api {
        version: String::new(),
        operations: Vec::new(),
        models: Default::default(),
    };
    for file in snapshot_files(&root.join(SNAPSHOT_DIR))? {
        let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let is = |kind: &str| name.starts_with(&format!("{SNAPSHOT_TEST}__{kind}__"));
        if !is("model") && !is("operation") {
            continue;
        }
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Failure::new(format!("{}: {e}", file.display())))?;
        let Some(json) = snapshot_contents(&text) else {
            continue;
        };
        if is("model") {
            if let Ok(model) = serde_json::from_str::<invent_codegen::model::Model>(json) {
                api.models.insert(model.name.clone(), model);
            }
        } else if let Ok(op) = serde_json::from_str(json) {
            api.operations.push(op);
        }
    }
    Ok(api)
}

/// The contents of an insta snapshot file: what follows its `---` header.
fn snapshot_contents(text: &str) -> Option<&str> {
    let text = text.strip_prefix("---\n")?;
    let end = text.find("\n---\n")?;
    Some(&text[end + "\n---\n".len()..])
}

/// Compares `artifact` with the file under `root`; writes it in [`Mode::Write`].
///
/// Returns the unified diff (empty when up to date).
pub fn write_or_check(root: &Path, artifact: &Artifact, mode: Mode) -> Result<String, Failure> {
    let path = root.join(artifact.path);
    let current = match std::fs::read_to_string(&path) {
        Ok(text) => normalize_newlines(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Failure::new(format!("{}: {e}", path.display()))),
    };
    if current == artifact.contents {
        return Ok(String::new());
    }
    let diff = similar::TextDiff::from_lines(&current, &artifact.contents)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{} (checked in)", artifact.path),
            &format!("b/{} (from {SPEC})", artifact.path),
        )
        .to_string();
    if mode == Mode::Write {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::new(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(&path, &artifact.contents)
            .map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    }
    Ok(diff)
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Runs the task.
pub fn run(mode: Mode) -> Result<(), Failure> {
    let root = project_root();
    let artifacts = generate(&root.join(SPEC))?;
    let changes = crate::summary::changes(&checked_in_model(&root)?, &model(&root.join(SPEC))?);
    let version_problems = versioning::check_tree(&root, &root.join(SPEC))?;
    let pin_problems = generator_pin_problems(&root)?;
    if pin_problems.is_empty() {
        println!("generator crates pinned: {}", GENERATOR_CRATES.join(", "));
    }
    if version_problems.is_empty() {
        println!(
            "versions agree: {SPEC} info.version, {}, {}",
            versioning::SDK_PACKAGE,
            versioning::CHANGELOG
        );
    }

    let mut stale = Vec::new();
    for artifact in &artifacts {
        let diff = write_or_check(&root, artifact, mode)?;
        if diff.is_empty() {
            println!("up to date: {}", artifact.path);
            continue;
        }
        match mode {
            Mode::Write => println!("updated: {}", artifact.path),
            Mode::Check => {
                println!("stale: {}\n{diff}", artifact.path);
                stale.push(artifact.path.to_owned());
            }
        }
    }
    if changes.is_empty() {
        println!("model of the API: unchanged (the snapshots in {SNAPSHOT_DIR} show it)");
    } else {
        println!("model of the API, against the checked-in snapshots:");
        for change in &changes {
            println!("  {change}");
        }
    }

    snapshots(&root, mode, &mut stale)?;

    let mut problems = Vec::new();
    if !stale.is_empty() {
        problems.push(format!(
            "stale: {}\nrun `cargo xtask codegen`, review the diff, and commit it with the reason",
            stale.join(", ")
        ));
    }
    problems.extend(version_problems);
    problems.extend(pin_problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(problems.join("\n")))
    }
}

/// Brings the insta snapshots of the model up to date (or checks them).
fn snapshots(root: &Path, mode: Mode, stale: &mut Vec<String>) -> Result<(), Failure> {
    let dir = root.join(SNAPSHOT_DIR);
    let before = snapshot_files(&dir)?;
    if mode == Mode::Write {
        // Removing them first lets types that left the spec take their snapshots along.
        for file in &before {
            if is_generated_model_snapshot(file) {
                std::fs::remove_file(file)
                    .map_err(|e| Failure::new(format!("{}: {e}", file.display())))?;
            }
        }
    }
    let mut cmd = Command::new(crate::cargo());
    cmd.current_dir(root)
        .args([
            "test",
            "--quiet",
            "-p",
            "invent-sdk",
            "--test",
            SNAPSHOT_TEST,
        ])
        .env("INSTA_FORCE_PASS", "0");
    match mode {
        Mode::Write => cmd.env("INSTA_UPDATE", "always").env_remove("CI"),
        Mode::Check => cmd.env("INSTA_UPDATE", "no").env("CI", "true"),
    };
    let status = cmd
        .status()
        .map_err(|e| Failure::new(format!("running cargo test: {e}")))?;

    let after = snapshot_files(&dir)?;
    if mode == Mode::Write {
        let added: Vec<_> = after.iter().filter(|f| !before.contains(f)).collect();
        let removed: Vec<_> = before.iter().filter(|f| !after.contains(f)).collect();
        for f in added {
            println!("  snapshot added: {}", display_rel(root, f));
        }
        for f in removed {
            println!("  snapshot removed: {}", display_rel(root, f));
        }
        if !status.success() {
            return Err(Failure::new(
                "snapshot tests failed after regeneration (see above)",
            ));
        }
        println!("snapshots: written; review them with `git diff {SNAPSHOT_DIR}`");
    } else if !status.success() {
        stale.push(format!("{SNAPSHOT_DIR} (snapshot tests fail; see above)"));
    } else {
        println!("up to date: {SNAPSHOT_DIR}");
    }
    Ok(())
}

fn is_generated_model_snapshot(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(&format!("{SNAPSHOT_TEST}__")) && n.ends_with(".snap"))
}

fn snapshot_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Failure::new(format!("{}: {e}", dir.display()))),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Failure::new(format!("{}: {e}", dir.display())))?;
        files.push(entry.path());
    }
    files.sort();
    Ok(files)
}

fn display_rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guard works: a field added to the spec makes the check fail, with a
    /// diff naming the field, until `cargo xtask codegen` writes it.
    #[test]
    fn a_field_added_to_the_spec_is_stale_until_regenerated() {
        let root = project_root();
        let spec = std::fs::read_to_string(root.join(SPEC)).expect("read openapi.yaml");
        let edited = spec.replacen(
            "    WorkbenchFeature:\n      type: object\n      description: Workbench settings.\n      properties:\n",
            "    WorkbenchFeature:\n      type: object\n      description: Workbench settings.\n      properties:\n        max_sessions:\n          type: integer\n          format: int64\n          description: Added by a test.\n",
            1,
        );
        assert_ne!(
            spec, edited,
            "the test's anchor text is no longer in openapi.yaml"
        );

        let dir = std::env::temp_dir().join(format!("xtask-guard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let spec_path = dir.join("openapi.yaml");
        std::fs::write(&spec_path, edited).expect("write edited spec");

        let artifacts = generate(&spec_path).expect("generate from the edited spec");
        let sdk = artifacts
            .iter()
            .find(|a| a.path == SDK_REVIEW_COPY)
            .expect("an SDK artifact");

        // Against the checked-in tree: stale, and the diff names the field.
        let diff = write_or_check(&root, sdk, Mode::Check).expect("check");
        assert!(
            diff.lines()
                .any(|l| l.starts_with('+') && l.contains("pub max_sessions")),
            "{diff}"
        );
        let changes = crate::summary::changes(
            &checked_in_model(&root).expect("checked-in snapshots"),
            &model(&spec_path).expect("model of the edited spec"),
        );
        assert!(
            changes
                .iter()
                .any(|c| c == "field added: WorkbenchFeature.max_sessions"),
            "{changes:?}"
        );

        // After writing (into a scratch tree), the same check passes.
        assert!(!write_or_check(&dir, sdk, Mode::Write)
            .expect("write")
            .is_empty());
        assert_eq!(write_or_check(&dir, sdk, Mode::Check).expect("check"), "");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    /// Issue 15: a consumer's build must generate with the reviewed versions.
    #[test]
    fn the_generator_crates_are_pinned_exactly() {
        let problems = generator_pin_problems(&project_root()).expect("cargo metadata");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_checked_in_snapshots_are_the_model() {
        let root = project_root();
        let checked_in = checked_in_model(&root).expect("snapshots");
        let current = model(&root.join(SPEC)).expect("model");
        assert_eq!(checked_in.models, current.models);
        assert_eq!(
            crate::summary::changes(&checked_in, &current),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_checked_in_review_copy_is_fresh() {
        let root = project_root();
        let artifacts = generate(&root.join(SPEC)).expect("generate");
        for artifact in artifacts {
            let diff = write_or_check(&root, &artifact, Mode::Check).expect("check");
            assert!(diff.is_empty(), "run `cargo xtask codegen`:\n{diff}");
        }
    }
}
