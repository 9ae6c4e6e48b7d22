//! The agents' side of a handoff: the queue, claiming, replying, notes, transfers, resolving and
//! handing back. Every change takes the conversation's lock (so it never interleaves with the
//! user's messages) and is one commit: ticket (version-checked), transcript lines, the turn for
//! the user's channel and the audit record together.

pub mod hub;
mod notify;
pub mod views;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use hub::{DeskEvent, HandoffHub, HandoffSettings, UserEvent};
pub use notify::{AwayNotifier, NotifyError};
use views::{
    AgentView, CaseCard, EntryView, Names, QueueEntry, QueueView, TicketView, card_view,
    entry_view, queue_entry,
};

use super::{RenderedMessage, Runtime, Turn, render};
use crate::cases::{Case, CaseAccess};
use crate::engine::Effect;
use crate::entities::redact;
use crate::flows::NodeRef;
use crate::handoff::presence::Presence;
use crate::handoff::queue;
use crate::i18n::Lang;
use crate::store::{
    Agent, AgentRole, AuditEvent, EntryKind, StoreError, StoredConversation, Ticket, TicketOutcome,
    TicketStatus, TicketWrite, TranscriptEntry, TurnCommit,
};

/// The longest message an agent may send (characters).
pub const MAX_AGENT_TEXT: usize = 4000;

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("no such ticket")]
    NotFound,
    #[error("already claimed by {by}")]
    AlreadyClaimed { by: String },
    #[error("you do not serve this conversation's language")]
    Language,
    #[error("you hold as many conversations as you may")]
    Capacity,
    #[error("this ticket is closed")]
    Closed,
    #[error("this conversation is held by another agent: ask for a transfer")]
    NotYours,
    #[error("only an admin may do this")]
    Forbidden,
    #[error("no such agent, or the agent is disabled")]
    NoSuchAgent,
    #[error("the message is empty")]
    Empty,
    #[error("the message is longer than {MAX_AGENT_TEXT} characters")]
    TooLong,
    #[error("the case status cannot be read now: {0}")]
    CaseUnavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DeskError {
    /// The console API's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::AlreadyClaimed { .. } => "already_claimed",
            Self::Language => "language",
            Self::Capacity => "capacity",
            Self::Closed => "closed",
            Self::NotYours => "not_yours",
            Self::Forbidden => "forbidden",
            Self::NoSuchAgent => "no_such_agent",
            Self::Empty => "empty",
            Self::TooLong => "too_long",
            Self::CaseUnavailable(_) => "case_unavailable",
            Self::Store(StoreError::TicketConflict(_)) => "conflict",
            Self::Store(_) => "unavailable",
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            Self::NotFound | Self::NoSuchAgent => 404,
            Self::AlreadyClaimed { .. } | Self::Closed | Self::Capacity => 409,
            Self::Language | Self::NotYours | Self::Forbidden => 403,
            Self::Empty | Self::TooLong => 400,
            Self::CaseUnavailable(_) => 503,
            Self::Store(StoreError::TicketConflict(_)) => 409,
            Self::Store(_) => 503,
        }
    }
}

/// Reads a case for an agent (the case API's client, or nothing).
#[async_trait::async_trait]
pub trait CaseReader: Send + Sync {
    async fn read_case(&self, case_id: &str) -> Result<Case, String>;
}

#[async_trait::async_trait]
impl CaseReader for crate::cases::CaseClient {
    async fn read_case(&self, case_id: &str) -> Result<Case, String> {
        self.get_case(case_id)
            .await
            .map_err(|e| e.code().to_string())
    }
}

/// The agents' side of the handoff. Cheap to clone.
#[derive(Clone)]
pub struct Desk {
    runtime: Runtime,
    cases: Option<Arc<dyn CaseReader>>,
    case_access: CaseAccess,
    notifier: Option<Arc<AwayNotifier>>,
}

