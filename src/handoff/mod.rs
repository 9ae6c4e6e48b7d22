//! Handing conversations to people, as plain logic without I/O: the card an agent sees, the
//! order of the queue and its estimated waits, who is online, and when people are at work. The
//! runtime's desk applies it to stored conversations.

pub mod card;
pub mod hours;
pub mod presence;
pub mod queue;

use chrono::{DateTime, Utc};

/// When people answer (business hours and holidays).
pub trait OpeningHours: Send + Sync {
    fn is_open(&self, at: DateTime<Utc>) -> bool;
    /// The next moment the desk opens, if it ever does.
    fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>>;
    /// A moment as users read it (the desk's local time).
    fn describe(&self, at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// A desk that never closes (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct AlwaysOpen;

impl OpeningHours for AlwaysOpen {
    fn is_open(&self, _at: DateTime<Utc>) -> bool {
        true
    }

    fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Some(at)
    }
}
