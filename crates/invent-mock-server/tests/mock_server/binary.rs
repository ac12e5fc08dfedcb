//! The `invent-mock-server` binary: starts, serves its seed, stops; bad input
//! is a one-line error and a non-zero exit, never a panic.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use invent_mock_server::DEFAULT_API_KEY;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::check_response;

const BINARY: &str = env!("CARGO_BIN_EXE_invent-mock-server");

/// A file in this test target's scratch directory.
fn scratch(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Starts the binary with `args`, stdout and stderr piped; returns it and the
/// URL it printed on its first line.
async fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the URL is printed")
        .unwrap()
        .expect("a first line");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url)
}

#[tokio::test]
async fn serves_a_seed_file_until_killed() {
    let seed = json!({"chats": [{
        "chat": {"id": "chat_from_file", "title": "From a file", "created_at": "2024-05-02T08:00:00.5+02:00"},
        "history": [
            {"id": "msg_1", "created_at": "2024-05-02T08:00:00.5+02:00", "messages": [{"role": "user", "parts": [{"type": "text", "text": "Hi"}]}]},
            {"id": "msg_2", "created_at": "2024-05-02T08:00:03.25+02:00", "messages": [{"role": "assistant", "parts": [{"type": "text", "text": "Hello!"}]}]}
        ]
    }]});
    let seed = scratch("binary-seed.json", &seed.to_string());
    let (mut child, url) = spawn(&["--port", "0", "--seed", seed.to_str().unwrap()]).await;

    let http = reqwest::Client::new();
    let response = http
        .patch(format!("{url}/chats/chat_from_file/state"))
        .bearer_auth(DEFAULT_API_KEY)
        .json(&json!({"state": "CLOSED", "csat_score": 5}))
        .send()
        .await
        .unwrap();
    let reply = check_response(Some("update_chat_state"), response).await;
    let chat = reply.chat();
    assert_eq!(chat.title.as_deref(), Some("From a file"));
    assert_eq!(
        reply.body["state"],
        json!({"state": "CLOSED", "csat_score": 5})
    );
    assert_eq!(
        chat.last_message.and_then(|m| m.id).as_deref(),
        Some("msg_2")
    );

    let response = http
        .post(format!("{url}/chats/chat_from_file/fork"))
        .bearer_auth(DEFAULT_API_KEY)
        .json(&json!({"message_id": "msg_1"}))
        .send()
        .await
        .unwrap();
    let fork = check_response(Some("fork_chat"), response).await.chat();
    assert_eq!(fork.title.as_deref(), Some("Fork of From a file"));

    child.kill().await.unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success());
    let err = http
        .patch(format!("{url}/chats/x/state"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err}");
}

#[tokio::test]
async fn the_api_key_flag_sets_the_key() {
    let (mut child, url) = spawn(&["--api-key", "sk_cli"]).await;
    let http = reqwest::Client::new();
    let path = format!("{url}/chats/chat_01J9QK3M7XW2V8RZ4T6YB5NCHD/state");
    for (key, status) in [(DEFAULT_API_KEY, 401), ("sk_cli", 200)] {
        let response = http
            .patch(&path)
            .bearer_auth(key)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let reply = check_response(Some("update_chat_state"), response).await;
        assert_eq!(reply.status, status, "{key}");
    }
    child.kill().await.unwrap();
    // A key of one's own is never echoed (the default one is documented).
    let stderr = all_of_stderr(&mut child).await;
    assert!(stderr.contains("API key from --api-key"), "{stderr}");
    assert!(!stderr.contains("sk_cli"), "the key was printed: {stderr}");
}

#[tokio::test]
async fn the_chats_flag_serves_generated_chats() {
    let (mut child, url) = spawn(&["--chats", "2500"]).await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{url}/chats/chat_gen_002499/fork"))
        .bearer_auth(DEFAULT_API_KEY)
        .json(&json!({"message_id": "msg_gen_002499_2"}))
        .send()
        .await
        .unwrap();
    let fork = check_response(Some("fork_chat"), response).await.chat();
    assert_eq!(
        fork.last_message.and_then(|m| m.id).as_deref(),
        Some("msg_gen_002499_2")
    );
    child.kill().await.unwrap();
    let stderr = all_of_stderr(&mut child).await;
    // A few ids, not 2,500.
    assert!(stderr.contains("2500 chats: chat_gen_000000, "), "{stderr}");
    assert!(stderr.len() < 400, "{stderr}");
}

/// What the (killed) binary wrote on stderr.
async fn all_of_stderr(child: &mut Child) -> String {
    let mut stderr = String::new();
    let mut pipe = child.stderr.take().unwrap();
    tokio::io::AsyncReadExt::read_to_string(&mut pipe, &mut stderr)
        .await
        .unwrap();
    stderr
}

/// Runs the binary to completion; returns (exit code, stderr).
async fn run_failing(args: &[&str]) -> (Option<i32>, String) {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        Command::new(BINARY).args(args).kill_on_drop(true).output(),
    )
    .await
    .expect("the binary exits")
    .unwrap();
    assert!(output.stdout.is_empty(), "nothing on stdout");
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn assert_one_line_error(code: Option<i32>, stderr: &str, start: &str) {
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.starts_with(start), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn bad_seeds_are_one_line_errors() {
    let (code, stderr) = run_failing(&["--seed", "/nonexistent/seed.json"]).await;
    assert_one_line_error(
        code,
        &stderr,
        "invent-mock-server: cannot load seed /nonexistent/seed.json: ",
    );

    let bad = scratch(
        "bad-seed.json",
        r#"{"chats": [{"chat": {"title": "no id"}}]}"#,
    );
    let (code, stderr) = run_failing(&["--seed", bad.to_str().unwrap()]).await;
    assert_one_line_error(code, &stderr, "invent-mock-server: cannot load seed ");
    assert!(
        stderr.contains("chats[0].chat: missing field `id`"),
        "{stderr}"
    );

    let dup = scratch(
        "dup-seed.json",
        r#"{"chats": [{"chat": {"id": "a"}}, {"chat": {"id": "a"}}]}"#,
    );
    let (code, stderr) = run_failing(&["--seed", dup.to_str().unwrap()]).await;
    assert_one_line_error(code, &stderr, "invent-mock-server: cannot load seed ");
    assert!(stderr.contains("duplicate chat id"), "{stderr}");
}

#[tokio::test]
async fn a_taken_port_is_a_one_line_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, stderr) = run_failing(&["--port", &port]).await;
    let start = format!("invent-mock-server: cannot listen on 127.0.0.1:{port}: ");
    assert_one_line_error(code, &stderr, &start);
}

#[tokio::test]
async fn ctrl_c_stops_it_cleanly() {
    let (mut child, url) = spawn(&[]).await;
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let banner = stderr.next_line().await.unwrap().unwrap();
    assert!(
        banner.starts_with(&format!(
            "Invent mock server on {url} (API key \"invent-mock-key\"); 3 chats: chat_01J9"
        )),
        "{banner}"
    );

    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("it stops")
        .unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(
        stderr.next_line().await.unwrap(),
        None,
        "nothing more on stderr"
    );
}
