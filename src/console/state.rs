//! What every console handler shares, and the settings it is built from.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::clock::Clock;
use super::live::LiveAgents;
use super::sessions::{SessionSettings, Sessions};
use super::throttle::{LoginThrottle, ThrottleSettings};
use super::tickets::TypingLimit;
use crate::channel::client_addr::TrustedProxies;
use crate::channel::widget::guard::AllowedOrigins;
use crate::runtime::desk::Desk;
use crate::store::Store;

/// How often expired sessions and idle throttle entries are forgotten.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// When the session cookie carries `Secure`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CookieSecure {
    Always,
    Never,
    /// When the request came over TLS: kycdesk speaks plain HTTP itself, so that is when a
    /// trusted proxy says `X-Forwarded-Proto: https`.
    #[default]
    Auto,
}

impl CookieSecure {
    /// `always`, `never` or `auto`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "always" => Some(Self::Always),
            "never" => Some(Self::Never),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ConsoleSettings {
    pub sessions: SessionSettings,
    pub throttle: ThrottleSettings,
    pub cookie_secure: CookieSecure,
}

impl ConsoleSettings {
    /// From the `[console]` settings (`KYCDESK_CONSOLE_*`); the rest keeps its defaults.
    pub fn from_config(c: &crate::config::ConsoleSettings) -> Self {
        use crate::config::SecureCookies;
        let secs = |n: u64| chrono::Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX / 1000));
        let mut settings = Self::default();
        settings.sessions.idle = secs(c.session_idle_secs);
        settings.sessions.absolute = secs(c.session_max_secs);
        settings.throttle.login_failures = c.max_failed_logins as usize;
        settings.throttle.lock = secs(c.lockout_secs);
        settings.cookie_secure = match c.secure_cookies {
            SecureCookies::Always => CookieSecure::Always,
            SecureCookies::Never => CookieSecure::Never,
            SecureCookies::Auto => CookieSecure::Auto,
        };
        settings
    }
}

#[derive(Clone)]
pub struct ConsoleState {
    pub store: Arc<dyn Store>,
    pub desk: Desk,
    pub sessions: Arc<Sessions>,
    pub throttle: Arc<LoginThrottle>,
    pub settings: Arc<ConsoleSettings>,
    /// The reverse proxies whose forwarded-for and forwarded-proto headers are believed.
    pub proxies: TrustedProxies,
    /// The server's configured public origin(s): accepted as the origin of live sockets.
    pub public_origins: AllowedOrigins,
    pub clock: Clock,
    /// Password hashes checked at once: each takes a core for tens of milliseconds, so a flood
    /// of logins from many addresses queues here instead of starving everything else.
    pub hashing: Arc<Semaphore>,
    /// "Agent is typing" signals let through.
    pub typing: Arc<TypingLimit>,
    /// Open live sockets per agent (presence).
    pub live: Arc<LiveAgents>,
}

impl std::fmt::Debug for ConsoleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleState")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ConsoleState {
    /// The console over `desk` (and its runtime's store and texts). `public_origin` is
    /// `KYCDESK_PUBLIC_ORIGIN` (comma-separated, may be empty).
    pub fn new(
        desk: Desk,
        settings: ConsoleSettings,
        proxies: TrustedProxies,
        public_origin: &str,
    ) -> Self {
        let hashers = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        Self {
            store: desk.runtime().store().clone(),
            desk,
            sessions: Arc::new(Sessions::new(settings.sessions)),
            throttle: Arc::new(LoginThrottle::new(settings.throttle.clone())),
            settings: Arc::new(settings),
            proxies,
            public_origins: AllowedOrigins::parse(public_origin),
            clock: Clock::system(),
            hashing: Arc::new(Semaphore::new(hashers)),
            typing: Arc::new(TypingLimit::default()),
            live: Arc::new(LiveAgents::default()),
        }
    }

    /// Forgets expired sessions and idle throttle entries every minute, for as long as the
    /// state is in use (the task holds weak references and ends with it).
    pub fn spawn_housekeeping(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let sessions = Arc::downgrade(&self.sessions);
        let throttle = Arc::downgrade(&self.throttle);
        let typing = Arc::downgrade(&self.typing);
        let clock = self.clock.clone();
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
            loop {
                tick.tick().await;
                let (Some(sessions), Some(throttle), Some(typing)) =
                    (sessions.upgrade(), throttle.upgrade(), typing.upgrade())
                else {
                    break;
                };
                let now = clock.now();
                sessions.forget_expired(now);
                throttle.forget_idle(now);
                typing.forget_idle();
            }
        });
    }

    /// The same state on another clock (tests move time forward).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_from_the_configuration() {
        let config = crate::config::ConsoleSettings {
            session_idle_secs: 900,
            session_max_secs: 8 * 3600,
            max_failed_logins: 3,
            lockout_secs: 60,
            secure_cookies: crate::config::SecureCookies::Always,
        };
        let set = ConsoleSettings::from_config(&config);
        assert_eq!(set.sessions.idle, chrono::Duration::minutes(15));
        assert_eq!(set.sessions.absolute, chrono::Duration::hours(8));
        assert_eq!(set.throttle.login_failures, 3);
        assert_eq!(set.throttle.lock, chrono::Duration::minutes(1));
        assert_eq!(set.cookie_secure, CookieSecure::Always);
        let defaults = ConsoleSettings::from_config(&crate::config::ConsoleSettings::default());
        assert_eq!(defaults.sessions, SessionSettings::default());
    }
}
