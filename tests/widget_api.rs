//! The widget's API over real HTTP: origins, identity tokens, size and type limits, rate limits,
//! and a WebSocket that can drop and resume without losing or repeating messages.

mod common;

use std::sync::Arc;

use common::widget::{Issued, new_conversation};
use futures::{SinkExt, StreamExt};
use kycdesk::channel::limits::{LimitSettings, Limits, Rate};
use kycdesk::channel::listener::{self, ConnectionLimits};
use kycdesk::channel::widget::WidgetState;
use kycdesk::channel::widget::access::ConversationAccess;
use kycdesk::channel::widget::guard::AllowedOrigins;
use kycdesk::channel::widget::identity::IdentityVerifier;
use kycdesk::runtime::outbox::Deliverer;
use kycdesk::store::ConversationKey;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

struct App {
    base: String,
    state: WidgetState,
    _dir: tempfile::TempDir,
}

async fn app(enforce: bool, per_visitor: (f64, u32)) -> App {
    let (runtime, dir) = common::runtime();
    let mut state = WidgetState::new(
        runtime,
        IdentityVerifier::new(Some(b"test-secret".to_vec()), enforce),
        ConversationAccess::derived_from(b"test-secret"),
    );
    state.origins = AllowedOrigins::parse("https://wallet.example.com");
    state.limits = Arc::new(Limits::new(&LimitSettings {
        per_conversation: Rate::new(per_visitor.0, per_visitor.1),
        ..LimitSettings::default()
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = kycdesk::serve::app(state.clone(), None);
    tokio::spawn(listener::serve(
        listener,
        router,
        ConnectionLimits::default(),
        std::future::pending(),
    ));
    App {
        base: format!("http://{addr}"),
        state,
        _dir: dir,
    }
}

fn token(user: &str, expires_in: i64) -> String {
    IdentityVerifier::new(Some(b"test-secret".to_vec()), true)
        .issue(user, chrono::Utc::now().timestamp() + expires_in)
        .expect("token")
}

async fn post(app: &App, c: &Issued, body: Value, headers: &[(&str, &str)]) -> reqwest::Response {
    common::widget::post(&app.base, &c.id, Some(&c.token), body, headers).await
}

async fn code(response: reqwest::Response) -> (u16, String) {
    common::widget::status_code(response).await
}

#[tokio::test]
async fn origins_are_checked_and_cors_answers_the_allowed_ones() {
    let app = app(false, (100.0, 100)).await;
    let o1 = new_conversation(&app.base, None).await;
    let body = json!({"client_id": "a1", "start": true});
    let (status, code_) = code(
        post(
            &app,
            &o1,
            body.clone(),
            &[("origin", "https://evil.example")],
        )
        .await,
    )
    .await;
    assert_eq!((status, code_.as_str()), (403, "origin_not_allowed"));
    let ok = post(&app, &o1, body, &[("origin", "https://wallet.example.com")]).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://wallet.example.com")
    );
    assert!(ok.headers().get("content-security-policy").is_some());
    assert_eq!(
        ok.headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    // The WebSocket handshake is checked too (CORS does not cover it).
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "{}/api/v1/conversations/{}/ws",
            app.base.replace("http", "ws"),
            o1.id
        ))
        .expect("request");
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().expect("header"));
    assert!(
        tokio_tungstenite::connect_async(request).await.is_err(),
        "bad origin refused"
    );
}

#[tokio::test]
async fn identity_tokens_link_the_user_and_bad_ones_are_refused() {
    let app = app(true, (100.0, 100)).await;
    let good = token("u_demo", 600);
    let i1 = new_conversation(&app.base, Some(&good)).await;
    let body = json!({"client_id": "i1", "start": true});
    let (status, c) = code(post(&app, &i1, body.clone(), &[]).await).await;
    assert_eq!(
        (status, c.as_str()),
        (403, "identity_required"),
        "enforced: anonymous refused"
    );
    let expired = token("u_demo", -10);
    let (status, c) =
        code(post(&app, &i1, body.clone(), &[("x-kycdesk-identity", &expired)]).await).await;
    assert_eq!((status, c.as_str()), (403, "identity_expired"));
    let forged = token("u_demo", 600).replacen("u_demo", "u_other", 1);
    let (status, c) =
        code(post(&app, &i1, body.clone(), &[("x-kycdesk-identity", &forged)]).await).await;
    assert_eq!((status, c.as_str()), (403, "identity_bad_signature"));
    assert_eq!(
        post(&app, &i1, body, &[("x-kycdesk-identity", &good)])
            .await
            .status(),
        200
    );
    let key = ConversationKey::new("widget", &i1.id).expect("key");
    let stored = app
        .state
        .runtime
        .store()
        .load(&key)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(stored.user_ref.as_deref(), Some("u_demo"));
    // Another user's valid token cannot read or continue this conversation.
    let other = token("u_other", 600);
    let (status, c) = code(
        post(
            &app,
            &i1,
            json!({"client_id": "i2", "text": "hi"}),
            &[("x-kycdesk-identity", &other)],
        )
        .await,
    )
    .await;
    assert_eq!((status, c.as_str()), (403, "conversation_of_another_user"));
}

