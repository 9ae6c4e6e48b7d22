//! `GET /console/api/live`: the console's WebSocket. The desk's events become frames for the
//! agents who may see them; the queue is sent at connect and whenever it changes (at most one
//! frame per 250 ms per socket). The socket checks its session every second and, when the
//! session has ended (logout, timeout, account disabled), says `session_expired` and closes.
//!
//! The handshake needs the session cookie and an `Origin` equal to the page's own origin (or
//! the configured public origin): a page on another site cannot open it with the agent's cookie.
//! A socket opening sets its agent online; when an agent's last socket closes, they go offline
//! after a grace period (a page reload is not a departure).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::error::ApiError;
use super::extract::{Authed, current_agent, over_tls};
use super::sessions::{SessionInfo, credential_tag};
use super::state::ConsoleState;
use crate::handoff::presence::Presence;
use crate::handoff::queue;
use crate::runtime::desk::DeskEvent;
use crate::runtime::desk::views::{Names, queue_entry};
use crate::store::{Agent, AgentRole, Ticket, TicketStatus};

/// Queue frames to one socket at most this often (bursts of changes are coalesced).
const QUEUE_EVERY: Duration = Duration::from_millis(250);
/// How often a socket checks that its session is still live.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(1);
/// The server pings this often; a socket silent for `SILENT_LIMIT` is closed.
const PING_EVERY: Duration = Duration::from_secs(25);
const SILENT_LIMIT: Duration = Duration::from_secs(80);
/// Time to hand a frame to a client before it counts as gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// An agent whose last socket closed stays online this long (reloads, flaky networks).
pub const OFFLINE_GRACE: Duration = Duration::from_secs(30);
/// Open sockets per agent (tabs); more are refused.
const SOCKETS_PER_AGENT: usize = 8;
/// Largest frame a client may send (it needs to send nothing).
const MAX_CLIENT_FRAME: usize = 4 * 1024;

/// How many sockets each agent has open, for presence.
#[derive(Debug, Default)]
pub struct LiveAgents {
    open: Mutex<HashMap<String, usize>>,
}

impl LiveAgents {
    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a new socket of `login`; false when the agent has the most open already.
    fn join(&self, login: &str) -> bool {
        let mut open = self.open();
        let count = open.entry(login.to_string()).or_default();
        if *count >= SOCKETS_PER_AGENT {
            return false;
        }
        *count += 1;
        true
    }

    /// Forgets a socket; true when it was the agent's last.
    fn leave(&self, login: &str) -> bool {
        let mut open = self.open();
        match open.get_mut(login) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                open.remove(login);
                true
            }
            None => true,
        }
    }

    /// Sockets open for `login`.
    pub fn sockets(&self, login: &str) -> usize {
        self.open().get(login).copied().unwrap_or(0)
    }
}

/// The origins a live socket may be opened from: the page's own (scheme by how the request
/// came, host from `Host`) and the configured public origins. The cookie is SameSite=Strict and
/// bound to this host, so the `Host` a browser sends with it is this console's.
fn origin_allowed(state: &ConsoleState, parts: &Parts) -> bool {
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return false;
    };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let scheme = if over_tls(state, parts) {
        "https"
    } else {
        "http"
    };
    let own = host(&parts.headers).map(|h| format!("{scheme}://{}", h.to_ascii_lowercase()));
    own.as_deref() == Some(origin.as_str()) || state.public_origins.list().contains(&origin)
}

fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST).and_then(|h| h.to_str().ok())
}

/// A live-socket request: signed in, from the console's own origin.
pub struct LiveRequest {
    authed: Authed,
}

impl FromRequestParts<ConsoleState> for LiveRequest {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let authed = Authed::from_request_parts(parts, state).await?;
        if !origin_allowed(state, parts) {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "origin",
                "the live socket opens only from the console's own page",
            ));
        }
        Ok(Self { authed })
    }
}

