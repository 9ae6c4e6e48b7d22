//! The embedded store: sled (one directory, no server). Each turn is one multi-tree transaction;
//! durability comes from the group commit; every value is sealed with its conversation's key.
//!
//! Trees: `conversations` (key → record), `transcripts` (key ∥ 0 ∥ seq → [time ∥ record]),
//! `replies` (key ∥ 0 ∥ message id → turn), `outbox` (id → [key ∥ record]),
//! `users` (user_ref ∥ 0 ∥ key → ∅), `meta`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::codec::{open, seal};
use super::group_commit::GroupCommit;
use super::keyring::Keyring;
use super::types::*;
use super::{Store, StoreError};
use crate::runtime::Turn;

/// The layout version of the trees; checked at start-up.
const LAYOUT_VERSION: u32 = 1;

pub struct SledStore {
    dir: PathBuf,
    db: sled::Db,
    conversations: sled::Tree,
    transcripts: sled::Tree,
    replies: sled::Tree,
    outbox: sled::Tree,
    users: sled::Tree,
    /// topic index ∥ 0 ∥ conversation key → [u16 len ∥ key ∥ sealed subscription]
    follow_ups: sled::Tree,
    /// ticket id → [u16 len ∥ key ∥ sealed ticket]
    tickets: sled::Tree,
    /// login → agent (no conversation data: not sealed)
    agents: sled::Tree,
    keyring: Arc<Keyring>,
    commits: GroupCommit,
    /// Test-only switch (`KYCDESK_UNSAFE_SKIP_FLUSH=1`): acknowledge before the flush. It exists
    /// to prove the crash test catches lost messages; never set it in production.
    skip_flush: bool,
}

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

fn prefix(key: &ConversationKey) -> Vec<u8> {
    let mut p = key.as_str().as_bytes().to_vec();
    p.push(0);
    p
}

