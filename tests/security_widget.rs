//! Attacks on the public face of `kycdesk serve` (the widget's API, its socket, the listener),
//! each as an attacker would try it over real HTTP on loopback, and what must hold instead.

#[path = "../src/photo/synthetic.rs"]
mod synthetic;

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::widget::{Issued, create, new_conversation, post, status_code};
use futures::{SinkExt, StreamExt};
use kycdesk::channel::listener::{self, ConnectionLimits};
use kycdesk::channel::widget::WidgetState;
use kycdesk::channel::widget::identity::IdentityVerifier;
use kycdesk::config::Config;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "test-widget-secret";

struct Server {
    base: String,
    addr: SocketAddr,
    state: WidgetState,
    _dir: tempfile::TempDir,
}

/// A server on the project's content with the stand-in actions, configured as `serve` is, from
/// settings (the defaults here are generous so that only the limit under test bites).
async fn start(settings: &[(&str, &str)]) -> Server {
    start_with(settings, Arc::new(kycdesk::runtime::StandIns)).await
}

/// [`start`] with the given actions.
async fn start_with(
    settings: &[(&str, &str)],
    actions: Arc<dyn kycdesk::runtime::Actions>,
) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut vars: HashMap<String, String> = HashMap::from([
        ("KYCDESK_WIDGET_SECRET".into(), SECRET.into()),
        (
            "KYCDESK_ALLOWED_ORIGINS".into(),
            "https://wallet.example.com".into(),
        ),
        ("KYCDESK_RATE_IP".into(), "1000/1000".into()),
        ("KYCDESK_RATE_VISITOR".into(), "1000/1000".into()),
        ("KYCDESK_RATE_USER".into(), "1000/1000".into()),
    ]);
    for (k, v) in settings {
        vars.insert((*k).to_string(), (*v).to_string());
    }
    vars.insert("KYCDESK_DATA_DIR".into(), dir.path().display().to_string());
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("settings");
    let store = kycdesk::store::SledStore::open(&dir.path().join("store")).expect("store");
    let runtime = common::runtime_with(actions, store).with_quota(config.conversation_quota_bytes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = kycdesk::serve::widget_state(runtime.clone(), &config, false, addr).expect("state");
    // The webhook, when a secret is set, with a case API nobody answers on: nothing here gets
    // past its signature check.
    let hooks = config.webhook_secret.as_ref().map(|secret| {
        let client = kycdesk::cases::CaseClient::new(
            kycdesk::cases::CaseClientConfig::new("http://127.0.0.1:9", "").expect("config"),
        )
        .expect("client");
        kycdesk::channel::hooks::HookState {
            followups: kycdesk::runtime::followups::FollowUps::new(runtime, Arc::new(client)),
            secret: Arc::new(secret.clone()),
            seen: Arc::new(kycdesk::cases::ReplayGuard::new(100)),
        }
    });
    let app = kycdesk::serve::app(state.clone(), hooks);
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
    Server {
        base: format!("http://{addr}"),
        addr,
        state,
        _dir: dir,
    }
}

fn identity(user: &str, lives: i64) -> String {
    IdentityVerifier::new(Some(SECRET.as_bytes().to_vec()), true)
        .issue(user, chrono::Utc::now().timestamp() + lives)
        .expect("token")
}

fn start_msg(client_id: &str) -> Value {
    json!({"client_id": client_id, "start": true})
}

async fn transcript(server: &Server, id: &str, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!(
        "{}/api/v1/conversations/{id}/transcript",
        server.base
    ));
    if let Some(token) = token {
        request = request.header("x-kycdesk-conversation", token);
    }
    status_code(request.send().await.expect("request")).await
}

