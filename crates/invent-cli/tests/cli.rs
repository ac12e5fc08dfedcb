//! The `invent` binary end to end: each subcommand and error path against an
//! embedded mock server, output compared with reviewed insta snapshots (request
//! ids, chat ids of forks and clock-dependent times redacted).

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use assert_cmd::Command;
use invent_mock_server::{MockServer, DEFAULT_API_KEY};
use invent_sdk::Nullable;

const CHAT: &str = "chat_01J9QK3M7XW2V8RZ4T6YB5NCHD";
const MIDDLE_MESSAGE: &str = "msg_01J9QK5X8Z0B2C4D6E8F0G2H4J";

fn invent(server: &MockServer) -> Command {
    invent_at(server.url())
}

/// `invent` with the mock server's key, against `base_url`.
fn invent_at(base_url: &str) -> Command {
    let mut cmd = Command::cargo_bin("invent").expect("binary");
    cmd.env_clear()
        .env("INVENT_API_KEY", DEFAULT_API_KEY)
        .env("INVENT_BASE_URL", base_url);
    cmd
}

/// Runs the command off the async runtime that drives the server.
async fn run(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joined")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

macro_rules! assert_redacted_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({filters => vec![
            (r"req_[A-Za-z0-9_]+", "[request-id]"),
            // Seeded chats are from 2024 (ULID prefix 01J); forks made now sort later.
            (r"chat_01[K-Z][0-9A-Z]{23}", "[fork-id]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", "[time]"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        ]}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

#[tokio::test(flavor = "multi_thread")]
async fn state_closes_a_chat_with_a_score() {
    let server = MockServer::start().await;
    let mut cmd = invent(&server);
    cmd.args([
        "chat",
        "state",
        CHAT,
        "--state",
        "closed",
        "--csat",
        "5",
        "--ai-enabled",
        "false",
    ]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_redacted_snapshot!("state_close", text(&out.stdout));
    let state = server.chat(CHAT).and_then(|c| c.state).expect("state");
    assert_eq!(state.csat_score.map(|c| c.get()), Some(5));
    assert_eq!(state.ai_enabled, Some(false));
}

#[tokio::test(flavor = "multi_thread")]
async fn state_sets_and_clears_schedules() {
    let server = MockServer::start().await;
    // Muting is limited to one year ahead of the clock.
    let mute_until = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let mut cmd = invent(&server);
    cmd.args([
        "chat",
        "state",
        CHAT,
        "--state",
        "snoozed",
        "--follow-up-at",
        "2030-01-02T09:00:00+01:00",
        "--mute-until",
        &mute_until,
    ]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let state = server.chat(CHAT).and_then(|c| c.state).expect("state");
    assert_eq!(
        state
            .follow_up_at
            .and_then(Nullable::into_value)
            .map(|t| t.to_string())
            .as_deref(),
        Some("2030-01-02T09:00:00+01:00")
    );

    let mut cmd = invent(&server);
    cmd.args([
        "chat",
        "state",
        CHAT,
        "--clear-follow-up",
        "--unmute",
        "--json",
    ]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let chat: invent_sdk::types::Chat =
        serde_json::from_slice(&out.stdout).expect("--json prints a Chat");
    let state = chat.state.expect("state");
    assert!(
        state.follow_up_at.as_ref().is_none_or(Nullable::is_null),
        "{state:?}"
    );
    assert!(
        state.muted_until.as_ref().is_none_or(Nullable::is_null),
        "{state:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fork_copies_up_to_the_message() {
    let server = MockServer::start().await;
    let mut cmd = invent(&server);
    cmd.args([
        "chat",
        "fork",
        CHAT,
        "--message",
        MIDDLE_MESSAGE,
        "--title",
        "Refund follow-up",
    ]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_redacted_snapshot!("fork", text(&out.stdout));
    assert_eq!(server.chats().len(), 4, "one new chat");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_errors_are_one_line_with_status_and_request_id() {
    let server = MockServer::start().await;
    let mut cmd = invent(&server);
    cmd.args(["chat", "fork", CHAT, "--message", "msg_missing"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: Invent API error 404 Not Found, request id req_"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let mut cmd = invent(&server);
    cmd.env("INVENT_API_KEY", "wrong-key")
        .args(["chat", "state", CHAT, "--state", "open"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error: Invent API error 401 Unauthorized"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("wrong-key"));
}

/// The SDK's `Display` leaves the cause to `source()`; the CLI prints both.
#[test]
fn a_connection_failure_names_its_cause_once() {
    // Bind then drop: the port is closed, connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let out = invent_at(&format!("http://127.0.0.1:{port}"))
        .args(["chat", "state", CHAT, "--state", "open"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: could not reach the Invent API (3 attempts): "),
        "{stderr}"
    );
    assert_eq!(stderr.matches("refused").count(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_never_reaches_the_server() {
    let server = MockServer::start().await;
    let cases: [&[&str]; 5] = [
        &["chat", "state", CHAT, "--csat", "9"],
        &["chat", "state", CHAT, "--follow-up-at", "tomorrow"],
        &[
            "chat",
            "state",
            CHAT,
            "--follow-up-at",
            "2030-01-01T00:00:00Z",
            "--clear-follow-up",
        ],
        &["chat", "state", CHAT, "--state", "archived"],
        &["chat", "fork", CHAT],
    ];
    for args in cases {
        let mut cmd = invent(&server);
        cmd.args(args);
        let out = run(cmd).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stderr).contains("panicked"),
            "{}",
            text(&out.stderr)
        );
    }
    for id in ["..", "."] {
        let mut cmd = invent(&server);
        cmd.args(["chat", "state", id, "--state", "open"]);
        let out = run(cmd).await;
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("invalid `chat_id`"),
            "{}",
            text(&out.stderr)
        );
    }
    assert_eq!(server.requests().len(), 0, "a request reached the server");
}

#[test]
fn a_missing_api_key_names_the_variable() {
    let out = Command::cargo_bin("invent")
        .expect("binary")
        .env_clear()
        .args(["chat", "state", CHAT, "--state", "open"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: invalid client configuration: INVENT_API_KEY is not set (or empty): export your Invent API key as INVENT_API_KEY\n"
    );
}

#[test]
fn the_demo_runs_end_to_end_offline() {
    let out = Command::cargo_bin("invent")
        .expect("binary")
        .env_clear()
        .arg("demo")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_redacted_snapshot!("demo", text(&out.stdout));
}

#[test]
fn the_command_line_surface() {
    let mut surface = String::new();
    for args in [
        &["--help"][..],
        &["chat", "--help"],
        &["chat", "state", "--help"],
        &["chat", "fork", "--help"],
        &["api", "--help"],
        &["demo", "--help"],
    ] {
        let out = Command::cargo_bin("invent")
            .expect("binary")
            .args(args)
            .output()
            .expect("runs");
        assert!(out.status.success());
        surface.push_str(&format!(
            "$ invent {}\n{}\n",
            args.join(" "),
            text(&out.stdout)
        ));
    }
    insta::assert_snapshot!("help", surface);
}

/// A server (or proxy) that echoes the request's `Authorization` header back:
/// in `x-request-id` and in the body `body(auth)`, under `status_line`.
fn echoing_server(status_line: &'static str, body: fn(&str) -> String) -> String {
    echoing_server_of("authorization:", status_line, body)
}

/// As [`echoing_server`], echoing the header `name` (lower case, with its colon).
fn echoing_server_of(
    name: &'static str,
    status_line: &'static str,
    body: fn(&str) -> String,
) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let (mut auth, mut length) = (String::new(), 0usize);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix(name) {
                    let start = line.len() - value.len();
                    auth = line[start..].trim().to_owned();
                } else if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            // Read the whole request: closing on unread bytes would reset.
            let _ = reader
                .by_ref()
                .take(length as u64)
                .read_to_end(&mut Vec::new());
            let body = body(&auth);
            let response = format!(
                "{status_line}\r\ncontent-type: application/json\r\nx-request-id: {auth}\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = reader.get_mut().write_all(response.as_bytes());
        }
    });
    url
}

#[test]
fn the_key_never_reaches_stdout_or_stderr_even_when_a_server_echoes_it() {
    const KEY: &str = "sk-test-3f9a7c1e-DO-NOT-PRINT";
    // A success body is data and shown as sent: only its headers echo the key.
    let ok = echoing_server("HTTP/1.1 200 OK", |_| format!(r#"{{"id":"{CHAT}"}}"#));
    let refused = echoing_server("HTTP/1.1 400 Bad Request", |auth| {
        format!(r#"{{"message":"bad request with {auth}","code":"{auth}"}}"#)
    });
    for (url, succeeds) in [(ok, true), (refused, false)] {
        let out = Command::cargo_bin("invent")
            .expect("binary")
            .env_clear()
            .env("INVENT_API_KEY", KEY)
            .env("INVENT_BASE_URL", &url)
            .args(["chat", "state", CHAT, "--state", "open"])
            .output()
            .expect("runs");
        assert_eq!(out.status.success(), succeeds, "{out:?}");
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        for output in [&stdout, &stderr] {
            assert!(!output.contains(KEY), "the key leaked: {output}");
        }
        let shown = if succeeds { &stdout } else { &stderr };
        assert!(
            shown.contains("request id Bearer [REDACTED]"),
            "the echoed request id is shown, scrubbed: {shown}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn api_reaches_an_operation_by_its_id_and_prints_the_json() {
    let server = MockServer::start().await;
    let mut cmd = invent(&server);
    cmd.args([
        "api",
        "update_chat_state",
        "--param",
        &format!("chat_id={CHAT}"),
        "--body",
        r#"{"state": "CLOSED", "csat_score": 4, "follow_up_at": null}"#,
    ]);
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let chat: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(chat["id"], CHAT);
    assert_eq!(chat["state"]["state"], "CLOSED");
    assert_eq!(chat["state"]["csat_score"], 4);
    assert_eq!(chat["state"]["follow_up_at"], serde_json::Value::Null);
    // Sent through the SDK: its user agent and the exact body.
    let request = server.requests().pop().expect("one request");
    assert!(request
        .headers
        .iter()
        .any(|(name, value)| name == "user-agent" && value.starts_with("invent-sdk-rust/")));
    let sent: serde_json::Value = serde_json::from_slice(&request.body).expect("JSON");
    assert_eq!(
        sent,
        serde_json::json!({"state": "CLOSED", "csat_score": 4, "follow_up_at": null})
    );

    // The body from a file; `-p` for parameters.
    let dir = std::env::temp_dir().join(format!("invent-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("fork.json");
    std::fs::write(&file, format!(r#"{{"message_id": "{MIDDLE_MESSAGE}"}}"#)).expect("write");
    let mut cmd = invent(&server);
    cmd.args(["api", "fork_chat", "-p", &format!("chat_id={CHAT}")])
        .arg("--body")
        .arg(format!("@{}", file.display()));
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let fork: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_ne!(fork["id"], CHAT);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_checks_inputs_against_the_spec_before_sending() {
    let server = MockServer::start().await;
    let chat_id = format!("chat_id={CHAT}");
    let cases: [(&[&str], &str); 7] = [
        (&["api", "no_such_op"], "no operation \"no_such_op\""),
        (
            &[
                "api",
                "update_chat_state",
                "-p",
                &chat_id,
                "--body",
                r#"{"csat_score": 9}"#,
            ],
            "csat_score",
        ),
        (
            &[
                "api",
                "update_chat_state",
                "-p",
                &chat_id,
                "--body",
                r#"{"colour": "red"}"#,
            ],
            "no body property \"colour\"",
        ),
        (&["api", "update_chat_state", "--body", "{}"], "chat_id"),
        (
            &["api", "fork_chat", "-p", &chat_id, "--body", "{}"],
            "message_id",
        ),
        (
            &["api", "fork_chat", "-p", &chat_id],
            "requires a JSON body",
        ),
        (
            &[
                "api",
                "update_chat_state",
                "-p",
                "chat_id=..",
                "--body",
                "{}",
            ],
            "chat_id",
        ),
    ];
    for (args, needle) in cases {
        let mut cmd = invent(&server);
        cmd.args(args);
        let out = run(cmd).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(server.requests().len(), 0, "a request reached the server");

    // API errors keep exit code 1 and the one-line error with the request id.
    let mut cmd = invent(&server);
    cmd.args([
        "api",
        "fork_chat",
        "-p",
        &chat_id,
        "--body",
        r#"{"message_id": "msg_missing"}"#,
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error: Invent API error 404 Not Found, request id req_"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn api_lists_the_operations_without_a_key() {
    let out = Command::cargo_bin("invent")
        .expect("binary")
        .env_clear()
        .args(["api", "--list"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&out.stdout);
    assert!(
        list.contains("update_chat_state        PATCH  /chats/{chat_id}/state"),
        "{list}"
    );
    assert!(
        list.contains("fork_chat                POST   /chats/{chat_id}/fork"),
        "{list}"
    );
}

#[test]
fn api_sends_headers_given_with_header_and_refuses_authorization() {
    let url = echoing_server_of("x-trace-id:", "HTTP/1.1 200 OK", |value| {
        format!(r#"{{"id":"{value}"}}"#)
    });
    let api = |header: &str| {
        invent_at(&url)
            .args([
                "api",
                "update_chat_state",
                "-p",
                "chat_id=c",
                "--body",
                "{}",
            ])
            .args(["--header", header])
            .output()
            .expect("runs")
    };
    let out = api("X-Trace-Id: run-42");
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains(r#""id": "run-42""#), "{out:?}");

    let out = api("Authorization: Bearer sk-other");
    assert_eq!(out.status.code(), Some(2), "usage: nothing was sent");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("authorization") && !stderr.contains("sk-other"),
        "{stderr}"
    );
}

#[test]
fn api_connection_errors_name_their_cause_once() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let out = invent_at(&format!("http://127.0.0.1:{port}"))
        .args([
            "api",
            "update_chat_state",
            "-p",
            "chat_id=c",
            "--body",
            "{}",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(stderr.matches("refused").count(), 1, "{stderr}");
}

/// Issue 20: `..\..\orgs\c\secret` used to be sent as `PATCH
/// /orgs/c/secret/state` with the API key (the URL standard reads `\` as
/// `/`). From every entry point of the CLI, an id is one path segment that
/// the server decodes back to the id, under a base URL with a path too.
#[tokio::test(flavor = "multi_thread")]
async fn ids_with_backslashes_stay_in_their_segment_from_every_command() {
    let server = MockServer::start().await;
    let dir = std::env::temp_dir().join(format!("invent-segments-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("ids.txt"), "..\\..\\orgs\\c\\secret\n").expect("write");
    std::fs::write(dir.join("forks.csv"), "chat_id,message_id\n..\\x,m\n").expect("write");
    let id = r"..\..\orgs\c\secret";
    let path = |name: &str| dir.join(name).display().to_string();
    let body = r#"{"csat_score":5}"#;
    let commands: [Vec<String>; 5] = [
        ["chat", "state", id, "--csat", "5"]
            .map(String::from)
            .to_vec(),
        ["chat", "fork", r"..\x", "--message", "m"]
            .map(String::from)
            .to_vec(),
        [
            "api",
            "update_chat_state",
            "--param",
            &format!("chat_id={id}"),
            "--body",
            body,
        ]
        .map(String::from)
        .to_vec(),
        [
            "chat",
            "state",
            "--ids-from",
            &path("ids.txt"),
            "--csat",
            "5",
            "--journal",
            &path("state.jsonl"),
        ]
        .map(String::from)
        .to_vec(),
        [
            "chat",
            "fork",
            "--from",
            &path("forks.csv"),
            "--journal",
            &path("forks.jsonl"),
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (base, prefix) in [
        (server.url().to_owned(), ""),
        (format!("{}/invent", server.url()), "/invent"),
    ] {
        for args in &commands {
            let before = server.requests().len();
            let mut cmd = invent(&server);
            cmd.env("INVENT_BASE_URL", &base).args(args);
            let out = run(cmd).await;
            let requests = server.requests();
            let sent = &requests[before..];
            assert!(!sent.is_empty(), "{args:?}: {}", text(&out.stderr));
            let expected = if args[1] == "fork" {
                format!("{prefix}/chats/..%5Cx/fork")
            } else {
                format!("{prefix}/chats/..%5C..%5Corgs%5Cc%5Csecret/state")
            };
            for request in sent {
                assert_eq!(request.path, expected, "{args:?}");
            }
        }
        for journal in ["state.jsonl", "forks.jsonl"] {
            let _ = std::fs::remove_file(dir.join(journal));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
