//! The widget's WebSocket: pushes (follow-ups now; agent messages, typing and queue updates with
//! the human handoff) and, optionally, sending messages.
//!
//! The URL holds only the conversation's id; the first frame authenticates:
//! `{"type": "auth", "conversation_token": "...", "identity": "<signed identity, optional>"}`,
//! answered by `{"type": "ready"}`. A later `auth` frame hands the socket a fresh identity token,
//! so a conversation outlives any one token; when the socket's identity expires the server says
//! `{"type": "error", "code": "identity_expired"}` and closes. Sockets that say nothing (not even
//! a pong to the server's pings) are closed. Each socket has a small bounded queue: a client that
//! never reads is dropped rather than allowed to grow the server's memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use chrono::Utc;
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{MessageBody, Problem, WidgetState, check_claims, check_conversation, runtime_problem};
use crate::runtime::desk::UserEvent;
use crate::runtime::outbox::{DeliveryError, Outlet};
use crate::runtime::{Delivery, Inbound, RuntimeError};
use crate::store::{ConversationKey, OutboxItem};

/// Frames queued for one socket before it counts as not reading.
const QUEUE: usize = 32;
/// Time to send the `auth` frame after the socket opens.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// The server pings this often; browsers answer pings by themselves.
const PING_EVERY: Duration = Duration::from_secs(25);
/// A socket that has sent nothing for this long (three missed pings) is closed.
const SILENT_LIMIT: Duration = Duration::from_secs(80);
/// The shortest gap between two "the user is typing" signals passed to the agent.
const TYPING_EVERY: Duration = Duration::from_secs(2);
/// Open sockets per conversation (a visitor's tabs); more are refused.
const SOCKETS_PER_CONVERSATION: usize = 8;

/// The open sockets of each conversation (a visitor may have several tabs).
#[derive(Default)]
pub struct Hub {
    sockets: Mutex<HashMap<ConversationKey, Vec<mpsc::Sender<String>>>>,
}

impl Hub {
    /// A new socket of the conversation, or `None` when it already has its maximum open.
    fn join(&self, key: &ConversationKey) -> Option<mpsc::Receiver<String>> {
        let mut sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        let list = sockets.entry(key.clone()).or_default();
        list.retain(|tx| !tx.is_closed());
        if list.len() >= SOCKETS_PER_CONVERSATION {
            return None;
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        list.push(tx);
        Some(rx)
    }

    /// Forgets the closed sockets of a conversation (called when one ends).
    fn leave(&self, key: &ConversationKey) {
        let mut sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(list) = sockets.get_mut(key) {
            list.retain(|tx| !tx.is_closed());
            if list.is_empty() {
                sockets.remove(key);
            }
        }
    }

    /// How many conversations have an open socket (for tests and metrics).
    pub fn conversations(&self) -> usize {
        self.sockets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Sends a frame to every open socket of a conversation; returns how many took it.
    /// A socket whose queue is full is dropped (its sender removed, so it closes).
    pub fn push(&self, key: &ConversationKey, frame: &str) -> usize {
        let mut sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        let Some(list) = sockets.get_mut(key) else {
            return 0;
        };
        list.retain(|tx| tx.try_send(frame.to_string()).is_ok());
        let n = list.len();
        if n == 0 {
            sockets.remove(key);
        }
        n
    }
}

/// Delivers outbox items of the widget channel to open sockets. With none open the item counts
/// as delivered all the same: it is in the conversation's history, which the widget loads when
/// it comes back, and an item kept waiting for a socket that may never open would hold the
/// outbox up for everyone.
#[async_trait]
impl Outlet for Hub {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), DeliveryError> {
        let frame = json!({"type": "turn", "id": item.id, "turn": item.turn}).to_string();
        self.push(&item.key, &frame);
        Ok(())
    }
}

/// The `auth` frame.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthFrame {
    #[serde(rename = "type")]
    kind: String,
    conversation_token: String,
    #[serde(default)]
    identity: Option<String>,
}

/// Who the socket speaks for, until when.
struct Session {
    key: ConversationKey,
    user_ref: Option<String>,
    /// When the identity expires (unix seconds); `None` for an anonymous visitor.
    expires: Option<i64>,
}

