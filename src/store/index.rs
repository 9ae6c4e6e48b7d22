//! Index keys are keyed hashes, never the identifiers themselves: a conversation id, a client
//! message id or a wallet user ref would otherwise stay in the database log (and in every copy of
//! it) long after the person was erased. The secret lives in its own file of the data directory,
//! so the hashes cannot be recomputed from a copy of the database alone.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::StoreError;
use super::types::ConversationKey;

/// The file holding the secret, next to the database.
pub const SECRET_FILE: &str = "index.secret";
/// 128 bits: collisions are out of reach for any number of conversations a store will see.
pub const HASH_LEN: usize = 16;

/// A hashed identifier as it appears in index keys.
pub type Hashed = [u8; HASH_LEN];

/// Separates the kinds of identifier, so that equal strings of different kinds hash apart.
#[derive(Clone, Copy)]
enum Domain {
    Conversation,
    Message,
    User,
    Topic,
    Pseudonym,
}

impl Domain {
    fn tag(self) -> &'static [u8] {
        match self {
            Self::Conversation => b"conversation",
            Self::Message => b"message",
            Self::User => b"user",
            Self::Topic => b"topic",
            Self::Pseudonym => b"pseudonym",
        }
    }
}

#[derive(Clone)]
pub struct IndexSecret {
    secret: [u8; 32],
}

fn open_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

impl IndexSecret {
    /// Reads the secret of `dir`, creating it (owner-only, synced) on first open.
    pub fn open_or_create(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(SECRET_FILE);
        match File::open(&path) {
            Ok(mut file) => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)
                    .map_err(|e| open_err(&path, e))?;
                let secret =
                    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| StoreError::Corrupt {
                        what: "index secret",
                        reason: format!(
                            "{} must hold 32 bytes and holds {}; restore it from a backup",
                            path.display(),
                            bytes.len()
                        ),
                    })?;
                Ok(Self { secret })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::create(dir),
            Err(e) => Err(open_err(&path, e)),
        }
    }

    fn create(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(SECRET_FILE);
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        // Written under a temporary name and renamed, so a crash never leaves a short secret.
        let tmp = dir.join(format!("{SECRET_FILE}.tmp"));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(|e| open_err(&tmp, e))?;
        file.write_all(&secret).map_err(|e| open_err(&tmp, e))?;
        file.sync_all().map_err(|e| open_err(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| open_err(&path, e))?;
        sync_dir(dir).map_err(|e| open_err(dir, e))?;
        Ok(Self { secret })
    }

    fn hash(&self, domain: Domain, parts: &[&[u8]]) -> Hashed {
        // `new_from_slice` accepts any key length for HMAC; 32 bytes cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(domain.tag());
        for part in parts {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; HASH_LEN];
        out.copy_from_slice(&full[..HASH_LEN]);
        out
    }

    pub fn conversation(&self, key: &ConversationKey) -> Hashed {
        self.hash(Domain::Conversation, &[key.as_str().as_bytes()])
    }

    /// A client message id, within its conversation.
    pub fn message(&self, conversation: &Hashed, message_id: &str) -> Hashed {
        self.hash(Domain::Message, &[conversation, message_id.as_bytes()])
    }

    pub fn user(&self, user_ref: &str) -> Hashed {
        self.hash(Domain::User, &[user_ref.as_bytes()])
    }

    /// A short keyed hash (12 hex digits) naming a person in the audit log or on an agent's
    /// card: enough to tell two people apart, useless for finding either.
    pub fn pseudonym(&self, value: &str) -> String {
        hex::encode(&self.hash(Domain::Pseudonym, &[value.as_bytes()])[..6])
    }

    /// A follow-up topic (a case id is as personal as the conversation).
    pub fn topic(&self, topic_index: &str) -> Hashed {
        self.hash(Domain::Topic, &[topic_index.as_bytes()])
    }
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_created_once_private_and_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = IndexSecret::open_or_create(dir.path()).expect("created");
        let again = IndexSecret::open_or_create(dir.path()).expect("read back");
        let key = ConversationKey::new("widget", "v1").expect("key");
        assert_eq!(first.conversation(&key), again.conversation(&key));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Another store's secret gives other hashes.
        let other_dir = tempfile::tempdir().expect("temp dir");
        let other = IndexSecret::open_or_create(other_dir.path()).expect("created");
        assert_ne!(first.conversation(&key), other.conversation(&key));
        // Kinds do not collide.
        assert_ne!(first.user("widget:v1"), first.conversation(&key));
    }

    #[test]
    fn a_damaged_secret_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(SECRET_FILE), b"short").expect("write");
        let err = IndexSecret::open_or_create(dir.path())
            .err()
            .expect("refused");
        assert!(err.to_string().contains(SECRET_FILE), "{err}");
    }
}
