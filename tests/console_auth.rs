//! The console's sign-in, sessions, CSRF, throttling, admin guard and headers, over the router
//! mounted as the server mounts it.

mod common;
mod console_support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::{Method, StatusCode};
use chrono::Duration;
use console_support::{Call, Console, PASSWORD, signed_from};
use kycdesk::channel::limits::Rate;
use kycdesk::console::sessions::SessionSettings;
use kycdesk::console::throttle::ThrottleSettings;
use kycdesk::console::{ConsoleSettings, CookieSecure};
use kycdesk::store::AgentRole;
use serde_json::json;

/// Every API route of the console, as (method, path), with a body each POST accepts.
/// (The live socket is tested on its own.)
fn api_routes() -> Vec<(Method, String, serde_json::Value)> {
    vec![
        (Method::POST, "/console/api/logout".into(), json!({})),
        (Method::GET, "/console/api/me".into(), json!(null)),
        (
            Method::GET,
            "/console/api/canned?lang=en".into(),
            json!(null),
        ),
        (
            Method::POST,
            "/console/api/admin/agents".into(),
            json!({"login": "newbie", "display_name": "New", "password": "another long password",
                   "role": "agent", "languages": ["en"], "capacity": 2}),
        ),
        (
            Method::POST,
            "/console/api/admin/agents/bob/disable".into(),
            json!({}),
        ),
        (
            Method::POST,
            "/console/api/admin/agents/bob/enable".into(),
            json!({}),
        ),
        (
            Method::POST,
            "/console/api/admin/agents/bob/password".into(),
            json!({"password": "a brand new password"}),
        ),
        (
            Method::GET,
            "/console/api/admin/audit?limit=5".into(),
            json!(null),
        ),
        (
            Method::GET,
            "/console/api/admin/audit.csv".into(),
            json!(null),
        ),
    ]
}

fn call_for<'a>(method: &Method, path: &str, body: &serde_json::Value) -> Call<'a> {
    let call = Call::new(method.clone(), path);
    if *method == Method::POST {
        call.json(body.clone())
    } else {
        call
    }
}

#[tokio::test]
async fn every_route_refuses_a_caller_without_a_session() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Admin, &["en"]).await;
    let forged = console_support::Signed {
        cookie: "kycdesk_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        csrf: "x".into(),
    };
    for (method, path, body) in api_routes() {
        let answer = console.call(call_for(&method, &path, &body)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(answer.code(), "no_session", "{method} {path}");
        assert!(answer.json["message"].is_string(), "{method} {path}");
        let answer = console
            .call(call_for(&method, &path, &body).signed(&forged))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}, forged cookie"
        );
    }
    // Nothing happened meanwhile.
    assert!(console.store.agent("newbie").await.expect("read").is_none());
}