fn seq_key(key: &ConversationKey, seq: u64) -> Vec<u8> {
    let mut k = prefix(key);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

impl SledStore {
    /// Opens (or creates) the store in `dir`. Must be called inside a Tokio runtime.
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
        let db = sled::Config::new()
            .path(dir.join("db"))
            // Durability is ours (group commit), not a timer's.
            .flush_every_ms(None)
            .open()
            .map_err(|e| {
                let text = e.to_string();
                if text.contains("could not acquire lock") {
                    open_err("another kycdesk process is using it (only one may)".into())
                } else {
                    open_err(text)
                }
            })?;
        Self::with_db(dir, db)
    }

    fn with_db(dir: &Path, db: sled::Db) -> Result<Arc<Self>, StoreError> {
        let tree = |name: &str| db.open_tree(name).map_err(io);
        let meta = tree("meta")?;
        match meta.get("layout").map_err(io)? {
            None => {
                meta.insert("layout", &LAYOUT_VERSION.to_be_bytes())
                    .map_err(io)?;
            }
            Some(v) => {
                let version = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Corrupt {
                        what: "store layout",
                        reason: "unreadable version".into(),
                    })?;
                if version > LAYOUT_VERSION {
                    return Err(StoreError::UnknownFormat {
                        what: "store layout",
                        version,
                        known: LAYOUT_VERSION,
                    });
                }
            }
        }
        let keyring = Arc::new(Keyring::open(dir)?);
        let flush_db = db.clone();
        let flush_keys = keyring.clone();
        let commits = GroupCommit::start(Arc::new(move || {
            let db = flush_db.clone();
            let keys = flush_keys.clone();
            Box::pin(async move {
                keys.sync()?;
                db.flush_async().await.map(|_| ()).map_err(io)
            })
        }));
        Ok(Arc::new(Self {
            dir: dir.to_path_buf(),
            conversations: tree("conversations")?,
            transcripts: tree("transcripts")?,
            replies: tree("replies")?,
            outbox: tree("outbox")?,
            users: tree("users")?,
            follow_ups: tree("follow_ups")?,
            tickets: tree("tickets")?,
            agents: tree("agents")?,
            db,
            keyring,
            commits,
            skip_flush: std::env::var("KYCDESK_UNSAFE_SKIP_FLUSH").is_ok_and(|v| v == "1"),
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key_of(&self, key: &ConversationKey) -> Result<[u8; 32], StoreError> {
        self.keyring
            .get(key.as_str())
            .ok_or_else(|| StoreError::MissingKey(key.to_string()))
    }

    fn erase_one(&self, key: &ConversationKey) -> Result<ErasureReport, StoreError> {
        let mut report = ErasureReport::default();
        let p = prefix(key);
        if let Some(raw) = self.conversations.remove(key.as_str()).map_err(io)? {
            report.conversations += 1;
            if let Ok(k) = self.key_of(key)
                && let Ok(c) = open::<StoredConversation>(&k, &raw, "conversation")
                && let Some(user) = c.user_ref
            {
                let mut link = user.into_bytes();
                link.push(0);
                link.extend_from_slice(key.as_str().as_bytes());
                if self.users.remove(link).map_err(io)?.is_some() {
                    report.user_links += 1;
                }
            }
        }
        for item in self.transcripts.scan_prefix(&p).keys() {
            self.transcripts.remove(item.map_err(io)?).map_err(io)?;
            report.transcript_entries += 1;
        }
        for item in self.replies.scan_prefix(&p).keys() {
            self.replies.remove(item.map_err(io)?).map_err(io)?;
            report.replies += 1;
        }
        for item in self.outbox.iter() {
            let (id, value) = item.map_err(io)?;
            if outbox_owner(&value).is_some_and(|(owner, _)| owner == key.as_str()) {
                self.outbox.remove(id).map_err(io)?;
                report.outbox_items += 1;
            }
        }
        for tree in [&self.follow_ups, &self.tickets] {
            for item in tree.iter() {
                let (id, value) = item.map_err(io)?;
                if outbox_owner(&value).is_some_and(|(owner, _)| owner == key.as_str()) {
                    tree.remove(id).map_err(io)?;
                    if std::ptr::eq(tree, &self.tickets) {
                        report.tickets += 1;
                    } else {
                        report.subscriptions += 1;
                    }
                }
            }
        }
        // Any user link left (e.g. the record was unreadable) is found by scanning.
        for item in self.users.iter().keys() {
            let link = item.map_err(io)?;
            if link.ends_with(key.as_str().as_bytes())
                && link.len() > key.as_str().len()
                && link[link.len() - key.as_str().len() - 1] == 0
            {
                self.users.remove(link).map_err(io)?;
                report.user_links += 1;
            }
        }
        report.keys += self.keyring.remove(&[key.to_string()])?;
        Ok(report)
    }
}

/// `[u16 LE length][conversation key][sealed item]`
fn outbox_value(key: &ConversationKey, sealed: &[u8]) -> Vec<u8> {
    let name = key.as_str().as_bytes();
    let mut v = Vec::with_capacity(2 + name.len() + sealed.len());
    v.extend_from_slice(&(name.len() as u16).to_le_bytes());
    v.extend_from_slice(name);
    v.extend_from_slice(sealed);
    v
}

fn outbox_owner(value: &[u8]) -> Option<(&str, &[u8])> {
    let (len, rest) = value.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_le_bytes(*len));
    if rest.len() < len {
        return None;
    }
    let (name, sealed) = rest.split_at(len);
    Some((std::str::from_utf8(name).ok()?, sealed))
}

/// `[i64 BE milliseconds][sealed entry]`: the time stays readable for the retention purge.
fn transcript_value(at: DateTime<Utc>, sealed: &[u8]) -> Vec<u8> {
    let mut v = at.timestamp_millis().to_be_bytes().to_vec();
    v.extend_from_slice(sealed);
    v
}

fn transcript_time(value: &[u8]) -> Option<(DateTime<Utc>, &[u8])> {
    let (ms, rest) = value.split_first_chunk::<8>()?;
    let at = Utc.timestamp_millis_opt(i64::from_be_bytes(*ms)).single()?;
    Some((at, rest))
}

#[async_trait]
impl Store for SledStore {
    async fn load(&self, key: &ConversationKey) -> Result<Option<StoredConversation>, StoreError> {
        let Some(raw) = self.conversations.get(key.as_str()).map_err(io)? else {
            return Ok(None);
        };
        let k = self.key_of(key)?;
        open(&k, &raw, "conversation").map(Some)
    }

    async fn reply_for(
        &self,
        key: &ConversationKey,
        message_id: &str,
    ) -> Result<Option<Turn>, StoreError> {
        let mut k = prefix(key);
        k.extend_from_slice(message_id.as_bytes());
        let Some(raw) = self.replies.get(k).map_err(io)? else {
            return Ok(None);
        };
        open(&self.key_of(key)?, &raw, "reply").map(Some)
    }

    async fn commit_turn(&self, commit: TurnCommit) -> Result<(), StoreError> {
        let key = &commit.key;
        let k = self.keyring.get_or_create(key.as_str())?;
        // Everything is sealed before the transaction: its closure may run more than once.
        let conversation = seal(&k, &commit.conversation)?;
        let entries: Vec<(Vec<u8>, Vec<u8>)> = commit
            .entries
            .iter()
            .map(|e| Ok((seq_key(key, e.seq), transcript_value(e.at, &seal(&k, e)?))))
            .collect::<Result<_, StoreError>>()?;
        let reply = match &commit.reply {
            Some((id, turn)) => {
                let mut rk = prefix(key);
                rk.extend_from_slice(id.as_bytes());
                Some((rk, seal(&k, turn)?))
            }
            None => None,
        };
        let mut outbox = Vec::new();
        for turn in &commit.outbox {
            let id = self.db.generate_id().map_err(io)?;
            let item = OutboxItem {
                id,
                key: key.clone(),
                turn: turn.clone(),
                created_at: commit.conversation.updated_at,
            };
            outbox.push((id.to_be_bytes(), outbox_value(key, &seal(&k, &item)?)));
        }
        let user_link = commit.conversation.user_ref.as_ref().map(|u| {
            let mut link = u.as_bytes().to_vec();
            link.push(0);
            link.extend_from_slice(key.as_str().as_bytes());
            link
        });
        let result: Result<(), TransactionError<()>> = (
            &self.conversations,
            &self.transcripts,
            &self.replies,
            &self.outbox,
            &self.users,
        )
            .transaction(
                |(conversations, transcripts, replies, outbox_tree, users)| {
                    conversations.insert(key.as_str(), conversation.as_slice())?;
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
                    Ok::<(), ConflictableTransactionError<()>>(())
                },
            );
        result.map_err(|e| StoreError::Io(format!("{e:?}")))?;
        self.durable().await
    }

    async fn transcript(&self, key: &ConversationKey) -> Result<Vec<TranscriptEntry>, StoreError> {
        let k = match self.keyring.get(key.as_str()) {
            Some(k) => k,
            None => return Ok(Vec::new()),
        };
        let mut out = Vec::new();
        for item in self.transcripts.scan_prefix(prefix(key)) {
            let (_, value) = item.map_err(io)?;
            let (_, sealed) = transcript_time(&value).ok_or(StoreError::Corrupt {
                what: "transcript entry",
                reason: "too short".into(),
            })?;
            out.push(open(&k, sealed, "transcript entry")?);
        }
        Ok(out)
    }

    async fn pending_outbox(&self, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let mut out = Vec::new();
        for item in self.outbox.iter().take(limit) {
            let (_, value) = item.map_err(io)?;
            let Some((owner, sealed)) = outbox_owner(&value) else {
                continue;
            };
            let Some(k) = self.keyring.get(owner) else {
                continue;
            };
            out.push(open(&k, sealed, "outbox item")?);
        }
        Ok(out)
    }

    async fn ack_outbox(&self, id: u64) -> Result<(), StoreError> {
        self.outbox.remove(id.to_be_bytes()).map_err(io)?;
        self.durable().await
    }

    async fn export(&self, key: &ConversationKey) -> Result<Option<Export>, StoreError> {
        let Some(conversation) = self.load(key).await? else {
            return Ok(None);
        };
        let k = self.key_of(key)?;
        let mut replies = Vec::new();
        let p = prefix(key);
        for item in self.replies.scan_prefix(&p) {
            let (rk, value) = item.map_err(io)?;
            let id = String::from_utf8_lossy(&rk[p.len()..]).to_string();
            replies.push((id, open(&k, &value, "reply")?));
        }
        let pending_outbox = self
            .pending_outbox(usize::MAX)
            .await?
            .into_iter()
            .filter(|o| &o.key == key)
            .collect();
        Ok(Some(Export {
            conversation: key.to_string(),
            user_ref: conversation.user_ref.clone(),
            created_at: conversation.created_at,
            updated_at: conversation.updated_at,
            state: serde_json::to_value(&conversation.session).unwrap_or_default(),
            transcript: self.transcript(key).await?,
            pending_outbox,
            replies,
        }))
    }

    async fn erase_conversation(&self, key: &ConversationKey) -> Result<ErasureReport, StoreError> {
        let report = self.erase_one(key)?;
        self.flush().await?;
        Ok(report)
    }

    async fn erase_user(&self, user_ref: &str) -> Result<ErasureReport, StoreError> {
        let mut p = user_ref.as_bytes().to_vec();
        p.push(0);
        let mut keys = Vec::new();
        for item in self.users.scan_prefix(&p).keys() {
            let link = item.map_err(io)?;
            if let Ok(k) = ConversationKey::parse(&String::from_utf8_lossy(&link[p.len()..])) {
                keys.push(k);
            }
        }
        let mut report = ErasureReport::default();
        for key in keys {
            report.add(&self.erase_one(&key)?);
        }
        self.flush().await?;
        Ok(report)
    }

    async fn purge_transcripts_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut removed = 0;
        for item in self.transcripts.iter() {
            let (k, value) = item.map_err(io)?;
            if transcript_time(&value).is_some_and(|(at, _)| at < cutoff) {
                self.transcripts.remove(k).map_err(io)?;
                removed += 1;
            }
        }
        if removed > 0 {
            self.flush().await?;
        }
        Ok(removed)
    }

    async fn flush(&self) -> Result<(), StoreError> {
        self.keyring.sync()?;
        self.db.flush_async().await.map(|_| ()).map_err(io)
    }

    async fn subscribe(&self, subscription: Subscription) -> Result<(), StoreError> {
        let key = subscription.key.clone();
        let topic = subscription.topic.clone();
        self.update_subscription(&key, &topic, Some(subscription))
            .await
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        self.read_owned(&self.follow_ups, "subscription")
    }

    async fn update_subscription(
        &self,
        key: &ConversationKey,
        topic: &FollowTopic,
        update: Option<Subscription>,
    ) -> Result<(), StoreError> {
        let mut id = topic.index().into_bytes();
        id.push(0);
        id.extend_from_slice(key.as_str().as_bytes());
        match update {
            Some(sub) => {
                let k = self.keyring.get_or_create(key.as_str())?;
                self.follow_ups
                    .insert(id, outbox_value(key, &seal(&k, &sub)?))
                    .map_err(io)?;
            }
            None => {
                self.follow_ups.remove(id).map_err(io)?;
            }
        }
        self.durable().await
    }

    async fn save_ticket(&self, ticket: Ticket) -> Result<(), StoreError> {
        let k = self.keyring.get_or_create(ticket.key.as_str())?;
        self.tickets
            .insert(
                ticket.id.as_bytes(),
                outbox_value(&ticket.key, &seal(&k, &ticket)?),
            )
            .map_err(io)?;
        self.durable().await
    }

    async fn tickets(&self, open_only: bool) -> Result<Vec<Ticket>, StoreError> {
        let mut all: Vec<Ticket> = self.read_owned(&self.tickets, "ticket")?;
        if open_only {
            all.retain(|t| t.status != TicketStatus::Closed);
        }
        all.sort_by_key(|t| t.opened_at);
        Ok(all)
    }

    async fn save_agent(&self, agent: Agent) -> Result<(), StoreError> {
        let value = serde_json::to_vec(&agent).map_err(|e| StoreError::Corrupt {
            what: "agent",
            reason: e.to_string(),
        })?;
        self.agents
            .insert(agent.login.as_bytes(), value)
            .map_err(io)?;
        self.durable().await
    }

    async fn agent(&self, login: &str) -> Result<Option<Agent>, StoreError> {
        let Some(raw) = self.agents.get(login.as_bytes()).map_err(io)? else {
            return Ok(None);
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what: "agent",
                reason: e.to_string(),
            })
    }
}

impl SledStore {
    async fn durable(&self) -> Result<(), StoreError> {
        if self.skip_flush {
            return Ok(());
        }
        self.commits.durable().await
    }

    /// Reads every `[owner ∥ sealed]` value of a tree, skipping records whose key was erased.
    fn read_owned<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        what: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        for item in tree.iter() {
            let (_, value) = item.map_err(io)?;
            let Some((owner, sealed)) = outbox_owner(&value) else {
                continue;
            };
            let Some(k) = self.keyring.get(owner) else {
                continue;
            };
            out.push(open(&k, sealed, what)?);
        }
        Ok(out)
    }
}
