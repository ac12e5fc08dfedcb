//! Reaching into one call: per-call headers, query parameters and body
//! properties on every attempt, retry rules of the caller's, and the spans
//! of a call and its attempts, against a local wiremock server (127.0.0.1)
//! that records every request it gets.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use invent_sdk::{Client, Error, RetryPolicy};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk-test-pipeline-7d1e-DO-NOT-PRINT";

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

fn client_with(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(policy)
        .default_header("x-team", "support")
        .build()
        .expect("client")
}

fn chat() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-request-id", "req_ok")
        .set_body_json(json!({"id": "chat_1"}))
}

/// The first `times` requests get `failure`, every later one a chat.
async fn fail_then_succeed(server: &MockServer, failure: ResponseTemplate, times: u64) {
    Mock::given(any())
        .respond_with(failure)
        .up_to_n_times(times)
        .mount(server)
        .await;
    Mock::given(any()).respond_with(chat()).mount(server).await;
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn header<'a>(request: &'a Request, name: &str) -> Vec<&'a str> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().expect("text"))
        .collect()
}

#[tokio::test]
async fn headers_query_and_body_fields_are_on_the_wire_on_every_attempt() {
    let server = MockServer::start().await;
    fail_then_succeed(&server, ResponseTemplate::new(503), 1).await;
    let client = client_with(&server, policy());

    let chat = client
        .update_chat_state("chat_1")
        .csat_score(5)
        .header("x-trace-tag", "run-7")
        .header("x-team", "billing") // replaces the client's default
        .header("accept", "application/vnd.invent+json")
        .extra_query("dry_run", true)
        .extra_query("tag", "a b")
        .extra_query("tag", "c")
        .extra_body("priority", json!("high"))
        .extra_body("labels", json!(["vip"]))
        .send()
        .await
        .expect("second attempt");
    assert_eq!(chat.attempts(), 2);

    let received = requests(&server).await;
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(request.url.path(), "/chats/chat_1/state");
        assert_eq!(
            request.url.query(),
            Some("dry_run=true&tag=a+b&tag=c"),
            "form-encoded, in the order given"
        );
        assert_eq!(header(request, "x-trace-tag"), ["run-7"]);
        assert_eq!(header(request, "x-team"), ["billing"]);
        assert_eq!(header(request, "accept"), ["application/vnd.invent+json"]);
        assert_eq!(
            header(request, "authorization"),
            [format!("Bearer {KEY}").as_str()]
        );
        assert_eq!(header(request, "content-type"), ["application/json"]);
        let body: Value = serde_json::from_slice(&request.body).expect("json");
        assert_eq!(
            body,
            json!({"csat_score": 5, "priority": "high", "labels": ["vip"]})
        );
    }
}

#[tokio::test]
async fn a_fork_takes_extra_body_fields_and_a_later_value_wins() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(chat()).mount(&server).await;
    client_with(&server, policy())
        .fork_chat("c")
        .message_id("m")
        .extra_body("copy_files", json!(false))
        .extra_body("copy_files", json!(true))
        .send()
        .await
        .expect("fork");
    let received = requests(&server).await;
    let body: Value = serde_json::from_slice(&received[0].body).expect("json");
    assert_eq!(body, json!({"message_id": "m", "copy_files": true}));
}

#[tokio::test]
async fn what_would_replace_the_key_or_the_calls_own_fields_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(chat()).mount(&server).await;
    let client = client_with(&server, policy());

    let refused = [
        (
            client
                .update_chat_state("c")
                .ai_enabled(true)
                .header("Authorization", "Bearer sk-other")
                .send()
                .await,
            "header",
            "authorization",
        ),
        (
            client
                .update_chat_state("c")
                .ai_enabled(true)
                .header("content-length", "1")
                .send()
                .await,
            "header",
            "content-length",
        ),
        (
            client
                .update_chat_state("c")
                .ai_enabled(true)
                .header("x-bad", "line\nbreak")
                .send()
                .await,
            "header",
            "x-bad",
        ),
        (
            client
                .update_chat_state("c")
                .csat_score(4)
                .extra_body("csat_score", json!(9))
                .send()
                .await,
            "extra_body",
            "csat_score",
        ),
        (
            client
                .fork_chat("c")
                .message_id("m")
                .extra_body("message_id", json!("other"))
                .send()
                .await,
            "extra_body",
            "message_id",
        ),
    ];
    for (result, field, needle) in refused {
        match result {
            Err(e @ Error::InvalidInput { .. }) => {
                let text = e.to_string();
                assert!(text.contains(field) && text.contains(needle), "{text}");
                assert!(!text.contains("sk-other"), "{text}");
                assert_eq!(e.attempts(), None);
            }
            other => panic!("{field} {needle}: expected InvalidInput, got {other:?}"),
        }
    }
    assert!(requests(&server).await.is_empty(), "nothing was sent");

    // A property the call does not set is the caller's to send.
    client
        .update_chat_state("c")
        .extra_body("csat_score", json!(9))
        .send()
        .await
        .expect("sent as given");
    let body: Value = serde_json::from_slice(&requests(&server).await[0].body).expect("json");
    assert_eq!(body, json!({"csat_score": 9}));
}

