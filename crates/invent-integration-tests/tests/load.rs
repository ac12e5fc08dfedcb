//! One client shared by 64 tasks drives the mock server on loopback with a
//! bounded number of mixed calls: no unexpected errors, no lost updates (the
//! server ends in exactly the state the client was told it reached), and file
//! descriptors and memory flat afterwards.
//!
//! Size: `INVENT_LOAD_CALLS` calls in all (default 2,000; 20,000 for the full run).

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use invent_mock_server::{MockServer, Seed};
use invent_sdk::types::{Chat, ChatMessage};
use invent_sdk::{Client, Nullable, Timestamp};

const CONCURRENCY: usize = 64;

fn calls() -> usize {
    std::env::var("INVENT_LOAD_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// What one task was told succeeded.
#[derive(Default)]
struct Acknowledged {
    last_follow_up: Option<Timestamp>,
    forks: usize,
}

async fn drive(client: Client, task: usize, calls: usize) -> Acknowledged {
    let chat_id = format!("chat_load_{task:02}");
    let mut ack = Acknowledged::default();
    for call in 0..calls {
        if call % 10 == 9 {
            let fork = client
                .fork_chat(&chat_id)
                .message_id(format!("msg_load_{task:02}"))
                .send()
                .await;
            fork.unwrap_or_else(|e| panic!("task {task} call {call}: fork failed: {e}"));
            ack.forks += 1;
        } else {
            // A distinct value per call, so a lost or reordered update shows.
            let offset = i64::try_from(task * 1_000_000 + call).unwrap();
            let at = Timestamp::from(
                chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(1_900_000_000 + offset),
            );
            let chat = client
                .update_chat_state(&chat_id)
                .follow_up_at(at.clone())
                .csat_score(i64::try_from(call % 5 + 1).unwrap())
                .send()
                .await
                .unwrap_or_else(|e| panic!("task {task} call {call}: update failed: {e}"));
            assert_eq!(
                chat.state.as_ref().and_then(|s| s.follow_up_at.clone()),
                Some(Nullable::Value(at.clone()))
            );
            ack.last_follow_up = Some(at);
        }
    }
    ack
}

async fn round(server: &MockServer, client: &Client, calls: usize) -> Vec<Acknowledged> {
    let per_task = calls.div_ceil(CONCURRENCY);
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|task| tokio::spawn(drive(client.clone(), task, per_task)))
        .collect();
    let mut acks = Vec::with_capacity(CONCURRENCY);
    for task in tasks {
        acks.push(task.await.expect("task panicked"));
    }
    let _ = server;
    acks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_client_under_concurrency_loses_nothing() {
    let mut seed = Seed::empty();
    for task in 0..CONCURRENCY {
        let chat: Chat =
            serde_json::from_value(serde_json::json!({"id": format!("chat_load_{task:02}")}))
                .unwrap();
        let message: ChatMessage =
            serde_json::from_value(serde_json::json!({"id": format!("msg_load_{task:02}")}))
                .unwrap();
        seed = seed.with_chat(chat, vec![message]);
    }
    let server = MockServer::builder()
        .seed(seed)
        .start()
        .await
        .expect("server");
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()
        .unwrap();

    // Warm up: the pool opens its connections, allocators settle.
    round(&server, &client, CONCURRENCY * 4).await;
    let (fds_before, rss_before) = (open_fds(), rss_bytes());
    let chats_before = server.chats().len();

    let calls = calls();
    let acks = round(&server, &client, calls).await;

    for (task, ack) in acks.iter().enumerate() {
        let stored = server
            .chat(&format!("chat_load_{task:02}"))
            .and_then(|c| c.state)
            .and_then(|s| s.follow_up_at);
        assert_eq!(
            stored,
            ack.last_follow_up.clone().map(Nullable::Value),
            "task {task}: a lost update"
        );
    }
    let forks: usize = acks.iter().map(|a| a.forks).sum();
    assert_eq!(
        server.chats().len(),
        chats_before + forks,
        "forks acknowledged vs created"
    );

    let (fds_after, rss_after) = (open_fds(), rss_bytes());
    assert!(
        fds_after <= fds_before + 8,
        "file descriptors grew: {fds_before} -> {fds_after}"
    );
    // The in-process server keeps every request it saw, so allow for that.
    assert!(
        rss_after <= rss_before + 128 * 1024 * 1024,
        "memory grew: {rss_before} -> {rss_after} bytes"
    );
    eprintln!(
        "load: {calls} calls at concurrency {CONCURRENCY}: {forks} forks, fds {fds_before} -> {fds_after}, rss {} -> {} MiB",
        rss_before / (1 << 20),
        rss_after / (1 << 20)
    );
}
