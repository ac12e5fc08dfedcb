//! Authentication: a bearer key is required on every request.

use invent_mock_server::{MockServer, DEFAULT_API_KEY};
use reqwest::Method;
use serde_json::json;

use crate::support::{Api, SUPPORT_CHAT};

#[tokio::test]
async fn missing_key_is_401_and_changes_nothing() {
    let api = Api::start().await;
    let before = api.stored(SUPPORT_CHAT);
    let path = format!("/chats/{SUPPORT_CHAT}/state");
    let request = api
        .anonymous(Method::PATCH, &path)
        .json(&json!({"csat_score": 2}));
    let reply = api.send(Some("update_chat_state"), request).await;
    reply.assert_error(401, "unauthorized", "missing Authorization header");
    assert_eq!(reply.headers["www-authenticate"], "Bearer");
    assert_eq!(api.stored(SUPPORT_CHAT), before);

    let path = format!("/chats/{SUPPORT_CHAT}/fork");
    let request = api
        .anonymous(Method::POST, &path)
        .json(&json!({"message_id": "msg_01J9QK3M7Y0A2B4C6D8E0F2G4H"}));
    let reply = api.send(Some("fork_chat"), request).await;
    reply.assert_error(401, "unauthorized", "missing Authorization header");
    assert_eq!(api.server.chats().len(), 3, "no fork was made");
}

#[tokio::test]
async fn wrong_or_malformed_key_is_401() {
    let api = Api::start().await;
    let path = format!("/chats/{SUPPORT_CHAT}/state");
    for (header, prefix) in [
        ("Bearer not-the-key", "invalid API key"),
        ("Bearer", "malformed Authorization"),
        ("Bearer  ", "malformed Authorization"),
        ("Bearer invent-mock-key-2", "invalid API key"),
        (
            &format!("Basic {DEFAULT_API_KEY}") as &str,
            "malformed Authorization",
        ),
        (DEFAULT_API_KEY, "malformed Authorization"),
    ] {
        let request = api
            .anonymous(Method::PATCH, &path)
            .header("authorization", header)
            .json(&json!({"csat_score": 2}));
        let reply = api.send(Some("update_chat_state"), request).await;
        reply.assert_error(401, "unauthorized", prefix);
    }
    let state = api.stored(SUPPORT_CHAT).state.unwrap();
    assert_eq!(state.csat_score, None);
}

#[tokio::test]
async fn the_key_is_configurable_and_the_scheme_case_insensitive() {
    let api = Api::with(MockServer::builder().api_key("sk_test_123")).await;
    assert_eq!(api.server.api_key(), "sk_test_123");
    let path = format!("/chats/{SUPPORT_CHAT}/state");

    let request = api
        .anonymous(Method::PATCH, &path)
        .bearer_auth(DEFAULT_API_KEY)
        .json(&json!({}));
    let reply = api.send(Some("update_chat_state"), request).await;
    reply.assert_error(401, "unauthorized", "invalid API key");

    let request = api
        .anonymous(Method::PATCH, &path)
        .header("authorization", "bearer sk_test_123")
        .json(&json!({"ai_enabled": false}));
    let reply = api.send(Some("update_chat_state"), request).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.chat().state.unwrap().ai_enabled, Some(false));
}

#[tokio::test]
async fn unknown_paths_need_the_key_too() {
    let api = Api::start().await;
    let reply = api.send(None, api.anonymous(Method::GET, "/chats")).await;
    reply.assert_error(401, "unauthorized", "missing Authorization header");
    let reply = api.send(None, api.request(Method::GET, "/chats")).await;
    reply.assert_error(404, "not_found", "no route for GET /chats");
}