#[tokio::test]
async fn every_post_needs_the_sessions_csrf_token() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Admin, &["en"]).await;
    console.add_agent("bob", AgentRole::Agent, &["en"]).await;
    let alice = console.login("alice").await;
    let other = console.login("bob").await;
    for (method, path, body) in api_routes().into_iter().filter(|r| r.0 == Method::POST) {
        for csrf in [None, Some("wrong"), Some(other.csrf.as_str())] {
            let answer = console
                .call(call_for(&method, &path, &body).signed_with_csrf(&alice, csrf))
                .await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path} with {csrf:?}");
            assert_eq!(answer.code(), "csrf", "{path}");
        }
    }
    // Nothing happened, and the session still works.
    assert!(console.store.agent("newbie").await.expect("read").is_none());
    assert!(
        !console
            .store
            .agent("bob")
            .await
            .expect("read")
            .expect("bob")
            .disabled
    );
    let me = console
        .call(Call::get("/console/api/me").signed(&alice))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["agent"]["login"], "alice");
    assert_eq!(me.json["csrf"], alice.csrf.as_str());
    // With the token, a POST goes through.
    let out = console
        .call(Call::post("/console/api/logout").signed(&alice))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn each_login_makes_a_new_session_and_ends_the_old_one() {
    let console = Console::new().await;
    console
        .add_agent("alice", AgentRole::Agent, &["zh-CN"])
        .await;
    let first = console.login("alice").await;
    let again = console
        .call(
            Call::post("/console/api/login")
                .json(json!({"login": "alice", "password": PASSWORD}))
                .signed_with_csrf(&first, None),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let second = signed_from(&again);
    assert_ne!(first.cookie, second.cookie);
    assert_ne!(first.csrf, second.csrf);
    let old = console
        .call(Call::get("/console/api/me").signed(&first))
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "the old id is dead");
    let new = console
        .call(Call::get("/console/api/me").signed(&second))
        .await;
    assert_eq!(new.status, StatusCode::OK);
    assert_eq!(
        new.json["agent"],
        json!({"login": "alice", "display_name": "ALICE", "role": "agent",
               "languages": ["zh-CN"], "capacity": 3})
    );
    // Logout ends the session and clears the cookie.
    let out = console
        .call(Call::post("/console/api/logout").signed(&second))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.cookies()
            .iter()
            .any(|c| c.starts_with("kycdesk_console=;") && c.contains("Max-Age=0"))
    );
    let after = console
        .call(Call::get("/console/api/me").signed(&second))
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cookie_attributes_and_secure_per_setting() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let answer = console.login_answer("alice", PASSWORD).await;
    let cookie = answer.cookies().join("\n");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=43200",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP, no proxy: {cookie}");
    let id = signed_from(&answer).cookie;
    let value = id.trim_start_matches("kycdesk_console=");
    assert_eq!(value.len(), 43, "256 bits of base64url");

    // Auto: Secure when a trusted proxy says the browser used TLS, and only then.
    let proxied = Console::with(ConsoleSettings::default(), "10.0.0.0/8", "").await;
    proxied.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let login = |peer: &'static str| {
        Call::post("/console/api/login")
            .json(json!({"login": "alice", "password": PASSWORD}))
            .from(peer)
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-for", "203.0.113.7")
    };
    let via_proxy = proxied.call(login("10.0.0.2:5000")).await;
    assert!(via_proxy.cookies().join("").contains("; Secure"));
    let forged = proxied.call(login("198.51.100.3:5000")).await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(
        !forged.cookies().join("").contains("Secure"),
        "not from our proxy"
    );

    let always = Console::with(
        ConsoleSettings {
            cookie_secure: CookieSecure::Always,
            ..ConsoleSettings::default()
        },
        "",
        "",
    )
    .await;
    always.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let answer = always.login_answer("alice", PASSWORD).await;
    assert!(answer.cookies().join("").contains("; Secure"));
}

#[tokio::test]
async fn strict_headers_on_pages_answers_and_errors() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let signed = console.login("alice").await;
    let calls = [
        Call::get("/console"),
        Call::get("/console/app.js"),
        Call::get("/console/app.css"),
        Call::get("/console/api/me").signed(&signed),
        Call::get("/console/api/me"),
        Call::get("/console/api/nothing-here"),
    ];
    let mut statuses = Vec::new();
    for call in calls {
        let path = call.path.clone();
        let answer = console.call(call).await;
        statuses.push(answer.status.as_u16());
        let h = &answer.headers;
        assert_eq!(
            h.get("content-security-policy")
                .map(|v| v.to_str().expect("ascii")),
            Some(kycdesk::console::routes::CSP),
            "{path}"
        );
        assert!(kycdesk::console::routes::CSP.contains("script-src 'self'"));
        assert!(!kycdesk::console::routes::CSP.contains("unsafe"));
        assert_eq!(
            h.get("x-frame-options").map(|v| v.as_bytes()),
            Some(&b"DENY"[..]),
            "{path}"
        );
        assert_eq!(
            h.get("referrer-policy").map(|v| v.as_bytes()),
            Some(&b"no-referrer"[..])
        );
        assert_eq!(
            h.get("cache-control").map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
        assert_eq!(
            h.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
    }
    assert_eq!(statuses, [200, 200, 200, 200, 401, 404]);
    let page = console.call(Call::get("/console")).await;
    assert!(
        page.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let js = console.call(Call::get("/console/app.js")).await;
    assert!(
        js.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/javascript")
    );
}

#[tokio::test]
async fn failed_logins_lock_the_login_even_for_the_right_password() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    for _ in 0..5 {
        let answer = console.login_answer("alice", "wrong password here").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.code(), "bad_credentials");
    }
    let locked = console.login_answer("alice", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.code(), "locked");
    let wait = locked.json["retry_after_secs"]
        .as_u64()
        .expect("retry_after_secs");
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(locked.cookies().is_empty(), "no session while locked");
    // Another login from the same address is not locked.
    console.add_agent("bob", AgentRole::Agent, &["en"]).await;
    assert_eq!(
        console.login_answer("bob", PASSWORD).await.status,
        StatusCode::OK
    );
    console.clock.advance(Duration::minutes(15));
    let later = console.login_answer("alice", PASSWORD).await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.text);
}

