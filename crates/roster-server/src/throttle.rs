//! Sign-in throttling: failures are counted per account and per client address over a
//! sliding window; past the limit, sign-in is refused (429) until the window moves on,
//! whether or not the password is right.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per account within the window.
const PER_ACCOUNT: usize = 5;
/// Failures allowed per client address within the window (a few people behind one NAT).
const PER_ADDRESS: usize = 20;
const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Throttle {
    fn recent(&self, key: &str, now: Instant) -> usize {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(times) = failures.get_mut(key) else {
            return 0;
        };
        times.retain(|t| now.duration_since(*t) < WINDOW);
        times.len()
    }

    /// How long to wait before trying again, if the account or address is throttled.
    pub fn retry_after(&self, account: &str, address: &str) -> Option<Duration> {
        let now = Instant::now();
        let blocked = self.recent(&format!("account:{account}"), now) >= PER_ACCOUNT
            || self.recent(&format!("address:{address}"), now) >= PER_ADDRESS;
        blocked.then_some(WINDOW)
    }

    pub fn failed(&self, account: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in [format!("account:{account}"), format!("address:{address}")] {
            failures.entry(key).or_default().push(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn succeeded(&self, account: &str) {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.remove(&format!("account:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_five_failures_from_anywhere() {
        let throttle = Throttle::default();
        for i in 0..PER_ACCOUNT {
            assert!(
                throttle
                    .retry_after("ada@x.example", &format!("10.0.0.{i}"))
                    .is_none()
            );
            throttle.failed("ada@x.example", &format!("10.0.0.{i}"));
        }
        assert!(
            throttle.retry_after("ada@x.example", "10.9.9.9").is_some(),
            "per account, whatever the address"
        );
        assert!(
            throttle.retry_after("bob@x.example", "10.9.9.9").is_none(),
            "other accounts are not affected"
        );
    }

    #[test]
    fn an_address_is_throttled_after_twenty_failures_on_any_accounts() {
        let throttle = Throttle::default();
        for i in 0..PER_ADDRESS {
            throttle.failed(&format!("user{i}@x.example"), "192.0.2.1");
        }
        assert!(throttle.retry_after("new@x.example", "192.0.2.1").is_some());
    }
}
