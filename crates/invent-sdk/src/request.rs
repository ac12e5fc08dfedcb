//! What a call builder prepares before anything is sent: per-call options
//! (and the one macro that gives every builder its per-call methods), input
//! checks derived from the schema, the URL and the JSON body, and what the
//! caller added to them (extra query parameters and body properties).
//!
//! Generated builders call these; each check fails with
//! [`Error::InvalidInput`] naming the input, and nothing is sent. They are
//! public only through the hidden `__private` module, for crates that
//! include generated code of their own (invent-codegen's compiled fixture):
//! not a stable API.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{AsciiSet, CONTROLS};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{Error, Timestamp};

/// Per-call settings every call builder carries, in one place: overrides of
/// the client's retry count and timeout, what the caller added to the
/// request, and the first input a setter rejected (reported by `send`, so
/// setters can chain). Builders get their setters from
/// [`call_options_methods!`](crate::call_options_methods).
#[derive(Default)]
pub struct CallOptions {
    /// Retries for this call, overriding the client's policy.
    pub max_retries: Option<u32>,
    /// Timeout of each attempt, overriding the client's.
    pub timeout: Option<Duration>,
    /// Retry failures where the server may have acted, even for an
    /// operation that is not idempotent.
    pub retry_when_server_may_have_acted: bool,
    /// Skip the hand-written checks of `crate::extras` (a local clock the
    /// caller does not trust, say); the schema's checks still run.
    pub skip_extra_checks: bool,
    /// The first input a setter rejected.
    pub rejected: Option<Error>,
    /// What the caller added (headers, query, body, extensions). Boxed: a
    /// call that adds nothing carries one null pointer.
    pub(crate) extras: Option<Box<Extras>>,
}

/// What the caller added to one call's request, applied to every attempt.
#[derive(Default)]
pub(crate) struct Extras {
    /// Replace (per name) the client's and the SDK's headers.
    pub(crate) headers: HeaderMap,
    /// Appended to the operation's own query parameters.
    pub(crate) query: Vec<(String, String)>,
    /// Merged into the JSON body, in the order given (a later value for
    /// the same name wins).
    pub(crate) body: Vec<(String, serde_json::Value)>,
    /// Given to the middlewares of every attempt (each attempt gets a copy).
    #[cfg(feature = "middleware")]
    pub(crate) extensions: http::Extensions,
}

/// Headers a caller may not set per call: the key (it would silently
/// replace the client's) and the framing the HTTP client computes.
const REFUSED_HEADERS: [(&str, &str); 3] = [
    (
        "authorization",
        "is the client's API key (ClientBuilder::api_key); a per-call value would replace it",
    ),
    ("content-length", "is computed from the body"),
    ("transfer-encoding", "is chosen by the HTTP client"),
];

impl CallOptions {
    /// Records that a setter rejected `field`; the first rejection wins.
    pub fn reject(&mut self, field: &'static str, reason: impl fmt::Display) {
        if self.rejected.is_none() {
            self.rejected = Some(Error::invalid(field, reason.to_string()));
        }
    }

    /// Fails with the first rejected input, if any.
    pub fn check(&mut self) -> Result<(), Error> {
        match self.rejected.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// Adds a header to every attempt of the call (see `header` on the
    /// builders); a name or value that is not valid, or a refused header,
    /// fails the call when it is sent.
    pub fn header<K, V>(&mut self, name: K, value: V)
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        let Ok(name) = name.try_into() else {
            return self.reject("header", "the name is not a valid HTTP header name");
        };
        if let Some((_, why)) = REFUSED_HEADERS.iter().find(|(n, _)| name == *n) {
            return self.reject(
                "header",
                format!("`{name}` cannot be set per call: it {why}"),
            );
        }
        let Ok(value) = value.try_into() else {
            return self.reject(
                "header",
                format!("the value of `{name}` is not a valid HTTP header value"),
            );
        };
        self.extras_mut().headers.append(name, value);
    }

    /// Adds `name=value` to the query string of the call.
    pub fn extra_query(&mut self, name: String, value: String) {
        self.extras_mut().query.push((name, value));
    }

    /// Adds a top-level property to the call's JSON body.
    pub fn extra_body(&mut self, name: String, value: serde_json::Value) {
        self.extras_mut().body.push((name, value));
    }

    /// Gives `value` to the middlewares of every attempt of the call.
    #[cfg(feature = "middleware")]
    pub fn extension<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.extras_mut().extensions.insert(value);
    }
}