#[tokio::test]
async fn an_address_failing_across_logins_is_throttled() {
    let console = Console::with(
        ConsoleSettings {
            throttle: ThrottleSettings {
                address_failures: 4,
                attempts_per_address: Rate::new(100.0, 1000),
                ..ThrottleSettings::default()
            },
            ..ConsoleSettings::default()
        },
        "10.0.0.1",
        "",
    )
    .await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let attempt = |login: String, password: &'static str, client: &'static str| {
        Call::post("/console/api/login")
            .json(json!({"login": login, "password": password}))
            .from("10.0.0.1:4000")
            .header("x-forwarded-for", client)
    };
    for i in 0..4 {
        let answer = console
            .call(attempt(
                format!("guess{i}"),
                "not the password",
                "203.0.113.50",
            ))
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let refused = console
        .call(attempt("alice".into(), PASSWORD, "203.0.113.50"))
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.code(), "locked");
    let elsewhere = console
        .call(attempt("alice".into(), PASSWORD, "203.0.113.51"))
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::OK,
        "another address behind the same proxy"
    );

    // The rate of attempts per address, good or bad.
    let limited = Console::with(
        ConsoleSettings {
            throttle: ThrottleSettings {
                attempts_per_address: Rate::new(0.001, 3),
                ..ThrottleSettings::default()
            },
            ..ConsoleSettings::default()
        },
        "",
        "",
    )
    .await;
    limited.add_agent("alice", AgentRole::Agent, &["en"]).await;
    for _ in 0..3 {
        assert_eq!(
            limited.login_answer("alice", PASSWORD).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        limited.login_answer("alice", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn unknown_wrong_and_disabled_get_the_same_answer() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let mut carol = console.add_agent("carol", AgentRole::Agent, &["en"]).await;
    carol.disabled = true;
    console.store.save_agent(carol).await.expect("saved");
    let unknown = console.login_answer("nobody", PASSWORD).await;
    let wrong = console.login_answer("alice", "wrong password here").await;
    let disabled = console.login_answer("carol", PASSWORD).await;
    let malformed = console.login_answer("Not A Login!", PASSWORD).await;
    for answer in [&unknown, &wrong, &disabled, &malformed] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.json, unknown.json);
        assert!(answer.cookies().is_empty());
    }
    assert_eq!(unknown.code(), "bad_credentials");
}

/// Everything logged while the tests of this binary run.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || Capture(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        logs
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn passwords_appear_in_no_answer_log_or_audit_record() {
    let logs = captured_logs();
    let console = Console::new().await;
    console
        .add_agent("alice", AgentRole::Admin, &["en", "zh-CN"])
        .await;
    console.add_agent("bob", AgentRole::Agent, &["en"]).await;
    let secrets = [
        PASSWORD,
        "Typed Into Login 7!",
        "wrong password for alice",
        "brand new password for dave",
        "a new password for bob!",
        "short",
    ];
    let mut answers = Vec::new();
    // A password typed into the login field, a wrong password, a right one.
    answers.push(console.login_answer("Typed Into Login 7!", "x").await);
    answers.push(
        console
            .login_answer("alice", "wrong password for alice")
            .await,
    );
    let good = console.login_answer("alice", PASSWORD).await;
    let admin = signed_from(&good);
    answers.push(good);
    answers.push(
        console
            .call(Call::post("/console/api/admin/agents").signed(&admin).json(json!({
                "login": "dave", "display_name": "Dave", "password": "brand new password for dave",
                "role": "agent", "languages": ["en"], "capacity": 2
            })))
            .await,
    );
    answers.push(
        console
            .call(
                Call::post("/console/api/admin/agents/bob/password")
                    .signed(&admin)
                    .json(json!({"password": "a new password for bob!"})),
            )
            .await,
    );
    let weak = console
        .call(
            Call::post("/console/api/admin/agents/bob/password")
                .signed(&admin)
                .json(json!({"password": "short"})),
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert_eq!(weak.code(), "weak_password");
    answers.push(weak);
    let audit = console
        .call(Call::get("/console/api/admin/audit").signed(&admin))
        .await;
    let csv = console
        .call(Call::get("/console/api/admin/audit.csv").signed(&admin))
        .await;
    answers.push(audit);
    answers.push(csv);
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logged.contains("signed in"),
        "logging was captured: {logged}"
    );
    for answer in &answers {
        for secret in secrets {
            assert!(!answer.text.contains(secret), "{secret} in {}", answer.text);
        }
    }
    for secret in &secrets[..5] {
        assert!(!logged.contains(secret), "{secret} logged");
    }
    // The password typed as a login is not in the audit log.
    let audit = &answers[answers.len() - 2].json["entries"];
    let actors: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(actors.contains(&"-"), "{actors:?}");
    assert!(actors.contains(&"alice"), "{actors:?}");
}

