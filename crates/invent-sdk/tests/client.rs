//! The hand-written client around the generated calls, against a real local
//! HTTP server (wiremock on 127.0.0.1) that records every request it gets.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests fail by panicking.

use std::time::Duration;

use invent_sdk::types::{Chat, ChatStateStatus, CsatScore};
use invent_sdk::{ApiResponse, Client, Error, RetryPolicy, Timestamp};
use serde_json::{json, Value};
use tracing::instrument::WithSubscriber;
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "sk-test-3f9a7c1e-DO-NOT-PRINT";

fn chat_json() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seed_003_fork_chat_response.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .build()
        .expect("client")
}

fn ok_chat() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-request-id", "req_ok_1")
        .set_body_json(chat_json())
}

/// The first `times` requests get `failure`, every later one a chat.
async fn fail_then_succeed(server: &MockServer, failure: ResponseTemplate, times: u64) {
    Mock::given(any())
        .respond_with(failure)
        .up_to_n_times(times)
        .mount(server)
        .await;
    Mock::given(any())
        .respond_with(ok_chat())
        .mount(server)
        .await;
}

/// The smallest update: `PATCH /chats/c/state` with `{"ai_enabled":true}`.
async fn update(client: &Client) -> Result<ApiResponse<Chat>, Error> {
    client.update_chat_state("c").ai_enabled(true).send().await
}

/// The smallest fork: `POST /chats/c/fork` with `{"message_id":"m"}`.
async fn fork(client: &Client) -> Result<ApiResponse<Chat>, Error> {
    client.fork_chat("c").message_id("m").send().await
}

/// A client for `base_url` that gives each call one attempt of 100 ms.
fn impatient_client(base_url: String) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .timeout(Duration::from_millis(100))
        .max_retries(0)
        .build()
        .expect("client")
}

/// A URL on 127.0.0.1 where connections are refused.
fn refusing_url() -> String {
    // Bind then drop: the port is closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    format!("http://127.0.0.1:{port}")
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

#[tokio::test]
async fn update_sends_auth_user_agent_headers_and_the_exact_body() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/chats/chat_1/state"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header(
            "user-agent",
            format!("invent-sdk-rust/{}", env!("CARGO_PKG_VERSION")).as_str(),
        ))
        .and(header("x-team", "support"))
        .and(body_json(
            json!({"state": "CLOSED", "csat_score": 5, "follow_up_at": null}),
        ))
        .respond_with(ok_chat())
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .default_header("x-team", "support")
        .build()
        .expect("client");

    let chat = client
        .update_chat_state("chat_1")
        .state(ChatStateStatus::Closed)
        .csat_score(5)
        .clear_follow_up()
        .send()
        .await
        .expect("success");

    assert_eq!(chat.status().as_u16(), 200);
    assert_eq!(chat.request_id(), Some("req_ok_1"));
    assert_eq!(chat.attempts(), 1);
    assert_eq!(
        chat.state.as_ref().and_then(|s| s.csat_score),
        CsatScore::try_from(3).ok()
    );
    assert_eq!(
        serde_json::to_value(chat.into_inner()).expect("encodes"),
        chat_json()
    );
}

#[tokio::test]
async fn three_states_through_the_builder() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat())
        .mount(&server)
        .await;
    let client = client(&server);
    let at: Timestamp = "2030-01-02T03:04:05.678+01:00".parse().expect("valid");

    client
        .update_chat_state("c")
        .ai_enabled(false)
        .send()
        .await
        .expect("ok");
    client
        .update_chat_state("c")
        .clear_follow_up()
        .unmute()
        .send()
        .await
        .expect("ok");
    client
        .update_chat_state("c")
        .follow_up_at(at.clone())
        .send()
        .await
        .expect("ok");

    let bodies: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(
        bodies,
        vec![
            r#"{"ai_enabled":false}"#,
            r#"{"follow_up_at":null,"muted_until":null}"#,
            r#"{"follow_up_at":"2030-01-02T03:04:05.678+01:00"}"#,
        ]
    );
}

#[tokio::test]
async fn fork_sends_message_and_title() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats/chat_1/fork"))
        .and(body_json(
            json!({"message_id": "msg_2", "title": "Refund follow-up"}),
        ))
        .respond_with(ok_chat())
        .expect(1)
        .mount(&server)
        .await;
    let fork = client(&server)
        .fork_chat("chat_1")
        .message_id("msg_2")
        .title("Refund follow-up")
        .send()
        .await
        .expect("fork");
    assert_eq!(fork.id, "<string>");
}

