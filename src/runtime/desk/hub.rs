//! The handoff's shared state in one process: the open tickets (a cache of the store, which stays
//! the truth), who is online, recent handling times, and the live events the console and the
//! users' channels listen to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use super::views::EntryView;
use crate::handoff::presence::PresenceBoard;
use crate::handoff::queue::{self, HandlingTimes};
use crate::handoff::{AlwaysOpen, OpeningHours};
use crate::store::{ConversationKey, Ticket, TicketStatus};

/// How the desk works (from the `[handoff]` settings).
#[derive(Debug, Clone)]
pub struct HandoffSettings {
    /// Whether users can reach people at all (off: the bot says where else to get help).
    pub enabled: bool,
    /// A claim whose agent has not written to the user within this time returns to the queue.
    pub unanswered_claim: Duration,
    /// Whether new tickets go by themselves to the online agent with the fewest conversations.
    pub auto_assign: bool,
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            unanswered_claim: Duration::from_secs(300),
            auto_assign: false,
        }
    }
}

/// What the console hears.
#[derive(Debug, Clone, PartialEq)]
pub enum DeskEvent {
    /// The queue changed (a ticket opened, was claimed, closed, or moved).
    Queue,
    /// One ticket changed.
    Ticket(String),
    /// A new transcript line in a ticket's conversation.
    Entry { ticket: String, entry: EntryView },
    /// The user is typing.
    UserTyping { ticket: String },
}

/// What a user's open channel hears besides the bot's turns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserEvent {
    /// The agent is typing.
    AgentTyping { agent: String },
    /// The user's place in the queue changed.
    Queue {
        position: usize,
        wait_minutes: Option<u64>,
    },
}

/// How many events a slow listener may fall behind before it misses some (it then re-reads).
const EVENT_BUFFER: usize = 1024;
const USER_EVENT_BUFFER: usize = 32;

pub struct HandoffHub {
    pub settings: HandoffSettings,
    pub hours: Arc<dyn OpeningHours>,
    pub presence: PresenceBoard,
    handling: Mutex<HandlingTimes>,
    open: RwLock<HashMap<String, Ticket>>,
    desk_events: broadcast::Sender<DeskEvent>,
    users: Mutex<HashMap<ConversationKey, broadcast::Sender<UserEvent>>>,
    /// The place last told to each waiting ticket's user, so only changes are pushed.
    told: Mutex<HashMap<String, usize>>,
}

impl Default for HandoffHub {
    fn default() -> Self {
        Self::new(HandoffSettings::default(), Arc::new(AlwaysOpen))
    }
}

impl HandoffHub {
    pub fn new(settings: HandoffSettings, hours: Arc<dyn OpeningHours>) -> Self {
        Self {
            settings,
            hours,
            presence: PresenceBoard::default(),
            handling: Mutex::new(HandlingTimes::default()),
            open: RwLock::new(HashMap::new()),
            desk_events: broadcast::channel(EVENT_BUFFER).0,
            users: Mutex::new(HashMap::new()),
            told: Mutex::new(HashMap::new()),
        }
    }

    /// Fills the cache from the store's open tickets (at start).
    pub fn load(&self, tickets: Vec<Ticket>) {
        let mut open = self.open.write().unwrap_or_else(|e| e.into_inner());
        open.clear();
        for t in tickets.into_iter().filter(|t| t.status.is_open()) {
            open.insert(t.id.clone(), t);
        }
    }

    /// Records a committed ticket (closed ones leave the cache).
    pub fn remember(&self, ticket: &Ticket) {
        let mut open = self.open.write().unwrap_or_else(|e| e.into_inner());
        if ticket.status.is_open() {
            open.insert(ticket.id.clone(), ticket.clone());
        } else {
            open.remove(&ticket.id);
        }
    }

    pub fn open_tickets(&self) -> Vec<Ticket> {
        let open = self.open.read().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<Ticket> = open.values().cloned().collect();
        queue::order(&mut all);
        all
    }

    pub fn cached(&self, id: &str) -> Option<Ticket> {
        self.open
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// How many conversations an agent holds now.
    pub fn held_by(&self, login: &str) -> usize {
        self.open
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|t| t.status == TicketStatus::Assigned && t.agent.as_deref() == Some(login))
            .count()
    }

    pub fn record_handling(&self, claimed: DateTime<Utc>, closed: DateTime<Utc>) {
        self.handling
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record(claimed, closed);
    }

    /// The estimated wait in minutes at `position` with `agents` online.
    pub fn wait_minutes(&self, position: usize, agents: usize) -> Option<u64> {
        self.handling
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .estimate(position, agents)
            .map(|d| d.as_secs().div_ceil(60).max(1))
    }

    pub fn subscribe_desk(&self) -> broadcast::Receiver<DeskEvent> {
        self.desk_events.subscribe()
    }

    pub fn publish(&self, event: DeskEvent) {
        // No listener (no console open) is fine.
        let _ = self.desk_events.send(event);
    }

    /// Listens to one conversation's live events (a widget socket, a Telegram chat's sender).
    pub fn subscribe_user(&self, key: &ConversationKey) -> broadcast::Receiver<UserEvent> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.retain(|_, tx| tx.receiver_count() > 0);
        users
            .entry(key.clone())
            .or_insert_with(|| broadcast::channel(USER_EVENT_BUFFER).0)
            .subscribe()
    }

    /// Whether the user has a live channel open now (else the wallet's notification hook is
    /// how an answer reaches them).
    pub fn user_listening(&self, key: &ConversationKey) -> bool {
        self.users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .is_some_and(|tx| tx.receiver_count() > 0)
    }

    pub fn tell_user(&self, key: &ConversationKey, event: UserEvent) {
        if let Some(tx) = self
            .users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            let _ = tx.send(event);
        }
    }

    /// Agents online who serve `lang`.
    pub fn agents_for(&self, lang: &str, agents: &[crate::store::Agent]) -> usize {
        let online = self.presence.online();
        agents
            .iter()
            .filter(|a| !a.disabled && a.serves(lang) && online.contains(&a.login))
            .count()
    }

    /// Pushes each waiting user's new place in the queue, when it changed.
    pub fn push_positions(&self, agents: &[crate::store::Agent]) {
        let tickets = self.open_tickets();
        let places = queue::positions(&tickets);
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        told.retain(|id, _| places.contains_key(id));
        for t in &tickets {
            let Some(&position) = places.get(&t.id) else {
                continue;
            };
            if told.get(&t.id) == Some(&position) {
                continue;
            }
            told.insert(t.id.clone(), position);
            let wait_minutes = self.wait_minutes(position, self.agents_for(&t.lang, agents));
            self.tell_user(
                &t.key,
                UserEvent::Queue {
                    position,
                    wait_minutes,
                },
            );
        }
    }
}
