//! What happens around every request the generated code sends: auth and
//! headers, the per-request timeout, retries, a bounded body read, tracing.
//!
//! progenitor calls [`ClientHooks::exec`] with the request it built; this is
//! the only place the SDK touches the wire. Per call, the generated client
//! carries a [`Transport`] whose [`Call`] records the final status, headers
//! and body, so [`crate::Client`] can build a precise [`Error`] even where
//! progenitor's own error drops them (a non-JSON 502 page, say).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, USER_AGENT};
use reqwest::{ResponseBuilderExt, StatusCode};
use tracing::Instrument;

use crate::error::{self, Error};
use crate::generated;
use crate::rate_limit::{self, RateLimiter};
use crate::retry::{self, Idempotency, RetryPolicy};

/// Client-wide settings, shared by every call.
pub(crate) struct Shared {
    /// `Bearer …`, marked sensitive so reqwest and `http` never print it.
    pub(crate) authorization: HeaderValue,
    /// The key itself, only to scrub it from anything a server echoes back.
    pub(crate) api_key: String,
    pub(crate) user_agent: HeaderValue,
    pub(crate) default_headers: HeaderMap,
    /// Set on every request; `None` when the SDK built the `reqwest::Client`
    /// and gave it the timeout (a per-call override is still set per request).
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    /// Shared by every clone of the client; `None`: no client-side limit.
    pub(crate) rate_limit: Option<Arc<RateLimiter>>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("api_key", &"[REDACTED]")
            .field("user_agent", &self.user_agent)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

/// One call: its retry rules and what happened on the wire.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) idempotency: Idempotency,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Option<Duration>,
    record: Mutex<Record>,
}

/// The last attempt's outcome.
#[derive(Debug, Default)]
pub(crate) struct Record {
    pub(crate) attempts: u32,
    pub(crate) status: Option<StatusCode>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// A failure `exec` could not express as a `reqwest::Error` (body too large).
    pub(crate) failure: Option<Error>,
}

impl Call {
    pub(crate) fn new(
        idempotency: Idempotency,
        retry: RetryPolicy,
        timeout: Option<Duration>,
    ) -> Self {
        Call {
            idempotency,
            retry,
            timeout,
            record: Mutex::new(Record::default()),
        }
    }

    fn record(&self) -> MutexGuard<'_, Record> {
        // The lock is never held across an await or a panic point; recover anyway.
        self.record
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes what was recorded (once the call is over).
    pub(crate) fn take_record(&self) -> Record {
        std::mem::take(&mut *self.record())
    }
}

/// The state progenitor's generated `Client` carries (its "inner type").
#[derive(Clone)]
pub struct Transport {
    pub(crate) shared: Arc<Shared>,
    pub(crate) call: Arc<Call>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("shared", &self.shared)
            .field("call", &self.call)
            .finish()
    }
}

impl ClientHooks<Transport> for generated::Client {
    async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let transport = self.inner();
        transport.prepare(&mut request);
        let span = tracing::debug_span!(
            "invent.request",
            operation = info.operation_id,
            method = %request.method(),
            path = crate::client::path_template(info.operation_id),
        );
        transport
            .execute(self.client(), request)
            .instrument(span)
            .await
    }
}

enum BodyError {
    TooLarge,
    Read(reqwest::Error),
}

/// The header progenitor adds to every request (see [`Transport::prepare`]).
const API_VERSION_HEADER: &str = "api-version";

