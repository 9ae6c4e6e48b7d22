//! Upgrading a layout-1 data directory, whose index keys were the identifiers themselves
//! (`<channel>:<id>`, client message ids, user refs) and whose key file named conversations in
//! clear. The records are copied into a fresh database under hashed keys, which then replaces the
//! old one whole, so no copy of the old keys stays in the database log.
//!
//! Crash safety: the new database is built beside the old (`db.layout2`) and swapped in by two
//! renames; `finish_interrupted` completes or restarts whatever a crash left half done.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::Utc;

use super::StoreError;
use super::codec::{open, seal};
use super::index::{Hashed, IndexSecret, sync_dir};
use super::keyring::Keyring;
use super::records::{ReplyRecord, concat, owned_value, timed_value};
use super::trees::{Trees, io, open_db};
use super::types::{ConversationKey, StoredConversation};
use crate::runtime::Turn;

/// The layout-1 key file: records of `[u16 LE length][conversation key][32-byte key]`.
pub const OLD_KEY_FILE: &str = "keys.bin";
const NEXT_DB: &str = "db.layout2";
const OLD_DB: &str = "db.layout1";

fn open_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Completes a swap a crash interrupted, or throws away a half-built new database.
pub fn finish_interrupted(dir: &Path, db_dir: &str) -> Result<(), StoreError> {
    let db = dir.join(db_dir);
    let next = dir.join(NEXT_DB);
    let old = dir.join(OLD_DB);
    if !db.exists() && next.exists() {
        std::fs::rename(&next, &db).map_err(|e| open_err(&next, e))?;
        sync_dir(dir).map_err(|e| open_err(dir, e))?;
    }
    if next.exists() {
        std::fs::remove_dir_all(&next).map_err(|e| open_err(&next, e))?;
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| open_err(&old, e))?;
    }
    Ok(())
}

/// Removes the layout-1 key file once the upgraded database is in place.
pub fn remove_old_key_file(dir: &Path) -> Result<(), StoreError> {
    let path = dir.join(OLD_KEY_FILE);
    if path.exists() {
        std::fs::remove_file(&path).map_err(|e| open_err(&path, e))?;
        sync_dir(dir).map_err(|e| open_err(dir, e))?;
    }
    Ok(())
}