#[tokio::test]
async fn a_conversation_id_alone_opens_nothing() {
    let server = start(&[]).await;
    let c = new_conversation(&server.base, None).await;
    let (status, _) =
        status_code(post(&server.base, &c.id, Some(&c.token), start_msg("m1"), &[]).await).await;
    assert_eq!(status, 200, "the holder of the token talks");
    let other = new_conversation(&server.base, None).await;
    for (token, expected) in [
        (None, "conversation_token_required"),
        (Some(other.token.as_str()), "conversation_token_invalid"),
        (Some("not-base64!"), "conversation_token_invalid"),
    ] {
        let r = post(&server.base, &c.id, token, start_msg("m2"), &[]).await;
        assert_eq!(status_code(r).await, (403, expected.to_string()));
        assert_eq!(
            transcript(&server, &c.id, token).await,
            (403, expected.to_string())
        );
    }
    assert_eq!(transcript(&server, &c.id, Some(&c.token)).await.0, 200);
    // Ids the server did not issue are not conversations at all.
    for id in ["1", "v_0123456789abcdef", "c_AAAAAAAAAAAAAAAAAAAAAA.."] {
        let r = post(&server.base, id, Some(&c.token), start_msg("m3"), &[]).await;
        assert_eq!(
            status_code(r).await,
            (404, "bad_conversation_id".into()),
            "{id}"
        );
    }
    // `..` (however it is written, the URL resolves it) reaches no conversation either.
    let r = post(&server.base, "%2E%2E", Some(&c.token), start_msg("m3"), &[]).await;
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn a_signed_in_stranger_cannot_take_over_an_anonymous_conversation() {
    let server = start(&[]).await;
    let c = new_conversation(&server.base, None).await;
    let first = post(&server.base, &c.id, Some(&c.token), start_msg("m1"), &[]).await;
    assert_eq!(first.status().as_u16(), 200);
    let first: Value = first.json().await.expect("json");
    let evil = identity("u_evil", 600);
    // With the id alone (the earlier attack), a valid identity gets nowhere.
    let r = post(
        &server.base,
        &c.id,
        None,
        start_msg("m2"),
        &[("x-kycdesk-identity", &evil)],
    )
    .await;
    assert_eq!(
        status_code(r).await,
        (403, "conversation_token_required".into())
    );
    // The real visitor's retry of an acknowledged message still gets its first answer.
    let again = post(&server.base, &c.id, Some(&c.token), start_msg("m1"), &[]).await;
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again, first);
}

#[tokio::test]
async fn two_first_writers_cannot_both_win() {
    let server = start(&[("KYCDESK_RATE_FAILED_CHECKS", "1000/1000")]).await;
    let (alice, bob) = (identity("u_alice", 600), identity("u_bob", 600));
    for round in 0..20 {
        // Even if the token leaked to a second signed-in user, one owner is decided, once.
        let c = new_conversation(&server.base, None).await;
        let (as_alice, as_bob) = (
            [("x-kycdesk-identity", alice.as_str())],
            [("x-kycdesk-identity", bob.as_str())],
        );
        let (a, b) = tokio::join!(
            post(
                &server.base,
                &c.id,
                Some(&c.token),
                start_msg("a"),
                &as_alice
            ),
            post(&server.base, &c.id, Some(&c.token), start_msg("b"), &as_bob),
        );
        let mut outcomes = vec![status_code(a).await, status_code(b).await];
        outcomes.sort();
        assert_eq!(
            outcomes,
            vec![
                (200, String::new()),
                (403, "conversation_of_another_user".into())
            ],
            "round {round}"
        );
    }
}