/// Names only: a per-call header may carry a credential of the caller's.
impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("CallOptions");
        out.field("max_retries", &self.max_retries)
            .field("timeout", &self.timeout)
            .field(
                "retry_when_server_may_have_acted",
                &self.retry_when_server_may_have_acted,
            )
            .field("skip_extra_checks", &self.skip_extra_checks)
            .field("rejected", &self.rejected);
        if let Some(extras) = &self.extras {
            out.field(
                "headers",
                &extras
                    .headers
                    .keys()
                    .map(HeaderName::as_str)
                    .collect::<Vec<_>>(),
            )
            .field(
                "extra_query",
                &extras.query.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field(
                "extra_body",
                &extras.body.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            );
            #[cfg(feature = "middleware")]
            out.field("extensions", &extras.extensions.len());
        }
        out.finish()
    }
}

/// The per-call methods of every generated call builder, in one place: the
/// builder invokes it in its `impl` block (`call_options_methods!(idempotent)`,
/// or `(not_idempotent)`, which adds `retry_when_server_may_have_acted`).
/// The builder has an `options: CallOptions` field. Exported (hidden) for
/// every crate of generated code; its methods call `CallOptions`' public ones.
#[doc(hidden)]
#[macro_export]
macro_rules! call_options_methods {
    (idempotent) => {
        /// Retries for this call, overriding the client's [`RetryPolicy`](crate::RetryPolicy).
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.options.max_retries = ::std::option::Option::Some(retries);
            self
        }

        /// Timeout for each attempt of this call, overriding the client's.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.options.timeout = ::std::option::Option::Some(timeout);
            self
        }

        /// Adds a header to every attempt of this call. It replaces a
        /// client default header or an SDK header (`User-Agent`, `Accept`)
        /// of the same name; calling it again with a name adds another
        /// value. `Authorization` (the client's key), `Content-Length` and
        /// `Transfer-Encoding` cannot be set: the call fails with
        /// [`Error::InvalidInput`](crate::Error::InvalidInput) before
        /// anything is sent, as it does for an invalid name or value.
        /// Header values are never logged.
        pub fn header<K, V>(mut self, name: K, value: V) -> Self
        where
            K: ::std::convert::TryInto<::reqwest::header::HeaderName>,
            V: ::std::convert::TryInto<::reqwest::header::HeaderValue>,
        {
            self.options.header(name, value);
            self
        }

        /// Adds `name=value` to the query string of every attempt, after
        /// the operation's own parameters (form-encoded). Naming a query
        /// parameter the call already sends fails the call with
        /// [`Error::InvalidInput`](crate::Error::InvalidInput) before
        /// anything is sent; set it with its own method instead.
        pub fn extra_query(
            mut self,
            name: impl ::std::convert::Into<::std::string::String>,
            value: impl ::std::fmt::Display,
        ) -> Self {
            self.options.extra_query(name.into(), value.to_string());
            self
        }

        /// Adds a top-level property to the JSON body of every attempt, for
        /// a field this SDK does not model yet. The value is sent as given,
        /// without the checks of the typed setters. Naming a property the
        /// call already sets fails the call with
        /// [`Error::InvalidInput`](crate::Error::InvalidInput) before
        /// anything is sent (the typed setter is the one to use); a later
        /// `extra_body` with the same name replaces an earlier one. An
        /// operation without a body gets a JSON object of these properties.
        pub fn extra_body(
            mut self,
            name: impl ::std::convert::Into<::std::string::String>,
            value: ::serde_json::Value,
        ) -> Self {
            self.options.extra_body(name.into(), value);
            self
        }

        $crate::extension_method!();
    };
    (not_idempotent) => {
        $crate::call_options_methods!(idempotent);

        /// Also retry after failures where the server may already have
        /// acted (5xx, 408, timeouts, a connection lost mid-request). A
        /// retry may then repeat the operation's effect: opt in only if
        /// that is acceptable.
        pub fn retry_when_server_may_have_acted(mut self, yes: bool) -> Self {
            self.options.retry_when_server_may_have_acted = yes;
            self
        }
    };
}

/// `extension` of [`call_options_methods!`](crate::call_options_methods),
/// with the feature `middleware` of this crate (decided here, not in the
/// crate that invokes the macro).
#[cfg(feature = "middleware")]
#[doc(hidden)]
#[macro_export]
macro_rules! extension_method {
    () => {
        /// Puts `value` into the `http::Extensions` that the client's
        /// middlewares see on every attempt of this call (each attempt
        /// starts from a copy), the way reqwest-tracing's `OtelName`
        /// names a request. A value of the same type replaces the earlier.
        pub fn extension<T>(mut self, value: T) -> Self
        where
            T: ::std::clone::Clone + ::std::marker::Send + ::std::marker::Sync + 'static,
        {
            self.options.extension(value);
            self
        }
    };
}

