//! Paths, request ids, request records and the server's lifecycle.

use std::collections::HashSet;
use std::time::Duration;

use invent_mock_server::{Fault, MockServer, RequestCounts};
use invent_sdk::operations::{FORK_CHAT, UPDATE_CHAT_STATE};
use reqwest::Method;
use serde_json::json;

use crate::support::{seed_with, Api, SUPPORT_CHAT};

/// Ids that need percent-encoding, as a client must send them.
const AWKWARD_IDS: [(&str, &str); 4] = [
    ("a/b", "a%2Fb"),
    ("a b", "a%20b"),
    ("a?b", "a%3Fb"),
    ("%2F", "%252F"),
];

#[tokio::test]
async fn percent_encoded_ids_are_one_path_segment() {
    let ids: Vec<&str> = AWKWARD_IDS.iter().map(|(id, _)| *id).collect();
    let api = Api::with(MockServer::builder().seed(seed_with(&ids))).await;
    let message = api.history("a/b")[1].id.clone().unwrap();
    for (score, (id, encoded)) in (1..).zip(AWKWARD_IDS) {
        let reply = api.patch_state(encoded, json!({"csat_score": score})).await;
        assert_eq!(reply.chat().id, id);
        let stored = api.stored(id).state.unwrap().csat_score.unwrap();
        assert_eq!(i64::from(stored), score, "{id}");

        let fork = api
            .fork(encoded, json!({"message_id": message}))
            .await
            .chat();
        assert_eq!(
            fork.title.as_deref(),
            Some("Fork of Order #1042 arrived damaged")
        );
        assert_eq!(api.history(&fork.id).len(), 2);

        // The generated SDK client encodes path parameters the same way.
        let sdk_encoded = progenitor_client::encode_path(id);
        let reply = api
            .patch_state(&sdk_encoded, json!({"csat_score": 5}))
            .await;
        assert_eq!(reply.chat().id, id, "{sdk_encoded}");
    }
    // Each id reached its own chat only.
    for (id, _) in AWKWARD_IDS {
        assert_eq!(
            api.stored(id).state.unwrap().csat_score.map(i64::from),
            Some(5)
        );
    }
    assert_eq!(api.stored(SUPPORT_CHAT).state.unwrap().csat_score, None);
}

#[tokio::test]
async fn unencoded_separators_do_not_reach_the_chat() {
    let api = Api::with(MockServer::builder().seed(seed_with(&["a/b", "a"]))).await;
    let request = api
        .request(Method::PATCH, "/chats/a/b/state")
        .json(&json!({"csat_score": 2}));
    let reply = api.send(None, request).await;
    reply.assert_error(404, "not_found", "no route for PATCH /chats/a/b/state");
    // `?` starts the query: this is `/chats/a` with a query string, which is
    // not the state of chat "a" (what it is depends on the spec's other
    // operations: no route, or another method's).
    let request = api
        .request(Method::PATCH, "/chats/a?b/state")
        .json(&json!({"csat_score": 2}));
    let reply = api.send(None, request).await;
    assert!(matches!(reply.status, 404 | 405), "{}", reply.body);
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("/chats/a")),
        "{}",
        reply.body
    );
    assert_eq!(api.stored("a/b").state.unwrap().csat_score, None);
    assert_eq!(api.stored("a").state.unwrap().csat_score, None);
    let counts = api.server.request_counts();
    assert_eq!(counts.of(&UPDATE_CHAT_STATE), 0, "{counts:?}");
}

#[tokio::test]
async fn other_paths_and_methods_get_error_bodies() {
    let api = Api::start().await;
    let reply = api.send(None, api.request(Method::GET, "/")).await;
    reply.assert_error(404, "not_found", "no route for GET /");
    let reply = api
        .send(
            None,
            api.request(Method::GET, &format!("/chats/{SUPPORT_CHAT}/state")),
        )
        .await;
    reply.assert_error(405, "method_not_allowed", "GET is not allowed on /chats/");
    assert_eq!(reply.headers["allow"], "PATCH", "405 says which method is");
    let reply = api
        .send(
            None,
            api.request(Method::PATCH, &format!("/chats/{SUPPORT_CHAT}/fork")),
        )
        .await;
    reply.assert_error(405, "method_not_allowed", "PATCH is not allowed");
    // An empty id is no id (the SDK refuses to send one): no operation has
    // that path.
    let request = api.request(Method::PATCH, "/chats//state").json(&json!({}));
    let reply = api.send(None, request).await;
    reply.assert_error(404, "not_found", "no route for PATCH /chats//state");
    assert_eq!(api.server.request_counts().of(&UPDATE_CHAT_STATE), 0);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let api = Api::start().await;
    let padding = "x".repeat(5 * 1024 * 1024);
    let request = api
        .request(Method::PATCH, &format!("/chats/{SUPPORT_CHAT}/state"))
        .json(&json!({ "padding": padding }));
    let reply = api.send(Some("update_chat_state"), request).await;
    reply.assert_error(
        413,
        "payload_too_large",
        "request body is over 4194304 bytes",
    );
    assert_eq!(api.server.requests()[0].operation_id(), None);
}