#[tokio::test]
async fn admin_routes_refuse_an_agent() {
    let console = Console::new().await;
    console.add_agent("bob", AgentRole::Agent, &["en"]).await;
    console.add_agent("carol", AgentRole::Agent, &["en"]).await;
    let bob = console.login("bob").await;
    for (method, path, body) in api_routes()
        .into_iter()
        .filter(|r| r.1.starts_with("/console/api/admin") || r.1.ends_with("/assign"))
    {
        let path = path.replace("/bob/", "/carol/");
        let answer = console
            .call(call_for(&method, &path, &body).signed(&bob))
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(answer.code(), "forbidden", "{path}");
    }
    let carol = console
        .store
        .agent("carol")
        .await
        .expect("read")
        .expect("carol");
    assert!(!carol.disabled);
    assert!(console.store.agent("newbie").await.expect("read").is_none());
}

#[tokio::test]
async fn a_disabled_agent_or_a_reset_password_ends_sessions_at_once() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Admin, &["en"]).await;
    console.add_agent("bob", AgentRole::Agent, &["en"]).await;
    let admin = console.login("alice").await;
    let bob = console.login("bob").await;
    let bob_again = console.login("bob").await;
    let disable = console
        .call(Call::post("/console/api/admin/agents/bob/disable").signed(&admin))
        .await;
    assert_eq!(disable.status, StatusCode::OK);
    for session in [&bob, &bob_again] {
        let me = console
            .call(Call::get("/console/api/me").signed(session))
            .await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        console.login_answer("bob", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let enable = console
        .call(Call::post("/console/api/admin/agents/bob/enable").signed(&admin))
        .await;
    assert_eq!(enable.status, StatusCode::OK);
    let bob = console.login("bob").await;

    // Disabled straight in the store (another instance, the command line): refused as well.
    let mut stored = console
        .store
        .agent("bob")
        .await
        .expect("read")
        .expect("bob");
    stored.disabled = true;
    console
        .store
        .save_agent(stored.clone())
        .await
        .expect("saved");
    let me = console
        .call(Call::get("/console/api/me").signed(&bob))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    stored.disabled = false;
    console.store.save_agent(stored).await.expect("saved");

    // A password set outside the console (the command line, another instance) ends it too.
    let bob = console.login("bob").await;
    let mut stored = console
        .store
        .agent("bob")
        .await
        .expect("read")
        .expect("bob");
    stored.password_hash =
        kycdesk::console::password::hash("set from the command line").expect("hash");
    console.store.save_agent(stored).await.expect("saved");
    let me = console
        .call(Call::get("/console/api/me").signed(&bob))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let bob = console
        .login_answer("bob", "set from the command line")
        .await;
    assert_eq!(bob.status, StatusCode::OK);
    let bob = signed_from(&bob);
    let reset = console
        .call(
            Call::post("/console/api/admin/agents/bob/password")
                .signed(&admin)
                .json(json!({"password": "the newest password"})),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    let me = console
        .call(Call::get("/console/api/me").signed(&bob))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        console.login_answer("bob", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        console
            .login_answer("bob", "the newest password")
            .await
            .status,
        StatusCode::OK
    );
    // An admin cannot disable themselves; unknown agents are named.
    let own = console
        .call(Call::post("/console/api/admin/agents/alice/disable").signed(&admin))
        .await;
    assert_eq!((own.status, own.code()), (StatusCode::CONFLICT, "self"));
    let nobody = console
        .call(Call::post("/console/api/admin/agents/nobody/disable").signed(&admin))
        .await;
    assert_eq!(
        (nobody.status, nobody.code()),
        (StatusCode::NOT_FOUND, "no_such_agent")
    );
}

#[tokio::test]
async fn sessions_end_after_idle_time_and_at_the_absolute_limit() {
    let console = Console::with(
        ConsoleSettings {
            sessions: SessionSettings {
                idle: Duration::minutes(30),
                absolute: Duration::hours(2),
                max_sessions: 100,
            },
            ..ConsoleSettings::default()
        },
        "",
        "",
    )
    .await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let signed = console.login("alice").await;
    console.clock.advance(Duration::minutes(29));
    let me = console
        .call(Call::get("/console/api/me").signed(&signed))
        .await;
    assert_eq!(me.status, StatusCode::OK, "used within 30 minutes");
    console.clock.advance(Duration::minutes(30));
    let me = console
        .call(Call::get("/console/api/me").signed(&signed))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "idle for 30 minutes");
    assert_eq!(me.code(), "no_session");

    let busy = console.login("alice").await;
    for _ in 0..7 {
        console.clock.advance(Duration::minutes(15));
        let me = console
            .call(Call::get("/console/api/me").signed(&busy))
            .await;
        assert_eq!(me.status, StatusCode::OK);
    }
    console.clock.advance(Duration::minutes(15));
    let me = console
        .call(Call::get("/console/api/me").signed(&busy))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "two hours at most");
}

