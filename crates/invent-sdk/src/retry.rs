//! When to try a request again, and how long to wait first.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::operation::Operation;

/// Retry settings: exponential backoff with full jitter, honouring `Retry-After`.
///
/// The wait before retry `n` (1-based) is a random duration in
/// `0..=min(max_backoff, initial_backoff * 2^(n-1))`, unless the server sent
/// `Retry-After` (seconds or an HTTP date): then that, if it is at most
/// `max_retry_after`; a longer `Retry-After` ends the retries and is reported
/// in [`ApiError::retry_after`](crate::ApiError::retry_after).
///
/// Which failures are retried depends on whether the operation is idempotent;
/// see [`Client`](crate::Client#retries). Add statuses to the built-in ones
/// (408, 429, 500, 502, 503, 504) with [`with_retry_statuses`](Self::with_retry_statuses),
/// or decide from the response with [`with_retry_if`](Self::with_retry_if).
/// Neither can make an operation that is not idempotent (`fork_chat`) be
/// sent again after the server may have acted on it (a 5xx or 408, see
/// [`Error::server_may_have_acted`](crate::Error::server_may_have_acted)):
/// only the call itself can opt in, with `retry_when_server_may_have_acted`.
///
/// Start from [`RetryPolicy::default`] or [`RetryPolicy::none`] and change
/// what you need; the fields are private so that a setting can be added
/// without breaking your code.
///
/// ```
/// use std::time::Duration;
/// use invent_sdk::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_retries(4)
///     .with_initial_backoff(Duration::from_millis(200));
/// assert_eq!(policy.max_retries(), 4);
/// assert_eq!(policy.max_backoff(), Duration::from_secs(8));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    // pub(crate): the client and the transport read them directly.
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
    retry_statuses: Vec<StatusCode>,
    retry_if: Option<RetryIf>,
}

/// The caller's predicate. Two policies are equal only if they share it
/// (closures cannot be compared).
#[derive(Clone)]
struct RetryIf(Arc<dyn Fn(&RetryContext<'_>) -> bool + Send + Sync>);

impl fmt::Debug for RetryIf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RetryIf(..)")
    }
}

impl PartialEq for RetryIf {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RetryIf {}

/// A response that did not succeed, as [`RetryPolicy::with_retry_if`]'s
/// predicate sees it.
#[derive(Debug)]
pub struct RetryContext<'a> {
    operation: &'static Operation,
    status: StatusCode,
    headers: &'a HeaderMap,
    attempt: u32,
}

impl<'a> RetryContext<'a> {
    pub(crate) fn new(
        operation: &'static Operation,
        status: StatusCode,
        headers: &'a HeaderMap,
        attempt: u32,
    ) -> Self {
        RetryContext {
            operation,
            status,
            headers,
            attempt,
        }
    }

    /// The operation called (its `id` is the operationId).
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// The response's status (never a success).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response's headers (the API key scrubbed from them).
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// Which attempt got this response: 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            retry_statuses: Vec::new(),
            retry_if: None,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self::default().with_max_retries(0)
    }

    /// Retries after the first attempt (default 2).
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Backoff ceiling before the first retry (default 500 ms).
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Backoff ceiling for any retry (default 8 s).
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` the client will wait (default 60 s).
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Sets [`max_retries`](Self::max_retries).
    #[must_use]
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets [`initial_backoff`](Self::initial_backoff).
    #[must_use]
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets [`max_backoff`](Self::max_backoff).
    #[must_use]
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets [`max_retry_after`](Self::max_retry_after).
    #[must_use]
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Statuses retried besides the built-in ones (none by default).
    pub fn retry_statuses(&self) -> &[StatusCode] {
        &self.retry_statuses
    }

    /// Also retries these statuses (besides 408, 429, 500, 502, 503, 504),
    /// within [`max_retries`](Self::max_retries) and with the same backoff
    /// and `Retry-After` rules. A success status is never retried.
    ///
    /// ```
    /// use invent_sdk::RetryPolicy;
    /// use reqwest::StatusCode;
    ///
    /// // A 409 while another writer holds the chat: try again shortly.
    /// let policy = RetryPolicy::default().with_retry_statuses([StatusCode::CONFLICT]);
    /// assert_eq!(policy.retry_statuses(), [StatusCode::CONFLICT]);
    /// ```
    #[must_use]
    pub fn with_retry_statuses(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        for status in statuses {
            if !self.retry_statuses.contains(&status) {
                self.retry_statuses.push(status);
            }
        }
        self
    }

    /// Also retries a response this predicate accepts, asked for every
    /// response that is neither a success nor already retried, with the
    /// operation, status, headers and attempt number ([`RetryContext`]).
    /// Replaces an earlier predicate.
    ///
    /// ```
    /// use invent_sdk::RetryPolicy;
    /// use reqwest::StatusCode;
    ///
    /// // 409 on update_chat_state only, and only the first time.
    /// let policy = RetryPolicy::default().with_retry_if(|response| {
    ///     response.operation().id == "update_chat_state"
    ///         && response.status() == StatusCode::CONFLICT
    ///         && response.attempt() == 1
    /// });
    /// # let _ = policy;
    /// ```
    #[must_use]
    pub fn with_retry_if(
        mut self,
        predicate: impl Fn(&RetryContext<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.retry_if = Some(RetryIf(Arc::new(predicate)));
        self
    }

    /// Whether this response asks for another attempt: a built-in status, an
    /// added one, or the predicate's choice.
    fn wants_retry(&self, response: &RetryContext<'_>) -> bool {
        let status = response.status;
        !status.is_success()
            && (is_retryable_status(status)
                || self.retry_statuses.contains(&status)
                || self.retry_if.as_ref().is_some_and(|f| (f.0)(response)))
    }

    /// The jittered backoff before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// Whether the operation may be repeated without changing the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Same request, same result (`update_chat_state`): retry any transient failure.
    Idempotent,
    /// Creates something (`fork_chat`): retry only when the server cannot have acted.
    CreatesResource,
}

