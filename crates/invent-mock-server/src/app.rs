//! The HTTP application: the request pipeline (record, route, fault,
//! authenticate) and routing by the spec's operations
//! ([`OPERATIONS`]): an operation with a behaviour of its own runs it
//! (`behaviour.rs`), any other answers with its example.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use invent_sdk::operations::OPERATIONS;
use invent_sdk::types::MemberUser;
use invent_sdk::Operation;
use tokio::sync::Notify;

use crate::behaviour::{self, Input};
use crate::error::{json_response, ApiError};
use crate::fault::{Fault, FaultAction};
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

/// The application for one server: every request goes through `track`,
/// then `serve`, which routes it by the spec (no axum route per operation).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(serve)
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
        operation: Option<&'static Operation>,
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
    /// Answers a request that matched no operation with `error`, once faults
    /// and auth have had their say.
    async fn refuse(self, error: impl IntoResponse) -> Response {
        match self.shared.admit(None, &self.meta, &self.headers).await {
            Ok(()) => error.into_response(),
            Err(response) => response,
        }
    }
}

/// Where a request goes, by the spec's operations.
#[derive(Debug)]
enum Route {
    /// The operation for the method and path, with its path parameters'
    /// values (decoded, in path order).
    Operation(&'static Operation, Vec<String>),
    /// The path is an operation's, the method none's: these methods are.
    WrongMethod(Vec<&'static str>),
    /// No operation has this path.
    Nowhere,
}

/// Routes `method` and `path` (percent-encoded, no query) by the templates
/// of [`OPERATIONS`]. Where two templates match, the one with fewer
/// parameters wins (a literal segment beats a parameter, as OpenAPI says).
fn route(method: &Method, path: &str) -> Route {
    let mut best: Option<(&'static Operation, Vec<String>)> = None;
    let mut allowed = Vec::new();
    for &operation in OPERATIONS {
        let Some(values) = operation.match_path(path) else {
            continue;
        };
        if operation.method != method.as_str() {
            if !allowed.contains(&operation.method) {
                allowed.push(operation.method);
            }
        } else if best.as_ref().is_none_or(|(_, v)| values.len() < v.len()) {
            best = Some((operation, values));
        }
    }
    match best {
        Some((operation, values)) => Route::Operation(operation, values),
        None if allowed.is_empty() => Route::Nowhere,
        None => Route::WrongMethod(allowed),
    }
}

/// Every request: routed by the spec, then (after faults and auth) run by
/// its operation's behaviour or answered with its example.
async fn serve(call: Call) -> Response {
    let (operation, path_params) = match route(&call.method, &call.path) {
        Route::Operation(operation, values) => (operation, values),
        Route::WrongMethod(allowed) => {
            let error = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{} is not allowed on {}", call.method, call.path),
            );
            let allow = HeaderValue::from_str(&allowed.join(", "));
            let mut response = error.into_response();
            if let Ok(allow) = allow {
                response.headers_mut().insert(header::ALLOW, allow);
            }
            return call.refuse(response).await;
        }
        Route::Nowhere => {
            let error = ApiError::not_found(format!("no route for {} {}", call.method, call.path));
            return call.refuse(error).await;
        }
    };
    if let Err(response) = call
        .shared
        .admit(Some(operation), &call.meta, &call.headers)
        .await
    {
        return response;
    }
    let Some(behaviour) = behaviour::find(operation) else {
        return spec_example(operation);
    };
    let input = Input {
        operation,
        path_params: &path_params,
        headers: &call.headers,
        body: &call.meta.body,
    };
    behaviour(&call.shared, &input).unwrap_or_else(IntoResponse::into_response)
}

/// The answer of an operation this server has no behaviour for: 200 with
/// the example its spec gives (or the smallest value its schema accepts),
/// or 204 when its success response has no JSON body.
fn spec_example(operation: &Operation) -> Response {
    let Some(example) = operation.response_example else {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        return response;
    };
    let mut response = Response::new(Body::from(example));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path for `operation` with `value` as every parameter.
    fn path_of(operation: &Operation, value: &str) -> String {
        operation
            .path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    value
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn every_operation_of_the_spec_is_routed() {
        for &operation in OPERATIONS {
            let method = Method::from_bytes(operation.method.as_bytes()).expect("a method");
            let path = path_of(operation, "a%2Fb");
            let Route::Operation(routed, values) = route(&method, &path) else {
                panic!("{} {path} is not routed", operation.method);
            };
            assert_eq!(routed.id, operation.id);
            assert_eq!(values.len(), operation.path_params.len());
            assert!(values.iter().all(|v| v == "a/b"), "{values:?}");
        }
    }

    #[test]
    fn other_methods_and_paths_are_not() {
        let operation = OPERATIONS[0];
        let path = path_of(operation, "x");
        // TRACE is no operation's method in this API.
        let Route::WrongMethod(allowed) = route(&Method::TRACE, &path) else {
            panic!("TRACE {path} was routed");
        };
        assert!(allowed.contains(&operation.method), "{allowed:?}");
        assert!(matches!(
            route(&Method::GET, "/no/such/path/at/all"),
            Route::Nowhere
        ));
        // An empty parameter is no value: the path is no operation's.
        if !operation.path_params.is_empty() {
            let empty = path_of(operation, "");
            assert!(matches!(route(&Method::TRACE, &empty), Route::Nowhere));
        }
    }
}
