//! Fault injection: canned failures, in order, then normal service.

use std::time::{Duration, Instant};

use invent_mock_server::{Fault, MockServer};
use invent_sdk::operations::{FORK_CHAT, UPDATE_CHAT_STATE};
use invent_sdk::types::ErrorBody;
use reqwest::Method;
use serde_json::json;

use crate::support::{Api, SUPPORT_CHAT};

#[tokio::test]
async fn no_faults_by_default() {
    let api = Api::start().await;
    assert_eq!(api.server.pending_faults(), 0);
    let reply = api.patch_state(SUPPORT_CHAT, json!({})).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn two_503s_then_normal_service() {
    let api =
        Api::with(MockServer::builder().faults([Fault::status(503), Fault::status(503)])).await;
    assert_eq!(api.server.pending_faults(), 2);
    for _ in 0..2 {
        let reply = api
            .patch_state(SUPPORT_CHAT, json!({"csat_score": 4}))
            .await;
        reply.assert_error(
            503,
            "injected_fault",
            "injected fault: 503 Service Unavailable",
        );
        assert_eq!(
            api.stored(SUPPORT_CHAT).state.unwrap().csat_score,
            None,
            "not applied"
        );
    }
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"csat_score": 4}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["state"]["csat_score"], 4);
    assert_eq!(api.server.pending_faults(), 0);
    assert_eq!(api.server.request_counts().of(&UPDATE_CHAT_STATE), 3);
}

#[tokio::test]
async fn rate_limit_with_retry_after() {
    let api = Api::start().await;
    api.server.push_fault(Fault::rate_limited(1));
    let reply = api
        .fork(
            SUPPORT_CHAT,
            json!({"message_id": "msg_01J9QK3M7Y0A2B4C6D8E0F2G4H"}),
        )
        .await;
    reply.assert_error(429, "rate_limited", "rate limit exceeded");
    assert_eq!(reply.headers["retry-after"], "1");
    assert_eq!(api.server.chats().len(), 3, "no fork was made");
}

#[tokio::test]
async fn custom_error_body_and_headers() {
    let api = Api::start().await;
    let body: ErrorBody = ErrorBody::builder()
        .message(Some("upstream timed out".to_owned()))
        .code(Some("gateway_timeout".to_owned()))
        .try_into()
        .unwrap();
    api.server.push_fault(
        Fault::status(504)
            .with_error(body)
            .with_header("x-upstream", "chat-store")
            .with_header("bad header name", "dropped"),
    );
    let reply = api.patch_state(SUPPORT_CHAT, json!({})).await;
    reply.assert_error(504, "gateway_timeout", "upstream timed out");
    assert_eq!(reply.headers["x-upstream"], "chat-store");
}

#[tokio::test]
async fn html_error_page() {
    let api = Api::start().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    api.server.push_fault(Fault::html(502, page));
    let request = api
        .request(Method::PATCH, &format!("/chats/{SUPPORT_CHAT}/state"))
        .json(&json!({}));
    let reply = api.send_html(request).await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.text, page);
    // The next request is served normally.
    assert_eq!(api.patch_state(SUPPORT_CHAT, json!({})).await.status, 200);
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let api = Api::start().await;
    let delay = Duration::from_millis(300);
    api.server.push_fault(Fault::delay(delay));
    let started = Instant::now();
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"csat_score": 2}))
        .await;
    // A lower bound only: the fault sleeps at least this long before answering.
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(reply.body["state"]["csat_score"], 2);

    // A delayed fault answer, and a client that gives up first.
    api.server
        .push_fault(Fault::status(500).with_delay(Duration::from_secs(5)));
    let err = reqwest::Client::new()
        .patch(format!("{}/chats/{SUPPORT_CHAT}/state", api.server.url()))
        .bearer_auth(api.server.api_key())
        .json(&json!({}))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(api.server.request_counts().of(&UPDATE_CHAT_STATE), 2);
}

#[tokio::test]
async fn close_connection_without_a_response() {
    let api = Api::start().await;
    api.server.push_fault(Fault::close_connection());
    let err = reqwest::Client::new()
        .patch(format!("{}/chats/{SUPPORT_CHAT}/state", api.server.url()))
        .bearer_auth(api.server.api_key())
        .json(&json!({"csat_score": 1}))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    assert_eq!(api.stored(SUPPORT_CHAT).state.unwrap().csat_score, None);
    // The server itself carries on.
    let reply = api
        .patch_state(SUPPORT_CHAT, json!({"csat_score": 1}))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(api.server.request_counts().of(&UPDATE_CHAT_STATE), 2);
}

#[tokio::test]
async fn faults_can_target_one_operation() {
    let api = Api::start().await;
    api.server
        .push_faults([Fault::status(500).only_for(&FORK_CHAT), Fault::status(502)]);
    // The PATCH passes the fork-only fault by and takes the general one.
    let reply = api.patch_state(SUPPORT_CHAT, json!({})).await;
    assert_eq!(reply.status, 502);
    assert_eq!(api.patch_state(SUPPORT_CHAT, json!({})).await.status, 200);
    assert_eq!(api.server.pending_faults(), 1);
    // Requests to no operation pass it by too.
    let reply = api.send(None, api.request(Method::GET, "/")).await;
    assert_eq!(reply.status, 404);
    let reply = api.fork(SUPPORT_CHAT, json!({"message_id": "m"})).await;
    reply.assert_error(
        500,
        "injected_fault",
        "injected fault: 500 Internal Server Error",
    );
    assert_eq!(api.server.pending_faults(), 0);
}

#[tokio::test]
async fn faults_come_before_authentication_and_can_be_cleared() {
    let api = Api::start().await;
    api.server
        .push_faults([Fault::status(503), Fault::status(503), Fault::status(503)]);
    let request = api
        .anonymous(Method::PATCH, &format!("/chats/{SUPPORT_CHAT}/state"))
        .json(&json!({}));
    let reply = api.send(Some("update_chat_state"), request).await;
    assert_eq!(
        reply.status, 503,
        "the fault answers before the key is checked"
    );
    api.server.clear_faults();
    assert_eq!(api.server.pending_faults(), 0);
    assert_eq!(api.patch_state(SUPPORT_CHAT, json!({})).await.status, 200);
}
