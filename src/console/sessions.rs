//! Console sessions, kept in memory (a restart logs every agent out).
//!
//! A session id is 256 random bits (base64url) handed to the browser in a cookie; the store keeps
//! only its SHA-256, so the table itself holds nothing that would let anyone act as an agent.
//! Sessions end after an idle time and after an absolute lifetime, at logout, and when the
//! agent's account is disabled or their password reset. A new id is made at every login, and ids
//! are never reused. The table is bounded: past the cap the oldest session is dropped.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How long sessions live and how many there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// A session ends this long after login, used or not.
    pub absolute: Duration,
    /// Most sessions at once; past it the oldest is dropped.
    pub max_sessions: usize,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
            max_sessions: 10_000,
        }
    }
}

/// What a live session tells about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The hash the session is kept under (names it without being usable as a cookie).
    pub handle: SessionHandle,
    pub login: String,
    pub csrf: String,
    pub created: DateTime<Utc>,
    /// Which password the session was opened with (see [`credential_tag`]).
    pub credential: [u8; 32],
}

/// A tag of the password hash a session was opened with: when the password changes by any way
/// (the console, the command line, another instance), the tags differ and the session ends.
pub fn credential_tag(password_hash: &str) -> [u8; 32] {
    Sha256::digest(password_hash.as_bytes()).into()
}

/// A session's key in the table: the SHA-256 of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionHandle([u8; 32]);

/// A session just made: the id goes into the cookie, the token to the page.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub csrf: String,
    pub info: SessionInfo,
}

struct Record {
    login: String,
    csrf: String,
    credential: [u8; 32],
    created: DateTime<Utc>,
    last_seen: DateTime<Utc>,
}

pub struct Sessions {
    settings: SessionSettings,
    table: Mutex<HashMap<SessionHandle, Record>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("settings", &self.settings)
            .field("count", &self.count())
            .finish()
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn handle_of(id: &str) -> SessionHandle {
    SessionHandle(Sha256::digest(id.as_bytes()).into())
}

impl Sessions {
    pub fn new(settings: SessionSettings) -> Self {
        Self {
            settings,
            table: Mutex::new(HashMap::new()),
        }
    }

    pub fn settings(&self) -> SessionSettings {
        self.settings
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<SessionHandle, Record>> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn expired(&self, record: &Record, now: DateTime<Utc>) -> bool {
        now - record.last_seen >= self.settings.idle
            || now - record.created >= self.settings.absolute
    }

    /// A new session for `login`, opened with the password whose hash is `password_hash`.
    pub fn create(&self, login: &str, password_hash: &str, now: DateTime<Utc>) -> NewSession {
        let credential = credential_tag(password_hash);
        let id = random_token();
        let csrf = random_token();
        let handle = handle_of(&id);
        let mut table = self.table();
        if table.len() >= self.settings.max_sessions {
            table.retain(|_, r| !self.expired(r, now));
        }
        while table.len() >= self.settings.max_sessions.max(1) {
            // Rare (the cap is far above the number of agents): a linear scan is fine.
            let oldest = table
                .iter()
                .min_by_key(|(_, r)| r.created)
                .map(|(handle, _)| *handle);
            match oldest {
                Some(handle) => table.remove(&handle),
                None => break,
            };
        }
        table.insert(
            handle,
            Record {
                login: login.to_string(),
                csrf: csrf.clone(),
                credential,
                created: now,
                last_seen: now,
            },
        );
        NewSession {
            info: SessionInfo {
                handle,
                login: login.to_string(),
                csrf: csrf.clone(),
                created: now,
                credential,
            },
            id,
            csrf,
        }
    }

    /// The live session with cookie value `id`, marked as used now; an expired one is removed.
    pub fn touch(&self, id: &str, now: DateTime<Utc>) -> Option<SessionInfo> {
        let handle = handle_of(id);
        let mut table = self.table();
        let record = table.get_mut(&handle)?;
        if self.expired(record, now) {
            table.remove(&handle);
            return None;
        }
        record.last_seen = now;
        Some(SessionInfo {
            handle,
            login: record.login.clone(),
            csrf: record.csrf.clone(),
            created: record.created,
            credential: record.credential,
        })
    }

    /// Whether a session is still live, without counting this as use (open sockets ask this:
    /// a console left open is not an agent at work).
    pub fn is_live(&self, handle: &SessionHandle, now: DateTime<Utc>) -> bool {
        let mut table = self.table();
        match table.get(handle) {
            Some(record) if !self.expired(record, now) => true,
            Some(_) => {
                table.remove(handle);
                false
            }
            None => false,
        }
    }

    /// Ends one session (logout).
    pub fn remove(&self, handle: &SessionHandle) {
        self.table().remove(handle);
    }

    /// Ends every session of an agent (account disabled, password reset); returns how many.
    pub fn remove_agent(&self, login: &str) -> usize {
        let mut table = self.table();
        let before = table.len();
        table.retain(|_, r| r.login != login);
        before - table.len()
    }

    pub fn count(&self) -> usize {
        self.table().len()
    }

    /// Forgets expired sessions (run now and then, so memory follows the live ones).
    pub fn forget_expired(&self, now: DateTime<Utc>) {
        self.table().retain(|_, r| !self.expired(r, now));
    }
}

/// Whether a request's CSRF token is the session's, compared in constant time.
pub fn csrf_matches(session: &SessionInfo, presented: &str) -> bool {
    let expected = session.csrf.as_bytes();
    let presented = presented.as_bytes();
    expected.len() == presented.len() && bool::from(expected.ct_eq(presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("time")
            + Duration::minutes(minutes)
    }

    #[test]
    fn ids_are_random_long_and_not_kept_in_clear() {
        let sessions = Sessions::new(SessionSettings::default());
        let a = sessions.create("alice", "hash", at(0));
        let b = sessions.create("alice", "hash", at(0));
        assert_ne!(a.id, b.id);
        assert_ne!(a.csrf, b.csrf);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a.id).expect("base64url").len(), 32);
        assert_eq!(
            sessions.touch(&a.id, at(1)).map(|s| s.login).as_deref(),
            Some("alice")
        );
        assert!(
            sessions.touch(&a.csrf, at(1)).is_none(),
            "the token is not an id"
        );
        assert!(sessions.touch("", at(1)).is_none());
        let table = sessions.table();
        assert!(table.contains_key(&handle_of(&a.id)));
        assert!(table.keys().all(|h| h.0[..] != a.id.as_bytes()[..32]));
    }

