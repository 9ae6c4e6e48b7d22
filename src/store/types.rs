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
    /// The open handoff ticket: while there is one, the user's messages go to the person.
    #[serde(default)]
    pub ticket: Option<String>,
    /// The ticket whose rating the conversation is asking for (after an agent resolved it).
    #[serde(default)]
    pub rating_for: Option<String>,
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
    /// Something that happened around a human handoff (claimed, transferred, handed back).
    AgentAction,
    /// What a human agent said to the user.
    AgentMessage,
    /// An agent's internal note: the user never sees it.
    AgentNote,
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
    /// The agent (login) who wrote an agent message or note, or did an agent action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
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
    /// A handoff ticket opened or changed by this turn, written in the same transaction.
    pub ticket: Option<TicketWrite>,
    /// Agent actions to record in the audit log, in the same transaction.
    pub audit: Vec<AuditEvent>,
}

impl TurnCommit {
    /// A commit of state and transcript only.
    pub fn new(key: ConversationKey, conversation: StoredConversation) -> Self {
        Self {
            key,
            conversation,
            entries: Vec::new(),
            outbox: Vec::new(),
            reply: None,
            ticket: None,
            audit: Vec::new(),
        }
    }
}

/// A ticket to write, guarded by the version the writer read: two writers that read the same
/// version cannot both win (two agents claiming one ticket, on one instance or several).
#[derive(Debug, Clone)]
pub struct TicketWrite {
    /// The new ticket; its `version` must be `expected + 1` (or 1 for a new ticket).
    pub ticket: Ticket,
    /// The version read before the change; `None` for a new ticket (which must not exist).
    pub expected: Option<u64>,
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
    pub audit_records: u64,
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
        self.audit_records += other.audit_records;
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
    /// Handoff tickets of the conversation (with their handoff cards and ratings).
    pub tickets: Vec<Ticket>,
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
    /// Waiting for an agent, with the user waiting live.
    Queued,
    /// An agent holds the conversation.
    Assigned,
    /// The user left a message (outside business hours, or nobody online): answered later.
    LeftMessage,
    Closed,
}

impl TicketStatus {
    pub fn is_open(self) -> bool {
        self != Self::Closed
    }
}

/// How a ticket ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketOutcome {
    /// The agent solved it.
    Resolved,
    /// The agent gave the conversation back to the bot.
    HandedBack,
    /// The user went back to the bot before an agent took it.
    Cancelled,
}

/// Why the conversation was handed to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The user asked for a person.
    Asked,
    /// Remedies did not help (or the same cause failed twice).
    NotHelped,
    /// The bot did not understand several times in a row.
    NotUnderstood,
    /// The user was plainly upset.
    Upset,
    /// A final or sensitive reason only a person may handle.
    Sensitive,
    /// The user appeals a decision.
    Appeal,
    /// A flow sent the conversation to a person.
    Flow,
}

/// Appeals and sensitive cases are served first; then the longest waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Normal,
}

/// The user's 1–5 rating of a resolved ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub stars: u8,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// What an agent sees at a glance: built from the conversation when the ticket opens. Personal
/// numbers are masked before they get here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HandoffCard {
    pub causes: Vec<String>,
    pub remedies_tried: Vec<String>,
    /// Answers the user gave (slot, masked value).
    pub answers: Vec<(String, String)>,
    /// The case as last read: masked id, status, reason codes.
    pub case_id: Option<String>,
    pub case_status: Option<String>,
    pub reason_codes: Vec<String>,
    /// Findings of the last photo check (codes).
    pub photo_findings: Vec<String>,
    /// Reason codes that must not be told to the user (risk control, forgery, watch lists).
    pub sensitive: bool,
    pub user_linked: bool,
    /// A keyed hash of the linked user, so agents can tell two tickets of one person apart.
    pub user_pseudonym: Option<String>,
    /// What the user wrote when leaving a message.
    pub left_message: Option<String>,
}

/// A conversation handed to a human, with what the agent needs at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    pub key: ConversationKey,
    pub status: TicketStatus,
    pub opened_at: DateTime<Utc>,
    /// The agent (login) holding it.
    pub agent: Option<String>,
    pub causes: Vec<String>,
    pub remedies_tried: Vec<String>,
    pub case_id: Option<String>,
    pub lang: String,
    /// Raised by one on every write (see `TicketWrite`).
    #[serde(default)]
    pub version: u64,
    #[serde(default = "default_reason")]
    pub reason: HandoffReason,
    #[serde(default = "default_priority")]
    pub priority: Priority,
    #[serde(default)]
    pub card: HandoffCard,
    /// When the current agent claimed it (a claim unanswered for too long returns to the queue).
    #[serde(default)]
    pub claimed_at: Option<DateTime<Utc>>,
    /// When an agent last wrote to the user.
    #[serde(default)]
    pub agent_replied_at: Option<DateTime<Utc>>,
    /// When the agent first wrote to the user (time to first reply).
    #[serde(default)]
    pub first_reply_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub outcome: Option<TicketOutcome>,
    #[serde(default)]
    pub rating: Option<Rating>,
    /// User messages the holding agent has not seen yet.
    #[serde(default)]
    pub unread: u32,
    /// The last user message, masked and cut short, for the queue.
    #[serde(default)]
    pub preview: String,
}

impl Ticket {
    /// A queued ticket with nothing known yet.
    pub fn new(id: String, key: ConversationKey, lang: String, opened_at: DateTime<Utc>) -> Self {
        Self {
            id,
            key,
            status: TicketStatus::Queued,
            opened_at,
            agent: None,
            causes: Vec::new(),
            remedies_tried: Vec::new(),
            case_id: None,
            lang,
            version: 1,
            reason: HandoffReason::Asked,
            priority: Priority::Normal,
            card: HandoffCard::default(),
            claimed_at: None,
            agent_replied_at: None,
            first_reply_at: None,
            closed_at: None,
            outcome: None,
            rating: None,
            unread: 0,
            preview: String::new(),
        }
    }

    /// How long the user has waited (since the ticket opened).
    pub fn waiting_secs(&self, now: DateTime<Utc>) -> i64 {
        (now - self.opened_at).num_seconds().max(0)
    }
}

fn default_reason() -> HandoffReason {
    HandoffReason::Asked
}

fn default_priority() -> Priority {
    Priority::Normal
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    #[default]
    Agent,
    Admin,
}

/// An agent account of the console. The password is kept only as an Argon2id hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub role: AgentRole,
    /// The languages the agent serves (`zh-CN`, `en`); tickets go only to agents who speak theirs.
    #[serde(default = "all_languages")]
    pub languages: Vec<String>,
    /// How many conversations the agent may hold at once.
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    #[serde(default)]
    pub disabled: bool,
}

fn all_languages() -> Vec<String> {
    vec!["zh-CN".into(), "en".into()]
}

fn default_capacity() -> u32 {
    4
}

impl Agent {
    pub fn serves(&self, lang: &str) -> bool {
        self.languages.iter().any(|l| l == lang)
    }
}

/// An agent action to record (login, claim, reply, transfer, resolve, erase...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// The agent's login (`cli` for the command line).
    pub actor: String,
    pub action: String,
    pub ticket: Option<String>,
    /// The conversation acted on: recorded only as a keyed hash.
    pub conversation: Option<ConversationKey>,
    /// A short, non-personal detail ("to bob").
    pub detail: Option<String>,
}

/// One line of the audit log as stored: users appear only as keyed hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub ticket: Option<String>,
    pub subject: Option<String>,
    pub detail: Option<String>,
}
