//! Browser tests: the web widget (`web/widget.js` on the demo page `web/demo.html`) in headless
//! Chromium, driven over WebDriver (chromedriver), against the real `kycdesk serve` binary.
//!
//! Off unless `KYCDESK_BROWSER_TESTS=1` when the tests are built (`build.rs` turns it into the
//! `kycdesk_browser_tests` cfg; without it every test shows as ignored), so `cargo test` passes on
//! a machine without a browser. To run them:
//!
//! ```text
//! apt-get install -y chromium chromium-driver
//! KYCDESK_BROWSER_TESTS=1 cargo test --test browser
//! ```
//!
//! `KYCDESK_CHROMIUM` and `KYCDESK_CHROMEDRIVER` name other binaries. Every test saves
//! screenshots of its steps (and of the moment it failed) to `tests/artifacts/` (git-ignored).
//! The WebDriver client is the handful of calls below over reqwest: no extra dependency. The
//! tests run one at a time (each starts its own server, chromedriver and browser profile).

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Mutex, MutexGuard};

/// One browser test at a time: two cores do not run several Chromiums and servers well.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// The wallet's widget secret in these tests (the demo page signs with its own demo key).
const WALLET_SECRET: &str = "browser-test-wallet-secret";

/// WebDriver's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
const ENTER: &str = "\u{E007}";
const TAB: &str = "\u{E004}";
const ESCAPE: &str = "\u{E00C}";
const SHIFT: &str = "\u{E008}";
/// Generous: a debug build trains the classifier at start-up and two cores run everything.
const WAIT: Duration = Duration::from_secs(20);

/// Prepended to every script: `R` is the widget's shadow root, with helpers over it.
const PRELUDE: &str = r#"
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

