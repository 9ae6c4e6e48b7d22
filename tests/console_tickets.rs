//! Agents at work through the console API, on the real desk: the queue, claiming, replying,
//! notes, transfers, assignment, resolving, handing back; and the live socket.

mod common;
mod console_support;

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use console_support::{Call, Console, Signed};
use futures::StreamExt;
use kycdesk::handoff::presence::Presence;
use kycdesk::i18n::Lang;
use kycdesk::store::AgentRole;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

fn ticket_path(id: &str, action: &str) -> String {
    if action.is_empty() {
        format!("/console/api/tickets/{id}")
    } else {
        format!("/console/api/tickets/{id}/{action}")
    }
}

async fn team(console: &Console) -> (Signed, Signed, Signed, Signed) {
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    console
        .add_agent("bob", AgentRole::Agent, &["en", "zh-CN"])
        .await;
    console
        .add_agent("chen", AgentRole::Agent, &["zh-CN"])
        .await;
    console
        .add_agent("root", AgentRole::Admin, &["zh-CN"])
        .await;
    console.online("alice");
    (
        console.login("alice").await,
        console.login("bob").await,
        console.login("chen").await,
        console.login("root").await,
    )
}

#[tokio::test]
async fn an_agent_takes_a_ticket_from_the_queue_to_resolved() {
    let console = Console::new().await;
    let (alice, bob, chen, root) = team(&console).await;
    let id = console.user_asks_for_a_person("c_user1", Lang::En).await;

    let queue = console
        .call(Call::get("/console/api/queue").signed(&alice))
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    let tickets = queue.json["tickets"].as_array().expect("tickets");
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["id"], id.as_str());
    assert_eq!(tickets[0]["status"], "queued");
    assert_eq!(tickets[0]["position"], 1);
    assert_eq!(tickets[0]["lang"], "en");
    assert_eq!(queue.json["agents_online"], 1);
    // An agent who does not serve English does not see it.
    let theirs = console
        .call(Call::get("/console/api/queue").signed(&chen))
        .await;
    assert_eq!(theirs.json["tickets"], json!([]));
    let hidden = console
        .call(Call::get(&ticket_path(&id, "")).signed(&chen))
        .await;
    assert_eq!(
        (hidden.status, hidden.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );

    let view = console
        .call(Call::get(&ticket_path(&id, "")).signed(&alice))
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    assert_eq!(view.json["can_act"], false);
    assert!(
        view.json["transcript"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(view.json["card"]["reason"].is_string());

    let wrong_lang = console
        .call(Call::post(&ticket_path(&id, "claim")).signed(&chen))
        .await;
    assert_eq!(
        (wrong_lang.status, wrong_lang.code()),
        (StatusCode::FORBIDDEN, "language")
    );
    let claimed = console
        .call(Call::post(&ticket_path(&id, "claim")).signed(&alice))
        .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text);
    assert_eq!(claimed.json["status"], "assigned");
    assert_eq!(claimed.json["mine"], true);
    let late = console
        .call(Call::post(&ticket_path(&id, "claim")).signed(&bob))
        .await;
    assert_eq!(
        (late.status, late.code()),
        (StatusCode::CONFLICT, "already_claimed")
    );
    let late = console
        .call(Call::post(&ticket_path(&id, "claim")).signed(&root))
        .await;
    assert_eq!(
        (late.status, late.code()),
        (StatusCode::CONFLICT, "already_claimed")
    );

    let reply = |signed, text: &str| {
        Call::post(&ticket_path(&id, "reply"))
            .signed(signed)
            .json(json!({ "text": text }))
    };
    let not_yours = console.call(reply(&bob, "I can help")).await;
    assert_eq!(
        (not_yours.status, not_yours.code()),
        (StatusCode::FORBIDDEN, "not_yours")
    );
    let empty = console.call(reply(&alice, "   ")).await;
    assert_eq!(
        (empty.status, empty.code()),
        (StatusCode::BAD_REQUEST, "empty")
    );
    let long = console.call(reply(&alice, &"a".repeat(4001))).await;
    assert_eq!(
        (long.status, long.code()),
        (StatusCode::BAD_REQUEST, "too_long")
    );
    let sent = console
        .call(reply(&alice, "Hello, I'm Alice. Let me look."))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert_eq!(sent.json["entry"]["kind"], "agent");
    assert_eq!(sent.json["entry"]["text"], "Hello, I'm Alice. Let me look.");
    let note = console
        .call(
            Call::post(&ticket_path(&id, "note"))
                .signed(&alice)
                .json(json!({"text": "probably glare"})),
        )
        .await;
    assert_eq!(note.status, StatusCode::OK, "{}", note.text);
    assert_eq!(note.json["entry"]["kind"], "note");
    for _ in 0..3 {
        let typing = console
            .call(Call::post(&ticket_path(&id, "typing")).signed(&alice))
            .await;
        assert_eq!(
            typing.status,
            StatusCode::NO_CONTENT,
            "repeats are dropped silently"
        );
    }
    let view = console
        .call(Call::get(&ticket_path(&id, "")).signed(&alice))
        .await;
    assert_eq!(view.json["can_act"], true);
    let kinds: Vec<&str> = view.json["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.ends_with(&["agent", "note"]), "{kinds:?}");

    let case = console
        .call(Call::post(&ticket_path(&id, "refresh_case")).signed(&alice))
        .await;
    assert_eq!(case.status, StatusCode::OK, "{}", case.text);
    assert_eq!(case.json, json!({"case": null}), "no case API in this test");

    let resolved = console
        .call(Call::post(&ticket_path(&id, "resolve")).signed(&alice))
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text);
    assert_eq!(resolved.json["status"], "closed");
    let again = console
        .call(Call::post(&ticket_path(&id, "claim")).signed(&bob))
        .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "closed")
    );

    // Ticket actions are in the audit log (written by the desk).
    let audit = console.store.audit_log(None, 100).await.expect("audit");
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    for action in ["claim", "reply", "note", "resolve"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn transfers_and_admin_assignment() {
    let console = Console::new().await;
    let (alice, bob, _chen, root) = team(&console).await;
    let id = console.user_asks_for_a_person("c_user2", Lang::En).await;
    let claimed = console
        .call(Call::post(&ticket_path(&id, "claim")).signed(&alice))
        .await;
    assert_eq!(claimed.status, StatusCode::OK);
    let transfer = |signed, to: &str| {
        Call::post(&ticket_path(&id, "transfer"))
            .signed(signed)
            .json(json!({ "to": to }))
    };
    let nobody = console.call(transfer(&alice, "nobody")).await;
    assert_eq!(
        (nobody.status, nobody.code()),
        (StatusCode::NOT_FOUND, "no_such_agent")
    );
    let chen = console.call(transfer(&alice, "chen")).await;
    assert_eq!(
        (chen.status, chen.code()),
        (StatusCode::FORBIDDEN, "language")
    );
    let by_bob = console.call(transfer(&bob, "bob")).await;
    assert_eq!(
        (by_bob.status, by_bob.code()),
        (StatusCode::FORBIDDEN, "not_yours")
    );
    let to_bob = console.call(transfer(&alice, "bob")).await;
    assert_eq!(to_bob.status, StatusCode::OK, "{}", to_bob.text);
    assert_eq!(to_bob.json["agent"], "bob");

    let assign = |signed, to: &str| {
        Call::post(&ticket_path(&id, "assign"))
            .signed(signed)
            .json(json!({ "to": to }))
    };
    let by_agent = console.call(assign(&bob, "alice")).await;
    assert_eq!(
        (by_agent.status, by_agent.code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let by_admin = console.call(assign(&root, "alice")).await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.text);
    assert_eq!(by_admin.json["agent"], "alice");

    let back = console
        .call(Call::post(&ticket_path(&id, "hand_back")).signed(&alice))
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    assert_eq!(back.json["status"], "closed");
}

#[tokio::test]
async fn agents_list_presence_and_odd_ticket_ids() {
    let console = Console::new().await;
    let (alice, _bob, _chen, _root) = team(&console).await;
    let away = console
        .call(
            Call::post("/console/api/presence")
                .signed(&alice)
                .json(json!({"presence": "away"})),
        )
        .await;
    assert_eq!(away.status, StatusCode::NO_CONTENT);
    assert_eq!(console.desk.presence("alice"), Presence::Away);
    let odd = console
        .call(
            Call::post("/console/api/presence")
                .signed(&alice)
                .json(json!({"presence": "offline"})),
        )
        .await;
    assert_eq!(
        (odd.status, odd.code()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let agents = console
        .call(Call::get("/console/api/agents").signed(&alice))
        .await;
    assert_eq!(agents.status, StatusCode::OK);
    let list = agents.json["agents"].as_array().expect("agents");
    assert_eq!(list.len(), 4);
    let alice_row = list.iter().find(|a| a["login"] == "alice").expect("alice");
    assert_eq!(alice_row["presence"], "away");
    assert!(!agents.text.contains("argon2"), "no password hashes");
    for id in [
        "nope",
        "t_../../x",
        "t_%00",
        &format!("t_{}", "a".repeat(100)),
    ] {
        let answer = console
            .call(Call::get(&ticket_path(id, "")).signed(&alice))
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{id}");
    }
}

/// The console served over real HTTP (the live socket needs a real connection).
async fn serve(console: &Console) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = console.app.clone();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(
    addr: SocketAddr,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Socket, tungstenite::Error> {
    let mut request = format!("ws://{addr}/console/api/live")
        .into_client_request()
        .expect("request");
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().expect("header"));
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("header"));
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

fn refused_with(result: Result<Socket, tungstenite::Error>) -> u16 {
    match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("refused otherwise: {e}"),
        Ok(_) => panic!("the socket opened"),
    }
}

/// The next JSON frame of the type wanted (others skipped), within a few seconds.
async fn next_of(socket: &mut Socket, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame in time"))
            .expect("socket open")
            .expect("frame");
        if let tungstenite::Message::Text(text) = message {
            let frame: Value = serde_json::from_str(&text).expect("json");
            if frame["type"] == kind {
                return frame;
            }
        }
    }
}

/// The next `entry` frame of a transcript line of `kind`.
async fn next_entry(socket: &mut Socket, kind: &str) -> Value {
    loop {
        let frame = next_of(socket, "entry").await;
        if frame["entry"]["kind"] == kind {
            return frame;
        }
    }
}

#[tokio::test]
async fn the_live_socket_needs_a_session_and_the_consoles_own_origin() {
    let console = Console::with(Default::default(), "", "https://kyc.example.com").await;
    let (alice, _bob, _chen, _root) = team(&console).await;
    let addr = serve(&console).await;
    let own = format!("http://{addr}");
    assert_eq!(refused_with(connect(addr, None, Some(&own)).await), 401);
    assert_eq!(
        refused_with(connect(addr, Some(&alice.cookie), Some("https://evil.example")).await),
        403
    );
    assert_eq!(
        refused_with(connect(addr, Some(&alice.cookie), None).await),
        403
    );
    let mut socket = connect(addr, Some(&alice.cookie), Some(&own))
        .await
        .expect("opens from its own origin");
    let first = next_of(&mut socket, "queue").await;
    assert_eq!(first["tickets"], json!([]));
    assert!(first["agents_online"].is_number());
    let _configured = connect(addr, Some(&alice.cookie), Some("https://kyc.example.com"))
        .await
        .expect("opens from the configured public origin");
    socket.close(None).await.ok();
}

#[tokio::test]
async fn live_frames_reach_the_agents_who_may_see_them() {
    let console = Console::new().await;
    let (alice, _bob, chen, root) = team(&console).await;
    let addr = serve(&console).await;
    let own = format!("http://{addr}");
    let mut alice_socket = connect(addr, Some(&alice.cookie), Some(&own))
        .await
        .expect("alice");
    let mut chen_socket = connect(addr, Some(&chen.cookie), Some(&own))
        .await
        .expect("chen");
    let mut root_socket = connect(addr, Some(&root.cookie), Some(&own))
        .await
        .expect("root");
    for socket in [&mut alice_socket, &mut chen_socket, &mut root_socket] {
        next_of(socket, "queue").await;
    }
    assert_eq!(
        console.desk.presence("chen"),
        Presence::Online,
        "a socket sets online"
    );

    let id = console.user_asks_for_a_person("c_live1", Lang::En).await;
    let queue = next_of(&mut alice_socket, "queue").await;
    assert_eq!(queue["tickets"][0]["id"], id.as_str());
    let seen = next_of(&mut root_socket, "queue").await;
    assert_eq!(
        seen["tickets"][0]["id"],
        id.as_str(),
        "admins see everything"
    );

    let claimed = console
        .call(Call::post(&ticket_path(&id, "claim")).signed(&alice))
        .await;
    assert_eq!(claimed.status, StatusCode::OK);
    let changed = next_of(&mut alice_socket, "ticket").await;
    assert_eq!(changed["ticket"]["id"], id.as_str());
    assert_eq!(changed["ticket"]["mine"], true);

    console
        .user_says("c_live1", Lang::En, "my photo keeps failing")
        .await;
    let entry = next_entry(&mut alice_socket, "user").await;
    assert_eq!(entry["ticket"], id.as_str());
    assert_eq!(entry["entry"]["text"], "my photo keeps failing");
    let admin_entry = next_entry(&mut root_socket, "user").await;
    assert_eq!(admin_entry["ticket"], id.as_str());

    // Chen serves no English and holds nothing: none of this ticket's frames reached them.
    let mut leaked = Vec::new();
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_millis(500), chen_socket.next()).await
    {
        if let tungstenite::Message::Text(text) = message
            && text.contains(&id)
        {
            leaked.push(text.to_string());
        }
    }
    assert!(leaked.is_empty(), "{leaked:?}");

    // Logging out ends the socket with `session_expired`.
    let out = console
        .call(Call::post("/console/api/logout").signed(&alice))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    next_of(&mut alice_socket, "session_expired").await;
    // A disabled account's socket ends too.
    let disabled = console
        .call(Call::post("/console/api/admin/agents/chen/disable").signed(&root))
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    next_of(&mut chen_socket, "session_expired").await;
}

#[tokio::test]
async fn an_idle_session_ends_its_live_socket() {
    let console = Console::new().await;
    let (alice, _bob, _chen, _root) = team(&console).await;
    let addr = serve(&console).await;
    let mut socket = connect(addr, Some(&alice.cookie), Some(&format!("http://{addr}")))
        .await
        .expect("opens");
    next_of(&mut socket, "queue").await;
    console.clock.advance(chrono::Duration::minutes(31));
    next_of(&mut socket, "session_expired").await;
}
