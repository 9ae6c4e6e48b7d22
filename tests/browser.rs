//! Browser tests: the web widget (`web/widget.js` on the demo page `web/demo.html`) in headless
//! Chromium, driven over WebDriver (ChromeDriver, through the shared harness in
//! `common/browser.rs`), against the real `kycdesk serve` binary.
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
//! Every test saves screenshots of its steps, and of its end (or the moment it failed), under
//! `target/browser-artifacts/<test>/`. The tests run one at a time (each starts its own server,
//! ChromeDriver and browser profile).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::PoisonError;
use std::time::Duration;

use common::browser::{Browser, Key, Session, SessionOptions, truthy};
use fantoccini::elements::Element;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::{Mutex, MutexGuard};

/// One browser test at a time: two cores do not run several Chromiums and servers well.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// The wallet's widget secret in these tests (the demo page signs with its own demo key).
const WALLET_SECRET: &str = "browser-test-wallet-secret";

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

/// What the widget's log shows, one message a line (for failure messages).
const ON_SCREEN: &str = r"return $$('.msg').map(m => m.className + ' [' + (m.getAttribute('data-node') || '') + '] ' + bubble(m)).join('\n');";

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

/// A browser session for the demo page: the widget's script helpers, its log in failure messages.
fn widget_page() -> SessionOptions {
    SessionOptions {
        prelude: PRELUDE,
        describe: ON_SCREEN,
        ..SessionOptions::default()
    }
}

// ---- one test's world ---------------------------------------------------------------------------

/// Field order is drop order: the browser's sessions close and ChromeDriver stops first, then
/// the server, then the temporary directories go, then the next test may start.
struct World {
    browser: Browser,
    /// The test's visitor, in the first browser session.
    visitor: Visitor,
    server: std::sync::Mutex<Option<Server>>,
    data: TempDir,
    files: TempDir,
    _serial: MutexGuard<'static, ()>,
}

/// A test speaks as its visitor (`h.open_widget()`, `h.b.js(..)`); others are made with
/// [`World::another_visitor`].
impl std::ops::Deref for World {
    type Target = Visitor;

    fn deref(&self) -> &Visitor {
        &self.visitor
    }
}

/// The widget on the demo page in one browser session, and the server it talks to: what a
/// visitor sees and does.
#[derive(Clone)]
struct Visitor {
    b: Session,
    base: String,
    http: reqwest::Client,
}

impl World {
    async fn start(test: &'static str) -> Self {
        Self::start_with(test, "1000/1000").await
    }

    /// The server (with this per-visitor rate), ChromeDriver and a browser with a fresh profile.
    async fn start_with(test: &'static str, rate_visitor: &str) -> Self {
        let serial = SERIAL.lock().await;
        let data = tempfile::tempdir().expect("data dir");
        let files = tempfile::tempdir().expect("files dir");
        let server = start_server(data.path(), "127.0.0.1:0", rate_visitor);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        let browser = Browser::start(test).await;
        let b = browser.session("visitor", widget_page()).await;
        World {
            browser,
            visitor: Visitor {
                b,
                base: server.base.clone(),
                http,
            },
            server: std::sync::Mutex::new(Some(server)),
            data,
            files,
            _serial: serial,
        }
    }

    /// Another visitor, in a browser session of their own (own storage, own conversation).
    async fn another_visitor(&self, name: &str) -> Visitor {
        Visitor {
            b: self.browser.session(name, widget_page()).await,
            base: self.visitor.base.clone(),
            http: self.visitor.http.clone(),
        }
    }

    /// Runs the test's body; then, passed or failed, a last screenshot and the browser closed.
    async fn run(&self, body: impl std::future::Future<Output = ()>) {
        self.browser.run(body).await;
    }

    /// Stops the server (its address and data stay for [`World::restart_server`]).
    fn stop_server(&self) {
        let server = self
            .server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(server);
    }

    /// Starts the server again on `listen`, over the same data.
    fn restart_server(&self, listen: &str) {
        let server = start_server(self.data.path(), listen, "1000/1000");
        *self.server.lock().unwrap_or_else(PoisonError::into_inner) = Some(server);
    }
}