fn read_old_keys(dir: &Path) -> Result<HashMap<String, [u8; 32]>, StoreError> {
    let path = dir.join(OLD_KEY_FILE);
    let mut keys = HashMap::new();
    let mut bytes = Vec::new();
    match File::open(&path) {
        Ok(mut f) => {
            f.read_to_end(&mut bytes).map_err(|e| open_err(&path, e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(keys),
        Err(e) => return Err(open_err(&path, e)),
    }
    let mut rest = bytes.as_slice();
    while let Some((len, tail)) = rest.split_first_chunk::<2>() {
        let len = usize::from(u16::from_le_bytes(*len));
        if tail.len() < len + 32 {
            break; // a torn final record from a crash: it was never acknowledged
        }
        let (name, tail) = tail.split_at(len);
        let (key, tail) = tail.split_at(32);
        let name = String::from_utf8(name.to_vec()).map_err(|_| StoreError::Corrupt {
            what: "layout-1 key file",
            reason: "a conversation name is not UTF-8".into(),
        })?;
        let mut k = [0u8; 32];
        k.copy_from_slice(key);
        keys.insert(name, k);
        rest = tail;
    }
    Ok(keys)
}

/// `name ∥ 0 ∥ rest` (conversation names never hold a 0 byte).
fn split_name(key: &[u8]) -> Option<(ConversationKey, &[u8])> {
    let zero = key.iter().position(|b| *b == 0)?;
    let name = std::str::from_utf8(&key[..zero]).ok()?;
    Some((ConversationKey::parse(name).ok()?, &key[zero + 1..]))
}

/// `prefix ∥ 0 ∥ name` (the prefix may hold anything, the name never a 0 byte).
fn split_trailing_name(key: &[u8]) -> Option<(&[u8], ConversationKey)> {
    let zero = key.iter().rposition(|b| *b == 0)?;
    let name = std::str::from_utf8(&key[zero + 1..]).ok()?;
    Some((&key[..zero], ConversationKey::parse(name).ok()?))
}

/// `[u16 LE length][conversation key][sealed]`
fn split_owned(value: &[u8]) -> Option<(ConversationKey, &[u8])> {
    let (len, rest) = value.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_le_bytes(*len));
    if rest.len() < len {
        return None;
    }
    let (name, sealed) = rest.split_at(len);
    Some((
        ConversationKey::parse(std::str::from_utf8(name).ok()?).ok()?,
        sealed,
    ))
}

/// Rewrites the layout-1 database of `dir` (open as `old`) under hashed keys and swaps it in;
/// returns the upgraded database.
pub fn migrate(
    dir: &Path,
    db_dir: &str,
    old: Trees,
    index: &IndexSecret,
) -> Result<Trees, StoreError> {
    let old_keys = read_old_keys(dir)?;
    let next_path = dir.join(NEXT_DB);
    if next_path.exists() {
        std::fs::remove_dir_all(&next_path).map_err(|e| open_err(&next_path, e))?;
    }
    let next = Trees::new(open_db(&next_path).map_err(|e| open_err(&next_path, e))?)?;
    let mut keys: HashMap<Hashed, [u8; 32]> = HashMap::new();
    let mut key_of = |name: &ConversationKey| {
        let hashed = index.conversation(name);
        let key = old_keys.get(name.as_str()).copied();
        if let Some(k) = key {
            keys.insert(hashed, k);
        }
        (hashed, key)
    };
    let mut skipped = 0u64;

    let mut stored_bytes: HashMap<Hashed, u64> = HashMap::new();
    for item in old.transcripts.iter() {
        let (k, value) = item.map_err(io)?;
        let Some((name, seq)) = split_name(&k).filter(|(_, s)| s.len() == 8) else {
            skipped += 1;
            continue;
        };
        let (hashed, _) = key_of(&name);
        *stored_bytes.entry(hashed).or_default() += value.len() as u64;
        next.transcripts
            .insert(concat(&hashed, seq), value)
            .map_err(io)?;
    }
    let mut updated_at = HashMap::new();
    for item in old.conversations.iter() {
        let (k, raw) = item.map_err(io)?;
        let Some(name) = std::str::from_utf8(&k)
            .ok()
            .and_then(|n| ConversationKey::parse(n).ok())
        else {
            skipped += 1;
            continue;
        };
        let (hashed, key) = key_of(&name);
        let value = match key.map(|k| (k, open::<StoredConversation>(&k, &raw, "conversation"))) {
            Some((k, Ok(mut conversation))) => {
                updated_at.insert(hashed, conversation.updated_at);
                conversation.stored_bytes = stored_bytes.get(&hashed).copied().unwrap_or(0);
                seal(&k, &conversation)?
            }
            // Unreadable already: carried over as it is.
            _ => raw.to_vec(),
        };
        next.conversations.insert(hashed, value).map_err(io)?;
    }
    for item in old.replies.iter() {
        let (k, raw) = item.map_err(io)?;
        let Some((name, message_id)) =
            split_name(&k).and_then(|(n, m)| Some((n, std::str::from_utf8(m).ok()?.to_string())))
        else {
            skipped += 1;
            continue;
        };
        let (hashed, key) = key_of(&name);
        // A dedupe record whose key is gone cannot be read: it is dropped.
        let Some(key) = key else {
            skipped += 1;
            continue;
        };
        let Ok(turn) = open::<Turn>(&key, &raw, "reply") else {
            skipped += 1;
            continue;
        };
        let at = updated_at.get(&hashed).copied().unwrap_or_else(Utc::now);
        let record = ReplyRecord { message_id, turn };
        next.replies
            .insert(
                concat(&hashed, &index.message(&hashed, &record.message_id)),
                timed_value(at, &seal(&key, &record)?),
            )
            .map_err(io)?;
    }
    for item in old.outbox.iter() {
        let (id, value) = item.map_err(io)?;
        let Some((name, sealed)) = split_owned(&value) else {
            skipped += 1;
            continue;
        };
        let (hashed, _) = key_of(&name);
        next.outbox
            .insert(id, owned_value(&hashed, sealed))
            .map_err(io)?;
    }
    for item in old.users.iter().keys() {
        let link = item.map_err(io)?;
        let Some((user, name)) = split_trailing_name(&link) else {
            skipped += 1;
            continue;
        };
        let Ok(user) = std::str::from_utf8(user) else {
            skipped += 1;
            continue;
        };
        let (hashed, _) = key_of(&name);
        next.users
            .insert(concat(&index.user(user), &hashed), &[])
            .map_err(io)?;
    }
    for item in old.follow_ups.iter() {
        let (k, value) = item.map_err(io)?;
        let (Some((topic, _)), Some((name, sealed))) =
            (split_trailing_name(&k), split_owned(&value))
        else {
            skipped += 1;
            continue;
        };
        let (hashed, _) = key_of(&name);
        let topic = String::from_utf8_lossy(topic);
        next.follow_ups
            .insert(
                concat(&index.topic(&topic), &hashed),
                owned_value(&hashed, sealed),
            )
            .map_err(io)?;
    }
    for item in old.tickets.iter() {
        let (id, value) = item.map_err(io)?;
        let Some((name, sealed)) = split_owned(&value) else {
            skipped += 1;
            continue;
        };
        let (hashed, _) = key_of(&name);
        next.tickets
            .insert(id, owned_value(&hashed, sealed))
            .map_err(io)?;
    }
    for item in old.agents.iter() {
        let (login, value) = item.map_err(io)?;
        next.agents.insert(login, value).map_err(io)?;
    }
    // Keys of conversations that have no record left (e.g. only a ticket) carry over too.
    for (name, key) in &old_keys {
        if let Ok(name) = ConversationKey::parse(name) {
            keys.insert(index.conversation(&name), *key);
        }
    }
    next.set_layout(super::sled_store::LAYOUT_VERSION)?;
    next.db.flush().map_err(io)?;
    Keyring::create_with(dir, &keys)?;
    if skipped > 0 {
        tracing::warn!(skipped, "the upgrade skipped records it could not read");
    }
    drop(next);
    drop(old);

    let db = dir.join(db_dir);
    let old_path = dir.join(OLD_DB);
    std::fs::rename(&db, &old_path).map_err(|e| open_err(&db, e))?;
    std::fs::rename(&next_path, &db).map_err(|e| open_err(&next_path, e))?;
    sync_dir(dir).map_err(|e| open_err(dir, e))?;
    std::fs::remove_dir_all(&old_path).map_err(|e| open_err(&old_path, e))?;
    remove_old_key_file(dir)?;
    tracing::warn!("the data directory was upgraded to layout 2 (hashed index keys)");
    Trees::new(open_db(&db).map_err(|e| open_err(&db, e))?)
}
