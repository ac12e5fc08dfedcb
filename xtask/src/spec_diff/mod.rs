//! `cargo xtask spec-diff [<base-ref>]`: what a change to `openapi.yaml` does
//! to SDK users and to the wire, and which semver bump it calls for.
//!
//! The old spec is `openapi.yaml` at a commit (default: where this branch left
//! `main`), the new one the working copy. Each change is one report line rated
//! for two audiences (see [`rules`]); the exit code says whether any change is
//! breaking, so a script can stop on it.

pub mod engine;
pub mod report;
pub mod rules;
pub mod rust;
pub mod shape;

use crate::codegen::SPEC;
use crate::{git, project_root, Failure};

pub use engine::{diff, Change, GenerationFailure, Group, Side, SpecDiff};
pub use report::{render, Bump};

/// What the comparison found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No change breaks SDK users or the wire.
    Compatible,
    /// At least one change does.
    Breaking,
}

/// Parses two spec texts (labels name them in errors) and compares them,
/// generating the SDK of each to rate what the changes do to Rust code. A spec
/// the generator rejects is reported in [`SpecDiff::generation_failures`], not
/// an error: the spec-level comparison still says what changed.
pub fn compare(
    old_text: &str,
    old_label: &str,
    new_text: &str,
    new_label: &str,
) -> Result<SpecDiff, Failure> {
    let parse = |text: &str, label: &str| {
        invent_codegen::parse_spec(text, label).map_err(|e| Failure::new(e.to_string()))
    };
    Ok(diff(
        &parse(old_text, old_label)?,
        &parse(new_text, new_label)?,
    ))
}

/// Runs the task: prints the report for `openapi.yaml` at `base` (default: the
/// merge base with `main`) against the working copy.
pub fn run(base: Option<&str>) -> Result<Outcome, Failure> {
    let root = project_root();
    let base = git::resolve_base(&root, base)?;
    let old_text = git::show(&root, &base.commit, SPEC)?;
    let new_path = root.join(SPEC);
    let new_text = std::fs::read_to_string(&new_path)
        .map_err(|e| Failure::new(format!("{}: {e}", new_path.display())))?;
    let old_label = format!("{SPEC} at {} ({})", base.label, base.short());
    let new_label = format!("{SPEC} (working copy)");
    let diff = compare(&old_text, &old_label, &new_text, &new_label)?;
    print!("{}", render(&diff, &old_label, &new_label));
    Ok(if diff.is_breaking() {
        Outcome::Breaking
    } else {
        Outcome::Compatible
    })
}