#[tokio::test]
async fn sizes_types_and_floods_get_specific_answers() {
    let app = app(false, (1.0, 3)).await;
    let s1 = new_conversation(&app.base, None).await;
    let s2 = new_conversation(&app.base, None).await;
    let huge = "x".repeat(100 * 1024);
    let (status, _) =
        code(post(&app, &s1, json!({"client_id": "s1", "text": huge}), &[]).await).await;
    assert_eq!(status, 413);
    let wrong_type = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/conversations/{}/messages",
            app.base, s2.id
        ))
        .header("x-kycdesk-conversation", &s2.token)
        .header("content-type", "text/plain")
        .body("{\"client_id\":\"x\",\"text\":\"hi\"}")
        .send()
        .await
        .expect("request");
    assert_eq!(wrong_type.status(), 415);
    let photo_type = reqwest::Client::new()
        .post(format!("{}/api/v1/conversations/{}/photo", app.base, s2.id))
        .header("x-kycdesk-conversation", &s2.token)
        .header("content-type", "application/pdf")
        .header("x-client-id", "p1")
        .body(vec![0u8; 100])
        .send()
        .await
        .expect("request");
    assert_eq!(photo_type.status(), 415);
    let bad_json = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/conversations/{}/messages",
            app.base, s2.id
        ))
        .header("x-kycdesk-conversation", &s2.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(code(bad_json).await.1, "bad_body");
    // A flood from one visitor: three pass, then 429 with Retry-After.
    let flood = new_conversation(&app.base, None).await;
    let mut limited = None;
    for i in 0..6 {
        let r = post(
            &app,
            &flood,
            json!({"client_id": format!("f{i}"), "text": "hi"}),
            &[],
        )
        .await;
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
    }
    let limited = limited.expect("the flood was limited");
    assert!(limited.headers().get("retry-after").is_some());
    assert_eq!(code(limited).await.1, "rate_limited");
    // Other visitors are unaffected.
    let calm = new_conversation(&app.base, None).await;
    assert_eq!(
        post(&app, &calm, json!({"client_id": "c1", "start": true}), &[])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_socket_drops_and_resumes_without_losing_or_repeating() {
    let app = app(false, (100.0, 100)).await;
    let c = new_conversation(&app.base, None).await;
    let url = format!(
        "{}/api/v1/conversations/{}/ws",
        app.base.replace("http", "ws"),
        c.id
    );
    let auth = json!({"type": "auth", "conversation_token": c.token}).to_string();
    let (mut ws, _) = tokio_tungstenite::connect_async(url.clone())
        .await
        .expect("connect");
    ws.send(Message::Text(auth.clone().into()))
        .await
        .expect("auth");
    assert_eq!(next(&mut ws).await["type"], "ready");
    let frame = json!({"type": "message", "client_id": "w1", "button": "sms"}).to_string();
    ws.send(Message::Text(frame.clone().into()))
        .await
        .expect("send");
    let first: Value = match ws.next().await {
        Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("json"),
        other => panic!("no reply: {other:?}"),
    };
    assert_eq!(first["type"], "turn");
    assert!(
        first["turn"]["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("sms_code."))
    );
    drop(ws); // the connection drops (a tunnel, a sleeping phone)
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("reconnect");
    ws.send(Message::Text(auth.into())).await.expect("auth");
    assert_eq!(next(&mut ws).await["type"], "ready");
    // The client resends what it had not seen confirmed: same id, same reply, processed once.
    ws.send(Message::Text(frame.into())).await.expect("send");
    let again: Value = match ws.next().await {
        Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("json"),
        other => panic!("no reply: {other:?}"),
    };
    assert_eq!(again["turn"], first["turn"]);
    let key = ConversationKey::new("widget", &c.id).expect("key");
    let inbound = app
        .state
        .runtime
        .store()
        .transcript(&key)
        .await
        .expect("t")
        .into_iter()
        .filter(|e| e.kind == kycdesk::store::EntryKind::Inbound)
        .count();
    assert_eq!(inbound, 1);
    // A push committed while connected (a follow-up) arrives on the socket, once.
    let mut inbound = kycdesk::runtime::Inbound::new(
        kycdesk::runtime::Content::Text("/menu".into()),
        kycdesk::i18n::Lang::ZhCn,
    );
    inbound.delivery = kycdesk::runtime::Delivery::Outbox;
    app.state
        .runtime
        .handle(&key, inbound, chrono::Utc::now())
        .await
        .expect("stored");
    let mut deliverer = Deliverer::new(app.state.runtime.store().clone())
        .with_outlet("widget", app.state.hub.clone());
    assert_eq!(deliverer.pass().await, 1);
    let pushed: Value = match ws.next().await {
        Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("json"),
        other => panic!("no push: {other:?}"),
    };
    assert_eq!(pushed["type"], "turn");
    assert_eq!(pushed["turn"]["node"], "menu.start");
    assert_eq!(deliverer.pass().await, 0, "delivered once");
    // A malformed frame gets an error frame, and the socket stays usable.
    ws.send(Message::Text("{oops".into())).await.expect("send");
    let err: Value = match ws.next().await {
        Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("json"),
        other => panic!("no reply: {other:?}"),
    };
    assert_eq!(err["code"], "bad_frame");
}

#[tokio::test]
async fn texts_and_health() {
    let app = app(false, (100.0, 100)).await;
    let health = reqwest::get(format!("{}/healthz", app.base))
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let texts: Value = reqwest::get(format!("{}/api/v1/widget/texts?lang=en", app.base))
        .await
        .expect("texts")
        .json()
        .await
        .expect("json");
    assert_eq!(texts["lang"], "en");
    assert!(texts["texts"].is_object());
}

async fn next(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    match ws.next().await {
        Some(Ok(Message::Text(t))) => serde_json::from_str(&t).expect("json"),
        other => panic!("no frame: {other:?}"),
    }
}
