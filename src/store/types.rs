//! The records the store keeps, in the language of the domain.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::runtime::{Session, Turn};

/// A conversation's identity: `<channel>:<id>` (`telegram:12345`, `widget:v_8f3a`, `terminal:…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConversationKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a conversation id is `<channel>:<id>`, e.g. `widget:v123`")]
    Shape,
    #[error("the channel must be 1–16 lower-case letters")]
    Channel,
    #[error("the id must be 1–128 characters of letters, digits, `-`, `_`, `.`")]
    Id,
}

impl ConversationKey {
    pub fn new(channel: &str, id: &str) -> Result<Self, KeyError> {
        if channel.is_empty()
            || channel.len() > 16
            || !channel.chars().all(|c| c.is_ascii_lowercase())
        {
            return Err(KeyError::Channel);
        }
        if id.is_empty()
            || id.len() > 128
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(KeyError::Id);
        }
        Ok(Self(format!("{channel}:{id}")))
    }

    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let (channel, id) = text.split_once(':').ok_or(KeyError::Shape)?;
        Self::new(channel, id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn channel(&self) -> &str {
        self.0.split_once(':').map_or("", |(c, _)| c)
    }
}

impl TryFrom<String> for ConversationKey {
    type Error = KeyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ConversationKey> for String {
    fn from(k: ConversationKey) -> String {
        k.0
    }
}

impl std::fmt::Display for ConversationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A conversation as stored: the session and what links it to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredConversation {
    pub session: Session,
    /// The wallet user this conversation is linked to (signed-in widget user, Telegram link).
    pub user_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The sequence number the next transcript entry gets.
    pub next_seq: u64,
    /// The bytes of transcript entries stored for this conversation (for a per-conversation
    /// quota). Kept by the store: a commit adds the bytes of the entries it writes to the value
    /// the conversation was loaded with, and the retention purge subtracts what it removes.
    #[serde(default)]
    pub stored_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// What the user sent (personal numbers masked).
    Inbound,
    /// What the bot said.
    Outbound,
    /// Where the conversation moved (node, causes, handoff).
    StateChange,
    /// What a human agent did or said.
    AgentAction,
}

/// One line of the append-only transcript. Texts are redacted before they get here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    /// The channel's message id, for inbound entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

/// A bot turn waiting to be pushed to a channel (Telegram, a widget's socket, a follow-up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: u64,
    pub key: ConversationKey,
    pub turn: Turn,
    pub created_at: DateTime<Utc>,
}

/// Everything one turn writes, committed in one transaction.
#[derive(Debug, Clone)]
pub struct TurnCommit {
    pub key: ConversationKey,
    pub conversation: StoredConversation,
    pub entries: Vec<TranscriptEntry>,
    /// Turns to push to the channel after commit (empty for request/response channels, whose
    /// reply is the response itself).
    pub outbox: Vec<Turn>,
    /// The channel message id and the reply given to it, so a duplicate gets the same reply.
    pub reply: Option<(String, Turn)>,
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErasureReport {
    pub conversations: u64,
    pub subscriptions: u64,
    pub tickets: u64,
    pub transcript_entries: u64,
    pub replies: u64,
    pub outbox_items: u64,
    pub user_links: u64,
    pub keys: u64,
}

impl ErasureReport {
    pub fn add(&mut self, other: &ErasureReport) {
        self.conversations += other.conversations;
        self.subscriptions += other.subscriptions;
        self.tickets += other.tickets;
        self.transcript_entries += other.transcript_entries;
        self.replies += other.replies;
        self.outbox_items += other.outbox_items;
        self.user_links += other.user_links;
        self.keys += other.keys;
    }
}

/// Everything stored about one conversation.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub conversation: String,
    pub user_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub state: serde_json::Value,
    pub transcript: Vec<TranscriptEntry>,
    pub pending_outbox: Vec<OutboxItem>,
    pub replies: Vec<(String, Turn)>,
}

/// What a follow-up waits for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum FollowTopic {
    /// A case's status changes.
    Case(String),
    /// The verification service's maintenance ends.
    Maintenance,
}

impl FollowTopic {
    /// The topic as stored in index keys (`case:<id>` or `maintenance`).
    pub fn index(&self) -> String {
        match self {
            Self::Case(id) => format!("case:{id}"),
            Self::Maintenance => "maintenance".into(),
        }
    }
}

/// A conversation waiting to be told about a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub key: ConversationKey,
    pub topic: FollowTopic,
    pub created_at: DateTime<Utc>,
    /// What the subscriber was last told (a case status, `active`), so a change is told once.
    pub last_seen: Option<String>,
    /// The cause the bot had diagnosed when the user subscribed (for "verified resolution").
    pub diagnosed_cause: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Queued,
    Assigned,
    Closed,
}

/// A conversation handed to a human, with what the agent needs at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    pub key: ConversationKey,
    pub status: TicketStatus,
    pub opened_at: DateTime<Utc>,
    pub agent: Option<String>,
    pub causes: Vec<String>,
    pub remedies_tried: Vec<String>,
    pub case_id: Option<String>,
    pub lang: String,
}

/// An agent account of the console. The password is kept only as an Argon2 hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}
