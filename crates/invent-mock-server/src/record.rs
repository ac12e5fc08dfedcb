//! What the server saw: [`RecordedRequest`] and [`RequestCounts`], for tests
//! that assert on the requests a client sent.

use crate::fault::Operation;

/// A request as the server received it, recorded before anything else
/// (faults, authentication, routing) looks at it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    /// The `x-request-id` the server answered with.
    pub request_id: String,
    /// The operation the request was routed to; `None` for a request that
    /// matched no operation (unknown path or method, or an unreadable body).
    pub operation: Option<Operation>,
    /// The method, e.g. `PATCH`.
    pub method: String,
    /// The path and query exactly as received, percent-encoding kept
    /// (e.g. `/chats/a%2Fb/state`).
    pub path: String,
    /// The headers in order, names lowercase; values that are not UTF-8 are
    /// converted lossily.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// How many requests a server received, per operation.
///
/// Every request counts once, whatever its answer (success, error, injected
/// fault or closed connection).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// Requests routed to `PATCH /chats/{chat_id}/state`.
    pub update_chat_state: usize,
    /// Requests routed to `POST /chats/{chat_id}/fork`.
    pub fork_chat: usize,
    /// Requests that matched no operation.
    pub other: usize,
}

impl RequestCounts {
    /// All requests.
    pub fn total(&self) -> usize {
        self.update_chat_state + self.fork_chat + self.other
    }

    /// Requests routed to `operation`.
    pub fn of(&self, operation: Operation) -> usize {
        match operation {
            Operation::UpdateChatState => self.update_chat_state,
            Operation::ForkChat => self.fork_chat,
        }
    }

    /// Counts a log of requests.
    pub(crate) fn count(requests: &[RecordedRequest]) -> RequestCounts {
        let mut counts = RequestCounts::default();
        for request in requests {
            match request.operation {
                Some(Operation::UpdateChatState) => counts.update_chat_state += 1,
                Some(Operation::ForkChat) => counts.fork_chat += 1,
                None => counts.other += 1,
            }
        }
        counts
    }
}
