//! Feature `middleware`: reqwest-middleware middlewares on every attempt, in
//! the order added, with the call's extensions, against a local wiremock
//! server (127.0.0.1) that records what reached it.

#![cfg(feature = "middleware")]
#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Extensions;
use invent_sdk::{Client, Error, Operation, RetryPolicy};
use reqwest_middleware::{Middleware, Next};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-middleware-DO-NOT-PRINT";

/// What one middleware saw on one attempt.
type Journal = Arc<Mutex<Vec<String>>>;

/// The per-call value a test puts into the extensions.
#[derive(Clone, Debug)]
struct Tag(&'static str);

/// A value a middleware leaves in the extensions, to show that the next
/// attempt starts from a fresh copy.
#[derive(Clone, Debug)]
struct Scribble;

/// Records `name op tag auth scribbled` per attempt and adds `x-mw: name`.
struct Recorder {
    name: &'static str,
    journal: Journal,
}

#[async_trait::async_trait]
impl Middleware for Recorder {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let op = extensions
            .get::<&'static Operation>()
            .map_or("no-op", |op| op.id);
        let tag = extensions.get::<Tag>().map_or("no-tag", |t| t.0);
        let auth = req.headers().contains_key("authorization");
        let scribbled = extensions.get::<Scribble>().is_some();
        self.journal.lock().unwrap().push(format!(
            "{} {op} {tag} auth={auth} scribbled={scribbled}",
            self.name
        ));
        extensions.insert(Scribble);
        req.headers_mut()
            .append("x-mw", self.name.parse().expect("valid"));
        next.run(req, extensions).await
    }
}

/// Fails every request without sending it.
struct Refuse;

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused by policy")
    }
}

impl std::error::Error for Refused {}

#[async_trait::async_trait]
impl Middleware for Refuse {
    async fn handle(
        &self,
        _req: reqwest::Request,
        _extensions: &mut Extensions,
        _next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        Err(reqwest_middleware::Error::middleware(Refused))
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

fn chat() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"id": "chat_1"}))
}

#[tokio::test]
async fn middlewares_run_in_order_on_every_attempt_with_the_calls_extensions() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any()).respond_with(chat()).mount(&server).await;
    let journal = Journal::default();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .middleware(Recorder {
            name: "first",
            journal: journal.clone(),
        })
        .middleware(Recorder {
            name: "second",
            journal: journal.clone(),
        })
        .build()
        .expect("client");

    let chat = client
        .update_chat_state("c")
        .ai_enabled(true)
        .extension(Tag("close-run"))
        .send()
        .await
        .expect("second attempt");
    assert_eq!(chat.attempts(), 2);

    // In the order added, twice (one run per attempt); each attempt starts
    // from the call's extensions, without what the last attempt left there.
    let attempt = [
        "first update_chat_state close-run auth=true scribbled=false",
        "second update_chat_state close-run auth=true scribbled=true",
    ];
    assert_eq!(*journal.lock().unwrap(), [attempt, attempt].concat());
    let received = server.received_requests().await.expect("recording");
    assert_eq!(received.len(), 2);
    for request in &received {
        let added: Vec<_> = request.headers.get_all("x-mw").iter().collect();
        assert_eq!(added, ["first", "second"], "what the middlewares added");
    }

    // Shared by clones; a call without an extension has none.
    journal.lock().unwrap().clear();
    client
        .clone()
        .fork_chat("c")
        .message_id("m")
        .send()
        .await
        .expect("fork");
    assert_eq!(
        *journal.lock().unwrap(),
        [
            "first fork_chat no-tag auth=true scribbled=false",
            "second fork_chat no-tag auth=true scribbled=true",
        ]
    );
}

#[tokio::test]
async fn a_failing_middleware_fails_the_call_once_and_may_have_acted() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(chat()).mount(&server).await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .middleware(Refuse)
        .build()
        .expect("client");

    let err = client
        .update_chat_state("c")
        .ai_enabled(true)
        .send()
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Middleware { .. }), "{err:?}");
    assert_eq!(err.attempts(), Some(1), "not retried");
    assert!(err.server_may_have_acted(), "only the middleware knows");
    assert!(!err.is_retryable());
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert_eq!(cause.as_deref(), Some("refused by policy"));
    assert!(err.to_string().contains("middleware"), "{err}");
    assert!(server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
}

#[tokio::test]
async fn the_client_debug_counts_middlewares_and_never_shows_the_key() {
    let builder = Client::builder().api_key(KEY).middleware(Refuse);
    let text = format!("{builder:?}");
    assert!(text.contains("middleware: 1"), "{text}");
    let client = builder.clone().build().expect("client");
    let text = format!("{client:?}");
    assert!(text.contains("middleware: true"), "{text}");
    assert!(!text.contains(KEY) && !format!("{builder:?}").contains(KEY));
}