type Sink = SplitSink<WebSocket, Message>;

async fn send(sink: &mut Sink, frame: serde_json::Value) -> bool {
    sink.send(Message::Text(frame.to_string().into()))
        .await
        .is_ok()
}

async fn refuse(mut sink: Sink, code: &str, detail: &str) {
    let _ = send(
        &mut sink,
        json!({"type": "error", "code": code, "detail": detail}),
    )
    .await;
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            // 4000–4999: application codes; 4401 reads as "unauthorised".
            code: 4401,
            reason: code.to_string().into(),
        })))
        .await;
}

/// Checks an `auth` frame: the conversation's token, the identity, and (under the
/// conversation's lock) that the conversation is this user's.
async fn authenticate(
    state: &WidgetState,
    id: &str,
    client: IpAddr,
    text: &str,
) -> Result<Session, Problem> {
    let frame: AuthFrame = serde_json::from_str(text).map_err(|e| {
        Problem::new(
            axum::http::StatusCode::BAD_REQUEST,
            "auth_required",
            format!("the first frame is {{\"type\": \"auth\", \"conversation_token\", \"identity\"}}: {e}"),
        )
    })?;
    if frame.kind != "auth" {
        return Err(Problem::new(
            axum::http::StatusCode::BAD_REQUEST,
            "auth_required",
            "the first frame is {\"type\": \"auth\", ...}",
        ));
    }
    let key = check_conversation(state, client, id, Some(&frame.conversation_token))?;
    let claims = check_claims(state, client, frame.identity.as_deref())?;
    let user_ref = claims.as_ref().map(|c| c.user_ref.clone());
    match state.runtime.authorize(&key, user_ref.as_deref()).await {
        Ok(_) => {}
        Err(RuntimeError::Store(e)) => {
            tracing::error!(error = %e, "a socket could not be authorised");
            return Err(Problem::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "try again in a moment",
            ));
        }
        Err(e) => return Err(runtime_problem(state, client, e)),
    }
    Ok(Session {
        key,
        user_ref,
        expires: claims.map(|c| c.expires),
    })
}