/// Without the feature `middleware`, no `extension` method.
#[cfg(not(feature = "middleware"))]
#[doc(hidden)]
#[macro_export]
macro_rules! extension_method {
    () => {};
}

/// A request ready to send: method, full URL, JSON body.
#[derive(Debug)]
pub struct Prepared {
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The whole URL, base URL, path and query.
    pub url: String,
    /// The JSON body, if any.
    pub body: Option<Bytes>,
}

/// Rejects path parameters that would change which endpoint is called. Any
/// other value is sent percent-encoded as one path segment (`/`, `?`, `#`,
/// `%` and spaces included).
pub fn check_path_segment(field: &'static str, value: &str) -> Result<(), Error> {
    match value {
        "" => Err(Error::invalid(field, "must not be empty")),
        "." | ".." => Err(Error::invalid(
            field,
            format!("{value:?} is not an id: it would change the request path"),
        )),
        _ => Ok(()),
    }
}

/// The value of a required input, or an error naming it.
pub fn required<T>(field: &'static str, value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| Error::invalid(field, "is required"))
}

/// A `date-time` input must be RFC 3339 (a `Timestamp` keeps any text it was
/// given, so this is where a typo is caught).
pub fn check_timestamp(field: &'static str, value: &Timestamp) -> Result<(), Error> {
    match value.datetime() {
        Some(_) => Ok(()),
        None => Err(Error::invalid(
            field,
            format!("{value} is not an RFC 3339 date-time"),
        )),
    }
}

/// A number within the schema's `minimum`/`maximum` (each `(bound,
/// exclusive)`), for bounds the Rust type cannot hold (`NonZeroU64` keeps a
/// minimum of 1 but no maximum).
pub fn check_bounds(
    field: &'static str,
    value: &impl fmt::Display,
    min: Option<(f64, bool)>,
    max: Option<(f64, bool)>,
) -> Result<(), Error> {
    let text = value.to_string();
    let Ok(number) = text.parse::<f64>() else {
        return Ok(());
    };
    let below = min.is_some_and(|(min, exclusive)| {
        if exclusive {
            number <= min
        } else {
            number < min
        }
    });
    let above = max.is_some_and(|(max, exclusive)| {
        if exclusive {
            number >= max
        } else {
            number > max
        }
    });
    if below || above {
        let range = |(bound, exclusive): (f64, bool), strict: &str, loose: &str| {
            format!("{} {bound}", if exclusive { strict } else { loose })
        };
        let mut limits = Vec::new();
        if let Some(min) = min {
            limits.push(range(min, ">", ">="));
        }
        if let Some(max) = max {
            limits.push(range(max, "<", "<="));
        }
        return Err(Error::invalid(
            field,
            format!("{text} is out of range (must be {})", limits.join(" and ")),
        ));
    }
    Ok(())
}

/// The body as JSON bytes.
pub fn json_body<T: serde::Serialize>(body: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| Error::invalid("body", format!("cannot be encoded as JSON: {e}")))
}

/// Adds the caller's extra query parameters and body properties to the
/// request, once per call (every attempt sends the result). A name the
/// operation already sends is refused rather than sent twice or replaced.
pub(crate) fn apply_extras(
    url: &mut reqwest::Url,
    body: &mut Option<Bytes>,
    extras: &Extras,
) -> Result<(), Error> {
    if !extras.query.is_empty() {
        if let Some((name, _)) = extras
            .query
            .iter()
            .find(|(name, _)| url.query_pairs().any(|(own, _)| own == name.as_str()))
        {
            return Err(Error::invalid(
                "extra_query",
                format!("`{name}` is a query parameter the call already sends: use its method"),
            ));
        }
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &extras.query {
            pairs.append_pair(name, value);
        }
    }
    if !extras.body.is_empty() {
        let mut object = match body.as_deref() {
            Some(bytes) => {
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes)
                    .map_err(|_| {
                        Error::invalid(
                            "extra_body",
                            "the operation's body is not a JSON object to add properties to",
                        )
                    })?
            }
            None => serde_json::Map::new(),
        };
        if let Some((name, _)) = extras
            .body
            .iter()
            .find(|(name, _)| object.contains_key(name))
        {
            return Err(Error::invalid(
                "extra_body",
                format!("`{name}` is a body property the call already sets: use its method"),
            ));
        }
        for (name, value) in &extras.body {
            object.insert(name.clone(), value.clone());
        }
        *body = Some(json_body(&object)?);
    }
    Ok(())
}

