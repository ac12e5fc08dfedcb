//! The SDK against the project's mock server: the server's documented
//! behaviour, observed through the client a user would use.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use invent_mock_server::{Fault, MockServer, Seed};
use invent_sdk::operations::{FORK_CHAT, UPDATE_CHAT_STATE};
use invent_sdk::types::{ChatMessage, ChatStateStatus};
use invent_sdk::{Client, Error, Nullable, RetryPolicy, Timestamp};
use std::time::Duration;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5)),
        )
        .build()
        .expect("client")
}

fn first_chat(server: &MockServer) -> (String, Vec<ChatMessage>) {
    let chat = server.chats().into_iter().next().expect("a seeded chat");
    let history = server.history(&chat.id).expect("history");
    (chat.id, history)
}

#[tokio::test]
async fn patch_merges_absent_null_and_values() {
    let server = MockServer::start().await;
    let client = client(&server);
    let (chat_id, _) = first_chat(&server);
    let soon: Timestamp = (chrono::Utc::now() + chrono::Duration::days(3)).into();

    let chat = client
        .update_chat_state(&chat_id)
        .state(ChatStateStatus::Snoozed)
        .follow_up_at(soon.clone())
        .muted_until(soon.clone())
        .csat_score(4)
        .send()
        .await
        .expect("set");
    let state = chat.state.clone().expect("state");
    assert_eq!(state.state, Some(ChatStateStatus::Snoozed));
    assert_eq!(state.follow_up_at, Some(Nullable::Value(soon.clone())));
    let updated_before = chat.updated_at.clone();

    // Absent: unchanged. Null: cleared. Value: set.
    let chat = client
        .update_chat_state(&chat_id)
        .clear_follow_up()
        .ai_enabled(false)
        .send()
        .await
        .expect("clear");
    let state = chat.state.clone().expect("state");
    assert!(
        state.follow_up_at.as_ref().is_none_or(Nullable::is_null),
        "{state:?}"
    );
    assert_eq!(
        state.muted_until,
        Some(Nullable::Value(soon)),
        "absent must leave it unchanged"
    );
    assert_eq!(state.csat_score.map(|c| c.get()), Some(4));
    assert_eq!(state.ai_enabled, Some(false));
    assert_ne!(chat.updated_at, updated_before, "updated_at advances");

    // The server's own record agrees with what the client was told.
    let stored = server
        .chat(&chat_id)
        .and_then(|c| c.state)
        .expect("stored state");
    assert_eq!(stored.ai_enabled, Some(false));
    assert!(stored.follow_up_at.as_ref().is_none_or(Nullable::is_null));
}

#[tokio::test]
async fn fork_copies_history_up_to_and_including_the_message() {
    let server = MockServer::start().await;
    let client = client(&server);
    let (chat_id, history) = first_chat(&server);
    let middle = history.len() / 2;
    let message_id = history[middle].id.clone().expect("id");

    let fork = client
        .fork_chat(&chat_id)
        .message_id(&message_id)
        .send()
        .await
        .expect("fork");
    assert_ne!(fork.id, chat_id);
    assert_eq!(
        fork.last_message.as_ref().and_then(|m| m.id.clone()),
        Some(message_id)
    );
    let copied = server.history(&fork.id).expect("fork history");
    assert_eq!(copied, history[..=middle].to_vec());
    assert!(
        fork.title
            .as_deref()
            .is_some_and(|t| t.starts_with("Fork of ")),
        "{:?}",
        fork.title
    );

    let err = client
        .fork_chat(&chat_id)
        .message_id("msg_nope")
        .send()
        .await
        .expect_err("unknown message");
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("message_id"), "{err}");
}

#[tokio::test]
async fn errors_come_back_typed_with_request_ids() {
    let server = MockServer::start().await;
    let (chat_id, _) = first_chat(&server);

    let wrong_key = Client::builder()
        .api_key("wrong")
        .base_url(server.url())
        .build()
        .expect("client");
    let err = wrong_key
        .update_chat_state(&chat_id)
        .ai_enabled(true)
        .send()
        .await
        .expect_err("401");
    assert!(err.is_unauthorized());
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));

    let err = client(&server)
        .update_chat_state("chat_missing")
        .ai_enabled(true)
        .send()
        .await
        .expect_err("404");
    assert!(err.is_not_found());
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code(), Some("not_found"));
}