impl Visitor {
    /// The element for `css` inside the widget's shadow root, once it is there and usable.
    async fn element(&self, css: &str) -> Element {
        self.b
            .wait_for_element(
                &format!("`{css}` in the widget"),
                "const el = $(arguments[0]); return visible(el) && !el.disabled ? el : null;",
                &[json!(css)],
            )
            .await
    }

    /// The element for `css` in the widget as it is now, shown or not (e.g. the file input).
    async fn element_now(&self, css: &str) -> Element {
        let value = self.b.js("return $(arguments[0]);", &[json!(css)]).await;
        self.b
            .element_of(&value)
            .unwrap_or_else(|| panic!("no `{css}` in the widget"))
    }

    async fn click_in(&self, css: &str) {
        let element = self.element(css).await;
        self.b.click(&element).await;
    }

    /// Types `text` into the widget's text box and sends it with Enter.
    async fn send_text(&self, text: &str) {
        let textarea = self.element("textarea").await;
        self.b.type_into(&textarea, text).await;
        self.b.type_into(&textarea, &Key::Enter.to_string()).await;
    }

    /// What the widget's log shows, one message a line.
    async fn on_screen(&self) -> String {
        self.b
            .try_js(ON_SCREEN, &[])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The demo page (`/` or e.g. `/?demo_user=1`), once the widget's launcher is on it.
    async fn open_page(&self, path: &str) {
        self.b.goto(&format!("{}{path}", self.base)).await;
        self.element(".launcher").await;
    }

    /// Opens the panel (if it is not open) and waits for the bot's first buttons.
    async fn open_widget(&self) {
        let open = self.b.js("return visible($('.panel'));", &[]).await;
        if !truthy(&open) {
            self.click_in(".launcher").await;
        }
        self.b
            .wait_for(
                "the panel and the bot's buttons",
                "return visible($('.panel')) && $('.qr');",
                &[],
            )
            .await;
    }

    /// Clicks the quick reply `id` and waits until the bot is at `node`.
    async fn choose(&self, id: &str, node: &str) {
        self.click_in(&format!(".qr[data-id=\"{id}\"]")).await;
        self.b
            .wait_for(
                &format!("the bot at `{node}` after button `{id}`"),
                "return lastNode() === arguments[0] && !HOST.hasAttribute('data-busy');",
                &[json!(node)],
            )
            .await;
    }

    /// The visitor record the widget keeps in the page's storage (JSON).
    async fn stored_visitor(&self) -> String {
        let v = self
            .b
            .js(
                "for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); \
                 if (k.startsWith('kycdesk.v1:visitor:')) return localStorage.getItem(k); } return null;",
                &[],
            )
            .await;
        v.as_str()
            .expect("the widget keeps a visitor id")
            .to_string()
    }

    /// The id and token of the conversation the widget holds.
    async fn conversation(&self) -> (String, String) {
        let held: Value =
            serde_json::from_str(&self.stored_visitor().await).expect("stored as JSON");
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
    let h = World::start("photo_conversation").await;
    h.run(async {
    h.open_page("/").await;
    h.b.screenshot("demo-page").await;

    // The wallet page styles every button (uppercase, yellow on black): none of it reaches in.
    h.open_widget().await;
    let style = h
        .b
        .js(
            "const s = getComputedStyle($('.qr')); return [s.textTransform, s.backgroundColor, s.letterSpacing];",
            &[],
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
            &[],
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
        &[],
    )
    .await;
    h.b.wait_for(
        "the greeting in the aria-live region",
        "const l = $('[aria-live=polite]'); return l && l.textContent.length > 10;",
        &[],
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
            &[],
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
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn the_language_switch_changes_the_widget_and_the_bot() {
    let h = World::start("language").await;
    h.run(async {
    h.open_page("/").await;
    h.open_widget().await;
    let (en, zh) = (h.texts("en").await, h.texts("zh-CN").await);
    // The demo page is <html lang="en">: the widget starts in English, its texts from the server.
    h.b.wait_for(
        "the widget's own texts in English",
        "return JSON.stringify([$('h2').textContent, $('textarea').placeholder, $('.lang').textContent, $('.panel').lang]) === arguments[0];",
        &[json!(json!([en["widget-title"], en["widget-placeholder"], en["widget-lang-other"], "en"]).to_string())],
    )
    .await;
    assert_eq!(
        h.b.js("return $('.qr[data-id=\"photo\"]').textContent;", &[])
            .await,
        ftl("en", "menu", "menu-btn-photo")
    );

    h.click_in(".lang").await;
    h.b.wait_for(
        "the widget's own texts in Chinese",
        "return $('h2').textContent === arguments[0] && $('textarea').placeholder === arguments[1] && $('.panel').lang === 'zh-CN';",
        &[zh["widget-title"].clone(), zh["widget-placeholder"].clone()],
    )
    .await;
    // The bot follows: the current question comes again, its buttons in Chinese.
    h.b.wait_for(
        "the menu's buttons in Chinese",
        "const b = $('.qr[data-id=\"photo\"]'); return b && b.textContent === arguments[0] && !HOST.hasAttribute('data-busy');",
        &[json!(ftl("zh-CN", "menu", "menu-btn-photo"))],
    )
    .await;
    h.b.screenshot("chinese").await;
    h.choose("photo", "photo_quality.start").await;
    let said = h.b.js("return bubble(lastBot());", &[]).await;
    assert_eq!(said, ftl("zh-CN", "photo_quality", "photo_quality-which"));

    // The choice is remembered: a reload stays in Chinese, and the history reads as it did
    // (the question the bot repeated when asked to switch is not shown twice).
    let before =
        h.b.js(
            "return $$('.msg').map(m => m.className + ': ' + bubble(m));",
            &[],
        )
        .await;
    h.open_page("/").await;
    h.b.wait_for(
        "Chinese after a reload",
        "return $('.launcher').getAttribute('aria-label').startsWith(arguments[0]);",
        &[zh["widget-launcher"].clone()],
    )
    .await;
    h.open_widget().await;
    h.b.wait_for(
        "the same history after the reload",
        "return JSON.stringify($$('.msg').map(m => m.className + ': ' + bubble(m))) === arguments[0];",
        &[json!(before.to_string())],
    )
    .await;
    assert_eq!(
        h.b.js("return $('h2').textContent;", &[]).await,
        zh["widget-title"]
    );
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_photo_is_previewed_uploaded_with_progress_and_answered() {
    let h = World::start("photo_upload").await;
    h.run(async {
    h.open_page("/").await;
    h.open_widget().await;
    h.choose("photo", "photo_quality.start").await;
    let texts = h.texts("en").await;

    // Too large: refused in the browser with a clear message, nothing uploaded.
    let big = h.files.path().join("huge-scan.png");
    std::fs::write(&big, vec![0u8; 10 * 1024 * 1024 + 1]).expect("big file");
    let input = h.element_now("input[type=file]").await;
    assert_eq!(
        h.b.js(
            "return [$('input[type=file]').accept, $('input[type=file]').getAttribute('capture')];",
            &[]
        )
        .await,
        json!(["image/*", "environment"])
    );
    h.b.type_into(&input, &big.display().to_string()).await;
    h.b.wait_for(
        "the too-large message",
        "const m = $$('.msg.sys').pop(); return m && bubble(m) === arguments[0];",
        &[texts["widget-photo-too-large"].clone()],
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
        &[],
    )
    .await;
    h.b.screenshot("preview").await;
    let throttled = h.b.network(false, 200_000).await.is_ok();
    h.click_in(".preview .main").await;
    if throttled {
        h.b.wait_for(
            "upload progress between 0 and 100 %",
            "const p = $$('.msg.user progress').pop(); return p && p.value > 0 && p.value < 100;",
            &[],
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
        &[],
    )
    .await;
    h.b.screenshot("answered").await;
    let node = h.b.js("return lastNode();", &[]).await;
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
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn history_survives_a_reload_and_follows_into_another_tab() {
    let h = World::start("history").await;
    h.run(async {
    h.open_page("/").await;
    h.open_widget().await;
    h.choose("photo", "photo_quality.start").await;
    h.choose("blurry", "photo_quality.photo_blurry").await;
    let before =
        h.b.js(
            "return { bots: bots().map(bubble), users: $$('.msg.user').map(bubble) };",
            &[],
        )
        .await;

    // Reload: the same conversation, the same messages once each, the current buttons back.
    h.b.refresh().await;
    h.element(".launcher").await;
    h.open_widget().await;
    h.b.wait_for(
        "the restored conversation",
        "return $('.qr[data-id=\"yes\"]') && $('.qr[data-id=\"no\"]') && !HOST.hasAttribute('data-busy');",
        &[],
    )
    .await;
    let after =
        h.b.js(
            "return { bots: bots().map(bubble), users: $$('.msg.user').map(bubble) };",
            &[],
        )
        .await;
    assert_eq!(after, before, "the history after a reload");
    h.b.screenshot("after-reload").await;

    // A second tab: the same history; what happens there shows up live in the first.
    let first = h.b.window().await;
    h.b.new_tab().await;
    h.open_page("/").await;
    h.open_widget().await;
    h.b.wait_for(
        "the history in the second tab",
        "return bots().map(bubble).join('\\n') === arguments[0] && $('.qr[data-id=\"yes\"]');",
        &[json!(before["bots"]
            .as_array()
            .expect("bots")
            .iter()
            .map(|b| b.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n"))],
    )
    .await;
    h.choose("yes", "survey.start").await;
    h.b.screenshot("second-tab").await;
    h.b.switch_to(first).await;
    h.b.wait_for(
        "the first tab following the second",
        "return lastNode() === 'survey.start' && $('.qr[data-id=\"r5\"]') && !$('.qr[data-id=\"yes\"]');",
        &[],
    )
    .await;
    h.b.screenshot("first-tab-follows").await;

    // Nothing was sent twice, and restoring did not re-send the greeting.
    let entries = h.transcript().await;
    assert_eq!(inbound(&entries, "[button blurry]"), 1);
    assert_eq!(inbound(&entries, "[button yes]"), 1);
    assert_eq!(inbound(&entries, "[start]"), 1, "{entries:#?}");
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn html_in_a_message_is_shown_as_text() {
    let h = World::start("html_as_text").await;
    h.run(async {
        let attack = "<img src=x onerror=alert(1)>";
        h.open_page("/").await;
        h.open_widget().await;
        h.send_text(attack).await; // typed, then Enter sends
        let check = "const u = $$('.msg.user').find(m => bubble(m) === arguments[0]); \
         return !!u && u.querySelector('.bubble').children.length === 0 \
           && R.querySelectorAll('img[src=\"x\"], img:not(.pic):not([alt])').length === 0 \
           && document.querySelectorAll('img').length === 0 \
           && !HOST.hasAttribute('data-busy') && bots().length >= 2;";
        h.b.wait_for("the message as text, answered", check, &[json!(attack)])
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(h.b.alert().await, None, "an alert opened");
        assert_eq!(
            h.b.js("return $('textarea').value;", &[]).await,
            "",
            "the text box is emptied after sending"
        );
        h.b.screenshot("as-text").await;

        // The same from the stored history after a reload.
        h.b.refresh().await;
        h.element(".launcher").await;
        h.open_widget().await;
        h.b.wait_for("the restored message as text", check, &[json!(attack)])
            .await;
        assert_eq!(h.b.alert().await, None, "an alert opened after reload");
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn keyboard_only_and_a_phone_sized_screen() {
    let h = World::start("keyboard").await;
    h.run(async {
    h.open_page("/").await;
    // Tab order of the page reaches the launcher; Enter opens, focus goes to the text box.
    h.b.js("$('.launcher').focus();", &[]).await;
    h.b.press(&[Key::Enter]).await;
    h.b.wait_for(
        "the panel open with focus in the text box",
        "return visible($('.panel')) && R.activeElement === $('textarea') && $('.qr');",
        &[],
    )
    .await;
    assert_eq!(
        h.b.js(
            "return $('.launcher').getAttribute('aria-expanded');",
            &[]
        )
        .await,
        "true"
    );
    // The quick replies are reachable with Tab (backwards from the text box).
    let mut reached = false;
    for _ in 0..40 {
        h.b.press(&[Key::Shift, Key::Tab]).await;
        let at =
            h.b.js(
                "return R.activeElement && R.activeElement.getAttribute('data-id');",
                &[],
            )
            .await;
        if at == "photo" {
            reached = true;
            break;
        }
    }
    assert!(reached, "Shift+Tab never reached the `photo` button");
    h.b.press(&[Key::Enter]).await;
    h.b.wait_for(
        "the next question, focus on its first button",
        "return lastNode() === 'photo_quality.start' && R.activeElement && R.activeElement.classList.contains('qr');",
        &[],
    )
    .await;
    h.b.screenshot("keyboard").await;
    // Escape closes and gives focus back to the launcher.
    h.b.press(&[Key::Escape]).await;
    h.b.wait_for(
        "the panel closed, focus on the launcher",
        "return !visible($('.panel')) && R.activeElement === $('.launcher') && document.activeElement === HOST;",
        &[],
    )
    .await;

    // On a phone the panel fills the screen.
    h.b.set_window_size(390, 844).await;
    h.b.press(&[Key::Enter]).await;
    let rect = h
        .b
        .wait_for(
            "the panel open on a small screen",
            "if (!visible($('.panel'))) return null; const r = $('.panel').getBoundingClientRect(); \
             const d = document.documentElement; return [r.left, r.top, r.width, r.height, d.clientWidth, d.clientHeight];",
            &[],
        )
        .await;
    let n = |i: usize| rect[i].as_f64().unwrap_or(-1.0);
    assert!(
        n(0) == 0.0 && n(1) == 0.0 && n(2) == n(4) && n(3) == n(5),
        "full screen on a phone: {rect}"
    );
    h.b.screenshot("phone").await;
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn offline_and_server_down_are_shown_and_messages_get_through_after() {
    let h = World::start("network_trouble").await;
    h.run(async {
    h.open_page("/").await;
    h.open_widget().await;
    let texts = h.texts("en").await;

    // Offline: said so; a message waits and goes when the network is back.
    if h.b.network(true, -1).await.is_ok() {
        h.b.wait_for(
            "the offline notice",
            "return HOST.getAttribute('data-status') === 'offline' && $('.status').textContent === arguments[0];",
            &[texts["widget-offline"].clone()],
        )
        .await;
        h.send_text("hello").await;
        h.b.screenshot("offline").await;
        h.b.network(false, -1).await.expect("back online");
        h.b.wait_for(
            "the waiting message sent and answered",
            "const u = $$('.msg.user').pop(); return u && bubble(u) === 'hello' && !u.querySelector('.meta') \
             && !HOST.hasAttribute('data-busy') && lastBot().compareDocumentPosition(u) & Node.DOCUMENT_POSITION_PRECEDING;",
            &[],
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
    h.stop_server();
    h.send_text("are you there?").await;
    h.b.wait_for(
        "the message marked not sent, the server reported down",
        "const u = $$('.msg.user').pop(); return u.classList.contains('failed') && u.querySelector('.meta.err button') \
         && $('.status').textContent === arguments[0];",
        &[texts["widget-server-down"].clone()],
    )
    .await;
    h.b.screenshot("server-down").await;

    // It comes back on the same address and data: Retry sends the same message, once.
    h.restart_server(&listen);
    h.b.js("window.dispatchEvent(new Event('online'));", &[])
        .await;
    h.b.wait_for(
        "the push connection back",
        "return HOST.getAttribute('data-status') === 'ok';",
        &[],
    )
    .await;
    h.click_in(".msg.user.failed .meta button").await;
    h.b.wait_for(
        "the retried message answered",
        "const u = $$('.msg.user').pop(); return !u.classList.contains('failed') && !u.querySelector('.meta') \
         && !HOST.hasAttribute('data-busy') && lastBot().compareDocumentPosition(u) & Node.DOCUMENT_POSITION_PRECEDING;",
        &[],
    )
    .await;
    h.b.screenshot("back").await;
    let entries = h.transcript().await;
    assert_eq!(inbound(&entries, "are you there?"), 1);
    assert_eq!(inbound(&entries, "hello"), 1);
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_rate_limited_message_waits_its_turn_and_is_sent_once() {
    // Three messages at once, then one every ten seconds (reading history and opening the socket
    // count against the address only, not the visitor's messages).
    let h = World::start_with("rate_limit", "0.1/3").await;
    h.run(async {
    h.open_page("/").await;
    h.open_widget().await; // the greeting: one
    let texts = h.texts("en").await;
    h.choose("photo", "photo_quality.start").await; // two
    h.choose("blurry", "photo_quality.photo_blurry").await; // three
    h.click_in(".qr[data-id=\"yes\"]").await; // refused with Retry-After, then sent
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
        &[json!(prefix)],
    )
    .await;
    h.b.screenshot("rate-limited").await;
    h.b.wait_for(
        "the message sent after the wait",
        "return lastNode() === 'survey.start' && HOST.getAttribute('data-status') === 'ok';",
        &[],
    )
    .await;
    let entries = h.transcript().await;
    assert_eq!(inbound(&entries, "[button yes]"), 1);
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn a_signed_in_user_gets_their_case_status_without_typing_a_case_id() {
    let h = World::start("signed_in").await;
    h.run(async {
    h.open_page("/?demo_user=1").await;
    let token =
        h.b.js(
            "return document.querySelector('script[src$=\"widget.js\"]').dataset.identity;",
            &[],
        )
        .await;
    assert!(
        token.as_str().is_some_and(|t| t.starts_with("u_demo.")),
        "the demo page carries a token for u_demo: {token}"
    );
    h.open_widget().await;
    assert!(
        truthy(&h.b.js("return visible($('.note'));", &[]).await),
        "the panel says the visitor is signed in"
    );
    h.click_in(".qr[data-id=\"status\"]").await;
    // The widget sent the token: the conversation is now the user's, and a request for it
    // without the user's identity is refused, even with the conversation's own token.
    let visitor = h.stored_visitor().await;
    let (id, conversation_token) = h.conversation().await;
    assert!(
        h.b.js(
            "return localStorage.getItem('kycdesk.v1:visitor:u:u_demo');",
            &[]
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
            &[],
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
            h.on_screen().await
        );
    }
    // An anonymous visitor in the same browser is another conversation, not the user's.
    h.open_page("/").await;
    h.open_widget().await;
    let shown = h.b.js("return $$('.msg.user').length;", &[]).await;
    assert_eq!(
        shown, 0,
        "the anonymous visitor does not see the user's chat"
    );
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn an_expired_identity_is_renewed_by_the_page_and_the_conversation_carries_on() {
    let h = World::start("identity_renewal").await;
    h.run(async {
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
        &[json!(expired)],
    )
    .await;
    // The next message waits for a fresh token (the demo page fetches one and hands it over),
    // then goes through, once, in the same conversation.
    h.choose("blurry", "photo_quality.photo_blurry").await;
    let asked = h.b.js("return window.__asked;", &[]).await;
    assert!(
        asked.as_u64().is_some_and(|n| n >= 1),
        "the widget asked the page for a fresh token: {asked}"
    );
    h.b.screenshot("renewed").await;
    let (id, token) = h.conversation().await;
    let identity =
        h.b.js(
            "return document.querySelector('script[src$=\"widget.js\"]').dataset.identity;",
            &[],
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
    })
    .await;
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_browser_tests),
    ignore = "browser tests: set KYCDESK_BROWSER_TESTS=1 (needs chromium and chromium-driver)"
)]
async fn two_visitors_in_their_own_browsers_have_their_own_conversations() {
    let h = World::start("two_visitors").await;
    let other = h.another_visitor("other-visitor").await;
    h.run(async {
        // Both at once, each in its own Chromium.
        tokio::join!(h.open_page("/"), other.open_page("/"));
        tokio::join!(h.open_widget(), other.open_widget());
        tokio::join!(
            h.choose("photo", "photo_quality.start"),
            other.choose("photo", "photo_quality.start"),
        );
        h.choose("blurry", "photo_quality.photo_blurry").await;
        h.b.screenshot("moved-on").await;
        other.b.screenshot("still-at-the-question").await;

        let (mine, theirs) = (h.conversation().await.0, other.conversation().await.0);
        assert_ne!(mine, theirs, "two browsers, two conversations");
        // What one visitor does stays in their conversation and their widget.
        assert_eq!(
            other.b.js("return lastNode();", &[]).await,
            "photo_quality.start",
            "the other visitor's bot did not move:\n{}",
            other.on_screen().await
        );
        assert_eq!(
            other.b.js("return $$('.msg.user').length;", &[]).await,
            1,
            "the other visitor sees only their own choice:\n{}",
            other.on_screen().await
        );
        assert_eq!(inbound(&h.transcript().await, "[button blurry]"), 1);
        let theirs = other.transcript().await;
        assert_eq!(inbound(&theirs, "[button blurry]"), 0);
        assert_eq!(inbound(&theirs, "[button photo]"), 1);
    })
    .await;
}
