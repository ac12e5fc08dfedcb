//! Tracing spans after OpenTelemetry's HTTP client conventions: one INFO
//! span per call, named by the operationId (`update_chat_state`), with
//! `http.request.method`, `url.template`, `server.address`, `server.port`,
//! and once the call ends `http.response.status_code`,
//! `http.request.resend_count` (when retried), `error.type` and
//! `invent.request_id`; beneath it one INFO span per attempt, `attempt`,
//! with the same response fields for that attempt. Never the key, a header
//! value or a body.
//!
//! A span's name is part of its callsite's static metadata, so a name known
//! only at run time (the operation's) needs a callsite per operation: one is
//! made and registered with tracing the first time a call of that operation
//! is traced, kept in the operation's own static (so operations of any crate
//! of generated code get theirs), for the life of the process (like the
//! `static` a `tracing` macro would have made). When no subscriber wants
//! INFO, nothing here runs beyond tracing's own level check.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use tracing::field::{display, Empty};
use tracing::{Level, Metadata, Span};
use tracing_core::callsite::Callsite;
use tracing_core::field::FieldSet;
use tracing_core::metadata::Kind;
use tracing_core::subscriber::Interest;

use crate::error::{self, Error};
use crate::operation::Operation;

/// The call span's fields, in this order (see the module doc).
const CALL_FIELDS: &[&str] = &[
    "http.request.method",
    "url.template",
    "server.address",
    "server.port",
    "http.response.status_code",
    "http.request.resend_count",
    "error.type",
    "invent.request_id",
];

/// The callsite of one operation's call spans.
struct OperationCallsite {
    /// Set once, right after the callsite has its `'static` address (the
    /// metadata names the callsite, so it cannot exist before it).
    metadata: OnceLock<Metadata<'static>>,
    interest: AtomicU8,
}

const NEVER: u8 = 0;
const SOMETIMES: u8 = 1;
const ALWAYS: u8 = 2;

impl Callsite for OperationCallsite {
    fn set_interest(&self, interest: Interest) {
        let value = if interest.is_never() {
            NEVER
        } else if interest.is_always() {
            ALWAYS
        } else {
            SOMETIMES
        };
        self.interest.store(value, Ordering::Relaxed);
    }

    fn metadata(&self) -> &Metadata<'_> {
        // Always set before the callsite is registered, so before tracing
        // can ask; the placeholder only keeps this total.
        self.metadata.get().unwrap_or(&PLACEHOLDER)
    }
}

static PLACEHOLDER_CALLSITE: tracing_core::callsite::DefaultCallsite =
    tracing_core::callsite::DefaultCallsite::new(&PLACEHOLDER);
static PLACEHOLDER: Metadata<'static> = Metadata::new(
    "invent_sdk call",
    "invent_sdk",
    Level::INFO,
    None,
    None,
    None,
    FieldSet::new(
        CALL_FIELDS,
        tracing_core::identify_callsite!(&PLACEHOLDER_CALLSITE),
    ),
    Kind::SPAN,
);

/// The callsite of one operation's call spans, made and registered the
/// first time a call of it is traced, then kept for the life of the process
/// (like the `static` a `tracing` macro would have made).
pub(crate) struct CallsiteCell(OnceLock<&'static OperationCallsite>);

impl CallsiteCell {
    pub(crate) const fn new() -> Self {
        CallsiteCell(OnceLock::new())
    }
}

impl std::fmt::Debug for CallsiteCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "registered"
        } else {
            "not yet"
        })
    }
}

/// `op`'s callsite, made and registered on first use.
fn callsite(op: &'static Operation) -> &'static OperationCallsite {
    op.call_callsite.0.get_or_init(|| {
        let callsite: &'static OperationCallsite = Box::leak(Box::new(OperationCallsite {
            metadata: OnceLock::new(),
            interest: AtomicU8::new(SOMETIMES),
        }));
        let _ = callsite.metadata.set(Metadata::new(
            op.id,
            "invent_sdk",
            Level::INFO,
            Some(file!()),
            Some(line!()),
            Some(module_path!()),
            FieldSet::new(CALL_FIELDS, tracing_core::identify_callsite!(callsite)),
            Kind::SPAN,
        ));
        tracing_core::callsite::register(callsite);
        callsite
    })
}