    #[test]
    fn idle_and_absolute_timeouts() {
        let sessions = Sessions::new(SessionSettings::default());
        let s = sessions.create("alice", "hash", at(0));
        assert!(sessions.touch(&s.id, at(29)).is_some());
        // Used at 29: alive until 59.
        assert!(sessions.touch(&s.id, at(58)).is_some());
        assert!(sessions.is_live(&s.info.handle, at(87)));
        assert!(
            !sessions.is_live(&s.info.handle, at(88)),
            "idle for 30 minutes"
        );
        assert!(
            sessions.touch(&s.id, at(59)).is_none(),
            "removed once expired"
        );

        let busy = sessions.create("bob", "hash", at(0));
        for minute in (10..12 * 60).step_by(10) {
            assert!(sessions.touch(&busy.id, at(minute)).is_some(), "{minute}");
        }
        assert!(
            sessions.touch(&busy.id, at(12 * 60)).is_none(),
            "12 hours at most"
        );
    }

    #[test]
    fn the_table_is_bounded_oldest_out() {
        let sessions = Sessions::new(SessionSettings {
            max_sessions: 3,
            ..SessionSettings::default()
        });
        let first = sessions.create("a", "hash", at(0));
        let second = sessions.create("b", "hash", at(1));
        sessions.create("c", "hash", at(2));
        sessions.create("d", "hash", at(3));
        assert_eq!(sessions.count(), 3);
        assert!(sessions.touch(&first.id, at(4)).is_none());
        assert!(sessions.touch(&second.id, at(4)).is_some());
    }

    #[test]
    fn an_agents_sessions_end_together() {
        let sessions = Sessions::new(SessionSettings::default());
        let a1 = sessions.create("alice", "hash", at(0));
        let a2 = sessions.create("alice", "hash", at(0));
        let b = sessions.create("bob", "hash", at(0));
        assert_eq!(sessions.remove_agent("alice"), 2);
        assert!(sessions.touch(&a1.id, at(1)).is_none());
        assert!(sessions.touch(&a2.id, at(1)).is_none());
        assert!(sessions.touch(&b.id, at(1)).is_some());
        sessions.remove(&b.info.handle);
        assert!(sessions.touch(&b.id, at(1)).is_none());
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let sessions = Sessions::new(SessionSettings::default());
        let s = sessions.create("alice", "hash", at(0));
        assert!(csrf_matches(&s.info, &s.csrf));
        assert!(!csrf_matches(&s.info, &s.csrf[..10]));
        assert!(!csrf_matches(&s.info, ""));
        let mut other = s.csrf.clone();
        other.replace_range(0..1, if other.starts_with('A') { "B" } else { "A" });
        assert!(!csrf_matches(&s.info, &other));
    }
}
