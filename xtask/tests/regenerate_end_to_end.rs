//! The regenerate workflow, end to end, with no Rust of the workspace edited
//! (`docs/regenerate-workflow.md`, "A new operation, end to end").
//!
//! A copy of `openapi.yaml` gains a GET operation with a path and two query
//! parameters (`get_chat`), an optional `Chat` property (`priority`) and a
//! `ChatStatus` value (`ARCHIVED`). Then, in a copy of the crates that need it
//! (under `<target>/regenerate-e2e/`):
//!
//! 1. spec-diff rates the edit: additive, a minor bump;
//! 2. codegen regenerates the reviewed copies, which show the new field and
//!    variant, and the insta snapshots of the generated code (as `cargo
//!    xtask codegen` does);
//! 3. cargo builds the copy: the SDK, the mock server, the CLI and a tiny
//!    consumer binary, whose code calls `client.get_chat(..).include(..)
//!    .limit(..)` and matches `ChatStatus::Archived`, so it only compiles
//!    if the build script generated them;
//! 4. the consumer runs the call through the SDK and through `invent api`
//!    against an in-process mock server, checks the requests that server
//!    recorded (method, encoded id, query string), its count for `get_chat`
//!    and a fault injected into `get_chat` alone;
//! 5. the mock server binary built from the copy answers the new GET from
//!    the spec's example, after auth (401 without the key), with a request
//!    id, and `invent api get_chat` prints that example;
//! 6. the copy's own tests pass: `cargo test` of the SDK, its httpmock
//!    helpers, the mock server, the CLI and the integration tests, as they
//!    are in the workspace (so none of them may pin the spec's operations).
//!
//! The copy builds with the workspace's target directory as cargo's build
//! directory, so it reuses the dependencies `cargo test` already built;
//! its binaries land in `<target>/regenerate-e2e/target`, so they never
//! replace the workspace's own `invent` and `invent-mock-server`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use xtask::codegen::{SDK_REVIEW_COPY, SPEC};
use xtask::spec_diff::{self, Bump};

/// The crates the copy needs, each with its tests and examples (not its
/// benches).
const CRATES: [&str; 7] = [
    "invent-review-copy",
    "invent-codegen",
    "invent-sdk",
    "invent-sdk-httpmock",
    "invent-mock-server",
    "invent-cli",
    "invent-integration-tests",
];
const SKIPPED_DIRS: [&str; 2] = ["benches", "target"];
/// The packages whose tests run in the copy: everything that must cover
/// every operation of the spec.
const TESTED: [&str; 5] = [
    "invent-sdk",
    "invent-sdk-httpmock",
    "invent-mock-server",
    "invent-cli",
    "invent-integration-tests",
];
/// Files of the workspace root the copied crates read (the README is the
/// SDK's doctest).
const ROOT_FILES: [&str; 1] = ["README.md"];
/// Where the copy keeps the crates: NOT `crates/`. Cargo hashes a path
/// package by its path relative to the workspace root, so copies at the same
/// relative paths would get the same unit names as the workspace's own crates
/// in the shared build directory and overwrite their artifacts and
/// fingerprints (the workspace would then link the copy's SDK, generated from
/// the edited spec, and miss its own source changes).
const COPY_CRATES_DIR: &str = "regenerated";

/// A cold build of the copy on two cores takes a few minutes; a hung one fails.
const BUILD_TIMEOUT: Duration = Duration::from_secs(25 * 60);
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

const CHAT_ID: &str = "chat_a/b c";
const ENCODED_CHAT_ID: &str = "chat_a%2Fb%20c";
const MOCK_KEY: &str = "invent-mock-key";

/// The new operation, inserted before `components:`.
const GET_CHAT: &str = r##"  /chats/{chat_id}:
    get:
      tags: [chats]
      operationId: get_chat
      summary: Get Chat
      description: Get a chat by its ID.
      parameters:
        - $ref: "#/components/parameters/ChatId"
        - name: include
          in: query
          description: Related data to include, comma-separated.
          schema:
            type: string
        - name: limit
          in: query
          description: How many messages to include.
          schema:
            type: integer
            format: int32
      responses:
        "200":
          description: The chat.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Chat"
              example:
                id: chat_01J9QK3M7XW2V8RZ4T6YB5NCHD
                title: Order 1042
                status: ARCHIVED
                priority: high
        "401":
          $ref: "#/components/responses/Error"
        "404":
          $ref: "#/components/responses/Error"
        4XX:
          $ref: "#/components/responses/Error"
        5XX:
          $ref: "#/components/responses/Error"