#[tokio::test]
async fn a_conversation_linked_to_a_user_is_theirs_alone_and_outlives_one_token() {
    let server = start(&[]).await;
    let alice = identity("u_alice", 600);
    let c = new_conversation(&server.base, Some(&alice)).await;
    let with = |token: &str| vec![("x-kycdesk-identity".to_string(), token.to_string())];
    let send = |client_id: &'static str, token: String, c: Issued| {
        let base = server.base.clone();
        async move {
            let headers = with(&token);
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            status_code(post(&base, &c.id, Some(&c.token), start_msg(client_id), &headers).await)
                .await
        }
    };
    assert_eq!(send("m1", alice.clone(), c.clone()).await.0, 200);
    // Without her identity, or with someone else's, the holder of the token is refused.
    let anonymous = post(&server.base, &c.id, Some(&c.token), start_msg("m2"), &[]).await;
    assert_eq!(
        status_code(anonymous).await,
        (403, "conversation_of_another_user".into())
    );
    assert_eq!(
        send("m3", identity("u_mallory", 600), c.clone()).await,
        (403, "conversation_of_another_user".into())
    );
    // Her token expires; a fresh one from the wallet continues the same conversation.
    assert_eq!(
        send("m4", identity("u_alice", -5), c.clone()).await,
        (403, "identity_expired".into())
    );
    assert_eq!(send("m5", identity("u_alice", 300), c.clone()).await.0, 200);
    // A token that would live for a month is not accepted at all.
    assert_eq!(
        send("m6", identity("u_alice", 30 * 86_400), c.clone()).await,
        (403, "identity_lifetime_too_long".into())
    );
}

async fn next_json(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
) -> Option<Value> {
    let next = tokio::time::timeout(Duration::from_secs(30), ws.next())
        .await
        .ok()??;
    match next.ok()? {
        Message::Text(t) => serde_json::from_str(&t).ok(),
        _ => None,
    }
}

#[tokio::test]
async fn the_socket_url_carries_no_secret_and_the_first_frame_must_authenticate() {
    let server = start(&[]).await;
    let alice = identity("u_alice", 600);
    let c = new_conversation(&server.base, Some(&alice)).await;
    let first = post(
        &server.base,
        &c.id,
        Some(&c.token),
        start_msg("m0"),
        &[("x-kycdesk-identity", &alice)],
    )
    .await;
    assert_eq!(first.status().as_u16(), 200);
    let url = format!(
        "{}/api/v1/conversations/{}/ws",
        server.base.replace("http", "ws"),
        c.id
    );
    // An identity in the URL (the old way) opens nothing: the socket waits for its auth frame.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{url}?identity={alice}"))
        .await
        .expect("connect");
    ws.send(Message::Text(
        json!({"type": "message", "client_id": "w1", "start": true})
            .to_string()
            .into(),
    ))
    .await
    .expect("send");
    let refused = next_json(&mut ws).await.expect("an answer");
    assert_eq!(refused["code"], "auth_required");
    // The right conversation token without her identity: the conversation is hers.
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let auth = json!({"type": "auth", "conversation_token": c.token}).to_string();
    ws.send(Message::Text(auth.into())).await.expect("send");
    let refused = next_json(&mut ws).await.expect("an answer");
    assert_eq!(refused["code"], "conversation_of_another_user");
    // Token and identity: ready, then messages work; a fresh identity renews the session.
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let auth = json!({"type": "auth", "conversation_token": c.token, "identity": alice});
    ws.send(Message::Text(auth.to_string().into()))
        .await
        .expect("send");
    assert_eq!(next_json(&mut ws).await.expect("ready")["type"], "ready");
    ws.send(Message::Text(
        json!({"type": "message", "client_id": "w2", "start": true})
            .to_string()
            .into(),
    ))
    .await
    .expect("send");
    assert_eq!(next_json(&mut ws).await.expect("turn")["type"], "turn");
    let renewed = json!({"type": "auth", "conversation_token": c.token, "identity": identity("u_alice", 900)});
    ws.send(Message::Text(renewed.to_string().into()))
        .await
        .expect("send");
    assert_eq!(next_json(&mut ws).await.expect("ready")["type"], "ready");
    let stranger = json!({"type": "auth", "conversation_token": c.token, "identity": identity("u_mallory", 900)});
    ws.send(Message::Text(stranger.to_string().into()))
        .await
        .expect("send");
    assert_eq!(
        next_json(&mut ws).await.expect("refused")["code"],
        "conversation_of_another_user"
    );
}

