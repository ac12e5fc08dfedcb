//! Generates the typed httpmock helpers from `openapi.yaml` into `OUT_DIR`,
//! with the same generator settings as `invent-sdk` (`invent-codegen`).

fn main() -> std::process::ExitCode {
    invent_codegen::build_script("invent_sdk_httpmock.rs", |spec| {
        invent_codegen::generate_httpmock(spec, "invent_sdk")
    })
}