#[tokio::test]
async fn invalid_input_is_rejected_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat())
        .mount(&server)
        .await;
    let client = client(&server);
    let far = Timestamp::from(chrono::Utc::now() + chrono::Duration::days(400));

    let failures = [
        (
            "csat_score",
            client.update_chat_state("c").csat_score(0).send().await,
        ),
        (
            "csat_score",
            client.update_chat_state("c").csat_score(6).send().await,
        ),
        (
            "csat_score",
            client.update_chat_state("c").csat_score(9).send().await,
        ),
        (
            "muted_until",
            client
                .update_chat_state("c")
                .muted_until(far.clone())
                .send()
                .await,
        ),
        (
            "muted_until",
            client
                .update_chat_state("c")
                .muted_until("2030-01-01".parse::<Timestamp>().expect("date"))
                .send()
                .await,
        ),
        ("chat_id", client.update_chat_state("").send().await),
        ("chat_id", client.update_chat_state(".").send().await),
        ("chat_id", client.update_chat_state("..").send().await),
        (
            "chat_id",
            client.fork_chat("..").message_id("m").send().await,
        ),
        // Required by the schema. (A body property is not a path segment,
        // so `""` or `..` there cannot change the endpoint: the server judges it.)
        ("message_id", client.fork_chat("c").send().await),
    ];
    for (expected, result) in failures {
        match result {
            Err(Error::InvalidInput { field, reason, .. }) => {
                assert_eq!(field, expected, "{reason}")
            }
            other => panic!("{expected}: expected InvalidInput, got {other:?}"),
        }
    }
    assert!(
        requests(&server).await.is_empty(),
        "a request left on bad input"
    );

    // The opt-out sends what the local clock would reject.
    client
        .update_chat_state("c")
        .muted_until(far)
        .allow_mute_beyond_one_year()
        .send()
        .await
        .expect("sent");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn ids_are_one_encoded_path_segment() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat())
        .mount(&server)
        .await;
    let client = client(&server);
    let cases = [
        ("a/b", "/chats/a%2Fb/state"),
        ("a?b=1", "/chats/a%3Fb=1/state"),
        ("a#b", "/chats/a%23b/state"),
        ("100%", "/chats/100%25/state"),
        ("a b", "/chats/a%20b/state"),
        ("../fork", "/chats/..%2Ffork/state"),
        ("...", "/chats/.../state"),
    ];
    for (id, _) in cases {
        client
            .update_chat_state(id)
            .ai_enabled(true)
            .send()
            .await
            .expect(id);
    }
    let seen: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    let expected: Vec<&str> = cases.iter().map(|(_, p)| *p).collect();
    assert_eq!(seen, expected);
    assert!(requests(&server)
        .await
        .iter()
        .all(|r| r.url.query().is_none()));
}

#[tokio::test]
async fn api_errors_carry_status_request_id_message_and_code() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-request-id", "req_404")
                .set_body_json(
                    json!({"message": "Chat not found", "code": "chat_not_found", "extra": 1}),
                ),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .update_chat_state("nope")
        .ai_enabled(true)
        .send()
        .await
        .expect_err("404");
    assert!(err.is_not_found() && !err.is_retryable());
    assert_eq!(err.request_id(), Some("req_404"));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (api.message(), api.code()),
        (Some("Chat not found"), Some("chat_not_found"))
    );
    assert_eq!(
        err.to_string(),
        "Invent API error 404 Not Found, request id req_404: Chat not found [chat_not_found]"
    );
    assert_eq!(requests(&server).await.len(), 1, "404 must not be retried");
}

#[tokio::test]
async fn unauthorized_and_rate_limited_helpers() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "bad key"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = update(&client).await.expect_err("401");
    assert!(err.is_unauthorized());
    let err = fork(&client).await.expect_err("429");
    assert!(err.is_rate_limited() && err.is_retryable());
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    // An hour is longer than the client will wait: reported, not retried.
    assert_eq!(api.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(api.attempts(), 1);
}

