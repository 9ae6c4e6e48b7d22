//! The signed identity a wallet's server gives its signed-in users' widget: `<user_ref>.<expires
//! unix seconds>.<hex HMAC-SHA256(secret, "<user_ref>.<expires>")>`. A valid token links the
//! conversation to the wallet user, so the bot can look their case up without asking. Tokens
//! expire (a static per-user hash, as older widgets use, would be a password for ever), and a
//! token may not live longer than a configured maximum, so a leaked one is not good for months.
//!
//! In demo mode the demo page signs its demo user with a separate key made for this process only:
//! a demo token is never valid under the wallet's secret, and no demo key exists outside demo mode.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("an identity token is required")]
    Missing,
    #[error("the identity token is not `<user_ref>.<expires>.<signature>`")]
    Malformed,
    #[error("the identity token has expired")]
    Expired,
    #[error("the identity token's signature does not match")]
    BadSignature,
    #[error("identity tokens are not accepted: no KYCDESK_WIDGET_SECRET is configured")]
    NotConfigured,
    #[error("the identity token lives longer than the {max_secs} seconds a token may")]
    TooLong { max_secs: i64 },
}

impl IdentityError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "identity_required",
            Self::Malformed => "identity_malformed",
            Self::Expired => "identity_expired",
            Self::BadSignature => "identity_bad_signature",
            Self::NotConfigured => "identity_not_configured",
            Self::TooLong { .. } => "identity_lifetime_too_long",
        }
    }
}

/// Checks identity tokens. The secret never appears in `Debug` output or logs.
#[derive(Clone)]
pub struct IdentityVerifier {
    secret: Option<Vec<u8>>,
    /// The demo page's key (demo mode only): random, for this process only.
    demo_key: Option<Vec<u8>>,
    /// When set, a request without a valid token is refused (never treated as anonymous).
    pub enforce: bool,
    /// The longest a token may live from now (its `expires` minus the current time).
    pub max_lifetime_secs: i64,
}

/// Default `KYCDESK_IDENTITY_MAX_LIFETIME_SECS`: a working day. The wallet signs a fresh token on
/// each page load and hands the widget a new one (`KycDesk.setIdentity`) when it asks.
pub const DEFAULT_MAX_LIFETIME_SECS: i64 = 12 * 3600;

impl std::fmt::Debug for IdentityVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityVerifier")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("demo_key", &self.demo_key.as_ref().map(|_| "***"))
            .field("enforce", &self.enforce)
            .field("max_lifetime_secs", &self.max_lifetime_secs)
            .finish()
    }
}

fn mac(secret: &[u8], payload: &str) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(payload.as_bytes());
    mac
}

impl IdentityVerifier {
    pub fn new(secret: Option<Vec<u8>>, enforce: bool) -> Self {
        Self {
            secret,
            demo_key: None,
            enforce,
            max_lifetime_secs: DEFAULT_MAX_LIFETIME_SECS,
        }
    }

