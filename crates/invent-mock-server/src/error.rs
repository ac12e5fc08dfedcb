//! [`ApiError`]: an error answer with the spec's `Error` body, and the JSON
//! response helper every answer goes through.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use invent_sdk::types::ErrorBody;
use serde::Serialize;

/// An error the server answers with: a status and an `Error` body
/// `{"message": ..., "code": ...}`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 422 `invalid_request`: a body that decoded but is not acceptable.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }

    /// 404 `not_found`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500 `internal`: the mock server itself failed (a bug here, never a
    /// simulated fault).
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// 401 `unauthorized`.
    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// The body, as the generated model.
    pub(crate) fn body(&self) -> ErrorBody {
        error_body(self.message.clone(), self.code)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status, &self.body());
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// `value` as an `application/json` response with `status`.
pub(crate) fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    // The models serialize infallibly (string keys only); the fallback keeps
    // the promise of a JSON `Error` body even so.
    let (status, bytes) = match serde_json::to_vec(value) {
        Ok(bytes) => (status, bytes),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            br#"{"message":"response could not be encoded","code":"internal"}"#.to_vec(),
        ),
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// An `Error` body with `message` and `code`.
pub(crate) fn error_body(message: impl Into<String>, code: &str) -> ErrorBody {
    let mut body = ErrorBody::default();
    body.message = Some(message.into());
    body.code = Some(code.to_owned());
    body
}