"##;

/// The example above, as JSON.
fn get_chat_example() -> serde_json::Value {
    serde_json::json!({
        "id": "chat_01J9QK3M7XW2V8RZ4T6YB5NCHD",
        "title": "Order 1042",
        "status": "ARCHIVED",
        "priority": "high",
    })
}

/// `text` with `from` replaced by `to` once; fails if `from` is not there.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "openapi.yaml no longer contains {from:?}; update this test's edit"
    );
    text.replacen(from, to, 1)
}

/// `openapi.yaml` with the three additions.
fn edited_spec(spec: &str) -> String {
    let spec = edit(
        spec,
        "\ncomponents:\n",
        &format!("\n{GET_CHAT}components:\n"),
    );
    let spec = edit(
        &spec,
        "        referral:\n          $ref: \"#/components/schemas/Referral\"\n    ChatMember:\n",
        "        referral:\n          $ref: \"#/components/schemas/Referral\"\n        \
         priority:\n          type: string\n          description: The chat's priority.\n    \
         ChatMember:\n",
    );
    edit(
        &spec,
        "enum: [RUNNING, COMPLETED, FAILED, CANCELED]",
        "enum: [RUNNING, COMPLETED, FAILED, CANCELED, ARCHIVED]",
    )
}

/// The workspace's target directory: `$CARGO_TARGET_DIR`, or the one the
/// xtask binary was built into.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            xtask::project_root().join(dir)
        };
    }
    // <target>/debug/xtask
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_xtask"));
    exe.parent()
        .and_then(Path::parent)
        .expect("the xtask binary is in <target>/<profile>/")
        .to_path_buf()
}

/// Where the workspace file `path` (relative to its root) is in the copy:
/// the crates are under [`COPY_CRATES_DIR`], not `crates/`.
fn in_copy(copy: &Path, path: &str) -> PathBuf {
    match path.strip_prefix("crates/") {
        Some(rest) => copy.join(COPY_CRATES_DIR).join(rest),
        None => copy.join(path),
    }
}

