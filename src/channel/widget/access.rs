//! Who may reach a widget conversation. The server issues each conversation a random id and a
//! token (an HMAC of the id under a server key); every call on the conversation must carry the
//! token. An id alone (seen in a log, a screenshot, or guessed) opens nothing, and the server
//! never takes an id it did not issue.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Issued ids are `c_` and 22 characters of base64url: 128 random bits.
const ID_PREFIX: &str = "c_";
const ID_RANDOM_CHARS: usize = 22;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("this is not a conversation id the server issued")]
    BadId,
    #[error("the conversation token is missing: send the X-Kycdesk-Conversation header")]
    MissingToken,
    #[error("the conversation token does not match the conversation")]
    BadToken,
}

impl AccessError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadId => "bad_conversation_id",
            Self::MissingToken => "conversation_token_required",
            Self::BadToken => "conversation_token_invalid",
        }
    }
}

/// Issues and checks conversation ids and tokens. The key never appears in `Debug` output.
#[derive(Clone)]
pub struct ConversationAccess {
    key: Vec<u8>,
}

impl std::fmt::Debug for ConversationAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConversationAccess { key: *** }")
    }
}

/// A new conversation: its id and the token that opens it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IssuedConversation {
    pub conversation_id: String,
    pub conversation_token: String,
}

impl ConversationAccess {
    /// `key`: at least 32 bytes of secret (derived from the widget secret, or kept in the data
    /// directory), the same on every instance and across restarts.
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// Derives the key from another secret, so the two are never the same bytes.
    pub fn derived_from(secret: &[u8]) -> Self {
        Self::new(mac(secret, b"kycdesk widget conversation tokens v1").to_vec())
    }

    pub fn issue(&self) -> IssuedConversation {
        let mut random = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut random);
        let id = format!("{ID_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
        IssuedConversation {
            conversation_token: self.token_for(&id),
            conversation_id: id,
        }
    }

    /// The token of conversation `id` (what [`ConversationAccess::issue`] hands out with it).
    pub fn token_for(&self, id: &str) -> String {
        URL_SAFE_NO_PAD.encode(mac(&self.key, id.as_bytes()))
    }

    /// Whether `id` has the shape of an issued id (cheap; checked before anything else).
    pub fn well_formed(id: &str) -> bool {
        id.strip_prefix(ID_PREFIX).is_some_and(|rest| {
            rest.len() == ID_RANDOM_CHARS
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    }

    /// Checks the token of a conversation in constant time.
    pub fn verify(&self, id: &str, token: Option<&str>) -> Result<(), AccessError> {
        if !Self::well_formed(id) {
            return Err(AccessError::BadId);
        }
        let token = token
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AccessError::MissingToken)?;
        let given = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| AccessError::BadToken)?;
        let mut check = HmacSha256::new_from_slice(&self.key).map_err(|_| AccessError::BadToken)?;
        check.update(id.as_bytes());
        check
            .verify_slice(&given)
            .map_err(|_| AccessError::BadToken)
    }
}

fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access() -> ConversationAccess {
        ConversationAccess::derived_from(b"widget secret")
    }

    #[test]
    fn an_issued_conversation_opens_with_its_token_only() {
        let a = access();
        let c = a.issue();
        assert!(ConversationAccess::well_formed(&c.conversation_id));
        assert_eq!(
            a.verify(&c.conversation_id, Some(&c.conversation_token)),
            Ok(())
        );
        assert_eq!(
            a.verify(&c.conversation_id, None),
            Err(AccessError::MissingToken)
        );
        let other = a.issue();
        assert_eq!(
            a.verify(&c.conversation_id, Some(&other.conversation_token)),
            Err(AccessError::BadToken)
        );
        let elsewhere = ConversationAccess::derived_from(b"another secret");
        assert_eq!(
            elsewhere.verify(&c.conversation_id, Some(&c.conversation_token)),
            Err(AccessError::BadToken)
        );
    }

    #[test]
    fn ids_the_server_did_not_issue_are_refused() {
        let a = access();
        for id in [
            "1",
            "..",
            "v_0123456789abcdef",
            "c_short",
            "c_AAAAAAAAAAAAAAAAAAAAA/",
        ] {
            assert_eq!(a.verify(id, Some("x")), Err(AccessError::BadId), "{id}");
        }
    }
}
