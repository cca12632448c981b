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

/// Single flight per key: the first request with a key decides; duplicates that arrive while
/// it runs wait for it and then read its remembered answer, so they are never charged a limit.
#[derive(Default)]
pub struct Claims(Mutex<HashMap<String, Arc<rocket::tokio::sync::Notify>>>);

/// Held by the request deciding a key; dropping it wakes the duplicates.
pub struct Claimed<'a> {
    claims: &'a Claims,
    key: String,
}

/// Longest a duplicate waits for the first request before it tries on its own.
const CLAIM_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

impl Claims {
    /// `Some` when this caller decides `key`; `None` after another caller finished deciding it
    /// (read its answer, then claim again if there is none).
    pub async fn claim(&self, key: &str) -> Option<Claimed<'_>> {
        let wait = {
            let Ok(mut map) = self.0.lock() else {
                return None;
            };
            match map.get(key) {
                Some(n) => n.clone().notified_owned(),
                None => {
                    map.insert(key.to_string(), Arc::default());
                    return Some(Claimed {
                        claims: self,
                        key: key.to_string(),
                    });
                }
            }
        };
        // Created under the lock, so the wake-up on release cannot be missed.
        let _ = rocket::tokio::time::timeout(CLAIM_WAIT, wait).await;
        None
    }
}

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        if let Ok(mut map) = self.claims.0.lock() {
            if let Some(n) = map.remove(&self.key) {
                n.notify_waiters();
            }
        }
    }
}

/// Counts of failures kept in memory and written as one aggregate event per kind a minute, so
/// a flood of refused requests costs no write per request.
#[derive(Default)]
pub struct Tally(Mutex<HashMap<(String, &'static str, String), u64>>);

/// Distinct (workspace, event, data) combinations kept between two flushes.
const TALLY_KEYS: usize = 10_000;

impl Tally {
    /// Counts one failure of `event` in `workspace_id` with `data` (enumerated fields only).
    pub fn add(&self, workspace_id: &str, event: &'static str, data: &serde_json::Value) {
        let Ok(mut map) = self.0.lock() else {
            return;
        };
        let mut key = (workspace_id.to_string(), event, data.to_string());
        if map.len() >= TALLY_KEYS && !map.contains_key(&key) {
            key.2 = serde_json::json!({ "error": "other" }).to_string();
        }
        *map.entry(key).or_insert(0) += 1;
    }

    /// Takes every count: (workspace, event, data, count).
    pub fn drain(&self) -> Vec<(String, &'static str, serde_json::Value, u64)> {
        let Ok(mut map) = self.0.lock() else {
            return vec![];
        };
        map.drain()
            .map(|((ws, ev, data), n)| {
                (
                    ws,
                    ev,
                    serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
                    n,
                )
            })
            .collect()
    }
}
