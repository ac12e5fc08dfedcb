//! Every path parameter is exactly one segment on the wire, whatever it
//! contains, through every entry point of the SDK (issue 20): the typed
//! builders and `Client::call_operation`, also under a base URL with a path.
//!
//! The server here is a raw TCP listener that records the request target as
//! the client wrote it, before any HTTP library could normalise it; the
//! target is then parsed with the `url` crate (as reqwest, proxies and most
//! servers do) and its segments are compared with the id.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use invent_sdk::{Client, DynamicCall, Error};

/// Answers every request with `200 {"id":"c"}` and records its target.
struct RawServer {
    addr: std::net::SocketAddr,
    targets: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    fn start() -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let targets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (targets, stop) = (targets.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        answer(stream, &targets);
                    }
                }
            })
        };
        RawServer {
            addr,
            targets,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn take_targets(&self) -> Vec<String> {
        std::mem::take(&mut *self.targets.lock().unwrap())
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request (head and `Content-Length` body), records its target,
/// then answers it (recorded first: the client may look as soon as it has
/// its answer).
fn answer(stream: TcpStream, targets: &Mutex<Vec<String>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let target = request_line.split(' ').nth(1)?.to_owned();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    targets.lock().unwrap().push(target);
    let reply = "{\"id\":\"c\"}";
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    )
    .ok()
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(base_url)
        .max_retries(0)
        .build()
        .expect("valid client")
}

/// The decoded segments of `target`, parsed as reqwest parses URLs.
fn segments(server: &RawServer, target: &str) -> Vec<String> {
    let url = reqwest::Url::parse(&format!("{}{target}", server.url())).expect("a URL");
    url.path_segments()
        .into_iter()
        .flatten()
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .expect("UTF-8")
                .into_owned()
        })
        .collect()
}

/// Sends `id` through each entry point; returns the request targets, or the
/// errors of a refused id.
fn send_all(rt: &tokio::runtime::Runtime, client: &Client, id: &str) -> Vec<Result<(), Error>> {
    rt.block_on(async {
        vec![
            client
                .update_chat_state(id)
                .csat_score(5)
                .send()
                .await
                .map(drop),
            client.fork_chat(id).message_id("m").send().await.map(drop),
            client
                .call_operation(
                    "update_chat_state",
                    DynamicCall::new()
                        .param("chat_id", id)
                        .body(serde_json::json!({"csat_score": 5})),
                )
                .await
                .map(drop),
        ]
    })
}

fn check(rt: &tokio::runtime::Runtime, server: &RawServer, id: &str) {
    for (base, prefix) in [
        (server.url(), Vec::<&str>::new()),
        (format!("{}/invent", server.url()), vec!["invent"]),
    ] {
        let results = send_all(rt, &client(&base), id);
        let targets = server.take_targets();
        if matches!(id, "" | "." | "..") {
            assert!(targets.is_empty(), "{id:?} was sent: {targets:?}");
            for result in results {
                assert!(
                    matches!(result, Err(Error::InvalidInput { .. })),
                    "{id:?}: {result:?}"
                );
            }
            continue;
        }
        for result in &results {
            assert!(result.is_ok(), "{id:?}: {result:?}");
        }
        assert_eq!(targets.len(), results.len(), "{id:?}: {targets:?}");
        for (target, last) in targets.iter().zip(["state", "fork", "state"]) {
            let mut expected: Vec<String> = prefix.iter().map(|s| s.to_string()).collect();
            expected.extend(["chats".into(), id.to_owned(), last.into()]);
            assert_eq!(
                segments(server, target),
                expected,
                "{id:?} under {base} became {target}"
            );
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn the_reported_ids_stay_in_their_segment() {
    let rt = runtime();
    let server = RawServer::start();
    for id in [
        r"..\..\orgs\c\secret",
        r"..\x",
        r"x\",
        r"\..",
        r"\",
        "../x",
        "..%2f",
        "%2e%2e",
        ".%2E",
        "a\tb",
        "a\nb",
        " ..",
        "",
        ".",
        "..",
    ] {
        check(&rt, &server, id);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Arbitrary strings, and short strings of the characters that move
    /// segments around: one segment that decodes back to the id, or refused.
    #[test]
    fn arbitrary_ids_stay_in_their_segment(
        id in proptest::prop_oneof![
            proptest::prelude::any::<String>(),
            proptest::string::string_regex(r"[./\\%?#;a\x00-\x1f\x7f \u{e9}\u{2215}\u{ff0f}]{0,6}")
                .expect("valid regex"),
        ]
    ) {
        let rt = runtime();
        let server = RawServer::start();
        check(&rt, &server, &id);
    }
}
