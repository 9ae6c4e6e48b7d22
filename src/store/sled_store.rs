//! The embedded store: sled (one directory, no server). Each turn is one multi-tree transaction;
//! durability comes from the group commit; every value is sealed with its conversation's key and
//! every index key is a keyed hash (see `records` for the layout).
//!
//! Calls that scan whole trees (erasure, retention, export) run on blocking threads. A storage
//! failure makes the store reopen its database in the background (see `health`).

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sled::Transactional;

use super::codec::{open, seal};
use super::erase::{linked_conversations, purge_before, remove_records};
use super::group_commit::GroupCommit;
use super::health::Shared;
use super::index::{Hashed, IndexSecret};
use super::keyring::Keyring;
use super::records::{
    ReplyRecord, concat, owned_parts, owned_value, seq_key, timed_parts, timed_value,
};
use super::trees::{Trees, io, open_db, transaction_error};
use super::types::*;
use super::{Store, StoreError, layout1};
use crate::runtime::Turn;

/// The layout version of the trees; checked at start-up. Layout 1 (identifiers as index keys)
/// is upgraded on open.
pub const LAYOUT_VERSION: u32 = 2;
const DB_DIR: &str = "db";

pub struct SledStore {
    shared: Arc<Shared>,
    commits: GroupCommit,
    /// Test-only switch (`KYCDESK_UNSAFE_SKIP_FLUSH=1`): acknowledge before the flush. It exists
    /// to prove the crash test catches lost messages; never set it in production.
    skip_flush: bool,
}

