//! Generates the typed httpmock helpers from `openapi.yaml` into `OUT_DIR`,
//! with the same generator settings as `invent-sdk` (`invent-codegen`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec = manifest_dir.join("openapi.yaml");
    println!("cargo::rerun-if-changed={}", spec.display());

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let code = invent_codegen::load_spec(&spec)
        .map_err(invent_codegen::GenerateError::from)
        .and_then(|spec| invent_codegen::generate_httpmock(&spec, "invent_sdk"));
    match code {
        Ok(code) => match std::fs::write(out_dir.join("invent_sdk_httpmock.rs"), code) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                println!("cargo::error=writing generated code: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            // One line: cargo shows the first line of each `cargo::error`.
            println!("cargo::error={}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