#[tokio::test]
async fn admins_manage_accounts_and_read_the_audit_log() {
    let console = Console::new().await;
    console
        .add_agent("alice", AgentRole::Admin, &["en", "zh-CN"])
        .await;
    let admin = console.login("alice").await;
    let add = |body: serde_json::Value| {
        Call::post("/console/api/admin/agents")
            .signed(&admin)
            .json(body)
    };
    let created = console
        .call(add(
            json!({"login": "dave", "display_name": " Dave ", "password": "dave's long password",
                         "role": "agent", "languages": ["zh-CN"], "capacity": 2}),
        ))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json["agent"],
        json!({"login": "dave", "display_name": "Dave", "role": "agent", "languages": ["zh-CN"], "capacity": 2})
    );
    let again = console
        .call(add(
            json!({"login": "dave", "display_name": "D", "password": "dave's long password",
                         "role": "agent", "languages": ["zh-CN"], "capacity": 2}),
        ))
        .await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::CONFLICT, "exists")
    );
    let bad = console
        .call(add(
            json!({"login": "Dave!", "display_name": "D", "password": "dave's long password",
                         "role": "agent", "languages": ["zh-CN"], "capacity": 2}),
        ))
        .await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::BAD_REQUEST, "invalid")
    );
    let odd = console.call(add(json!({"login": "x"}))).await;
    assert_eq!(
        (odd.status, odd.code()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let dave = console.login_answer("dave", "dave's long password").await;
    assert_eq!(dave.status, StatusCode::OK);

    let audit = console
        .call(Call::get("/console/api/admin/audit").signed(&admin))
        .await;
    assert_eq!(audit.status, StatusCode::OK);
    let entries = audit.json["entries"].as_array().expect("entries").clone();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or(""),
                e["action"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("alice", "login"),
            ("alice", "agent_add"),
            ("dave", "login")
        ]
    );
    assert_eq!(entries[1]["detail"], "dave");
    let first = entries[0]["seq"].as_u64().expect("seq");
    let page = console
        .call(Call::get(&format!("/console/api/admin/audit?after={first}&limit=1")).signed(&admin))
        .await;
    let page = page.json["entries"].as_array().expect("entries").clone();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["action"], "agent_add");

    let csv = console
        .call(Call::get("/console/api/admin/audit.csv").signed(&admin))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "seq,at,actor,action,ticket,subject,detail");
    assert_eq!(lines.len(), 4, "{}", csv.text);
    assert!(lines[2].contains("\"agent_add\""));
}

