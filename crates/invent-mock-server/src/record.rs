//! What the server saw: [`RecordedRequest`] and [`RequestCounts`], for tests
//! that assert on the requests a client sent.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use invent_sdk::operations::OPERATIONS;
use invent_sdk::Operation;

/// How many requests a server keeps by default
/// ([`MockServerBuilder::max_recorded_requests`](crate::MockServerBuilder::max_recorded_requests)).
pub const DEFAULT_MAX_RECORDED_REQUESTS: usize = 10_000;

/// A request as the server received it, recorded before anything else
/// (faults, authentication, routing) looks at it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The `x-request-id` the server answered with.
    pub request_id: String,
    /// The operation of the spec the request was routed to (by its method
    /// and path); `None` for a request that matched no operation (unknown
    /// path or method, or a body over the size limit).
    pub operation: Option<&'static Operation>,
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
    /// When the server received it (its body read), on the monotonic clock:
    /// for tests of request rates and spacing.
    pub received_at: Instant,
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

    /// The `operationId` of [`operation`](Self::operation).
    pub fn operation_id(&self) -> Option<&'static str> {
        self.operation.map(|op| op.id)
    }
}

/// How many requests a server received, per operation of the spec
/// ([`invent_sdk::operations::OPERATIONS`]), and how many matched none.
///
/// Every request counts once, whatever its answer (success, error, injected
/// fault or closed connection).
///
/// ```
/// use invent_mock_server::RequestCounts;
/// use invent_sdk::operations::FORK_CHAT;
///
/// let counts = RequestCounts::default(); // what a new server reports
/// assert_eq!(counts.of(&FORK_CHAT), 0);
/// assert_eq!(counts.get("fork_chat"), Some(0));
/// assert_eq!(counts.get("no_such_operation"), None); // not in the spec
/// assert_eq!((counts.other(), counts.total()), (0, 0));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RequestCounts {
    /// One count per operation, in the order of `OPERATIONS`.
    per_operation: Vec<usize>,
    other: usize,
}

impl Default for RequestCounts {
    /// No requests: every operation at 0.
    fn default() -> Self {
        RequestCounts {
            per_operation: vec![0; OPERATIONS.len()],
            other: 0,
        }
    }
}

/// The position of the operation named `id` in `OPERATIONS`.
fn index_of(id: &str) -> Option<usize> {
    OPERATIONS.iter().position(|op| op.id == id)
}

impl RequestCounts {
    /// Requests routed to `operation`, e.g. `&invent_sdk::operations::FORK_CHAT`.
    pub fn of(&self, operation: &Operation) -> usize {
        self.get(operation.id).unwrap_or(0)
    }

    /// Requests routed to the operation whose `operationId` is
    /// `operation_id`; `None` if the spec has no such operation (so a typo
    /// fails an assertion instead of reading as 0).
    pub fn get(&self, operation_id: &str) -> Option<usize> {
        index_of(operation_id).and_then(|i| self.per_operation.get(i).copied())
    }

    /// Requests that matched no operation.
    pub fn other(&self) -> usize {
        self.other
    }

    /// All requests.
    pub fn total(&self) -> usize {
        self.per_operation.iter().sum::<usize>() + self.other
    }

    /// Every operation of the spec with its count, in spec order (those with
    /// no requests included).
    pub fn iter(&self) -> impl Iterator<Item = (&'static Operation, usize)> + '_ {
        OPERATIONS
            .iter()
            .copied()
            .zip(self.per_operation.iter().copied())
    }

    fn slot(&mut self, operation: Option<&Operation>) -> &mut usize {
        // An operation from outside `OPERATIONS` cannot be routed to; were
        // one passed, it counts as none rather than panicking.
        let index = operation.and_then(|op| index_of(op.id));
        match index.and_then(|i| self.per_operation.get_mut(i)) {
            Some(slot) => slot,
            None => &mut self.other,
        }
    }
}

impl fmt::Debug for RequestCounts {
    /// `{"update_chat_state": 2, "fork_chat": 1, "other": 0}`: by operation
    /// id, so a failed assertion reads without a look-up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(op, count)| (op.id, count)))
            .entry(&"other", &self.other)
            .finish()
    }
}

/// The requests a server has seen: the newest `capacity` in full, and exact
/// counts of all of them. Bounded, so that a long-running server (the binary,
/// or a load test) does not grow without limit.
#[derive(Debug)]
pub(crate) struct RequestLog {
    kept: VecDeque<RecordedRequest>,
    /// The sequence number of `kept[0]`.
    first_kept: usize,
    /// The sequence number the next request gets.
    next: usize,
    counts: RequestCounts,
    capacity: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> RequestLog {
        RequestLog {
            // Grows as needed: most servers see a handful of requests.
            kept: VecDeque::new(),
            first_kept: 0,
            next: 0,
            counts: RequestCounts::default(),
            capacity,
        }
    }

    /// The sequence number the next [`push`](Self::push) returns.
    pub(crate) fn next_seq(&self) -> usize {
        self.next
    }

    /// Records a request, dropping the oldest kept one when full; returns the
    /// request's sequence number.
    pub(crate) fn push(&mut self, request: RecordedRequest) -> usize {
        let seq = self.next;
        self.next += 1;
        *self.counts.slot(request.operation) += 1;
        if self.capacity == 0 {
            self.first_kept = self.next;
            return seq;
        }
        if self.kept.len() == self.capacity {
            self.kept.pop_front();
            self.first_kept += 1;
        }
        self.kept.push_back(request);
        seq
    }

