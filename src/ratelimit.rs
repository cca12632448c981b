//! Per-minute limits whose quotas come from workspace settings (and may change at run time).
//! One keyed governor limiter per (scope, quota); a changed quota simply gets a new limiter.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

type Keyed = DefaultKeyedRateLimiter<String>;

/// The limiters of the process.
#[derive(Default)]
pub struct Limits {
    limiters: Mutex<HashMap<(&'static str, u32), Arc<Keyed>>>,
    clock: DefaultClock,
}

impl Limits {
    /// Counts one hit for `key` in `scope` at `per_minute` (0 = no limit); 429 when over, with
    /// the seconds until the next hit would pass.
    pub fn check(&self, scope: &'static str, per_minute: u32, key: &str) -> Result<(), ApiError> {
        let Some(n) = NonZeroU32::new(per_minute) else {
            return Ok(());
        };
        let limiter = {
            let mut map = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
            map.entry((scope, per_minute))
                .or_insert_with(|| Arc::new(RateLimiter::keyed(Quota::per_minute(n))))
                .clone()
        };
        limiter
            .check_key(&key.to_string())
            .map_err(|nu| ApiError::rate_limited(nu.wait_time_from(self.clock.now()).as_secs() + 1))
    }

    /// Forgets keys back at full quota.
    pub fn sweep(&self) {
        let map = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        for l in map.values() {
            l.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quota_allows_its_burst_then_refuses_with_retry_after() {
        let limits = Limits::default();
        for _ in 0..3 {
            limits.check("t", 3, "k").unwrap();
        }
        let e = limits.check("t", 3, "k").unwrap_err();
        assert_eq!(e.code, "RATE_LIMITED");
        assert!(e.retry_after.unwrap() >= 1);
        limits.check("t", 3, "other").unwrap();
        for _ in 0..1000 {
            limits.check("t", 0, "k").unwrap();
        }
    }
}
