//! Faults from the network, each from a raw TCP server on 127.0.0.1 that
//! misbehaves on purpose: every case ends in the right error variant, retried
//! only where the rules allow, and a fork is never re-sent once the server may
//! have acted (the server counts connections).

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use invent_sdk::{Client, Error, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CHAT: &str = r#"{"id":"chat_1"}"#;

/// What the server does with each connection, after reading the request head.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Headers promising 1000 bytes, 100 sent, then a TCP reset.
    ResetMidBody,
    /// Headers promising 1000 bytes, 10 sent, then a clean close.
    ShortBody,
    /// Headers, then nothing for longer than the client waits.
    StallAfterHeaders,
    /// Headers announcing 100 MiB, then as much as the client reads.
    Huge { content_length: bool },
    /// A 200 with this body and content type.
    Body(&'static str, &'static str),
    /// The request is read, then the connection closed with no answer at all.
    CloseWithoutAnswer,
    /// Headers promising 1000 bytes, then one byte every 50 ms: each read
    /// makes progress, so only a deadline for the whole attempt ends it.
    Drip,
    /// A status line, then header lines without end.
    EndlessHeaders,
}

struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
    bytes_written: Arc<AtomicUsize>,
}

async fn serve(fault: Fault) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let bytes_written = Arc::new(AtomicUsize::new(0));
    let (conns, written) = (connections.clone(), bytes_written.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            conns.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handle(stream, fault, written.clone()));
        }
    });
    Server {
        url,
        connections,
        bytes_written,
    }
}

async fn read_head(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
}