/// Where requests go, for the spans' `server.*` fields.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) address: String,
    pub(crate) port: u16,
}

impl Server {
    pub(crate) fn of(url: &reqwest::Url) -> Server {
        Server {
            address: url.host_str().unwrap_or_default().to_owned(),
            port: url.port_or_known_default().unwrap_or_default(),
        }
    }
}

/// The span of one call of `op`, or a disabled span when no subscriber
/// wants it.
pub(crate) fn call_span(op: &'static Operation, server: &Server) -> Span {
    if !tracing::level_enabled!(Level::INFO) {
        return Span::none();
    }
    let callsite = callsite(op);
    let meta: &'static Metadata<'static> = match callsite.metadata.get() {
        Some(meta) => meta,
        None => return Span::none(),
    };
    let interest = callsite.interest.load(Ordering::Relaxed);
    if interest == NEVER
        || (interest == SOMETIMES && !tracing::dispatcher::get_default(|d| d.enabled(meta)))
    {
        return Span::none();
    }
    let fields = meta.fields();
    let mut names = fields.iter();
    let (Some(method), Some(template), Some(address), Some(port)) =
        (names.next(), names.next(), names.next(), names.next())
    else {
        return Span::none();
    };
    let values: [(&tracing::field::Field, Option<&dyn tracing::Value>); 4] = [
        (&method, Some(&op.method)),
        (&template, Some(&op.path)),
        (&address, Some(&server.address.as_str())),
        (&port, Some(&server.port)),
    ];
    Span::new(meta, &fields.value_set(&values))
}

/// The span of attempt number `attempt` (1-based), inside the call's span.
pub(crate) fn attempt_span(attempt: u32) -> Span {
    let span = tracing::info_span!(
        "attempt",
        attempt,
        "http.request.resend_count" = Empty,
        "http.response.status_code" = Empty,
        "error.type" = Empty,
        "invent.request_id" = Empty,
    );
    if attempt > 1 && !span.is_disabled() {
        span.record("http.request.resend_count", attempt - 1);
    }
    span
}

/// Records a response on a call or attempt span.
pub(crate) fn record_response(span: &Span, status: StatusCode, headers: &HeaderMap) {
    if span.is_disabled() {
        return;
    }
    span.record("http.response.status_code", status.as_u16());
    if status.is_client_error() || status.is_server_error() {
        span.record("error.type", display(status.as_u16()));
    }
    if let Some(id) = error::request_id_str(headers) {
        span.record("invent.request_id", id);
    }
}

/// Records how a call ended on its span.
pub(crate) fn record_outcome<T>(span: &Span, outcome: &Result<crate::ApiResponse<T>, Error>) {
    if span.is_disabled() {
        return;
    }
    let attempts = match outcome {
        Ok(response) => {
            record_response(span, response.status(), response.headers());
            Some(response.attempts())
        }
        Err(e) => {
            if let Some(status) = e.status() {
                span.record("http.response.status_code", status.as_u16());
            }
            if let Some(id) = e.request_id() {
                span.record("invent.request_id", id);
            }
            match e {
                Error::Api(api) => span.record("error.type", display(api.status().as_u16())),
                other => span.record("error.type", error_type(other)),
            };
            e.attempts()
        }
    };
    if let Some(resends) = attempts.and_then(|n| n.checked_sub(1)).filter(|&n| n > 0) {
        span.record("http.request.resend_count", resends);
    }
}

/// OpenTelemetry's `error.type` for an error without an error status: a
/// short, fixed name of what failed (an error status is its own code).
pub(crate) fn error_type(error: &Error) -> &'static str {
    match error {
        Error::Api(_) => "api",
        Error::Config { .. } => "config",
        Error::InvalidInput { .. } => "invalid_input",
        Error::Timeout { source, .. } | Error::Connection { source, .. } => {
            transport_error_type(source)
        }
        Error::Decode(_) => "decode",
        Error::ResponseTooLarge { .. } => "response_too_large",
        #[cfg(feature = "middleware")]
        Error::Middleware { .. } => "middleware",
    }
}

/// `error.type` of a failure without a response (as the error it becomes:
/// [`Error::Timeout`] or [`Error::Connection`]).
pub(crate) fn transport_error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else {
        "connection"
    }
}