/// What a path segment percent-encodes: the URL standard's path
/// percent-encode set, plus `/` and `%` so that a value is always exactly
/// one segment and decodes back to itself, and `\`, which the URL standard
/// reads as `/` in http(s) paths (`..\x` would otherwise leave its segment,
/// and with it the base URL's path prefix).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'\\')
    .add(b'%');

/// Appends `value` to `url` as one percent-encoded path segment.
pub fn push_segment(url: &mut String, value: &str) {
    url.extend(percent_encoding::utf8_percent_encode(value, PATH_SEGMENT));
}

/// `value` percent-encoded as one path segment, exactly as the SDK sends a
/// path parameter: `/`, `\`, `?`, `#`, `%`, spaces, control and non-ASCII
/// characters are escaped, so the result is one segment that decodes back to
/// `value`.
///
/// For matching the SDK's requests in your own test server or mock (the
/// typed matchers of `invent-sdk-httpmock` use it). The SDK refuses `""`,
/// `.` and `..` before sending; this function encodes whatever it is given.
///
/// ```
/// assert_eq!(invent_sdk::encode_path_segment("a/b"), "a%2Fb");
/// assert_eq!(invent_sdk::encode_path_segment(r"..\x"), "..%5Cx");
/// ```
pub fn encode_path_segment(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    push_segment(&mut encoded, value);
    encoded
}

/// Appends `?name=value&…` to a URL, form-encoded as browsers and servers
/// expect (`application/x-www-form-urlencoded`).
pub struct Query<'a> {
    url: &'a mut String,
    first: bool,
}

impl<'a> Query<'a> {
    /// Appends to `url`, which has no query yet.
    pub fn new(url: &'a mut String) -> Self {
        Query { url, first: true }
    }

