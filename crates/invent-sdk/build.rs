//! Generates the SDK's models and operations from `openapi.yaml` into `OUT_DIR`.

fn main() -> std::process::ExitCode {
    invent_codegen::build_script("invent_sdk.rs", invent_codegen::generate_sdk)
}