/// Seconds until `expires` as a deadline (far away for an anonymous visitor).
fn deadline(expires: Option<i64>) -> Instant {
    let secs = expires.map_or(86_400 * 365, |e| (e - Utc::now().timestamp()).max(0));
    Instant::now() + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

pub async fn run(socket: WebSocket, state: WidgetState, id: String, client: IpAddr) {
    let (mut sink, mut stream) = socket.split();
    let first = tokio::time::timeout(AUTH_TIMEOUT, async {
        loop {
            match stream.next().await {
                Some(Ok(Message::Text(t))) => return Some(t.to_string()),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return None,
            }
        }
    })
    .await;
    let Ok(Some(first)) = first else {
        return refuse(sink, "auth_required", "authenticate within 10 seconds").await;
    };
    let session = match authenticate(&state, &id, client, &first).await {
        Ok(session) => session,
        Err(problem) => return refuse(sink, problem.code(), "not authorised").await,
    };
    if !send(&mut sink, json!({"type": "ready"})).await {
        return;
    }
    let Some(pushes) = state.hub.join(&session.key) else {
        return refuse(sink, "too_many_sockets", "close another tab of this chat").await;
    };
    let key = session.key.clone();
    serve_session(sink, stream, pushes, &state, &id, client, session).await;
    state.hub.leave(&key);
}

async fn serve_session(
    mut sink: Sink,
    mut stream: futures::stream::SplitStream<WebSocket>,
    mut pushes: mpsc::Receiver<String>,
    state: &WidgetState,
    id: &str,
    client: IpAddr,
    mut session: Session,
) {
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    // Live handoff events (the agent typing, the place in the queue): not stored, not retried.
    let mut live = state.runtime.handoff().subscribe_user(&session.key);
    let mut live_open = true;
    let mut last_typing: Option<Instant> = None;
    loop {
        let expiry = deadline(session.expires);
        tokio::select! {
            event = live.recv(), if live_open => {
                let frame = match event {
                    Ok(UserEvent::AgentTyping { agent }) => json!({"type": "typing", "agent": agent}),
                    Ok(UserEvent::Queue { position, wait_minutes }) => {
                        json!({"type": "queue", "position": position, "wait_minutes": wait_minutes})
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        live_open = false;
                        continue;
                    }
                };
                if session.user_ref.is_none() && state.runtime.authorize(&session.key, None).await.is_err() {
                    return refuse(sink, "conversation_of_another_user", "not authorised").await;
                }
                if !send(&mut sink, frame).await {
                    break;
                }
            }
            push = pushes.recv() => {
                let Some(frame) = push else { break };
                // An anonymous socket of a conversation a user has since signed in to must not
                // receive what is now theirs.
                if session.user_ref.is_none()
                    && let Err(e) = state.runtime.authorize(&session.key, None).await
                {
                    let code = if matches!(e, RuntimeError::NotOwner) {
                        "conversation_of_another_user"
                    } else {
                        "store_unavailable"
                    };
                    return refuse(sink, code, "not authorised").await;
                }
                if sink.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = Instant::now();
                let text = match message {
                    Message::Text(t) => t.to_string(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                if is_typing(&text) {
                    // At most one typing signal every two seconds; nothing is answered.
                    if last_typing.is_none_or(|t| t.elapsed() >= TYPING_EVERY) {
                        last_typing = Some(Instant::now());
                        state.runtime.user_typing(&session.key);
                    }
                    continue;
                }
                if is_auth(&text) {
                    // A fresh identity for the same conversation (the page got a new token).
                    if let Err(limited) = state.limits.request(client) {
                        let frame = json!({"type": "error", "code": "rate_limited", "retry_after": limited.retry_after.as_secs().max(1)});
                        if !send(&mut sink, frame).await {
                            break;
                        }
                        continue;
                    }
                    match authenticate(state, id, client, &text).await {
                        Ok(renewed) => {
                            session = renewed;
                            if !send(&mut sink, json!({"type": "ready"})).await {
                                break;
                            }
                        }
                        Err(problem) => return refuse(sink, problem.code(), "not authorised").await,
                    }
                    continue;
                }
                let reply = handle_frame(state, &session, client, &text).await;
                if sink.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
            () = tokio::time::sleep_until(expiry), if session.expires.is_some() => {
                return refuse(sink, "identity_expired", "send a fresh identity").await;
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > SILENT_LIMIT {
                    tracing::debug!("a silent socket was closed");
                    break;
                }
                if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
}

fn is_typing(text: &str) -> bool {
    text.len() < 64
        && serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("typing"))
}

fn is_auth(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("auth"))
}

async fn handle_frame(
    state: &WidgetState,
    session: &Session,
    client: IpAddr,
    text: &str,
) -> String {
    let error = |code: &str, detail: String| {
        json!({"type": "error", "code": code, "detail": detail}).to_string()
    };
    // Frames bypass HTTP middleware: the same limits apply here.
    let allowed = state.limits.request(client).and_then(|()| {
        state
            .limits
            .message(session.key.as_str(), session.user_ref.as_deref())
    });
    if let Err(limited) = allowed {
        return json!({"type": "error", "code": "rate_limited", "retry_after": limited.retry_after.as_secs().max(1)}).to_string();
    }
    let frame: MessageBody = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => return error("bad_frame", e.to_string()),
    };
    if frame.kind.as_deref() != Some("message") {
        return error(
            "bad_frame",
            "a frame is {\"type\": \"message\", ...}".into(),
        );
    }
    let message = match frame.message() {
        Ok(m) => m,
        Err(detail) => return error("bad_frame", detail.into()),
    };
    let inbound = Inbound {
        content: message.content,
        message_id: Some(frame.client_id.clone()),
        user_ref: session.user_ref.clone(),
        lang: message.lang.unwrap_or_default(),
        lang_chosen: message.lang.is_some(),
        delivery: Delivery::Inline,
    };
    match state
        .runtime
        .handle(&session.key, inbound, Utc::now())
        .await
    {
        Ok(turn) => json!({"type": "turn", "client_id": frame.client_id, "turn": turn}).to_string(),
        Err(e) => {
            let problem = runtime_problem(state, client, e);
            error(problem.code(), problem.code().replace('_', " "))
        }
    }
}
