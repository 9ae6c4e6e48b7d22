//! The user's side of a handoff, inside the runtime's turn: opening a ticket (in the same commit
//! as the turn), leaving a message, rating, and — while a ticket is open — relaying the user's
//! messages to the person instead of the bot.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use rand::RngCore;

use super::desk::hub::{DeskEvent, UserEvent};
use super::desk::views::{Names, entry_view};
use super::{ActionResult, Content, Delivery, Inbound, Runtime, RuntimeError, Turn, render};
use crate::engine::{ButtonOffer, ConversationState, Effect, HANDOFF_REASON_SLOT};
use crate::flows::actions::UNAVAILABLE;
use crate::handoff::{card, queue};
use crate::i18n::Lang;
use crate::store::{
    ConversationKey, StoredConversation, Ticket, TicketOutcome, TicketStatus, TicketWrite,
    TurnCommit,
};

/// The button that leaves the queue and goes back to the bot.
pub const CANCEL_BUTTON: &str = "handoff_cancel";
/// How much of the user's last message the queue shows.
const PREVIEW_CHARS: usize = 80;

/// What one turn does to the handoff, decided while the engine runs and written in its commit.
#[derive(Debug, Default)]
pub struct HandoffTurn {
    /// The conversation's open ticket when the turn began.
    pub open: Option<Ticket>,
    /// The resolved ticket waiting for the user's rating.
    pub rating_for: Option<String>,
    /// The ticket write to commit with the turn.
    pub write: Option<TicketWrite>,
    /// Whether this turn opened a ticket (the turn's `handoff` flag).
    pub opened: bool,
    pub rated: bool,
}

fn outcome(name: &str, slots: BTreeMap<String, String>) -> ActionResult {
    ActionResult {
        outcome: name.to_string(),
        slots,
        notes: Vec::new(),
    }
}

