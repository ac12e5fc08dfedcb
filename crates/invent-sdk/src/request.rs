//! What a call builder prepares before anything is sent: per-call options,
//! input checks derived from the schema, the URL and the JSON body.
//!
//! Generated builders call these; each check fails with
//! [`Error::InvalidInput`] naming the input, and nothing is sent.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{AsciiSet, CONTROLS};

use crate::{Error, Timestamp};

/// Per-call settings every call builder carries, in one place: overrides of
/// the client's retry count and timeout, and the first input a setter
/// rejected (reported by `send`, so setters can chain).
#[derive(Debug, Default)]
pub(crate) struct CallOptions {
    pub(crate) max_retries: Option<u32>,
    pub(crate) timeout: Option<Duration>,
    /// Retry failures where the server may have acted, even for an
    /// operation that is not idempotent.
    pub(crate) retry_when_server_may_have_acted: bool,
    /// Skip the hand-written checks of `crate::extras` (a local clock the
    /// caller does not trust, say); the schema's checks still run.
    pub(crate) skip_extra_checks: bool,
    pub(crate) rejected: Option<Error>,
}

impl CallOptions {
    /// Records that a setter rejected `field`; the first rejection wins.
    pub(crate) fn reject(&mut self, field: &'static str, reason: impl fmt::Display) {
        if self.rejected.is_none() {
            self.rejected = Some(Error::invalid(field, reason.to_string()));
        }
    }

    /// Fails with the first rejected input, if any.
    pub(crate) fn check(&mut self) -> Result<(), Error> {
        match self.rejected.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// A request ready to send: method, full URL, JSON body.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) method: reqwest::Method,
    pub(crate) url: String,
    pub(crate) body: Option<Bytes>,
}

/// Rejects path parameters that would change which endpoint is called. Any
/// other value is sent percent-encoded as one path segment (`/`, `?`, `#`,
/// `%` and spaces included).
pub(crate) fn check_path_segment(field: &'static str, value: &str) -> Result<(), Error> {
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
pub(crate) fn required<T>(field: &'static str, value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| Error::invalid(field, "is required"))
}

/// A `date-time` input must be RFC 3339 (a `Timestamp` keeps any text it was
/// given, so this is where a typo is caught).
pub(crate) fn check_timestamp(field: &'static str, value: &Timestamp) -> Result<(), Error> {
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
#[allow(dead_code)] // For inline numeric bounds (none in the spec today).
pub(crate) fn check_bounds(
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
pub(crate) fn json_body<T: serde::Serialize>(body: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| Error::invalid("body", format!("cannot be encoded as JSON: {e}")))
}

/// What a path segment percent-encodes: the URL standard's path
/// percent-encode set, plus `/` and `%` so that a value is always exactly
/// one segment and decodes back to itself.
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
    .add(b'%');

/// Appends `value` to `url` as one percent-encoded path segment.
pub(crate) fn push_segment(url: &mut String, value: &str) {
    url.extend(percent_encoding::utf8_percent_encode(value, PATH_SEGMENT));
}

/// Appends `?name=value&…` to a URL, form-encoded as browsers and servers
/// expect (`application/x-www-form-urlencoded`).
// Used by generated builders of operations with query parameters (none in
// the spec today; the regenerate test adds one).
#[allow(dead_code)]
pub(crate) struct Query<'a> {
    url: &'a mut String,
    first: bool,
}

#[allow(dead_code)]
impl<'a> Query<'a> {
    pub(crate) fn new(url: &'a mut String) -> Self {
        Query { url, first: true }
    }

    pub(crate) fn push(&mut self, name: &str, value: &impl fmt::Display) {
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
    fn a_segment_encodes_as_progenitor_encodes_it() {
        // The httpmock matchers encode with progenitor's `encode_path`; the
        // client must send ids the same way or the matchers never match.
        for id in [
            "a/b", "a?b", "a#b", "50%", "x y", "<{`\"}>", "é", "\u{7f}", "a.b~c",
        ] {
            let mut url = String::new();
            push_segment(&mut url, id);
            assert_eq!(url, progenitor_client::encode_path(id), "{id:?}");
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
    fn the_first_rejected_input_wins() {
        let mut options = CallOptions::default();
        options.reject("csat_score", "9 is not in 1..=5");
        options.reject("other", "later");
        let err = options.check().expect_err("rejected");
        assert!(err.to_string().contains("csat_score"), "{err}");
        assert!(options.check().is_ok(), "reported once");
    }
}