pub async fn live(
    State(state): State<ConsoleState>,
    request: LiveRequest,
    upgrade: WebSocketUpgrade,
) -> Response {
    let agent = request.authed.agent;
    if !state.live.join(&agent.login) {
        return ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_sockets",
            "too many console tabs are open",
        )
        .into_response();
    }
    let session = request.authed.session;
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_failed_upgrade({
            let state = state.clone();
            let login = agent.login.clone();
            move |_| left(&state, &login)
        })
        .on_upgrade(move |socket| async move {
            let login = agent.login.clone();
            state.desk.set_presence(&login, Presence::Online);
            run(&state, socket, agent, session).await;
            left(&state, &login);
        })
}

/// A socket of `login` closed: when it was the last, offline after the grace period unless a
/// new socket opened meanwhile.
fn left(state: &ConsoleState, login: &str) {
    if !state.live.leave(login) {
        return;
    }
    let state = state.clone();
    let login = login.to_string();
    tokio::spawn(async move {
        tokio::time::sleep(OFFLINE_GRACE).await;
        if state.live.sockets(&login) == 0 {
            state.desk.set_presence(&login, Presence::Offline);
        }
    });
}

/// Whether `agent` may see events of `ticket` (the desk's rule): admins everything; an agent the
/// tickets they hold and the unheld ones in languages they serve.
pub fn may_see(agent: &Agent, ticket: &Ticket) -> bool {
    agent.role == AgentRole::Admin
        || ticket.agent.as_deref() == Some(agent.login.as_str())
        || (ticket.status != TicketStatus::Assigned && agent.serves(&ticket.lang))
}

type Sink = futures::stream::SplitSink<WebSocket, Message>;

async fn send(sink: &mut Sink, frame: serde_json::Value) -> bool {
    let text = frame.to_string();
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Text(text.into()))).await,
        Ok(Ok(()))
    )
}

/// The queue as this agent sees it, as a frame.
async fn queue_frame(state: &ConsoleState, agent: &Agent) -> Option<serde_json::Value> {
    match state.desk.queue(agent, state.clock.now()).await {
        Ok(view) => {
            let mut frame = serde_json::to_value(&view).ok()?;
            frame["type"] = json!("queue");
            if let Some(map) = frame.as_object_mut() {
                map.remove("now");
            }
            Some(frame)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the queue could not be read for a live socket");
            None
        }
    }
}

/// The ticket if this agent may see its events.
async fn visible_ticket(state: &ConsoleState, agent: &Agent, id: &str) -> Option<Ticket> {
    match state.store.ticket(id).await {
        Ok(Some(ticket)) if may_see(agent, &ticket) => Some(ticket),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "a ticket could not be read for a live socket");
            None
        }
    }
}

/// Whether the socket's session and account (enabled, same password) still stand; refreshes
/// the agent (languages, role) as stored.
async fn still_signed_in(state: &ConsoleState, session: &SessionInfo, agent: &mut Agent) -> bool {
    if !state.sessions.is_live(&session.handle, state.clock.now()) {
        return false;
    }
    match current_agent(state, &agent.login).await {
        Ok(Some(now)) if credential_tag(&now.password_hash) == session.credential => {
            *agent = now;
            true
        }
        Ok(_) => false,
        // A passing store failure does not end anyone's session.
        Err(_) => true,
    }
}

