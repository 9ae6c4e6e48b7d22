//! The human handoff end to end, in two browsers at once: a visitor in the web widget on the demo
//! page and a support agent in the console (`/console`), both against the real `kycdesk serve`
//! binary. The agent's account is made through the server's admin socket (as `kycdesk agent add`
//! does) and the stored rating is read back through it (as `kycdesk export` does).
//!
//! Off unless `KYCDESK_BROWSER_TESTS=1` when the tests are built (see `build.rs`):
//!
//! ```text
//! KYCDESK_BROWSER_TESTS=1 cargo test --test browser_handoff
//! ```
//!
//! Screenshots of both sessions at each step go to `target/browser-artifacts/<test>/`.
//! The tests check what happens and in which order, never how long it took.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::browser::{Browser, Key, Session, SessionOptions};
use fantoccini::elements::Element;
use kycdesk::admin::client::{Answer, send};
use kycdesk::admin::commands::Request;
use kycdesk::store::AgentRole;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Mutex, MutexGuard};

/// One browser test at a time: two cores do not run several Chromiums and servers well.
static SERIAL: Mutex<()> = Mutex::const_new(());

const WALLET_SECRET: &str = "browser-handoff-wallet-secret";
const AGENT_LOGIN: &str = "alice";
const AGENT_NAME: &str = "Alice Chen";
const AGENT_PASSWORD: &str = "correct horse battery staple";

/// A valid resident ID number (its check character matches), so the masking recognises it.
const ID_NUMBER: &str = "11010519491231002X";
/// How the masking shows it: first four and last four characters.
const ID_MASKED: &str = "1101**********002X";

/// The widget's shadow root and helpers over it (as in `tests/browser.rs`).
const WIDGET_PRELUDE: &str = r#"
const HOST = document.getElementById('kycdesk-widget');
const R = HOST && HOST.shadowRoot;
const $ = (css) => R && R.querySelector(css);
const $$ = (css) => (R ? Array.from(R.querySelectorAll(css)) : []);
const bots = () => $$('.msg.bot');
const lastBot = () => bots().pop() || null;
const lastNode = () => { const b = lastBot(); return b ? b.getAttribute('data-node') : null; };
const bubble = (m) => m.querySelector('.bubble').textContent;
const visible = (el) => !!el && !el.hidden && el.getClientRects().length > 0;
"#;

const WIDGET_SHOWS: &str = r"return $$('.msg').map(m => m.className + ' [' + (m.getAttribute('data-node') || '') + '] ' + bubble(m)).join('\n');";

/// The console's helpers: ids from the list at the top of `web/console/app.js`.
const CONSOLE_PRELUDE: &str = r#"
const $ = (css) => document.querySelector(css);
const $$ = (css) => Array.from(document.querySelectorAll(css));
const visible = (el) => !!el && !el.hidden && el.getClientRects().length > 0;
const row = (id) => $(`.queue-row[data-ticket="${CSS.escape(id)}"]`);
const entries = () => $$('#transcript .entry');
"#;

const CONSOLE_SHOWS: &str = r"return 'queue:\n' + $$('.queue-row').map(r => r.dataset.ticket + ' ' + r.dataset.status + ' ' + r.textContent).join('\n')
  + '\ntranscript:\n' + entries().map(e => e.dataset.kind + ' ' + e.textContent).join('\n')
  + '\nbanner: ' + (($('#error-banner') && !$('#error-banner').hidden) ? $('#error-text').textContent : '');";

