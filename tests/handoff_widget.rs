//! The user's side of a handoff in the widget, over real HTTP and a real socket: the queue place
//! and the agent's typing arrive live, the agent's words arrive as pushed turns, and the user's
//! history never shows what is for agents only (internal notes, desk events, logins).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::widget::{Issued, new_conversation, post};
use futures::{SinkExt, StreamExt};
use kycdesk::channel::listener::{self, ConnectionLimits};
use kycdesk::channel::widget::WidgetState;
use kycdesk::config::Config;
use kycdesk::runtime::desk::{Desk, DeskEvent};
use kycdesk::runtime::outbox::Deliverer;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

struct Server {
    base: String,
    state: WidgetState,
    desk: Desk,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let vars: HashMap<String, String> = HashMap::from([
        ("KYCDESK_RATE_IP".into(), "1000/1000".into()),
        ("KYCDESK_RATE_VISITOR".into(), "1000/1000".into()),
        ("KYCDESK_DATA_DIR".into(), dir.path().display().to_string()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("settings");
    let store = kycdesk::store::SledStore::open(&dir.path().join("store")).expect("store");
    let runtime = common::runtime_with(Arc::new(kycdesk::runtime::StandIns), store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let state = kycdesk::serve::widget_state(runtime.clone(), &config, false, addr).expect("state");
    let app = kycdesk::serve::app(state.clone(), None);
    let limits = ConnectionLimits {
        header_timeout: Duration::from_millis(config.header_timeout_ms),
        per_client: config.max_connections_per_client,
        total: config.max_connections,
        trusted: config.trusted_proxies.clone(),
    };
    tokio::spawn(listener::serve(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    let desk = Desk::open(runtime).await.expect("desk");
    Server {
        base: format!("http://{addr}"),
        state,
        desk,
        _dir: dir,
    }
}

async fn say(server: &Server, c: &Issued, client_id: &str, body: Value) -> Value {
    let mut body = body;
    body["client_id"] = json!(client_id);
    let response = post(&server.base, &c.id, Some(&c.token), body, &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("json")
}

async fn escalate(server: &Server) -> Issued {
    let c = new_conversation(&server.base, None).await;
    say(server, &c, "m0", json!({"start": true, "lang": "en"})).await;
    let turn = say(
        server,
        &c,
        "m1",
        json!({"text": "I want to talk to a real person"}),
    )
    .await;
    assert_eq!(turn["handoff"], true, "{turn}");
    c
}

async fn socket(server: &Server, c: &Issued) -> Socket {
    let url = format!(
        "{}/api/v1/conversations/{}/ws",
        server.base.replace("http", "ws"),
        c.id
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    ws.send(Message::Text(
        json!({"type": "auth", "conversation_token": c.token})
            .to_string()
            .into(),
    ))
    .await
    .expect("auth");
    assert_eq!(next_json(&mut ws).await["type"], "ready");
    ws
}

async fn next_json(ws: &mut Socket) -> Value {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("frame");
        if let Message::Text(t) = next {
            return serde_json::from_str(&t).expect("json frame");
        }
    }
}

/// The next frame of a type, skipping others.
async fn next_of(ws: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next_json(ws).await;
        if frame["type"] == kind {
            return frame;
        }
    }
}

#[tokio::test]
async fn the_user_sees_the_queue_the_agent_typing_and_the_reply_live() {
    let server = start().await;
    let runtime = server.state.runtime.clone();
    let alice = common::agent_online(&runtime, "alice").await;
    let first = escalate(&server).await;
    let second = escalate(&server).await;
    let mut ws = socket(&server, &second).await;
    let id_of = |c: &Issued| {
        let runtime = runtime.clone();
        let key = kycdesk::store::ConversationKey::new("widget", &c.id).expect("key");
        async move {
            runtime
                .store()
                .load(&key)
                .await
                .expect("load")
                .expect("stored")
                .ticket
                .expect("ticket")
        }
    };
    // The first is taken: the second moves up to first place, told live.
    server
        .desk
        .claim(&id_of(&first).await, &alice, common::now())
        .await
        .expect("claim");
    let queue = next_of(&mut ws, "queue").await;
    assert_eq!(queue["position"], 1, "{queue}");

    // Now the second: claimed, typing, a reply, all live.
    let second_id = id_of(&second).await;
    let mut desk_events = server.desk.subscribe();
    server
        .desk
        .claim(&second_id, &alice, common::now())
        .await
        .expect("claim");
    let mut deliverer =
        Deliverer::new(runtime.store().clone()).with_outlet("widget", server.state.hub.clone());
    deliverer.pass().await;
    let joined = next_of(&mut ws, "turn").await;
    assert!(
        joined["turn"]["messages"][0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Agent alice")),
        "{joined}"
    );
    server
        .desk
        .typing(&second_id, &alice)
        .await
        .expect("typing");
    let typing = next_of(&mut ws, "typing").await;
    assert_eq!(typing["agent"], "Agent alice");
    server
        .desk
        .reply(
            &second_id,
            &alice,
            "<b>Hello</b>, how can I help?",
            common::now(),
        )
        .await
        .expect("reply");
    deliverer.pass().await;
    let reply = next_of(&mut ws, "turn").await;
    let message = &reply["turn"]["messages"][0];
    assert_eq!(message["text"], "<b>Hello</b>, how can I help?");
    assert_eq!(message["agent"], "Agent alice");

    // The user types: the agent hears it; the user writes: the bot stays silent.
    ws.send(Message::Text(json!({"type": "typing"}).to_string().into()))
        .await
        .expect("typing frame");
    let heard = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(DeskEvent::UserTyping { ticket }) = desk_events.recv().await {
                return ticket;
            }
        }
    })
    .await
    .expect("the agent hears the typing");
    assert_eq!(heard, second_id);
    let turn = say(
        &server,
        &second,
        "m2",
        json!({"text": "thanks, my ID is 110105194912310021"}),
    )
    .await;
    assert!(
        turn["messages"].as_array().is_some_and(|m| m.is_empty()),
        "{turn}"
    );

    // The user's history: the agent's words yes; notes, desk events and logins no.
    server
        .desk
        .note(
            &second_id,
            &alice,
            "SECRET-NOTE user seems confused",
            common::now(),
        )
        .await
        .expect("note");
    let history: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/conversations/{}/transcript",
            server.base, second.id
        ))
        .header("x-kycdesk-conversation", &second.token)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    let text = history.to_string();
    assert!(text.contains("how can I help"), "{text}");
    assert!(!text.contains("SECRET-NOTE"), "notes never reach the user");
    assert!(!text.contains("\"alice\""), "no agent login");
    assert!(!text.contains("claimed"), "no desk events");
    assert!(!text.contains("110105194912310021"), "masked");
}