fn new_ticket_id() -> String {
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "t_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A short, masked line for the queue.
pub fn preview(text: &str) -> String {
    let mut out: String = text.chars().take(PREVIEW_CHARS).collect();
    if text.chars().count() > PREVIEW_CHARS {
        out.push('…');
    }
    out
}

impl Runtime {
    /// Performs the handoff's own actions; `None` for every other action.
    pub(super) async fn handoff_action(
        &self,
        action: &str,
        state: &ConversationState,
        key: Option<&ConversationKey>,
        user_ref: Option<&str>,
        now: DateTime<Utc>,
        turn: &mut HandoffTurn,
    ) -> Option<ActionResult> {
        Some(match action {
            "escalate" => self.escalate(state, key, user_ref, now, turn).await,
            "leave_message" => self.leave_message(state, key, user_ref, now, turn),
            "record_rating" => self.record_rating(state, now, turn).await,
            _ => return None,
        })
    }

    fn ticket_for(
        &self,
        state: &ConversationState,
        key: &ConversationKey,
        user_ref: Option<&str>,
        now: DateTime<Utc>,
    ) -> Ticket {
        let reason = card::reason(state);
        let card = card::build(state, user_ref, |u| self.store.pseudonym(u));
        let priority = card::priority(reason, &card);
        Ticket {
            causes: card.causes.clone(),
            remedies_tried: card.remedies_tried.clone(),
            case_id: card.case_id.clone(),
            reason,
            priority,
            card,
            ..Ticket::new(new_ticket_id(), key.clone(), state.lang.tag().into(), now)
        }
    }

    async fn escalate(
        &self,
        state: &ConversationState,
        key: Option<&ConversationKey>,
        user_ref: Option<&str>,
        now: DateTime<Utc>,
        turn: &mut HandoffTurn,
    ) -> ActionResult {
        let hub = &self.handoff;
        // A preview (no conversation stored) cannot open a ticket.
        let (true, Some(key)) = (hub.settings.enabled, key) else {
            return outcome(UNAVAILABLE, BTreeMap::new());
        };
        if let Some(open) = &turn.open {
            return outcome("already", self.queue_slots(open, &[]).await);
        }
        if !hub.hours.is_open(now) {
            let mut slots = BTreeMap::new();
            if let Some(next) = hub.hours.next_open(now) {
                slots.insert("next_open".into(), hub.hours.describe(next));
            }
            return outcome("after_hours", slots);
        }
        let agents = match self.store.agents().await {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "agents cannot be read: no handoff");
                return outcome(UNAVAILABLE, BTreeMap::new());
            }
        };
        if hub.agents_for(state.lang.tag(), &agents) == 0 {
            return outcome("no_agent", BTreeMap::new());
        }
        let ticket = self.ticket_for(state, key, user_ref, now);
        let slots = self.queue_slots(&ticket, &agents).await;
        turn.write = Some(TicketWrite {
            ticket,
            expected: None,
        });
        turn.opened = true;
        outcome("queued", slots)
    }

    /// The user's place and estimated wait, as slots for the flow's texts.
    async fn queue_slots(
        &self,
        ticket: &Ticket,
        agents: &[crate::store::Agent],
    ) -> BTreeMap<String, String> {
        let agents = if agents.is_empty() {
            self.store.agents().await.unwrap_or_default()
        } else {
            agents.to_vec()
        };
        let mut tickets = self.handoff.open_tickets();
        tickets.retain(|t| t.id != ticket.id);
        tickets.push(ticket.clone());
        let position = queue::positions(&tickets)
            .get(&ticket.id)
            .copied()
            .unwrap_or(1);
        let mut slots = BTreeMap::new();
        slots.insert("queue_position".into(), position.to_string());
        let online = self.handoff.agents_for(&ticket.lang, &agents);
        slots.insert(
            "queue_wait".into(),
            self.handoff
                .wait_minutes(position, online)
                .map_or_else(|| "?".into(), |m| m.to_string()),
        );
        slots
    }

    fn leave_message(
        &self,
        state: &ConversationState,
        key: Option<&ConversationKey>,
        user_ref: Option<&str>,
        now: DateTime<Utc>,
        turn: &mut HandoffTurn,
    ) -> ActionResult {
        let (true, Some(key)) = (self.handoff.settings.enabled, key) else {
            return outcome(UNAVAILABLE, BTreeMap::new());
        };
        if turn.open.is_some() {
            return outcome("left", BTreeMap::new());
        }
        let ticket = Ticket {
            status: TicketStatus::LeftMessage,
            ..self.ticket_for(state, key, user_ref, now)
        };
        turn.write = Some(TicketWrite {
            ticket,
            expected: None,
        });
        turn.opened = true;
        outcome("left", BTreeMap::new())
    }

    async fn record_rating(
        &self,
        state: &ConversationState,
        now: DateTime<Utc>,
        turn: &mut HandoffTurn,
    ) -> ActionResult {
        let stars = state
            .slots
            .get("rating")
            .and_then(|r| r.parse::<u8>().ok())
            .filter(|r| (1..=5).contains(r));
        let (Some(stars), Some(id)) = (stars, turn.rating_for.clone()) else {
            return outcome(UNAVAILABLE, BTreeMap::new());
        };
        let ticket = match self.store.ticket(&id).await {
            Ok(Some(t)) => t,
            Ok(None) => return outcome(UNAVAILABLE, BTreeMap::new()),
            Err(e) => {
                tracing::error!(error = %e, "a rated ticket cannot be read");
                return outcome(UNAVAILABLE, BTreeMap::new());
            }
        };
        let comment = state
            .slots
            .get("rating_comment")
            .filter(|c| !c.trim().is_empty())
            .cloned();
        turn.write = Some(TicketWrite {
            expected: Some(ticket.version),
            ticket: Ticket {
                rating: Some(crate::store::Rating {
                    stars,
                    comment,
                    at: now,
                }),
                version: ticket.version + 1,
                ..ticket
            },
        });
        turn.rated = true;
        outcome("recorded", BTreeMap::new())
    }

    /// After the engine ran: the conversation follows its ticket, and a cancelled wait closes it.
    pub(super) fn settle_handoff(
        &self,
        conversation: &mut StoredConversation,
        turn: &mut HandoffTurn,
        cancelled: bool,
        now: DateTime<Utc>,
    ) {
        conversation.session.state.slots.remove(HANDOFF_REASON_SLOT);
        if turn.rated {
            conversation.rating_for = None;
        }
        if let Some(write) = &turn.write
            && write.expected.is_none()
        {
            conversation.ticket = Some(write.ticket.id.clone());
            return;
        }
        if cancelled && let Some(open) = turn.open.take() {
            turn.write = Some(TicketWrite {
                expected: Some(open.version),
                ticket: Ticket {
                    status: TicketStatus::Closed,
                    outcome: Some(TicketOutcome::Cancelled),
                    closed_at: Some(now),
                    version: open.version + 1,
                    ..open
                },
            });
            conversation.ticket = None;
        }
    }

    /// After the commit: the cache, the console and the waiting users hear of the ticket.
    pub(super) async fn announce_ticket(&self, ticket: &Ticket) {
        self.handoff.remember(ticket);
        self.handoff.publish(DeskEvent::Ticket(ticket.id.clone()));
        self.handoff.publish(DeskEvent::Queue);
        let agents = self.store.agents().await.unwrap_or_default();
        self.handoff.push_positions(&agents);
    }

    /// A message while a person handles (or will handle) the conversation: kept for them, shown
    /// to them live, and answered by the bot only with where the user stands.
    pub(super) async fn relay(
        &self,
        key: &ConversationKey,
        mut conversation: StoredConversation,
        ticket: Ticket,
        inbound: Inbound,
        now: DateTime<Utc>,
    ) -> Result<Turn, RuntimeError> {
        let lang = conversation.session.state.lang;
        let text = super::inbound_text(&inbound.content, now.date_naive());
        let is_start = matches!(inbound.content, Content::Start);
        let changed = (!is_start).then(|| Ticket {
            unread: ticket.unread.saturating_add(1),
            preview: preview(&text),
            version: ticket.version + 1,
            ..ticket.clone()
        });
        let turn = self.standing_turn(&ticket, lang, is_start).await;
        let mut entries = super::turn_entries(inbound.message_id.clone(), text, &turn, now);
        super::number_entries(&mut conversation, &mut entries, now);
        let turn_bytes = super::stored_size(&entries, &turn);
        if conversation.stored_bytes.saturating_add(turn_bytes) > self.quota_bytes {
            return Err(RuntimeError::ConversationFull);
        }
        let shown = entries.first().cloned();
        let mut commit = TurnCommit::new(key.clone(), conversation);
        commit.entries = entries;
        if inbound.delivery == Delivery::Outbox && !turn.messages.is_empty() {
            commit.outbox = vec![turn.clone()];
        }
        commit.reply = inbound.message_id.map(|id| (id, turn.clone()));
        commit.ticket = changed.clone().map(|t| TicketWrite {
            expected: Some(ticket.version),
            ticket: t,
        });
        self.store.commit_turn(commit).await?;
        if let Some(t) = &changed {
            self.handoff.remember(t);
            self.handoff.publish(DeskEvent::Ticket(t.id.clone()));
            if let Some(line) = shown.as_ref().and_then(|e| entry_view(e, &Names::new())) {
                self.handoff.publish(DeskEvent::Entry {
                    ticket: t.id.clone(),
                    entry: line,
                });
            }
        }
        Ok(turn)
    }

    /// What the bot says while a ticket is open: who has the conversation, or the place in the
    /// queue (with a way back to the bot). Nothing while a person is talking with the user,
    /// unless the user just came back.
    async fn standing_turn(&self, ticket: &Ticket, lang: Lang, is_start: bool) -> Turn {
        let mut effects = Vec::new();
        let say = |key: &str, args: Vec<(String, String)>| Effect::Say {
            key: key.to_string(),
            args,
        };
        let cancel = Effect::Buttons {
            buttons: vec![ButtonOffer {
                id: CANCEL_BUTTON.into(),
                label: "handoff-btn-cancel".into(),
            }],
        };
        match ticket.status {
            TicketStatus::Assigned if is_start => {
                let name = match &ticket.agent {
                    Some(login) => self
                        .store
                        .agent(login)
                        .await
                        .ok()
                        .flatten()
                        .map_or_else(|| login.clone(), |a| a.display_name),
                    None => String::new(),
                };
                effects.push(say("handoff-with-agent", vec![("agent_name".into(), name)]));
            }
            TicketStatus::Assigned | TicketStatus::Closed => {}
            TicketStatus::Queued => {
                let slots = self.queue_slots(ticket, &[]).await;
                let key = if is_start {
                    "handoff-waiting"
                } else {
                    "handoff-waiting-noted"
                };
                effects.push(say(key, slots.into_iter().collect()));
                effects.push(cancel);
            }
            TicketStatus::LeftMessage => {
                let key = if is_start {
                    "handoff-left-waiting"
                } else {
                    "handoff-left-added"
                };
                effects.push(say(key, Vec::new()));
                effects.push(cancel);
            }
        }
        render::render(
            &self.locales,
            lang,
            &effects,
            Some("handoff.live".into()),
            None,
            false,
        )
    }

    /// Tells the agent holding the conversation, if any, that the user is typing.
    pub fn user_typing(&self, key: &ConversationKey) {
        if let Some(ticket) = self
            .handoff
            .open_tickets()
            .into_iter()
            .find(|t| &t.key == key && t.status == TicketStatus::Assigned)
        {
            self.handoff
                .publish(DeskEvent::UserTyping { ticket: ticket.id });
        }
    }

    /// Tells the user's open channel, if any, that the agent is typing.
    pub fn agent_typing(&self, key: &ConversationKey, agent: &str) {
        self.handoff.tell_user(
            key,
            UserEvent::AgentTyping {
                agent: agent.to_string(),
            },
        );
    }
}

/// Whether a message goes to the person rather than the bot while `ticket` is open.
pub fn relays(content: &Content, ticket: &Ticket) -> bool {
    match content {
        Content::Start | Content::Text(_) | Content::Photo(_) => true,
        Content::Button(id) => !(id == CANCEL_BUTTON && ticket.status != TicketStatus::Assigned),
        Content::FollowUp { .. } => false,
    }
}