// ---- the server ---------------------------------------------------------------------------------

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `kycdesk serve` on a free port over `data`, as an operator starts it (demo mode: no case API).
fn start_server(data: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .arg("serve")
        .env("KYCDESK_LISTEN", "127.0.0.1:0")
        .env("KYCDESK_DATA_DIR", data)
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .env("KYCDESK_RATE_VISITOR", "1000/1000")
        .env("KYCDESK_RATE_IP", "1000/1000")
        .env("KYCDESK_WIDGET_SECRET", WALLET_SECRET)
        .env_remove("KYCDESK_CASE_API_URL")
        .env_remove("KYCDESK_ENFORCE_IDENTITY")
        .env_remove("KYCDESK_ALLOWED_ORIGINS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kycdesk serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut tx = Some(tx);
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(addr) = line.strip_prefix("kycdesk serving on ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("kycdesk serve prints `kycdesk serving on http://ADDR` on stderr");
    Server { child, base }
}

/// A request to the running server's admin socket; its answer.
async fn admin(data: &Path, request: Request) -> Value {
    // The socket opens once the server has started: a few tries.
    for _ in 0..50 {
        match send(data, &request).await {
            Ok(Some(Answer::Ok(value))) => return value,
            Ok(Some(Answer::Refused(message))) => panic!("the admin socket refused: {message}"),
            Ok(None) | Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("the server's admin socket did not answer");
}

// ---- one test's world ---------------------------------------------------------------------------

/// Field order is drop order: browsers first, then the server, then its data.
struct World {
    browser: Browser,
    user: Session,
    agent: Session,
    server: Server,
    data: TempDir,
    _serial: MutexGuard<'static, ()>,
}

impl World {
    /// The server with an agent account, ChromeDriver and two browsers: the user's and the agent's.
    async fn start(test: &str) -> Self {
        let serial = SERIAL.lock().await;
        let data = tempfile::tempdir().expect("data dir");
        let server = start_server(data.path());
        let password_hash = tokio::task::spawn_blocking(|| {
            kycdesk::console::password::hash(AGENT_PASSWORD).expect("hash the password")
        })
        .await
        .expect("hashing");
        admin(
            data.path(),
            Request::AgentAdd {
                login: AGENT_LOGIN.into(),
                name: AGENT_NAME.into(),
                role: AgentRole::Agent,
                languages: vec!["zh-CN".into(), "en".into()],
                capacity: 5,
                password_hash,
            },
        )
        .await;
        let browser = Browser::start(test).await;
        let user = browser
            .session(
                "user",
                SessionOptions {
                    prelude: WIDGET_PRELUDE,
                    describe: WIDGET_SHOWS,
                    ..SessionOptions::default()
                },
            )
            .await;
        let agent = browser
            .session(
                "agent",
                SessionOptions {
                    prelude: CONSOLE_PRELUDE,
                    describe: CONSOLE_SHOWS,
                    ..SessionOptions::default()
                },
            )
            .await;
        World {
            browser,
            user,
            agent,
            server,
            data,
            _serial: serial,
        }
    }

    async fn run(&self, body: impl std::future::Future<Output = ()>) {
        self.browser.run(body).await;
    }

    async fn screenshots(&self, step: &str) {
        self.user.screenshot(step).await;
        self.agent.screenshot(step).await;
    }

    // ---- the agent's side

    /// Signs the agent in; the console opens its live socket, which sets the agent online.
    async fn agent_signs_in(&self) {
        self.agent
            .goto(&format!("{}/console", self.server.base))
            .await;
        let login = self.agent.element("#login").await;
        self.agent.type_into(&login, AGENT_LOGIN).await;
        let password = self.agent.element("#password").await;
        self.agent.type_into(&password, AGENT_PASSWORD).await;
        let submit = self.agent.element("#login-submit").await;
        self.agent.click(&submit).await;
        self.agent
            .wait_for(
                "the console after signing in, live",
                "return visible($('#app-view')) && !visible($('#login-view')) \
                 && $('#live-status').hidden && $('#me-name').textContent === arguments[0];",
                &[json!(AGENT_NAME)],
            )
            .await;
        // Nothing below may come from reloading or polling the queue: count both.
        self.agent
            .js(
                "window.__sameDocument = true; window.__queueFetches = 0; \
                 const original = window.fetch; \
                 window.fetch = function (url, options) { \
                   if (String(url).endsWith('/console/api/queue')) window.__queueFetches++; \
                   return original.apply(this, arguments); };",
                &[],
            )
            .await;
    }

    /// Checks that the console page was neither reloaded nor fell back to polling the queue.
    async fn console_stayed_live(&self) {
        let seen = self
            .agent
            .js(
                "return [window.__sameDocument === true, window.__queueFetches, $('#live-status').hidden];",
                &[],
            )
            .await;
        assert_eq!(
            seen,
            json!([true, 0, true]),
            "the console reloaded, polled the queue or lost its socket: [same page, queue fetches, live]"
        );
    }

    /// The queue row of the ticket, once it shows.
    async fn queue_row(&self, ticket: &str) -> Element {
        self.agent
            .wait_for_element(
                &format!("ticket {ticket} in the agent's queue"),
                "const r = row(arguments[0]); return visible(r) ? r : null;",
                &[json!(ticket)],
            )
            .await
    }

    /// The text of the console's open transcript.
    async fn console_transcript(&self) -> String {
        self.agent
            .js(
                "return entries().map(e => e.dataset.kind + ': ' + e.textContent).join('\\n');",
                &[],
            )
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    // ---- the user's side

    async fn widget_element(&self, css: &str) -> Element {
        self.user
            .wait_for_element(
                &format!("`{css}` in the widget"),
                "const el = $(arguments[0]); return visible(el) && !el.disabled ? el : null;",
                &[json!(css)],
            )
            .await
    }

    /// Opens the demo page and the widget, and waits for the bot's first buttons.
    async fn user_opens_the_widget(&self) {
        self.user.goto(&format!("{}/", self.server.base)).await;
        let launcher = self.widget_element(".launcher").await;
        self.user.click(&launcher).await;
        self.user
            .wait_for(
                "the panel and the bot's buttons",
                "return visible($('.panel')) && $('.qr');",
                &[],
            )
            .await;
    }

    /// Types a message into the widget and sends it with Enter; waits until it is answered.
    async fn user_says(&self, text: &str) {
        let textarea = self.widget_element("textarea").await;
        self.user.type_into(&textarea, text).await;
        self.user
            .type_into(&textarea, &Key::Enter.to_string())
            .await;
        self.user
            .wait_for(
                "the message sent",
                "return $$('.msg.user').some(m => bubble(m) === arguments[0]) && !HOST.hasAttribute('data-busy');",
                &[json!(text)],
            )
            .await;
    }

    async fn user_clicks(&self, button: &str) {
        let element = self
            .widget_element(&format!(".qr[data-id=\"{button}\"]"))
            .await;
        self.user.click(&element).await;
    }

    /// Waits until the bot's last message is at `node` (a `flow.node` name or its prefix).
    async fn user_sees_node(&self, node: &str) {
        self.user
            .wait_for(
                &format!("the bot at `{node}`"),
                "const n = lastNode(); return !!n && n.startsWith(arguments[0]) && !HOST.hasAttribute('data-busy');",
                &[json!(node)],
            )
            .await;
    }

    /// The widget's conversation id, from what it keeps in the page's storage.
    async fn conversation(&self) -> (String, String) {
        let held = self
            .user
            .js(
                "for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); \
                 if (k.startsWith('kycdesk.v1:visitor:')) return localStorage.getItem(k); } return null;",
                &[],
            )
            .await;
        let held: Value =
            serde_json::from_str(held.as_str().expect("the widget keeps its conversation"))
                .expect("stored as JSON");
        (
            held["id"].as_str().expect("id").to_string(),
            held["token"].as_str().expect("token").to_string(),
        )
    }

    /// The server's transcript of the user's conversation, as the widget's history loads it.
    async fn user_transcript(&self) -> String {
        let (id, token) = self.conversation().await;
        let body: Value = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/conversations/{id}/transcript",
                self.server.base
            ))
            .header("x-kycdesk-conversation", token)
            .send()
            .await
            .expect("transcript")
            .json()
            .await
            .expect("transcript JSON");
        body.to_string()
    }

    /// Everything the server's store holds about the user's conversation (its tickets, with
    /// their ratings), through the admin socket as `kycdesk export` reads it.
    async fn stored_export(&self) -> Value {
        let (id, _) = self.conversation().await;
        admin(
            self.data.path(),
            Request::Export {
                conversation: format!("widget:{id}"),
            },
        )
        .await
    }

    /// The id of the ticket the user's conversation opened, as stored.
    async fn ticket_id(&self) -> String {
        let export = self.stored_export().await;
        export["tickets"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("the conversation has a ticket: {export}"))
            .to_string()
    }

    /// The widget's whole text, as a person would read it.
    async fn widget_text(&self) -> String {
        self.user
            .js("return R ? R.textContent : '';", &[])
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

// ---- the tests ----------------------------------------------------------------------------------

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_user_is_handed_to_an_agent_and_rates_the_help() {
    let h = World::start("handoff_whole").await;
    h.run(async {
        // 1. The agent signs in and is online.
        h.agent_signs_in().await;
        // Asked of the server, not read off the page: the page's count may lag until the next
        // queue change (see the check at step 3).
        h.agent
            .wait_for(
                "the agent online",
                "return fetch('/console/api/agents', {cache: 'no-store'}).then(r => r.json()) \
                 .then(b => b.agents.some(a => a.login === arguments[0] && a.presence === 'online'));",
                &[json!(AGENT_LOGIN)],
            )
            .await;
        h.screenshots("01-signed-in").await;

        // 2. The user talks to the bot, then asks for a person and is told their place.
        h.user_opens_the_widget().await;
        h.user_says("my photo was blurry").await;
        h.user_sees_node("photo_quality.").await;
        h.user_says("I want to talk to a real person").await;
        h.user_sees_node("handoff.queued").await;
        let told = h.user.js("return bubble(lastBot());", &[]).await;
        assert!(
            told.as_str().is_some_and(|t| t.contains("number 1")),
            "the widget shows the queue place: {told}"
        );
        h.screenshots("02-queued").await;

        // 3. The ticket appears in the agent's queue by itself, with its card.
        let ticket = h.ticket_id().await;
        h.queue_row(&ticket).await;
        let shown = h
            .agent
            .js(
                "const r = row(arguments[0]); return [r.dataset.status, r.querySelector('.pos').textContent, \
                 r.querySelector('.cause').textContent, r.querySelector('.lang').textContent, \
                 r.querySelector('.channel').textContent];",
                &[json!(ticket)],
            )
            .await;
        assert_eq!(shown[0], "queued", "{shown}");
        assert!(shown[1].as_str().is_some_and(|p| p.contains('1')), "{shown}");
        assert_eq!(shown[2], "Photo quality", "{shown}");
        assert_eq!(shown[3], "English", "{shown}");
        assert_eq!(shown[4], "Web", "{shown}");
        // The live frame that brought the ticket also counts the agents online.
        let online = h.agent.js("return $('#agents-online').textContent;", &[]).await;
        assert_eq!(online, "1", "agents online");
        h.console_stayed_live().await;
        // The queue is drawn again on every change: take the row as it is now.
        let row = h.queue_row(&ticket).await;
        h.agent.click(&row).await;
        h.agent
            .wait_for(
                "the ticket open with its card",
                "return $('#ticket-pane').dataset.ticket === arguments[0] && $('#card .card-row[data-field=channel]');",
                &[json!(ticket)],
            )
            .await;
        let card = h
            .agent
            .js(
                "const f = (n) => $(`#card .card-row[data-field=${n}] dd`).textContent; \
                 return [f('causes'), f('lang'), f('channel')];",
                &[],
            )
            .await;
        assert_eq!(card, json!(["Photo quality", "English", "Web"]), "the card");
        h.screenshots("03-ticket-open").await;
        let claim = h.agent.element("#claim").await;
        h.agent.click(&claim).await;
        h.agent
            .wait_for(
                "the ticket claimed",
                "return !$('#reply-text').disabled && row(arguments[0]).dataset.status === 'assigned';",
                &[json!(ticket)],
            )
            .await;

        // 4. The user is told who joined; sees the agent typing, then the reply with their name.
        h.user
            .wait_for(
                "the agent joined",
                "return bots().some(m => bubble(m).includes(arguments[0] + ' has joined'));",
                &[json!(AGENT_NAME)],
            )
            .await;
        h.screenshots("04-claimed").await;
        let reply_box = h.agent.element("#reply-text").await;
        h.agent
            .type_into(&reply_box, "Hello, I am looking at your photo now.")
            .await;
        h.user
            .wait_for(
                "the typing indicator",
                "return visible($('.typing'));",
                &[],
            )
            .await;
        let agent_lines = h.user.js("return $$('.msg.agent').length;", &[]).await;
        assert_eq!(agent_lines, 0, "the reply is not sent yet");
        h.screenshots("05-agent-typing").await;
        let send_button = h.agent.element("#send").await;
        h.agent.click(&send_button).await;
        let reply = h
            .user
            .wait_for(
                "the agent's reply with their name",
                "const m = $$('.msg.agent').pop(); \
                 return m && [bubble(m), m.querySelector('.author') && m.querySelector('.author').textContent];",
                &[],
            )
            .await;
        assert_eq!(
            reply,
            json!(["Hello, I am looking at your photo now.", AGENT_NAME])
        );
        h.screenshots("06-agent-replied").await;

        // 5. The user answers with markup and an ID number: the agent reads text, masked.
        let answer = format!("<script>alert(1)</script> my ID is {ID_NUMBER}");
        h.user_says(&answer).await;
        let seen = h
            .agent
            .wait_for(
                "the user's answer in the console",
                "const e = entries().filter(e => e.dataset.kind === 'user').pop(); \
                 return e && e.textContent.includes('alert(1)') ? e.querySelector('.entry-text').textContent : null;",
                &[],
            )
            .await;
        let seen = seen.as_str().unwrap_or_default();
        assert!(
            seen.contains("<script>alert(1)</script>"),
            "shown as text: {seen}"
        );
        assert!(seen.contains(ID_MASKED), "the ID number masked: {seen}");
        assert!(!seen.contains(ID_NUMBER), "the ID number in clear: {seen}");
        let scripts = h
            .agent
            .js(
                "return $$('script').filter(s => !s.src || !s.src.endsWith('/console/app.js')).length \
                 + $$('#transcript script, #queue script').length;",
                &[],
            )
            .await;
        assert_eq!(scripts, 0, "a script element came from the message");
        assert_eq!(h.agent.alert().await, None, "an alert opened in the console");
        assert_eq!(h.user.alert().await, None, "an alert opened in the widget");
        let in_widget = h
            .user
            .js("return R.querySelectorAll('script').length;", &[])
            .await;
        assert_eq!(in_widget, 0, "a script element in the widget");
        let user_side = h.user_transcript().await;
        assert!(
            user_side.contains(ID_MASKED) && !user_side.contains(ID_NUMBER),
            "the user's history holds the ID number masked: {user_side}"
        );
        let preview = h
            .agent
            .js("return row(arguments[0]).textContent;", &[json!(ticket)])
            .await;
        assert!(
            !preview.as_str().unwrap_or_default().contains(ID_NUMBER),
            "the queue preview shows the ID number: {preview}"
        );
        h.screenshots("07-user-answered").await;

        // 6. An internal note: the agent sees it, the user never does.
        let note = "Note for agents only: photo retaken twice";
        let note_box = h.agent.element("#note-text").await;
        h.agent.type_into(&note_box, note).await;
        let add = h.agent.element("#add-note").await;
        h.agent.click(&add).await;
        h.agent
            .wait_for(
                "the note in the console transcript",
                "return entries().some(e => e.dataset.kind === 'note' && e.textContent.includes(arguments[0]));",
                &[json!(note)],
            )
            .await;
        h.screenshots("08-note-added").await;

        // 7. The agent resolves; the user rates and comments; the rating is stored.
        let resolve = h.agent.element("#resolve").await;
        h.agent.click(&resolve).await;
        h.user_sees_node("handoff.rate").await;
        h.screenshots("09-resolved").await;
        assert!(
            !h.widget_text().await.contains(note),
            "the widget shows the internal note"
        );
        assert!(
            !h.user_transcript().await.contains("photo retaken twice"),
            "the user's history holds the internal note"
        );
        h.user_clicks("r4").await;
        h.user_sees_node("handoff.comment").await;
        h.user_says("Quick and kind, thank you").await;
        h.user_sees_node("handoff.rated").await;
        h.screenshots("10-rated").await;

        let export = h.stored_export().await;
        let stored = &export["tickets"][0];
        assert_eq!(stored["id"], json!(ticket));
        assert_eq!(stored["status"], "closed", "{stored}");
        assert_eq!(stored["rating"]["stars"], 4, "{stored}");
        assert_eq!(
            stored["rating"]["comment"], "Quick and kind, thank you",
            "{stored}"
        );
        // The agent's console followed all of it without a reload or a poll.
        h.console_stayed_live().await;
        let console = h.console_transcript().await;
        let order = [
            "my photo was blurry",
            "I want to talk to a real person",
            "Hello, I am looking at your photo now.",
            "alert(1)",
            note,
        ];
        let places: Vec<Option<usize>> = order.iter().map(|t| console.find(t)).collect();
        assert!(
            places.iter().all(Option::is_some) && places.windows(2).all(|w| w[0] < w[1]),
            "the console transcript in order ({places:?}):\n{console}"
        );

        // Reloaded, the widget shows the conversation as the server keeps it: the ID number
        // masked, the agent's words, and never the internal note.
        h.user.refresh().await;
        h.widget_element(".launcher").await;
        let open = h.user.js("return visible($('.panel'));", &[]).await;
        if open != json!(true) {
            let launcher = h.widget_element(".launcher").await;
            h.user.click(&launcher).await;
        }
        h.user
            .wait_for(
                "the history after a reload",
                "return $$('.msg.user').some(m => bubble(m).includes('alert(1)')) \
                 && $$('.msg.agent').length > 0;",
                &[],
            )
            .await;
        let history = h.widget_text().await;
        assert!(history.contains(ID_MASKED), "masked in history: {history}");
        assert!(!history.contains(ID_NUMBER), "clear in history: {history}");
        assert!(!history.contains(note), "the note in history: {history}");
        h.user.screenshot("11-reloaded").await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_user_who_leaves_the_queue_leaves_the_agents_queue_live() {
    let h = World::start("handoff_cancel").await;
    h.run(async {
        h.agent_signs_in().await;
        h.user_opens_the_widget().await;
        h.user_says("我要转人工").await;
        h.user_sees_node("handoff.queued").await;
        let ticket = h.ticket_id().await;
        h.queue_row(&ticket).await;
        h.screenshots("01-queued").await;

        h.user_clicks("handoff_cancel").await;
        h.user_sees_node("menu.").await;
        h.agent
            .wait_for(
                "the ticket gone from the queue",
                "return !row(arguments[0]);",
                &[json!(ticket)],
            )
            .await;
        h.console_stayed_live().await;
        h.screenshots("02-cancelled").await;
        let export = h.stored_export().await;
        assert_eq!(export["tickets"][0]["status"], "closed", "{export}");
    })
    .await;
}
