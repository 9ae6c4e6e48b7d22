//! Rate limits for everything the public can reach, so that one client cannot hurt everyone:
//! requests per client address, messages per conversation and per verified user, failed
//! identity and token checks per address, webhook attempts per address, and new conversations
//! per address and per user per day. GCRA limiters (governor) keyed per bucket; buckets not used
//! recently are forgotten by [`Limits::forget_idle`], so memory follows the active clients.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// `per_second` events a second, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: u32,
}

impl Rate {
    pub const fn new(per_second: f64, burst: u32) -> Self {
        Self { per_second, burst }
    }

    /// `per_day` events a day, all of which may come at once.
    pub const fn per_day(per_day: u32) -> Self {
        Self {
            per_second: per_day as f64 / 86_400.0,
            burst: per_day,
        }
    }

    pub(crate) fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let period = Duration::from_secs_f64(1.0 / self.per_second.max(1e-9));
        Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

/// Every limit's setting (see README.md, "Limits").
#[derive(Debug, Clone, PartialEq)]
pub struct LimitSettings {
    /// Requests per client address (`KYCDESK_RATE_IP`).
    pub per_address: Rate,
    /// Messages per conversation (`KYCDESK_RATE_VISITOR`).
    pub per_conversation: Rate,
    /// Messages per verified user, over all their conversations (`KYCDESK_RATE_USER`).
    pub per_user: Rate,
    /// Failed identity or conversation-token checks per address.
    pub failed_checks: Rate,
    /// Webhook deliveries per address, good or bad (`KYCDESK_RATE_WEBHOOK`).
    pub webhook: Rate,
    /// New conversations per address per day (`KYCDESK_NEW_CONVERSATIONS_PER_ADDRESS`).
    pub new_per_address: Rate,
    /// New conversations per verified user per day (`KYCDESK_NEW_CONVERSATIONS_PER_USER`).
    pub new_per_user: Rate,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            // An address may hold many people (an office, a mobile carrier's NAT).
            per_address: Rate::new(20.0, 100),
            // A person types at most a message every second or two; bursts allow quick taps.
            per_conversation: Rate::new(1.0, 10),
            per_user: Rate::new(2.0, 20),
            // Ten wrong tokens, then one try every ten seconds: enough for a page with a stale
            // token, useless for guessing.
            failed_checks: Rate::new(0.1, 10),
            webhook: Rate::new(50.0, 200),
            new_per_address: Rate::per_day(200),
            new_per_user: Rate::per_day(30),
        }
    }
}

/// Which limit refused, and how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub limit: &'static str,
    pub retry_after: Duration,
}

pub struct Limits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_conversation: DefaultKeyedRateLimiter<String>,
    per_user: DefaultKeyedRateLimiter<String>,
    failed_checks: DefaultKeyedRateLimiter<IpAddr>,
    webhook: DefaultKeyedRateLimiter<IpAddr>,
    new_per_address: DefaultKeyedRateLimiter<IpAddr>,
    new_per_user: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limits")
    }
}

/// One bucket per IPv4 address, and per /64 for IPv6 (one subscriber usually holds a whole /64).
/// IPv4 addresses mapped into IPv6 count as the IPv4 address.
pub fn bucket(ip: IpAddr) -> IpAddr {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
        v4 => v4,
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    clock: &DefaultClock,
    key: &K,
    limit: &'static str,
) -> Result<(), Limited> {
    limiter.check_key(key).map_err(|not_until| Limited {
        limit,
        retry_after: not_until.wait_time_from(clock.now()),
    })
}