impl SledStore {
    /// Opens (or creates) the store in `dir`, upgrading an older layout. Must be called inside a
    /// Tokio runtime.
    pub fn open(dir: &Path) -> Result<Arc<Self>, StoreError> {
        let open_err = |reason: String| StoreError::Open {
            path: dir.display().to_string(),
            reason,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        if !dir.is_dir() {
            return Err(StoreError::BadDirectory {
                path: dir.display().to_string(),
                reason: "it is not a directory".into(),
            });
        }
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| open_err("the store must be opened inside a Tokio runtime".into()))?;
        let index = IndexSecret::open_or_create(dir)?;
        layout1::finish_interrupted(dir, DB_DIR)?;
        let db_path = dir.join(DB_DIR);
        let db = open_db(&db_path).map_err(|e| {
            let text = e.to_string();
            if text.contains("could not acquire lock") {
                open_err("another kycdesk process is using it (only one may)".into())
            } else {
                open_err(text)
            }
        })?;
        let trees = Trees::new(db)?;
        let trees = match trees.layout()? {
            None => {
                trees.set_layout(LAYOUT_VERSION)?;
                trees
            }
            Some(1) => layout1::migrate(dir, DB_DIR, trees, &index)?,
            Some(LAYOUT_VERSION) => trees,
            Some(version) => {
                return Err(StoreError::UnknownFormat {
                    what: "store layout",
                    version,
                    known: LAYOUT_VERSION,
                });
            }
        };
        // Left behind when an upgrade stopped between its last two steps.
        layout1::remove_old_key_file(dir)?;
        let keyring = Keyring::open(dir)?;
        let shared = Arc::new(Shared::new(
            dir.to_path_buf(),
            db_path,
            trees,
            keyring,
            index,
            runtime,
        ));
        let flusher = shared.clone();
        let commits = GroupCommit::start(Arc::new(move || {
            let shared = flusher.clone();
            Box::pin(async move {
                let result = shared.flush().await;
                shared.watch(result)
            })
        }));
        Ok(Arc::new(Self {
            shared,
            commits,
            skip_flush: std::env::var("KYCDESK_UNSAFE_SKIP_FLUSH").is_ok_and(|v| v == "1"),
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Test seam: from now on flushes (and reopens) fail as on a full disk, and the store goes
    /// down the same path as after a real storage failure, until `end_io_failure`.
    #[doc(hidden)]
    pub fn inject_io_failure(&self) {
        self.shared.inject_failure();
    }

    /// Test seam: the "disk" works again; the store recovers by itself.
    #[doc(hidden)]
    pub fn end_io_failure(&self) {
        self.shared.end_injected_failure();
    }

    async fn durable(&self) -> Result<(), StoreError> {
        if self.skip_flush {
            return Ok(());
        }
        self.commits.durable().await
    }

    /// Runs `job` on a blocking thread with the current database handle.
    async fn blocking<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Shared, &Trees) -> Result<T, StoreError> + Send + 'static,
    {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            let trees = shared.trees()?;
            job(&shared, &trees)
        })
        .await
        .unwrap_or_else(|e| {
            Err(StoreError::Corrupt {
                what: "store task",
                reason: e.to_string(),
            })
        })
    }

    /// Erases the records of `owners`, makes that durable, then forgets their keys.
    async fn erase_owners(&self, owners: HashSet<Hashed>) -> Result<ErasureReport, StoreError> {
        let erase = owners.clone();
        let mut report = self
            .blocking(move |_, trees| remove_records(trees, &erase))
            .await?;
        self.shared.flush().await?;
        let owners: Vec<Hashed> = owners.into_iter().collect();
        report.keys += self.shared.keyring.remove(&owners)?;
        Ok(report)
    }

    fn key_of(&self, hashed: &Hashed, key: &ConversationKey) -> Result<[u8; 32], StoreError> {
        self.shared
            .keyring
            .get(hashed)
            .ok_or_else(|| StoreError::MissingKey(key.to_string()))
    }

    async fn load_inner(
        &self,
        key: &ConversationKey,
    ) -> Result<Option<StoredConversation>, StoreError> {
        let hashed = self.shared.index.conversation(key);
        let Some(raw) = self.shared.trees()?.conversations.get(hashed).map_err(io)? else {
            return Ok(None);
        };
        open(&self.key_of(&hashed, key)?, &raw, "conversation").map(Some)
    }

    async fn reply_for_inner(
        &self,
        key: &ConversationKey,
        message_id: &str,
    ) -> Result<Option<Turn>, StoreError> {
        let hashed = self.shared.index.conversation(key);
        let id = concat(&hashed, &self.shared.index.message(&hashed, message_id));
        let Some(raw) = self.shared.trees()?.replies.get(id).map_err(io)? else {
            return Ok(None);
        };
        let (_, sealed) = timed_parts(&raw).ok_or(StoreError::Corrupt {
            what: "reply",
            reason: "too short".into(),
        })?;
        let record: ReplyRecord = open(&self.key_of(&hashed, key)?, sealed, "reply")?;
        Ok(Some(record.turn))
    }

    async fn commit_turn_inner(&self, commit: TurnCommit) -> Result<(), StoreError> {
        let index = &self.shared.index;
        let hashed = index.conversation(&commit.key);
        let k = self.shared.keyring.get_or_create(&hashed)?;
        // Sealed before the transaction where possible: its closure may run more than once.
        let entries: Vec<(Vec<u8>, Vec<u8>)> = commit
            .entries
            .iter()
            .map(|e| Ok((seq_key(&hashed, e.seq), timed_value(e.at, &seal(&k, e)?))))
            .collect::<Result<_, StoreError>>()?;
        let added: u64 = entries.iter().map(|(_, v)| v.len() as u64).sum();
        let reply = match &commit.reply {
            Some((id, turn)) => {
                let record = ReplyRecord {
                    message_id: id.clone(),
                    turn: turn.clone(),
                };
                Some((
                    concat(&hashed, &index.message(&hashed, id)),
                    timed_value(commit.conversation.updated_at, &seal(&k, &record)?),
                ))
            }
            None => None,
        };
        // The stored size: what the conversation had when the runtime loaded it (under the
        // conversation's lock, so no other turn counts meanwhile) plus this turn's entries. A
        // purge running at the same moment may be counted late; the count errs on the high side.
        let mut conversation = commit.conversation.clone();
        conversation.stored_bytes = conversation.stored_bytes.saturating_add(added);
        let sealed_conversation = seal(&k, &conversation)?;
        let user_link = commit
            .conversation
            .user_ref
            .as_ref()
            .map(|u| concat(&index.user(u), &hashed));
        let ticket = match &commit.ticket {
            Some(write) if write.ticket.key != commit.key => return Err(StoreError::TicketOwner),
            Some(write) => Some((
                write.ticket.id.clone(),
                write.expected,
                owned_value(&hashed, &seal(&k, &write.ticket)?),
            )),
            None => None,
        };
        {
            let trees = self.shared.trees()?;
            let mut outbox = Vec::new();
            for turn in &commit.outbox {
                let id = trees.db.generate_id().map_err(io)?;
                let item = OutboxItem {
                    id,
                    key: commit.key.clone(),
                    turn: turn.clone(),
                    created_at: commit.conversation.updated_at,
                };
                outbox.push((id.to_be_bytes(), owned_value(&hashed, &seal(&k, &item)?)));
            }
            let audit = audit_values(&trees, &self.shared.index, &commit.audit)?;
            (
                &trees.conversations,
                &trees.transcripts,
                &trees.replies,
                &trees.outbox,
                &trees.users,
                &trees.tickets,
                &trees.audit,
            )
                .transaction(
                    |(
                        conversations,
                        transcripts,
                        replies,
                        outbox_tree,
                        users,
                        tickets,
                        audit_tree,
                    )| {
                        if let Some((id, expected, value)) = &ticket {
                            let stored = match tickets.get(id.as_bytes())? {
                                None => None,
                                Some(raw) => Some(ticket_version(&k, &raw).map_err(
                                    sled::transaction::ConflictableTransactionError::Abort,
                                )?),
                            };
                            if stored != *expected {
                                return Err(
                                    sled::transaction::ConflictableTransactionError::Abort(
                                        StoreError::TicketConflict(id.clone()),
                                    ),
                                );
                            }
                            tickets.insert(id.as_bytes(), value.as_slice())?;
                        }
                        for (seq, value) in &audit {
                            audit_tree.insert(seq, value.as_slice())?;
                        }
                        conversations.insert(&hashed, sealed_conversation.as_slice())?;
                        for (ek, ev) in &entries {
                            transcripts.insert(ek.as_slice(), ev.as_slice())?;
                        }
                        if let Some((rk, rv)) = &reply {
                            replies.insert(rk.as_slice(), rv.as_slice())?;
                        }
                        for (id, value) in &outbox {
                            outbox_tree.insert(id, value.as_slice())?;
                        }
                        if let Some(link) = &user_link {
                            users.insert(link.as_slice(), &[])?;
                        }
                        Ok(())
                    },
                )
                .map_err(transaction_error)?;
        }
        self.durable().await
    }

    async fn transcript_inner(
        &self,
        key: &ConversationKey,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        let hashed = self.shared.index.conversation(key);
        let Some(k) = self.shared.keyring.get(&hashed) else {
            return Ok(Vec::new());
        };
        let trees = self.shared.trees()?;
        read_transcript(&trees, &hashed, &k)
    }

    async fn pending_outbox_inner(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let start = match after {
            None => 0,
            Some(id) => match id.checked_add(1) {
                Some(next) => next,
                None => return Ok(Vec::new()),
            },
        };
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for item in trees.outbox.range(start.to_be_bytes()..) {
            if out.len() >= limit {
                break;
            }
            let (_, value) = item.map_err(io)?;
            if let Some(item) = open_outbox_item(&self.shared, &value) {
                out.push(item);
            }
        }
        Ok(out)
    }

    async fn ack_outbox_inner(&self, id: u64) -> Result<(), StoreError> {
        self.shared
            .trees()?
            .outbox
            .remove(id.to_be_bytes())
            .map_err(io)?;
        self.durable().await
    }

    async fn export_inner(&self, key: &ConversationKey) -> Result<Option<Export>, StoreError> {
        let key = key.clone();
        self.blocking(move |shared, trees| {
            let hashed = shared.index.conversation(&key);
            let Some(raw) = trees.conversations.get(hashed).map_err(io)? else {
                return Ok(None);
            };
            let k = shared
                .keyring
                .get(&hashed)
                .ok_or_else(|| StoreError::MissingKey(key.to_string()))?;
            let conversation: StoredConversation = open(&k, &raw, "conversation")?;
            let mut replies = Vec::new();
            for item in trees.replies.scan_prefix(hashed) {
                let (_, value) = item.map_err(io)?;
                let (_, sealed) = timed_parts(&value).ok_or(StoreError::Corrupt {
                    what: "reply",
                    reason: "too short".into(),
                })?;
                let record: ReplyRecord = open(&k, sealed, "reply")?;
                replies.push((record.message_id, record.turn));
            }
            let mut pending_outbox = Vec::new();
            for item in trees.outbox.iter() {
                let (_, value) = item.map_err(io)?;
                if let Some((owner, sealed)) = owned_parts(&value)
                    && owner == hashed
                {
                    pending_outbox.push(open(&k, sealed, "outbox item")?);
                }
            }
            Ok(Some(Export {
                conversation: key.to_string(),
                user_ref: conversation.user_ref.clone(),
                created_at: conversation.created_at,
                updated_at: conversation.updated_at,
                state: serde_json::to_value(&conversation.session).unwrap_or_default(),
                transcript: read_transcript(trees, &hashed, &k)?,
                pending_outbox,
                replies,
                tickets: read_tickets_of(trees, &hashed, &k)?,
            }))
        })
        .await
    }

    async fn erase_user_inner(&self, user_ref: &str) -> Result<ErasureReport, StoreError> {
        let user = self.shared.index.user(user_ref);
        let owners = self
            .blocking(move |_, trees| linked_conversations(trees, &user))
            .await?;
        self.erase_owners(owners).await
    }

    async fn purge_inner(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let purge = self
            .blocking(move |shared, trees| purge_before(shared, trees, cutoff))
            .await?;
        let mut removed = purge.removed;
        if !purge.idle.is_empty() {
            let report = self.erase_owners(purge.idle).await?;
            removed += report.conversations
                + report.transcript_entries
                + report.replies
                + report.outbox_items
                + report.subscriptions
                + report.tickets
                + report.user_links;
        } else if removed > 0 {
            self.shared.flush().await?;
        }
        Ok(removed)
    }

    async fn update_subscription_inner(
        &self,
        key: &ConversationKey,
        topic: &FollowTopic,
        update: Option<Subscription>,
    ) -> Result<(), StoreError> {
        let hashed = self.shared.index.conversation(key);
        let id = concat(&self.shared.index.topic(&topic.index()), &hashed);
        match update {
            Some(sub) => {
                let k = self.shared.keyring.get_or_create(&hashed)?;
                let value = owned_value(&hashed, &seal(&k, &sub)?);
                self.shared
                    .trees()?
                    .follow_ups
                    .insert(id, value)
                    .map_err(io)?;
            }
            None => {
                self.shared.trees()?.follow_ups.remove(id).map_err(io)?;
            }
        }
        self.durable().await
    }

    async fn save_ticket_inner(&self, ticket: Ticket) -> Result<(), StoreError> {
        let hashed = self.shared.index.conversation(&ticket.key);
        let k = self.shared.keyring.get_or_create(&hashed)?;
        let value = owned_value(&hashed, &seal(&k, &ticket)?);
        self.shared
            .trees()?
            .tickets
            .insert(ticket.id.as_bytes(), value)
            .map_err(io)?;
        self.durable().await
    }

    async fn save_agent_inner(&self, agent: Agent) -> Result<(), StoreError> {
        let value = serde_json::to_vec(&agent).map_err(|e| StoreError::Corrupt {
            what: "agent",
            reason: e.to_string(),
        })?;
        self.shared
            .trees()?
            .agents
            .insert(agent.login.as_bytes(), value)
            .map_err(io)?;
        self.durable().await
    }

    async fn ticket_inner(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        let Some(raw) = self
            .shared
            .trees()?
            .tickets
            .get(id.as_bytes())
            .map_err(io)?
        else {
            return Ok(None);
        };
        let Some((owner, sealed)) = owned_parts(&raw) else {
            return Err(StoreError::Corrupt {
                what: "ticket",
                reason: "too short".into(),
            });
        };
        // An erased conversation's ticket cannot be opened any more: it is gone for everyone.
        let Some(k) = self.shared.keyring.get(&owner) else {
            return Ok(None);
        };
        open(&k, sealed, "ticket").map(Some)
    }

    async fn agents_inner(&self) -> Result<Vec<Agent>, StoreError> {
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for item in trees.agents.iter() {
            let (_, raw) = item.map_err(io)?;
            out.push(
                serde_json::from_slice(&raw).map_err(|e| StoreError::Corrupt {
                    what: "agent",
                    reason: e.to_string(),
                })?,
            );
        }
        Ok(out)
    }

    async fn remove_agent_inner(&self, login: &str) -> Result<bool, StoreError> {
        let removed = self
            .shared
            .trees()?
            .agents
            .remove(login.as_bytes())
            .map_err(io)?
            .is_some();
        self.durable().await?;
        Ok(removed)
    }

    async fn append_audit_inner(&self, event: AuditEvent) -> Result<u64, StoreError> {
        let trees = self.shared.trees()?;
        let values = audit_values(&trees, &self.shared.index, std::slice::from_ref(&event))?;
        let mut seq = 0;
        for (key, value) in values {
            seq = u64::from_be_bytes(key);
            trees.audit.insert(key, value).map_err(io)?;
        }
        drop(trees);
        self.durable().await?;
        Ok(seq)
    }

    async fn audit_log_inner(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let start = match after {
            None => 0,
            Some(seq) => match seq.checked_add(1) {
                Some(next) => next,
                None => return Ok(Vec::new()),
            },
        };
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for item in trees.audit.range(start.to_be_bytes()..).take(limit) {
            let (_, value) = item.map_err(io)?;
            let (_, json) = timed_parts(&value).ok_or(StoreError::Corrupt {
                what: "audit record",
                reason: "too short".into(),
            })?;
            out.push(
                serde_json::from_slice(json).map_err(|e| StoreError::Corrupt {
                    what: "audit record",
                    reason: e.to_string(),
                })?,
            );
        }
        Ok(out)
    }

    async fn agent_inner(&self, login: &str) -> Result<Option<Agent>, StoreError> {
        let Some(raw) = self
            .shared
            .trees()?
            .agents
            .get(login.as_bytes())
            .map_err(io)?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what: "agent",
                reason: e.to_string(),
            })
    }

    /// Reads every `[owner ∥ sealed]` value of a tree, skipping records whose key was erased.
    fn read_owned<T: serde::de::DeserializeOwned>(
        &self,
        tree: impl Fn(&Trees) -> &sled::Tree,
        what: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let trees = self.shared.trees()?;
        let mut out = Vec::new();
        for item in tree(&trees).iter() {
            let (_, value) = item.map_err(io)?;
            let Some((owner, sealed)) = owned_parts(&value) else {
                continue;
            };
            let Some(k) = self.shared.keyring.get(&owner) else {
                continue;
            };
            out.push(open(&k, sealed, what)?);
        }
        Ok(out)
    }
}