#[tokio::test]
async fn an_html_gateway_page_is_an_api_error_with_a_bounded_snippet() {
    let server = MockServer::start().await;
    let page = format!(
        "<html><body><h1>502 Bad Gateway</h1>{}</body></html>",
        "x".repeat(5000)
    );
    Mock::given(any())
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;
    let err = update(&client(&server)).await.expect_err("502");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    let snippet = api.body_snippet().expect("snippet");
    assert!(
        snippet.starts_with("<html><body><h1>502 Bad Gateway</h1>"),
        "{snippet}"
    );
    assert!(snippet.chars().count() < 600, "snippet is not bounded");
    assert_eq!(
        api.attempts(),
        3,
        "502 is retried twice for an idempotent call"
    );
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_bad_success_body_is_a_decode_error_naming_the_path() {
    let server = MockServer::start().await;
    let mut body = chat_json();
    body["state"]["csat_score"] = json!(9);
    Mock::given(method("PATCH"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req_bad")
                .set_body_json(body),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
        .mount(&server)
        .await;
    let client = client(&server);

    let err = update(&client).await.expect_err("decode");
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), "state.csat_score");
    assert_eq!(decode.request_id(), Some("req_bad"));
    assert!(decode.message().contains("1..=5"), "{}", decode.message());
    assert!(decode.body_snippet().starts_with('{'));

    let err = fork(&client).await.expect_err("html");
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), ".");
    assert_eq!(decode.body_snippet(), "<html>oops</html>");
}

#[tokio::test]
async fn transient_failures_of_an_update_are_retried() {
    let server = MockServer::start().await;
    fail_then_succeed(&server, ResponseTemplate::new(503), 2).await;
    let chat = update(&client(&server)).await.expect("third try");
    assert_eq!(chat.attempts(), 3);
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn retries_stop_at_the_limit() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = client(&server);
    let err = update(&client).await.expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(requests(&server).await.len(), 3);

    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let err = client
        .update_chat_state("c")
        .ai_enabled(true)
        .max_retries(0)
        .send()
        .await
        .expect_err("503");
    assert!(err.is_retryable());
    assert_eq!(requests(&server).await.len(), 1, "per-call max_retries(0)");
}

#[tokio::test]
async fn a_fork_is_never_sent_twice_when_the_server_may_have_acted() {
    for status in [500, 502, 503, 504, 408] {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let err = fork(&client(&server)).await.expect_err("error");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(
            requests(&server).await.len(),
            1,
            "fork retried after {status}"
        );
    }
}

