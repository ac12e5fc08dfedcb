//! The worked example of `docs/regenerate-workflow.md`, run for real: the spec
//! that only knows seed 000's `Chat` (`fixtures/openapi-seed-000.yaml`) is
//! upgraded to the one that knows seed 003's (`fixtures/openapi-seed-003.yaml`).
//!
//! Each step's output is an insta snapshot, and the doc must show the snapshot
//! verbatim, so neither the tools' output nor the doc can drift silently. After
//! an intended change: `INSTA_UPDATE=always cargo test -p xtask --test
//! worked_example`, review the `.snap` diff, and paste the new text into the doc.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::collections::BTreeSet;

use xtask::spec_diff::{self, rules::Sdk, rules::Wire, SpecDiff};

const OLD: &str = include_str!("fixtures/openapi-seed-000.yaml");
const NEW: &str = include_str!("fixtures/openapi-seed-003.yaml");
const OLD_LABEL: &str = "openapi-seed-000.yaml";
const NEW_LABEL: &str = "openapi-seed-003.yaml";
const DOC: &str = include_str!("../../docs/regenerate-workflow.md");

fn compare(old: &str, old_label: &str, new: &str, new_label: &str) -> (SpecDiff, String) {
    let diff = spec_diff::compare(old, old_label, new, new_label).unwrap();
    let report = spec_diff::render(&diff, old_label, new_label);
    (diff, report)
}

fn model(text: &str) -> invent_codegen::model::Api {
    let spec = invent_codegen::parse_spec(text, "fixture").unwrap();
    invent_codegen::build_model(&spec).unwrap()
}

/// A model as its snapshot shows it.
fn model_snapshot(api: &invent_codegen::model::Api, name: &str) -> String {
    serde_json::to_string_pretty(&api.models[name]).unwrap() + "\n"
}

fn assert_doc_shows(what: &str, text: &str) {
    assert!(
        DOC.contains(text),
        "docs/regenerate-workflow.md does not show the current {what}; replace it with:\n\n{text}"
    );
}

/// The spec with a field removed (`Chat.shared_url`) and a field made
/// required (`UpdateChatStateRequest.state`).
fn breaking_edit() -> String {
    let removed = NEW.replacen(
        "        shared_url:\n          type: string\n          description: The shared URL of the chat, if it is shared.\n",
        "",
        1,
    );
    let required = removed.replacen(
        "      description: Schema for updating chat state. Every property is optional.\n",
        "      description: Schema for updating chat state. Every property is optional.\n      required: [state]\n",
        1,
    );
    assert_ne!(NEW, removed, "Chat.shared_url is no longer in the fixture");
    assert_ne!(
        removed, required,
        "UpdateChatStateRequest's description changed"
    );
    required
}

#[test]
fn spec_diff_rates_the_upgrade() {
    let (diff, report) = compare(OLD, OLD_LABEL, NEW, NEW_LABEL);

    // Wire-compatible (only additions), and additive for Rust code: the 13 new
    // optional fields are on #[non_exhaustive] models, which code outside the
    // SDK cannot build with struct literals; hence a minor (0.x patch) bump.
    assert!(diff.changes.iter().all(|c| c.wire == Wire::Compatible));
    assert!(
        diff.changes.iter().all(|c| c.sdk == Sdk::Additive),
        "{report}"
    );
    let new_fields = diff
        .changes
        .iter()
        .filter(|c| c.sdk_rule.id == "s-new-field-ne")
        .count();
    assert_eq!(new_fields, 13, "{report}");
    assert!(!diff.is_breaking());
    assert!(
        report.contains("suggested bump: minor (0.1.0 -> 0.1.1)"),
        "{report}"
    );

    insta::assert_snapshot!("spec_diff_report", report);
    assert_doc_shows("spec-diff report", &report);
}

#[test]
fn codegen_summarizes_the_generated_models() {
    let changes = xtask::summary::changes(&model(OLD), &model(NEW));
    let text = changes.join("\n") + "\n";
    insta::assert_snapshot!("model_changes", text);
    assert_doc_shows("model change summary", &text);
}

#[test]
fn the_model_snapshot_diff_shows_the_new_fields() {
    let old = model_snapshot(&model(OLD), "ChatFeatures");
    let new = model_snapshot(&model(NEW), "ChatFeatures");
    let diff = similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .header("ChatFeatures (seed 000)", "ChatFeatures (seed 003)")
        .to_string();
    assert!(
        diff.contains("+      \"name\": \"auto_discover\","),
        "{diff}"
    );
    insta::assert_snapshot!("chat_features_diff", diff);
    assert_doc_shows("ChatFeatures model diff", &diff);
}

/// spec-diff (which reads the spec) and codegen's summary (which reads the
/// model of the generated code) agree on which types and fields are new.
#[test]
fn spec_diff_and_the_generated_code_agree() {
    let (diff, _) = compare(OLD, OLD_LABEL, NEW, NEW_LABEL);
    let from_spec: BTreeSet<String> = diff
        .changes
        .iter()
        .filter_map(|c| {
            if c.event.starts_with("property added") {
                Some(format!("field added: {}", c.subject))
            } else if c.event.starts_with("schema added") {
                Some(format!("type added: {}", c.subject))
            } else {
                None
            }
        })
        .collect();
    let from_code: BTreeSet<String> = xtask::summary::changes(&model(OLD), &model(NEW))
        .into_iter()
        .filter(|c| c.starts_with("field added") || c.starts_with("type added"))
        // `type` is a keyword: the generated field is `type_`.
        .map(|c| c.strip_suffix('_').map(str::to_owned).unwrap_or(c))
        .collect();
    assert_eq!(from_spec, from_code);
}

#[test]
fn a_breaking_edit_is_flagged() {
    let edited = breaking_edit();
    let label = "openapi-seed-003.yaml + breaking edit";
    let (diff, report) = compare(NEW, NEW_LABEL, &edited, label);
    let lines: Vec<_> = diff.changes.iter().map(spec_diff::report::line).collect();
    assert_eq!(
        lines,
        [
            "BREAK  BREAK  Chat.shared_url: property removed (was optional string)  [s-field-gone, w-data-gone]",
            "BREAK  BREAK  UpdateChatStateRequest.state: made required  [s-type, w-required-missing]",
        ]
    );
    assert!(diff.is_breaking());
    insta::assert_snapshot!("breaking_edit_report", report);
    assert_doc_shows("breaking-edit report", &report);
}

/// The doc's install command for cargo-semver-checks is the one `cargo xtask
/// semver` prints.
#[test]
fn the_doc_pins_the_same_cargo_semver_checks() {
    assert_doc_shows("install command", &xtask::semver::install_command());
}