/// An audit record's key (its sequence number) and stored value.
type AuditValue = ([u8; 8], Vec<u8>);

/// The audit records of `events`, numbered, as stored (`[time ∥ json]`).
fn audit_values(
    trees: &Trees,
    index: &IndexSecret,
    events: &[AuditEvent],
) -> Result<Vec<AuditValue>, StoreError> {
    events
        .iter()
        .map(|event| {
            let seq = trees.db.generate_id().map_err(io)?;
            let record = AuditRecord {
                seq,
                at: event.at,
                actor: event.actor.clone(),
                action: event.action.clone(),
                ticket: event.ticket.clone(),
                subject: event
                    .conversation
                    .as_ref()
                    .map(|key| index.pseudonym(key.as_str())),
                detail: event.detail.clone(),
            };
            let json = serde_json::to_vec(&record).map_err(|e| StoreError::Corrupt {
                what: "audit record",
                reason: e.to_string(),
            })?;
            Ok((seq.to_be_bytes(), timed_value(event.at, &json)))
        })
        .collect()
}

/// The version of a stored ticket (for the check in `commit_turn`).
fn ticket_version(k: &[u8; 32], raw: &[u8]) -> Result<u64, StoreError> {
    let (_, sealed) = owned_parts(raw).ok_or(StoreError::Corrupt {
        what: "ticket",
        reason: "too short".into(),
    })?;
    let ticket: Ticket = open(k, sealed, "ticket")?;
    Ok(ticket.version)
}

