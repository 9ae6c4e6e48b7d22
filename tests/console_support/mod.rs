//! Shared by the console tests: a console over a fresh store and desk, mounted at `/console` as
//! the server mounts it, called in-process with a peer address of our choosing, on a clock the
//! test moves. Test files declare `mod common;` before `mod console_support;`.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use kycdesk::console::{Clock, ConsoleSettings, ConsoleState, password};
use kycdesk::handoff::presence::Presence;
use kycdesk::i18n::Lang;
use kycdesk::runtime::desk::Desk;
use kycdesk::runtime::{Content, Inbound, StandIns};
use kycdesk::store::{Agent, AgentRole, ConversationKey, SledStore, Store};
use serde_json::Value;
use tower::ServiceExt;

pub const PASSWORD: &str = "a long enough password 1";

pub fn start() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000, 0).expect("time")
}

pub struct Console {
    pub app: Router,
    pub state: ConsoleState,
    pub desk: Desk,
    pub clock: Clock,
    pub store: Arc<dyn Store>,
    pub _dir: tempfile::TempDir,
}

/// An answer: status, headers, body (JSON when it is JSON, else the text as a JSON string).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.json["error"].as_str().unwrap_or("")
    }

    /// Every `Set-Cookie` of the answer.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("ascii").to_string())
            .collect()
    }
}

/// An agent signed in: the cookie to send and the CSRF token.
#[derive(Debug, Clone)]
pub struct Signed {
    pub cookie: String,
    pub csrf: String,
}

/// One request to make.
pub struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    pub signed: Option<&'a Signed>,
    pub csrf: Option<String>,
    pub peer: SocketAddr,
    pub headers: Vec<(&'static str, String)>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_string(),
            body: None,
            signed: None,
            csrf: None,
            peer: "198.51.100.20:40000".parse().expect("addr"),
            headers: Vec::new(),
        }
    }

    pub fn get(path: &str) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: &str) -> Self {
        Self::new(Method::POST, path)
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Signed in, with the session's CSRF token.
    pub fn signed(mut self, signed: &'a Signed) -> Self {
        self.signed = Some(signed);
        self.csrf = Some(signed.csrf.clone());
        self
    }

    /// Signed in, without (or with another) CSRF token.
    pub fn signed_with_csrf(mut self, signed: &'a Signed, csrf: Option<&str>) -> Self {
        self.signed = Some(signed);
        self.csrf = csrf.map(str::to_string);
        self
    }

    pub fn from(mut self, peer: &str) -> Self {
        self.peer = peer.parse().expect("addr");
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }
}

impl Console {
    pub async fn new() -> Self {
        Self::with(ConsoleSettings::default(), "", "").await
    }

    /// A console with these settings, trusted proxies and public origin.
    pub async fn with(settings: ConsoleSettings, proxies: &str, public_origin: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<dyn Store> = SledStore::open(dir.path()).expect("store");
        let runtime = crate::common::runtime_with(Arc::new(StandIns), store.clone());
        let desk = Desk::open(runtime).await.expect("desk");
        let clock = Clock::manual(start());
        let proxies =
            kycdesk::channel::client_addr::TrustedProxies::parse(proxies).expect("proxies");
        let state = ConsoleState::new(desk.clone(), settings, proxies, public_origin)
            .with_clock(clock.clone());
        let app = Router::new().nest("/console", kycdesk::console::router(state.clone()));
        Self {
            app,
            state,
            desk,
            clock,
            store,
            _dir: dir,
        }
    }

    /// Writes an account straight to the store.
    pub async fn add_agent(&self, login: &str, role: AgentRole, languages: &[&str]) -> Agent {
        let password_hash = password::hash(PASSWORD).expect("hash");
        let agent = Agent {
            login: login.to_string(),
            display_name: login.to_uppercase(),
            password_hash,
            created_at: start(),
            role,
            languages: languages.iter().map(|l| l.to_string()).collect(),
            capacity: 3,
            disabled: false,
        };
        self.store.save_agent(agent.clone()).await.expect("saved");
        agent
    }

    pub async fn call(&self, call: Call<'_>) -> Answer {
        let mut request = Request::builder().method(call.method).uri(&call.path);
        if let Some(signed) = call.signed {
            request = request.header("cookie", &signed.cookie);
        }
        if let Some(csrf) = &call.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        let body = match &call.body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).expect("request");
        request.extensions_mut().insert(ConnectInfo(call.peer));
        let response = self.app.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    /// A user on the widget asks for a person (an agent serving `lang` must be online); returns
    /// the new ticket's id.
    pub async fn user_asks_for_a_person(&self, conversation: &str, lang: Lang) -> String {
        let key = ConversationKey::new("widget", conversation).expect("key");
        let runtime = self.desk.runtime();
        let now = self.clock.now();
        runtime
            .handle(&key, Inbound::new(Content::Start, lang), now)
            .await
            .expect("start");
        let ask = match lang {
            Lang::En => "I want to talk to a real person",
            Lang::ZhCn => "我要转人工客服",
        };
        let turn = runtime
            .handle(&key, Inbound::new(Content::Text(ask.into()), lang), now)
            .await
            .expect("turn");
        assert!(turn.handoff, "a ticket opened: {:?}", turn.messages);
        let tickets = self.store.tickets(true).await.expect("tickets");
        tickets
            .into_iter()
            .find(|t| t.key == key)
            .map(|t| t.id)
            .expect("the conversation's ticket")
    }

    /// The user writes into their conversation (relayed to the agent while a ticket is open).
    pub async fn user_says(&self, conversation: &str, lang: Lang, text: &str) {
        let key = ConversationKey::new("widget", conversation).expect("key");
        self.desk
            .runtime()
            .handle(
                &key,
                Inbound::new(Content::Text(text.into()), lang),
                self.clock.now(),
            )
            .await
            .expect("turn");
    }

    pub fn online(&self, login: &str) {
        self.desk.set_presence(login, Presence::Online);
    }

    pub async fn login_answer(&self, login: &str, password: &str) -> Answer {
        self.call(
            Call::post("/console/api/login")
                .json(serde_json::json!({ "login": login, "password": password })),
        )
        .await
    }

    /// Signs in; panics unless it works.
    pub async fn login(&self, login: &str) -> Signed {
        let answer = self.login_answer(login, PASSWORD).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        signed_from(&answer)
    }
}

/// The session an answer to a login set.
pub fn signed_from(answer: &Answer) -> Signed {
    let set = answer
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("kycdesk_console="))
        .expect("a session cookie");
    let cookie = set.split(';').next().expect("pair").to_string();
    Signed {
        cookie,
        csrf: answer.json["csrf"].as_str().expect("csrf").to_string(),
    }
}