/// 408, 429, 500, 502, 503, 504.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether a response with `status` means the server may have carried out
/// the request: anything but a refusal (a 4xx other than 408, 429 included,
/// is answered before any work is done).
pub(crate) fn status_may_have_acted(status: StatusCode) -> bool {
    !(status.is_client_error() && status != StatusCode::REQUEST_TIMEOUT)
}

/// Whether a transport failure leaves open that the server acted: only a
/// connection that was never established cannot have reached it.
pub(crate) fn transport_may_have_acted(error: &reqwest::Error) -> bool {
    !error.is_connect()
}

/// Whether a response may be retried for an operation of this kind: the
/// operation's retry safety first (the caller's predicate is not even asked
/// where it says no), then the policy.
pub(crate) fn should_retry_status(
    policy: &RetryPolicy,
    response: &RetryContext<'_>,
    idempotency: Idempotency,
) -> bool {
    may_repeat(status_may_have_acted(response.status), idempotency) && policy.wants_retry(response)
}

/// Whether a transport failure may be retried for an operation of this kind.
///
/// `may_have_acted` is false when the connection was never established, so
/// the server cannot have seen the request.
pub(crate) fn should_retry_transport(may_have_acted: bool, idempotency: Idempotency) -> bool {
    may_repeat(may_have_acted, idempotency)
}

/// The one rule behind both: an operation that is not idempotent is sent
/// again only where the server cannot have acted on it.
fn may_repeat(may_have_acted: bool, idempotency: Idempotency) -> bool {
    match idempotency {
        Idempotency::Idempotent => true,
        Idempotency::CreatesResource => !may_have_acted,
    }
}

/// The server's `Retry-After`, as seconds or an HTTP date (relative to `now`).
///
/// An HTTP date is any of RFC 9110's three forms (IMF-fixdate, the obsolete
/// RFC 850 and asctime forms), which recipients must accept; anything else
/// is ignored, and the usual backoff applies.
pub(crate) fn retry_after(
    headers: &HeaderMap,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    // A date in the past means "now".
    Some(
        at.duration_since(SystemTime::from(now))
            .unwrap_or(Duration::ZERO),
    )
}

