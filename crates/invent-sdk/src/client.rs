//! [`Client`], its [`ClientBuilder`], and one call builder per operation.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::StatusCode;

use crate::error::{self, ApiError, DecodeError, Error};
use crate::generated;
use crate::retry::{Idempotency, RetryPolicy};
use crate::transport::{Call, Shared, Transport};
use crate::types::{
    AssistantConfig, Chat, ChatStateStatus, CsatScore, ForkChatRequest, UpdateChatStateRequest,
};
use crate::{Nullable, OutOfRange, Timestamp};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.useinvent.com";
/// Environment variable holding the API key, read by [`Client::from_env`].
pub const API_KEY_ENV: &str = "INVENT_API_KEY";
/// Environment variable overriding the base URL, read by [`Client::from_env`].
pub const BASE_URL_ENV: &str = "INVENT_BASE_URL";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Each operation's path template and whether repeating it is safe. Every
/// operation in the spec must appear here: [`operation`] is matched
/// exhaustively by the tests against the generated client.
const OPERATIONS: [(&str, &str, Idempotency); 2] = [
    (
        "update_chat_state",
        "/chats/{chat_id}/state",
        Idempotency::Idempotent,
    ),
    (
        "fork_chat",
        "/chats/{chat_id}/fork",
        Idempotency::CreatesResource,
    ),
];

fn operation(operation_id: &str) -> Option<(&'static str, Idempotency)> {
    OPERATIONS
        .iter()
        .find(|(id, _, _)| *id == operation_id)
        .map(|(_, path, idempotency)| (*path, *idempotency))
}

/// The path template of an operation, for logs (ids stay out of them).
pub(crate) fn path_template(operation_id: &str) -> &'static str {
    operation(operation_id).map_or("?", |(path, _)| path)
}

/// A client for the Invent API. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// use invent_sdk::{types::ChatStateStatus, Client};
///
/// # async fn run() -> Result<(), invent_sdk::Error> {
/// let client = Client::from_env()?; // INVENT_API_KEY, optional INVENT_BASE_URL
/// let chat = client
///     .update_chat_state("chat_123")
///     .state(ChatStateStatus::Closed)
///     .csat_score(5)
///     .send()
///     .await?;
/// println!("{} is now {:?}", chat.id, chat.state.as_ref().and_then(|s| s.state.as_ref()));
/// # Ok(())
/// # }
/// ```
///
/// # Retries
///
/// Connection failures, timeouts, 408, 429, 500, 502, 503 and 504 are retried
/// with [`RetryPolicy`] (2 retries by default, full-jitter exponential backoff,
/// `Retry-After` honoured) — for [`update_chat_state`](Client::update_chat_state),
/// which is idempotent. [`fork_chat`](Client::fork_chat) creates a chat, so by
/// default it is retried only when the server cannot have acted: the connection
/// was never established, or the answer was 429. Opt in per call with
/// [`ForkChat::retry_when_server_may_have_acted`].
#[derive(Clone)]
pub struct Client {
    base_url: String,
    http: reqwest::Client,
    shared: Arc<Shared>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("config", &self.shared)
            .finish()
    }
}

