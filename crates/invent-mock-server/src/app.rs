//! The HTTP application: routes, the request pipeline (record, fault,
//! authenticate, decode) and the two operations' handlers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use axum::Router;
use chrono::Utc;
use invent_sdk::types::{Chat, ForkChatRequest, MemberUser, UpdateChatStateRequest};
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use crate::error::{json_response, ApiError};
use crate::fault::{Fault, FaultAction, Operation};
use crate::ids::IdGen;
use crate::record::{RecordedRequest, RequestLog};
use crate::store::Store;

/// Request bodies larger than this are refused with 413.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// State shared by every request of one server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) api_key: String,
    pub(crate) caller: MemberUser,
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    pub(crate) log: Mutex<RequestLog>,
    pub(crate) ids: IdGen,
}

/// Locks a mutex; a poisoned lock is still used, since every critical section
/// leaves the data consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Set on each request by the connection it came on: notifying it drops the
/// connection without a response.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// What the pipeline learned about a request before routing.
#[derive(Clone, Debug)]
struct RequestMeta {
    /// Sequence number in the request log.
    seq: usize,
    body: Bytes,
    kill: Option<ConnectionKill>,
}

impl From<ApiError> for Response {
    fn from(error: ApiError) -> Response {
        error.into_response()
    }
}

/// The application for one server.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/chats/{chat_id}/state", patch(update_chat_state))
        .route("/chats/{chat_id}/fork", post(fork_chat))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(shared.clone(), track))
        .with_state(shared)
}

/// Runs for every request: buffers and records it, then sets `x-request-id`
/// on whatever answers it.
async fn track(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, BODY_LIMIT).await;
    let (seq, request_id) = shared.record(&parts, body.as_deref().unwrap_or_default());
    let mut response = match body {
        Ok(body) => {
            let kill = parts.extensions.get::<ConnectionKill>().cloned();
            parts.extensions.insert(RequestMeta {
                seq,
                body: body.clone(),
                kill,
            });
            next.run(Request::from_parts(parts, Body::from(body))).await
        }
        Err(_) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is over {BODY_LIMIT} bytes or was cut off"),
        )
        .into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

impl Shared {
    /// Appends a request to the log; returns its index and request id.
    fn record(&self, parts: &Parts, body: &[u8]) -> (usize, String) {
        let mut log = lock(&self.log);
        let request_id = self.ids.request_id(log.next_seq());
        let seq = log.push(RecordedRequest {
            request_id: request_id.clone(),
            operation: None,
            method: parts.method.to_string(),
            path: parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect(),
            body: body.to_vec(),
            received_at: std::time::Instant::now(),
        });
        (seq, request_id)
    }

    /// The steps every routed request takes before its operation runs:
    /// note the operation, apply the first queued fault that applies, then
    /// check the bearer key. `Err` is the answer to send instead.
    async fn admit(
        &self,
        operation: Option<Operation>,
        meta: &RequestMeta,
        headers: &HeaderMap,
    ) -> Result<(), Response> {
        lock(&self.log).set_operation(meta.seq, operation);
        let fault = {
            let mut faults = lock(&self.faults);
            let index = faults.iter().position(|f| f.applies_to(operation));
            index.and_then(|i| faults.remove(i))
        };
        if let Some(fault) = fault {
            apply_fault(fault, meta).await?;
        }
        self.authorize(headers).map_err(Response::from)
    }

    /// 401 unless the request carries `Authorization: Bearer <api key>`.
    fn authorize(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "missing Authorization header; send `Authorization: Bearer <API key>`",
            ));
        };
        let key = value.to_str().ok().and_then(|value| {
            let (scheme, key) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
        });
        match key {
            Some(key) if key == self.api_key => Ok(()),
            Some(_) => Err(ApiError::unauthorized("invalid API key")),
            None => Err(ApiError::unauthorized(
                "malformed Authorization header; expected `Bearer <API key>`",
            )),
        }
    }
}

