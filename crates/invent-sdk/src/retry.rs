//! When to try a request again, and how long to wait first.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// Retry settings: exponential backoff with full jitter, honouring `Retry-After`.
///
/// The wait before retry `n` (1-based) is a random duration in
/// `0..=min(max_backoff, initial_backoff * 2^(n-1))`, unless the server sent
/// `Retry-After` (seconds or an HTTP date): then that, if it is at most
/// `max_retry_after`; a longer `Retry-After` ends the retries and is reported
/// in [`ApiError::retry_after`](crate::ApiError::retry_after).
///
/// Which failures are retried depends on whether the operation is idempotent;
/// see [`Client`](crate::Client#retries).
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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
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

/// Whether a response with `status` may be retried for an operation of this kind.
pub(crate) fn should_retry_status(status: StatusCode, idempotency: Idempotency) -> bool {
    match idempotency {
        Idempotency::Idempotent => is_retryable_status(status),
        // A 429 is a refusal before any work; anything else may have forked.
        Idempotency::CreatesResource => status == StatusCode::TOO_MANY_REQUESTS,
    }
}

/// Whether a transport failure may be retried for an operation of this kind.
///
/// `before_sending` is true when the connection was never established, so the
/// server cannot have seen the request.
pub(crate) fn should_retry_transport(before_sending: bool, idempotency: Idempotency) -> bool {
    match idempotency {
        Idempotency::Idempotent => true,
        Idempotency::CreatesResource => before_sending,
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

    #[test]
    fn creating_operations_retry_only_when_the_server_cannot_have_acted() {
        use Idempotency::*;
        for code in [408, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(code).expect("valid");
            assert!(should_retry_status(status, Idempotent));
            assert!(!should_retry_status(status, CreatesResource));
        }
        assert!(should_retry_status(
            StatusCode::TOO_MANY_REQUESTS,
            CreatesResource
        ));
        assert!(!should_retry_status(StatusCode::NOT_FOUND, Idempotent));
        assert!(should_retry_transport(true, CreatesResource));
        assert!(!should_retry_transport(false, CreatesResource));
        assert!(should_retry_transport(false, Idempotent));
    }
}
