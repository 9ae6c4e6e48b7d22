//! Password guessing is made useless: a login is locked after a few failures within a window,
//! and so is an address that fails many logins (guessing across accounts); every address also
//! has a rate of attempts, since each attempt costs a deliberately slow password hash. A locked
//! login is refused even with the right password, so a lock cannot be used to test guesses.
//! Unknown logins are tracked like real ones (the answers must not tell which logins exist).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};

use crate::channel::limits::{Rate, bucket};

/// Longest login name kept as a key (longer input is cut: it cannot name an account anyway).
const KEY_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct ThrottleSettings {
    /// Failures of one login within `window` that lock it.
    pub login_failures: usize,
    /// Failures from one address (any logins) within `window` that lock the address.
    pub address_failures: usize,
    pub window: Duration,
    /// How long a lock lasts.
    pub lock: Duration,
    /// Login attempts per address, good or bad.
    pub attempts_per_address: Rate,
    /// Most logins and addresses remembered at once (memory stays bounded under a flood).
    pub max_tracked: usize,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            login_failures: 5,
            // An office behind one address holds many agents: a few typos each are fine.
            address_failures: 30,
            window: Duration::minutes(15),
            lock: Duration::minutes(15),
            // A whole shift logging in at once from one office, then one a second.
            attempts_per_address: Rate::new(1.0, 30),
            max_tracked: 100_000,
        }
    }
}

/// Refused: wait this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub retry_after_secs: u64,
}

#[derive(Debug, Default)]
struct Failures {
    recent: VecDeque<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

impl Failures {
    fn locked(&self, now: DateTime<Utc>) -> Option<Locked> {
        let until = self.locked_until?;
        (until > now).then(|| Locked {
            // Round up: "retry in 0 seconds" would be wrong.
            retry_after_secs: u64::try_from((until - now).num_milliseconds().max(0))
                .unwrap_or(0)
                .div_ceil(1000)
                .max(1),
        })
    }

    fn record(&mut self, now: DateTime<Utc>, max: usize, window: Duration, lock: Duration) {
        while self.recent.front().is_some_and(|t| now - *t >= window) {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        if self.recent.len() >= max.max(1) {
            self.locked_until = Some(now + lock);
            self.recent.clear();
        }
    }

    fn stale(&self, now: DateTime<Utc>, window: Duration) -> bool {
        self.locked(now).is_none() && self.recent.back().is_none_or(|t| now - *t >= window)
    }

    fn last(&self) -> Option<DateTime<Utc>> {
        self.recent.back().copied().or(self.locked_until)
    }
}

/// Failures per key, bounded.
struct Tracker<K> {
    map: Mutex<HashMap<K, Failures>>,
}

impl<K: std::hash::Hash + Eq + Clone> Tracker<K> {
    fn new() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<K, Failures>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn locked(&self, key: &K, now: DateTime<Utc>) -> Option<Locked> {
        self.map().get(key).and_then(|f| f.locked(now))
    }

    fn record(&self, key: &K, now: DateTime<Utc>, max: usize, settings: &ThrottleSettings) {
        let mut map = self.map();
        if !map.contains_key(key) && map.len() >= settings.max_tracked {
            map.retain(|_, f| !f.stale(now, settings.window));
            // Still full: forget the longest-quiet entries that are not locked (locks are kept,
            // so a flood of other names cannot lift one).
            while map.len() >= settings.max_tracked.max(1) {
                let quietest = map
                    .iter()
                    .filter(|(_, f)| f.locked(now).is_none())
                    .min_by_key(|(_, f)| f.last())
                    .map(|(k, _)| k.clone());
                match quietest {
                    Some(k) => map.remove(&k),
                    None => return,
                };
            }
        }
        map.entry(key.clone())
            .or_default()
            .record(now, max, settings.window, settings.lock);
    }

    fn clear(&self, key: &K) {
        self.map().remove(key);
    }

    fn forget_stale(&self, now: DateTime<Utc>, window: Duration) {
        self.map().retain(|_, f| !f.stale(now, window));
    }
}

pub struct LoginThrottle {
    settings: ThrottleSettings,
    logins: Tracker<String>,
    addresses: Tracker<IpAddr>,
    attempts: DefaultKeyedRateLimiter<IpAddr>,
    governor_clock: DefaultClock,
}

impl std::fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("settings", &self.settings)
            .finish()
    }
}

fn key(login: &str) -> String {
    login.chars().take(KEY_CHARS).collect()
}

impl LoginThrottle {
    pub fn new(settings: ThrottleSettings) -> Self {
        Self {
            attempts: RateLimiter::keyed(settings.attempts_per_address.quota()),
            settings,
            logins: Tracker::new(),
            addresses: Tracker::new(),
            governor_clock: DefaultClock::default(),
        }
    }