    /// Appends `name=value`.
    pub fn push(&mut self, name: &str, value: &impl fmt::Display) {
        self.url.push(if self.first { '?' } else { '&' });
        self.first = false;
        self.url
            .extend(form_urlencoded::byte_serialize(name.as_bytes()));
        self.url.push('=');
        let value = value.to_string();
        self.url
            .extend(form_urlencoded::byte_serialize(value.as_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_change_the_path_are_rejected() {
        for id in ["", ".", ".."] {
            assert!(check_path_segment("chat_id", id).is_err(), "{id:?}");
        }
        for id in ["...", "a/b", "a?b", "%2F", " ", "chat_1"] {
            assert!(check_path_segment("chat_id", id).is_ok(), "{id:?}");
        }
    }

    #[test]
    fn a_segment_is_encoded_as_exactly_one_segment() {
        let mut url = String::new();
        push_segment(&mut url, "a/b?c#d%e f..é");
        assert_eq!(url, "a%2Fb%3Fc%23d%25e%20f..%C3%A9");
    }

    #[test]
    fn a_backslash_is_encoded_not_read_as_a_separator() {
        // The URL standard reads `\` as `/` in http(s) paths.
        assert_eq!(
            encode_path_segment(r"..\..\orgs\c\secret"),
            "..%5C..%5Corgs%5Cc%5Csecret"
        );
        assert_eq!(encode_path_segment(r"\.."), "%5C..");
    }

    /// The SDK's URL for `id` under `base`, as a generated builder writes
    /// it, checked before sending as `send()` checks it.
    fn url_for(base: &str, id: &str) -> Result<reqwest::Url, Error> {
        check_path_segment("chat_id", id)?;
        let mut url = String::from(base);
        url.push_str("/chats/");
        push_segment(&mut url, id);
        url.push_str("/state");
        reqwest::Url::parse(&url).map_err(|e| Error::invalid("url", e.to_string()))
    }

    fn ids() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            any::<String>(),
            // Short strings of the characters that move segments around.
            proptest::string::string_regex(
                r"[./\\%?#;a-c\x00-\x1f\x7f \t\u{e9}\u{2215}\u{ff0f}]{0,6}"
            )
            .expect("valid regex"),
        ]
    }

    proptest::proptest! {
        /// Whatever the id, the URL (parsed by the `url` crate, as reqwest
        /// parses it) has exactly one segment for it, under the base URL's
        /// own path, and that segment decodes back to the id; or the id is
        /// refused before anything is built.
        #[test]
        fn every_id_is_exactly_one_segment_or_refused(id in ids()) {
            for (base, prefix) in [
                ("http://127.0.0.1:9", &[][..]),
                ("https://gateway.example/invent", &["invent"][..]),
            ] {
                match url_for(base, &id) {
                    Ok(url) => {
                        let segments: Vec<&str> = url.path_segments().into_iter().flatten().collect();
                        let n = prefix.len();
                        proptest::prop_assert_eq!(segments.len(), n + 3, "{:?} under {}: {}", id, base, url);
                        proptest::prop_assert_eq!(&segments[..n], prefix);
                        proptest::prop_assert_eq!((segments[n], segments[n + 2]), ("chats", "state"));
                        let decoded = percent_encoding::percent_decode_str(segments[n + 1]).decode_utf8();
                        proptest::prop_assert_eq!(decoded.as_deref().ok(), Some(id.as_str()));
                    }
                    Err(_) => proptest::prop_assert!(
                        matches!(id.as_str(), "" | "." | ".."),
                        "{:?} refused", id
                    ),
                }
            }
        }
    }

    #[test]
    fn query_values_are_form_encoded() {
        let mut url = String::from("http://h/x");
        let mut query = Query::new(&mut url);
        query.push("q", &"a b&c=d");
        query.push("limit", &5);
        assert_eq!(url, "http://h/x?q=a+b%26c%3Dd&limit=5");
    }

    #[test]
    fn numeric_bounds_are_checked_inclusive_or_exclusive() {
        let range = (Some((1.0, false)), Some((100.0, false)));
        for ok in [1, 50, 100] {
            assert!(check_bounds("limit", &ok, range.0, range.1).is_ok(), "{ok}");
        }
        for bad in [0, 101] {
            let err = check_bounds("limit", &bad, range.0, range.1).expect_err("out");
            assert!(err.to_string().contains(">= 1 and <= 100"), "{err}");
        }
        assert!(check_bounds("x", &0.5, Some((0.5, true)), None).is_err());
        assert!(check_bounds("x", &0.6, Some((0.5, true)), None).is_ok());
    }

    #[test]
    fn extras_add_to_the_query_and_body_but_never_replace_the_calls_own() {
        let mut options = CallOptions::default();
        options.extra_query("tag".into(), "a b".into());
        options.extra_body("priority".into(), serde_json::json!("high"));
        let extras = options.extras.take().expect("extras");
        let mut url = reqwest::Url::parse("http://h/x?limit=5").expect("url");
        let mut body = Some(Bytes::from_static(br#"{"title":"t"}"#));
        apply_extras(&mut url, &mut body, &extras).expect("no collision");
        assert_eq!(url.query(), Some("limit=5&tag=a+b"));
        assert_eq!(
            body.as_deref(),
            Some(&br#"{"priority":"high","title":"t"}"#[..])
        );

        // Without a body, the extras are the body.
        let mut none = None;
        let mut bare = reqwest::Url::parse("http://h/x").expect("url");
        apply_extras(&mut bare, &mut none, &extras).expect("no body");
        assert_eq!(none.as_deref(), Some(&br#"{"priority":"high"}"#[..]));

        let mut options = CallOptions::default();
        options.extra_query("limit".into(), "9".into());
        let extras = options.extras.take().expect("extras");
        let mut url = reqwest::Url::parse("http://h/x?limit=5").expect("url");
        let err = apply_extras(&mut url, &mut None, &extras).expect_err("collides");
        assert!(err.to_string().contains("`limit`"), "{err}");
        assert_eq!(url.query(), Some("limit=5"), "unchanged");

        let mut options = CallOptions::default();
        options.extra_body("x".into(), serde_json::json!(1));
        let extras = options.extras.take().expect("extras");
        let mut array = Some(Bytes::from_static(b"[1]"));
        assert!(apply_extras(&mut url, &mut array, &extras).is_err());
    }

    #[test]
    fn per_call_header_values_are_not_in_debug_output() {
        let mut options = CallOptions::default();
        options.header("x-signature", "s3cr3t");
        let text = format!("{options:?}");
        assert!(
            text.contains("x-signature") && !text.contains("s3cr3t"),
            "{text}"
        );
    }

    #[test]
    fn the_first_rejected_input_wins() {
        let mut options = CallOptions::default();
        options.reject("csat_score", "9 is not in 1..=5");
        options.reject("other", "later");
        let err = options.check().expect_err("rejected");
        assert!(err.to_string().contains("csat_score"), "{err}");
        assert!(options.check().is_ok(), "reported once");
    }
}
