//! The only code that touches the network: headers and auth, the per-attempt
//! timeout, retries by the operation's retry safety, a bounded body read,
//! tracing of every attempt.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};

use crate::error::{self, Error};
use crate::operation::Operation;
use crate::rate_limit::{self, RateLimiter};
use crate::request::{CallOptions, Prepared};
use crate::response::Raw;
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

enum BodyError {
    TooLarge,
    Read(reqwest::Error),
}

impl Shared {
    /// The headers of one attempt. Built per attempt rather than cloned from
    /// the first: the same work, and nothing to keep between attempts.
    fn headers(&self, has_body: bool) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(4 + self.default_headers.len());
        for (name, value) in &self.default_headers {
            headers.append(name.clone(), value.clone());
        }
        headers.insert(USER_AGENT, self.user_agent.clone());
        headers.insert(AUTHORIZATION, self.authorization.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers
    }

    /// Sends `request`, retrying as `op`'s retry safety and the policy
    /// allow, and reads the final response's body.
    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        op: &Operation,
        request: Prepared,
        options: &CallOptions,
    ) -> Result<Raw, Error> {
        let Prepared { method, url, body } = request;
        let mut url = Some(
            reqwest::Url::parse(&url)
                .map_err(|e| Error::invalid("url", format!("{url:?} is not a valid URL: {e}")))?,
        );
        let max_retries = options.max_retries.unwrap_or(self.retry.max_retries);
        let idempotency = if op.idempotent || options.retry_when_server_may_have_acted {
            Idempotency::Idempotent
        } else {
            Idempotency::CreatesResource
        };
        let timeout = options.timeout.or(self.timeout);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let may_retry = attempt <= max_retries;
            // The URL is kept only while another attempt may follow.
            let this_url = if may_retry { url.clone() } else { url.take() };
            let Some(this_url) = this_url else {
                return Err(Error::invalid("url", "no URL left to send to"));
            };
            rate_limit::acquire(self.rate_limit.as_deref()).await;
            let mut request = reqwest::Request::new(method.clone(), this_url);
            *request.headers_mut() = self.headers(body.is_some());
            if let Some(body) = &body {
                *request.body_mut() = Some(body.clone().into());
            }
            if timeout.is_some() {
                *request.timeout_mut() = timeout;
            }

            let started = Instant::now();
            let mut response = match http.execute(request).await {
                Ok(response) => response,
                Err(e) => {
                    let before_sending = e.is_connect();
                    tracing::debug!(attempt, error = %e, before_sending, "request failed");
                    if may_retry && retry::should_retry_transport(before_sending, idempotency) {
                        wait(self.retry.backoff(attempt), attempt).await;
                        continue;
                    }
                    return Err(transport_error(e, attempt));
                }
            };
            let status = response.status();
            let mut headers = std::mem::take(response.headers_mut());
            error::scrub_headers(&mut headers, &self.api_key);
            let body_read = read_body(response, self.max_response_bytes).await;
            tracing::debug!(
                attempt,
                status = status.as_u16(),
                latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                request_id = error::request_id_str(&headers).unwrap_or(""),
                "response"
            );
            match body_read {
                Ok(received) => {
                    if may_retry && retry::should_retry_status(status, idempotency) {
                        let wait_for = match retry::retry_after(&headers, chrono::Utc::now()) {
                            Some(asked) if asked <= self.retry.max_retry_after => Some(asked),
                            // Longer than we are willing to wait: report it instead.
                            Some(_) => None,
                            None => Some(self.retry.backoff(attempt)),
                        };
                        if let Some(wait_for) = wait_for {
                            wait(wait_for, attempt).await;
                            continue;
                        }
                    }
                    return Ok(Raw {
                        status,
                        headers,
                        body: received,
                        attempts: attempt,
                    });
                }
                Err(BodyError::TooLarge) => {
                    return Err(Error::ResponseTooLarge {
                        limit: self.max_response_bytes,
                        status,
                        request_id: error::request_id(&headers),
                    });
                }
                Err(BodyError::Read(e)) => {
                    // The server answered, so it may have acted.
                    tracing::debug!(attempt, error = %e, "reading the body failed");
                    if may_retry && retry::should_retry_transport(false, idempotency) {
                        wait(self.retry.backoff(attempt), attempt).await;
                        continue;
                    }
                    return Err(transport_error(e, attempt));
                }
            }
        }
    }
}

fn transport_error(source: reqwest::Error, attempts: u32) -> Error {
    if source.is_timeout() {
        Error::Timeout { attempts, source }
    } else {
        Error::Connection { attempts, source }
    }
}

async fn wait(wait: Duration, attempt: u32) {
    tracing::debug!(
        attempt,
        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        "retrying"
    );
    tokio::time::sleep(wait).await;
}

/// Reads the whole body, refusing more than `limit` bytes: a declared length
/// over the limit is refused before reading, and a body without one stops
/// being read at the limit.
async fn read_body(response: reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return Err(BodyError::TooLarge);
    }
    let body = http::Response::<reqwest::Body>::from(response).into_body();
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => {
            if e.is::<LengthLimitError>() {
                return Err(BodyError::TooLarge);
            }
            match e.downcast::<reqwest::Error>() {
                Ok(e) => Err(BodyError::Read(*e)),
                // `Limited` only adds its own error to the body's.
                Err(_) => Err(BodyError::TooLarge),
            }
        }
    }
}
