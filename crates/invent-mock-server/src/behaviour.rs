//! The operations with behaviour of their own (state merge, fork with
//! history), found by operationId; every other operation of the spec is
//! answered from its example by the router (`app.rs`).

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use invent_sdk::operations::{FORK_CHAT, UPDATE_CHAT_STATE};
use invent_sdk::types::{ForkChatRequest, UpdateChatStateRequest};
use invent_sdk::Operation;
use serde::de::DeserializeOwned;

use crate::app::{lock, Shared};
use crate::error::{json_response, ApiError};

/// What a behaviour reads from a request the router matched to its operation.
pub(crate) struct Input<'a> {
    pub(crate) operation: &'static Operation,
    /// The path parameters' values, decoded, in the order of
    /// `operation.path_params`.
    pub(crate) path_params: &'a [String],
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// Runs an operation against the server's state; `Err` is answered as is.
pub(crate) type Behaviour = fn(&Shared, &Input<'_>) -> Result<Response, ApiError>;

/// The operations this server implements, by the generated statics: an
/// operation renamed or dropped in the spec fails to compile here rather
/// than silently falling back to its example.
static BEHAVIOURS: [(&Operation, Behaviour); 2] = [
    (&UPDATE_CHAT_STATE, update_chat_state),
    (&FORK_CHAT, fork_chat),
];

/// The behaviour of `operation`, if it has one (by operationId).
pub(crate) fn find(operation: &Operation) -> Option<Behaviour> {
    BEHAVIOURS
        .iter()
        .find(|(op, _)| op.id == operation.id)
        .map(|(_, behaviour)| *behaviour)
}

impl Input<'_> {
    /// The decoded value of path parameter `name`.
    fn path_param(&self, name: &str) -> Result<&str, ApiError> {
        self.operation
            .path_params
            .iter()
            .position(|p| *p == name)
            .and_then(|i| self.path_params.get(i))
            .map(String::as_str)
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "{} has no path parameter {name}",
                    self.operation.id
                ))
            })
    }

    /// The body as the generated model `T`: 415 unless declared as JSON,
    /// then as [`decode`] says.
    fn json_body<T: DeserializeOwned + schemars::JsonSchema>(&self) -> Result<T, ApiError> {
        require_json(self.headers)?;
        decode(self.body)
    }
}

/// Merges the body into the chat's state (see the crate docs).
fn update_chat_state(shared: &Shared, input: &Input<'_>) -> Result<Response, ApiError> {
    let chat_id = input.path_param("chat_id")?;
    let body: UpdateChatStateRequest = input.json_body()?;
    let chat = lock(&shared.store).update_state(chat_id, body, Utc::now())?;
    Ok(json_response(StatusCode::OK, &chat))
}

/// Creates a chat with the history up to the message (see the crate docs).
fn fork_chat(shared: &Shared, input: &Input<'_>) -> Result<Response, ApiError> {
    let chat_id = input.path_param("chat_id")?;
    let body: ForkChatRequest = input.json_body()?;
    let chat = lock(&shared.store).fork(chat_id, body, &shared.caller, &shared.ids, Utc::now())?;
    Ok(json_response(StatusCode::OK, &chat))
}

/// 415 unless the body is declared as JSON.
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    match essence {
        Some(essence) if essence == "application/json" || essence.ends_with("+json") => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "request body must be JSON (Content-Type: application/json)",
        )),
    }
}

/// Decodes a body into a generated model: 422 `invalid_json` unless it is
/// JSON, 422 `invalid_request` unless it is an object that fits the model,
/// with the JSON path of the problem first in the message.
fn decode<T: DeserializeOwned + schemars::JsonSchema>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|err| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
            format!("request body is not valid JSON: {err}"),
        )
    })?;
    // serde would read a JSON array into a struct, field by field.
    let kind = match &value {
        serde_json::Value::Object(_) => None,
        serde_json::Value::Array(_) => Some("an array"),
        serde_json::Value::Null => Some("null"),
        serde_json::Value::Bool(_) => Some("a boolean"),
        serde_json::Value::Number(_) => Some("a number"),
        serde_json::Value::String(_) => Some("a string"),
    };
    if let Some(kind) = kind {
        return Err(ApiError::invalid(format!(
            "request body: expected a JSON object, got {kind}"
        )));
    }
    let decoded: T = serde_path_to_error::deserialize(&value).map_err(|err| {
        let path = err.path().to_string();
        let err = err.into_inner();
        if path == "." {
            ApiError::invalid(format!("request body: {err}"))
        } else {
            ApiError::invalid(format!("{path}: {err}"))
        }
    })?;
    // What serde lets through but the spec forbids (a `null` in a
    // non-nullable property, an array where an object belongs).
    match crate::body_shape::check::<T>(&value) {
        Some(problem) => Err(ApiError::invalid(problem)),
        None => Ok(decoded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_behaviour_is_an_operation_of_the_spec() {
        for (op, _) in &BEHAVIOURS {
            let listed = invent_sdk::operations::OPERATIONS
                .iter()
                .any(|listed| std::ptr::eq(*listed, *op));
            assert!(listed, "{} is not in OPERATIONS", op.id);
            assert!(find(op).is_some(), "{}", op.id);
        }
    }

    #[test]
    fn path_params_are_found_by_name() {
        let values = ["chat_1".to_owned()];
        let headers = HeaderMap::new();
        let input = Input {
            operation: &FORK_CHAT,
            path_params: &values,
            headers: &headers,
            body: b"",
        };
        assert_eq!(input.path_param("chat_id").ok(), Some("chat_1"));
        let missing = input.path_param("message_id").err().map(|e| e.status);
        assert_eq!(missing, Some(StatusCode::INTERNAL_SERVER_ERROR));
    }
}