#[tokio::test]
async fn a_retry_predicate_retries_409_on_updates() {
    let server = MockServer::start().await;
    fail_then_succeed(&server, ResponseTemplate::new(409), 2).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let client = client_with(
        &server,
        policy().with_retry_if(move |response| {
            record
                .lock()
                .unwrap()
                .push((response.operation().id, response.attempt()));
            response.operation().id == "update_chat_state"
                && response.status() == StatusCode::CONFLICT
        }),
    );
    let chat = client
        .update_chat_state("c")
        .ai_enabled(true)
        .send()
        .await
        .expect("third attempt");
    assert_eq!(chat.attempts(), 3);
    assert_eq!(
        *seen.lock().unwrap(),
        [("update_chat_state", 1), ("update_chat_state", 2)]
    );

    // Added statuses work the same way, within max_retries.
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(409))
        .mount(&server)
        .await;
    let client = client_with(
        &server,
        policy().with_retry_statuses([StatusCode::CONFLICT]),
    );
    let err = client
        .update_chat_state("c")
        .ai_enabled(true)
        .max_retries(1)
        .send()
        .await
        .expect_err("409 twice");
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_rule_cannot_send_a_fork_again_after_the_server_may_have_acted() {
    let asked = Arc::new(Mutex::new(0));
    let count = asked.clone();
    let retry_everything = policy()
        .with_retry_statuses([StatusCode::INTERNAL_SERVER_ERROR, StatusCode::CONFLICT])
        .with_retry_if(move |_| {
            *count.lock().unwrap() += 1;
            true
        });
    for status in [500, 502, 503, 408] {
        let server = MockServer::start().await;
        fail_then_succeed(&server, ResponseTemplate::new(status), 1).await;
        let err = client_with(&server, retry_everything.clone())
            .fork_chat("c")
            .message_id("m")
            .send()
            .await
            .expect_err("not retried");
        assert!(err.server_may_have_acted(), "{status}");
        assert_eq!(
            requests(&server).await.len(),
            1,
            "fork sent twice on {status}"
        );
    }
    assert_eq!(*asked.lock().unwrap(), 0, "the predicate is not even asked");

    // A refusal (the server did nothing) may be retried for a fork.
    let server = MockServer::start().await;
    fail_then_succeed(&server, ResponseTemplate::new(409), 1).await;
    let fork = client_with(&server, retry_everything.clone())
        .fork_chat("c")
        .message_id("m")
        .send()
        .await
        .expect("retried after 409");
    assert_eq!(fork.attempts(), 2);

    // Only the call itself can opt in.
    let server = MockServer::start().await;
    fail_then_succeed(&server, ResponseTemplate::new(503), 1).await;
    let fork = client_with(&server, policy())
        .fork_chat("c")
        .message_id("m")
        .retry_when_server_may_have_acted(true)
        .send()
        .await
        .expect("opted in");
    assert_eq!(fork.attempts(), 2);
}

/// One span as a subscriber saw it.
#[derive(Clone, Debug)]
struct SeenSpan {
    name: String,
    parent: Option<String>,
    level: tracing::Level,
    fields: BTreeMap<String, String>,
}

/// Records every span with its parent and fields (as created and as
/// recorded later), and every event's text, for assertions.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<(Id, SeenSpan)>>>,
    lines: Arc<Mutex<Vec<String>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.name().to_owned());
        let span = SeenSpan {
            name: attrs.metadata().name().to_owned(),
            parent,
            level: *attrs.metadata().level(),
            fields,
        };
        self.lines.lock().unwrap().push(format!("{span:?}"));
        self.spans.lock().unwrap().push((id.clone(), span));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some((_, span)) = spans.iter_mut().rev().find(|(seen, _)| seen == id) {
            values.record(&mut Fields(&mut span.fields));
            self.lines.lock().unwrap().push(format!("{span:?}"));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.lines.lock().unwrap().push(format!("{fields:?}"));
    }
}

