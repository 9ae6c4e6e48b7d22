//! Shared by the integration tests: the project's own content, loaded once per test binary.

#![allow(dead_code)]

pub mod browser;
pub mod widget;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use kycdesk::content::Loaded;
use kycdesk::entities::DEFAULT_CASE_ID_PATTERN;
use kycdesk::flows::source::ContentSource;
use kycdesk::runtime::{Runtime, StandIns};

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn source() -> ContentSource {
    ContentSource::Dirs {
        flows: repo_path("flows"),
        locales: repo_path("locales"),
    }
}

pub fn loaded() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let pattern = regex::Regex::new(DEFAULT_CASE_ID_PATTERN).expect("default pattern");
        match kycdesk::content::load(&source(), pattern) {
            Ok(loaded) => loaded,
            Err(problems) => panic!("{problems}"),
        }
    })
}

/// A runtime with the stand-in actions over a fresh store in a temporary directory (kept alive
/// by the returned guard). Call inside a Tokio runtime.
pub fn runtime() -> (Runtime, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = runtime_in(dir.path());
    (runtime, dir)
}

/// A runtime with the stand-in actions over a store in `dir`.
pub fn runtime_in(dir: &std::path::Path) -> Runtime {
    let store = kycdesk::store::SledStore::open(dir).expect("store opens");
    runtime_with(Arc::new(StandIns), store)
}

/// A runtime with the given actions and store, on the project's own content.
pub fn runtime_with(
    actions: Arc<dyn kycdesk::runtime::Actions>,
    store: Arc<dyn kycdesk::store::Store>,
) -> Runtime {
    let loaded = loaded();
    Runtime::new(
        loaded.engine.clone(),
        loaded.locales.clone(),
        actions,
        store,
    )
}

/// Everything a turn said, one message a line.
pub fn said(turn: &kycdesk::runtime::Turn) -> String {
    turn.messages
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A fixed moment (10:00 UTC on `today()`), so that tests do not depend on the clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    today().and_hms_opt(10, 0, 0).expect("valid time").and_utc()
}

/// A fixed day, so that tests do not depend on the calendar.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).expect("valid date")
}

/// Adds an agent serving both languages (password `correct horse battery`) and marks them online.
pub async fn agent_online(runtime: &Runtime, login: &str) -> kycdesk::store::Agent {
    agent_with(
        runtime,
        login,
        kycdesk::store::AgentRole::Agent,
        &["zh-CN", "en"],
    )
    .await
}

/// Adds an agent with this role and these languages, online.
pub async fn agent_with(
    runtime: &Runtime,
    login: &str,
    role: kycdesk::store::AgentRole,
    languages: &[&str],
) -> kycdesk::store::Agent {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH
        .get_or_init(|| kycdesk::console::password::hash("correct horse battery").expect("hashed"))
        .clone();
    let agent = kycdesk::store::Agent {
        login: login.into(),
        display_name: format!("Agent {login}"),
        password_hash: hash,
        created_at: chrono::Utc::now(),
        role,
        languages: languages.iter().map(|l| l.to_string()).collect(),
        capacity: 4,
        disabled: false,
    };
    runtime
        .store()
        .save_agent(agent.clone())
        .await
        .expect("agent saved");
    runtime
        .handoff()
        .presence
        .set(login, kycdesk::handoff::presence::Presence::Online);
    agent
}
