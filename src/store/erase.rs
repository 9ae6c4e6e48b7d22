//! Erasure and the retention purge: whole-tree scans, run on blocking threads by the caller.
//! Records go first and are flushed; keys go last, so an interrupted erasure leaves readable
//! records that the next run finds again, never unreadable ones nobody can find.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::StoreError;
use super::codec::{open, seal};
use super::health::Shared;
use super::index::Hashed;
use super::records::{leading_owner, owned_parts, timed_parts, trailing_owner};
use super::trees::{Trees, io};
use super::types::{ErasureReport, StoredConversation};
use sled::transaction::ConflictableTransactionError;

/// Removes every record of the given conversations from the trees (not their keys).
pub fn remove_records(
    trees: &Trees,
    owners: &HashSet<Hashed>,
) -> Result<ErasureReport, StoreError> {
    let mut report = ErasureReport::default();
    for owner in owners {
        if trees.conversations.remove(owner).map_err(io)?.is_some() {
            report.conversations += 1;
        }
        for item in trees.transcripts.scan_prefix(owner).keys() {
            trees.transcripts.remove(item.map_err(io)?).map_err(io)?;
            report.transcript_entries += 1;
        }
        for item in trees.replies.scan_prefix(owner).keys() {
            trees.replies.remove(item.map_err(io)?).map_err(io)?;
            report.replies += 1;
        }
    }
    let owned_by = |value: &[u8]| owned_parts(value).is_some_and(|(o, _)| owners.contains(&o));
    for item in trees.outbox.iter() {
        let (id, value) = item.map_err(io)?;
        if owned_by(&value) {
            trees.outbox.remove(id).map_err(io)?;
            report.outbox_items += 1;
        }
    }
    for item in trees.follow_ups.iter() {
        let (id, value) = item.map_err(io)?;
        if owned_by(&value) || trailing_owner(&id).is_some_and(|o| owners.contains(&o)) {
            trees.follow_ups.remove(id).map_err(io)?;
            report.subscriptions += 1;
        }
    }
    for item in trees.tickets.iter() {
        let (id, value) = item.map_err(io)?;
        if owned_by(&value) {
            trees.tickets.remove(id).map_err(io)?;
            report.tickets += 1;
        }
    }
    for item in trees.users.iter().keys() {
        let link = item.map_err(io)?;
        if trailing_owner(&link).is_some_and(|o| owners.contains(&o)) {
            trees.users.remove(link).map_err(io)?;
            report.user_links += 1;
        }
    }
    Ok(report)
}

/// The conversations linked to a (hashed) user ref.
pub fn linked_conversations(trees: &Trees, user: &Hashed) -> Result<HashSet<Hashed>, StoreError> {
    let mut owners = HashSet::new();
    for item in trees.users.scan_prefix(user).keys() {
        if let Some(owner) = trailing_owner(&item.map_err(io)?) {
            owners.insert(owner);
        }
    }
    Ok(owners)
}

/// What one retention pass removes; the owners are erased whole afterwards.
pub struct Purge {
    pub removed: u64,
    pub idle: HashSet<Hashed>,
}

/// Removes transcript entries and dedupe records older than `cutoff`, keeps each conversation's
/// stored-size count in step, and returns the conversations idle since before `cutoff` (to be
/// erased whole: outbox, follow-ups, tickets, user links and key included).
pub fn purge_before(
    shared: &Shared,
    trees: &Trees,
    cutoff: DateTime<Utc>,
) -> Result<Purge, StoreError> {
    let mut removed = 0;
    let mut freed: HashMap<Hashed, u64> = HashMap::new();
    for item in trees.transcripts.iter() {
        let (k, value) = item.map_err(io)?;
        if timed_parts(&value).is_some_and(|(at, _)| at < cutoff) {
            trees.transcripts.remove(&k).map_err(io)?;
            removed += 1;
            if let Some(owner) = leading_owner(&k) {
                *freed.entry(owner).or_default() += value.len() as u64;
            }
        }
    }
    for item in trees.replies.iter() {
        let (k, value) = item.map_err(io)?;
        if timed_parts(&value).is_some_and(|(at, _)| at < cutoff) {
            trees.replies.remove(&k).map_err(io)?;
            removed += 1;
        }
    }
    for (owner, bytes) in freed {
        release_bytes(shared, trees, &owner, bytes)?;
    }
    // The audit log keeps no texts, but its times and pseudonyms are personal data too.
    for item in trees.audit.iter() {
        let (k, value) = item.map_err(io)?;
        if timed_parts(&value).is_some_and(|(at, _)| at < cutoff) {
            trees.audit.remove(&k).map_err(io)?;
            removed += 1;
        }
    }
    let mut idle = HashSet::new();
    for item in trees.conversations.iter() {
        let (k, raw) = item.map_err(io)?;
        let Some(owner) = leading_owner(&k) else {
            continue;
        };
        // A conversation whose key is lost cannot be read, and is left for the operator.
        let Some(key) = shared.keyring.get(&owner) else {
            continue;
        };
        match open::<StoredConversation>(&key, &raw, "conversation") {
            Ok(c) if c.updated_at < cutoff => {
                idle.insert(owner);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the retention purge skips an unreadable conversation")
            }
        }
    }
    Ok(Purge { removed, idle })
}

/// Lowers a conversation's stored-size count, in a transaction so a turn committed meanwhile
/// is counted too.
fn release_bytes(
    shared: &Shared,
    trees: &Trees,
    owner: &Hashed,
    bytes: u64,
) -> Result<(), StoreError> {
    let Some(key) = shared.keyring.get(owner) else {
        return Ok(());
    };
    trees
        .conversations
        .transaction(|tx| {
            let Some(raw) = tx.get(owner)? else {
                return Ok(());
            };
            let mut conversation: StoredConversation =
                open(&key, &raw, "conversation").map_err(ConflictableTransactionError::Abort)?;
            conversation.stored_bytes = conversation.stored_bytes.saturating_sub(bytes);
            let sealed = seal(&key, &conversation).map_err(ConflictableTransactionError::Abort)?;
            tx.insert(owner, sealed)?;
            Ok(())
        })
        .map_err(super::trees::transaction_error)
}