#[tokio::test]
async fn errors_say_whether_the_server_may_have_acted_and_how_many_attempts() {
    let server = MockServer::start().await;
    let client = client(&server);
    for (status, may_have_acted) in [(503, true), (408, true), (404, false), (422, false)] {
        server.reset().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status))
            .mount(&server)
            .await;
        let err = fork(&client).await.expect_err("error status");
        assert_eq!(err.server_may_have_acted(), may_have_acted, "{status}");
        assert_eq!(err.attempts(), Some(1), "{status}");
    }
    // Refused after every retry: the server never did the work.
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .mount(&server)
        .await;
    let err = fork(&client).await.expect_err("429");
    assert!(!err.server_may_have_acted());
    assert_eq!(err.attempts(), Some(3));
    // A success that cannot be decoded was acted on.
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    let err = fork(&client).await.expect_err("decode");
    assert!(err.server_may_have_acted());
    assert_eq!(err.attempts(), Some(1));

    // Nothing sent: no attempts.
    let err = client
        .fork_chat("c")
        .send()
        .await
        .expect_err("no message_id");
    assert!(!err.server_may_have_acted());
    assert_eq!(err.attempts(), None);

    // Never connected, after every retry.
    let refused = Client::builder()
        .api_key(KEY)
        .base_url(refusing_url())
        .retry_policy(fast_retries())
        .build()
        .expect("client");
    let err = fork(&refused).await.expect_err("refused");
    assert!(!err.server_may_have_acted(), "{err:?}");
    assert_eq!(err.attempts(), Some(3));

    // Sent, then no answer in time.
    server.reset().await;
    Mock::given(any())
        .respond_with(ok_chat().set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let err = fork(&impatient_client(server.uri()))
        .await
        .expect_err("timeout");
    assert!(err.is_timeout() && err.server_may_have_acted(), "{err:?}");
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn a_fork_is_retried_after_429_and_on_opt_in() {
    let server = MockServer::start().await;
    fail_then_succeed(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "0"),
        1,
    )
    .await;
    let forked = fork(&client(&server)).await.expect("retried");
    assert_eq!(forked.attempts(), 2);

    let server = MockServer::start().await;
    fail_then_succeed(&server, ResponseTemplate::new(503), 1).await;
    let fork = client(&server)
        .fork_chat("c")
        .message_id("m")
        .retry_when_server_may_have_acted(true)
        .send()
        .await
        .expect("opted in");
    assert_eq!(fork.attempts(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    fail_then_succeed(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        1,
    )
    .await;
    let started = std::time::Instant::now();
    update(&client(&server)).await.expect("retried");
    // A lower bound only: the client waited at least what the server asked.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connection_refused_is_retried_for_both_operations() {
    let client = Client::builder()
        .api_key(KEY)
        .base_url(refusing_url())
        .retry_policy(fast_retries())
        .build()
        .expect("client");
    for result in [update(&client).await, fork(&client).await] {
        match result {
            Err(e @ Error::Connection { attempts: 3, .. }) => {
                assert!(e.is_retryable());
                assert!(e.to_string().contains("3 attempts"), "{e}");
            }
            other => panic!("expected a connection error after 3 attempts, got {other:?}"),
        }
    }
}

/// The messages along `error`'s `source()` chain, outermost first.
fn source_chain(error: &dyn std::error::Error) -> Vec<String> {
    std::iter::successors(Some(error), |e| e.source())
        .map(ToString::to_string)
        .collect()
}

/// Issue 15: `Connection` printed its cause in `Display` and again as its
/// `source()`. For every variant with a cause (a connection failure, a
/// timeout), `Display` says what happened and `source()` carries the cause,
/// so a reporter walking the chain (anyhow's `{:#}`) prints each part once.
#[tokio::test]
async fn walking_the_source_chain_never_repeats_text() {
    let refused = impatient_client(refusing_url());
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat().set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let slow = impatient_client(server.uri());

    let connection = update(&refused).await.expect_err("refused");
    let timeout = update(&slow).await.expect_err("timeout");
    assert!(
        matches!(connection, Error::Connection { .. }),
        "{connection:?}"
    );
    assert!(matches!(timeout, Error::Timeout { .. }), "{timeout:?}");
    for err in [&connection, &timeout] {
        let chain = source_chain(err);
        assert!(chain.len() > 1, "no source: {err:?}");
        for (i, outer) in chain.iter().enumerate() {
            for inner in &chain[i + 1..] {
                assert!(
                    !outer.contains(inner.as_str()),
                    "{outer:?} repeats its cause {inner:?}"
                );
            }
        }
    }
    // The cause is still reported, once, further down the chain.
    let chain = source_chain(&connection);
    assert!(
        chain[1..]
            .iter()
            .any(|m| m.to_lowercase().contains("refused")),
        "{chain:?}"
    );
}

#[tokio::test]
async fn a_slow_server_times_out_and_only_the_update_is_retried() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat().set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .retry_policy(fast_retries())
        .build()
        .expect("client");

    let err = update(&client).await.expect_err("timeout");
    assert!(matches!(err, Error::Timeout { attempts: 3, .. }), "{err:?}");
    assert_eq!(requests(&server).await.len(), 3);

    server.reset().await;
    Mock::given(any())
        .respond_with(ok_chat().set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let err = fork(&client).await.expect_err("timeout");
    assert!(err.is_timeout());
    assert_eq!(
        requests(&server).await.len(),
        1,
        "a timed-out fork may have been created"
    );
}

/// The SDK gives its own `reqwest::Client` the timeout; a caller's client and
/// a per-call override get it on each request instead. All three must hold.
#[tokio::test]
async fn the_timeout_holds_with_our_client_a_callers_client_and_per_call() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let short = Duration::from_millis(200);
    let ours = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .timeout(short)
        .max_retries(0)
        .build()
        .expect("client");
    let callers = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .http_client(reqwest::Client::new())
        .timeout(short)
        .max_retries(0)
        .build()
        .expect("client");
    let long = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .timeout(Duration::from_secs(60))
        .max_retries(0)
        .build()
        .expect("client");

    for (name, call) in [
        ("our client", ours.update_chat_state("c").ai_enabled(true)),
        (
            "the caller's client",
            callers.update_chat_state("c").ai_enabled(true),
        ),
        (
            "a per-call override",
            long.update_chat_state("c").ai_enabled(true).timeout(short),
        ),
    ] {
        // The server answers after 5 s: only a 200 ms timeout makes this an error.
        let err = call.send().await.expect_err(name);
        assert!(err.is_timeout(), "{name}: {err:?}");
    }
}

/// progenitor adds `api-version: <info.version>`, which is the SDK's version,
/// not the API's; the SDK sends it only when the caller sets it.
#[tokio::test]
async fn no_api_version_header_unless_the_caller_sets_one() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat())
        .mount(&server)
        .await;
    let plain = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .expect("client");
    let pinned = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .default_header("api-version", "2025-01-01")
        .build()
        .expect("client");

    update(&plain).await.expect("update");
    fork(&plain).await.expect("fork");
    update(&pinned).await.expect("update");

    let seen: Vec<Vec<String>> = requests(&server)
        .await
        .iter()
        .map(|r| {
            r.headers
                .get_all("api-version")
                .iter()
                .map(|v| v.to_str().unwrap_or("?").to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        seen,
        [vec![], vec![], vec!["2025-01-01".to_owned()]],
        "api-version per request"
    );
}

#[tokio::test]
async fn the_key_is_never_printed() {
    let server = MockServer::start().await;
    // A misbehaving server that echoes the Authorization header back.
    Mock::given(any())
        .respond_with(|req: &Request| {
            let auth = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            ResponseTemplate::new(400)
                .insert_header("x-request-id", "req_echo")
                .set_body_json(json!({"message": format!("bad request with {auth}"), "code": auth}))
        })
        .mount(&server)
        .await;

    let (subscriber, logs) = capture_traces();
    let client = client(&server);
    let err = client
        .update_chat_state("c")
        .ai_enabled(true)
        .send()
        .with_subscriber(subscriber)
        .await
        .expect_err("400");

    let builder = Client::builder().api_key(KEY);
    let outputs = [
        format!("{client:?}"),
        format!("{builder:?}"),
        format!("{err}"),
        format!("{err:?}"),
        logs.text(),
    ];
    for output in &outputs {
        assert!(!output.contains(KEY), "the key leaked into: {output}");
    }
    assert!(outputs[2].contains("[REDACTED]"), "{}", outputs[2]);
    assert!(
        logs.text().contains("attempt=1"),
        "tracing recorded nothing: {}",
        logs.text()
    );
    assert!(logs.text().contains("req_echo"), "{}", logs.text());
    // One span per call, named by the operationId, with method and path
    // template (tests/call_pipeline.rs checks every field).
    assert!(
        logs.text().contains(
            r#"update_chat_state{http.request.method="PATCH" url.template="/chats/{chat_id}/state""#
        ),
        "{}",
        logs.text()
    );
}

#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_traces() -> (impl tracing::Subscriber + Send + Sync, Logs) {
    // While exactly one dispatcher exists, tracing-core computes a callsite's
    // interest from the *registering thread's* default: a parallel test with
    // no subscriber that hits a callsite first caches it as "never", and this
    // capture then misses its events (a flaky presence check). A second,
    // permanent dispatcher makes it consult every registered one instead.
    static KEEP_CALLSITES_INTERESTED: std::sync::OnceLock<tracing::Dispatch> =
        std::sync::OnceLock::new();
    KEEP_CALLSITES_INTERESTED.get_or_init(|| {
        tracing::Dispatch::new(
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(std::io::sink)
                .finish(),
        )
    });
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (subscriber, logs)
}