/// Writes `contents` unless the file already holds exactly that, so cargo
/// sees unchanged sources as unchanged and the rebuild stays incremental.
fn sync_file(path: &Path, contents: &[u8]) {
    if std::fs::read(path).is_ok_and(|current| current == contents) {
        return;
    }
    std::fs::create_dir_all(path.parent().expect("a file has a parent"))
        .unwrap_or_else(|e| panic!("create the parent of {}: {e}", path.display()));
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Mirrors `from` into `to`, following symlinks, without the top-level
/// directories in `skip`; removes what `from` no longer has.
fn sync_tree(from: &Path, to: &Path, skip: &[&str]) {
    let mut wanted = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        wanted.insert(name.clone());
        let source = entry.path();
        // `metadata` follows symlinks (the licenses, `openapi.yaml`).
        let meta =
            std::fs::metadata(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        if meta.is_dir() {
            sync_tree(&source, &to.join(&name), &[]);
        } else {
            let bytes =
                std::fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
            sync_file(&to.join(&name), &bytes);
        }
    }
    for entry in std::fs::read_dir(to).into_iter().flatten().flatten() {
        if !wanted.contains(&entry.file_name()) {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

/// The workspace manifest of the copy: the real one (same dependencies,
/// profiles and lints) with only the copied crates and the consumer as members.
fn copy_manifest(real: &str) -> String {
    let mut out = String::from(
        "# Written by xtask/tests/regenerate_end_to_end.rs from the workspace's Cargo.toml.\n",
    );
    for line in real.lines() {
        if line.starts_with("members = ") {
            let members: Vec<String> = CRATES
                .iter()
                .map(|c| format!("\"{COPY_CRATES_DIR}/{c}\""))
                .chain(["\"consumer\"".to_owned()])
                .collect();
            out.push_str(&format!("members = [{}]\n", members.join(", ")));
        } else if line.starts_with("default-members = ") {
            continue;
        } else {
            out.push_str(
                &line.replace("path = \"crates/", &format!("path = \"{COPY_CRATES_DIR}/")),
            );
            out.push('\n');
        }
    }
    assert!(
        out.contains(&format!("\"{COPY_CRATES_DIR}/invent-codegen\"")),
        "{out}"
    );
    out
}

const CONSUMER_MANIFEST: &str = r#"[package]
name = "regen-consumer"
version = "0.0.0"
edition.workspace = true
publish = false

[dependencies]
invent-sdk.workspace = true
invent-mock-server.workspace = true
tokio.workspace = true
serde_json.workspace = true
"#;

/// Calls the new operation through the SDK and through `invent api` (the
/// binary named by its argument) against an in-process mock server built
/// from the edited spec, and checks what that server received.
const CONSUMER_MAIN: &str = r#"use invent_sdk::types::ChatStatus;

#[tokio::main]
async fn main() {
    let invent = std::env::args().nth(1).expect("usage: regen-consumer <path of invent>");
    let server = invent_mock_server::MockServer::start().await;
    let client = invent_sdk::Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()
        .expect("client");

    // Through the SDK: the new method, its query setters, the new field and variant.
    let chat = client
        .get_chat("@CHAT_ID@")
        .include("messages")
        .limit(5)
        .send()
        .await
        .expect("get_chat through the SDK");
    assert_eq!(chat.priority.as_deref(), Some("high"), "{:?}", *chat);
    assert!(matches!(chat.status, Some(ChatStatus::Archived)), "{:?}", chat.status);
    assert!(chat.request_id().is_some(), "no request id");
    println!("sdk: status {:?}, priority {:?}", chat.status, chat.priority);

    // Through `invent api`, against the same server.
    let (url, key) = (server.url().to_owned(), server.api_key().to_owned());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(invent)
            .args(["api", "get_chat", "--param", "chat_id=@CHAT_ID@", "--param", "limit=7"])
            .env("INVENT_API_KEY", key)
            .env("INVENT_BASE_URL", url)
            .output()
    })
    .await
    .expect("join")
    .expect("run invent");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "invent api failed: {out:?}");
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("invent api prints JSON");
    assert_eq!(printed["priority"], "high", "{stdout}");
    assert_eq!(printed["status"], "ARCHIVED", "{stdout}");
    println!("cli: {}", printed);

    let requests = server.requests();
    let seen: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/chats/@ENCODED_CHAT_ID@?include=messages&limit=5"),
            ("GET", "/chats/@ENCODED_CHAT_ID@?limit=7"),
        ],
        "requests the server received"
    );
    for request in &requests {
        assert_eq!(request.header("authorization"), Some("Bearer invent-mock-key"));
        assert!(request.body.is_empty(), "a GET with a body: {request:?}");
        assert_eq!(request.operation_id(), Some("get_chat"));
    }
    println!("requests: {seen:?}");

    // The mock server counts the new operation, and injects a fault into it alone.
    let get_chat = &invent_sdk::operations::GET_CHAT;
    let counts = server.request_counts();
    assert_eq!((counts.of(get_chat), counts.get("get_chat")), (2, Some(2)), "{counts:?}");
    server.push_fault(invent_mock_server::Fault::status(503).only_for(get_chat));
    let err = client
        .get_chat("@CHAT_ID@")
        .max_retries(0)
        .send()
        .await
        .expect_err("the injected 503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
    assert_eq!(server.pending_faults(), 0);
    println!("counts: {:?}", server.request_counts());
    server.shutdown().await;
}
"#;

