//! Checking a case-update delivery (`POST /hooks/case-updated`) before anything acts on it.
//!
//! The backend says when it sent the delivery, `X-Timestamp: <unix seconds>`, and signs that
//! timestamp together with the raw body: `X-Signature: sha256=<hex HMAC-SHA256(secret,
//! "<X-Timestamp>.<body>")>`. Because the timestamp is signed, a captured delivery cannot be
//! replayed later under a fresh timestamp: changing it breaks the signature. A delivery is
//! accepted only if the signature matches (compared in constant time, so timing says nothing
//! about how close a guess was), the timestamp is within 5 minutes of our clock, this exact
//! delivery has not been accepted before, and the body is a case.
//!
//! Even then the delivery is only a hint: [`CaseHint`] carries the case id and nothing else, so
//! the caller has to read the case again from the case API and act on what the API says. A
//! forged, replayed or out-of-order delivery can at worst cause one extra lookup.
//!
//! The checks run in that order: an unsigned request learns nothing beyond 401, and a
//! well-signed but unreadable body is not remembered, so a fixed re-delivery is not mistaken for
//! a replay.
//!
//! HTTP statuses ([`WebhookError::status_code`]), chosen so a sender can tell what to do:
//! - 401 missing or wrong signature: a configuration problem on the sending side;
//! - 400 missing, unreadable or stale `X-Timestamp`: resend with a fresh one (and a new
//!   signature);
//! - 409 replay: this exact delivery was already accepted; nothing is done twice, and a sender
//!   retrying after a lost response may treat 409 as delivered;
//! - 413 body over 1 MiB; 422 signed and fresh but not a case object;
//! - 503 no webhook secret configured here (the bot polls instead).

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::model::Case;

/// How far `X-Timestamp` may be from our clock, either way.
pub const MAX_SKEW_SECS: u64 = 300;

/// Larger deliveries are refused before any work is done on them.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("no webhook secret is configured")]
    NotConfigured,
    #[error("the delivery has no X-Signature")]
    MissingSignature,
    #[error("the delivery's X-Signature does not match its body")]
    BadSignature,
    #[error("the delivery has no X-Timestamp")]
    MissingTimestamp,
    #[error("the delivery's X-Timestamp is not unix seconds")]
    BadTimestamp,
    #[error("the delivery's X-Timestamp is {skew_secs} s from our clock (at most {MAX_SKEW_SECS})")]
    Stale { skew_secs: u64 },
    #[error("this delivery was already accepted")]
    Replay,
    #[error("the delivery is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("the delivery's body is not a case object")]
    Malformed,
}

impl WebhookError {
    /// The HTTP status to answer with (see the module documentation for why).
    pub fn status_code(&self) -> u16 {
        match self {
            Self::MissingSignature | Self::BadSignature => 401,
            Self::MissingTimestamp | Self::BadTimestamp | Self::Stale { .. } => 400,
            Self::Replay => 409,
            Self::TooLarge => 413,
            Self::Malformed => 422,
            Self::NotConfigured => 503,
        }
    }

    /// A stable kebab-case id for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "not-configured",
            Self::MissingSignature => "missing-signature",
            Self::BadSignature => "bad-signature",
            Self::MissingTimestamp => "missing-timestamp",
            Self::BadTimestamp => "bad-timestamp",
            Self::Stale { .. } => "stale",
            Self::Replay => "replay",
            Self::TooLarge => "too-large",
            Self::Malformed => "malformed",
        }
    }
}