    /// Notes which operation request `seq` was routed to. Counts stay exact
    /// even if the request itself is no longer kept (it was recorded with no
    /// operation, and this is called once per request).
    pub(crate) fn set_operation(&mut self, seq: usize, operation: Option<&'static Operation>) {
        let before = match seq
            .checked_sub(self.first_kept)
            .and_then(|i| self.kept.get_mut(i))
        {
            Some(entry) => std::mem::replace(&mut entry.operation, operation),
            None => None,
        };
        *self.counts.slot(before) -= 1;
        *self.counts.slot(operation) += 1;
    }

    pub(crate) fn counts(&self) -> RequestCounts {
        self.counts.clone()
    }

    /// The most kept requests received within any window of length `window`
    /// (from a request's arrival, the window's end excluded).
    pub(crate) fn max_in_window(&self, window: Duration) -> usize {
        let mut times: Vec<Instant> = self.kept.iter().map(|r| r.received_at).collect();
        times.sort_unstable();
        let mut best = 0;
        let mut end = 0;
        for (start, &from) in times.iter().enumerate() {
            while end < times.len() && times[end].duration_since(from) < window {
                end += 1;
            }
            best = best.max(end - start);
        }
        best
    }

    pub(crate) fn kept(&self) -> Vec<RecordedRequest> {
        self.kept.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            request_id: String::new(),
            operation: None,
            method: "PATCH".to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
            received_at: Instant::now(),
        }
    }

    #[test]
    fn keeps_the_newest_and_counts_all() {
        let first = OPERATIONS[0];
        let last = OPERATIONS[OPERATIONS.len() - 1];
        let mut log = RequestLog::new(2);
        for (i, op) in [Some(first), Some(last), None, Some(last)]
            .into_iter()
            .enumerate()
        {
            let seq = log.push(request(&format!("/{i}")));
            assert_eq!(seq, i);
            log.set_operation(seq, op);
        }
        let kept: Vec<_> = log.kept().into_iter().map(|r| r.path).collect();
        assert_eq!(kept, ["/2", "/3"]);
        let counts = log.counts();
        assert_eq!(counts.total(), 4);
        assert_eq!(counts.other(), 1);
        if first.id == last.id {
            assert_eq!(counts.of(first), 3);
        } else {
            assert_eq!((counts.of(first), counts.of(last)), (1, 2));
        }
    }

    #[test]
    fn an_operation_set_after_eviction_still_counts() {
        let op = OPERATIONS[0];
        let mut log = RequestLog::new(1);
        let first = log.push(request("/a"));
        let second = log.push(request("/b"));
        log.set_operation(first, Some(op));
        log.set_operation(second, None);
        assert_eq!(log.counts().of(op), 1);
        assert_eq!(log.counts().other(), 1);
        assert_eq!(log.kept()[0].operation_id(), None);
    }

    #[test]
    fn counts_cover_every_operation_of_the_spec() {
        let mut log = RequestLog::new(0);
        for (i, &op) in OPERATIONS.iter().enumerate() {
            for _ in 0..=i {
                let seq = log.push(request("/"));
                log.set_operation(seq, Some(op));
            }
        }
        let counts = log.counts();
        for (i, &op) in OPERATIONS.iter().enumerate() {
            assert_eq!(counts.of(op), i + 1, "{}", op.id);
            assert_eq!(counts.get(op.id), Some(i + 1), "{}", op.id);
        }
        let listed: Vec<_> = counts.iter().map(|(op, n)| (op.id, n)).collect();
        let expected: Vec<_> = OPERATIONS
            .iter()
            .zip(1..)
            .map(|(op, n)| (op.id, n))
            .collect();
        assert_eq!(listed, expected);
        assert_eq!(counts.get("not an operation"), None);
        assert_eq!(counts.total(), (1..=OPERATIONS.len()).sum::<usize>());
        assert_ne!(counts, RequestCounts::default());
    }

    #[test]
    fn debug_names_the_operations() {
        let text = format!("{:?}", RequestCounts::default());
        for op in OPERATIONS {
            assert!(text.contains(&format!("{:?}: 0", op.id)), "{text}");
        }
        assert!(text.ends_with("\"other\": 0}"), "{text}");
    }

    #[test]
    fn the_busiest_window_is_found() {
        let mut log = RequestLog::new(10);
        let start = Instant::now();
        for millis in [0, 10, 20, 100, 105, 110, 115, 300] {
            let mut r = request("/");
            r.received_at = start + Duration::from_millis(millis);
            log.push(r);
        }
        assert_eq!(log.max_in_window(Duration::from_millis(20)), 4); // 100..=115
        assert_eq!(log.max_in_window(Duration::from_millis(10)), 2); // end excluded
        assert_eq!(log.max_in_window(Duration::from_secs(1)), 8);
        assert_eq!(RequestLog::new(3).max_in_window(Duration::from_secs(1)), 0);
    }

    #[test]
    fn capacity_zero_keeps_nothing_but_counts() {
        let mut log = RequestLog::new(0);
        let seq = log.push(request("/a"));
        log.set_operation(seq, None);
        assert!(log.kept().is_empty());
        assert_eq!(log.counts().total(), 1);
        assert_eq!(log.next_seq(), 1);
    }
}