/// Waits the fault's delay, then answers as it says (`Ok`: serve normally).
async fn apply_fault(fault: Fault, meta: &RequestMeta) -> Result<(), Response> {
    if !fault.delay.is_zero() {
        tokio::time::sleep(fault.delay).await;
    }
    let (status, mut response) = match &fault.action {
        FaultAction::Proceed => return Ok(()),
        FaultAction::Json { status, body } => (*status, json_response(StatusCode::OK, body)),
        FaultAction::Html { status, html } => {
            let mut response = Response::new(Body::from(html.clone()));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            (*status, response)
        }
        FaultAction::Close => {
            if let Some(kill) = &meta.kill {
                kill.0.notify_one();
                // The connection task drops this request with its connection.
                std::future::pending::<()>().await;
            }
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "injected_fault",
                "close-connection fault on a connection the server cannot close",
            )
            .into());
        }
    };
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in fault.headers() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    Err(response)
}

/// The decoded `{chat_id}`, or 400 if it is not UTF-8 once percent-decoded.
fn chat_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id).map_err(|rejection| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            format!("chat_id: {}", rejection.body_text()),
        )
    })
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

/// What every handler needs, taken from the request by the pipeline.
struct Call {
    shared: Arc<Shared>,
    meta: RequestMeta,
    headers: HeaderMap,
    method: Method,
    path: String,
}

impl FromRequestParts<Arc<Shared>> for Call {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        // `track` sets it on every request before routing.
        let meta = parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .ok_or_else(|| {
                Response::from(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "request bypassed the server's pipeline",
                ))
            })?;
        Ok(Call {
            shared: shared.clone(),
            meta,
            headers: parts.headers.clone(),
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
        })
    }
}

impl Call {
    /// Runs an operation: faults and auth, the chat id, the JSON body, then
    /// `apply` on the store; answers 200 with the chat it returns.
    async fn operation<B: DeserializeOwned + schemars::JsonSchema>(
        self,
        operation: Operation,
        path: Result<Path<String>, PathRejection>,
        apply: impl FnOnce(&Shared, &mut Store, &str, B) -> Result<Chat, ApiError>,
    ) -> Response {
        let result = async {
            self.shared
                .admit(Some(operation), &self.meta, &self.headers)
                .await?;
            let chat_id = chat_id(path)?;
            require_json(&self.headers)?;
            let body = decode(&self.meta.body)?;
            let chat = apply(&self.shared, &mut lock(&self.shared.store), &chat_id, body)?;
            Ok::<_, Response>(chat)
        };
        match result.await {
            Ok(chat) => json_response(StatusCode::OK, &chat),
            Err(response) => response,
        }
    }

    /// Answers a request that matched no operation with `error`, once faults
    /// and auth have had their say.
    async fn refuse(self, error: ApiError) -> Response {
        match self.shared.admit(None, &self.meta, &self.headers).await {
            Ok(()) => error.into_response(),
            Err(response) => response,
        }
    }
}

async fn update_chat_state(call: Call, path: Result<Path<String>, PathRejection>) -> Response {
    call.operation(
        Operation::UpdateChatState,
        path,
        |_, store, chat_id, body: UpdateChatStateRequest| {
            store.update_state(chat_id, body, Utc::now())
        },
    )
    .await
}

async fn fork_chat(call: Call, path: Result<Path<String>, PathRejection>) -> Response {
    call.operation(
        Operation::ForkChat,
        path,
        |shared, store, chat_id, body: ForkChatRequest| {
            store.fork(chat_id, body, &shared.caller, &shared.ids, Utc::now())
        },
    )
    .await
}

/// An operation of the spec this server has no handler for, answered with
/// the example its spec gives (or the smallest value its schema accepts),
/// after faults and auth as usual; `None` when the request is no operation
/// of the spec.
async fn spec_example(call: Call) -> Result<Response, Call> {
    let example = invent_sdk::operations::OPERATIONS
        .iter()
        .find(|op| op.method == call.method.as_str() && op.match_path(&call.path).is_some())
        .and_then(|op| op.response_example);
    let Some(example) = example else {
        return Err(call);
    };
    if let Err(response) = call.shared.admit(None, &call.meta, &call.headers).await {
        return Ok(response);
    }
    let mut response = Response::new(Body::from(example));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// 404 for a path that is no operation's.
async fn no_route(call: Call) -> Response {
    let call = match spec_example(call).await {
        Ok(response) => return response,
        Err(call) => call,
    };
    let error = ApiError::not_found(format!("no route for {} {}", call.method, call.path));
    call.refuse(error).await
}

/// 405 for a known path with another method.
async fn wrong_method(call: Call) -> Response {
    let call = match spec_example(call).await {
        Ok(response) => return response,
        Err(call) => call,
    };
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", call.method, call.path),
    );
    call.refuse(error).await
}