/// The tickets of one conversation.
fn read_tickets_of(trees: &Trees, owner: &Hashed, k: &[u8; 32]) -> Result<Vec<Ticket>, StoreError> {
    let mut out = Vec::new();
    for item in trees.tickets.iter() {
        let (_, value) = item.map_err(io)?;
        if let Some((o, sealed)) = owned_parts(&value)
            && o == *owner
        {
            out.push(open(k, sealed, "ticket")?);
        }
    }
    Ok(out)
}

fn read_transcript(
    trees: &Trees,
    hashed: &Hashed,
    k: &[u8; 32],
) -> Result<Vec<TranscriptEntry>, StoreError> {
    let mut out = Vec::new();
    for item in trees.transcripts.scan_prefix(hashed) {
        let (_, value) = item.map_err(io)?;
        let (_, sealed) = timed_parts(&value).ok_or(StoreError::Corrupt {
            what: "transcript entry",
            reason: "too short".into(),
        })?;
        out.push(open(k, sealed, "transcript entry")?);
    }
    Ok(out)
}

/// An outbox item, or `None` when it cannot be read: one damaged item must not stop delivery of
/// every other.
fn open_outbox_item(shared: &Shared, value: &[u8]) -> Option<OutboxItem> {
    let (owner, sealed) = owned_parts(value)?;
    // No key: its conversation was erased.
    let k = shared.keyring.get(&owner)?;
    match open(&k, sealed, "outbox item") {
        Ok(item) => Some(item),
        Err(e) => {
            tracing::warn!(error = %e, "an outbox item cannot be read and is skipped");
            None
        }
    }
}