fn start_server(data: &Path, listen: &str, rate_visitor: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .arg("serve")
        .env("KYCDESK_LISTEN", listen)
        .env("KYCDESK_DATA_DIR", data)
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .env("KYCDESK_RATE_VISITOR", rate_visitor)
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

// ---- chromedriver and the browser ---------------------------------------------------------------

struct Chromedriver {
    child: Child,
    url: String,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn binary(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

async fn start_chromedriver(http: &reqwest::Client) -> Chromedriver {
    let program = binary("KYCDESK_CHROMEDRIVER", "chromedriver");
    let port = free_port();
    let child = Command::new(&program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {program} ({e}): apt-get install -y chromium chromium-driver")
        });
    let driver = Chromedriver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await
            && let Ok(v) = r.json::<Value>().await
            && v["value"]["ready"] == json!(true)
        {
            return driver;
        }
        assert!(Instant::now() < deadline, "chromedriver did not get ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A WebDriver session: the few commands these tests use.
struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    url: String,
    test: &'static str,
    shots: AtomicU32,
}

impl Drop for Browser {
    /// Ends the session (and so the browser) even when the test panicked; blocking, by hand.
    fn drop(&mut self) {
        let Some(rest) = self.url.strip_prefix("http://") else {
            return;
        };
        let Some((addr, path)) = rest.split_once('/') else {
            return;
        };
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                s,
                "DELETE /{path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
    }
}

impl Browser {
    async fn start(
        http: &reqwest::Client,
        driver: &Chromedriver,
        profile: &Path,
        test: &'static str,
    ) -> Self {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--lang=en-US",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", profile.display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // An alert stays open so that the test can see it (none may ever open).
            "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": {
                "binary": binary("KYCDESK_CHROMIUM", "/usr/bin/chromium"),
                "args": args,
                "prefs": {"intl.accept_languages": "en-US,en"},
            },
        }}});
        let response: Value = http
            .post(format!("{}/session", driver.url))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("new session answer");
        let id = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {response}"));
        Browser {
            http: http.clone(),
            url: format!("{}/session/{id}", driver.url),
            test,
            shots: AtomicU32::new(0),
        }
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let ok = response.status().is_success();
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        let value = value.get("value").cloned().unwrap_or(Value::Null);
        if ok {
            Ok(value)
        } else {
            Err(format!("{}: {}", value["error"], value["message"]))
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// Runs `body` (a function body using the PRELUDE's helpers) in the page.
    async fn js(&self, body: &str, args: Value) -> Value {
        self.try_js(body, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    async fn try_js(&self, body: &str, args: Value) -> Result<Value, String> {
        let script = format!("{PRELUDE}\n{body}");
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Polls `body` until it returns something truthy; on time-out saves a screenshot and fails.
    async fn wait_for(&self, what: &str, body: &str, args: Value) -> Value {
        let deadline = Instant::now() + WAIT;
        let mut last;
        loop {
            match self.try_js(body, args.clone()).await {
                Ok(v) if truthy(&v) => return v,
                Ok(v) => last = v.to_string(),
                Err(e) => last = e,
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED").await;
                let log = self.transcript_on_screen().await;
                panic!(
                    "{}: timed out waiting for {what} (last: {last})\nwidget shows:\n{log}",
                    self.test
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the widget's log shows, one message a line (for failure messages).
    async fn transcript_on_screen(&self) -> String {
        self.try_js(
            "return $$('.msg').map(m => m.className + ' [' + (m.getAttribute('data-node') || '') + '] ' + bubble(m)).join('\\n');",
            json!([]),
        )
        .await
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
    }

    /// The element for `css` inside the widget's shadow root, once it is there and visible.
    async fn element(&self, css: &str) -> Value {
        self.wait_for(
            &format!("`{css}` in the widget"),
            "const el = $(arguments[0]); return visible(el) && !el.disabled ? el : null;",
            json!([css]),
        )
        .await
    }

    async fn click(&self, element: &Value) {
        let id = element[ELEMENT].as_str().expect("an element reference");
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    async fn click_in(&self, css: &str) {
        let element = self.element(css).await;
        self.click(&element).await;
    }

    async fn type_into(&self, element: &Value, text: &str) {
        let id = element[ELEMENT].as_str().expect("an element reference");
        self.post(&format!("/element/{id}/value"), json!({ "text": text }))
            .await;
    }

    /// Presses keys together (e.g. Shift+Tab) on whatever has focus (the Actions API).
    async fn press(&self, keys: &[&str]) {
        let mut actions = Vec::new();
        for key in keys {
            actions.push(json!({"type": "keyDown", "value": key}));
        }
        for key in keys.iter().rev() {
            actions.push(json!({"type": "keyUp", "value": key}));
        }
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
    }

    /// The text of an open alert, if any.
    async fn alert(&self) -> Option<String> {
        self.command(reqwest::Method::GET, "/alert/text", None)
            .await
            .ok()
            .map(|v| v.as_str().unwrap_or_default().to_string())
    }

    /// Saves `tests/artifacts/<test>-<n>-<name>.png`.
    async fn screenshot(&self, name: &str) {
        let Ok(data) = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await
        else {
            return;
        };
        let Some(png) = data.as_str().and_then(base64_decode) else {
            return;
        };
        let dir = common::repo_path("tests/artifacts");
        let _ = std::fs::create_dir_all(&dir);
        let n = self.shots.fetch_add(1, Ordering::Relaxed) + 1;
        let _ = std::fs::write(dir.join(format!("{}-{n:02}-{name}.png", self.test)), png);
    }

    /// Chromium's network emulation (offline, or slow uploads to watch the progress bar).
    async fn network(&self, offline: bool, upload_bytes_per_second: i64) -> Result<Value, String> {
        self.command(
            reqwest::Method::POST,
            "/chromium/network_conditions",
            Some(json!({"network_conditions": {
                "offline": offline,
                "latency": 0,
                "download_throughput": -1,
                "upload_throughput": upload_bytes_per_second,
            }})),
        )
        .await
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        Some(u32::from(v))
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

// ---- one test's world ---------------------------------------------------------------------------

/// Field order is drop order: the browser session ends first, then the server and chromedriver
/// stop, then the temporary directories go, then the next test may start.
struct Harness {
    b: Browser,
    server: Option<Server>,
    _driver: Chromedriver,
    http: reqwest::Client,
    base: String,
    data: TempDir,
    files: TempDir,
    _profile: TempDir,
    _serial: MutexGuard<'static, ()>,
}

async fn setup(test: &'static str) -> Option<Harness> {
    setup_with(test, "1000/1000").await
}

/// The server (with this per-visitor rate), chromedriver and a browser with a fresh profile; or
/// `None` (after saying so) when browser tests are not switched on.
async fn setup_with(test: &'static str, rate_visitor: &str) -> Option<Harness> {
    let serial = SERIAL.lock().await;
    let data = tempfile::tempdir().expect("data dir");
    let files = tempfile::tempdir().expect("files dir");
    let profile = tempfile::tempdir().expect("profile dir");
    let server = start_server(data.path(), "127.0.0.1:0", rate_visitor);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let driver = start_chromedriver(&http).await;
    let b = Browser::start(&http, &driver, profile.path(), test).await;
    Some(Harness {
        b,
        base: server.base.clone(),
        server: Some(server),
        _driver: driver,
        http,
        data,
        files,
        _profile: profile,
        _serial: serial,
    })
}

impl Harness {
    /// The demo page (`/` or e.g. `/?demo_user=1`), once the widget's launcher is on it.
    async fn open_page(&self, path: &str) {
        self.b.goto(&format!("{}{path}", self.base)).await;
        self.b.element(".launcher").await;
    }

    /// Opens the panel (if it is not open) and waits for the bot's first buttons.
    async fn open_widget(&self) {
        let open = self.b.js("return visible($('.panel'));", json!([])).await;
        if !truthy(&open) {
            self.b.click_in(".launcher").await;
        }
        self.b
            .wait_for(
                "the panel and the bot's buttons",
                "return visible($('.panel')) && $('.qr');",
                json!([]),
            )
            .await;
    }

    /// Clicks the quick reply `id` and waits until the bot is at `node`.
    async fn choose(&self, id: &str, node: &str) {
        self.b.click_in(&format!(".qr[data-id=\"{id}\"]")).await;
        self.b
            .wait_for(
                &format!("the bot at `{node}` after button `{id}`"),
                "return lastNode() === arguments[0] && !HOST.hasAttribute('data-busy');",
                json!([node]),
            )
            .await;
    }

    async fn visitor(&self) -> String {
        let v = self
            .b
            .js(
                "for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); \
                 if (k.startsWith('kycdesk.v1:visitor:')) return localStorage.getItem(k); } return null;",
                json!([]),
            )
            .await;
        v.as_str()
            .expect("the widget keeps a visitor id")
            .to_string()
    }

    /// The id and token of the conversation the widget holds.
    async fn conversation(&self) -> (String, String) {
        let held: Value = serde_json::from_str(&self.visitor().await).expect("stored as JSON");
        (
            held["id"].as_str().expect("id").to_string(),
            held["token"].as_str().expect("token").to_string(),
        )
    }

    /// The server's transcript of this browser's conversation (waiting out a rate limit).
    async fn transcript(&self) -> Vec<Value> {
        let (id, token) = self.conversation().await;
        let url = format!("{}/api/v1/conversations/{id}/transcript", self.base);
        for _ in 0..30 {
            let response = self
                .http
                .get(&url)
                .header("x-kycdesk-conversation", &token)
                .send()
                .await
                .expect("transcript");
            if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            assert!(
                response.status().is_success(),
                "transcript: {}",
                response.status()
            );
            let body: Value = response.json().await.expect("transcript JSON");
            return body["entries"].as_array().cloned().unwrap_or_default();
        }
        panic!("the transcript stayed rate-limited");
    }

    async fn texts(&self, lang: &str) -> Value {
        let body: Value = self
            .http
            .get(format!("{}/api/v1/widget/texts?lang={lang}", self.base))
            .send()
            .await
            .expect("texts")
            .json()
            .await
            .expect("texts JSON");
        body["texts"].clone()
    }
}

/// Inbound transcript entries with this text (e.g. `[button photo]`).
fn inbound(entries: &[Value], text: &str) -> usize {
    entries
        .iter()
        .filter(|e| e["kind"] == "inbound" && e["text"] == text)
        .count()
}

/// A single-line message of a locale file, as the bot renders it.
fn ftl(lang: &str, file: &str, key: &str) -> String {
    let path = common::repo_path(&format!("locales/{lang}/{file}.ftl"));
    let text = std::fs::read_to_string(&path).expect("locale file");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("{key} in {}", path.display()))
        .trim()
        .to_string()
}

/// A PNG like a photographed card: light card on a dark table, a few "text" lines. `noise`
/// makes it large and incompressible (to watch upload progress).
fn card_png(dir: &Path, name: &str, width: u32, height: u32, noise: bool) -> PathBuf {
    let mut seed = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let (cx, cy) = (width / 8..width * 7 / 8, height / 6..height * 5 / 6);
        let mut px: [u8; 3] = if cx.contains(&x) && cy.contains(&y) {
            let line = (y - cy.start) % 24 < 6 && x > width / 3 && x < width * 3 / 4;
            if line { [40, 40, 60] } else { [236, 232, 220] }
        } else {
            [52, 60, 70]
        };
        if noise {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            for (i, c) in px.iter_mut().enumerate() {
                *c = c.wrapping_add(((seed >> (8 * i)) as u8) & 0x3f);
            }
        }
        image::Rgb(px)
    });
    let path = dir.join(name);
    img.save(&path).expect("write PNG");
    path
}

// ---- the tests ----------------------------------------------------------------------------------

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_whole_photo_quality_conversation_by_clicking_buttons() {
    let Some(h) = setup("photo_conversation").await else {
        return;
    };
    h.open_page("/").await;
    h.b.screenshot("demo-page").await;

    // The wallet page styles every button (uppercase, yellow on black): none of it reaches in.
    h.open_widget().await;
    let style = h
        .b
        .js(
            "const s = getComputedStyle($('.qr')); return [s.textTransform, s.backgroundColor, s.letterSpacing];",
            json!([]),
        )
        .await;
    assert_eq!(style[0], "none", "host CSS leaked into the widget: {style}");
    assert_ne!(style[1], "rgb(34, 34, 34)", "host CSS leaked: {style}");
    // The script tag's options: data-color="#1677ff" data-position="right".
    let launcher = h
        .b
        .js(
            "const r = $('.launcher').getBoundingClientRect(); \
             return [getComputedStyle($('.launcher')).backgroundColor, document.documentElement.clientWidth - r.right];",
            json!([]),
        )
        .await;
    assert_eq!(launcher[0], "rgb(22, 119, 255)", "theme colour: {launcher}");
    assert!(
        launcher[1].as_f64().is_some_and(|gap| gap < 40.0),
        "launcher on the right: {launcher}"
    );
    // Opening moves focus into the panel, and the greeting is announced.
    h.b.wait_for(
        "focus in the text box",
        "return R.activeElement === $('textarea');",
        json!([]),
    )
    .await;
    h.b.wait_for(
        "the greeting in the aria-live region",
        "const l = $('[aria-live=polite]'); return l && l.textContent.length > 10;",
        json!([]),
    )
    .await;
    h.b.screenshot("greeting").await;

    h.choose("photo", "photo_quality.start").await;
    h.choose("blurry", "photo_quality.photo_blurry").await;
    h.choose("yes", "survey.start").await;
    h.b.screenshot("survey").await;
    h.choose("r5", "survey.thanks").await;
    h.b.screenshot("thanks").await;

    // The visitor's choices are shown as their messages, the stale buttons are gone.
    let shown =
        h.b.js(
            "return { users: $$('.msg.user').map(bubble), quick: $$('.qr').length };",
            json!([]),
        )
        .await;
    assert_eq!(
        shown["users"],
        json!([
            ftl("en", "menu", "menu-btn-photo"),
            ftl("en", "photo_quality", "photo_quality-btn-blurry"),
            ftl("en", "common", "common-btn-helped"),
            ftl("en", "survey", "survey-btn-5"),
        ])
    );
    assert_eq!(shown["quick"], 0, "an ended conversation offers no buttons");

    // Each press reached the server exactly once.
    let entries = h.transcript().await;
    for button in ["photo", "blurry", "yes", "r5"] {
        assert_eq!(
            inbound(&entries, &format!("[button {button}]")),
            1,
            "{button}"
        );
    }
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn the_language_switch_changes_the_widget_and_the_bot() {
    let Some(h) = setup("language").await else {
        return;
    };
    h.open_page("/").await;
    h.open_widget().await;
    let (en, zh) = (h.texts("en").await, h.texts("zh-CN").await);
    // The demo page is <html lang="en">: the widget starts in English, its texts from the server.
    h.b.wait_for(
        "the widget's own texts in English",
        "return JSON.stringify([$('h2').textContent, $('textarea').placeholder, $('.lang').textContent, $('.panel').lang]) === arguments[0];",
        json!([json!([en["widget-title"], en["widget-placeholder"], en["widget-lang-other"], "en"]).to_string()]),
    )
    .await;
    assert_eq!(
        h.b.js("return $('.qr[data-id=\"photo\"]').textContent;", json!([]))
            .await,
        ftl("en", "menu", "menu-btn-photo")
    );

    h.b.click_in(".lang").await;
    h.b.wait_for(
        "the widget's own texts in Chinese",
        "return $('h2').textContent === arguments[0] && $('textarea').placeholder === arguments[1] && $('.panel').lang === 'zh-CN';",
        json!([zh["widget-title"], zh["widget-placeholder"]]),
    )
    .await;
    // The bot follows: the current question comes again, its buttons in Chinese.
    h.b.wait_for(
        "the menu's buttons in Chinese",
        "const b = $('.qr[data-id=\"photo\"]'); return b && b.textContent === arguments[0] && !HOST.hasAttribute('data-busy');",
        json!([ftl("zh-CN", "menu", "menu-btn-photo")]),
    )
    .await;
    h.b.screenshot("chinese").await;
    h.choose("photo", "photo_quality.start").await;
    let said = h.b.js("return bubble(lastBot());", json!([])).await;
    assert_eq!(said, ftl("zh-CN", "photo_quality", "photo_quality-which"));

    // The choice is remembered: a reload stays in Chinese, and the history reads as it did
    // (the question the bot repeated when asked to switch is not shown twice).
    let before =
        h.b.js(
            "return $$('.msg').map(m => m.className + ': ' + bubble(m));",
            json!([]),
        )
        .await;
    h.open_page("/").await;
    h.b.wait_for(
        "Chinese after a reload",
        "return $('.launcher').getAttribute('aria-label').startsWith(arguments[0]);",
        json!([zh["widget-launcher"]]),
    )
    .await;
    h.open_widget().await;
    h.b.wait_for(
        "the same history after the reload",
        "return JSON.stringify($$('.msg').map(m => m.className + ': ' + bubble(m))) === arguments[0];",
        json!([before.to_string()]),
    )
    .await;
    assert_eq!(
        h.b.js("return $('h2').textContent;", json!([])).await,
        zh["widget-title"]
    );
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_photo_is_previewed_uploaded_with_progress_and_answered() {
    let Some(h) = setup("photo_upload").await else {
        return;
    };
    h.open_page("/").await;
    h.open_widget().await;
    h.choose("photo", "photo_quality.start").await;
    let texts = h.texts("en").await;

    // Too large: refused in the browser with a clear message, nothing uploaded.
    let big = h.files.path().join("huge-scan.png");
    std::fs::write(&big, vec![0u8; 10 * 1024 * 1024 + 1]).expect("big file");
    let input = h.b.js("return $('input[type=file]');", json!([])).await;
    assert_eq!(
        h.b.js(
            "return [$('input[type=file]').accept, $('input[type=file]').getAttribute('capture')];",
            json!([])
        )
        .await,
        json!(["image/*", "environment"])
    );
    h.b.type_into(&input, &big.display().to_string()).await;
    h.b.wait_for(
        "the too-large message",
        "const m = $$('.msg.sys').pop(); return m && bubble(m) === arguments[0];",
        json!([texts["widget-photo-too-large"]]),
    )
    .await;
    h.b.screenshot("too-large").await;

    // A real photo: preview first, then send; slow the upload so the progress bar shows.
    let photo = card_png(h.files.path(), "id-card.png", 900, 600, true);
    let size = std::fs::metadata(&photo).expect("photo").len();
    h.b.type_into(&input, &photo.display().to_string()).await;
    h.b.wait_for(
        "the preview",
        "const p = $('.preview'); return visible(p) && p.querySelector('img').src.startsWith('blob:');",
        json!([]),
    )
    .await;
    h.b.screenshot("preview").await;
    let throttled = h.b.network(false, 200_000).await.is_ok();
    h.b.click_in(".preview .main").await;
    if throttled {
        h.b.wait_for(
            "upload progress between 0 and 100 %",
            "const p = $$('.msg.user progress').pop(); return p && p.value > 0 && p.value < 100;",
            json!([]),
        )
        .await;
        h.b.screenshot("uploading").await;
        let _ = h.b.network(false, -1).await;
    } else {
        println!("network throttling not available: upload progress not observed");
    }
    h.b.wait_for(
        "the bot's answer to the photo",
        "const u = $$('.msg.user').pop(); const b = lastBot(); \
         return u && u.querySelector('img.pic') && b && (u.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) \
           && !HOST.hasAttribute('data-busy') && !u.querySelector('progress') && lastNode();",
        json!([]),
    )
    .await;
    h.b.screenshot("answered").await;
    let node = h.b.js("return lastNode();", json!([])).await;
    assert!(
        node.as_str()
            .is_some_and(|n| n.starts_with("photo_quality.")),
        "after a photo the bot is at {node}"
    );
    let entries = h.transcript().await;
    let photos: Vec<&Value> = entries
        .iter()
        .filter(|e| {
            e["kind"] == "inbound" && e["text"].as_str().is_some_and(|t| t.starts_with("[photo"))
        })
        .collect();
    assert_eq!(photos.len(), 1, "one upload, stored once: {photos:?}");
    assert!(
        photos[0]["text"]
            .as_str()
            .unwrap_or_default()
            .contains(&size.to_string()),
        "the whole file arrived: {photos:?} vs {size} bytes"
    );
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn history_survives_a_reload_and_follows_into_another_tab() {
    let Some(h) = setup("history").await else {
        return;
    };
    h.open_page("/").await;
    h.open_widget().await;
    h.choose("photo", "photo_quality.start").await;
    h.choose("blurry", "photo_quality.photo_blurry").await;
    let before =
        h.b.js(
            "return { bots: bots().map(bubble), users: $$('.msg.user').map(bubble) };",
            json!([]),
        )
        .await;

    // Reload: the same conversation, the same messages once each, the current buttons back.
    h.b.post("/refresh", json!({})).await;
    h.b.element(".launcher").await;
    h.open_widget().await;
    h.b.wait_for(
        "the restored conversation",
        "return $('.qr[data-id=\"yes\"]') && $('.qr[data-id=\"no\"]') && !HOST.hasAttribute('data-busy');",
        json!([]),
    )
    .await;
    let after =
        h.b.js(
            "return { bots: bots().map(bubble), users: $$('.msg.user').map(bubble) };",
            json!([]),
        )
        .await;
    assert_eq!(after, before, "the history after a reload");
    h.b.screenshot("after-reload").await;

    // A second tab: the same history; what happens there shows up live in the first.
    let first =
        h.b.command(reqwest::Method::GET, "/window", None)
            .await
            .expect("window handle");
    let second = h.b.post("/window/new", json!({"type": "tab"})).await;
    h.b.post("/window", json!({"handle": second["handle"]}))
        .await;
    h.open_page("/").await;
    h.open_widget().await;
    h.b.wait_for(
        "the history in the second tab",
        "return bots().map(bubble).join('\\n') === arguments[0] && $('.qr[data-id=\"yes\"]');",
        json!([before["bots"]
            .as_array()
            .expect("bots")
            .iter()
            .map(|b| b.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")]),
    )
    .await;
    h.choose("yes", "survey.start").await;
    h.b.screenshot("second-tab").await;
    h.b.post("/window", json!({ "handle": first })).await;
    h.b.wait_for(
        "the first tab following the second",
        "return lastNode() === 'survey.start' && $('.qr[data-id=\"r5\"]') && !$('.qr[data-id=\"yes\"]');",
        json!([]),
    )
    .await;
    h.b.screenshot("first-tab-follows").await;

    // Nothing was sent twice, and restoring did not re-send the greeting.
    let entries = h.transcript().await;
    assert_eq!(inbound(&entries, "[button blurry]"), 1);
    assert_eq!(inbound(&entries, "[button yes]"), 1);
    assert_eq!(inbound(&entries, "[start]"), 1, "{entries:#?}");
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn html_in_a_message_is_shown_as_text() {
    let Some(h) = setup("html_as_text").await else {
        return;
    };
    let attack = "<img src=x onerror=alert(1)>";
    h.open_page("/").await;
    h.open_widget().await;
    let textarea = h.b.element("textarea").await;
    h.b.type_into(&textarea, attack).await;
    h.b.type_into(&textarea, ENTER).await; // Enter sends
    let check = "const u = $$('.msg.user').find(m => bubble(m) === arguments[0]); \
         return !!u && u.querySelector('.bubble').children.length === 0 \
           && R.querySelectorAll('img[src=\"x\"], img:not(.pic):not([alt])').length === 0 \
           && document.querySelectorAll('img').length === 0 \
           && !HOST.hasAttribute('data-busy') && bots().length >= 2;";
    h.b.wait_for("the message as text, answered", check, json!([attack]))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.b.alert().await, None, "an alert opened");
    assert_eq!(
        h.b.js("return $('textarea').value;", json!([])).await,
        "",
        "the text box is emptied after sending"
    );
    h.b.screenshot("as-text").await;

    // The same from the stored history after a reload.
    h.b.post("/refresh", json!({})).await;
    h.b.element(".launcher").await;
    h.open_widget().await;
    h.b.wait_for("the restored message as text", check, json!([attack]))
        .await;
    assert_eq!(h.b.alert().await, None, "an alert opened after reload");
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn keyboard_only_and_a_phone_sized_screen() {
    let Some(h) = setup("keyboard").await else {
        return;
    };
    h.open_page("/").await;
    // Tab order of the page reaches the launcher; Enter opens, focus goes to the text box.
    h.b.js("$('.launcher').focus();", json!([])).await;
    h.b.press(&[ENTER]).await;
    h.b.wait_for(
        "the panel open with focus in the text box",
        "return visible($('.panel')) && R.activeElement === $('textarea') && $('.qr');",
        json!([]),
    )
    .await;
    assert_eq!(
        h.b.js(
            "return $('.launcher').getAttribute('aria-expanded');",
            json!([])
        )
        .await,
        "true"
    );
    // The quick replies are reachable with Tab (backwards from the text box).
    let mut reached = false;
    for _ in 0..40 {
        h.b.press(&[SHIFT, TAB]).await;
        let at =
            h.b.js(
                "return R.activeElement && R.activeElement.getAttribute('data-id');",
                json!([]),
            )
            .await;
        if at == "photo" {
            reached = true;
            break;
        }
    }
    assert!(reached, "Shift+Tab never reached the `photo` button");
    h.b.press(&[ENTER]).await;
    h.b.wait_for(
        "the next question, focus on its first button",
        "return lastNode() === 'photo_quality.start' && R.activeElement && R.activeElement.classList.contains('qr');",
        json!([]),
    )
    .await;
    h.b.screenshot("keyboard").await;
    // Escape closes and gives focus back to the launcher.
    h.b.press(&[ESCAPE]).await;
    h.b.wait_for(
        "the panel closed, focus on the launcher",
        "return !visible($('.panel')) && R.activeElement === $('.launcher') && document.activeElement === HOST;",
        json!([]),
    )
    .await;

    // On a phone the panel fills the screen.
    h.b.post("/window/rect", json!({"width": 390, "height": 844}))
        .await;
    h.b.press(&[ENTER]).await;
    let rect = h
        .b
        .wait_for(
            "the panel open on a small screen",
            "if (!visible($('.panel'))) return null; const r = $('.panel').getBoundingClientRect(); \
             const d = document.documentElement; return [r.left, r.top, r.width, r.height, d.clientWidth, d.clientHeight];",
            json!([]),
        )
        .await;
    let n = |i: usize| rect[i].as_f64().unwrap_or(-1.0);
    assert!(
        n(0) == 0.0 && n(1) == 0.0 && n(2) == n(4) && n(3) == n(5),
        "full screen on a phone: {rect}"
    );
    h.b.screenshot("phone").await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn offline_and_server_down_are_shown_and_messages_get_through_after() {
    let Some(mut h) = setup("network_trouble").await else {
        return;
    };
    h.open_page("/").await;
    h.open_widget().await;
    let texts = h.texts("en").await;

    // Offline: said so; a message waits and goes when the network is back.
    if h.b.network(true, -1).await.is_ok() {
        h.b.wait_for(
            "the offline notice",
            "return HOST.getAttribute('data-status') === 'offline' && $('.status').textContent === arguments[0];",
            json!([texts["widget-offline"]]),
        )
        .await;
        let textarea = h.b.element("textarea").await;
        h.b.type_into(&textarea, "hello").await;
        h.b.type_into(&textarea, ENTER).await;
        h.b.screenshot("offline").await;
        h.b.network(false, -1).await.expect("back online");
        h.b.wait_for(
            "the waiting message sent and answered",
            "const u = $$('.msg.user').pop(); return u && bubble(u) === 'hello' && !u.querySelector('.meta') \
             && !HOST.hasAttribute('data-busy') && lastBot().compareDocumentPosition(u) & Node.DOCUMENT_POSITION_PRECEDING;",
            json!([]),
        )
        .await;
    } else {
        println!("network emulation not available: offline state not tested");
    }

    // The server goes away: the widget says so, the message fails with a Retry button.
    let listen = h
        .base
        .strip_prefix("http://")
        .expect("http address")
        .to_string();
    drop(h.server.take());
    let textarea = h.b.element("textarea").await;
    h.b.type_into(&textarea, "are you there?").await;
    h.b.type_into(&textarea, ENTER).await;
    h.b.wait_for(
        "the message marked not sent, the server reported down",
        "const u = $$('.msg.user').pop(); return u.classList.contains('failed') && u.querySelector('.meta.err button') \
         && $('.status').textContent === arguments[0];",
        json!([texts["widget-server-down"]]),
    )
    .await;
    h.b.screenshot("server-down").await;

    // It comes back on the same address and data: Retry sends the same message, once.
    h.server = Some(start_server(h.data.path(), &listen, "1000/1000"));
    h.b.js("window.dispatchEvent(new Event('online'));", json!([]))
        .await;
    h.b.wait_for(
        "the push connection back",
        "return HOST.getAttribute('data-status') === 'ok';",
        json!([]),
    )
    .await;
    h.b.click_in(".msg.user.failed .meta button").await;
    h.b.wait_for(
        "the retried message answered",
        "const u = $$('.msg.user').pop(); return !u.classList.contains('failed') && !u.querySelector('.meta') \
         && !HOST.hasAttribute('data-busy') && lastBot().compareDocumentPosition(u) & Node.DOCUMENT_POSITION_PRECEDING;",
        json!([]),
    )
    .await;
    h.b.screenshot("back").await;
    let entries = h.transcript().await;
    assert_eq!(inbound(&entries, "are you there?"), 1);
    assert_eq!(inbound(&entries, "hello"), 1);
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_rate_limited_message_waits_its_turn_and_is_sent_once() {
    // Three messages at once, then one every ten seconds (reading history and opening the socket
    // count against the address only, not the visitor's messages).
    let Some(h) = setup_with("rate_limit", "0.1/3").await else {
        return;
    };
    h.open_page("/").await;
    h.open_widget().await; // the greeting: one
    let texts = h.texts("en").await;
    h.choose("photo", "photo_quality.start").await; // two
    h.choose("blurry", "photo_quality.photo_blurry").await; // three
    h.b.click_in(".qr[data-id=\"yes\"]").await; // refused with Retry-After, then sent
    let prefix = texts["widget-rate-limited"]
        .as_str()
        .expect("widget-rate-limited")
        .split('{')
        .next()
        .unwrap_or_default()
        .to_string();
    h.b.wait_for(
        "the rate-limit notice with its countdown",
        "return HOST.getAttribute('data-status') === 'rate-limited' && $('.status').textContent.startsWith(arguments[0]) \
         && /\\d/.test($('.status').textContent);",
        json!([prefix]),
    )
    .await;
    h.b.screenshot("rate-limited").await;
    h.b.wait_for(
        "the message sent after the wait",
        "return lastNode() === 'survey.start' && HOST.getAttribute('data-status') === 'ok';",
        json!([]),
    )
    .await;
    let entries = h.transcript().await;
    assert_eq!(inbound(&entries, "[button yes]"), 1);
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_signed_in_user_gets_their_case_status_without_typing_a_case_id() {
    let Some(h) = setup("signed_in").await else {
        return;
    };
    h.open_page("/?demo_user=1").await;
    let token =
        h.b.js(
            "return document.querySelector('script[src$=\"widget.js\"]').dataset.identity;",
            json!([]),
        )
        .await;
    assert!(
        token.as_str().is_some_and(|t| t.starts_with("u_demo.")),
        "the demo page carries a token for u_demo: {token}"
    );
    h.open_widget().await;
    assert!(
        truthy(&h.b.js("return visible($('.note'));", json!([])).await),
        "the panel says the visitor is signed in"
    );
    h.b.click_in(".qr[data-id=\"status\"]").await;
    // The widget sent the token: the conversation is now the user's, and a request for it
    // without the user's identity is refused, even with the conversation's own token.
    let visitor = h.visitor().await;
    let (id, conversation_token) = h.conversation().await;
    assert!(
        h.b.js(
            "return localStorage.getItem('kycdesk.v1:visitor:u:u_demo');",
            json!([])
        )
        .await
            == visitor.as_str(),
        "a signed-in user has a conversation of their own"
    );
    let anonymous = h
        .http
        .get(format!("{}/api/v1/conversations/{id}/transcript", h.base))
        .header("x-kycdesk-conversation", &conversation_token)
        .send()
        .await
        .expect("transcript");
    assert_eq!(
        anonymous.status(),
        reqwest::StatusCode::FORBIDDEN,
        "the conversation is linked to u_demo"
    );
    let node = h
        .b
        .wait_for(
            "the bot's answer about the case",
            "const n = lastNode(); return n && n !== 'menu.start' && !HOST.hasAttribute('data-busy') && n;",
            json!([]),
        )
        .await;
    h.b.screenshot("case-status").await;
    let node = node.as_str().unwrap_or_default();
    for asks in [
        "status.no_case",
        "status.ask_case",
        "status.no_number",
        "status.not_found",
        "status.unavailable",
    ] {
        assert_ne!(
            node,
            asks,
            "a signed-in user's case is looked up without asking for its number; the bot said:\n{}",
            h.b.transcript_on_screen().await
        );
    }
    // An anonymous visitor in the same browser is another conversation, not the user's.
    h.open_page("/").await;
    h.open_widget().await;
    let shown = h.b.js("return $$('.msg.user').length;", json!([])).await;
    assert_eq!(
        shown, 0,
        "the anonymous visitor does not see the user's chat"
    );
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn an_expired_identity_is_renewed_by_the_page_and_the_conversation_carries_on() {
    let Some(h) = setup("identity_renewal").await else {
        return;
    };
    h.open_page("/?demo_user=1").await;
    h.open_widget().await;
    h.choose("photo", "photo_quality.start").await;
    // The widget's token runs out in the middle of the conversation (a token signed by the
    // wallet, already expired). The page listens for the widget's request, as a wallet would.
    let expired = kycdesk::channel::widget::identity::IdentityVerifier::new(
        Some(WALLET_SECRET.as_bytes().to_vec()),
        true,
    )
    .issue("u_demo", chrono::Utc::now().timestamp() - 30)
    .expect("token");
    h.b.js(
        "window.__asked = 0; window.addEventListener('kycdesk:identity-expired', () => window.__asked++); \
         window.KycDesk.setIdentity(arguments[0]); return true;",
        json!([expired]),
    )
    .await;
    // The next message waits for a fresh token (the demo page fetches one and hands it over),
    // then goes through, once, in the same conversation.
    h.choose("blurry", "photo_quality.photo_blurry").await;
    let asked = h.b.js("return window.__asked;", json!([])).await;
    assert!(
        asked.as_u64().is_some_and(|n| n >= 1),
        "the widget asked the page for a fresh token: {asked}"
    );
    h.b.screenshot("renewed").await;
    let (id, token) = h.conversation().await;
    let identity =
        h.b.js(
            "return document.querySelector('script[src$=\"widget.js\"]').dataset.identity;",
            json!([]),
        )
        .await;
    let entries: Value = h
        .http
        .get(format!("{}/api/v1/conversations/{id}/transcript", h.base))
        .header("x-kycdesk-conversation", token)
        .header("x-kycdesk-identity", identity.as_str().unwrap_or_default())
        .send()
        .await
        .expect("transcript")
        .json()
        .await
        .expect("json");
    let entries = entries["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(inbound(&entries, "[button blurry]"), 1);
    assert_eq!(inbound(&entries, "[button photo]"), 1);
}
