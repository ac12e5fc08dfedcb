//! `cargo xtask conformance`: the contract checked by tools nobody here wrote.
//!
//! 1. Lint: Redocly, Spectral (`spectral:oas`) and openapi-spec-validator on
//!    `openapi.yaml`, warnings included.
//! 2. Requests: Prism mocks `openapi.yaml` with request validation; the SDK
//!    sends every operation in several shapes and Prism must accept each (and
//!    the SDK must decode what Prism generates). Negative controls, sent raw
//!    past the SDK's checks, must be rejected, or the check proves nothing.
//! 3. Responses: Schemathesis runs all its checks against the mock server.
//!
//! The tools are pinned in `.ci/tools/` and installed from npm and PyPI on
//! first use; nothing else is downloaded. Servers bind 127.0.0.1 only and are
//! stopped when the task ends, failed or not.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use invent_sdk::types::{AssistantConfig, ChatStateStatus, ConversationConfig, SpeechToTextConfig};
use invent_sdk::Client;

use crate::{project_root, Failure};

const TOOLS: &str = ".ci/tools";
const SCHEMATHESIS_CONFIG: &str = ".ci/schemathesis.toml";
/// Enough to cover both operations in every phase; raise with INVENT_ST_EXAMPLES.
const SCHEMATHESIS_EXAMPLES: &str = "50";

/// Runs every check; stops at the first that fails.
pub fn run() -> Result<(), Failure> {
    let root = project_root();
    let tools = Tools::ensure(&root)?;
    lint(&root, &tools)?;
    prism(&root, &tools)?;
    schemathesis(&root, &tools)?;
    println!("\nconformance: all checks passed");
    Ok(())
}

/// Paths of the installed tools.
struct Tools {
    bin: PathBuf,
    venv_bin: PathBuf,
}

impl Tools {
    /// Installs the pinned tools unless they already are.
    fn ensure(root: &Path) -> Result<Tools, Failure> {
        let dir = root.join(TOOLS);
        let tools = Tools {
            bin: dir.join("node_modules/.bin"),
            venv_bin: dir.join("venv/bin"),
        };
        if !tools.bin.join("prism").exists()
            || !tools.bin.join("spectral").exists()
            || !tools.bin.join("redocly").exists()
        {
            step("installing npm tools (package-lock.json)");
            run_ok(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&dir),
            )?;
        }
        if !tools.venv_bin.join("st").exists()
            || !tools.venv_bin.join("openapi-spec-validator").exists()
        {
            step("installing Python tools (requirements.txt)");
            run_ok(
                Command::new("python3")
                    .args(["-m", "venv", "venv"])
                    .current_dir(&dir),
            )?;
            run_ok(
                Command::new(tools.venv_bin.join("pip"))
                    .args([
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "-r",
                        "requirements.txt",
                    ])
                    .current_dir(&dir),
            )?;
        }
        Ok(tools)
    }
}

fn step(what: &str) {
    println!("\n==> {what}");
}

fn run_ok(cmd: &mut Command) -> Result<(), Failure> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| Failure::new(format!("could not run {shown}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!("{shown} failed ({status})")))
    }
}

fn lint(root: &Path, tools: &Tools) -> Result<(), Failure> {
    step("lint: Redocly (recommended rules, warnings are errors)");
    run_ok(
        Command::new(tools.bin.join("redocly"))
            .args([
                "lint",
                "openapi.yaml",
                "--format=stylish",
                "--max-problems=50",
            ])
            .env("REDOCLY_TELEMETRY", "off")
            .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
            .current_dir(root),
    )?;
    step("lint: Spectral (spectral:oas, failing on warnings)");
    run_ok(
        Command::new(tools.bin.join("spectral"))
            .args([
                "lint",
                "openapi.yaml",
                "--ruleset",
                ".spectral.yaml",
                "--fail-severity=warn",
            ])
            .current_dir(root),
    )?;
    step("lint: openapi-spec-validator");
    run_ok(
        Command::new(tools.venv_bin.join("openapi-spec-validator"))
            .arg("openapi.yaml")
            .current_dir(root),
    )
}

/// A child process killed when dropped, so no server outlives the task.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, Failure> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Failure::new(format!("no free port on 127.0.0.1: {e}")))
}

fn wait_until_listening(
    addr: SocketAddr,
    server: &mut Server,
    within: Duration,
) -> Result<(), Failure> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            return Err(Failure::new(format!(
                "the server exited before listening ({status})"
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(Failure::new(format!(
        "nothing listened on {addr} within {within:?}"
    )))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("tokio runtime: {e}")))
}