#[tokio::test]
async fn a_socket_is_closed_when_its_identity_expires() {
    let server = start(&[]).await;
    let alice = identity("u_alice", 2);
    let c = new_conversation(&server.base, Some(&alice)).await;
    let mut ws = socket(&server, &c, Some(&alice)).await;
    // Nothing else is sent: the next thing the server says is that the identity ran out.
    assert_eq!(
        next_json(&mut ws).await.expect("expiry")["code"],
        "identity_expired"
    );
}

/// Reads until the server closes the connection; `true` if it did (within a generous bound
/// that only stops a broken server from hanging the test).
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .unwrap_or(false)
}

#[tokio::test]
async fn a_client_that_sends_its_headers_slowly_is_cut_off() {
    let server = start(&[("KYCDESK_HEADER_TIMEOUT_MS", "300")]).await;
    // Half a request, then nothing (slowloris).
    let mut slow = TcpStream::connect(server.addr).await.expect("connect");
    slow.write_all(b"POST /api/v1/conversations HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    assert!(
        closed_by_server(&mut slow).await,
        "a half-sent request is closed"
    );
    // A connection that never sends anything.
    let mut silent = TcpStream::connect(server.addr).await.expect("connect");
    assert!(
        closed_by_server(&mut silent).await,
        "a silent connection is closed"
    );
    // The server goes on answering.
    let health = reqwest::get(format!("{}/healthz", server.base))
        .await
        .expect("health");
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn one_client_holds_a_bounded_number_of_connections() {
    let server = start(&[("KYCDESK_MAX_CONNECTIONS_PER_CLIENT", "4")]).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    // The fifth is closed at once, without an answer.
    let mut extra = TcpStream::connect(server.addr).await.expect("connect");
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), extra.read_to_end(&mut buf)).await;
    assert!(buf.is_empty(), "no answer on a connection over the cap");
    // When one is given back, a new one is served.
    drop(held.pop());
    let mut answered = false;
    for _ in 0..50 {
        let mut again = TcpStream::connect(server.addr).await.expect("connect");
        let _ = again
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await;
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), again.read_to_end(&mut buf)).await;
        if buf.starts_with(b"HTTP/1.1 200") {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(answered, "a freed slot serves again");
}

/// Sends a photo upload's headers and a sliver of its body, then waits for the answer.
async fn upload_headers_only(server: &Server, id: &str, token: &str, declared: usize) -> String {
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/conversations/{id}/photo HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n\
         X-Client-Id: p1\r\nX-Kycdesk-Conversation: {token}\r\nContent-Length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(&[0xFF, 0xD8, 0xFF]).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
        .await
        .expect("an answer before the body is sent")
        .expect("read");
    String::from_utf8_lossy(&buf[..n]).to_string()
}

