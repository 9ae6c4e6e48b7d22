//! The widget's WebSocket: pushes (follow-ups, agent messages, typing, queue position) and,
//! optionally, sending messages. Each socket has a small bounded queue: a client that never reads
//! is dropped rather than allowed to grow the server's memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use axum::extract::ws::{Message, WebSocket};
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::mpsc;

use super::{MessageBody, WidgetState};
use crate::runtime::outbox::{DeliveryError, Outlet};
use crate::runtime::{Delivery, Inbound};
use crate::store::{ConversationKey, OutboxItem};

/// Frames queued for one socket before it counts as not reading.
const QUEUE: usize = 32;

/// The open sockets of each conversation (a visitor may have several tabs).
#[derive(Default)]
pub struct Hub {
    sockets: Mutex<HashMap<ConversationKey, Vec<mpsc::Sender<String>>>>,
}

impl Hub {
    fn join(&self, key: &ConversationKey) -> mpsc::Receiver<String> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let mut sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner());
        sockets.entry(key.clone()).or_default().push(tx);
        rx
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

/// Delivers outbox items of the widget channel to open sockets; with none open the item waits
/// (the visitor also finds it in the history when they come back).
#[async_trait]
impl Outlet for Hub {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), DeliveryError> {
        let frame = json!({"type": "turn", "id": item.id, "turn": item.turn}).to_string();
        if self.push(&item.key, &frame) > 0 {
            Ok(())
        } else {
            Err(DeliveryError("no open socket".into()))
        }
    }
}

pub async fn run(
    socket: WebSocket,
    state: WidgetState,
    key: ConversationKey,
    user_ref: Option<String>,
    ip: String,
) {
    let (mut sink, mut stream) = socket.split();
    let mut pushes = state.hub.join(&key);
    loop {
        tokio::select! {
            push = pushes.recv() => {
                let Some(frame) = push else { break };
                if sink.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
            incoming = stream.next() => {
                let Some(Ok(message)) = incoming else { break };
                let text = match message {
                    Message::Text(t) => t.to_string(),
                    Message::Close(_) => break,
                    _ => continue,
                };
                let reply = handle_frame(&state, &key, user_ref.as_deref(), &ip, &text).await;
                if sink.send(Message::Text(reply.into())).await.is_err() {
                    break;
                }
            }
        }
    }
}

async fn handle_frame(
    state: &WidgetState,
    key: &ConversationKey,
    user_ref: Option<&str>,
    ip: &str,
    text: &str,
) -> String {
    let error = |code: &str, detail: String| {
        json!({"type": "error", "code": code, "detail": detail}).to_string()
    };
    // Frames bypass HTTP middleware: the same limits apply here.
    if let Err(wait) = state.check_rate(key, ip) {
        return json!({"type": "error", "code": "rate_limited", "retry_after": wait.as_secs().max(1)}).to_string();
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
        user_ref: user_ref.map(String::from),
        lang: message.lang.unwrap_or_default(),
        lang_chosen: message.lang.is_some(),
        delivery: Delivery::Inline,
    };
    match state.runtime.handle(key, inbound, Utc::now()).await {
        Ok(turn) => json!({"type": "turn", "client_id": frame.client_id, "turn": turn}).to_string(),
        Err(e) => error("not_stored", e.to_string()),
    }
}