#[tokio::test]
async fn no_error_variant_carries_the_key() {
    let server = MockServer::start().await;
    // A 200 whose body echoes the key and does not decode.
    Mock::given(method("PATCH"))
        .respond_with(|req: &Request| {
            let auth = req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            ResponseTemplate::new(200).set_body_raw(
                format!("{{\"id\": 7, \"echo\": \"{auth}\"}}"),
                "application/json",
            )
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_chat().set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let client = impatient_client(server.uri());
    let refused = impatient_client(refusing_url());

    // Every call runs under a TRACE subscriber: no event may carry the key either.
    let (subscriber, logs) = capture_traces();
    let errors = async {
        [
            update(&client).await.expect_err("decode"),
            fork(&client).await.expect_err("timeout"),
            update(&refused).await.expect_err("refused"),
            client
                .update_chat_state("c")
                .csat_score(0)
                .send()
                .await
                .expect_err("invalid"),
            Client::builder()
                .api_key(format!("{KEY}\n"))
                .build()
                .expect_err("config"),
        ]
    }
    .with_subscriber(subscriber)
    .await;
    assert!(matches!(errors[0], Error::Decode(_)), "{:?}", errors[0]);
    assert!(
        matches!(errors[1], Error::Timeout { .. }),
        "{:?}",
        errors[1]
    );
    assert!(
        matches!(errors[2], Error::Connection { .. }),
        "{:?}",
        errors[2]
    );
    assert!(
        matches!(errors[3], Error::InvalidInput { .. }),
        "{:?}",
        errors[3]
    );
    assert!(matches!(errors[4], Error::Config { .. }), "{:?}", errors[4]);
    for err in &errors {
        for output in [
            format!("{err}"),
            format!("{err:?}"),
            format!("{:?}", std::error::Error::source(err)),
        ] {
            assert!(!output.contains(KEY), "the key leaked: {output}");
        }
    }
    assert!(
        format!("{}", errors[0]).contains("[REDACTED]"),
        "{}",
        errors[0]
    );
    let logs = logs.text();
    assert!(!logs.contains(KEY), "the key leaked into a trace: {logs}");
    for event in ["status=200", "request failed"] {
        assert!(logs.contains(event), "no {event:?} event traced: {logs}");
    }
}

/// reqwest follows redirects; one to another origin must not take the key along.
#[tokio::test]
async fn a_redirect_to_another_origin_does_not_carry_the_key() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_chat())
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    let target = format!("{}/chats/c/state", elsewhere.uri());
    Mock::given(any())
        .respond_with(ResponseTemplate::new(307).insert_header("location", target.as_str()))
        .mount(&server)
        .await;

    let chat = update(&client(&server)).await.expect("followed to a chat");
    assert_eq!(chat.id, chat_json()["id"]);
    let seen = requests(&elsewhere).await;
    assert_eq!(seen.len(), 1, "the redirect was followed once");
    assert!(
        seen[0].headers.get("authorization").is_none(),
        "the key went to another origin: {:?}",
        seen[0].headers
    );
    assert_eq!(
        requests(&server).await[0].headers["authorization"],
        format!("Bearer {KEY}")
    );
}

