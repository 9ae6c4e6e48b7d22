//! How values and index keys are laid out in the trees (layout 2).
//!
//! - `conversations`: conversation hash → sealed conversation
//! - `transcripts`: conversation hash ∥ seq (BE) → [time ∥ sealed entry]
//! - `replies`: conversation hash ∥ message hash → [time ∥ sealed `ReplyRecord`]
//! - `outbox`: id (BE) → [conversation hash ∥ sealed item]
//! - `users`: user hash ∥ conversation hash → ∅
//! - `follow_ups`: topic hash ∥ conversation hash → [conversation hash ∥ sealed subscription]
//! - `tickets`: ticket id → [conversation hash ∥ sealed ticket]
//! - `agents`: login → agent (no conversation data: not sealed)
//! - `audit`: seq (BE) → [time ∥ audit record] (users only as keyed hashes: not sealed)
//!
//! The clear conversation key, message ids and user refs live only inside sealed values.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::index::{HASH_LEN, Hashed};
use crate::runtime::Turn;

/// The dedupe record of one client message: its id stays readable for exports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplyRecord {
    pub message_id: String,
    pub turn: Turn,
}

pub fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    v
}

pub fn seq_key(conversation: &Hashed, seq: u64) -> Vec<u8> {
    concat(conversation, &seq.to_be_bytes())
}

/// `[conversation hash][sealed]`: records that must name their owner.
pub fn owned_value(owner: &Hashed, sealed: &[u8]) -> Vec<u8> {
    concat(owner, sealed)
}

pub fn owned_parts(value: &[u8]) -> Option<(Hashed, &[u8])> {
    let (owner, sealed) = value.split_first_chunk::<HASH_LEN>()?;
    Some((*owner, sealed))
}

/// `[i64 BE milliseconds][sealed]`: the time stays readable for the retention purge.
pub fn timed_value(at: DateTime<Utc>, sealed: &[u8]) -> Vec<u8> {
    concat(&at.timestamp_millis().to_be_bytes(), sealed)
}

pub fn timed_parts(value: &[u8]) -> Option<(DateTime<Utc>, &[u8])> {
    let (ms, rest) = value.split_first_chunk::<8>()?;
    let at = Utc.timestamp_millis_opt(i64::from_be_bytes(*ms)).single()?;
    Some((at, rest))
}

/// The conversation a key of a tree indexed by `[.. ∥ conversation hash]` belongs to.
pub fn trailing_owner(key: &[u8]) -> Option<Hashed> {
    let start = key.len().checked_sub(HASH_LEN)?;
    <Hashed>::try_from(&key[start..]).ok()
}

/// The conversation a key of a tree indexed by `[conversation hash ∥ ..]` belongs to.
pub fn leading_owner(key: &[u8]) -> Option<Hashed> {
    key.split_first_chunk::<HASH_LEN>().map(|(h, _)| *h)
}
