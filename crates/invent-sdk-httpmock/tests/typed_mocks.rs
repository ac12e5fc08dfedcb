//! The generated httpmock helpers with the real SDK client: typed matchers and
//! responders, and ids that need encoding matching exactly their own mock.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use httpmock::MockServer;
use invent_sdk::types::{
    Chat, ChatStateStatus, ErrorBody, ForkChatRequest, UpdateChatStateRequest,
};
use invent_sdk::{Client, Nullable};
use invent_sdk_httpmock::MockServerExt;

fn chat(id: &str) -> Chat {
    serde_json::from_value(serde_json::json!({"id": id, "title": "typed"})).unwrap()
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(server.base_url())
        .max_retries(0)
        .build()
        .unwrap()
}

#[tokio::test]
async fn ids_needing_encoding_match_their_own_mock_only() {
    let server = MockServer::start_async().await;
    let ids = [
        "a/b", "a b", "a?b", "v1.2", "(x)", "100%", "ü", r"..\x", r"x\",
    ];
    let mocks: Vec<_> = ids
        .iter()
        .map(|id| {
            server.update_chat_state(|when, then| {
                when.chat_id(id);
                then.ok(&chat(id));
            })
        })
        .collect();
    let client = client(&server);
    for id in ids {
        let reply = client
            .update_chat_state(id)
            .ai_enabled(true)
            .send()
            .await
            .expect(id);
        assert_eq!(
            reply.id, id,
            "the request for {id:?} reached another id's mock"
        );
    }
    for (id, mock) in ids.iter().zip(&mocks) {
        assert_eq!(mock.calls(), 1, "{id:?}");
    }
    // `v1.2` is escaped: `v1x2` must not match it.
    let err = client
        .update_chat_state("v1x2")
        .ai_enabled(true)
        .send()
        .await
        .expect_err("no mock");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn typed_bodies_and_error_responders() {
    let server = MockServer::start_async().await;
    // Models are non-exhaustive: values are built with their builders.
    let expected: UpdateChatStateRequest = UpdateChatStateRequest::builder()
        .state(Some(ChatStateStatus::Closed))
        .follow_up_at(Some(Nullable::Null))
        .try_into()
        .unwrap();
    let update = server.update_chat_state(|when, then| {
        when.chat_id("chat_1").body(&expected);
        then.ok(&chat("chat_1"));
    });
    let fork = server.fork_chat(|when, then| {
        let body: ForkChatRequest = ForkChatRequest::builder()
            .message_id("msg_missing")
            .try_into()
            .unwrap();
        let error: ErrorBody = ErrorBody::builder()
            .message(Some("message not found".to_owned()))
            .code(Some("not_found".to_owned()))
            .try_into()
            .unwrap();
        when.chat_id("chat_1").body(&body);
        then.not_found(&error);
    });
    let client = client(&server);

    let chat = client
        .update_chat_state("chat_1")
        .state(ChatStateStatus::Closed)
        .clear_follow_up()
        .send()
        .await
        .expect("matches the typed body");
    assert_eq!(chat.id, "chat_1");
    update.assert();

    let err = client
        .fork_chat("chat_1")
        .message_id("msg_missing")
        .send()
        .await
        .expect_err("404");
    assert!(err.is_not_found());
    assert!(
        err.to_string().contains("message not found [not_found]"),
        "{err}"
    );
    fork.assert();
}

#[test]
fn review_copy_matches_what_the_build_generates() {
    // The build writes the code unformatted; `cargo xtask codegen` lays it out.
    let built = include_str!(concat!(env!("OUT_DIR"), "/invent_sdk_httpmock.rs"));
    let reviewed = include_str!("../generated/invent_sdk_httpmock.rs");
    let laid_out = invent_codegen::pretty::review_copy(built).expect("generated code parses");
    assert!(
        laid_out == reviewed.replace("\r\n", "\n"),
        "crates/invent-sdk-httpmock/generated/invent_sdk_httpmock.rs is stale: run `cargo xtask codegen`"
    );
}