#[async_trait]
impl Store for SledStore {
    async fn load(&self, key: &ConversationKey) -> Result<Option<StoredConversation>, StoreError> {
        self.shared.watch(self.load_inner(key).await)
    }

    async fn reply_for(
        &self,
        key: &ConversationKey,
        message_id: &str,
    ) -> Result<Option<Turn>, StoreError> {
        self.shared
            .watch(self.reply_for_inner(key, message_id).await)
    }

    async fn commit_turn(&self, commit: TurnCommit) -> Result<(), StoreError> {
        self.shared.watch(self.commit_turn_inner(commit).await)
    }

    async fn transcript(&self, key: &ConversationKey) -> Result<Vec<TranscriptEntry>, StoreError> {
        self.shared.watch(self.transcript_inner(key).await)
    }

    async fn pending_outbox(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        self.shared
            .watch(self.pending_outbox_inner(after, limit).await)
    }

    async fn ack_outbox(&self, id: u64) -> Result<(), StoreError> {
        self.shared.watch(self.ack_outbox_inner(id).await)
    }

    async fn export(&self, key: &ConversationKey) -> Result<Option<Export>, StoreError> {
        self.shared.watch(self.export_inner(key).await)
    }

    async fn erase_conversation(&self, key: &ConversationKey) -> Result<ErasureReport, StoreError> {
        let owners = HashSet::from([self.shared.index.conversation(key)]);
        self.shared.watch(self.erase_owners(owners).await)
    }

