//! Durable conversations. The `Store` trait speaks the language of the domain (load a
//! conversation, commit a turn, claim the outbox, erase a person), so that each backend maps one
//! call onto one transaction: sled here, PostgreSQL for several instances later. Nothing outside
//! this module knows which backend is in use.

mod codec;
mod erase;
mod group_commit;
mod health;
mod index;
mod keyring;
mod layout1;
mod records;
mod sled_store;
mod trees;
mod types;

pub use sled_store::SledStore;
pub use types::{
    Agent, AgentRole, AuditEvent, AuditRecord, ConversationKey, EntryKind, ErasureReport, Export,
    FollowTopic, HandoffCard, HandoffReason, KeyError, OutboxItem, Priority, Rating,
    StoredConversation, Subscription, Ticket, TicketOutcome, TicketStatus, TicketWrite,
    TranscriptEntry, TurnCommit,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::runtime::Turn;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the data directory {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("the data directory {path} is not usable: {reason}")]
    BadDirectory { path: String, reason: String },
    #[error("storage failed (disk full or unwritable?): {0}")]
    Io(String),
    #[error(
        "a stored {what} has format version {version}, newer than this kycdesk reads ({known}); upgrade kycdesk"
    )]
    UnknownFormat {
        what: &'static str,
        version: u32,
        known: u32,
    },
    #[error("a stored {what} cannot be read: {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("conversation {0} has no encryption key: it was erased, or the key file was lost")]
    MissingKey(String),
    /// A ticket changed since it was read (another agent or instance got there first).
    #[error("ticket {0} was changed by someone else meanwhile")]
    TicketConflict(String),
    #[error("a ticket must belong to the conversation of the turn that writes it")]
    TicketOwner,
}

/// Where conversations live.
#[async_trait]
pub trait Store: Send + Sync {
    /// The conversation, if it exists.
    async fn load(&self, key: &ConversationKey) -> Result<Option<StoredConversation>, StoreError>;

    /// The reply already given to a channel message id (a duplicate delivery), if any.
    async fn reply_for(
        &self,
        key: &ConversationKey,
        message_id: &str,
    ) -> Result<Option<Turn>, StoreError>;

    /// Writes state, transcript entries, outbox items and the dedupe record of one turn in one
    /// transaction, and returns once it is durable (group commit: one flush serves every turn
    /// that committed meanwhile).
    async fn commit_turn(&self, commit: TurnCommit) -> Result<(), StoreError>;

    /// The transcript of a conversation, oldest first.
    async fn transcript(&self, key: &ConversationKey) -> Result<Vec<TranscriptEntry>, StoreError>;

    /// Up to `limit` undelivered outbox items with an id above `after` (all when `None`), oldest
    /// first: callers page through the outbox by passing the last id they got.
    async fn pending_outbox(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError>;

    /// Marks an outbox item delivered (it is removed: never delivered again).
    async fn ack_outbox(&self, id: u64) -> Result<(), StoreError>;

    /// Everything stored about one conversation (data-access requests).
    async fn export(&self, key: &ConversationKey) -> Result<Option<Export>, StoreError>;

    /// Removes everything of one conversation, including its key: older copies in the log
    /// become unreadable.
    async fn erase_conversation(&self, key: &ConversationKey) -> Result<ErasureReport, StoreError>;

    /// Removes every conversation linked to a wallet user.
    async fn erase_user(&self, user_ref: &str) -> Result<ErasureReport, StoreError>;

    /// The retention purge: removes transcript entries and duplicate-message records older than
    /// `cutoff`, and erases whole every conversation idle since before it (its outbox items,
    /// follow-ups, tickets, user links and key too); returns how many records it removed.
    async fn purge_transcripts_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Makes everything committed so far durable (shutdown).
    async fn flush(&self) -> Result<(), StoreError>;

    /// Whether the store can take writes now (for `/readyz`): the last known health, cheap to
    /// ask. After a storage failure it is an error until the store has recovered by itself.
    async fn ready(&self) -> Result<(), StoreError>;

    /// Asks to tell a conversation when a case or the maintenance changes (durable on return).
    async fn subscribe(&self, subscription: Subscription) -> Result<(), StoreError>;

    /// Every follow-up subscription (for the poller and the webhook).
    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError>;

    /// Records what a subscriber was last told, or removes the subscription (`None`).
    async fn update_subscription(
        &self,
        key: &ConversationKey,
        topic: &FollowTopic,
        update: Option<Subscription>,
    ) -> Result<(), StoreError>;

    /// Opens or updates a handoff ticket without a version check (durable on return). Changes
    /// that race with agents go through `commit_turn` with a `TicketWrite`.
    async fn save_ticket(&self, ticket: Ticket) -> Result<(), StoreError>;

    /// Tickets, oldest first; only the open ones when `open_only`.
    async fn tickets(&self, open_only: bool) -> Result<Vec<Ticket>, StoreError>;

    /// One ticket by id.
    async fn ticket(&self, id: &str) -> Result<Option<Ticket>, StoreError>;

    /// Creates or replaces an agent account.
    async fn save_agent(&self, agent: Agent) -> Result<(), StoreError>;

    /// An agent account by login name.
    async fn agent(&self, login: &str) -> Result<Option<Agent>, StoreError>;

    /// Every agent account, by login.
    async fn agents(&self) -> Result<Vec<Agent>, StoreError>;

    /// Removes an agent account; false when there was none.
    async fn remove_agent(&self, login: &str) -> Result<bool, StoreError>;

    /// Appends to the audit log (durable on return) and returns the record's sequence number.
    async fn append_audit(&self, event: AuditEvent) -> Result<u64, StoreError>;

    /// Up to `limit` audit records with a sequence number above `after`, oldest first.
    async fn audit_log(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// A keyed hash naming a person or conversation without revealing it (audit log, agents'
    /// cards): stable within this store, meaningless outside it.
    fn pseudonym(&self, value: &str) -> String;
}
