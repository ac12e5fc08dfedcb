//! Generates the typed httpmock helpers from `openapi.yaml` into `OUT_DIR`,
//! with the same generator settings as `invent-sdk` (feature `codegen`, the
//! default); without it, checks and uses the reviewed copy in `generated/`.

fn main() -> std::process::ExitCode {
    #[cfg(feature = "codegen")]
    return invent_codegen::build_script("invent_sdk_httpmock.rs", |spec| {
        invent_codegen::generate_httpmock(spec, "invent_sdk")
    });
    #[cfg(not(feature = "codegen"))]
    return invent_review_copy::build_script("invent_sdk_httpmock.rs");
}
