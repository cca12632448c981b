//! The clock expiry is judged by. Production reads the system time; tests freeze it and move it
//! forward instead of sleeping.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

/// A clock that follows the system time, or stands still once frozen (tests).
#[derive(Debug, Default)]
pub struct Clock {
    frozen: AtomicBool,
    /// Offset from the system time, or the frozen instant (ms since the epoch).
    ms: AtomicI64,
}

fn system_ms() -> i64 {
    (crate::util::now().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Clock {
    /// Now, as this clock says.
    pub fn now(&self) -> OffsetDateTime {
        let ms = if self.frozen.load(Ordering::SeqCst) {
            self.ms.load(Ordering::SeqCst)
        } else {
            system_ms() + self.ms.load(Ordering::SeqCst)
        };
        OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
            .unwrap_or_else(|_| crate::util::now())
    }

    /// Now as a stored timestamp.
    pub fn now_str(&self) -> String {
        crate::util::rfc3339(self.now())
    }

    /// Stops the clock at the current instant (tests).
    pub fn freeze(&self) {
        let now = (self.now().unix_timestamp_nanos() / 1_000_000) as i64;
        self.ms.store(now, Ordering::SeqCst);
        self.frozen.store(true, Ordering::SeqCst);
    }

    /// Stops the clock at `at` (tests that need a given weekday or hour).
    pub fn set(&self, at: OffsetDateTime) {
        self.ms.store(
            (at.unix_timestamp_nanos() / 1_000_000) as i64,
            Ordering::SeqCst,
        );
        self.frozen.store(true, Ordering::SeqCst);
    }

    /// Moves the clock forward (tests).
    pub fn advance(&self, by: Duration) {
        self.ms
            .fetch_add(by.whole_milliseconds() as i64, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let c = Clock::default();
        c.freeze();
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(c.now(), a);
        c.advance(Duration::days(7));
        assert_eq!(c.now() - a, Duration::days(7));
    }
}
