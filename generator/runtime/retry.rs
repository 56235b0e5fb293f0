// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Retry policy: capped exponential backoff with full jitter, bounded by attempts. The time a
//! call may take in total is the client's operation timeout
//! ([`crate::ClientBuilder::operation_timeout`]), which also bounds the retries.

use std::time::{Duration, SystemTime};

/// When and how long to wait before repeating a retry-safe call. Build one from the default
/// and change what you need: `RetryPolicy::default().with_max_attempts(2)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts, the first included. `1` disables retries.
    pub max_attempts: u32,
    /// Backoff before the second attempt (before jitter).
    pub base_delay: Duration,
    /// Upper bound of one backoff (before `Retry-After` is applied).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 200 ms doubling up to 5 s, with full jitter.
    fn default() -> Self {
        RetryPolicy { max_attempts: 4, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(5) }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// Sets the total number of attempts, the first included (`1` disables retries).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Sets the backoff before the second attempt (before jitter).
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the upper bound of one backoff (before `Retry-After` is applied).
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The delay before attempt `attempts + 1`, or `None` to stop. Full jitter: a uniform
    /// draw from zero to the capped exponential backoff. A server's `Retry-After` is a floor.
    /// The client also stops when the delay would end past the operation deadline.
    pub fn next_delay(&self, attempts: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exp = self.base_delay.saturating_mul(1u32.checked_shl(attempts.saturating_sub(1)).unwrap_or(u32::MAX));
        let cap = exp.min(self.max_delay);
        let jitter = Duration::from_nanos(fastrand::u64(0..=cap.as_nanos().min(u64::MAX as u128) as u64));
        Some(jitter.max(retry_after.unwrap_or_default()))
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
        };
        for attempt in 1..5 {
            for _ in 0..200 {
                let d = p.next_delay(attempt, None).expect("within budget");
                let cap = Duration::from_millis(100 * 2u64.pow(attempt - 1)).min(Duration::from_millis(400));
                assert!(d <= cap, "attempt {attempt}: {d:?} > {cap:?}");
            }
        }
        assert_eq!(p.next_delay(5, None), None, "attempts exhausted");
        assert_eq!(p.next_delay(1, Some(Duration::from_secs(3))), Some(Duration::from_secs(3)));
        let huge = RetryPolicy { max_attempts: u32::MAX, base_delay: Duration::MAX, max_delay: Duration::MAX };
        assert!(huge.next_delay(u32::MAX - 1, None).is_some(), "saturates instead of overflowing");
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