/// The deliveries accepted recently, by (timestamp, signature): the signature covers the
/// timestamp and the body, so the pair names one delivery. Bounded: past `capacity` the oldest is
/// forgotten; and each is forgotten once its timestamp can no longer pass the 5-minute check
/// anyway, so memory stays at about ten minutes of deliveries.
#[derive(Debug)]
pub struct ReplayGuard {
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    keys: HashSet<(i64, [u8; 32])>,
    /// In insertion order, with the time after which each may be forgotten.
    order: VecDeque<(i64, (i64, [u8; 32]))>,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl ReplayGuard {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Remembers the pair; `false` if it was already remembered.
    pub fn check_and_remember(&self, timestamp: i64, signature: &[u8; 32], now: i64) -> bool {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while seen
            .order
            .front()
            .is_some_and(|(forget_at, _)| *forget_at < now)
        {
            if let Some((_, key)) = seen.order.pop_front() {
                seen.keys.remove(&key);
            }
        }
        let key = (timestamp, *signature);
        if seen.keys.contains(&key) {
            return false;
        }
        while seen.keys.len() >= self.capacity {
            match seen.order.pop_front() {
                Some((_, old)) => {
                    seen.keys.remove(&old);
                }
                None => break,
            }
        }
        // Accepted timestamps are at most MAX_SKEW after `now`, and go stale MAX_SKEW after
        // themselves: after twice the window this pair can never pass the age check again.
        let forget_at = now.saturating_add(2 * MAX_SKEW_SECS as i64 + 1);
        seen.keys.insert(key);
        seen.order.push_back((forget_at, key));
        true
    }

    /// Forgets the pair, if it was remembered.
    pub fn forget(&self, timestamp: i64, signature: &[u8; 32]) {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (timestamp, *signature);
        if seen.keys.remove(&key) {
            seen.order.retain(|(_, k)| *k != key);
        }
    }

    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An accepted delivery: which case the backend says changed. Only a hint to read that case
/// again; what the body claimed about it is deliberately not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHint {
    pub case_id: String,
    timestamp: i64,
    signature: [u8; 32],
}

impl CaseHint {
    /// Lets the replay memory forget this delivery, so that the sender's retry is accepted
    /// (for when it could not be acted on, e.g. the case API was unreachable).
    pub fn forget_in(&self, seen: &ReplayGuard) {
        seen.forget(self.timestamp, &self.signature);
    }
}

/// Checks one delivery and returns the case id it names. `now` is unix seconds.
pub fn verify_webhook(
    secret: &[u8],
    signature_header: Option<&str>,
    timestamp_header: Option<&str>,
    body: &[u8],
    now: i64,
    seen: &ReplayGuard,
) -> Result<CaseHint, WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::NotConfigured);
    }
    let header = signature_header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(WebhookError::MissingSignature)?;
    if body.len() > MAX_BODY_BYTES {
        return Err(WebhookError::TooLarge);
    }
    let timestamp_text = timestamp_header
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(WebhookError::MissingTimestamp)?;
    let timestamp = timestamp_text
        .parse::<i64>()
        .map_err(|_| WebhookError::BadTimestamp)?;
    let signature = parse_signature(header).ok_or(WebhookError::BadSignature)?;
    // `verify_slice` compares in constant time.
    signing_mac(secret, timestamp_text, body)
        .ok_or(WebhookError::NotConfigured)?
        .verify_slice(&signature)
        .map_err(|_| WebhookError::BadSignature)?;

    let skew_secs = timestamp.abs_diff(now);
    if skew_secs > MAX_SKEW_SECS {
        return Err(WebhookError::Stale { skew_secs });
    }

    let case: Case = serde_json::from_slice(body).map_err(|_| WebhookError::Malformed)?;
    if !seen.check_and_remember(timestamp, &signature, now) {
        return Err(WebhookError::Replay);
    }
    Ok(CaseHint {
        case_id: case.case_id,
        timestamp,
        signature,
    })
}

