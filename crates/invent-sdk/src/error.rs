//! [`Error`]: everything a call can fail with, sorted by what the caller should do.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::StatusCode;

/// How many characters of a body an error keeps (bodies can be whole HTML pages).
pub(crate) const SNIPPET_CHARS: usize = 512;

/// Headers servers and proxies use for the request id, in order of preference.
const REQUEST_ID_HEADERS: [&str; 3] = ["x-request-id", "request-id", "x-amzn-requestid"];

/// An error from the SDK.
///
/// Match on the variant, or ask: [`Error::is_not_found`], [`Error::is_rate_limited`],
/// [`Error::is_unauthorized`], [`Error::is_retryable`], [`Error::status`],
/// [`Error::request_id`] (quote it to Invent support).
///
/// `Display` says what happened, in one line, and never repeats the cause:
/// the underlying error (e.g. "connection refused" under
/// [`Error::Connection`]) is the [`source`](std::error::Error::source), so
/// reporters that walk the chain (anyhow's `{:#}`, eyre, tracing) print
/// each part once. Print the chain to show the cause.
///
/// The struct variants are `#[non_exhaustive]` (match them with `..`), and
/// [`ApiError`] and [`DecodeError`] are read through accessors, so a field
/// can be added in a minor release:
///
/// ```
/// # fn report(err: invent_sdk::Error) {
/// match err {
///     invent_sdk::Error::InvalidInput { field, reason, .. } => eprintln!("{field}: {reason}"),
///     invent_sdk::Error::Api(api) => eprintln!("{} {:?}", api.status(), api.request_id()),
///     other => eprintln!("{other}"),
/// }
/// # }
/// ```
///
/// Nothing here ever contains the API key: bodies, messages and headers taken
/// from the server are scrubbed of it before they are stored.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (a missing `INVENT_API_KEY`, a malformed base URL…).
    /// Fix the configuration; retrying will not help.
    #[non_exhaustive]
    Config {
        /// What is wrong, naming the setting or environment variable.
        message: String,
    },
    /// A request argument is invalid; nothing was sent.
    #[non_exhaustive]
    InvalidInput {
        /// The offending argument (`csat_score`, `chat_id`, …).
        field: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// The API answered with an error status (after any retries).
    Api(Box<ApiError>),
    /// The request or the response body did not complete in time.
    #[non_exhaustive]
    Timeout {
        /// Attempts made, retries included.
        attempts: u32,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The connection failed (refused, reset, TLS, DNS…).
    #[non_exhaustive]
    Connection {
        /// Attempts made, retries included.
        attempts: u32,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// A success response whose body is not the documented shape.
    ///
    /// A success body is decoded as JSON whatever its `Content-Type` says
    /// (servers and proxies mislabel JSON); anything else (an HTML page, an
    /// empty body, truncated or mistyped JSON) is this error, naming the JSON
    /// path and quoting the start of the body. It is not retried.
    Decode(Box<DecodeError>),
    /// The response body exceeded the configured limit and was not read further.
    #[non_exhaustive]
    ResponseTooLarge {
        /// The limit in bytes ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
        limit: usize,
        /// The response status.
        status: StatusCode,
        /// The request id, if the server sent one.
        request_id: Option<String>,
        /// Attempts made, retries included.
        attempts: u32,
    },
    /// A middleware added with
    /// [`ClientBuilder::middleware`](crate::ClientBuilder::middleware)
    /// failed the attempt (its error is the
    /// [`source`](std::error::Error::source)). Not retried: only the
    /// middleware knows whether the request reached the server, so the
    /// SDK assumes it may have ([`Error::server_may_have_acted`]).
    #[cfg(feature = "middleware")]
    #[non_exhaustive]
    Middleware {
        /// Attempts made, retries included.
        attempts: u32,
        /// The middleware's error.
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// An error status from the API, with what the server said about it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) request_id: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) snippet: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) attempts: u32,
}

impl ApiError {
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
        self.request_id.as_deref()
    }

    /// The server's `message`, when the body was a JSON error object.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The server's `code`, when the body was a JSON error object.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The start of the body (at most 512 characters) when it was not a JSON
    /// error object, e.g. a proxy's HTML 502 page.
    pub fn body_snippet(&self) -> Option<&str> {
        self.snippet.as_deref()
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Attempts made, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// A response body that could not be decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    pub(crate) status: StatusCode,
    pub(crate) request_id: Option<String>,
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) snippet: String,
    pub(crate) attempts: u32,
}

impl DecodeError {
    /// The JSON path of the failing value, e.g. `state.csat_score` (`.` for the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The start of the body (at most 512 characters).
    pub fn body_snippet(&self) -> &str {
        &self.snippet
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The request id the server assigned, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Attempts made, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl Error {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The request id the server assigned, when it answered with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id(),
            Error::Decode(e) => e.request_id(),
            Error::ResponseTooLarge { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Attempts made, retries included; `None` when nothing was sent
    /// ([`Error::Config`], [`Error::InvalidInput`]).
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Config { .. } | Error::InvalidInput { .. } => None,
            Error::Api(e) => Some(e.attempts),
            Error::Decode(e) => Some(e.attempts),
            Error::Timeout { attempts, .. }
            | Error::Connection { attempts, .. }
            | Error::ResponseTooLarge { attempts, .. } => Some(*attempts),
            #[cfg(feature = "middleware")]
            Error::Middleware { attempts, .. } => Some(*attempts),
        }
    }

    /// Whether the server may have carried out the request, so that
    /// sending it again may repeat its effect (a second fork). What to do
    /// with a call that failed this way, for an operation that is not
    /// idempotent, is the caller's decision: check whether it took effect
    /// before sending it again.
    ///
    /// False when nothing was sent ([`Error::Config`],
    /// [`Error::InvalidInput`]), when the connection was never established,
    /// and when the server refused the request with a 4xx status other than
    /// 408 (a refusal, 429 included, is answered before any work). True for
    /// everything else: 408 and 5xx statuses, timeouts and connections lost
    /// after the request was sent, a success whose body could not be read or
    /// decoded, and a failing middleware. The SDK's own retries follow the
    /// same rule: an operation that is not idempotent is not retried when
    /// this is true, unless the call opted in
    /// ([`ForkChat::retry_when_server_may_have_acted`](crate::ForkChat::retry_when_server_may_have_acted)).
    ///
    /// A call whose future is dropped before it completes (a `select!`, a
    /// timeout around it, a cancelled task) returns no error at all: treat
    /// it as if this were true, since the request may already have been
    /// sent.
    ///
    /// ```
    /// # fn handle(err: invent_sdk::Error) {
    /// if err.server_may_have_acted() {
    ///     eprintln!("outcome unknown after {:?} attempts: check before forking again", err.attempts());
    /// } else {
    ///     eprintln!("not done: {err}");
    /// }
    /// # }
    /// ```
    pub fn server_may_have_acted(&self) -> bool {
        match self {
            Error::Config { .. } | Error::InvalidInput { .. } => false,
            Error::Api(e) => crate::retry::status_may_have_acted(e.status),
            Error::Timeout { source, .. } | Error::Connection { source, .. } => {
                crate::retry::transport_may_have_acted(source)
            }
            Error::Decode(_) => true,
            Error::ResponseTooLarge { status, .. } => crate::retry::status_may_have_acted(*status),
            #[cfg(feature = "middleware")]
            Error::Middleware { .. } => true,
        }
    }

    /// 404: the chat (or the message to fork from) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// 429: the rate limit (500 requests a minute per IP) was hit; see [`ApiError::retry_after`].
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// 401: the API key is missing, wrong or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// Whether the request did not complete in time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether trying again later may succeed: timeouts, connection failures,
    /// 408, 429 and 500/502/503/504. (The client already retried as configured.)
    /// This is the built-in rule only: statuses and predicates a client's
    /// `RetryPolicy` adds (`with_retry_statuses`, `with_retry_if`) are not
    /// known to the error.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Connection { .. } => true,
            Error::Api(e) => crate::retry::is_retryable_status(e.status),
            _ => false,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { message } => write!(f, "invalid client configuration: {message}"),
            Error::InvalidInput { field, reason } => {
                write!(f, "invalid `{field}`: {reason} (nothing was sent)")
            }
            Error::Api(e) => e.fmt(f),
            Error::Timeout { attempts, .. } => {
                write!(f, "the request timed out ({})", plural_attempts(*attempts))
            }
            Error::Connection { attempts, .. } => write!(
                f,
                "could not reach the Invent API ({})",
                plural_attempts(*attempts)
            ),
            Error::Decode(e) => e.fmt(f),
            #[cfg(feature = "middleware")]
            Error::Middleware { attempts, .. } => write!(
                f,
                "a middleware failed the request ({})",
                plural_attempts(*attempts)
            ),
            Error::ResponseTooLarge {
                limit,
                status,
                request_id,
                ..
            } => {
                write!(f, "the response ({status}")?;
                write_request_id(f, request_id.as_deref())?;
                write!(f, ") is larger than the {limit}-byte limit")
            }
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invent API error {}", self.status)?;
        write_request_id(f, self.request_id.as_deref())?;
        match (&self.message, &self.snippet) {
            (Some(message), _) => write!(f, ": {message}")?,
            (None, Some(snippet)) if !snippet.is_empty() => write!(f, ": {snippet}")?,
            _ => {}
        }
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode the response ({}", self.status)?;
        write_request_id(f, self.request_id.as_deref())?;
        write!(
            f,
            ") at `{}`: {}; body starts: {}",
            self.path, self.message, self.snippet
        )
    }
}

fn write_request_id(f: &mut fmt::Formatter<'_>, request_id: Option<&str>) -> fmt::Result {
    match request_id {
        Some(id) => write!(f, ", request id {id}"),
        None => Ok(()),
    }
}

fn plural_attempts(attempts: u32) -> String {
    if attempts == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{attempts} attempts")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout { source, .. } | Error::Connection { source, .. } => Some(source),
            #[cfg(feature = "middleware")]
            Error::Middleware { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

impl std::error::Error for ApiError {}
impl std::error::Error for DecodeError {}

/// The request id in `headers`, if any.
pub(crate) fn request_id_str(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
}

/// The request id in `headers`, if any, owned.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    request_id_str(headers).map(str::to_owned)
}

/// The first [`SNIPPET_CHARS`] characters of `body`, lossily decoded, with
/// `secret` (the API key) replaced wherever a misbehaving server echoed it.
pub(crate) fn snippet(body: &[u8], secret: Option<&str>) -> String {
    let text = String::from_utf8_lossy(body);
    let text = match secret {
        Some(secret) if !secret.is_empty() => text.replace(secret, "[REDACTED]"),
        _ => text.into_owned(),
    };
    let mut chars = text.char_indices();
    match chars.nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}… (truncated)", &text[..cut]),
        None => text,
    }
}

/// Scrubs `secret` from a message taken from the server.
pub(crate) fn scrub(text: String, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if !secret.is_empty() && text.contains(secret) => {
            text.replace(secret, "[REDACTED]")
        }
        _ => text,
    }
}

/// Scrubs `secret` from every response header value (a misbehaving server or
/// proxy may echo `Authorization` back, e.g. as its request id). Headers end up
/// in errors, in [`ApiResponse`](crate::ApiResponse) and in traces.
pub(crate) fn scrub_headers(headers: &mut HeaderMap, secret: &str) {
    if secret.is_empty() {
        return;
    }
    for value in headers.values_mut() {
        if let Some(scrubbed) = replace_bytes(value.as_bytes(), secret.as_bytes()) {
            // Visible ASCII replaced a run of valid bytes: still a valid value.
            *value = HeaderValue::from_bytes(&scrubbed)
                .unwrap_or_else(|_| HeaderValue::from_static("[REDACTED]"));
        }
    }
}

/// `haystack` with each `needle` replaced by `[REDACTED]`, or `None` if absent.
fn replace_bytes(haystack: &[u8], needle: &[u8]) -> Option<Vec<u8>> {
    let mut at = find(haystack, needle)?;
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    loop {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(b"[REDACTED]");
        rest = &rest[at + needle.len()..];
        match find(rest, needle) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// Where `needle` first occurs in `haystack`; `None` for an empty needle.
/// Runs on every response header, so it compares whole windows only where
/// the first byte matches.
///
/// Not `memchr::memmem`, measured for this (issue 15, release build): on a
/// dozen typical header values, shorter than or about as long as a key,
/// building its `Finder` made the scrub 0.1-0.25 µs slower per response
/// (3-10x). Its linear worst case does not pay for that here: 64 KiB of
/// near-matches takes 111 µs this way against its 23 µs.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, tail) = needle.split_first()?;
    let last_start = haystack.len().checked_sub(needle.len())?;
    (0..=last_start).find(|&i| haystack[i] == first && haystack[i + 1..i + needle.len()] == *tail)
}

/// Users can neither build nor exhaustively destructure an `Error` struct
/// variant, so a field can be added in a minor release.
///
/// Stable rustdoc does not check the error codes (nightly does), so each
/// example is written to compile once the attribute or privacy is removed.
///
/// ```compile_fail,E0639
/// let err = invent_sdk::Error::Config { message: String::new() };
/// ```
///
/// ```compile_fail,E0638
/// fn attempts(err: &invent_sdk::Error) -> u32 {
///     match err {
///         invent_sdk::Error::Connection { attempts, source: _ } => *attempts,
///         _ => 0,
///     }
/// }
/// ```
///
/// ```compile_fail,E0638
/// fn field(err: &invent_sdk::Error) -> &str {
///     match err {
///         invent_sdk::Error::InvalidInput { field, reason: _ } => field,
///         _ => "",
///     }
/// }
/// ```
#[cfg(doctest)]
struct ErrorIsExtensible;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_bounded_on_char_boundaries_and_scrubbed() {
        let body = "é".repeat(2000);
        let s = snippet(body.as_bytes(), None);
        assert!(s.starts_with(&"é".repeat(SNIPPET_CHARS)));
        assert!(s.ends_with("… (truncated)"));
        assert_eq!(
            snippet(b"key sk-123 leaked", Some("sk-123")),
            "key [REDACTED] leaked"
        );
        assert_eq!(snippet(&[0xff, b'a'], None), "\u{fffd}a");
    }

    #[test]
    fn header_values_are_scrubbed_of_the_secret() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-request-id",
            "Bearer sk-1 and sk-1".parse().expect("valid"),
        );
        headers.insert("x-other", "sk-".parse().expect("valid"));
        headers.insert(
            "x-bytes",
            HeaderValue::from_bytes(b"\xffsk-1").expect("opaque bytes are valid"),
        );
        headers.insert("x-edges", "sk-1sk-1".parse().expect("valid"));
        headers.insert("x-short", "sk".parse().expect("valid"));
        scrub_headers(&mut headers, "sk-1");
        assert_eq!(headers["x-request-id"], "Bearer [REDACTED] and [REDACTED]");
        assert_eq!(headers["x-other"], "sk-");
        assert_eq!(headers["x-bytes"].as_bytes(), b"\xff[REDACTED]");
        assert_eq!(headers["x-edges"], "[REDACTED][REDACTED]");
        assert_eq!(headers["x-short"], "sk");
        assert_eq!(find(b"abc", b""), None);
        assert_eq!(find(b"abcabd", b"abd"), Some(3));
    }

    proptest::proptest! {
        /// The hand-rolled search replaces exactly what `str::replace` does:
        /// every non-overlapping match, left to right (a small alphabet makes
        /// near-matches, overlaps and adjacent matches common).
        #[test]
        fn replace_bytes_agrees_with_str_replace(
            haystack in "[sk1é-]{0,24}",
            needle in "[sk1é-]{1,4}",
        ) {
            let expected = haystack
                .contains(needle.as_str())
                .then(|| haystack.replace(needle.as_str(), "[REDACTED]").into_bytes());
            proptest::prop_assert_eq!(
                replace_bytes(haystack.as_bytes(), needle.as_bytes()),
                expected
            );
        }
    }

    #[test]
    fn overlapping_and_edge_matches_are_replaced_left_to_right() {
        assert_eq!(
            replace_bytes(b"aaa", b"aa").as_deref(),
            Some(&b"[REDACTED]a"[..])
        );
        assert_eq!(
            replace_bytes(b"sk-1", b"sk-1").as_deref(),
            Some(&b"[REDACTED]"[..])
        );
        assert_eq!(replace_bytes(b"sk-", b"sk-1"), None);
        assert_eq!(replace_bytes(b"", b"sk-1"), None);
        assert_eq!(find(b"xsk-1", b"sk-1"), Some(1));
    }

    #[test]
    fn request_id_prefers_x_request_id() {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", "b".parse().expect("valid"));
        assert_eq!(request_id(&headers).as_deref(), Some("b"));
        headers.insert("x-request-id", "a".parse().expect("valid"));
        assert_eq!(request_id(&headers).as_deref(), Some("a"));
    }
}
