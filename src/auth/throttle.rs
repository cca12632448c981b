//! Sign-in throttling per account and per client IP (governor, in memory).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// Limits on password attempts.
pub struct Throttle {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

/// Attempts per minute from one IP.
pub const PER_IP_PER_MINUTE: u32 = 30;
/// Attempts per minute against one account.
pub const PER_ACCOUNT_PER_MINUTE: u32 = 10;

impl Default for Throttle {
    fn default() -> Self {
        let q = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Throttle {
            per_ip: RateLimiter::keyed(q(PER_IP_PER_MINUTE)),
            per_account: RateLimiter::keyed(q(PER_ACCOUNT_PER_MINUTE)),
            clock: DefaultClock::default(),
        }
    }
}

impl Throttle {
    /// Counts one sign-in attempt; 429 with `Retry-After` when over either limit.
    pub fn check_login(&self, ip: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
        let wait = |nu: governor::NotUntil<_>| {
            ApiError::rate_limited(nu.wait_time_from(self.clock.now()).as_secs() + 1)
        };
        if let Some(ip) = ip {
            self.per_ip.check_key(&ip).map_err(wait)?;
        }
        self.per_account
            .check_key(&email.to_lowercase())
            .map_err(wait)?;
        Ok(())
    }

    /// Forgets keys that are back to full quota (keeps memory bounded).
    pub fn sweep(&self) {
        self.per_ip.retain_recent();
        self.per_account.retain_recent();
    }
}
