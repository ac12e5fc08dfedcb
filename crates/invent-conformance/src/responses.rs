//! Responses: Schemathesis, with all its checks, against `invent-mock-server`
//! started in this process (settings in `.ci/schemathesis.toml`, each
//! exception explained there).

use std::path::Path;
use std::process::Command;

use crate::tools::Tools;
use crate::{run_ok, runtime, step, Failure};

const SCHEMATHESIS_CONFIG: &str = ".ci/schemathesis.toml";
/// Examples per operation and phase; raise with INVENT_ST_EXAMPLES.
const SCHEMATHESIS_EXAMPLES: &str = "50";

/// Runs Schemathesis against a mock server it starts and stops.
pub(crate) fn schemathesis(root: &Path, tools: &Tools) -> Result<(), Failure> {
    step("responses: Schemathesis (all checks) against invent-mock-server");
    let runtime = runtime()?;
    let server = runtime
        .block_on(invent_mock_server::MockServer::builder().start())
        .map_err(|e| Failure::new(format!("mock server: {e}")))?;
    let examples =
        std::env::var("INVENT_ST_EXAMPLES").unwrap_or_else(|_| SCHEMATHESIS_EXAMPLES.to_owned());
    let result = run_ok(
        Command::new(tools.venv_bin.join("st"))
            .arg("--config-file")
            .arg(root.join(SCHEMATHESIS_CONFIG))
            .args([
                "run",
                "openapi.yaml",
                "--url",
                server.url(),
                "--checks",
                "all",
                "--generation-deterministic",
            ])
            .args(["--max-examples", &examples])
            .args([
                "--header",
                &format!("Authorization: Bearer {}", server.api_key()),
            ])
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .current_dir(root),
    );
    runtime.block_on(server.shutdown());
    result
}
