//! From the bytes on the wire to a result: [`ApiResponse`] for a success,
//! a typed [`Error`] otherwise.

use std::ops::Deref;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::error::{self, ApiError, DecodeError, Error};

/// A response as the transport read it: the last attempt's status, headers
/// and body.
#[derive(Debug)]
pub(crate) struct Raw {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) attempts: u32,
}

/// A successful response: the decoded value plus status, headers, request id
/// and the body as received.
///
/// Dereferences to the value; [`ApiResponse::into_inner`] takes it out.
///
/// # Fields the SDK does not know yet
///
/// The body is kept exactly as the server sent it (the API key scrubbed from
/// nothing: success bodies are never altered), so a field the API added after
/// this SDK was released can be read today, before a new release models it:
///
/// ```
/// # fn demo(response: invent_sdk::ApiResponse<invent_sdk::types::Chat>) -> Result<(), serde_json::Error> {
/// let json = response.json()?; // or response.raw_body() for the bytes
/// let priority = json.get("priority").and_then(|p| p.as_str());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ApiResponse<T> {
    inner: T,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
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

    /// The body exactly as received, including fields and values this
    /// version of the SDK does not model.
    pub fn raw_body(&self) -> &[u8] {
        &self.body
    }

    /// The body as a JSON value, decoded on demand from
    /// [`raw_body`](Self::raw_body) (`null` for an empty body).
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        if self.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&self.body)
    }

    /// The same response with the value mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            inner: f(self.inner),
            status: self.status,
            headers: self.headers,
            body: self.body,
            attempts: self.attempts,
        }
    }

    /// The same response with the value replaced by the body as JSON (the
    /// typed value has already checked it against the spec).
    #[doc(hidden)]
    pub fn into_json(self) -> ApiResponse<serde_json::Value> {
        // Decoded successfully as `T` a moment ago, so it is JSON.
        let json = self.json().unwrap_or(serde_json::Value::Null);
        self.map(|_| json)
    }
}

impl<T> Deref for ApiResponse<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// A success decoded as `T`, or the error the response stands for.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    raw: Raw,
    secret: &str,
) -> Result<ApiResponse<T>, Error> {
    if !raw.status.is_success() {
        return Err(api_error(raw, secret));
    }
    // From `&str` where the body is UTF-8 (JSON always is): serde_json then
    // skips its own per-string UTF-8 validation, which costs more than one
    // pass over the whole body.
    let decoded = match std::str::from_utf8(&raw.body) {
        Ok(text) => serde_json::from_str::<T>(text),
        Err(_) => serde_json::from_slice::<T>(&raw.body),
    };
    match decoded {
        Ok(inner) => Ok(ApiResponse {
            inner,
            status: raw.status,
            headers: raw.headers,
            body: raw.body,
            attempts: raw.attempts,
        }),
        // Decode again, tracking the path, only to say where it failed.
        Err(e) => Err(decode_error::<T>(raw, e, secret)),
    }
}

/// A success with no body to decode (any body is kept, not read).
pub(crate) fn decode_empty(raw: Raw, secret: &str) -> Result<ApiResponse<()>, Error> {
    if !raw.status.is_success() {
        return Err(api_error(raw, secret));
    }
    Ok(ApiResponse {
        inner: (),
        status: raw.status,
        headers: raw.headers,
        body: raw.body,
        attempts: raw.attempts,
    })
}

fn decode_error<T: serde::de::DeserializeOwned>(
    raw: Raw,
    fallback: serde_json::Error,
    secret: &str,
) -> Error {
    let de = &mut serde_json::Deserializer::from_slice(&raw.body);
    let (path, e) = match serde_path_to_error::deserialize::<_, T>(&mut *de) {
        Err(e) => (e.path().to_string(), e.into_inner()),
        // The value decoded, so what failed is what follows it.
        Ok(_) => (".".to_owned(), de.end().err().unwrap_or(fallback)),
    };
    let secret = Some(secret);
    Error::Decode(Box::new(DecodeError {
        status: raw.status,
        request_id: error::request_id(&raw.headers),
        path,
        message: error::scrub(e.to_string(), secret),
        snippet: error::snippet(&raw.body, secret),
        attempts: raw.attempts,
    }))
}

/// An error status as [`Error::Api`], with what the server said about it.
pub(crate) fn api_error(raw: Raw, secret: &str) -> Error {
    let secret = Some(secret);
    let parsed = serde_json::from_slice::<crate::types::ErrorBody>(&raw.body).ok();
    let (message, code) = match parsed {
        Some(e) => (
            e.message.map(|m| error::scrub(m, secret)),
            e.code.map(|c| error::scrub(c, secret)),
        ),
        None => (None, None),
    };
    let snippet =
        (message.is_none() && !raw.body.is_empty()).then(|| error::snippet(&raw.body, secret));
    Error::Api(Box::new(ApiError {
        status: raw.status,
        request_id: error::request_id(&raw.headers),
        retry_after: crate::retry::retry_after(&raw.headers, chrono::Utc::now()),
        headers: raw.headers,
        message,
        code,
        snippet,
        attempts: raw.attempts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> Raw {
        Raw {
            status: StatusCode::from_u16(status).expect("valid"),
            headers: HeaderMap::new(),
            body: Bytes::copy_from_slice(body.as_bytes()),
            attempts: 1,
        }
    }

    #[test]
    fn a_success_keeps_its_raw_body_with_unknown_fields() {
        let body = r#"{"id":"chat_1","priority":"high"}"#;
        let response = decode::<crate::types::Chat>(raw(200, body), "k").expect("decodes");
        assert_eq!(response.id, "chat_1");
        assert_eq!(response.raw_body(), body.as_bytes());
        assert_eq!(response.json().expect("json")["priority"], "high");
    }

    #[test]
    fn decode_errors_name_the_path_and_trailing_garbage_fails() {
        let err = decode::<crate::types::Chat>(raw(200, r#"{"id": 5}"#), "k").expect_err("bad");
        match err {
            Error::Decode(e) => assert_eq!(e.path(), "id"),
            other => panic!("{other}"),
        }
        let err = decode::<crate::types::Chat>(raw(200, r#"{"id":"c"} x"#), "k").expect_err("bad");
        assert!(matches!(err, Error::Decode(_)), "{err}");
    }

    #[test]
    fn error_statuses_become_api_errors_with_the_key_scrubbed() {
        let err = decode::<crate::types::Chat>(
            raw(
                404,
                r#"{"message":"no chat for sk-secret","code":"not_found"}"#,
            ),
            "sk-secret",
        )
        .expect_err("404");
        let Error::Api(api) = err else {
            panic!("not an API error")
        };
        assert_eq!(api.message(), Some("no chat for [REDACTED]"));
        assert_eq!(api.code(), Some("not_found"));
    }
}
