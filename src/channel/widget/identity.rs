//! The signed identity a wallet's server gives its signed-in users' widget: `<user_ref>.<expires
//! unix seconds>.<hex HMAC-SHA256(secret, "<user_ref>.<expires>")>`. A valid token links the
//! conversation to the wallet user, so the bot can look their case up without asking. Tokens
//! expire (a static per-user hash, as older widgets use, would be a password for ever).

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
}

impl IdentityError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "identity_required",
            Self::Malformed => "identity_malformed",
            Self::Expired => "identity_expired",
            Self::BadSignature => "identity_bad_signature",
            Self::NotConfigured => "identity_not_configured",
        }
    }
}

/// Checks identity tokens. The secret never appears in `Debug` output or logs.
#[derive(Clone)]
pub struct IdentityVerifier {
    secret: Option<Vec<u8>>,
    /// When set, a request without a valid token is refused (never treated as anonymous).
    pub enforce: bool,
}

impl std::fmt::Debug for IdentityVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityVerifier")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("enforce", &self.enforce)
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
        Self { secret, enforce }
    }

    /// Makes a token (what the wallet's server does; used by the demo page and tests).
    pub fn issue(&self, user_ref: &str, expires: i64) -> Option<String> {
        let secret = self.secret.as_ref()?;
        let payload = format!("{user_ref}.{expires}");
        let signature = hex::encode(mac(secret, &payload).finalize().into_bytes());
        Some(format!("{payload}.{signature}"))
    }

    /// The wallet user of a request: `Ok(None)` for an anonymous visitor (allowed only when
    /// identity is not enforced), `Ok(Some(user_ref))` for a valid token.
    pub fn verify(&self, token: Option<&str>, now: i64) -> Result<Option<String>, IdentityError> {
        let token = token.map(str::trim).filter(|t| !t.is_empty());
        let Some(token) = token else {
            return if self.enforce {
                Err(IdentityError::Missing)
            } else {
                Ok(None)
            };
        };
        let Some(secret) = &self.secret else {
            return Err(IdentityError::NotConfigured);
        };
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
        mac(secret, &format!("{user_ref}.{expires}"))
            .verify_slice(&signature)
            .map_err(|_| IdentityError::BadSignature)?;
        if expires < now {
            return Err(IdentityError::Expired);
        }
        Ok(Some(user_ref.to_string()))
    }
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
    fn the_secret_is_not_in_debug_output() {
        assert!(!format!("{:?}", verifier(true)).contains("wallet-secret"));
    }
}