/// Regression: a server (or proxy) that echoed `Authorization` in a response
/// header put the key into `Error`'s Display (as the request id), into the
/// `Debug` of errors and responses (their headers) and into the `response`
/// trace event. Header values are now scrubbed like bodies.
#[tokio::test]
async fn regression_a_key_echoed_in_a_response_header_is_scrubbed() {
    fn echo(req: &Request) -> String {
        req.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/chats/api_error/state"))
        .respond_with(|req: &Request| {
            ResponseTemplate::new(400)
                .insert_header("x-request-id", echo(req).as_str())
                .insert_header("x-echo", format!("you sent {}", echo(req)).as_str())
        })
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/chats/too_large/state"))
        .respond_with(|req: &Request| {
            ResponseTemplate::new(200)
                .insert_header("x-request-id", echo(req).as_str())
                .set_body_raw(vec![b' '; 1 << 20], "application/json")
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(|req: &Request| ok_chat().insert_header("x-echo", echo(req).as_str()))
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .max_response_bytes(64 * 1024)
        .max_retries(0)
        .build()
        .expect("client");

    let (subscriber, logs) = capture_traces();
    let (api, too_large, ok) = async {
        (
            client
                .update_chat_state("api_error")
                .ai_enabled(true)
                .send()
                .await
                .expect_err("400"),
            client
                .update_chat_state("too_large")
                .ai_enabled(true)
                .send()
                .await
                .expect_err("too large"),
            fork(&client).await.expect("a chat"),
        )
    }
    .with_subscriber(subscriber)
    .await;

    assert!(matches!(api, Error::Api(_)), "{api:?}");
    assert!(
        matches!(too_large, Error::ResponseTooLarge { .. }),
        "{too_large:?}"
    );
    assert_eq!(api.request_id(), Some("Bearer [REDACTED]"));
    assert_eq!(too_large.request_id(), Some("Bearer [REDACTED]"));
    assert_eq!(ok.headers()["x-echo"], "Bearer [REDACTED]");
    for output in [
        format!("{api}"),
        format!("{api:?}"),
        format!("{too_large}"),
        format!("{too_large:?}"),
        format!("{ok:?}"),
        logs.text(),
    ] {
        assert!(!output.contains(KEY), "the key leaked into: {output}");
    }
    assert!(logs.text().contains("[REDACTED]"), "{}", logs.text());
}