async fn handle(mut stream: TcpStream, fault: Fault, written: Arc<AtomicUsize>) {
    read_head(&mut stream).await;
    let head =
        |len: &str, kind: &str| format!("HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\n{len}\r\n");
    match fault {
        Fault::ResetMidBody => {
            let _ = stream
                .write_all(head("content-length: 1000\r\n", "application/json").as_bytes())
                .await;
            let _ = stream.write_all(&[b' '; 100]).await;
            // Zero linger: dropping the socket sends a reset, not a clean close.
            let _ = stream.set_zero_linger();
        }
        Fault::ShortBody => {
            let _ = stream
                .write_all(head("content-length: 1000\r\n", "application/json").as_bytes())
                .await;
            let _ = stream.write_all(b"{\"id\":\"ch").await;
            let _ = stream.shutdown().await;
        }
        Fault::StallAfterHeaders => {
            let _ = stream
                .write_all(head("content-length: 1000\r\n", "application/json").as_bytes())
                .await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        Fault::Huge { content_length } => {
            let len = if content_length {
                "content-length: 104857600\r\n"
            } else {
                ""
            };
            let _ = stream
                .write_all(head(len, "application/json").as_bytes())
                .await;
            let chunk = vec![b' '; 64 * 1024];
            // Until the client hangs up: it must, long before 100 MiB.
            for _ in 0..1600 {
                if stream.write_all(&chunk).await.is_err() {
                    break;
                }
                written.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
        Fault::CloseWithoutAnswer => {}
        Fault::Drip => {
            let _ = stream
                .write_all(head("content-length: 1000\r\n", "application/json").as_bytes())
                .await;
            for _ in 0..1000 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if stream.write_all(b" ").await.is_err() {
                    break;
                }
            }
        }
        Fault::EndlessHeaders => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n").await;
            let line = format!("x-padding: {}\r\n", "a".repeat(1000));
            // Until the client hangs up: it must, long before 64 MiB.
            for _ in 0..64 * 1024 {
                if stream.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
                written.fetch_add(line.len(), Ordering::SeqCst);
            }
        }
        Fault::Body(body, kind) => {
            let len = format!("content-length: {}\r\n", body.len());
            let _ = stream.write_all(head(&len, kind).as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
    }
}

fn client(server: &Server) -> Client {
    Client::builder()
        .api_key("sk-faults")
        .base_url(&server.url)
        .timeout(Duration::from_millis(500))
        .max_response_bytes(1024 * 1024)
        .retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

/// Runs both operations against a fresh server with `fault`; returns each
/// result with the number of connections the server saw.
async fn both(fault: Fault) -> [(Result<(), Error>, usize); 2] {
    let update = serve(fault).await;
    let result = client(&update)
        .update_chat_state("c")
        .ai_enabled(true)
        .send()
        .await
        .map(drop);
    let update = (result, update.connections.load(Ordering::SeqCst));
    let fork = serve(fault).await;
    let result = client(&fork)
        .fork_chat("c")
        .message_id("m")
        .send()
        .await
        .map(drop);
    [update, (result, fork.connections.load(Ordering::SeqCst))]
}

/// The attempts a transport failure reports.
fn attempts(result: &Result<(), Error>) -> Option<u32> {
    match result {
        Err(Error::Connection { attempts, .. } | Error::Timeout { attempts, .. }) => {
            Some(*attempts)
        }
        _ => None,
    }
}

/// With `fault`, the update fails as `is_kind` after 3 attempts (3 connections:
/// it is idempotent) and the fork after 1 (the request reached the server,
/// which may have forked: it is never re-sent).
async fn update_retried_fork_sent_once(fault: Fault, is_kind: fn(&Error) -> bool) {
    let [(update, update_conns), (fork, fork_conns)] = both(fault).await;
    assert!(
        update.as_ref().is_err_and(is_kind) && attempts(&update) == Some(3),
        "{fault:?}: update {update:?}"
    );
    assert_eq!(
        update_conns, 3,
        "{fault:?}: an idempotent update is retried"
    );
    assert!(
        fork.as_ref().is_err_and(is_kind) && attempts(&fork) == Some(1),
        "{fault:?}: fork {fork:?}"
    );
    assert_eq!(fork_conns, 1, "{fault:?}: the server may have forked");
}

fn is_connection(e: &Error) -> bool {
    matches!(e, Error::Connection { .. })
}

#[tokio::test]
async fn reset_mid_body_is_a_connection_error_and_a_fork_is_not_resent() {
    update_retried_fork_sent_once(Fault::ResetMidBody, is_connection).await;
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_an_error() {
    update_retried_fork_sent_once(Fault::ShortBody, is_connection).await;
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_retried_for_the_update_only() {
    update_retried_fork_sent_once(Fault::CloseWithoutAnswer, is_connection).await;
}

#[tokio::test]
async fn a_stall_after_the_headers_hits_the_timeout() {
    update_retried_fork_sent_once(Fault::StallAfterHeaders, Error::is_timeout).await;
}

#[tokio::test]
async fn a_body_dripping_a_byte_at_a_time_still_hits_the_timeout() {
    update_retried_fork_sent_once(Fault::Drip, Error::is_timeout).await;
}

#[tokio::test]
async fn a_huge_body_is_refused_without_reading_it() {
    for content_length in [true, false] {
        let server = serve(Fault::Huge { content_length }).await;
        let err = client(&server)
            .update_chat_state("c")
            .ai_enabled(true)
            .send()
            .await
            .expect_err("too large");
        match err {
            Error::ResponseTooLarge { limit, status, .. } => {
                assert_eq!(limit, 1024 * 1024);
                assert_eq!(status.as_u16(), 200);
            }
            other => panic!("content_length={content_length}: {other:?}"),
        }
        // Give the server a moment to notice the client hung up.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let written = server.bytes_written.load(Ordering::SeqCst);
        eprintln!("huge body (content_length={content_length}): the server wrote {written} bytes");
        assert!(
            written < 32 * 1024 * 1024,
            "content_length={content_length}: the server wrote {written} bytes"
        );
        assert_eq!(
            server.connections.load(Ordering::SeqCst),
            1,
            "not retried: a size limit is not transient"
        );
    }
}

#[tokio::test]
async fn html_and_empty_200s_are_decode_errors() {
    for (body, kind) in [
        ("<html><body>maintenance</body></html>", "text/html"),
        ("", "application/json"),
    ] {
        let server = serve(Fault::Body(body, kind)).await;
        let err = client(&server)
            .update_chat_state("c")
            .ai_enabled(true)
            .send()
            .await
            .expect_err("not a chat");
        let Error::Decode(decode) = &err else {
            panic!("{body:?}: {err:?}")
        };
        assert_eq!(decode.status().as_u16(), 200);
        assert_eq!(decode.body_snippet(), body);
        assert_eq!(
            server.connections.load(Ordering::SeqCst),
            1,
            "a bad body is not retried"
        );
    }
}

#[tokio::test]
async fn endless_headers_are_cut_off_early() {
    let server = serve(Fault::EndlessHeaders).await;
    let err = client(&server)
        .fork_chat("c")
        .message_id("m")
        .send()
        .await
        .expect_err("no end to the headers");
    assert!(
        matches!(err, Error::Connection { attempts: 1, .. }),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = server.bytes_written.load(Ordering::SeqCst);
    assert!(
        written < 8 * 1024 * 1024,
        "the client read {written} bytes of headers"
    );
    eprintln!("endless headers: the server wrote {written} bytes before the client hung up");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}

/// Documented: the SDK decodes the body as JSON whatever the Content-Type says
/// (servers and proxies mislabel JSON); a non-JSON body is a decode error.
#[tokio::test]
async fn the_content_type_is_not_trusted_either_way() {
    let server = serve(Fault::Body(CHAT, "text/plain")).await;
    let chat = client(&server)
        .update_chat_state("c")
        .ai_enabled(true)
        .send()
        .await
        .expect("JSON decodes");
    assert_eq!(chat.id, "chat_1");
}
