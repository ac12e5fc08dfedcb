//! [`Client`] and its [`ClientBuilder`]: configuration, and the entry points
//! generated call builders send through. The operations themselves
//! (`client.update_chat_state(..)`, …) are generated from the spec.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tracing::Instrument as _;

use crate::error::Error;
use crate::operation::Operation;
use crate::rate_limit::RateLimiter;
use crate::request::{CallOptions, Prepared};
use crate::response::{self, ApiResponse};
use crate::retry::RetryPolicy;
use crate::telemetry;
use crate::transport::Shared;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.useinvent.com";
/// Environment variable holding the API key, read by [`Client::from_env`].
pub const API_KEY_ENV: &str = "INVENT_API_KEY";
/// Environment variable overriding the base URL, read by [`Client::from_env`].
pub const BASE_URL_ENV: &str = "INVENT_BASE_URL";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

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
/// `Retry-After` honoured) for idempotent operations: those whose method is
/// GET, HEAD, PUT, PATCH, DELETE or OPTIONS, such as
/// [`update_chat_state`](Client::update_chat_state), unless the spec says
/// otherwise (`x-invent-idempotent`; see [`Operation::idempotent`]). Others,
/// such as [`fork_chat`](Client::fork_chat), which creates a chat, are retried
/// only when the server cannot have acted: the connection was never
/// established, or the answer was 429. Opt in per call with
/// [`ForkChat::retry_when_server_may_have_acted`](crate::ForkChat::retry_when_server_may_have_acted).
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

    /// Runs the operation named `operation_id` (as in the spec) with
    /// untyped inputs: path and query parameters by name, the body as JSON.
    /// The inputs are checked against the spec and sent through the same
    /// typed builder as a direct call; the response is the body as JSON.
    /// For tools that reach every operation by name (the `invent api` CLI).
    ///
    /// ```no_run
    /// # async fn run(client: invent_sdk::Client) -> Result<(), invent_sdk::Error> {
    /// use invent_sdk::DynamicCall;
    ///
    /// let call = DynamicCall::new()
    ///     .param("chat_id", "chat_123")
    ///     .body(serde_json::json!({"state": "CLOSED", "csat_score": 5}));
    /// let chat = client.call_operation("update_chat_state", call).await?;
    /// println!("{}", chat.into_inner()["state"]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call_operation(
        &self,
        operation_id: &str,
        call: crate::DynamicCall,
    ) -> Result<ApiResponse<serde_json::Value>, Error> {
        crate::operations::dispatch(self, operation_id, call).await
    }

    /// Sends a prepared request for `op` and decodes the success as `T`,
    /// in a debug span `operation` with the operation's id, method and
    /// path template. Called by generated call builders.
    #[doc(hidden)]
    pub async fn execute<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static Operation,
        request: Prepared,
        options: CallOptions,
    ) -> Result<ApiResponse<T>, Error> {
        self.traced(op, request, options, response::decode::<T>)
            .await
    }

    /// Sends a prepared request for `op` whose success has no body, in the
    /// same span as [`execute`](Self::execute). Called by generated call builders.
    #[doc(hidden)]
    pub async fn execute_empty(
        &self,
        op: &'static Operation,
        request: Prepared,
        options: CallOptions,
    ) -> Result<ApiResponse<()>, Error> {
        self.traced(op, request, options, response::decode_empty)
            .await
    }

    /// One call inside its span (see `telemetry`): send, then `decode`.
    async fn traced<T>(
        &self,
        op: &'static Operation,
        request: Prepared,
        options: CallOptions,
        decode: fn(response::Raw, &str) -> Result<ApiResponse<T>, Error>,
    ) -> Result<ApiResponse<T>, Error> {
        let span = telemetry::call_span(op, &self.shared.server);
        let sent = self
            .shared
            .send(&self.http, op, request, options)
            .instrument(span.clone())
            .await;
        let outcome = sent.and_then(|raw| decode(raw, &self.shared.api_key));
        telemetry::record_outcome(&span, &outcome);
        outcome
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
    rate_limit: Option<(u32, Duration)>,
    #[cfg(feature = "middleware")]
    middleware: Vec<Arc<dyn reqwest_middleware::Middleware>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ClientBuilder");
        out.field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
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
            .field("rate_limit", &self.rate_limit);
        #[cfg(feature = "middleware")]
        out.field("middleware", &self.middleware.len());
        out.finish()
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

    /// At most `n` requests per `per` from this client and all its clones
    /// (off by default). Every attempt takes a permit, retries included, and
    /// waits for one when none is left; permits are spread evenly, one every
    /// `per / n`, so no window of length `per` sees more than `n`. For the
    /// Invent API (500 a minute per IP), e.g. `.rate_limit(480, Duration::from_secs(60))`.
    /// A 429 that still gets through is retried as usual. Zero `n` or `per`
    /// fails [`build`](Self::build) with [`Error::Config`].
    pub fn rate_limit(mut self, n: u32, per: Duration) -> Self {
        self.rate_limit = Some((n, per));
        self
    }

    /// Adds a middleware from the reqwest-middleware ecosystem
    /// (reqwest-tracing, http-cache, request signing, your own): feature
    /// `middleware`.
    ///
    /// Middlewares run in the order added, on every attempt: inside the
    /// SDK's retry loop, after the attempt's rate-limit permit, with the
    /// request as it goes on the wire (auth, headers, body, timeout set).
    /// Each attempt gets a fresh copy of the call's extensions (set per call
    /// with `.extension(value)` on any call builder) plus the
    /// [`Operation`] being called, as `&'static Operation`. The client's
    /// clones share them. A middleware that returns its own error (not
    /// reqwest's) fails the call with [`Error::Middleware`], not retried; a
    /// middleware that retries by itself (reqwest-retry) multiplies the
    /// SDK's retries, so lower [`max_retries`](Self::max_retries) with it.
    ///
    /// ```
    /// use invent_sdk::Operation;
    /// use reqwest_middleware::{Middleware, Next};
    ///
    /// /// Counts attempts per operation.
    /// struct Metrics;
    ///
    /// #[async_trait::async_trait]
    /// impl Middleware for Metrics {
    ///     async fn handle(
    ///         &self,
    ///         req: reqwest::Request,
    ///         extensions: &mut http::Extensions,
    ///         next: Next<'_>,
    ///     ) -> reqwest_middleware::Result<reqwest::Response> {
    ///         let op = extensions.get::<&'static Operation>().map_or("?", |op| op.id);
    ///         println!("attempt of {op}");
    ///         next.run(req, extensions).await
    ///     }
    /// }
    ///
    /// let client = invent_sdk::Client::builder()
    ///     .api_key("sk-test")
    ///     .middleware(Metrics)
    ///     .build()?;
    /// # Ok::<(), invent_sdk::Error>(())
    /// ```
    #[cfg(feature = "middleware")]
    pub fn middleware(mut self, middleware: impl reqwest_middleware::Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
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

        let (base_url, server) =
            normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;

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

        let rate_limit = match self.rate_limit {
            Some((n, per)) => Some(Arc::new(RateLimiter::new(n, per)?)),
            None => None,
        };

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

        #[cfg(feature = "middleware")]
        let middleware = (!self.middleware.is_empty())
            .then(|| reqwest_middleware::ClientWithMiddleware::new(http.clone(), self.middleware));

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
                rate_limit,
                server,
                #[cfg(feature = "middleware")]
                middleware,
            }),
        })
    }
}

/// The base URL without its trailing `/`, and the server it names.
fn normalize_base_url(url: &str) -> Result<(String, telemetry::Server), Error> {
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
    Ok((
        parsed.as_str().trim_end_matches('/').to_owned(),
        telemetry::Server::of(&parsed),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_safety_comes_from_the_method() {
        let update = Operation::find("update_chat_state").expect("in the spec");
        let fork = Operation::find("fork_chat").expect("in the spec");
        assert_eq!(update.method, "PATCH");
        assert!(update.idempotent);
        assert_eq!(fork.method, "POST");
        assert!(!fork.idempotent);
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
}