/// Users can neither build a `RetryPolicy` literally nor destructure it, so
/// a setting can be added in a minor release.
///
/// Stable rustdoc does not check the error codes (nightly does), so each
/// example is written to compile once the attribute or privacy is removed.
///
/// ```compile_fail,E0451
/// let policy = invent_sdk::RetryPolicy {
///     max_retries: 1,
///     ..invent_sdk::RetryPolicy::default()
/// };
/// ```
///
/// ```compile_fail,E0451
/// let invent_sdk::RetryPolicy { max_retries, .. } = invent_sdk::RetryPolicy::default();
/// ```
#[cfg(doctest)]
struct RetryPolicyIsExtensible;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn backoff_is_bounded_by_the_exponential_ceiling_and_the_cap() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(300));
        for _ in 0..200 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(2) <= Duration::from_millis(200));
            assert!(policy.backoff(3) <= Duration::from_millis(300));
            assert!(policy.backoff(40) <= Duration::from_millis(300));
        }
        // Full jitter: not always the ceiling.
        let distinct: std::collections::HashSet<_> = (0..50).map(|_| policy.backoff(3)).collect();
        assert!(distinct.len() > 1);
    }

    fn retry_after_of(value: &str) -> Option<Duration> {
        let now = chrono::Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
            .single()
            .expect("valid");
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, value.parse().expect("valid"));
        retry_after(&headers, now)
    }

    #[test]
    fn retry_after_reads_seconds() {
        assert_eq!(retry_after_of("7"), Some(Duration::from_secs(7)));
        assert_eq!(retry_after_of(" 0 "), Some(Duration::ZERO));
        assert_eq!(retry_after_of("-1"), None);
    }

    #[test]
    fn retry_after_reads_all_three_http_date_forms() {
        // RFC 9110 section 5.6.7: IMF-fixdate, RFC 850, asctime.
        for date in [
            "Wed, 21 Oct 2015 07:28:30 GMT",
            "Wednesday, 21-Oct-15 07:28:30 GMT",
            "Wed Oct 21 07:28:30 2015",
        ] {
            assert_eq!(
                retry_after_of(date),
                Some(Duration::from_secs(30)),
                "{date}"
            );
        }
        assert_eq!(
            retry_after_of("Sun Nov  1 07:28:00 2015"),
            Some(Duration::from_secs(11 * 24 * 3600)),
            "asctime pads a one-digit day with a space"
        );
    }

    #[test]
    fn retry_after_in_the_past_means_now() {
        for date in [
            "Wed, 21 Oct 2015 07:27:00 GMT",
            "Wednesday, 21-Oct-15 07:27:00 GMT",
            "Wed Oct 21 07:27:00 2015",
            "Thu, 01 Jan 1970 00:00:00 GMT",
        ] {
            assert_eq!(retry_after_of(date), Some(Duration::ZERO), "{date}");
        }
    }

    #[test]
    fn retry_after_ignores_junk() {
        for junk in [
            "soon",
            "",
            "7.5",
            // Not GMT: RFC 9110 dates are always GMT.
            "Wed, 21 Oct 2015 07:28:30 +0100",
            // The wrong weekday for the date.
            "Thu, 21 Oct 2015 07:28:30 GMT",
            "Wed, 32 Oct 2015 07:28:30 GMT",
            "2015-10-21T07:28:30Z",
        ] {
            assert_eq!(retry_after_of(junk), None, "{junk:?}");
        }
    }

    /// Whether `policy` retries `code` for the operation `op`.
    fn retries(policy: &RetryPolicy, op: &str, code: u16, idempotency: Idempotency) -> bool {
        let op = crate::Operation::find(op).expect("in the spec");
        let headers = HeaderMap::new();
        let status = StatusCode::from_u16(code).expect("valid");
        should_retry_status(
            policy,
            &RetryContext::new(op, status, &headers, 1),
            idempotency,
        )
    }

    #[test]
    fn creating_operations_retry_only_when_the_server_cannot_have_acted() {
        use Idempotency::*;
        let policy = RetryPolicy::default();
        for code in [408, 500, 502, 503, 504] {
            assert!(retries(&policy, "update_chat_state", code, Idempotent));
            assert!(!retries(&policy, "fork_chat", code, CreatesResource));
        }
        assert!(retries(&policy, "fork_chat", 429, CreatesResource));
        assert!(!retries(&policy, "update_chat_state", 404, Idempotent));
        assert!(should_retry_transport(false, CreatesResource));
        assert!(!should_retry_transport(true, CreatesResource));
        assert!(should_retry_transport(true, Idempotent));
        for code in [400, 401, 404, 409, 422, 429] {
            let status = StatusCode::from_u16(code).expect("valid");
            assert!(!status_may_have_acted(status), "{code}");
        }
        for code in [200, 201, 302, 408, 500, 503] {
            let status = StatusCode::from_u16(code).expect("valid");
            assert!(status_may_have_acted(status), "{code}");
        }
    }

    #[test]
    fn added_statuses_and_the_predicate_add_to_the_built_in_rules_only() {
        use Idempotency::*;
        let policy = RetryPolicy::default()
            .with_retry_statuses([StatusCode::CONFLICT, StatusCode::CONFLICT])
            .with_retry_if(|r| r.status().as_u16() == 418 || r.status().is_success());
        assert_eq!(policy.retry_statuses(), [StatusCode::CONFLICT]);
        assert!(retries(&policy, "update_chat_state", 409, Idempotent));
        assert!(retries(&policy, "update_chat_state", 418, Idempotent));
        assert!(!retries(&policy, "update_chat_state", 200, Idempotent));
        assert!(!retries(&policy, "update_chat_state", 404, Idempotent));
        // A refusal can be retried for a fork; a 5xx still cannot.
        assert!(retries(&policy, "fork_chat", 409, CreatesResource));
        let everything = RetryPolicy::default().with_retry_if(|_| true);
        for code in [408, 500, 503] {
            assert!(!retries(&everything, "fork_chat", code, CreatesResource));
        }
        // Policies compare by settings and by sharing the predicate.
        assert_eq!(policy.clone(), policy);
        assert_ne!(RetryPolicy::default().with_retry_if(|_| true), everything);
    }
}