#[tokio::test]
async fn canned_replies_by_cause_and_language() {
    let console = Console::new().await;
    console
        .add_agent("alice", AgentRole::Agent, &["en", "zh-CN"])
        .await;
    let signed = console.login("alice").await;
    let get = |q: &str| Call::get(&format!("/console/api/canned{q}")).signed(&signed);
    let en = console.call(get("?lang=en&cause=photo_quality")).await;
    assert_eq!(en.status, StatusCode::OK);
    let replies = en.json["replies"].as_array().expect("replies").clone();
    let ids: Vec<&str> = replies.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.first(), Some(&"canned-photo_quality-1"), "{ids:?}");
    assert!(ids.iter().any(|i| i.starts_with("canned-general-")));
    assert!(
        ids.iter()
            .all(|i| i.starts_with("canned-photo_quality-") || i.starts_with("canned-general-"))
    );
    for reply in &replies {
        let title = reply["title"].as_str().expect("title");
        let text = reply["text"].as_str().expect("text");
        assert!(
            !title.is_empty() && title != reply["id"].as_str().unwrap_or(""),
            "{reply}"
        );
        assert!(text.len() > 40, "{reply}");
    }
    let zh = console.call(get("?lang=zh-CN&cause=photo_quality")).await;
    let zh_replies = zh.json["replies"].as_array().expect("replies").clone();
    let zh_ids: Vec<&str> = zh_replies.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, zh_ids, "the same replies in both languages");
    assert!(
        zh_replies[0]["text"]
            .as_str()
            .expect("text")
            .contains("照片")
    );
    // Every cause has replies in both languages, with the same ids.
    for cause in kycdesk::nlu::intents::CAUSES {
        let per_lang: Vec<Vec<String>> = ["en", "zh-CN"]
            .iter()
            .map(|lang| {
                kycdesk::console::canned::replies(
                    console.desk.runtime().locales(),
                    kycdesk::i18n::Lang::parse(lang).expect("lang"),
                    Some(cause),
                )
                .into_iter()
                .map(|r| r.id)
                .filter(|id| id.starts_with(&format!("canned-{cause}-")))
                .collect()
            })
            .collect();
        assert!(per_lang[0].len() >= 2, "{cause}: {:?}", per_lang[0]);
        assert_eq!(per_lang[0], per_lang[1], "{cause}");
    }
    let unknown = console.call(get("?lang=en&cause=../../etc")).await;
    assert_eq!(unknown.status, StatusCode::OK);
    let unknown_ids: Vec<&str> = unknown.json["replies"]
        .as_array()
        .expect("replies")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(unknown_ids.iter().all(|i| i.starts_with("canned-general-")));
    let bad = console.call(get("?lang=fr")).await;
    assert_eq!(
        (bad.status, bad.code()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused_in_our_shape() {
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let huge = console.login_answer("alice", &"x".repeat(70 * 1024)).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(huge.code(), "too_large");
    let not_json = console
        .call(Call::post("/console/api/login").header("content-type", "text/plain"))
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(not_json.code(), "bad_request");
    let garbled = console
        .call(Call::post("/console/api/login").json(json!({"login": "alice"})))
        .await;
    assert_eq!(
        (garbled.status, garbled.code()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

#[tokio::test]
async fn mounted_as_the_server_mounts_it_the_console_keeps_its_own_headers() {
    // The server nests the console after the widget's guard (which sets a looser CSP and checks
    // widget origins): the console's answers must carry the console's headers only.
    let console = Console::new().await;
    console.add_agent("alice", AgentRole::Agent, &["en"]).await;
    let guarded = kycdesk::channel::widget::with_guard(
        axum::Router::new(),
        kycdesk::channel::widget::guard::AllowedOrigins::parse("https://wallet.example.com"),
    )
    .nest("/console", kycdesk::console::router(console.state.clone()));
    let mounted = Console {
        app: guarded,
        ..console
    };
    let page = mounted.call(Call::get("/console")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers["content-security-policy"],
        kycdesk::console::routes::CSP
    );
    let login = mounted
        .call(
            Call::post("/console/api/login")
                .json(json!({"login": "alice", "password": PASSWORD}))
                .header("origin", "http://console.example.com"),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert_eq!(
        login.headers["content-security-policy"],
        kycdesk::console::routes::CSP
    );
    assert!(login.headers.get("access-control-allow-origin").is_none());
}