/// One change to a ticket and its conversation, committed together.
struct Change {
    ticket: Ticket,
    /// Transcript lines: kind, text, author.
    lines: Vec<(EntryKind, String)>,
    /// What the user's channel shows (pushed through the outbox).
    to_user: Option<Turn>,
    audit: &'static str,
    detail: Option<String>,
}

impl Desk {
    /// The desk of `runtime`, its queue filled from the store's open tickets.
    pub async fn open(runtime: Runtime) -> Result<Self, StoreError> {
        let open = runtime.store().tickets(true).await?;
        runtime.handoff().load(open);
        Ok(Self {
            runtime,
            cases: None,
            case_access: CaseAccess::HolderOnly,
            notifier: None,
        })
    }

    /// Lets agents re-read cases through the case API, under the same access rule as the bot.
    pub fn with_cases(mut self, cases: Arc<dyn CaseReader>, access: CaseAccess) -> Self {
        self.cases = Some(cases);
        self.case_access = access;
        self
    }

    /// Calls the wallet's notification hook when an answer waits for a user who is away.
    pub fn with_notifier(mut self, notifier: AwayNotifier) -> Self {
        self.notifier = Some(Arc::new(notifier));
        self
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    fn hub(&self) -> &HandoffHub {
        self.runtime.handoff()
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<DeskEvent> {
        self.hub().subscribe_desk()
    }

    pub fn set_presence(&self, login: &str, presence: Presence) {
        let before = self.hub().presence.get(login);
        self.hub().presence.set(login, presence);
        if before != presence {
            self.hub().publish(DeskEvent::Queue);
        }
    }

    pub fn presence(&self, login: &str) -> Presence {
        self.hub().presence.get(login)
    }

    async fn names(&self) -> Result<(Vec<Agent>, Names), DeskError> {
        let agents = self.runtime.store().agents().await?;
        let names = agents
            .iter()
            .map(|a| (a.login.clone(), a.display_name.clone()))
            .collect();
        Ok((agents, names))
    }

    /// Whether `viewer` may see `ticket` at all: admins all; agents the ones they hold and the
    /// unheld ones in languages they serve.
    fn may_see(viewer: &Agent, ticket: &Ticket) -> bool {
        viewer.role == AgentRole::Admin
            || ticket.agent.as_deref() == Some(viewer.login.as_str())
            || (ticket.status != TicketStatus::Assigned && viewer.serves(&ticket.lang))
    }

    fn may_act(viewer: &Agent, ticket: &Ticket) -> bool {
        ticket.status == TicketStatus::Assigned
            && ticket.agent.as_deref() == Some(viewer.login.as_str())
    }

    pub async fn queue(&self, viewer: &Agent, now: DateTime<Utc>) -> Result<QueueView, DeskError> {
        let (agents, names) = self.names().await?;
        let tickets = self.hub().open_tickets();
        let places = queue::positions(&tickets);
        let online = self.hub().presence.online();
        Ok(QueueView {
            tickets: tickets
                .iter()
                .filter(|t| Self::may_see(viewer, t))
                .map(|t| queue_entry(t, places.get(&t.id).copied(), viewer, &names, now))
                .collect(),
            agents_online: agents
                .iter()
                .filter(|a| !a.disabled && online.contains(&a.login))
                .count(),
            now,
        })
    }

    /// The ticket, fresh from the store; `NotFound` also for tickets the viewer may not see.
    async fn visible(&self, id: &str, viewer: &Agent) -> Result<Ticket, DeskError> {
        match self.runtime.store().ticket(id).await? {
            Some(t) if Self::may_see(viewer, &t) => Ok(t),
            _ => Err(DeskError::NotFound),
        }
    }

    pub async fn view(
        &self,
        id: &str,
        viewer: &Agent,
        now: DateTime<Utc>,
    ) -> Result<TicketView, DeskError> {
        let ticket = self.visible(id, viewer).await?;
        let (_, names) = self.names().await?;
        let transcript = self.runtime.store().transcript(&ticket.key).await?;
        let places = queue::positions(&self.hub().open_tickets());
        let lang = Lang::parse(&ticket.lang).unwrap_or(Lang::ZhCn);
        let neutral = self
            .runtime
            .locales()
            .render(lang, "handoff-neutral-wording", &[]);
        Ok(TicketView {
            ticket: queue_entry(
                &ticket,
                places.get(&ticket.id).copied(),
                viewer,
                &names,
                now,
            ),
            card: card_view(&ticket, neutral, now),
            transcript: transcript
                .iter()
                .filter_map(|e| entry_view(e, &names))
                .collect(),
            can_act: Self::may_act(viewer, &ticket),
        })
    }

    pub async fn agents(&self) -> Result<Vec<AgentView>, DeskError> {
        let agents = self.runtime.store().agents().await?;
        Ok(agents
            .into_iter()
            .map(|a| AgentView {
                presence: self.presence(&a.login),
                open: self.hub().held_by(&a.login),
                login: a.login,
                display_name: a.display_name,
                role: a.role,
                languages: a.languages,
                capacity: a.capacity,
                disabled: a.disabled,
            })
            .collect())
    }

    /// Applies `decide` to the ticket under its conversation's lock and commits the change.
    async fn change<F>(
        &self,
        id: &str,
        actor: &Agent,
        now: DateTime<Utc>,
        decide: F,
    ) -> Result<(Ticket, Vec<TranscriptEntry>), DeskError>
    where
        F: FnOnce(&Ticket, &mut StoredConversation) -> Result<Change, DeskError>,
    {
        let key = match self.hub().cached(id) {
            Some(t) => t.key,
            None => match self.runtime.store().ticket(id).await? {
                Some(t) => t.key,
                None => return Err(DeskError::NotFound),
            },
        };
        let _turn_lock = self.runtime.locks.lock(&key).await;
        // Read again under the lock: the cache may be behind another agent's change. Whether
        // the actor may make the change is for `decide` (a lost claim race is "already claimed").
        let ticket = self
            .runtime
            .store()
            .ticket(id)
            .await?
            .ok_or(DeskError::NotFound)?;
        let mut conversation = self
            .runtime
            .store()
            .load(&key)
            .await?
            .ok_or(DeskError::NotFound)?;
        let change = decide(&ticket, &mut conversation)?;
        let mut entries: Vec<TranscriptEntry> = change
            .lines
            .into_iter()
            .map(|(kind, text)| TranscriptEntry {
                seq: 0,
                at: now,
                kind,
                message_id: None,
                text,
                buttons: Vec::new(),
                node: None,
                author: Some(actor.login.clone()),
            })
            .collect();
        if let Some(turn) = &change.to_user {
            for m in &turn.messages {
                if m.agent.is_some() {
                    continue; // the agent's own words are already a line
                }
                entries.push(TranscriptEntry {
                    seq: 0,
                    at: now,
                    kind: EntryKind::Outbound,
                    message_id: None,
                    text: m.text.clone(),
                    buttons: m.buttons.iter().map(|b| b.id.clone()).collect(),
                    node: None,
                    author: None,
                });
            }
        }
        super::number_entries(&mut conversation, &mut entries, now);
        let new_ticket = Ticket {
            version: ticket.version + 1,
            ..change.ticket
        };
        let mut commit = TurnCommit::new(key.clone(), conversation);
        commit.entries = entries.clone();
        commit.outbox = change.to_user.into_iter().collect();
        commit.ticket = Some(TicketWrite {
            ticket: new_ticket.clone(),
            expected: Some(ticket.version),
        });
        commit.audit = vec![AuditEvent {
            at: now,
            actor: actor.login.clone(),
            action: change.audit.to_string(),
            ticket: Some(id.to_string()),
            conversation: Some(key),
            detail: change.detail,
        }];
        self.runtime.store().commit_turn(commit).await?;
        self.hub().remember(&new_ticket);
        self.hub().publish(DeskEvent::Ticket(id.to_string()));
        self.hub().publish(DeskEvent::Queue);
        let (agents, names) = self.names().await?;
        for e in &entries {
            if let Some(line) = entry_view(e, &names) {
                self.hub().publish(DeskEvent::Entry {
                    ticket: id.to_string(),
                    entry: line,
                });
            }
        }
        self.hub().push_positions(&agents);
        Ok((new_ticket, entries))
    }

    async fn entry_of(
        &self,
        ticket: &Ticket,
        viewer: &Agent,
        now: DateTime<Utc>,
    ) -> Result<QueueEntry, DeskError> {
        let (_, names) = self.names().await?;
        let places = queue::positions(&self.hub().open_tickets());
        Ok(queue_entry(
            ticket,
            places.get(&ticket.id).copied(),
            viewer,
            &names,
            now,
        ))
    }

    /// A turn for the user in the conversation's language, while a person holds it.
    fn live_turn(&self, conversation: &StoredConversation, effects: &[Effect]) -> Turn {
        Turn {
            node: "handoff.live".into(),
            ..self.user_turn(conversation, effects)
        }
    }

    /// A turn for the user in the conversation's language.
    fn user_turn(&self, conversation: &StoredConversation, effects: &[Effect]) -> Turn {
        render::render(
            self.runtime.locales(),
            conversation.session.state.lang,
            effects,
            conversation
                .session
                .state
                .at
                .as_ref()
                .map(ToString::to_string),
            None,
            false,
        )
    }

    fn say(key: &str, args: Vec<(String, String)>) -> Effect {
        Effect::Say {
            key: key.to_string(),
            args,
        }
    }

    /// Takes a queued ticket (or a left message). Two agents can never both hold one.
    pub async fn claim(
        &self,
        id: &str,
        agent: &Agent,
        now: DateTime<Utc>,
    ) -> Result<QueueEntry, DeskError> {
        let held = self.hub().held_by(&agent.login);
        let (_, names) = self.names().await?;
        let (ticket, _) = self
            .change(id, agent, now, |t, conversation| {
                match (t.status, t.agent.as_deref()) {
                    (TicketStatus::Closed, _) => return Err(DeskError::Closed),
                    (TicketStatus::Assigned, Some(by)) => {
                        return Err(DeskError::AlreadyClaimed {
                            by: names.get(by).cloned().unwrap_or_else(|| by.to_string()),
                        });
                    }
                    _ => {}
                }
                if !agent.serves(&t.lang) {
                    return Err(DeskError::Language);
                }
                if held >= agent.capacity as usize {
                    return Err(DeskError::Capacity);
                }
                let name = agent.display_name.clone();
                let to_user = self.live_turn(
                    conversation,
                    &[Self::say(
                        "handoff-claimed",
                        vec![("agent_name".into(), name)],
                    )],
                );
                Ok(Change {
                    ticket: Ticket {
                        status: TicketStatus::Assigned,
                        agent: Some(agent.login.clone()),
                        claimed_at: Some(now),
                        ..t.clone()
                    },
                    lines: vec![(EntryKind::AgentAction, "claimed".into())],
                    to_user: Some(to_user),
                    audit: "claim",
                    detail: None,
                })
            })
            .await?;
        self.entry_of(&ticket, agent, now).await
    }

    /// Writes to the user, live on their channel. Personal numbers in it are masked.
    pub async fn reply(
        &self,
        id: &str,
        agent: &Agent,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<EntryView, DeskError> {
        let text = checked_text(text, now)?;
        let (ticket, entries) = self
            .change(id, agent, now, |t, conversation| {
                if !Self::may_act(agent, t) {
                    return Err(DeskError::NotYours);
                }
                let mut to_user = self.live_turn(conversation, &[]);
                to_user.messages.push(RenderedMessage {
                    text: text.clone(),
                    buttons: Vec::new(),
                    agent: Some(agent.display_name.clone()),
                });
                Ok(Change {
                    ticket: Ticket {
                        agent_replied_at: Some(now),
                        first_reply_at: t.first_reply_at.or(Some(now)),
                        unread: 0,
                        ..t.clone()
                    },
                    lines: vec![(EntryKind::AgentMessage, text.clone())],
                    to_user: Some(to_user),
                    audit: "reply",
                    detail: None,
                })
            })
            .await?;
        self.notify_if_away(&ticket).await;
        self.first_line(&entries).await
    }

    /// An internal note on the conversation: the user never sees it.
    pub async fn note(
        &self,
        id: &str,
        agent: &Agent,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<EntryView, DeskError> {
        let text = checked_text(text, now)?;
        let (_, entries) = self
            .change(id, agent, now, |t, _| {
                if !Self::may_act(agent, t) && agent.role != AgentRole::Admin {
                    return Err(DeskError::NotYours);
                }
                Ok(Change {
                    ticket: t.clone(),
                    lines: vec![(EntryKind::AgentNote, text.clone())],
                    to_user: None,
                    audit: "note",
                    detail: None,
                })
            })
            .await?;
        self.first_line(&entries).await
    }

    async fn first_line(&self, entries: &[TranscriptEntry]) -> Result<EntryView, DeskError> {
        let (_, names) = self.names().await?;
        entries
            .iter()
            .find_map(|e| entry_view(e, &names))
            .ok_or(DeskError::NotFound)
    }

    /// Shows "the agent is typing" on the user's channel.
    pub async fn typing(&self, id: &str, agent: &Agent) -> Result<(), DeskError> {
        let ticket = self.visible(id, agent).await?;
        if !Self::may_act(agent, &ticket) {
            return Err(DeskError::NotYours);
        }
        self.runtime.agent_typing(&ticket.key, &agent.display_name);
        Ok(())
    }

    /// Gives the conversation to another agent; an admin may move any conversation (assign).
    pub async fn transfer(
        &self,
        id: &str,
        by: &Agent,
        to: &str,
        now: DateTime<Utc>,
    ) -> Result<QueueEntry, DeskError> {
        let target = match self.runtime.store().agent(to).await? {
            Some(a) if !a.disabled => a,
            _ => return Err(DeskError::NoSuchAgent),
        };
        let admin = by.role == AgentRole::Admin;
        let (ticket, _) = self
            .change(id, by, now, |t, conversation| {
                if t.status == TicketStatus::Closed {
                    return Err(DeskError::Closed);
                }
                if !Self::may_act(by, t) && !admin {
                    return Err(DeskError::NotYours);
                }
                if !target.serves(&t.lang) {
                    return Err(DeskError::Language);
                }
                let to_user = self.live_turn(
                    conversation,
                    &[Self::say(
                        "handoff-transferred",
                        vec![("agent_name".into(), target.display_name.clone())],
                    )],
                );
                Ok(Change {
                    ticket: Ticket {
                        status: TicketStatus::Assigned,
                        agent: Some(target.login.clone()),
                        claimed_at: Some(now),
                        agent_replied_at: None,
                        ..t.clone()
                    },
                    lines: vec![(
                        EntryKind::AgentAction,
                        format!("transferred to {}", target.login),
                    )],
                    to_user: Some(to_user),
                    audit: if Self::may_act(by, t) {
                        "transfer"
                    } else {
                        "assign"
                    },
                    detail: Some(format!("to {}", target.login)),
                })
            })
            .await?;
        self.entry_of(&ticket, by, now).await
    }

    /// Closes the ticket as solved and asks the user for a rating.
    pub async fn resolve(
        &self,
        id: &str,
        agent: &Agent,
        now: DateTime<Utc>,
    ) -> Result<QueueEntry, DeskError> {
        self.close(id, agent, now, TicketOutcome::Resolved).await
    }

    /// Gives the conversation back to the bot, which picks up where it was.
    pub async fn hand_back(
        &self,
        id: &str,
        agent: &Agent,
        now: DateTime<Utc>,
    ) -> Result<QueueEntry, DeskError> {
        self.close(id, agent, now, TicketOutcome::HandedBack).await
    }

    /// Closes a held ticket: resolved (the user is asked for a rating) or handed back (the bot
    /// says so and re-asks where it was).
    async fn close(
        &self,
        id: &str,
        agent: &Agent,
        now: DateTime<Utc>,
        outcome: TicketOutcome,
    ) -> Result<QueueEntry, DeskError> {
        let engine = self.runtime.engine().clone();
        let (ticket, _) = self
            .change(id, agent, now, |t, conversation| {
                if !Self::may_act(agent, t) && agent.role != AgentRole::Admin {
                    return Err(DeskError::NotYours);
                }
                if t.status == TicketStatus::Closed {
                    return Err(DeskError::Closed);
                }
                conversation.ticket = None;
                let state = &mut conversation.session.state;
                let (preface, node, line, audit) = match outcome {
                    TicketOutcome::Resolved => {
                        conversation.rating_for = Some(t.id.clone());
                        state.slots.remove("rating");
                        state.slots.remove("rating_comment");
                        (None, NodeRef::new("handoff", "rate"), "resolved", "resolve")
                    }
                    _ => {
                        let resume = state
                            .history
                            .iter()
                            .rev()
                            .find(|n| n.flow != "handoff" && n.flow != "menu")
                            .cloned()
                            .unwrap_or_else(|| NodeRef::new("menu", "again"));
                        (
                            Some("handoff-resumed"),
                            resume,
                            "handed back to the bot",
                            "hand_back",
                        )
                    }
                };
                let effects = engine.enter(state, preface, node);
                let to_user = self.user_turn(conversation, &effects);
                conversation.session.offered = offered(&effects);
                Ok(Change {
                    ticket: Ticket {
                        status: TicketStatus::Closed,
                        outcome: Some(outcome),
                        closed_at: Some(now),
                        ..t.clone()
                    },
                    lines: vec![(EntryKind::AgentAction, line.into())],
                    to_user: Some(to_user),
                    audit,
                    detail: None,
                })
            })
            .await?;
        if let Some(claimed) = ticket.claimed_at {
            self.hub().record_handling(claimed, now);
        }
        self.entry_of(&ticket, agent, now).await
    }

    /// Re-reads the conversation's case through the case API (masked for the console).
    pub async fn refresh_case(
        &self,
        id: &str,
        agent: &Agent,
        now: DateTime<Utc>,
    ) -> Result<Option<CaseCard>, DeskError> {
        let ticket = self.visible(id, agent).await?;
        if !Self::may_act(agent, &ticket) && agent.role != AgentRole::Admin {
            return Err(DeskError::NotYours);
        }
        let Some(cases) = &self.cases else {
            return Ok(None);
        };
        let conversation = self
            .runtime
            .store()
            .load(&ticket.key)
            .await?
            .ok_or(DeskError::NotFound)?;
        let Some(case_id) = conversation.session.state.slots.get("case_id").cloned() else {
            return Ok(None);
        };
        let case = cases
            .read_case(&case_id)
            .await
            .map_err(DeskError::CaseUnavailable)?;
        if !self
            .case_access
            .allows(&case, conversation.user_ref.as_deref())
        {
            return Ok(None);
        }
        Ok(Some(CaseCard {
            case_id: Some(crate::handoff::card::mask_case_id(&case.case_id)),
            status: Some(case.status.as_str().to_string()),
            reason_codes: case
                .reasons
                .iter()
                .filter(|r| !r.is_sensitive())
                .filter_map(|r| r.code.clone())
                .collect(),
            updated_at: case.updated_at.map(|t| t.with_timezone(&Utc)),
            fetched_at: Some(now),
        }))
    }

    /// Returns to the queue every claim whose agent has not written within the configured time
    /// (or went offline), and, with auto-assignment on, gives queued tickets to the online agent
    /// holding the fewest. Run every few seconds.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<usize, DeskError> {
        let limit = chrono::Duration::from_std(self.hub().settings.unanswered_claim)
            .unwrap_or(chrono::Duration::minutes(5));
        let mut moved = 0;
        for t in self.hub().open_tickets() {
            if t.status != TicketStatus::Assigned {
                continue;
            }
            let Some(login) = t.agent.clone() else {
                continue;
            };
            let last = t.agent_replied_at.or(t.claimed_at).unwrap_or(t.opened_at);
            let silent = t.agent_replied_at.is_none() && now - last > limit;
            let gone = self.presence(&login) == Presence::Offline && now - last > limit;
            if !(silent || gone) {
                continue;
            }
            let system = system_agent();
            let result = self
                .change(&t.id, &system, now, |current, _| {
                    if current.status != TicketStatus::Assigned
                        || current.agent.as_deref() != Some(login.as_str())
                    {
                        return Err(DeskError::Closed); // changed meanwhile: leave it
                    }
                    Ok(Change {
                        ticket: Ticket {
                            status: TicketStatus::Queued,
                            agent: None,
                            claimed_at: None,
                            ..current.clone()
                        },
                        lines: vec![(EntryKind::AgentAction, "returned to the queue".into())],
                        to_user: None,
                        audit: "unclaim",
                        detail: Some(format!("from {login}")),
                    })
                })
                .await;
            match result {
                Ok(_) => moved += 1,
                Err(DeskError::Closed | DeskError::Store(StoreError::TicketConflict(_))) => {}
                Err(e) => return Err(e),
            }
        }
        if self.hub().settings.auto_assign {
            moved += self.auto_assign(now).await?;
        }
        Ok(moved)
    }

    async fn auto_assign(&self, now: DateTime<Utc>) -> Result<usize, DeskError> {
        let agents = self.runtime.store().agents().await?;
        let online = self.hub().presence.online();
        let mut assigned = 0;
        for t in self.hub().open_tickets() {
            if t.status != TicketStatus::Queued {
                continue;
            }
            let candidate = agents
                .iter()
                .filter(|a| !a.disabled && a.serves(&t.lang) && online.contains(&a.login))
                .map(|a| (self.hub().held_by(&a.login), a))
                .filter(|(held, a)| *held < a.capacity as usize)
                .min_by_key(|(held, a)| (*held, a.login.clone()));
            let Some((_, agent)) = candidate else {
                continue;
            };
            match self.claim(&t.id, agent, now).await {
                Ok(_) => assigned += 1,
                Err(DeskError::AlreadyClaimed { .. } | DeskError::Capacity) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(assigned)
    }

    async fn notify_if_away(&self, ticket: &Ticket) {
        let Some(notifier) = &self.notifier else {
            return;
        };
        if self.hub().user_listening(&ticket.key) {
            return;
        }
        let Ok(Some(conversation)) = self.runtime.store().load(&ticket.key).await else {
            return;
        };
        let Some(user_ref) = conversation.user_ref else {
            return; // nobody to notify: the answer waits in the conversation
        };
        let notifier = notifier.clone();
        let channel = ticket.key.channel().to_string();
        tokio::spawn(async move {
            if let Err(e) = notifier.notify(&user_ref, &channel).await {
                tracing::warn!(error = %e, "the wallet's notification hook failed");
            }
        });
    }
}

/// The actor of automatic changes (a claim returned to the queue).
fn system_agent() -> Agent {
    Agent {
        login: "system".into(),
        display_name: "kycdesk".into(),
        password_hash: String::new(),
        created_at: Utc::now(),
        role: AgentRole::Admin,
        languages: Vec::new(),
        capacity: 0,
        disabled: false,
    }
}

/// The buttons a turn offers, so typed numbers and labels press them.
fn offered(effects: &[Effect]) -> Vec<crate::engine::ButtonOffer> {
    effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::Buttons { buttons } => Some(buttons.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// An agent's text, trimmed, bounded and with personal numbers masked.
fn checked_text(text: &str, now: DateTime<Utc>) -> Result<String, DeskError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DeskError::Empty);
    }
    if text.chars().count() > MAX_AGENT_TEXT {
        return Err(DeskError::TooLong);
    }
    Ok(redact(text, now.date_naive()))
}