impl Transport {
    fn prepare(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        // progenitor sends `info.version` as `api-version`. Ours is the SDK's
        // release version, not a version of the Invent API, which documents
        // no such header; a caller who needs one sets it as a default header.
        headers.remove(API_VERSION_HEADER);
        for (name, value) in &self.shared.default_headers {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        headers.insert(USER_AGENT, self.shared.user_agent.clone());
        headers.insert(AUTHORIZATION, self.shared.authorization.clone());
        if let Some(timeout) = self.call.timeout.or(self.shared.timeout) {
            *request.timeout_mut() = Some(timeout);
        }
    }

    async fn execute(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let call = &self.call;
        let policy = &call.retry;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let mut may_retry = attempt <= policy.max_retries;
            // Keep a copy only if another attempt may follow. JSON bodies are
            // bytes and always clone; a body that cannot be cloned (a stream)
            // is sent once.
            let copy = if may_retry { request.try_clone() } else { None };
            let this_try = match copy {
                Some(copy) => copy,
                None => {
                    may_retry = false;
                    let placeholder =
                        reqwest::Request::new(reqwest::Method::GET, request.url().clone());
                    std::mem::replace(&mut request, placeholder)
                }
            };
            rate_limit::acquire(self.shared.rate_limit.as_deref()).await;
            let started = Instant::now();
            let mut response = match http.execute(this_try).await {
                Ok(response) => response,
                Err(e) => {
                    let before_sending = e.is_connect();
                    tracing::debug!(attempt, error = %e, before_sending, "request failed");
                    if may_retry && retry::should_retry_transport(before_sending, call.idempotency)
                    {
                        self.wait(policy.backoff(attempt), attempt).await;
                        continue;
                    }
                    call.record().attempts = attempt;
                    return Err(e);
                }
            };
            let status = response.status();
            // Taken, not cloned: the record keeps them, and `Client::finish`
            // takes them from there (the rebuilt response carries none).
            let mut headers = std::mem::take(response.headers_mut());
            error::scrub_headers(&mut headers, &self.shared.api_key);
            let url = response.url().clone();
            let body = read_body(response, self.shared.max_response_bytes).await;
            tracing::debug!(
                attempt,
                status = status.as_u16(),
                latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                request_id = error::request_id_str(&headers).unwrap_or(""),
                "response"
            );
            match body {
                Ok(body) => {
                    if may_retry && retry::should_retry_status(status, call.idempotency) {
                        let wait = match retry::retry_after(&headers, chrono::Utc::now()) {
                            Some(asked) if asked <= policy.max_retry_after => Some(asked),
                            // Longer than we are willing to wait: report it instead.
                            Some(_) => None,
                            None => Some(policy.backoff(attempt)),
                        };
                        if let Some(wait) = wait {
                            self.wait(wait, attempt).await;
                            continue;
                        }
                    }
                    let mut record = call.record();
                    record.attempts = attempt;
                    record.status = Some(status);
                    record.headers = headers;
                    record.body = body.clone();
                    drop(record);
                    return Ok(rebuild(status, url, body));
                }
                Err(BodyError::TooLarge) => {
                    let mut record = call.record();
                    record.attempts = attempt;
                    record.status = Some(status);
                    record.failure = Some(Error::ResponseTooLarge {
                        limit: self.shared.max_response_bytes,
                        status,
                        request_id: error::request_id(&headers),
                    });
                    drop(record);
                    // progenitor needs a response; the recorded failure wins.
                    return Ok(rebuild(status, url, Bytes::new()));
                }
                Err(BodyError::Read(e)) => {
                    // The server answered, so it may have acted.
                    tracing::debug!(attempt, error = %e, "reading the body failed");
                    if may_retry && retry::should_retry_transport(false, call.idempotency) {
                        self.wait(policy.backoff(attempt), attempt).await;
                        continue;
                    }
                    call.record().attempts = attempt;
                    return Err(e);
                }
            }
        }
    }

    async fn wait(&self, wait: Duration, attempt: u32) {
        tracing::debug!(
            attempt,
            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            "retrying"
        );
        tokio::time::sleep(wait).await;
    }
}

/// Reads the whole body, refusing more than `limit` bytes.
async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(BodyError::TooLarge);
    }
    let first = match response.chunk().await.map_err(BodyError::Read)? {
        Some(chunk) => chunk,
        None => return Ok(Bytes::new()),
    };
    if first.len() > limit {
        return Err(BodyError::TooLarge);
    }
    // Most bodies arrive in one chunk: no copy then.
    let Some(second) = response.chunk().await.map_err(BodyError::Read)? else {
        return Ok(first);
    };
    let mut body = BytesMut::with_capacity(first.len() + second.len());
    body.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await.map_err(BodyError::Read)?;
    }
    Ok(body.freeze())
}

/// A response with the body already read, for progenitor to decode. It has
/// no headers: progenitor's decoding does not read them, and the caller gets
/// the recorded ones. The URL is set so that reqwest does not parse a
/// placeholder one, which costs more than the rest of this function.
fn rebuild(status: StatusCode, url: reqwest::Url, body: Bytes) -> reqwest::Response {
    let response = match http::Response::builder().status(status).url(url).body(()) {
        Ok(response) => response.map(|()| body),
        // Unreachable: a `StatusCode` and an extension cannot be invalid.
        Err(_) => {
            let mut response = http::Response::new(body);
            *response.status_mut() = status;
            response
        }
    };
    reqwest::Response::from(response)
}