    /// Demo mode: also accept tokens signed with a fresh random key, which only
    /// [`IdentityVerifier::issue_demo`] uses.
    pub fn with_demo_key(mut self) -> Self {
        let mut key = vec![0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        self.demo_key = Some(key);
        self
    }

    pub fn with_max_lifetime(mut self, secs: i64) -> Self {
        self.max_lifetime_secs = secs;
        self
    }

    /// Whether the demo page may hand out demo identities (demo mode).
    pub fn has_demo_key(&self) -> bool {
        self.demo_key.is_some()
    }

    /// A demo user's token, signed with the demo key; `None` outside demo mode.
    pub fn issue_demo(&self, user_ref: &str, expires: i64) -> Option<String> {
        Some(sign(self.demo_key.as_ref()?, user_ref, expires))
    }

    /// Makes a token (what the wallet's server does; used by the demo page and tests).
    pub fn issue(&self, user_ref: &str, expires: i64) -> Option<String> {
        Some(sign(self.secret.as_ref()?, user_ref, expires))
    }

    /// The wallet user of a request: `Ok(None)` for an anonymous visitor (allowed only when
    /// identity is not enforced), `Ok(Some(user_ref))` for a valid token.
    pub fn verify(&self, token: Option<&str>, now: i64) -> Result<Option<String>, IdentityError> {
        Ok(self.verify_claims(token, now)?.map(|c| c.user_ref))
    }

    /// Like [`IdentityVerifier::verify`], with the token's expiry (a socket ends its session then).
    pub fn verify_claims(
        &self,
        token: Option<&str>,
        now: i64,
    ) -> Result<Option<Claims>, IdentityError> {
        let token = token.map(str::trim).filter(|t| !t.is_empty());
        let Some(token) = token else {
            return if self.enforce {
                Err(IdentityError::Missing)
            } else {
                Ok(None)
            };
        };
        if self.secret.is_none() && self.demo_key.is_none() {
            return Err(IdentityError::NotConfigured);
        }
        let mut parts = token.rsplitn(3, '.');
        let (Some(signature), Some(expires), Some(user_ref)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(IdentityError::Malformed);
        };
        let valid_ref = !user_ref.is_empty()
            && user_ref.len() <= 128
            && user_ref
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        let expires: i64 = expires.parse().map_err(|_| IdentityError::Malformed)?;
        let signature = hex::decode(signature).map_err(|_| IdentityError::Malformed)?;
        if !valid_ref {
            return Err(IdentityError::Malformed);
        }
        // Constant-time comparison (`verify_slice`), checked before the expiry so that timing
        // tells nothing about which part was wrong.
        let payload = format!("{user_ref}.{expires}");
        let signed_by = |key: &Option<Vec<u8>>| {
            key.as_ref()
                .is_some_and(|k| mac(k, &payload).verify_slice(&signature).is_ok())
        };
        if !signed_by(&self.secret) && !signed_by(&self.demo_key) {
            return Err(IdentityError::BadSignature);
        }
        if expires < now {
            return Err(IdentityError::Expired);
        }
        if expires - now > self.max_lifetime_secs {
            return Err(IdentityError::TooLong {
                max_secs: self.max_lifetime_secs,
            });
        }
        Ok(Some(Claims {
            user_ref: user_ref.to_string(),
            expires,
        }))
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub user_ref: String,
    /// Unix seconds.
    pub expires: i64,
}

fn sign(key: &[u8], user_ref: &str, expires: i64) -> String {
    let payload = format!("{user_ref}.{expires}");
    let signature = hex::encode(mac(key, &payload).finalize().into_bytes());
    format!("{payload}.{signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(enforce: bool) -> IdentityVerifier {
        IdentityVerifier::new(Some(b"wallet-secret".to_vec()), enforce)
    }

    #[test]
    fn a_fresh_token_names_its_user() {
        let v = verifier(true);
        let token = v.issue("u_demo", 2_000).expect("token");
        assert_eq!(v.verify(Some(&token), 1_000), Ok(Some("u_demo".into())));
    }

    #[test]
    fn expired_tampered_and_missing_tokens_are_refused() {
        let v = verifier(true);
        let token = v.issue("u_demo", 2_000).expect("token");
        assert_eq!(v.verify(Some(&token), 3_000), Err(IdentityError::Expired));
        let other_user = token.replacen("u_demo", "u_evil", 1);
        assert_eq!(
            v.verify(Some(&other_user), 1_000),
            Err(IdentityError::BadSignature)
        );
        let longer = token.replacen(".2000.", ".9999.", 1);
        assert_eq!(
            v.verify(Some(&longer), 1_000),
            Err(IdentityError::BadSignature)
        );
        assert_eq!(
            v.verify(Some("nonsense"), 1_000),
            Err(IdentityError::Malformed)
        );
        assert_eq!(v.verify(None, 1_000), Err(IdentityError::Missing));
        assert_eq!(v.verify(Some(""), 1_000), Err(IdentityError::Missing));
    }

    #[test]
    fn anonymous_visitors_when_not_enforced_but_never_a_bad_token() {
        let v = verifier(false);
        assert_eq!(v.verify(None, 1_000), Ok(None));
        assert_eq!(
            v.verify(Some("u.1.00"), 1_000),
            Err(IdentityError::BadSignature)
        );
    }

    #[test]
    fn a_token_may_not_outlive_the_maximum() {
        let v = verifier(true).with_max_lifetime(3600);
        let long = v.issue("u_demo", 1_000 + 30 * 86_400).expect("token");
        assert_eq!(
            v.verify(Some(&long), 1_000),
            Err(IdentityError::TooLong { max_secs: 3600 })
        );
        let short = v.issue("u_demo", 1_000 + 3600).expect("token");
        assert_eq!(v.verify(Some(&short), 1_000), Ok(Some("u_demo".into())));
    }

    #[test]
    fn demo_tokens_are_signed_apart_from_the_wallet_secret() {
        let production = verifier(true);
        assert!(production.issue_demo("u_demo", 2_000).is_none());
        let demo = verifier(false).with_demo_key();
        let token = demo.issue_demo("u_demo", 2_000).expect("demo token");
        assert_eq!(demo.verify(Some(&token), 1_000), Ok(Some("u_demo".into())));
        assert_eq!(
            production.verify(Some(&token), 1_000),
            Err(IdentityError::BadSignature),
            "a demo token is worthless under the wallet's secret"
        );
        let other_run = verifier(false).with_demo_key();
        assert_eq!(
            other_run.verify(Some(&token), 1_000),
            Err(IdentityError::BadSignature),
            "each process has its own demo key"
        );
    }

    #[test]
    fn the_secret_is_not_in_debug_output() {
        assert!(!format!("{:?}", verifier(true)).contains("wallet-secret"));
    }
}