    async fn erase_user(&self, user_ref: &str) -> Result<ErasureReport, StoreError> {
        self.shared.watch(self.erase_user_inner(user_ref).await)
    }

    async fn purge_transcripts_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        self.shared.watch(self.purge_inner(cutoff).await)
    }

    async fn flush(&self) -> Result<(), StoreError> {
        let result = self.shared.flush().await;
        self.shared.watch(result)
    }

    async fn ready(&self) -> Result<(), StoreError> {
        self.shared.ready()
    }

    async fn subscribe(&self, subscription: Subscription) -> Result<(), StoreError> {
        let key = subscription.key.clone();
        let topic = subscription.topic.clone();
        self.update_subscription(&key, &topic, Some(subscription))
            .await
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        self.shared
            .watch(self.read_owned(|t| &t.follow_ups, "subscription"))
    }

    async fn update_subscription(
        &self,
        key: &ConversationKey,
        topic: &FollowTopic,
        update: Option<Subscription>,
    ) -> Result<(), StoreError> {
        self.shared
            .watch(self.update_subscription_inner(key, topic, update).await)
    }

    async fn save_ticket(&self, ticket: Ticket) -> Result<(), StoreError> {
        self.shared.watch(self.save_ticket_inner(ticket).await)
    }

    async fn tickets(&self, open_only: bool) -> Result<Vec<Ticket>, StoreError> {
        let mut all: Vec<Ticket> = self
            .shared
            .watch(self.read_owned(|t| &t.tickets, "ticket"))?;
        if open_only {
            all.retain(|t| t.status != TicketStatus::Closed);
        }
        all.sort_by_key(|t| t.opened_at);
        Ok(all)
    }

    async fn save_agent(&self, agent: Agent) -> Result<(), StoreError> {
        self.shared.watch(self.save_agent_inner(agent).await)
    }

    async fn agent(&self, login: &str) -> Result<Option<Agent>, StoreError> {
        self.shared.watch(self.agent_inner(login).await)
    }

    async fn ticket(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        self.shared.watch(self.ticket_inner(id).await)
    }

    async fn agents(&self) -> Result<Vec<Agent>, StoreError> {
        self.shared.watch(self.agents_inner().await)
    }

    async fn remove_agent(&self, login: &str) -> Result<bool, StoreError> {
        self.shared.watch(self.remove_agent_inner(login).await)
    }

    async fn append_audit(&self, event: AuditEvent) -> Result<u64, StoreError> {
        self.shared.watch(self.append_audit_inner(event).await)
    }

    async fn audit_log(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.shared.watch(self.audit_log_inner(after, limit).await)
    }

    fn pseudonym(&self, value: &str) -> String {
        self.shared.index.pseudonym(value)
    }
}