#[tokio::test]
async fn ids_needing_encoding_reach_their_own_chat() {
    let mut seed = Seed::empty();
    for id in ["a/b", "a b", "a?b", "%2F", "v1.2"] {
        let chat =
            serde_json::from_value(serde_json::json!({"id": id, "title": id})).expect("chat");
        seed = seed.with_chat(chat, vec![]);
    }
    let server = MockServer::builder()
        .seed(seed)
        .start()
        .await
        .expect("server");
    let client = client(&server);
    for id in ["a/b", "a b", "a?b", "%2F", "v1.2"] {
        let chat = client
            .update_chat_state(id)
            .state(ChatStateStatus::Closed)
            .send()
            .await
            .expect(id);
        assert_eq!(chat.id, id);
        assert_eq!(
            server.chat(id).and_then(|c| c.state).and_then(|s| s.state),
            Some(ChatStateStatus::Closed),
            "{id}"
        );
    }
}

#[tokio::test]
async fn retries_follow_the_rules_the_server_can_count() {
    let server = MockServer::start().await;
    let client = client(&server);
    let (chat_id, history) = first_chat(&server);
    let message_id = history[0].id.clone().expect("id");

    server.push_faults([Fault::status(503), Fault::status(503)]);
    let chat = client
        .update_chat_state(&chat_id)
        .ai_enabled(true)
        .send()
        .await
        .expect("third attempt");
    assert_eq!(chat.attempts(), 3);
    assert_eq!(server.request_counts().of(&UPDATE_CHAT_STATE), 3);

    let chats_before = server.chats().len();
    server.push_fault(Fault::status(500).only_for(&FORK_CHAT));
    let err = client
        .fork_chat(&chat_id)
        .message_id(&message_id)
        .send()
        .await
        .expect_err("500");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        server.request_counts().of(&FORK_CHAT),
        1,
        "a fork must not be re-sent after a 500"
    );

    server.push_fault(Fault::rate_limited(0).only_for(&FORK_CHAT));
    client
        .fork_chat(&chat_id)
        .message_id(&message_id)
        .send()
        .await
        .expect("retried after 429");
    assert_eq!(server.request_counts().of(&FORK_CHAT), 3);
    assert_eq!(
        server.chats().len(),
        chats_before + 1,
        "exactly one fork was created"
    );
}

/// Eight clones share one limiter: 40 calls plus 4 retries after 429s reach
/// the server no faster than 20 per 500 ms, counted from its request log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_covers_every_attempt_of_every_clone() {
    const PER: Duration = Duration::from_millis(500);
    let server = MockServer::start().await;
    server.push_faults((0..4).map(|_| Fault::rate_limited(0)));
    let limited = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .rate_limit(20, PER)
        // Enough that one call meeting all four 429s still succeeds.
        .max_retries(4)
        .build()
        .expect("client");
    let (chat_id, _) = first_chat(&server);
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = limited.clone();
            let chat_id = chat_id.clone();
            tokio::spawn(async move {
                for _ in 0..5 {
                    client.update_chat_state(&chat_id).send().await.expect("ok");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("joined");
    }
    let elapsed = started.elapsed();
    assert_eq!(server.request_counts().total(), 44);
    // One permit every 25 ms, the first at once: 43 intervals. Arrival times
    // jitter by a scheduling slice, hence one request of slack per window.
    assert!(elapsed >= Duration::from_millis(43 * 25), "{elapsed:?}");
    let busiest = server.max_requests_in_window(PER);
    assert!(busiest <= 21, "{busiest} requests within {PER:?}");
}

#[test]
fn a_zero_rate_limit_is_a_config_error() {
    for (n, per) in [(0, Duration::from_secs(60)), (5, Duration::ZERO)] {
        let err = Client::builder()
            .api_key("k")
            .rate_limit(n, per)
            .build()
            .expect_err("invalid");
        assert!(matches!(err, Error::Config { .. }), "{err}");
    }
}
