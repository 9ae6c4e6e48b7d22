//! The runtime between channels and the engine. For each inbound message it takes the
//! conversation's lock, recognises a duplicate, loads the state, steps the engine (performing
//! its actions and feeding their results back until the conversation waits for the user),
//! writes state + transcript + outbox in one durable commit, and only then returns the turn for
//! the channel to show or acknowledge. Every channel goes through here.

pub mod actions;
mod bot_actions;
pub mod desk;
mod escalation;
pub mod followups;
mod locks;
pub mod outbox;
mod render;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::{ButtonOffer, ConversationState, Effect, Engine, Event, StepContext};
use crate::entities::redact;
use crate::i18n::{Lang, Locales};
use crate::nlu::normalize::{MAX_CHARS, normalize, truncate_chars};
use crate::store::{
    ConversationKey, EntryKind, Store, StoreError, StoredConversation, TranscriptEntry, TurnCommit,
};
pub use actions::{ActionContext, ActionResult, Actions, StandIns};
pub use bot_actions::BotActions;
use desk::hub::HandoffHub;
pub use escalation::CANCEL_BUTTON;
use escalation::HandoffTurn;
use locks::ConversationLocks;
pub use render::{RenderedButton, RenderedMessage, Turn};

/// How many action results one inbound message may chain. More means the flows loop.
const MAX_ACTIONS_PER_TURN: usize = 8;

/// What the user sent, channel-independent.
#[derive(Debug, Clone)]
pub enum Content {
    /// The conversation opens (or is resumed).
    Start,
    Text(String),
    Button(String),
    /// A photo, held in memory for this turn only.
    Photo(Vec<u8>),
    /// Something the user follows changed (not from the user: opens `followup.<node>`).
    FollowUp {
        node: String,
        slots: std::collections::BTreeMap<String, String>,
        /// The changed case, as read from the case API.
        case: Option<Box<crate::cases::Case>>,
    },
}

/// How the channel shows the bot's turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The reply is the response to the request (terminal, HTTP POST): nothing to push.
    Inline,
    /// The reply is pushed later from the outbox (Telegram, sockets).
    Outbox,
}

/// One inbound message.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub content: Content,
    /// The channel's id for this message (Telegram update id, widget client id): a second
    /// delivery with the same id gets the first reply, and is not processed again.
    pub message_id: Option<String>,
    /// The wallet user the channel knows this person to be (signed widget identity).
    pub user_ref: Option<String>,
    /// The language to start a new conversation in.
    pub lang: Lang,
    /// Whether the user chose `lang` (a language switch in the widget): a start message then
    /// switches an existing conversation too, and the bot repeats its question in that language.
    pub lang_chosen: bool,
    pub delivery: Delivery,
}

impl Inbound {
    pub fn new(content: Content, lang: Lang) -> Self {
        Self {
            content,
            message_id: None,
            user_ref: None,
            lang,
            lang_chosen: false,
            delivery: Delivery::Inline,
        }
    }

    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a message id must be 1–128 printable characters")]
    BadMessageId,
    /// The conversation is linked to a wallet user and the message is not from them.
    #[error("this conversation belongs to another user")]
    NotOwner,
    /// The conversation has stored as much as one conversation may.
    #[error("this conversation is full: start a new one")]
    ConversationFull,
}

/// Default for [`Runtime::with_quota`]: about two thousand messages with the bot's answers.
pub const DEFAULT_CONVERSATION_QUOTA_BYTES: u64 = 1024 * 1024;

/// A conversation: the engine state plus what the user was last shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub state: ConversationState,
    /// The buttons of the last turn, so that typing a button's number or label presses it.
    pub offered: Vec<ButtonOffer>,
}

/// Shared by all conversations.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    locales: Arc<Locales>,
    actions: Arc<dyn Actions>,
    store: Arc<dyn Store>,
    locks: Arc<ConversationLocks>,
    /// Most bytes of transcript and replies one conversation may store.
    quota_bytes: u64,
    /// Tickets, presence and live events of the human handoff.
    handoff: Arc<HandoffHub>,
}