impl Recorder {
    fn spans(&self) -> Vec<SeenSpan> {
        self.spans
            .lock()
            .unwrap()
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }
}

fn field<'a>(span: &'a SeenSpan, name: &str) -> Option<&'a str> {
    span.fields.get(name).map(String::as_str)
}

#[tokio::test]
async fn a_call_has_one_info_span_named_by_the_operation_with_one_span_per_attempt() {
    // A permanent second dispatcher: callsite interest is then asked of
    // every dispatcher, not cached from whichever test got there first.
    static KEEP_CALLSITES_INTERESTED: std::sync::OnceLock<tracing::Dispatch> =
        std::sync::OnceLock::new();
    KEEP_CALLSITES_INTERESTED
        .get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-request-id", "req_busy")
                // A misbehaving server echoing the key: scrubbed before tracing.
                .insert_header("x-echo", format!("Bearer {KEY}").as_str())
                .set_body_string(KEY),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any()).respond_with(chat()).mount(&server).await;
    let client = client_with(&server, policy());
    let recorder = Recorder::default();
    let subscriber = tracing::Dispatch::new(tracing_subscriber::registry().with(recorder.clone()));

    client
        .update_chat_state("chat_1")
        .csat_score(5)
        .header("x-secret-header", "do-not-log-me")
        .extra_body("note", json!("do-not-log-this-body"))
        .send()
        .with_subscriber(subscriber.clone())
        .await
        .expect("second attempt");

    let spans = recorder.spans();
    let calls: Vec<&SeenSpan> = spans
        .iter()
        .filter(|s| s.name == "update_chat_state")
        .collect();
    assert_eq!(calls.len(), 1, "{spans:#?}");
    let call = calls[0];
    assert_eq!(call.level, tracing::Level::INFO);
    assert_eq!(call.parent, None);
    let host = reqwest::Url::parse(&server.uri()).expect("url");
    let port = host.port().expect("port").to_string();
    for (name, value) in [
        ("http.request.method", "PATCH"),
        ("url.template", "/chats/{chat_id}/state"),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
        ("http.response.status_code", "200"),
        ("http.request.resend_count", "1"),
        ("invent.request_id", "req_ok"),
    ] {
        assert_eq!(field(call, name), Some(value), "{name} in {call:#?}");
    }
    assert_eq!(field(call, "error.type"), None, "succeeded");

    let attempts: Vec<&SeenSpan> = spans.iter().filter(|s| s.name == "attempt").collect();
    assert_eq!(attempts.len(), 2, "{spans:#?}");
    for attempt in &attempts {
        assert_eq!(attempt.parent.as_deref(), Some("update_chat_state"));
        assert_eq!(attempt.level, tracing::Level::INFO);
    }
    let (first, second) = (attempts[0], attempts[1]);
    assert_eq!(field(first, "http.response.status_code"), Some("503"));
    assert_eq!(field(first, "error.type"), Some("503"));
    assert_eq!(field(first, "invent.request_id"), Some("req_busy"));
    assert_eq!(field(first, "http.request.resend_count"), None);
    assert_eq!(field(second, "http.response.status_code"), Some("200"));
    assert_eq!(field(second, "http.request.resend_count"), Some("1"));
    assert_eq!(field(second, "error.type"), None);

    // A failed fork: error.type on the call, no resend.
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).insert_header("x-request-id", "req_gone"))
        .mount(&server)
        .await;
    let err = client
        .fork_chat("c")
        .message_id("m")
        .send()
        .with_subscriber(subscriber)
        .await
        .expect_err("404");
    assert!(err.is_not_found());
    let spans = recorder.spans();
    let fork = spans
        .iter()
        .find(|s| s.name == "fork_chat")
        .expect("a fork_chat span");
    for (name, value) in [
        ("http.request.method", "POST"),
        ("url.template", "/chats/{chat_id}/fork"),
        ("http.response.status_code", "404"),
        ("error.type", "404"),
        ("invent.request_id", "req_gone"),
    ] {
        assert_eq!(field(fork, name), Some(value), "{name} in {fork:#?}");
    }
    assert_eq!(field(fork, "http.request.resend_count"), None);

    // Never the key, a header value or a body, in any span or event.
    let lines = recorder.lines.lock().unwrap().clone();
    assert!(!lines.is_empty());
    for line in &lines {
        for secret in [KEY, "do-not-log-me", "do-not-log-this-body", "csat_score"] {
            assert!(!line.contains(secret), "{secret} in: {line}");
        }
    }
}
