//! Snapshots of what is generated from `openapi.yaml`, read from the model
//! of the API that invent-codegen builds (never from the generated Rust): one
//! per model and one per operation, plus the JSON Schemas of `Chat` and both
//! request bodies. A spec change shows up here as a small per-item diff.
//!
//! Update with `cargo xtask codegen` (never by accepting blindly: read the diff).

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/invent_sdk.rs"));
const REVIEW_COPY: &str = include_str!("../generated/invent_sdk.rs");

fn api() -> invent_codegen::model::Api {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.yaml");
    let spec = invent_codegen::load_spec(&path).expect("the SDK's spec loads");
    invent_codegen::build_model(&spec).expect("the model builds")
}

/// The build writes the code unformatted; the review copy is the same code
/// laid out by `cargo xtask codegen`.
#[test]
fn review_copy_matches_what_the_build_generates() {
    let laid_out = invent_codegen::pretty::review_copy(GENERATED).expect("generated code parses");
    assert!(
        laid_out == REVIEW_COPY.replace("\r\n", "\n"),
        "crates/invent-sdk/generated/invent_sdk.rs is stale: run `cargo xtask codegen`"
    );
}

#[test]
fn each_model() {
    let api = api();
    assert!(!api.models.is_empty());
    for (name, model) in &api.models {
        insta::assert_json_snapshot!(format!("model__{name}"), model);
    }
}

#[test]
fn each_operation() {
    let api = api();
    assert!(!api.operations.is_empty());
    for op in &api.operations {
        insta::assert_json_snapshot!(format!("operation__{}", op.id), op);
    }
}

#[test]
fn json_schemas() {
    use invent_sdk::types::{Chat, ForkChatRequest, UpdateChatStateRequest};
    let pretty = |schema: schemars::schema::RootSchema| {
        serde_json::to_string_pretty(&schema).expect("encodes")
    };
    insta::assert_snapshot!("schema__Chat", pretty(schemars::schema_for!(Chat)));
    insta::assert_snapshot!(
        "schema__UpdateChatStateRequest",
        pretty(schemars::schema_for!(UpdateChatStateRequest))
    );
    insta::assert_snapshot!(
        "schema__ForkChatRequest",
        pretty(schemars::schema_for!(ForkChatRequest))
    );
}