impl Client {
    /// A client configured from the environment: the API key from
    /// `INVENT_API_KEY` (required) and the base URL from `INVENT_BASE_URL`
    /// (default [`DEFAULT_BASE_URL`]).
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A builder for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `PATCH /chats/{chat_id}/state`: change a chat's state. Set only what
    /// should change; everything else stays as it is.
    pub fn update_chat_state(&self, chat_id: impl Into<String>) -> UpdateChatState<'_> {
        UpdateChatState {
            client: self,
            chat_id: chat_id.into(),
            body: UpdateChatStateRequest::default(),
            csat_score: None,
            check_mute_limit: true,
            options: CallOptions::default(),
        }
    }

    /// `POST /chats/{chat_id}/fork`: copy a chat up to and including a message
    /// into a new chat owned by the caller.
    pub fn fork_chat(&self, chat_id: impl Into<String>) -> ForkChat<'_> {
        ForkChat {
            client: self,
            chat_id: chat_id.into(),
            message_id: None,
            title: None,
            retry_unsafe: false,
            options: CallOptions::default(),
        }
    }

    /// The generated client for one call, carrying that call's record.
    fn generated(&self, call: &Arc<Call>) -> generated::Client {
        let transport = Transport {
            shared: Arc::clone(&self.shared),
            call: Arc::clone(call),
        };
        generated::Client::new_with_client(&self.base_url, self.http.clone(), transport)
    }

    fn call(&self, idempotency: Idempotency, options: &CallOptions) -> Arc<Call> {
        let mut retry = self.shared.retry.clone();
        if let Some(max) = options.max_retries {
            retry.max_retries = max;
        }
        Arc::new(Call::new(idempotency, retry, options.timeout))
    }

    /// Turns the generated call's result and the call's record into ours.
    fn finish<T: serde::de::DeserializeOwned>(
        &self,
        result: Result<
            progenitor_client::ResponseValue<T>,
            progenitor_client::Error<crate::types::ErrorBody>,
        >,
        call: &Call,
    ) -> Result<ApiResponse<T>, Error> {
        let record = call.take_record();
        if let Some(failure) = record.failure {
            return Err(failure);
        }
        let secret = Some(self.shared.api_key.as_str());
        let status = record.status.unwrap_or(StatusCode::OK);
        match result {
            // The transport hands progenitor a response without headers
            // (they were moved into the record, not cloned).
            Ok(value) => Ok(ApiResponse {
                status: value.status(),
                headers: record.headers,
                attempts: record.attempts,
                inner: value.into_inner(),
            }),
            Err(progenitor_client::Error::CommunicationError(source))
            | Err(progenitor_client::Error::ResponseBodyError(source))
            | Err(progenitor_client::Error::InvalidUpgrade(source)) => {
                let attempts = record.attempts.max(1);
                if source.is_timeout() {
                    Err(Error::Timeout { attempts, source })
                } else {
                    Err(Error::Connection { attempts, source })
                }
            }
            Err(progenitor_client::Error::InvalidRequest(reason))
            | Err(progenitor_client::Error::Custom(reason)) => {
                Err(Error::invalid("request", reason))
            }
            // A success status whose body did not decode; or another 2xx.
            Err(progenitor_client::Error::InvalidResponsePayload(..))
            | Err(progenitor_client::Error::UnexpectedResponse(_))
                if status.is_success() =>
            {
                decode_success(status, record.headers, record.body, record.attempts, secret)
            }
            Err(_) => Err(api_error(
                status,
                record.headers,
                &record.body,
                record.attempts,
                secret,
            )),
        }
    }
}

fn decode_success<T: serde::de::DeserializeOwned>(
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
    attempts: u32,
    secret: Option<&str>,
) -> Result<ApiResponse<T>, Error> {
    let de = &mut serde_json::Deserializer::from_slice(&body);
    let decoded = serde_path_to_error::deserialize::<_, T>(&mut *de)
        .map_err(|e| (e.path().to_string(), e.into_inner()));
    // Trailing garbage after the value is an error too.
    let decoded = decoded.and_then(|v| de.end().map(|()| v).map_err(|e| (".".to_owned(), e)));
    match decoded {
        Ok(inner) => Ok(ApiResponse {
            inner,
            status,
            headers,
            attempts,
        }),
        Err((path, e)) => Err(Error::Decode(Box::new(DecodeError {
            status,
            request_id: error::request_id(&headers),
            path,
            message: error::scrub(e.to_string(), secret),
            snippet: error::snippet(&body, secret),
        }))),
    }
}