#[tokio::test]
async fn every_response_has_a_unique_request_id() {
    let api = Api::start().await;
    api.server.push_fault(Fault::status(503));
    let state = format!("/chats/{SUPPORT_CHAT}/state");
    let mut seen = Vec::new();
    // 503 (fault), 200, 401, 404, 405, 415, 422, 404 (unknown chat).
    for (operation, request) in [
        (
            Some("update_chat_state"),
            api.request(Method::PATCH, &state).json(&json!({})),
        ),
        (
            Some("update_chat_state"),
            api.request(Method::PATCH, &state).json(&json!({})),
        ),
        (
            Some("update_chat_state"),
            api.anonymous(Method::PATCH, &state).json(&json!({})),
        ),
        (None, api.request(Method::GET, "/nowhere")),
        (None, api.request(Method::DELETE, &state)),
        (
            Some("update_chat_state"),
            api.request(Method::PATCH, &state).body("{}"),
        ),
        (
            Some("update_chat_state"),
            api.request(Method::PATCH, &state)
                .json(&json!({"csat_score": 0})),
        ),
        (
            Some("update_chat_state"),
            api.request(Method::PATCH, "/chats/x/state")
                .json(&json!({})),
        ),
    ] {
        let reply = api.send(operation, request).await;
        seen.push((reply.status, reply.request_id().to_owned()));
    }
    let statuses: Vec<u16> = seen.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [503, 200, 401, 404, 405, 415, 422, 404]);
    let ids: Vec<String> = seen.into_iter().map(|(_, id)| id).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "{ids:?}"
    );
    let logged: Vec<String> = api
        .server
        .requests()
        .into_iter()
        .map(|r| r.request_id)
        .collect();
    assert_eq!(logged, ids, "the log knows each request by its id");
}

#[tokio::test]
async fn request_counts_and_records() {
    let api = Api::start().await;
    assert_eq!(
        api.server.request_counts(),
        RequestCounts::default(),
        "saw none"
    );
    assert_eq!(api.server.request_counts().total(), 0);

    api.patch_state(SUPPORT_CHAT, json!({"follow_up_at": null}))
        .await;
    let request = api
        .anonymous(Method::PATCH, &format!("/chats/{SUPPORT_CHAT}/state"))
        .json(&json!({}));
    api.send(Some("update_chat_state"), request).await;
    api.fork(SUPPORT_CHAT, json!({"message_id": "msg_nope"}))
        .await;
    api.send(None, api.request(Method::GET, "/chats")).await;

    let counts = api.server.request_counts();
    assert_eq!(counts.of(&UPDATE_CHAT_STATE), 2);
    assert_eq!(counts.of(&FORK_CHAT), 1);
    assert_eq!(counts.get("fork_chat"), Some(1), "by operationId");
    assert_eq!(counts.get("no_such_operation"), None, "not in the spec");
    assert_eq!(counts.other(), 1);
    assert_eq!(counts.total(), 4);

    let first = &api.server.requests()[0];
    assert_eq!(first.operation_id(), Some("update_chat_state"));
    assert_eq!(
        first.operation.map(|op| op.path),
        Some(UPDATE_CHAT_STATE.path)
    );
    assert_eq!(first.method, "PATCH");
    assert_eq!(first.path, format!("/chats/{SUPPORT_CHAT}/state"));
    assert_eq!(
        first.header("Authorization"),
        Some("Bearer invent-mock-key")
    );
    assert_eq!(first.header("content-type"), Some("application/json"));
    // The explicit null arrived as sent.
    assert_eq!(first.json(), Some(json!({"follow_up_at": null})));
}

#[tokio::test]
async fn the_log_keeps_the_newest_requests_and_counts_all() {
    let api = Api::with(MockServer::builder().max_recorded_requests(2)).await;
    api.patch_state(SUPPORT_CHAT, json!({"ai_enabled": true}))
        .await;
    api.fork(SUPPORT_CHAT, json!({"message_id": "msg_nope"}))
        .await;
    api.send(None, api.request(Method::GET, "/chats")).await;

    let kept: Vec<_> = api
        .server
        .requests()
        .into_iter()
        .map(|r| (r.method.clone(), r.operation_id()))
        .collect();
    assert_eq!(
        kept,
        [
            ("POST".to_owned(), Some("fork_chat")),
            ("GET".to_owned(), None)
        ],
        "the oldest request was dropped"
    );
    let counts = api.server.request_counts();
    assert_eq!(
        (
            counts.of(&UPDATE_CHAT_STATE),
            counts.of(&FORK_CHAT),
            counts.other()
        ),
        (1, 1, 1),
        "counts include the dropped request: {counts:?}"
    );
}

#[tokio::test]
async fn shutdown_releases_the_port() {
    let server = MockServer::start().await;
    let url = format!("{}/chats/x/state", server.url());
    server.shutdown().await;
    let err = reqwest::Client::new().patch(&url).send().await.unwrap_err();
    assert!(err.is_connect(), "{err}");
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let server = MockServer::start().await;
    let addr = server.addr();
    drop(server);
    // The accept loop is aborted on drop; give the runtime a moment to run it.
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "{addr} still accepts connections");
}