/// The HMAC over `"<timestamp>.<body>"`, the timestamp exactly as sent in `X-Timestamp`.
fn signing_mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// `X-Signature` for a delivery of `body` sent at `timestamp` (the `X-Timestamp` value): what
/// the backend sends. For tests and for tools that deliver.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts a key of any length; the fallback is never taken.
    let Some(mac) = signing_mac(secret, &timestamp.to_string(), body) else {
        return String::new();
    };
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn parse_signature(header: &str) -> Option<[u8; 32]> {
    let (scheme, hex_digest) = header.split_once('=')?;
    if !scheme.trim().eq_ignore_ascii_case("sha256") {
        return None;
    }
    let bytes = hex::decode(hex_digest.trim()).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const BODY: &[u8] = br#"{"case_id":"KYC-1","status":"approved"}"#;
    const NOW: i64 = 1_718_000_000;

    fn verify(
        sig: Option<&str>,
        ts: Option<&str>,
        body: &[u8],
        guard: &ReplayGuard,
    ) -> Result<CaseHint, WebhookError> {
        verify_webhook(SECRET, sig, ts, body, NOW, guard)
    }

    #[test]
    fn a_good_delivery_names_the_case() {
        let guard = ReplayGuard::default();
        let sig = sign(SECRET, NOW, BODY);
        let hint = verify(Some(&sig), Some("1718000000"), BODY, &guard).unwrap();
        assert_eq!(hint.case_id, "KYC-1");
        assert_eq!(guard.len(), 1);
    }

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let guard = ReplayGuard::default();
        let ts = Some("1718000000");
        assert_eq!(
            verify(None, ts, BODY, &guard),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify(Some("  "), ts, BODY, &guard),
            Err(WebhookError::MissingSignature)
        );
        let wrong_key = sign(b"other", NOW, BODY);
        assert_eq!(
            verify(Some(&wrong_key), ts, BODY, &guard),
            Err(WebhookError::BadSignature)
        );
        let sig = sign(SECRET, NOW, BODY);
        let tampered = br#"{"case_id":"KYC-2","status":"approved"}"#;
        assert_eq!(
            verify(Some(&sig), ts, tampered, &guard),
            Err(WebhookError::BadSignature)
        );
        // Another timestamp under the same signature: a replay dressed up as new.
        assert_eq!(
            verify(Some(&sig), Some("1718000001"), BODY, &guard),
            Err(WebhookError::BadSignature)
        );
        // The body alone signed: the scheme before the timestamp was covered.
        let mut mac = HmacSha256::new_from_slice(SECRET).unwrap();
        mac.update(BODY);
        let body_only = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(
            verify(Some(&body_only), ts, BODY, &guard),
            Err(WebhookError::BadSignature)
        );
        for bad in [
            "sha1=00",
            "sha256=zz",
            "sha256=",
            "deadbeef",
            &sig[..sig.len() - 2],
        ] {
            assert_eq!(
                verify(Some(bad), ts, BODY, &guard),
                Err(WebhookError::BadSignature),
                "{bad}"
            );
        }
        assert!(guard.is_empty(), "nothing refused is remembered");
        // Upper-case hex and spacing are the same signature.
        let upper = format!("SHA256={}", sig["sha256=".len()..].to_ascii_uppercase());
        assert!(verify(Some(&upper), ts, BODY, &guard).is_ok());
        assert_eq!(guard.len(), 1);
        assert_eq!(
            verify_webhook(b"", Some(&sig), ts, BODY, NOW, &guard),
            Err(WebhookError::NotConfigured)
        );
    }

    #[test]
    fn timestamps() {
        let guard = ReplayGuard::default();
        let sig = sign(SECRET, NOW, BODY);
        assert_eq!(
            verify(Some(&sig), None, BODY, &guard),
            Err(WebhookError::MissingTimestamp)
        );
        assert_eq!(
            verify(Some(&sig), Some("noon"), BODY, &guard),
            Err(WebhookError::BadTimestamp)
        );
        for (ts, skew) in [(NOW - 301, 301), (NOW + 301, 301)] {
            assert_eq!(
                verify(
                    Some(&sign(SECRET, ts, BODY)),
                    Some(&ts.to_string()),
                    BODY,
                    &guard
                ),
                Err(WebhookError::Stale { skew_secs: skew })
            );
        }
        for ts in [NOW - 300, NOW + 300] {
            assert!(
                verify(
                    Some(&sign(SECRET, ts, BODY)),
                    Some(&ts.to_string()),
                    BODY,
                    &guard
                )
                .is_ok()
            );
        }
        assert_eq!(
            verify(
                Some(&sign(SECRET, i64::MIN, BODY)),
                Some(&i64::MIN.to_string()),
                BODY,
                &guard
            ),
            Err(WebhookError::Stale {
                skew_secs: NOW.abs_diff(i64::MIN)
            })
        );
    }

    #[test]
    fn replays_and_malformed_bodies() {
        let guard = ReplayGuard::default();
        let sig = sign(SECRET, NOW, BODY);
        let hint = verify(Some(&sig), Some("1718000000"), BODY, &guard).unwrap();
        assert_eq!(
            verify(Some(&sig), Some("1718000000"), BODY, &guard),
            Err(WebhookError::Replay)
        );
        // Forgotten (it could not be acted on): the sender's retry is accepted.
        hint.forget_in(&guard);
        assert!(guard.is_empty());
        assert!(verify(Some(&sig), Some("1718000000"), BODY, &guard).is_ok());
        // The same body sent again later, signed anew, is a new delivery.
        let later = sign(SECRET, NOW + 1, BODY);
        assert!(verify(Some(&later), Some("1718000001"), BODY, &guard).is_ok());

        let garbage = b"{not json";
        let sig = sign(SECRET, NOW, garbage);
        assert_eq!(
            verify(Some(&sig), Some("1718000000"), garbage, &guard),
            Err(WebhookError::Malformed)
        );
        assert_eq!(
            verify(Some(&sig), Some("1718000000"), garbage, &guard),
            Err(WebhookError::Malformed),
            "not remembered, so not a replay"
        );
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            verify(
                Some(&sign(SECRET, NOW, &huge)),
                Some("1718000000"),
                &huge,
                &guard
            ),
            Err(WebhookError::TooLarge)
        );
    }

    #[test]
    fn the_replay_memory_is_bounded_and_expires() {
        let guard = ReplayGuard::new(3);
        for i in 0..10u8 {
            assert!(guard.check_and_remember(NOW, &[i; 32], NOW));
        }
        assert_eq!(guard.len(), 3);
        assert!(!guard.check_and_remember(NOW, &[9; 32], NOW));
        let later = NOW + 2 * MAX_SKEW_SECS as i64 + 2;
        assert!(guard.check_and_remember(later, &[42; 32], later));
        assert_eq!(guard.len(), 1, "the old ones expired");
    }

    #[test]
    fn statuses() {
        assert_eq!(WebhookError::MissingSignature.status_code(), 401);
        assert_eq!(WebhookError::BadSignature.status_code(), 401);
        assert_eq!(WebhookError::Stale { skew_secs: 400 }.status_code(), 400);
        assert_eq!(WebhookError::Replay.status_code(), 409);
        assert_eq!(WebhookError::Malformed.status_code(), 422);
        assert_eq!(WebhookError::TooLarge.status_code(), 413);
        assert_eq!(WebhookError::NotConfigured.status_code(), 503);
    }
}
