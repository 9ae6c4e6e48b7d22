//! What the console shows: tickets, cards and transcript lines in the console API's JSON shapes.
//! Texts arrive masked (the transcript is redacted when written); nothing here unmasks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::{
    Agent, AgentRole, EntryKind, HandoffReason, Priority, Ticket, TicketStatus, TranscriptEntry,
};

/// One ticket in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueEntry {
    pub id: String,
    pub status: TicketStatus,
    /// 1-based place among the queued tickets of its language; `None` unless queued.
    pub position: Option<usize>,
    pub priority: Priority,
    pub priority_reason: Option<HandoffReason>,
    pub reason: HandoffReason,
    pub waiting_secs: i64,
    pub opened_at: DateTime<Utc>,
    pub cause: Option<String>,
    pub causes: Vec<String>,
    pub lang: String,
    pub channel: String,
    pub agent: Option<String>,
    pub agent_name: Option<String>,
    pub mine: bool,
    pub preview: String,
    pub unread: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueView {
    pub tickets: Vec<QueueEntry>,
    pub agents_online: usize,
    pub now: DateTime<Utc>,
}

/// A case as an agent sees it: id masked, reasons as codes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseCard {
    pub case_id: Option<String>,
    pub status: Option<String>,
    pub reason_codes: Vec<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotAnswer {
    pub slot: String,
    pub value: String,
}

/// "Do not tell the user": the reason is sensitive, and this is what to say instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitiveNotice {
    pub do_not_tell: bool,
    pub neutral_wording: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardView {
    pub causes: Vec<String>,
    pub remedies_tried: Vec<String>,
    pub answers: Vec<SlotAnswer>,
    pub case: Option<CaseCard>,
    pub photo_findings: Vec<String>,
    pub lang: String,
    pub channel: String,
    pub user_linked: bool,
    pub user_ref_hash: Option<String>,
    pub reason: HandoffReason,
    pub priority: Priority,
    pub priority_reason: Option<HandoffReason>,
    pub sensitive: Option<SensitiveNotice>,
    pub left_message: Option<String>,
    pub waiting_secs: i64,
}

/// One transcript line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryView {
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// `user`, `bot`, `agent`, `note` (internal) or `event`.
    pub kind: &'static str,
    pub author: Option<String>,
    pub text: String,
    pub buttons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketView {
    pub ticket: QueueEntry,
    pub card: CardView,
    pub transcript: Vec<EntryView>,
    /// Whether the viewer may reply, note, transfer, resolve or hand back.
    pub can_act: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentView {
    pub login: String,
    pub display_name: String,
    pub role: AgentRole,
    pub languages: Vec<String>,
    pub capacity: u32,
    pub disabled: bool,
    pub presence: crate::handoff::presence::Presence,
    /// Conversations the agent holds now.
    pub open: usize,
}

/// Display names by login.
pub type Names = HashMap<String, String>;

pub fn queue_entry(
    ticket: &Ticket,
    position: Option<usize>,
    viewer: &Agent,
    names: &Names,
    now: DateTime<Utc>,
) -> QueueEntry {
    QueueEntry {
        id: ticket.id.clone(),
        status: ticket.status,
        position,
        priority: ticket.priority,
        priority_reason: priority_reason(ticket),
        reason: ticket.reason,
        waiting_secs: ticket.waiting_secs(now),
        opened_at: ticket.opened_at,
        cause: ticket.causes.last().cloned(),
        causes: ticket.causes.clone(),
        lang: ticket.lang.clone(),
        channel: ticket.key.channel().to_string(),
        agent: ticket.agent.clone(),
        agent_name: ticket
            .agent
            .as_ref()
            .map(|a| names.get(a).cloned().unwrap_or_else(|| a.clone())),
        mine: ticket.agent.as_deref() == Some(viewer.login.as_str()),
        preview: ticket.preview.clone(),
        unread: ticket.unread,
    }
}

fn priority_reason(ticket: &Ticket) -> Option<HandoffReason> {
    match (ticket.priority, ticket.reason) {
        (Priority::High, HandoffReason::Appeal) => Some(HandoffReason::Appeal),
        (Priority::High, _) => Some(HandoffReason::Sensitive),
        _ => None,
    }
}

pub fn card_view(ticket: &Ticket, neutral_wording: String, now: DateTime<Utc>) -> CardView {
    let card = &ticket.card;
    let case = (card.case_id.is_some() || card.case_status.is_some()).then(|| CaseCard {
        case_id: card.case_id.clone(),
        status: card.case_status.clone(),
        reason_codes: card.reason_codes.clone(),
        updated_at: None,
        fetched_at: Some(ticket.opened_at),
    });
    CardView {
        causes: card.causes.clone(),
        remedies_tried: card.remedies_tried.clone(),
        answers: card
            .answers
            .iter()
            .map(|(slot, value)| SlotAnswer {
                slot: slot.clone(),
                value: value.clone(),
            })
            .collect(),
        case,
        photo_findings: card.photo_findings.clone(),
        lang: ticket.lang.clone(),
        channel: ticket.key.channel().to_string(),
        user_linked: card.user_linked,
        user_ref_hash: card.user_pseudonym.clone(),
        reason: ticket.reason,
        priority: ticket.priority,
        priority_reason: priority_reason(ticket),
        sensitive: card.sensitive.then_some(SensitiveNotice {
            do_not_tell: true,
            neutral_wording,
        }),
        left_message: card.left_message.clone(),
        waiting_secs: ticket.waiting_secs(now),
    }
}

/// A transcript line for the console; `None` for bookkeeping lines (node changes).
pub fn entry_view(entry: &TranscriptEntry, names: &Names) -> Option<EntryView> {
    let kind = match entry.kind {
        EntryKind::Inbound => "user",
        EntryKind::Outbound => "bot",
        EntryKind::AgentMessage => "agent",
        EntryKind::AgentNote => "note",
        EntryKind::AgentAction => "event",
        EntryKind::StateChange => return None,
    };
    Some(EntryView {
        seq: entry.seq,
        at: entry.at,
        kind,
        author: entry
            .author
            .as_ref()
            .map(|a| names.get(a).cloned().unwrap_or_else(|| a.clone())),
        text: entry.text.clone(),
        buttons: entry.buttons.clone(),
    })
}