impl Runtime {
    pub fn new(
        engine: Engine,
        locales: Arc<Locales>,
        actions: Arc<dyn Actions>,
        store: Arc<dyn Store>,
    ) -> Self {
        Self {
            engine,
            locales,
            actions,
            store,
            locks: Arc::new(ConversationLocks::default()),
            quota_bytes: DEFAULT_CONVERSATION_QUOTA_BYTES,
            handoff: Arc::new(HandoffHub::default()),
        }
    }

    /// Uses these handoff settings and business hours.
    pub fn with_handoff(mut self, hub: HandoffHub) -> Self {
        self.handoff = Arc::new(hub);
        self
    }

    pub fn handoff(&self) -> &Arc<HandoffHub> {
        &self.handoff
    }

    /// Caps what one conversation may store, so that nobody can grow the data without bound.
    pub fn with_quota(mut self, bytes: u64) -> Self {
        self.quota_bytes = bytes;
        self
    }

    /// Whether `user_ref` may read or write the conversation: a conversation linked to a wallet
    /// user is theirs alone; an unlinked one is open to whoever the channel let through (the
    /// widget admits only the holder of the conversation's token). Decided under the
    /// conversation's lock, and refused when the store cannot tell (fails closed).
    pub async fn authorize(
        &self,
        key: &ConversationKey,
        user_ref: Option<&str>,
    ) -> Result<Option<StoredConversation>, RuntimeError> {
        let _turn_lock = self.locks.lock(key).await;
        let stored = self.store.load(key).await?;
        check_owner(stored.as_ref(), user_ref)?;
        Ok(stored)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn locales(&self) -> &Locales {
        &self.locales
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn new_session(&self, lang: Lang) -> Session {
        Session {
            state: self.engine.new_state(lang),
            offered: Vec::new(),
        }
    }

    /// Handles one inbound message durably and returns the bot's turn. When this returns `Ok`,
    /// the message, the new state and the reply are on disk; on `Err` nothing was acknowledged
    /// and the channel should let the user (or platform) retry.
    pub async fn handle(
        &self,
        key: &ConversationKey,
        inbound: Inbound,
        now: DateTime<Utc>,
    ) -> Result<Turn, RuntimeError> {
        if let Some(id) = &inbound.message_id
            && (id.is_empty() || id.len() > 128 || id.chars().any(char::is_control))
        {
            return Err(RuntimeError::BadMessageId);
        }
        let _turn_lock = self.locks.lock(key).await;
        // Ownership first, under the lock (two first writers cannot both win), and before the
        // dedupe record, which holds a reply of the owner's.
        let stored = self.store.load(key).await?;
        check_owner(stored.as_ref(), inbound.user_ref.as_deref())?;
        if let Some(id) = &inbound.message_id
            && let Some(reply) = self.store.reply_for(key, id).await?
        {
            tracing::debug!(conversation = %key, "duplicate message: the first reply is returned");
            return Ok(reply);
        }
        let mut conversation = match stored {
            Some(c) => c,
            None => StoredConversation {
                session: self.new_session(inbound.lang),
                user_ref: None,
                created_at: now,
                updated_at: now,
                next_seq: 0,
                stored_bytes: 0,
                ticket: None,
                rating_for: None,
            },
        };
        // A full conversation does no more work at all (no photo check, no lookup).
        if conversation.stored_bytes >= self.quota_bytes {
            return Err(RuntimeError::ConversationFull);
        }
        if inbound.user_ref.is_some() {
            conversation.user_ref = inbound.user_ref.clone();
        }
        if inbound.lang_chosen && matches!(inbound.content, Content::Start) {
            conversation.session.state.lang = inbound.lang;
        }
        let open = match &conversation.ticket {
            Some(id) => self.store.ticket(id).await?.filter(|t| t.status.is_open()),
            None => None,
        };
        if open.is_none() {
            conversation.ticket = None;
        }
        if let Some(ticket) = open.clone()
            && escalation::relays(&inbound.content, &ticket)
        {
            return self.relay(key, conversation, ticket, inbound, now).await;
        }
        let cancelled = open.is_some()
            && matches!(&inbound.content, Content::Button(id) if id == CANCEL_BUTTON);
        let mut handoff = HandoffTurn {
            open,
            rating_for: conversation.rating_for.clone(),
            ..HandoffTurn::default()
        };
        let today = now.date_naive();
        let node_before = conversation.session.state.at.clone();
        let inbound_entry = inbound_text(&inbound.content, today);
        let turn = self
            .turn_for(
                Some(key),
                &mut conversation.session,
                inbound.content,
                conversation.user_ref.as_deref(),
                now,
                &mut handoff,
            )
            .await;
        self.settle_handoff(&mut conversation, &mut handoff, cancelled, now);

        let mut entries = turn_entries(inbound.message_id.clone(), inbound_entry, &turn, now);
        if conversation.session.state.at != node_before {
            entries.push(TranscriptEntry {
                node: Some(turn.node.clone()),
                ..line(EntryKind::StateChange, String::new(), now)
            });
        }
        number_entries(&mut conversation, &mut entries, now);
        let turn_bytes = stored_size(&entries, &turn);
        if conversation.stored_bytes.saturating_add(turn_bytes) > self.quota_bytes {
            tracing::warn!(conversation = %key, "a conversation reached its storage quota");
            return Err(RuntimeError::ConversationFull);
        }
        let commit = TurnCommit {
            key: key.clone(),
            conversation,
            entries,
            outbox: match inbound.delivery {
                Delivery::Outbox => vec![turn.clone()],
                Delivery::Inline => Vec::new(),
            },
            reply: inbound.message_id.map(|id| (id, turn.clone())),
            ticket: handoff.write,
            audit: Vec::new(),
        };
        let written = commit.ticket.as_ref().map(|w| w.ticket.clone());
        self.store.commit_turn(commit).await?;
        if let Some(ticket) = written {
            self.announce_ticket(&ticket).await;
        }
        Ok(turn)
    }

    /// Steps the engine for one message, performing actions until the conversation waits, and
    /// renders the turn. Stores nothing: `handle` wraps it in the durable commit; tests and
    /// benchmarks call it directly to look at the conversation alone.
    pub async fn turn(
        &self,
        session: &mut Session,
        content: Content,
        user_ref: Option<&str>,
        now: DateTime<Utc>,
    ) -> Turn {
        self.turn_for(
            None,
            session,
            content,
            user_ref,
            now,
            &mut HandoffTurn::default(),
        )
        .await
    }

    async fn turn_for(
        &self,
        key: Option<&ConversationKey>,
        session: &mut Session,
        content: Content,
        user_ref: Option<&str>,
        now: DateTime<Utc>,
        handoff_turn: &mut HandoffTurn,
    ) -> Turn {
        let ctx = StepContext {
            today: now.date_naive(),
        };
        let mut photo: Option<Vec<u8>> = None;
        let mut fresh_case: Option<Box<crate::cases::Case>> = None;
        let event = match content {
            Content::Start => Event::Start,
            Content::Button(id) => Event::Button { id },
            Content::Photo(bytes) => {
                photo = Some(bytes);
                Event::Photo
            }
            Content::FollowUp { node, slots, case } => {
                fresh_case = case;
                Event::FollowUp { node, slots }
            }
            Content::Text(text) => match self.typed_button(session, &text) {
                Some(id) => Event::Button { id },
                None => Event::Text { text },
            },
        };
        let first = self.engine.step(&mut session.state, event, ctx);
        let intent = first.understanding.as_ref().map(|u| u.intent.clone());
        let mut effects = Vec::new();
        let mut pending = first.effects;
        for _ in 0..MAX_ACTIONS_PER_TURN {
            let mut next = None;
            for effect in pending.drain(..) {
                match effect {
                    Effect::Perform { action, params } => {
                        let action_ctx = ActionContext {
                            photo: photo.as_deref(),
                            user_ref,
                            key,
                            fresh_case: fresh_case.as_deref(),
                            now,
                        };
                        let own = self
                            .handoff_action(
                                &action,
                                &session.state,
                                key,
                                user_ref,
                                now,
                                handoff_turn,
                            )
                            .await;
                        let result = match own {
                            Some(result) => result,
                            None => {
                                self.actions
                                    .perform(&action, &params, &session.state, &action_ctx)
                                    .await
                            }
                        };
                        for (key, args) in result.notes {
                            effects.push(Effect::Say { key, args });
                        }
                        next = Some(Event::ActionDone {
                            outcome: result.outcome,
                            slots: result.slots,
                        });
                    }
                    other => effects.push(other),
                }
            }
            match next {
                Some(event) => pending = self.engine.step(&mut session.state, event, ctx).effects,
                None => break,
            }
        }
        // The photo is dropped here, at the end of the turn: it is never stored.
        drop(photo);
        let turn = render::render(
            &self.locales,
            session.state.lang,
            &effects,
            session.state.at.as_ref().map(ToString::to_string),
            intent,
            handoff_turn.opened,
        );
        session.offered = effects
            .iter()
            .rev()
            .find_map(|e| match e {
                Effect::Buttons { buttons } => Some(buttons.clone()),
                _ => None,
            })
            .unwrap_or_default();
        turn
    }

    /// A typed button number ("2") or a typed label ("解决了 👍") presses that button.
    fn typed_button(&self, session: &Session, text: &str) -> Option<String> {
        let typed = text.trim();
        if let Ok(n) = typed.parse::<usize>() {
            return session.offered.get(n.checked_sub(1)?).map(|b| b.id.clone());
        }
        let typed = normalize(typed);
        if typed.is_empty() {
            return None;
        }
        session
            .offered
            .iter()
            .find(|b| normalize(&self.locales.render(session.state.lang, &b.label, &[])) == typed)
            .map(|b| b.id.clone())
    }
}

/// A conversation linked to a user is theirs alone; a message without their identity is refused.
fn check_owner(
    stored: Option<&StoredConversation>,
    user_ref: Option<&str>,
) -> Result<(), RuntimeError> {
    match stored.and_then(|c| c.user_ref.as_deref()) {
        Some(owner) if user_ref != Some(owner) => Err(RuntimeError::NotOwner),
        _ => Ok(()),
    }
}

/// A transcript line, numbered later by [`number_entries`].
fn line(kind: EntryKind, text: String, at: DateTime<Utc>) -> TranscriptEntry {
    TranscriptEntry {
        seq: 0,
        at,
        kind,
        message_id: None,
        text,
        buttons: Vec::new(),
        node: None,
        author: None,
    }
}

/// The transcript lines of a turn: what the user sent, then what the bot said.
fn turn_entries(
    message_id: Option<String>,
    inbound: String,
    turn: &Turn,
    at: DateTime<Utc>,
) -> Vec<TranscriptEntry> {
    let mut entries = vec![TranscriptEntry {
        message_id,
        ..line(EntryKind::Inbound, inbound, at)
    }];
    for m in &turn.messages {
        entries.push(TranscriptEntry {
            buttons: m.buttons.iter().map(|b| b.id.clone()).collect(),
            ..line(EntryKind::Outbound, m.text.clone(), at)
        });
    }
    entries
}

/// Gives entries the conversation's next sequence numbers and marks it updated.
fn number_entries(
    conversation: &mut StoredConversation,
    entries: &mut [TranscriptEntry],
    at: DateTime<Utc>,
) {
    for e in entries {
        e.seq = conversation.next_seq;
        conversation.next_seq += 1;
    }
    conversation.updated_at = at;
}

/// About what a turn adds to the store: its transcript texts and the reply kept for dedupe.
fn stored_size(entries: &[TranscriptEntry], turn: &Turn) -> u64 {
    let texts: usize = entries
        .iter()
        .map(|e| e.text.len() + e.buttons.iter().map(String::len).sum::<usize>() + 64)
        .sum();
    let reply: usize = turn
        .messages
        .iter()
        .map(|m| {
            m.text.len()
                + m.buttons
                    .iter()
                    .map(|b| b.id.len() + b.label.len())
                    .sum::<usize>()
        })
        .sum();
    (texts + reply) as u64
}

/// What the transcript keeps of an inbound message: text with personal numbers masked (and cut
/// to what the engine reads), or a note of a button or photo. Photos themselves are never kept.
fn inbound_text(content: &Content, today: chrono::NaiveDate) -> String {
    match content {
        Content::Start => "[start]".to_string(),
        Content::Text(t) => redact(truncate_chars(t, MAX_CHARS).0, today),
        // A button id comes from the client and may be anything, an ID number included.
        Content::Button(id) => format!("[button {}]", redact(truncate_chars(id, 64).0, today)),
        Content::Photo(bytes) => format!("[photo, {} bytes, not stored]", bytes.len()),
        Content::FollowUp { node, .. } => format!("[follow-up {node}]"),
    }
}