fn api_error(
    status: StatusCode,
    headers: HeaderMap,
    body: &[u8],
    attempts: u32,
    secret: Option<&str>,
) -> Error {
    let parsed = serde_json::from_slice::<crate::types::ErrorBody>(body).ok();
    let (message, code) = match &parsed {
        Some(e) => (
            e.message.clone().map(|m| error::scrub(m, secret)),
            e.code.clone().map(|c| error::scrub(c, secret)),
        ),
        None => (None, None),
    };
    let snippet = (message.is_none() && !body.is_empty()).then(|| error::snippet(body, secret));
    Error::Api(Box::new(ApiError {
        status,
        request_id: error::request_id(&headers),
        retry_after: crate::retry::retry_after(&headers, chrono::Utc::now()),
        headers,
        message,
        code,
        snippet,
        attempts,
    }))
}

/// Settings for one call, overriding the client's.
#[derive(Clone, Debug, Default)]
struct CallOptions {
    max_retries: Option<u32>,
    timeout: Option<Duration>,
}

/// A successful response: the decoded value plus status, headers and request id.
///
/// Dereferences to the value; [`ApiResponse::into_inner`] takes it out.
#[derive(Clone, Debug)]
pub struct ApiResponse<T> {
    inner: T,
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
}

impl<T> ApiResponse<T> {
    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id the server assigned, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        error::request_id_str(&self.headers)
    }

    /// Attempts made, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<T> Deref for ApiResponse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// Rejects ids that would change which endpoint is called. Any other id is
/// sent percent-encoded as one path segment (`/`, `?`, `#`, `%`, spaces included).
fn check_id(field: &'static str, id: &str) -> Result<(), Error> {
    match id {
        "" => Err(Error::invalid(field, "must not be empty")),
        "." | ".." => Err(Error::invalid(
            field,
            format!("{id:?} is not an id: it would change the request path"),
        )),
        _ => Ok(()),
    }
}

fn check_datetime(
    field: &'static str,
    value: &Timestamp,
) -> Result<chrono::DateTime<chrono::FixedOffset>, Error> {
    value
        .datetime()
        .ok_or_else(|| Error::invalid(field, format!("{value} is not an RFC 3339 date-time")))
}

/// Builder for [`Client::update_chat_state`]; finish with [`send`](Self::send).
///
/// Input is checked when sending; a rejected call sends nothing.
#[derive(Debug)]
#[must_use = "nothing is sent until `.send().await`"]
pub struct UpdateChatState<'a> {
    client: &'a Client,
    chat_id: String,
    body: UpdateChatStateRequest,
    csat_score: Option<Result<CsatScore, OutOfRange>>,
    check_mute_limit: bool,
    options: CallOptions,
}

