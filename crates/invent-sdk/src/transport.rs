//! The only code that touches the network: headers and auth, the caller's
//! per-call additions, the per-attempt timeout, the middlewares (feature
//! `middleware`), retries by the operation's retry safety, a bounded body
//! read, tracing of every attempt.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::StatusCode;
use tracing::Instrument as _;

use crate::error::{self, Error};
use crate::operation::Operation;
use crate::rate_limit::{self, RateLimiter};
use crate::request::{self, CallOptions, Extras, Prepared};
use crate::response::Raw;
use crate::retry::{self, Idempotency, RetryContext, RetryPolicy};
use crate::telemetry;

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
    /// Host and port of the base URL, for the spans.
    pub(crate) server: telemetry::Server,
    /// The middlewares around the HTTP client; `None` when none was added,
    /// so a client without them takes the direct path.
    #[cfg(feature = "middleware")]
    pub(crate) middleware: Option<reqwest_middleware::ClientWithMiddleware>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Shared");
        out.field("api_key", &"[REDACTED]")
            .field("user_agent", &self.user_agent)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("rate_limit", &self.rate_limit);
        #[cfg(feature = "middleware")]
        out.field("middleware", &self.middleware.is_some());
        out.finish()
    }
}

enum BodyError {
    TooLarge,
    Read(reqwest::Error),
}

impl Shared {
    /// The headers of one attempt. Built per attempt rather than cloned from
    /// the first: the same work, and nothing to keep between attempts.
    fn headers(&self, has_body: bool, extras: Option<&Extras>) -> HeaderMap {
        let added = extras.map_or(0, |e| e.headers.len());
        let mut headers = HeaderMap::with_capacity(4 + self.default_headers.len() + added);
        for (name, value) in &self.default_headers {
            headers.append(name.clone(), value.clone());
        }
        headers.insert(USER_AGENT, self.user_agent.clone());
        headers.insert(AUTHORIZATION, self.authorization.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(extras) = extras {
            // The caller's values replace ours name by name (`Authorization`
            // was refused when it was set).
            for name in extras.headers.keys() {
                headers.remove(name);
            }
            for (name, value) in &extras.headers {
                headers.append(name.clone(), value.clone());
            }
        }
        headers
    }

    /// Sends `request`, retrying as `op`'s retry safety and the policy
    /// allow, and reads the final response's body.
    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        op: &'static Operation,
        request: Prepared,
        mut options: CallOptions,
    ) -> Result<Raw, Error> {
        let Prepared {
            method,
            url,
            mut body,
        } = request;
        let mut url = reqwest::Url::parse(&url)
            .map_err(|e| Error::invalid("url", format!("{url:?} is not a valid URL: {e}")))?;
        let extras = options.extras.take();
        if let Some(extras) = &extras {
            request::apply_extras(&mut url, &mut body, extras)?;
        }
        let mut url = Some(url);
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
            *request.headers_mut() = self.headers(body.is_some(), extras.as_deref());
            if let Some(body) = &body {
                *request.body_mut() = Some(body.clone().into());
            }
            if timeout.is_some() {
                *request.timeout_mut() = timeout;
            }

            let span = telemetry::attempt_span(attempt);
            let outcome = self
                .attempt(http, op, request, extras.as_deref(), attempt)
                .instrument(span.clone())
                .await;
            match outcome {
                #[cfg(feature = "middleware")]
                Err(AttemptError::Middleware(source)) => {
                    let err = Error::Middleware {
                        attempts: attempt,
                        source,
                    };
                    span.record("error.type", telemetry::error_type(&err));
                    return Err(err);
                }
                Err(AttemptError::Http(e)) => {
                    span.record("error.type", telemetry::transport_error_type(&e));
                    let may_have_acted = retry::transport_may_have_acted(&e);
                    if may_retry && retry::should_retry_transport(may_have_acted, idempotency) {
                        wait(self.retry.backoff(attempt), attempt).await;
                        continue;
                    }
                    return Err(transport_error(e, attempt));
                }
                Ok((status, headers, body_read)) => {
                    telemetry::record_response(&span, status, &headers);
                    match body_read {
                        Ok(received) => {
                            let response = RetryContext::new(op, status, &headers, attempt);
                            if may_retry
                                && retry::should_retry_status(&self.retry, &response, idempotency)
                            {
                                let wait_for =
                                    match retry::retry_after(&headers, chrono::Utc::now()) {
                                        Some(asked) if asked <= self.retry.max_retry_after => {
                                            Some(asked)
                                        }
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
                            let err = Error::ResponseTooLarge {
                                limit: self.max_response_bytes,
                                status,
                                request_id: error::request_id(&headers),
                                attempts: attempt,
                            };
                            span.record("error.type", telemetry::error_type(&err));
                            return Err(err);
                        }
                        Err(BodyError::Read(e)) => {
                            span.record("error.type", telemetry::transport_error_type(&e));
                            // The server answered, so it may have acted.
                            if may_retry && retry::should_retry_transport(true, idempotency) {
                                wait(self.retry.backoff(attempt), attempt).await;
                                continue;
                            }
                            return Err(transport_error(e, attempt));
                        }
                    }
                }
            }
        }
    }

    /// One attempt: the request on the wire and the response's status,
    /// headers (scrubbed of the key) and body, read within the limit.
    async fn attempt(
        &self,
        http: &reqwest::Client,
        op: &'static Operation,
        request: reqwest::Request,
        extras: Option<&Extras>,
        attempt: u32,
    ) -> Result<(StatusCode, HeaderMap, Result<Bytes, BodyError>), AttemptError> {
        let started = Instant::now();
        // Through the middlewares, if any, each attempt with its own copy of
        // the call's extensions.
        #[cfg(feature = "middleware")]
        let sent = match &self.middleware {
            Some(middleware) => {
                let mut extensions = extras.map(|e| e.extensions.clone()).unwrap_or_default();
                extensions.insert(op);
                middleware
                    .execute_with_extensions(request, &mut extensions)
                    .await
                    .map_err(|e| match e {
                        reqwest_middleware::Error::Reqwest(e) => AttemptError::Http(e),
                        reqwest_middleware::Error::Middleware(e) => {
                            AttemptError::Middleware(e.into())
                        }
                    })
            }
            None => http.execute(request).await.map_err(AttemptError::Http),
        };
        #[cfg(not(feature = "middleware"))]
        let sent = {
            let _ = (op, extras);
            http.execute(request).await.map_err(AttemptError::Http)
        };
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                match &e {
                    AttemptError::Http(e) => {
                        let may_have_acted = retry::transport_may_have_acted(e);
                        tracing::debug!(attempt, error = %e, may_have_acted, "request failed");
                    }
                    #[cfg(feature = "middleware")]
                    AttemptError::Middleware(e) => {
                        tracing::debug!(attempt, error = %e, "a middleware failed");
                    }
                }
                return Err(e);
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
        if let Err(BodyError::Read(e)) = &body_read {
            tracing::debug!(attempt, error = %e, "reading the body failed");
        }
        Ok((status, headers, body_read))
    }
}

/// Why an attempt got no response.
enum AttemptError {
    Http(reqwest::Error),
    #[cfg(feature = "middleware")]
    Middleware(Box<dyn std::error::Error + Send + Sync + 'static>),
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