/// A child process, killed when dropped (a failed assertion included).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a finished command printed.
struct Finished {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `command` to completion within `timeout` (killed after it), with
/// its output captured.
fn run(command: &mut Command, timeout: Duration) -> Finished {
    let what = format!("{command:?}");
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut child = KillOnDrop(child);
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(child.0.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.0.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.0.try_wait().expect("wait for the child") {
            Some(status) => break status,
            None if Instant::now() > deadline => {
                drop(child);
                let stderr = stderr.join().unwrap_or_default();
                panic!("{what} did not finish within {timeout:?}; stderr:\n{stderr}");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    Finished {
        ok: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// One HTTP/1.1 GET with a bounded wait: the status, the headers (names
/// lowercase) and the body.
fn http_get(base: &str, path: &str, key: Option<&str>) -> (u16, Vec<(String, String)>, String) {
    let authority = base.strip_prefix("http://").expect("an http:// URL");
    let mut stream = TcpStream::connect(authority).expect("connect to the mock server");
    stream
        .set_read_timeout(Some(RUN_TIMEOUT))
        .expect("read timeout");
    let auth = key.map_or_else(String::new, |k| format!("Authorization: Bearer {k}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn a_new_operation_field_and_enum_value_reach_the_sdk_and_the_cli() {
    let started = Instant::now();
    let root = xtask::project_root();
    let target = target_dir();
    let work = target.join("regenerate-e2e");
    let copy = work.join("workspace");

    // The copy: the crates, the workspace manifest and lock, the consumer.
    for name in CRATES {
        sync_tree(
            &root.join("crates").join(name),
            &copy.join(COPY_CRATES_DIR).join(name),
            &SKIPPED_DIRS,
        );
    }
    for name in ROOT_FILES {
        let bytes = std::fs::read(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        sync_file(&copy.join(name), &bytes);
    }
    let real_manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    sync_file(
        &copy.join("Cargo.toml"),
        copy_manifest(&real_manifest).as_bytes(),
    );
    sync_file(
        &copy.join("Cargo.lock"),
        &std::fs::read(root.join("Cargo.lock")).expect("Cargo.lock"),
    );
    sync_file(
        &copy.join("consumer/Cargo.toml"),
        CONSUMER_MANIFEST.as_bytes(),
    );
    let consumer_main = CONSUMER_MAIN
        .replace("@CHAT_ID@", CHAT_ID)
        .replace("@ENCODED_CHAT_ID@", ENCODED_CHAT_ID);
    sync_file(&copy.join("consumer/src/main.rs"), consumer_main.as_bytes());

    // Step 1: edit the spec (the SDK's `openapi.yaml` is a file in the copy).
    let old_spec = std::fs::read_to_string(root.join(SPEC)).expect("openapi.yaml");
    let new_spec = edited_spec(&old_spec);
    sync_file(&copy.join(SPEC), new_spec.as_bytes());
    for name in ["invent-sdk", "invent-sdk-httpmock"] {
        let spec = copy.join(COPY_CRATES_DIR).join(name).join(SPEC);
        sync_file(&spec, new_spec.as_bytes());
    }

    // Step 2: spec-diff says additive, minor.
    let new_label = "openapi.yaml + get_chat";
    let diff = spec_diff::compare(&old_spec, SPEC, &new_spec, new_label).expect("spec-diff");
    let report = spec_diff::render(&diff, SPEC, new_label);
    assert_eq!(Bump::of(&diff), Bump::Minor, "{report}");
    for line in [
        "GET /chats/{chat_id} (get_chat)",
        "Chat.priority: property added (optional string)",
        "ChatStatus: enum value added: ARCHIVED",
        "suggested bump: minor",
    ] {
        assert!(
            report.contains(line),
            "spec-diff does not say {line:?}:\n{report}"
        );
    }

    // Step 3: regenerate the reviewed copies; the SDK's shows the new field and variant.
    let artifacts = xtask::codegen::generate(&copy.join(SPEC)).expect("codegen");
    let sdk = artifacts
        .iter()
        .find(|a| a.path == SDK_REVIEW_COPY)
        .expect("the SDK's reviewed copy");
    let changes = xtask::summary::changes(
        &xtask::codegen::checked_in_model(&root).expect("checked-in snapshots"),
        &xtask::codegen::model(&copy.join(SPEC)).expect("model of the copy's spec"),
    );
    for change in [
        "field added: Chat.priority",
        "variant added: ChatStatus::Archived",
        "operation added: get_chat (GET /chats/{chat_id})",
    ] {
        assert!(
            changes.iter().any(|c| c == change),
            "codegen does not report {change:?}: {changes:?}"
        );
    }
    for code in ["pub fn get_chat(", "pub fn include(", "pub fn limit("] {
        assert!(
            sdk.contents.contains(code),
            "the generated SDK has no {code}"
        );
    }
    for artifact in &artifacts {
        sync_file(&in_copy(&copy, artifact.path), artifact.contents.as_bytes());
    }

    // Step 4: build the copy. The workspace's target directory is the build
    // directory (shared dependencies); the binaries go to their own directory.
    let bin_dir = work.join("target");
    let cargo = |args: &[&str]| {
        let mut cargo = Command::new(xtask::cargo());
        cargo
            .current_dir(&copy)
            .args(args)
            .env("CARGO_BUILD_BUILD_DIR", &target)
            .env("CARGO_TARGET_DIR", &bin_dir)
            .env_remove("CARGO_BUILD_TARGET_DIR");
        cargo
    };
    let build = |offline: bool| {
        let mut build = cargo(&["build", "--workspace", "--bins", "--quiet"]);
        build.args(offline.then_some("--offline"));
        run(&mut build, BUILD_TIMEOUT)
    };
    let build_started = Instant::now();
    let mut built = build(true);
    if !built.ok {
        // A registry index that has not seen some crate yet: try online.
        eprintln!("offline build failed, trying online:\n{}", built.stderr);
        built = build(false);
    }
    assert!(
        built.ok,
        "the copy in {} does not build:\n{}",
        copy.display(),
        built.stderr
    );
    let build_time = build_started.elapsed();
    let exe = |name: &str| {
        bin_dir
            .join("debug")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };

    // Step 5: the SDK and `invent api` against an in-process server.
    let consumer = run(
        Command::new(exe("regen-consumer")).arg(exe("invent")),
        RUN_TIMEOUT,
    );
    assert!(
        consumer.ok,
        "the consumer failed:\nstdout:\n{}\nstderr:\n{}",
        consumer.stdout, consumer.stderr
    );

    // Step 6: the mock server binary answers the new GET from the spec's
    // example, after auth, with a request id; `invent api` prints it.
    let mut server = Command::new(exe("invent-mock-server"));
    server
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = KillOnDrop(server.spawn().expect("start invent-mock-server"));
    let stdout = server.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let url = rx
        .recv_timeout(RUN_TIMEOUT)
        .expect("invent-mock-server prints its URL")
        .trim()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");

    let path = format!("/chats/{ENCODED_CHAT_ID}?include=messages&limit=2");
    let (status, headers, body) = http_get(&url, &path, None);
    assert_eq!(status, 401, "without the key: {body}");
    assert!(header(&headers, "x-request-id").is_some(), "{headers:?}");
    let (status, headers, body) = http_get(&url, &path, Some(MOCK_KEY));
    assert_eq!(status, 200, "{body}");
    assert!(
        header(&headers, "x-request-id").is_some_and(|id| !id.is_empty()),
        "{headers:?}"
    );
    let answered: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answered, get_chat_example());

    let invent = |args: &[&str]| {
        run(
            Command::new(exe("invent"))
                .args(args)
                .env("INVENT_API_KEY", MOCK_KEY)
                .env("INVENT_BASE_URL", &url),
            RUN_TIMEOUT,
        )
    };
    let cli = invent(&[
        "api",
        "get_chat",
        "--param",
        &format!("chat_id={CHAT_ID}"),
        "--param",
        "limit=3",
    ]);
    assert!(cli.ok, "invent api get_chat failed:\n{}", cli.stderr);
    let printed: serde_json::Value = serde_json::from_str(&cli.stdout).expect("JSON");
    assert_eq!(printed, get_chat_example());
    let list = invent(&["api", "--list"]);
    assert!(
        list.stdout.lines().any(|l| l.starts_with("get_chat ")
            && l.contains("GET    /chats/{chat_id}  query: include, limit")),
        "{}",
        list.stdout
    );
    drop(server);

    // Step 7: the snapshots `cargo xtask codegen` rewrites after the reviewed
    // copies, then the copy's own tests, unchanged, with snapshots checked
    // as CI checks them.
    let tests_started = Instant::now();
    let mut snapshots = cargo(&[
        "test",
        "--offline",
        "--quiet",
        "-p",
        "invent-sdk",
        "--test",
        "generated_models",
    ]);
    snapshots
        .env("INSTA_UPDATE", "always")
        .env("INSTA_FORCE_PASS", "0")
        .env_remove("CI");
    let snapshots = run(&mut snapshots, BUILD_TIMEOUT);
    assert!(
        snapshots.ok,
        "the copy's snapshots could not be regenerated:\n{}\n{}",
        snapshots.stdout, snapshots.stderr
    );
    let mut tests = cargo(&["test", "--offline", "--quiet", "--no-fail-fast"]);
    for package in TESTED {
        tests.args(["-p", package]);
    }
    // The workspace's own run gives the fuzz and load tests their depth;
    // here they need only pass, so they run at a tenth of their default size.
    tests
        .env("INSTA_UPDATE", "no")
        .env("CI", "true")
        .env("INVENT_PROPTEST_CASES", "200")
        .env("INVENT_LOAD_CALLS", "200");
    let tested = run(&mut tests, BUILD_TIMEOUT);
    assert!(
        tested.ok,
        "the copy's tests fail after adding an operation (in {}):\n{}\n{}",
        copy.display(),
        tested.stdout,
        tested.stderr
    );
    let tests_time = tests_started.elapsed();

    eprintln!(
        "regenerate end to end: {:.1?} in all, {build_time:.1?} building the copy, \
         {tests_time:.1?} building and running its tests\n{}",
        started.elapsed(),
        consumer.stdout
    );
}