#[tokio::test]
async fn identity_and_size_are_checked_before_a_body_is_read() {
    let server = start(&[]).await;
    let c = new_conversation(&server.base, None).await;
    let answer = upload_headers_only(&server, &c.id, "wrong-token", 9_000_000).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("conversation_token_invalid"));
    let answer = upload_headers_only(&server, &c.id, &c.token, 11 * 1024 * 1024).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn limits_follow_the_client_behind_a_trusted_proxy_and_ignore_anyone_elses_header() {
    let behind_proxy = start(&[
        ("KYCDESK_TRUSTED_PROXIES", "127.0.0.1"),
        ("KYCDESK_RATE_IP", "0.01/2"),
    ])
    .await;
    let get = |base: String, forwarded: &'static str| async move {
        reqwest::Client::new()
            .get(format!(
                "{base}/api/v1/conversations/c_AAAAAAAAAAAAAAAAAAAAAA/transcript"
            ))
            .header("x-forwarded-for", forwarded)
            .send()
            .await
            .expect("request")
            .status()
            .as_u16()
    };
    let base = behind_proxy.base.clone();
    // Two allowed per client; the third of one client is limited, another client is not.
    assert_ne!(get(base.clone(), "203.0.113.1").await, 429);
    assert_ne!(get(base.clone(), "203.0.113.1").await, 429);
    assert_eq!(get(base.clone(), "203.0.113.1").await, 429);
    assert_ne!(get(base.clone(), "203.0.113.2").await, 429);
    // The client cannot pick a fresh address by writing its own entry in front.
    assert_eq!(get(base.clone(), "198.51.100.7, 203.0.113.1").await, 429);
    // Without a trusted proxy the header means nothing: everyone here is 127.0.0.1.
    let direct = start(&[("KYCDESK_RATE_IP", "0.01/2")]).await;
    let base = direct.base.clone();
    assert_ne!(get(base.clone(), "203.0.113.1").await, 429);
    assert_ne!(get(base.clone(), "203.0.113.2").await, 429);
    assert_eq!(get(base.clone(), "203.0.113.3").await, 429);
}