async fn run(state: &ConsoleState, socket: WebSocket, mut agent: Agent, session: SessionInfo) {
    let mut events = state.desk.subscribe();
    let (mut sink, mut stream) = socket.split();
    let Some(first) = queue_frame(state, &agent).await else {
        return;
    };
    if !send(&mut sink, first).await {
        return;
    }
    let mut last_queue = Instant::now();
    let mut queue_due: Option<Instant> = None;
    let mut heard = Instant::now();
    let mut session_check = tokio::time::interval(SESSION_CHECK_EVERY);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        let frame = tokio::select! {
            event = events.recv() => match event {
                Ok(DeskEvent::Queue) | Err(RecvError::Lagged(_)) => {
                    // Coalesced: sent now if the last was long enough ago, else when it is.
                    let due = (last_queue + QUEUE_EVERY).max(Instant::now());
                    queue_due = Some(queue_due.map_or(due, |d| d.min(due)));
                    None
                }
                Ok(DeskEvent::Ticket(id)) => match visible_ticket(state, &agent, &id).await {
                    Some(ticket) => ticket_frame(state, &agent, &ticket).await,
                    None => None,
                },
                Ok(DeskEvent::Entry { ticket, entry }) => visible_ticket(state, &agent, &ticket)
                    .await
                    .map(|_| json!({ "type": "entry", "ticket": ticket, "entry": entry })),
                Ok(DeskEvent::UserTyping { ticket }) => visible_ticket(state, &agent, &ticket)
                    .await
                    .map(|_| json!({ "type": "typing", "ticket": ticket })),
                Err(RecvError::Closed) => break,
            },
            () = sleep_until(queue_due) => {
                queue_due = None;
                last_queue = Instant::now();
                queue_frame(state, &agent).await
            }
            _ = session_check.tick() => {
                if !still_signed_in(state, &session, &mut agent).await {
                    let _ = send(&mut sink, json!({ "type": "session_expired" })).await;
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code: 4401,
                            reason: "session_expired".into(),
                        })))
                        .await;
                    break;
                }
                None
            }
            _ = ping.tick() => {
                if heard.elapsed() > SILENT_LIMIT {
                    break;
                }
                if tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Ping(Vec::new().into())))
                    .await
                    .map_or(true, |r| r.is_err())
                {
                    break;
                }
                None
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                // Nothing is expected from the client; any frame (pongs included) shows it is there.
                Some(Ok(_)) => {
                    heard = Instant::now();
                    None
                }
            },
        };
        if let Some(frame) = frame
            && !send(&mut sink, frame).await
        {
            break;
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One ticket's queue entry, as this agent sees it (closed ones included: the page drops them).
async fn ticket_frame(
    state: &ConsoleState,
    agent: &Agent,
    ticket: &Ticket,
) -> Option<serde_json::Value> {
    let names: Names = match state.store.agents().await {
        Ok(agents) => agents
            .into_iter()
            .map(|a| (a.login, a.display_name))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "agents could not be read for a live socket");
            return None;
        }
    };
    let places = queue::positions(&state.desk.runtime().handoff().open_tickets());
    let entry = queue_entry(
        ticket,
        places.get(&ticket.id).copied(),
        agent,
        &names,
        state.clock.now(),
    );
    Some(json!({ "type": "ticket", "ticket": entry }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConversationKey;

    fn agent(login: &str, role: AgentRole, languages: &[&str]) -> Agent {
        Agent {
            login: login.into(),
            display_name: login.into(),
            password_hash: String::new(),
            created_at: chrono::DateTime::<chrono::Utc>::from_timestamp(0, 0).unwrap_or_default(),
            role,
            languages: languages.iter().map(|l| l.to_string()).collect(),
            capacity: 3,
            disabled: false,
        }
    }

    #[test]
    fn events_go_to_holders_same_language_agents_and_admins() {
        let key = ConversationKey::new("widget", "c1").expect("key");
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(0, 0).unwrap_or_default();
        let mut ticket = Ticket::new("t_1".into(), key, "en".into(), at);
        let alice = agent("alice", AgentRole::Agent, &["en"]);
        let bob = agent("bob", AgentRole::Agent, &["en"]);
        let chen = agent("chen", AgentRole::Agent, &["zh-CN"]);
        let root = agent("root", AgentRole::Admin, &["zh-CN"]);
        assert!(may_see(&alice, &ticket) && may_see(&bob, &ticket) && may_see(&root, &ticket));
        assert!(!may_see(&chen, &ticket));
        ticket.status = TicketStatus::Assigned;
        ticket.agent = Some("alice".into());
        assert!(may_see(&alice, &ticket) && may_see(&root, &ticket));
        assert!(!may_see(&bob, &ticket), "someone else's conversation");
    }

    #[test]
    fn sockets_are_counted_per_agent_and_capped() {
        let live = LiveAgents::default();
        for _ in 0..SOCKETS_PER_AGENT {
            assert!(live.join("alice"));
        }
        assert!(!live.join("alice"), "too many tabs");
        assert!(live.join("bob"));
        for _ in 1..SOCKETS_PER_AGENT {
            assert!(!live.leave("alice"));
        }
        assert!(live.leave("alice"), "the last one");
        assert_eq!(live.sockets("alice"), 0);
        assert_eq!(live.sockets("bob"), 1);
    }
}
