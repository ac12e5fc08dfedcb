//! Generates the SDK's models and operations from `openapi.yaml` into
//! `OUT_DIR` (feature `codegen`, the default); without it, checks that the
//! reviewed copy in `generated/` was generated from that spec and uses it.

fn main() -> std::process::ExitCode {
    #[cfg(feature = "codegen")]
    return invent_codegen::build_script("invent_sdk.rs", invent_codegen::generate_sdk);
    #[cfg(not(feature = "codegen"))]
    return invent_review_copy::build_script("invent_sdk.rs");
}
