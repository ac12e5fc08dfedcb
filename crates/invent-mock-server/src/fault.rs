//! [`Fault`]: a canned failure the server answers a request with instead of
//! running the operation, for any operation or one of the spec's.

use std::time::Duration;

use axum::http::StatusCode;
use invent_sdk::types::ErrorBody;
use invent_sdk::Operation;

use crate::error::error_body;

/// A failure the server answers one request with, instead of running it.
///
/// Faults wait in a queue (per server, first in first out); each request
/// takes the first fault that applies to it (see [`Fault::only_for`]) and
/// requests that find none are served normally. A fault is applied before
/// authentication, like a proxy or rate limiter in front of the API would,
/// and every response it produces carries an `x-request-id`.
///
/// ```
/// use std::time::Duration;
/// use invent_mock_server::Fault;
/// use invent_sdk::operations::FORK_CHAT;
///
/// let faults = [
///     Fault::status(503),                                     // JSON `Error` body
///     Fault::rate_limited(1),                                 // 429 + `Retry-After: 1`
///     Fault::html(502, "<html><body>Bad gateway</body></html>"),
///     Fault::delay(Duration::from_millis(200)),               // then served normally
///     Fault::close_connection().only_for(&FORK_CHAT),
/// ];
/// # let _ = faults;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub(crate) action: FaultAction,
    pub(crate) delay: Duration,
    /// The `operationId` of [`Fault::only_for`].
    only_for: Option<&'static str>,
    headers: Vec<(String, String)>,
}

/// What a fault answers with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FaultAction {
    /// Serve the request normally (after the fault's delay).
    Proceed,
    /// A status with a JSON `Error` body.
    Json { status: u16, body: ErrorBody },
    /// A status with an HTML body.
    Html { status: u16, html: String },
    /// Close the connection without answering.
    Close,
}

impl Fault {
    fn new(action: FaultAction) -> Fault {
        Fault {
            action,
            delay: Duration::ZERO,
            only_for: None,
            headers: Vec::new(),
        }
    }

    /// Answers with `status` and an `Error` body
    /// `{"message": "injected fault: 503 Service Unavailable", "code": "injected_fault"}`.
    ///
    /// A number that is not an HTTP status (outside `100..=999`) is answered as 500.
    pub fn status(status: u16) -> Fault {
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("error");
        Fault::new(FaultAction::Json {
            status,
            body: error_body(
                format!("injected fault: {status} {reason}"),
                "injected_fault",
            ),
        })
    }

    /// Answers 429 with `Retry-After: <seconds>` and an `Error` body with code
    /// `rate_limited`.
    pub fn rate_limited(retry_after_seconds: u64) -> Fault {
        Fault::new(FaultAction::Json {
            status: 429,
            body: error_body("rate limit exceeded (injected fault)", "rate_limited"),
        })
        .with_header("retry-after", retry_after_seconds.to_string())
    }

    /// Answers with `status` and `html` as a `text/html` body, like a proxy's
    /// error page.
    pub fn html(status: u16, html: impl Into<String>) -> Fault {
        Fault::new(FaultAction::Html {
            status,
            html: html.into(),
        })
    }

    /// Closes the connection without sending a response.
    pub fn close_connection() -> Fault {
        Fault::new(FaultAction::Close)
    }

    /// Waits `delay`, then serves the request normally.
    pub fn delay(delay: Duration) -> Fault {
        Fault::new(FaultAction::Proceed).with_delay(delay)
    }

    /// Waits `delay` before acting (answering, closing or serving normally).
    pub fn with_delay(mut self, delay: Duration) -> Fault {
        self.delay = delay;
        self
    }

    /// Adds a response header, for the status and HTML faults. Names or values
    /// that are not valid HTTP are left out of the response.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Fault {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the `Error` body of a status fault; other faults are unchanged.
    pub fn with_error(mut self, error: ErrorBody) -> Fault {
        if let FaultAction::Json { body, .. } = &mut self.action {
            *body = error;
        }
        self
    }

    /// Applies the fault only to requests routed to `operation` (one of
    /// [`invent_sdk::operations::OPERATIONS`], e.g.
    /// `&invent_sdk::operations::FORK_CHAT`, or
    /// [`Operation::find`]`("fork_chat")` for an id known at run time);
    /// requests for other operations, or matching none, pass it by and leave
    /// it queued.
    pub fn only_for(mut self, operation: &Operation) -> Fault {
        self.only_for = Some(operation.id);
        self
    }

    /// Whether this fault applies to a request routed to `operation` (`None`:
    /// a request that matched no operation).
    pub(crate) fn applies_to(&self, operation: Option<&Operation>) -> bool {
        match self.only_for {
            None => true,
            Some(id) => operation.is_some_and(|op| op.id == id),
        }
    }

    /// The extra response headers.
    pub(crate) fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_faults_name_the_status() {
        let FaultAction::Json { status, body } = Fault::status(503).action else {
            panic!("not a JSON fault");
        };
        assert_eq!(status, 503);
        assert_eq!(
            body.message.as_deref(),
            Some("injected fault: 503 Service Unavailable")
        );
        assert_eq!(body.code.as_deref(), Some("injected_fault"));
    }

    #[test]
    fn rate_limit_carries_retry_after() {
        let fault = Fault::rate_limited(7);
        assert_eq!(
            fault.headers(),
            [("retry-after".to_owned(), "7".to_owned())]
        );
        assert!(matches!(
            fault.action,
            FaultAction::Json { status: 429, .. }
        ));
    }

    #[test]
    fn operation_filter() {
        use invent_sdk::operations::OPERATIONS;

        let any = Fault::status(500);
        assert!(any.applies_to(None));
        for &op in OPERATIONS {
            assert!(any.applies_to(Some(op)), "{}", op.id);
            let only = Fault::status(500).only_for(op);
            assert!(only.applies_to(Some(op)), "{}", op.id);
            assert!(!only.applies_to(None), "{}", op.id);
            for &other in OPERATIONS.iter().filter(|other| other.id != op.id) {
                assert!(!only.applies_to(Some(other)), "{} on {}", op.id, other.id);
            }
        }
    }
}