impl Limits {
    pub fn new(settings: &LimitSettings) -> Self {
        Self {
            per_address: RateLimiter::keyed(settings.per_address.quota()),
            per_conversation: RateLimiter::keyed(settings.per_conversation.quota()),
            per_user: RateLimiter::keyed(settings.per_user.quota()),
            failed_checks: RateLimiter::keyed(settings.failed_checks.quota()),
            webhook: RateLimiter::keyed(settings.webhook.quota()),
            new_per_address: RateLimiter::keyed(settings.new_per_address.quota()),
            new_per_user: RateLimiter::keyed(settings.new_per_user.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// Any request from `client` (reading history, opening a socket, sending).
    pub fn request(&self, client: IpAddr) -> Result<(), Limited> {
        check(&self.per_address, &self.clock, &bucket(client), "address")
    }

    /// A message into a conversation, from a verified user or not.
    pub fn message(&self, conversation: &str, user: Option<&str>) -> Result<(), Limited> {
        check(
            &self.per_conversation,
            &self.clock,
            &conversation.to_string(),
            "conversation",
        )?;
        match user {
            Some(user) => check(&self.per_user, &self.clock, &user.to_string(), "user"),
            None => Ok(()),
        }
    }

    /// A failed identity or conversation-token check by `client`: within the allowance the
    /// caller answers 403, beyond it 429. A valid token is never refused for its address's
    /// failures (an office or a carrier's NAT shares one address), so guessing only gets slower
    /// answers; with 256-bit tokens it gets nothing else either.
    pub fn token_failed(&self, client: IpAddr) -> Result<(), Limited> {
        check(
            &self.failed_checks,
            &self.clock,
            &bucket(client),
            "failed_checks",
        )
    }

    /// A webhook delivery from `client`.
    pub fn webhook(&self, client: IpAddr) -> Result<(), Limited> {
        check(&self.webhook, &self.clock, &bucket(client), "webhook")
    }

    /// A new conversation for `client` (and the verified user, when there is one).
    pub fn new_conversation(&self, client: IpAddr, user: Option<&str>) -> Result<(), Limited> {
        // The user's allowance first: a user over theirs does not use up their address's.
        if let Some(user) = user {
            check(
                &self.new_per_user,
                &self.clock,
                &user.to_string(),
                "new_conversations_per_user",
            )?;
        }
        check(
            &self.new_per_address,
            &self.clock,
            &bucket(client),
            "new_conversations_per_address",
        )
    }

    /// Forgets buckets that are full again (the same as new ones); run now and then.
    pub fn forget_idle(&self) {
        self.per_address.retain_recent();
        self.per_conversation.retain_recent();
        self.per_user.retain_recent();
        self.failed_checks.retain_recent();
        self.webhook.retain_recent();
        self.new_per_address.retain_recent();
        self.new_per_user.retain_recent();
        self.per_address.shrink_to_fit();
        self.per_conversation.shrink_to_fit();
        self.per_user.shrink_to_fit();
        self.failed_checks.shrink_to_fit();
        self.webhook.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn a_flood_is_limited_and_told_when_to_retry() {
        let limits = Limits::new(&LimitSettings {
            per_conversation: Rate::new(1.0, 3),
            ..LimitSettings::default()
        });
        for _ in 0..3 {
            assert!(limits.message("c1", None).is_ok());
        }
        let limited = limits.message("c1", None).expect_err("limited");
        assert_eq!(limited.limit, "conversation");
        assert!(
            limited.retry_after > Duration::ZERO && limited.retry_after <= Duration::from_secs(1)
        );
        assert!(
            limits.message("c2", None).is_ok(),
            "other conversations are not affected"
        );
    }

    #[test]
    fn a_user_is_limited_over_all_their_conversations() {
        let limits = Limits::new(&LimitSettings {
            per_user: Rate::new(1.0, 2),
            ..LimitSettings::default()
        });
        assert!(limits.message("c1", Some("u1")).is_ok());
        assert!(limits.message("c2", Some("u1")).is_ok());
        assert_eq!(
            limits.message("c3", Some("u1")).map_err(|l| l.limit),
            Err("user")
        );
        assert!(limits.message("c3", Some("u2")).is_ok());
    }

    #[test]
    fn failed_token_checks_are_limited_per_address() {
        let limits = Limits::new(&LimitSettings {
            failed_checks: Rate::new(0.01, 2),
            ..LimitSettings::default()
        });
        let guesser = ip("203.0.113.9");
        assert!(limits.token_failed(guesser).is_ok());
        assert!(limits.token_failed(guesser).is_ok());
        assert_eq!(
            limits.token_failed(guesser).map_err(|l| l.limit),
            Err("failed_checks")
        );
        assert!(limits.token_failed(ip("203.0.113.10")).is_ok());
        assert!(
            limits.token_failed(ip("::ffff:203.0.113.9")).is_err(),
            "the same address written as IPv6"
        );
    }

    #[test]
    fn an_ipv6_subscriber_is_one_bucket() {
        let limits = Limits::new(&LimitSettings {
            new_per_address: Rate::per_day(2),
            ..LimitSettings::default()
        });
        assert!(limits.new_conversation(ip("2001:db8:1:2::1"), None).is_ok());
        assert!(limits.new_conversation(ip("2001:db8:1:2::2"), None).is_ok());
        assert!(
            limits
                .new_conversation(ip("2001:db8:1:2::ffff"), None)
                .is_err()
        );
        assert!(limits.new_conversation(ip("2001:db8:1:3::1"), None).is_ok());
    }
}