impl UpdateChatState<'_> {
    /// Open, snooze or close the chat.
    pub fn state(mut self, state: ChatStateStatus) -> Self {
        self.body.state = Some(state);
        self
    }

    /// Turn AI replies on or off for the chat.
    pub fn ai_enabled(mut self, enabled: bool) -> Self {
        self.body.ai_enabled = Some(enabled);
        self
    }

    /// Replace the chat's assistant configuration.
    pub fn assistant_config(mut self, config: AssistantConfig) -> Self {
        self.body.assistant_config = Some(config);
        self
    }

    /// Schedule a follow-up.
    pub fn follow_up_at(mut self, at: impl Into<Timestamp>) -> Self {
        self.body.follow_up_at = Some(Nullable::Value(at.into()));
        self
    }

    /// Cancel the scheduled follow-up (sends `"follow_up_at": null`).
    pub fn clear_follow_up(mut self) -> Self {
        self.body.follow_up_at = Some(Nullable::Null);
        self
    }

    /// Mute the chat until a time at most one year ahead (checked against the
    /// local clock; see [`allow_mute_beyond_one_year`](Self::allow_mute_beyond_one_year)).
    pub fn muted_until(mut self, until: impl Into<Timestamp>) -> Self {
        self.body.muted_until = Some(Nullable::Value(until.into()));
        self
    }

    /// Unmute the chat (sends `"muted_until": null`).
    pub fn unmute(mut self) -> Self {
        self.body.muted_until = Some(Nullable::Null);
        self
    }

    /// Record a customer satisfaction score, 1 to 5. Anything else fails the
    /// call with [`Error::InvalidInput`] before sending.
    pub fn csat_score<S>(mut self, score: S) -> Self
    where
        S: TryInto<CsatScore, Error = OutOfRange>,
    {
        self.csat_score = Some(score.try_into());
        self
    }

    /// Replace the whole body (fields set earlier on this builder are dropped).
    pub fn body(mut self, body: UpdateChatStateRequest) -> Self {
        self.csat_score = body.csat_score.map(Ok);
        self.body = body;
        self
    }

    /// Skip the local check that `muted_until` is at most one year ahead (for
    /// a local clock you do not trust; the server still enforces its limit).
    pub fn allow_mute_beyond_one_year(mut self) -> Self {
        self.check_mute_limit = false;
        self
    }

    /// Retries for this call, overriding the client's [`RetryPolicy::max_retries`].
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options.max_retries = Some(retries);
        self
    }

    /// Timeout for each attempt of this call, overriding the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    fn validate(&mut self) -> Result<(), Error> {
        check_id("chat_id", &self.chat_id)?;
        match self.csat_score.take() {
            Some(Ok(score)) => self.body.csat_score = Some(score),
            Some(Err(e)) => return Err(Error::invalid("csat_score", e.to_string())),
            None => {}
        }
        if let Some(Nullable::Value(at)) = &self.body.follow_up_at {
            check_datetime("follow_up_at", at)?;
        }
        if let Some(Nullable::Value(until)) = &self.body.muted_until {
            let until = check_datetime("muted_until", until)?;
            let limit = chrono::Utc::now().checked_add_months(chrono::Months::new(12));
            if self.check_mute_limit && limit.is_some_and(|limit| until > limit) {
                return Err(Error::invalid(
                    "muted_until",
                    format!(
                        "{} is more than one year ahead (the API's limit)",
                        until.to_rfc3339()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Sends the request.
    pub async fn send(mut self) -> Result<ApiResponse<Chat>, Error> {
        self.validate()?;
        let client = self.client;
        let call = client.call(Idempotency::Idempotent, &self.options);
        let generated = client.generated(&call);
        let result = generated
            .update_chat_state()
            .chat_id(self.chat_id)
            .body(self.body)
            .send()
            .await;
        client.finish(result, &call)
    }
}

/// Builder for [`Client::fork_chat`]; finish with [`send`](Self::send).
#[derive(Debug)]
#[must_use = "nothing is sent until `.send().await`"]
pub struct ForkChat<'a> {
    client: &'a Client,
    chat_id: String,
    message_id: Option<String>,
    title: Option<String>,
    retry_unsafe: bool,
    options: CallOptions,
}

impl ForkChat<'_> {
    /// The message to fork from (required): it and everything before it are copied.
    pub fn message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = Some(message_id.into());
        self
    }

    /// The new chat's title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Also retry after failures where the server may already have created
    /// the fork (5xx, 408, timeouts, a connection lost mid-request). A retry
    /// may then create a second fork: opt in only if duplicates are acceptable.
    pub fn retry_when_server_may_have_acted(mut self, yes: bool) -> Self {
        self.retry_unsafe = yes;
        self
    }

    /// Retries for this call, overriding the client's [`RetryPolicy::max_retries`].
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options.max_retries = Some(retries);
        self
    }

    /// Timeout for each attempt of this call, overriding the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<ApiResponse<Chat>, Error> {
        check_id("chat_id", &self.chat_id)?;
        let message_id = self
            .message_id
            .ok_or_else(|| Error::invalid("message_id", "is required"))?;
        check_id("message_id", &message_id)?;
        let client = self.client;
        let idempotency = if self.retry_unsafe {
            Idempotency::Idempotent
        } else {
            Idempotency::CreatesResource
        };
        let call = client.call(idempotency, &self.options);
        let generated = client.generated(&call);
        let result = generated
            .fork_chat()
            .chat_id(self.chat_id)
            .body(ForkChatRequest {
                message_id,
                title: self.title,
            })
            .send()
            .await;
        client.finish(result, &call)
    }
}

