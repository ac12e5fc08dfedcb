//! The client-side rate limit ([`ClientBuilder::rate_limit`](crate::ClientBuilder::rate_limit)):
//! one limiter per client, shared by its clones, that every attempt (retries
//! included) takes a permit from before it goes on the wire.

use std::fmt;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultDirectRateLimiter, Quota};

use crate::error::Error;

/// At most `n` attempts in any window of length `per`.
///
/// Permits are spread evenly, one every `per / n`, with no burst: a burst of
/// `n` at the start of a window followed by `n` more as the window slides
/// would put up to `2n - 1` requests in one window of the server's, which is
/// exactly what a client-side limit is there to prevent. Spacing permits also
/// keeps a fixed-window limiter on the server side happy, whatever its window
/// boundaries are.
pub(crate) struct RateLimiter {
    limiter: DefaultDirectRateLimiter,
    n: u32,
    per: Duration,
}

impl RateLimiter {
    /// A limiter for `n` attempts per `per`; a zero `n` or `per`, or a rate so
    /// high that the interval rounds to zero, is a configuration error.
    pub(crate) fn new(n: u32, per: Duration) -> Result<RateLimiter, Error> {
        if n == 0 || per.is_zero() {
            return Err(Error::config(format!(
                "rate limit of {n} requests per {per:?}: both must be more than zero"
            )));
        }
        let quota = Quota::with_period(per / n).ok_or_else(|| {
            Error::config(format!(
                "rate limit of {n} requests per {per:?} is too high to enforce (less than 1 ns apart)"
            ))
        })?;
        Ok(RateLimiter {
            limiter: DefaultDirectRateLimiter::direct(quota),
            n,
            per,
        })
    }

    /// Waits until an attempt may be sent, and takes its permit.
    pub(crate) async fn acquire(&self) {
        // governor's own `until_ready` sleeps on a timer thread of its own;
        // Tokio's timer is already running, so check and sleep on that.
        while let Err(not_until) = self.limiter.check() {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            tokio::time::sleep(wait).await;
        }
    }
}

/// Waits for a permit from `limiter`, if there is one.
pub(crate) async fn acquire(limiter: Option<&RateLimiter>) {
    if let Some(limiter) = limiter {
        limiter.acquire().await;
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("n", &self.n)
            .field("per", &self.per)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn zero_and_unenforceable_limits_are_config_errors() {
        for (n, per) in [
            (0, Duration::from_secs(60)),
            (10, Duration::ZERO),
            (u32::MAX, Duration::from_nanos(1)),
        ] {
            let err = RateLimiter::new(n, per).expect_err("invalid");
            assert!(matches!(err, Error::Config { .. }), "{n}/{per:?}: {err}");
        }
        assert!(RateLimiter::new(480, Duration::from_secs(60)).is_ok());
    }

    #[tokio::test]
    async fn permits_are_spaced_evenly() {
        // 20 per 200 ms: one every 10 ms, the first at once.
        let limiter = RateLimiter::new(20, Duration::from_millis(200)).expect("valid");
        let start = Instant::now();
        for _ in 0..11 {
            limiter.acquire().await;
        }
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
}