#[tokio::test]
async fn guessing_tokens_is_limited() {
    let server = start(&[]).await;
    let c = new_conversation(&server.base, None).await;
    let mut answers = Vec::new();
    for i in 0..12 {
        let forged = format!("{SECRET}-guess-{i}");
        let r = post(&server.base, &c.id, Some(&forged), start_msg("m"), &[]).await;
        answers.push(r.status().as_u16());
    }
    assert_eq!(&answers[..10], &[403; 10]);
    assert_eq!(&answers[10..], &[429, 429], "{answers:?}");
    let r = post(
        &server.base,
        &c.id,
        Some(&"x".repeat(43)),
        start_msg("m"),
        &[],
    )
    .await;
    assert!(r.headers().get("retry-after").is_some());
    // The guesser's address may be an office's or a carrier's: the right token still works.
    let r = post(&server.base, &c.id, Some(&c.token), start_msg("m"), &[]).await;
    assert_eq!(r.status().as_u16(), 200);
    // Forged identities count the same way.
    let other = start(&[]).await;
    let c = new_conversation(&other.base, None).await;
    let forged = identity("u_alice", 600).replace("u_alice", "u_admin");
    let mut last = 0;
    for _ in 0..11 {
        let r = post(
            &other.base,
            &c.id,
            Some(&c.token),
            start_msg("m"),
            &[("x-kycdesk-identity", &forged)],
        )
        .await;
        last = r.status().as_u16();
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn new_conversations_are_limited_per_address_and_per_user() {
    let server = start(&[
        ("KYCDESK_NEW_CONVERSATIONS_PER_ADDRESS", "3"),
        ("KYCDESK_NEW_CONVERSATIONS_PER_USER", "2"),
    ])
    .await;
    let alice = identity("u_alice", 600);
    assert_eq!(
        create(&server.base, Some(&alice)).await.status().as_u16(),
        201
    );
    assert_eq!(
        create(&server.base, Some(&alice)).await.status().as_u16(),
        201
    );
    assert_eq!(
        status_code(create(&server.base, Some(&alice)).await).await,
        (429, "rate_limited".into()),
        "a user's allowance"
    );
    assert_eq!(create(&server.base, None).await.status().as_u16(), 201);
    assert_eq!(
        create(&server.base, None).await.status().as_u16(),
        429,
        "the address's allowance"
    );
}

#[tokio::test]
async fn one_conversation_cannot_grow_the_data_without_bound() {
    let server = start(&[("KYCDESK_CONVERSATION_QUOTA_KB", "16")]).await;
    let c = new_conversation(&server.base, None).await;
    let long = "我的认证一直失败 ".repeat(200);
    let mut outcomes = Vec::new();
    for i in 0..20 {
        let r = post(
            &server.base,
            &c.id,
            Some(&c.token),
            json!({"client_id": format!("m{i}"), "text": long}),
            &[],
        )
        .await;
        outcomes.push(status_code(r).await);
    }
    let accepted = outcomes.iter().take_while(|(s, _)| *s == 200).count();
    assert!(accepted >= 2, "{outcomes:?}");
    assert!(
        outcomes[accepted..]
            .iter()
            .all(|o| *o == (409, "conversation_full".to_string())),
        "{outcomes:?}"
    );
    assert!(accepted < 20, "the quota bites");
    // A new conversation works.
    let fresh = new_conversation(&server.base, None).await;
    let r = post(
        &server.base,
        &fresh.id,
        Some(&fresh.token),
        start_msg("s"),
        &[],
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_the_origin_is_configured() {
    let server = start(&[("KYCDESK_PUBLIC_ORIGIN", "https://kyc.example.com")]).await;
    for path in [
        "/no-such-page",
        "/",
        "/demo.js",
        "/api/v1/conversations/x/transcript",
    ] {
        let r = reqwest::get(format!("{}{path}", server.base))
            .await
            .expect("get");
        let headers = r.headers();
        for name in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
        ] {
            assert!(headers.get(name).is_some(), "{path} lacks {name}");
        }
    }
    // Outside demo mode the demo page does not exist.
    let demo = reqwest::get(format!("{}/?demo_user=1", server.base))
        .await
        .expect("get");
    assert_eq!(demo.status().as_u16(), 404);
    // DNS rebinding: Origin equal to Host is not enough.
    let host = server.addr.to_string();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/conversations", server.base))
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .expect("post");
    assert_eq!(status_code(r).await, (403, "origin_not_allowed".into()));
    for origin in ["https://kyc.example.com", "https://wallet.example.com"] {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/conversations", server.base))
            .header("origin", origin)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status().as_u16(), 201, "{origin}");
    }
}

#[tokio::test]
async fn a_widget_turn_with_no_open_socket_does_not_hold_up_the_outbox() {
    let server = start(&[]).await;
    let store = server.state.runtime.store().clone();
    for i in 0..300 {
        let key =
            kycdesk::store::ConversationKey::new("widget", &format!("c_idle{i}")).expect("key");
        let mut inbound = kycdesk::runtime::Inbound::new(
            kycdesk::runtime::Content::Start,
            kycdesk::i18n::Lang::ZhCn,
        );
        inbound.delivery = kycdesk::runtime::Delivery::Outbox;
        server
            .state
            .runtime
            .handle(&key, inbound, chrono::Utc::now())
            .await
            .expect("stored");
    }
    let mut deliverer = kycdesk::runtime::outbox::Deliverer::new(store.clone())
        .with_outlet("widget", server.state.hub.clone());
    let mut delivered = 0;
    for _ in 0..3 {
        delivered += deliverer.pass().await;
    }
    assert_eq!(
        delivered, 300,
        "every item counts as delivered: it is in the history"
    );
}

#[tokio::test]
async fn webhook_attempts_are_limited_and_answered_with_the_security_headers() {
    let server = start(&[
        ("KYCDESK_WEBHOOK_SECRET", "hook-secret"),
        ("KYCDESK_RATE_WEBHOOK", "0.01/3"),
    ])
    .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = reqwest::Client::new()
            .post(format!("{}/hooks/case-updated", server.base))
            .header("x-timestamp", chrono::Utc::now().timestamp().to_string())
            .header("x-signature", "sha256=00")
            .body(r#"{"case_id": "KYC-20240611-000123", "status": "approved"}"#)
            .send()
            .await
            .expect("post");
        assert!(
            r.headers().get("content-security-policy").is_some()
                && r.headers().get("x-content-type-options").is_some(),
            "the webhook's answers carry the security headers"
        );
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, vec![401, 401, 401, 429]);
}

#[tokio::test]
async fn readiness_tells_the_truth_about_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = kycdesk::store::SledStore::open(dir.path()).expect("store");
    let runtime = common::runtime_with(Arc::new(kycdesk::runtime::StandIns), store.clone());
    let state = WidgetState::new(
        runtime,
        IdentityVerifier::new(Some(SECRET.as_bytes().to_vec()), false),
        kycdesk::channel::widget::access::ConversationAccess::derived_from(SECRET.as_bytes()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(listener::serve(
        listener,
        kycdesk::serve::app(state.clone(), None),
        ConnectionLimits::default(),
        std::future::pending(),
    ));
    let ready = || async {
        reqwest::get(format!("{base}/readyz"))
            .await
            .expect("readyz")
            .status()
            .as_u16()
    };
    assert_eq!(ready().await, 200);
    // The disk fails: a turn cannot be stored, and readiness says so.
    store.inject_io_failure();
    let c = state.access.issue();
    let r = post(
        &base,
        &c.conversation_id,
        Some(&c.conversation_token),
        start_msg("m1"),
        &[],
    )
    .await;
    assert_eq!(status_code(r).await, (503, "not_stored".into()));
    assert_eq!(ready().await, 503);
    // Space returns: the store recovers inside the running process.
    store.end_io_failure();
    let mut recovered = false;
    for _ in 0..200 {
        if ready().await == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(recovered, "ready again without a restart");
    let r = post(
        &base,
        &c.conversation_id,
        Some(&c.conversation_token),
        start_msg("m1"),
        &[],
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
}

/// A 12 MP photo of a card on wood: what a phone sends, and real work to check.
fn large_photo() -> Vec<u8> {
    let corners = synthetic::card_corners((2000.0, 1500.0), 2400.0, 3.0);
    synthetic::jpeg(
        &synthetic::scene(4000, 3000, synthetic::Background::Wood, corners),
        90,
    )
}

/// Writes a whole photo upload on a raw connection and returns it, the answer unread.
async fn upload(
    addr: SocketAddr,
    c: &kycdesk::channel::widget::access::IssuedConversation,
    photo: &[u8],
) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/conversations/{}/photo HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n\
         X-Client-Id: p1\r\nX-Kycdesk-Conversation: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        c.conversation_id,
        c.conversation_token,
        photo.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(photo).await.expect("write");
    stream
}

#[test]
fn health_is_answered_while_eight_large_photos_are_being_checked() {
    // The server runs on ONE thread: were photo checks run on it, nothing else could be
    // answered until they were done.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let actions = Arc::new(kycdesk::runtime::BotActions::new(
                kycdesk::photo::PhotoConfig::default(),
            ));
            let server = start_with(&[], actions).await;
            let _ = ready_tx.send((server.addr, server.state.access.clone()));
            std::future::pending::<()>().await;
            drop(server);
        });
    });
    let (addr, access) = ready_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server started");
    let photo = large_photo();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let mut uploads = Vec::new();
        for _ in 0..8 {
            uploads.push(upload(addr, &access.issue(), &photo).await);
        }
        let (events, mut order) = tokio::sync::mpsc::unbounded_channel();
        for (i, mut stream) in uploads.into_iter().enumerate() {
            let events = events.clone();
            tokio::spawn(async move {
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer).await;
                let _ = events.send(format!(
                    "photo {i}: {}",
                    String::from_utf8_lossy(&answer[..answer.len().min(12)])
                ));
            });
        }
        let health = reqwest::Client::new()
            .get(format!("http://{addr}/healthz"))
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .expect("health")
            .status()
            .as_u16();
        let _ = events.send(format!("health {health}"));
        drop(events);
        let mut seen = Vec::new();
        while let Some(event) = order.recv().await {
            seen.push(event);
        }
        assert_eq!(seen.len(), 9, "{seen:?}");
        assert_eq!(seen[0], "health 200", "health came first: {seen:?}");
        assert!(
            seen[1..].iter().all(|e| e.contains("HTTP/1.1 200")),
            "every photo was checked and answered: {seen:?}"
        );
    });
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// An authenticated socket of conversation `c`.
async fn socket(server: &Server, c: &Issued, identity: Option<&str>) -> Socket {
    let url = format!(
        "{}/api/v1/conversations/{}/ws",
        server.base.replace("http", "ws"),
        c.id
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let mut auth = json!({"type": "auth", "conversation_token": c.token});
    if let Some(identity) = identity {
        auth["identity"] = json!(identity);
    }
    ws.send(Message::Text(auth.to_string().into()))
        .await
        .expect("auth");
    assert_eq!(next_json(&mut ws).await.expect("ready")["type"], "ready");
    ws
}

#[tokio::test]
async fn open_sockets_count_against_the_connection_caps_and_are_forgotten_when_closed() {
    let server = start(&[("KYCDESK_MAX_CONNECTIONS_PER_CLIENT", "2")]).await;
    let c = new_conversation(&server.base, None).await;
    let first = socket(&server, &c, None).await;
    let second = socket(&server, &c, None).await;
    assert_eq!(server.state.hub.conversations(), 1);
    // Two upgraded sockets hold both places: a third connection gets no answer.
    let mut extra = TcpStream::connect(server.addr).await.expect("connect");
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), extra.read_to_end(&mut buf)).await;
    assert!(buf.is_empty(), "sockets count as connections");
    drop(first);
    drop(second);
    let mut forgotten = false;
    for _ in 0..200 {
        if server.state.hub.conversations() == 0 {
            forgotten = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(forgotten, "closed sockets are forgotten");
}

#[tokio::test]
async fn an_anonymous_socket_gets_nothing_once_a_user_has_signed_in_to_the_conversation() {
    let server = start(&[]).await;
    let c = new_conversation(&server.base, None).await;
    let r = post(&server.base, &c.id, Some(&c.token), start_msg("m1"), &[]).await;
    assert_eq!(r.status().as_u16(), 200);
    let mut anonymous = socket(&server, &c, None).await;
    // The visitor signs in on the page: the conversation becomes u_alice's.
    let alice = identity("u_alice", 600);
    let r = post(
        &server.base,
        &c.id,
        Some(&c.token),
        start_msg("m2"),
        &[("x-kycdesk-identity", &alice)],
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    // A follow-up for her is pushed: the old anonymous socket is closed instead of told.
    let key = kycdesk::store::ConversationKey::new("widget", &c.id).expect("key");
    let mut inbound = kycdesk::runtime::Inbound::new(
        kycdesk::runtime::Content::Text("/menu".into()),
        kycdesk::i18n::Lang::ZhCn,
    );
    inbound.delivery = kycdesk::runtime::Delivery::Outbox;
    inbound.user_ref = Some("u_alice".into());
    server
        .state
        .runtime
        .handle(&key, inbound, chrono::Utc::now())
        .await
        .expect("stored");
    let mut deliverer =
        kycdesk::runtime::outbox::Deliverer::new(server.state.runtime.store().clone())
            .with_outlet("widget", server.state.hub.clone());
    deliverer.pass().await;
    let frame = next_json(&mut anonymous).await.expect("a frame");
    assert_eq!(frame["code"], "conversation_of_another_user", "{frame}");
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_as_too_large() {
    let server = start(&[]).await;
    let c = new_conversation(&server.base, None).await;
    // No Content-Length to refuse from: the limit is found while reading.
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let chunk = "x".repeat(70 * 1024);
    let request = format!(
        "POST /api/v1/conversations/{}/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         X-Kycdesk-Conversation: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {:x}\r\n{chunk}\r\n0\r\n\r\n",
        c.id,
        c.token,
        chunk.len()
    );
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");
}