    /// Before checking a password: refused when the address or the login is locked, or the
    /// address is over its rate of attempts.
    pub fn check(&self, login: &str, client: IpAddr, now: DateTime<Utc>) -> Result<(), Locked> {
        let client = bucket(client);
        // The rate first, so that hammering a locked login is slowed down too.
        self.attempts
            .check_key(&client)
            .map_err(|not_until| Locked {
                retry_after_secs: not_until
                    .wait_time_from(self.governor_clock.now())
                    .as_secs()
                    .max(1),
            })?;
        if let Some(locked) = self.addresses.locked(&client, now) {
            return Err(locked);
        }
        match self.logins.locked(&key(login), now) {
            Some(locked) => Err(locked),
            None => Ok(()),
        }
    }

    /// A wrong password (or unknown login, or disabled account).
    pub fn failed(&self, login: &str, client: IpAddr, now: DateTime<Utc>) {
        let s = &self.settings;
        self.logins.record(&key(login), now, s.login_failures, s);
        self.addresses
            .record(&bucket(client), now, s.address_failures, s);
    }

    /// A successful login clears that login's failures (not its address's).
    pub fn succeeded(&self, login: &str) {
        self.logins.clear(&key(login));
    }

    /// Forgets what no longer matters (run now and then).
    pub fn forget_idle(&self, now: DateTime<Utc>) {
        self.logins.forget_stale(now, self.settings.window);
        self.addresses.forget_stale(now, self.settings.window);
        self.attempts.retain_recent();
        self.attempts.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 + secs, 0).expect("time")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn five_failures_lock_a_login_for_fifteen_minutes() {
        let throttle = LoginThrottle::new(ThrottleSettings::default());
        let addr = ip("203.0.113.5");
        for i in 0..4 {
            assert!(throttle.check("alice", addr, at(i)).is_ok());
            throttle.failed("alice", addr, at(i));
        }
        assert!(throttle.check("alice", addr, at(4)).is_ok());
        throttle.failed("alice", addr, at(4));
        assert_eq!(
            throttle.check("alice", addr, at(5)),
            Err(Locked {
                retry_after_secs: 15 * 60 - 1
            })
        );
        assert!(throttle.check("bob", addr, at(5)).is_ok(), "other logins");
        assert!(throttle.check("alice", addr, at(4 + 15 * 60)).is_ok());
    }

    #[test]
    fn failures_outside_the_window_do_not_count() {
        let throttle = LoginThrottle::new(ThrottleSettings::default());
        let addr = ip("203.0.113.5");
        for i in 0..4 {
            throttle.failed("alice", addr, at(i * 300));
        }
        // The first failure (t=0) has left the 15-minute window by t=900.
        throttle.failed("alice", addr, at(900));
        assert!(throttle.check("alice", addr, at(901)).is_ok());
        throttle.failed("alice", addr, at(902));
        assert!(throttle.check("alice", addr, at(903)).is_err());
    }

    #[test]
    fn success_clears_a_logins_failures() {
        let throttle = LoginThrottle::new(ThrottleSettings::default());
        let addr = ip("203.0.113.5");
        for i in 0..4 {
            throttle.failed("alice", addr, at(i));
        }
        throttle.succeeded("alice");
        throttle.failed("alice", addr, at(10));
        assert!(throttle.check("alice", addr, at(11)).is_ok());
    }

    #[test]
    fn an_address_failing_across_logins_is_locked() {
        let throttle = LoginThrottle::new(ThrottleSettings {
            address_failures: 6,
            ..ThrottleSettings::default()
        });
        let guesser = ip("2001:db8:1:2::7");
        for i in 0..6 {
            throttle.failed(&format!("user{i}"), guesser, at(i));
        }
        assert!(throttle.check("fresh", guesser, at(7)).is_err());
        assert!(
            throttle
                .check("fresh", ip("2001:db8:1:2::8"), at(7))
                .is_err(),
            "the same IPv6 subscriber"
        );
        assert!(throttle.check("fresh", ip("198.51.100.1"), at(7)).is_ok());
    }

    #[test]
    fn attempts_per_address_are_rate_limited() {
        let throttle = LoginThrottle::new(ThrottleSettings {
            attempts_per_address: Rate::new(0.01, 3),
            ..ThrottleSettings::default()
        });
        let addr = ip("203.0.113.9");
        for i in 0..3 {
            assert!(throttle.check(&format!("u{i}"), addr, at(0)).is_ok());
        }
        let locked = throttle.check("u9", addr, at(0)).expect_err("limited");
        assert!(locked.retry_after_secs >= 1);
        assert!(throttle.check("u9", ip("203.0.113.10"), at(0)).is_ok());
    }

    #[test]
    fn memory_is_bounded_but_locks_survive_a_flood() {
        let throttle = LoginThrottle::new(ThrottleSettings {
            max_tracked: 10,
            address_failures: 1_000,
            ..ThrottleSettings::default()
        });
        let addr = ip("203.0.113.5");
        for i in 0..5 {
            throttle.failed("alice", addr, at(i));
        }
        for i in 0..100 {
            throttle.failed(&format!("flood{i}"), addr, at(10 + i));
        }
        assert!(throttle.logins.map().len() <= 10);
        assert!(throttle.check("alice", addr, at(200)).is_err());
    }
}