fn prism(root: &Path, tools: &Tools) -> Result<(), Failure> {
    step("requests: the SDK against Prism (mock mode, request validation)");
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let child = Command::new(tools.bin.join("prism"))
        .args([
            "mock",
            "openapi.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| Failure::new(format!("could not start Prism: {e}")))?;
    let mut server = Server(child);
    wait_until_listening(addr, &mut server, Duration::from_secs(60))?;
    let base_url = format!("http://{addr}");
    let report = runtime()?.block_on(prism_checks(&base_url))?;
    for line in &report {
        println!("  {line}");
    }
    drop(server);
    Ok(())
}

/// Every operation in several shapes, then the negative controls.
async fn prism_checks(base_url: &str) -> Result<Vec<String>, Failure> {
    let client = Client::builder()
        .api_key("conformance-key")
        .base_url(base_url)
        .max_retries(0)
        .build()
        .map_err(|e| Failure::new(e.to_string()))?;
    let soon = invent_sdk::Timestamp::from(chrono::Utc::now() + chrono::Duration::days(2));
    // The models are non-exhaustive: built from `Default`, field by field.
    let mut stt = SpeechToTextConfig::default();
    stt.model = Some("whisper-1".into());
    let mut conversation = ConversationConfig::default();
    conversation.suggested_messages = Some(vec!["Where is my order?".into()]);
    conversation.enable_auto_csat = Some(true);
    let mut config = AssistantConfig::default();
    config.model = Some("gpt-4.1-mini".into());
    config.stt = Some(stt);
    config.conversation = Some(conversation);
    let odd_id = "a/b c?d#e%f";
    let mut report = Vec::new();
    let mut expect_ok = |what: &str,
                         result: Result<
        invent_sdk::ApiResponse<invent_sdk::types::Chat>,
        invent_sdk::Error,
    >| {
        match result {
            Ok(chat) => {
                report.push(format!("accepted: {what} (status {})", chat.status()));
                Ok(())
            }
            Err(e) => Err(Failure::new(format!("Prism rejected {what}: {e}"))),
        }
    };
    expect_ok(
        "update_chat_state, every field set",
        client
            .update_chat_state("chat_01J9QK3M7XW2V8RZ4T6YB5NCHD")
            .state(ChatStateStatus::Snoozed)
            .ai_enabled(true)
            .assistant_config(config)
            .follow_up_at(soon.clone())
            .muted_until(soon)
            .csat_score(5)
            .send()
            .await,
    )?;
    expect_ok(
        "update_chat_state, explicit nulls",
        client
            .update_chat_state("chat_1")
            .clear_follow_up()
            .unmute()
            .send()
            .await,
    )?;
    expect_ok(
        "update_chat_state, empty body",
        client.update_chat_state("chat_1").send().await,
    )?;
    expect_ok(
        "update_chat_state, id needing encoding",
        client
            .update_chat_state(odd_id)
            .state(ChatStateStatus::Closed)
            .send()
            .await,
    )?;
    expect_ok(
        "fork_chat, message and title",
        client
            .fork_chat("chat_1")
            .message_id("msg_1")
            .title("Follow-up")
            .send()
            .await,
    )?;
    expect_ok(
        "fork_chat, message only, id needing encoding",
        client.fork_chat(odd_id).message_id("msg_1").send().await,
    )?;

    // Negative controls: what the SDK refuses to send, sent raw. Prism must say no.
    let raw = reqwest::Client::new();
    let negatives = [
        ("PATCH", "/chats/chat_1/state", r#"{"csat_score": 9}"#),
        ("PATCH", "/chats/chat_1/state", r#"{"state": "ARCHIVED"}"#),
        (
            "PATCH",
            "/chats/chat_1/state",
            r#"{"follow_up_at": "tomorrow"}"#,
        ),
        (
            "POST",
            "/chats/chat_1/fork",
            r#"{"title": "no message_id"}"#,
        ),
    ];
    for (method, path, body) in negatives {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| Failure::new(e.to_string()))?;
        let response = raw
            .request(method.clone(), format!("{base_url}{path}"))
            .bearer_auth("conformance-key")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::new(format!("negative control {body}: {e}")))?;
        let status = response.status();
        if status.as_u16() != 422 && status.as_u16() != 400 {
            return Err(Failure::new(format!(
                "negative control not rejected: {method} {path} {body} got {status}; the check cannot fail"
            )));
        }
        report.push(format!(
            "rejected (negative control): {method} {path} {body} -> {status}"
        ));
    }
    Ok(report)
}

fn schemathesis(root: &Path, tools: &Tools) -> Result<(), Failure> {
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