/// Builder for [`Client`]. Every setting has a default except the API key.
#[derive(Clone, Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    user_agent: Option<String>,
    default_headers: Vec<(String, String)>,
    http_client: Option<reqwest::Client>,
    max_response_bytes: Option<usize>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field(
                "default_headers",
                &self
                    .default_headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("http_client", &self.http_client.is_some())
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientBuilder {
    /// A builder pre-filled from `INVENT_API_KEY` and `INVENT_BASE_URL`.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let api_key = var(API_KEY_ENV)
            .map(|k| k.trim().to_owned())
            .unwrap_or_default();
        if api_key.is_empty() {
            return Err(Error::config(format!(
                "{API_KEY_ENV} is not set (or empty): export your Invent API key as {API_KEY_ENV}"
            )));
        }
        let mut builder = ClientBuilder::default().api_key(api_key);
        if let Some(url) = var(BASE_URL_ENV).filter(|u| !u.trim().is_empty()) {
            builder = builder.base_url(url.trim());
        }
        Ok(builder)
    }

    /// The API key, sent as `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The API's base URL (default [`DEFAULT_BASE_URL`]); may include a path prefix.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Timeout for each attempt, from connecting to the end of the body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Timeout for establishing a connection (default 10 s). Ignored with
    /// [`http_client`](Self::http_client): configure yours instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt (default 2); shorthand for the policy's `max_retries`.
    pub fn max_retries(mut self, retries: u32) -> Self {
        let mut policy = self.retry.take().unwrap_or_default();
        policy.max_retries = retries;
        self.retry = Some(policy);
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The `User-Agent` (default `invent-sdk-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// A header sent with every request (auth and `User-Agent` cannot be overridden here).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Use your own `reqwest::Client` (proxies, TLS roots, pools). Auth, the
    /// user agent, default headers and the per-attempt timeout still apply.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The largest response body accepted (default 16 MiB); larger bodies
    /// fail with [`Error::ResponseTooLarge`] without being read to the end.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let api_key = self.api_key.unwrap_or_default();
        if api_key.trim().is_empty() {
            return Err(Error::config(format!(
                "no API key: call ClientBuilder::api_key or set {API_KEY_ENV}"
            )));
        }
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {api_key}")).map_err(|_| {
                Error::config("the API key contains characters not allowed in an HTTP header")
            })?;
        authorization.set_sensitive(true);

        let base_url = normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;

        let user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("invent-sdk-rust/{}", env!("CARGO_PKG_VERSION")));
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::config(format!(
                "user agent {user_agent:?} is not a valid header value"
            ))
        })?;

        let mut default_headers = HeaderMap::new();
        for (name, value) in self.default_headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config(format!("{name:?} is not a valid header name")))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|_| Error::config(format!("the value of header {name:?} is not valid")))?;
            default_headers.append(header, value);
        }

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        // Our own client enforces the timeout itself; a caller's client gets it
        // on every request (which costs reqwest an allocation per request).
        let (http, per_request_timeout) = match self.http_client {
            Some(client) => (client, Some(timeout)),
            None => (
                crate::http_client::default_client(
                    self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                    timeout,
                )?,
                None,
            ),
        };

        Ok(Client {
            base_url,
            http,
            shared: Arc::new(Shared {
                authorization,
                api_key,
                user_agent,
                default_headers,
                timeout: per_request_timeout,
                retry: self.retry.unwrap_or_default(),
                max_response_bytes: self
                    .max_response_bytes
                    .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            }),
        })
    }
}

fn normalize_base_url(url: &str) -> Result<String, Error> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        Error::config(format!(
            "base URL {url:?} is not a URL: {e} (set {BASE_URL_ENV} to e.g. {DEFAULT_BASE_URL})"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::config(format!(
            "base URL {url:?} must be an http(s) URL with a host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!(
            "base URL {url:?} must not have a query or fragment"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config(
            "base URL must not contain credentials: use ClientBuilder::api_key",
        ));
    }
    // The generated code appends `/chats/...`.
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_operation_has_a_retry_decision() {
        // Unformatted token text: `operation_id : "…"`; compare without spaces.
        let generated: String = include_str!(concat!(env!("OUT_DIR"), "/invent_sdk.rs"))
            .split_whitespace()
            .collect();
        let ids: Vec<&str> = generated
            .match_indices("operation_id:\"")
            .filter_map(|(i, m)| generated[i + m.len()..].split('"').next())
            .collect();
        assert_eq!(ids.len(), OPERATIONS.len(), "{ids:?}");
        for id in ids {
            assert!(
                operation(id).is_some(),
                "no retry decision for operation {id}"
            );
        }
    }

    /// Sensitive: `Debug` of any header map holding it prints `Sensitive`, and
    /// HTTP/2 sends it as a never-indexed literal (proxies must not cache it in
    /// their HPACK tables). Nothing on the wire shows the flag to a test server.
    #[test]
    fn the_authorization_header_is_marked_sensitive() {
        let client = Client::builder()
            .api_key("sk-sensitive")
            .build()
            .expect("valid");
        let auth = &client.shared.authorization;
        assert!(auth.is_sensitive());
        assert_eq!(format!("{auth:?}"), "Sensitive");
    }

    #[test]
    fn env_config_names_the_variable() {
        let err = ClientBuilder::from_vars(|_| None).expect_err("no key");
        assert!(err.to_string().contains("INVENT_API_KEY"), "{err}");
        let err = ClientBuilder::from_vars(|_| Some("  ".into())).expect_err("blank key");
        assert!(err.to_string().contains("INVENT_API_KEY"), "{err}");

        let client = ClientBuilder::from_vars(|name| match name {
            "INVENT_API_KEY" => Some("sk-test".into()),
            "INVENT_BASE_URL" => Some("http://127.0.0.1:9/".into()),
            _ => None,
        })
        .and_then(ClientBuilder::build)
        .expect("valid");
        assert_eq!(client.base_url(), "http://127.0.0.1:9");

        let default = ClientBuilder::from_vars(|name| (name == API_KEY_ENV).then(|| "k".into()))
            .and_then(ClientBuilder::build)
            .expect("valid");
        assert_eq!(default.base_url(), DEFAULT_BASE_URL);
    }

    #[test]
    fn bad_base_urls_are_config_errors() {
        for url in [
            "not a url",
            "ftp://x",
            "http://u:p@host",
            "https://x/?q=1",
            "mailto:a@b",
        ] {
            let err = Client::builder()
                .api_key("k")
                .base_url(url)
                .build()
                .expect_err(url);
            assert!(matches!(err, Error::Config { .. }), "{url}: {err}");
        }
        let client = Client::builder()
            .api_key("k")
            .base_url("https://proxy.example/invent/")
            .build()
            .expect("valid");
        assert_eq!(client.base_url(), "https://proxy.example/invent");
    }

    #[test]
    fn ids_that_change_the_path_are_rejected() {
        for id in ["", ".", ".."] {
            assert!(check_id("chat_id", id).is_err(), "{id:?}");
        }
        for id in ["...", "a/b", "a?b", "%2F", " ", "chat_1"] {
            assert!(check_id("chat_id", id).is_ok(), "{id:?}");
        }
    }
}
