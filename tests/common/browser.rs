//! Headless Chromium for the browser tests, driven over WebDriver (ChromeDriver) with fantoccini.
//!
//! A [`Browser`] is one ChromeDriver on a free port; it opens any number of independent
//! [`Session`]s (each its own Chromium with its own profile: separate storage, cookies and
//! windows), so that one test can be a visitor in one and a support agent in another.
//!
//! ```ignore
//! let browser = Browser::start("my_test").await;
//! let user = browser.session("user", SessionOptions::default()).await;
//! let agent = browser.session("agent", SessionOptions::default()).await;
//! browser
//!     .run(async {
//!         user.goto(&format!("{base}/")).await;
//!         user.wait_for("the launcher", "return !!document.querySelector('#x');", &[]).await;
//!     })
//!     .await;
//! ```
//!
//! [`Browser::run`] runs a test's body and then, whether it passed or panicked, saves a last
//! screenshot of every session and closes them (each Chromium quits); dropping the `Browser`
//! closes whatever is still open and stops ChromeDriver, so that no browser outlives its test.
//!
//! Screenshots go to `<target>/browser-artifacts/<test>/NN-<session>-<name>.png`, numbered in the
//! order they were taken across sessions. Waiting has a time-out (a debug build and two cores can
//! be slow); no test asserts how long anything took.
//!
//! `KYCDESK_CHROMIUM` and `KYCDESK_CHROMEDRIVER` name other binaries than Debian's.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::error::CmdError;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand, WindowHandle};
use fantoccini::{Client, ClientBuilder};
use futures::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

pub use fantoccini::key::Key;

/// How long a wait lasts before the test fails: generous, since a debug build trains the
/// classifier at start-up and two cores run server, driver and browsers together.
pub const WAIT: Duration = Duration::from_secs(20);

/// How often a condition is checked while waiting.
const POLL: Duration = Duration::from_millis(100);

/// WebDriver's JSON key for an element reference (W3C WebDriver, "web element identifier").
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How a session's Chromium is set up.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub width: u32,
    pub height: u32,
    /// The browser's language (`--lang` and `Accept-Language`).
    pub lang: &'static str,
    /// Prepended to every script the session runs (helpers the page's tests share).
    pub prelude: &'static str,
    /// A script body whose result, as text, is added to a failed wait's message (what the page
    /// shows, for whoever reads the failure).
    pub describe: &'static str,
}

impl Default for SessionOptions {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 900,
            lang: "en-US",
            prelude: "",
            describe: "",
        }
    }
}

// ---- ChromeDriver -------------------------------------------------------------------------------

/// A ChromeDriver process, stopped when dropped.
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

fn binary(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Chromedriver {
    /// Starts ChromeDriver and waits until it is ready. The free port is only free when looked
    /// at: if another process takes it first, ChromeDriver exits and another port is tried.
    async fn start(log: &Path) -> Self {
        let program = binary("KYCDESK_CHROMEDRIVER", "chromedriver");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("http client");
        for _attempt in 0..3 {
            let port = free_port();
            let child = Command::new(&program)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .arg("--log-level=WARNING")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start {program} ({e}): apt-get install -y chromium chromium-driver"
                    )
                });
            let mut driver = Chromedriver {
                child,
                url: format!("http://127.0.0.1:{port}"),
            };
            let deadline = Instant::now() + WAIT;
            while Instant::now() < deadline {
                if matches!(driver.child.try_wait(), Ok(Some(_))) {
                    break; // the port was taken: try another
                }
                if let Ok(response) = http.get(format!("{}/status", driver.url)).send().await
                    && let Ok(status) = response.json::<Value>().await
                    && status["value"]["ready"] == json!(true)
                {
                    return driver;
                }
                tokio::time::sleep(POLL).await;
            }
        }
        panic!("{program} did not get ready (its log: {})", log.display());
    }
}

// ---- the browser --------------------------------------------------------------------------------

/// Where one test's screenshots go, numbered across its sessions.
struct Shots {
    dir: PathBuf,
    taken: AtomicU32,
}

/// ChromeDriver and the sessions opened through it.
pub struct Browser {
    test: String,
    shots: Arc<Shots>,
    /// Every session opened and not yet closed (clones: the test holds its own).
    open: Mutex<Vec<Session>>,
    driver: Chromedriver,
}

/// `<target>/browser-artifacts`: next to the build, where CI collects it.
pub fn artifacts_dir() -> PathBuf {
    // Cargo gives integration tests `<target>/tmp`; its parent is the target directory, wherever
    // CARGO_TARGET_DIR put it.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-artifacts")
}

impl Browser {
    /// Starts ChromeDriver for the test named `test` (the name of its screenshot directory,
    /// emptied first so that it holds this run's pictures only).
    pub async fn start(test: &str) -> Self {
        let dir = artifacts_dir().join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("artifacts directory");
        let driver = Chromedriver::start(&dir.join("chromedriver.log")).await;
        Self {
            test: test.to_string(),
            shots: Arc::new(Shots {
                dir,
                taken: AtomicU32::new(0),
            }),
            open: Mutex::new(Vec::new()),
            driver,
        }
    }

    /// Opens a new, independent session: its own Chromium with a fresh profile.
    pub async fn session(&self, name: &str, options: SessionOptions) -> Session {
        let profile = tempfile::tempdir().expect("profile directory");
        let args = [
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--no-first-run".to_string(),
            "--no-default-browser-check".to_string(),
            format!("--lang={}", options.lang),
            format!("--window-size={},{}", options.width, options.height),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let language = options.lang.split('-').next().unwrap_or(options.lang);
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        // An alert stays open so that a test can see it (none may ever open).
        capabilities.insert("unhandledPromptBehavior".into(), json!("ignore"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": binary("KYCDESK_CHROMIUM", "/usr/bin/chromium"),
                "args": args,
                "prefs": {"intl.accept_languages": format!("{},{language}", options.lang)},
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.driver.url)
            .await
            .unwrap_or_else(|e| panic!("{}: no WebDriver session `{name}`: {e}", self.test));
        let id = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a new session has an id");
        let session = Session {
            client,
            id: Arc::from(id),
            name: Arc::from(name),
            options: Arc::new(options),
            shots: self.shots.clone(),
            _profile: Arc::new(profile),
        };
        self.open_sessions().push(session.clone());
        session
    }

    fn open_sessions(&self) -> std::sync::MutexGuard<'_, Vec<Session>> {
        // A panicking test does not leave the list half-changed: pushes and drains only.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a test's body. Afterwards, passed or failed, every open session gets a last
    /// screenshot (`end`, or `failed`) and is closed; a failure then goes on as the test's panic.
    pub async fn run(&self, body: impl Future<Output = ()>) {
        let outcome = AssertUnwindSafe(body).catch_unwind().await;
        let last = if outcome.is_ok() { "end" } else { "failed" };
        let sessions: Vec<Session> = self.open_sessions().clone();
        for session in &sessions {
            session.screenshot(last).await;
        }
        self.close_all().await;
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    /// Closes every open session (each Chromium quits).
    pub async fn close_all(&self) {
        let sessions: Vec<Session> = self.open_sessions().drain(..).collect();
        for session in sessions {
            let _ = session.client.close().await;
        }
    }
}

impl Drop for Browser {
    /// Closes sessions that are still open (a test that panicked outside [`Browser::run`]) before
    /// ChromeDriver stops, so that no Chromium is left behind. The test's own runtime may be
    /// unwinding, so this talks to ChromeDriver from a thread with a runtime of its own.
    fn drop(&mut self) {
        let ids: Vec<Arc<str>> = self.open_sessions().drain(..).map(|s| s.id).collect();
        if ids.is_empty() {
            return;
        }
        let url = self.driver.url.clone();
        let closing = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                for id in ids {
                    if let Ok(client) =
                        Client::with_existing_session(&url, &id, HttpConnector::new()).await
                    {
                        let _ = tokio::time::timeout(WAIT, client.close()).await;
                    }
                }
            });
        });
        let _ = closing.join();
    }
}

// ---- a session ----------------------------------------------------------------------------------

/// One Chromium. Cheap to clone (clones are the same session).
#[derive(Clone)]
pub struct Session {
    client: Client,
    id: Arc<str>,
    name: Arc<str>,
    options: Arc<SessionOptions>,
    shots: Arc<Shots>,
    /// Removed once every clone is gone, after the browser using it has quit.
    _profile: Arc<TempDir>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("name", &self.name).finish()
    }
}

/// Whether a script's result counts as "yes" (JavaScript's truthiness).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

impl Session {
    /// fantoccini's client, for what these helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn fail(&self, what: &str, error: impl std::fmt::Display) -> ! {
        panic!("session `{}`: {what}: {error}", self.name)
    }

    pub async fn goto(&self, url: &str) {
        if let Err(e) = self.client.goto(url).await {
            self.fail(&format!("open {url}"), e);
        }
    }

    pub async fn refresh(&self) {
        if let Err(e) = self.client.refresh().await {
            self.fail("reload", e);
        }
    }

    /// Runs `body` (a function body; the session's prelude comes first) in the page, with
    /// `args` as `arguments`. Elements come back as JSON references (see [`Session::element_of`]).
    pub async fn try_js(&self, body: &str, args: &[Value]) -> Result<Value, CmdError> {
        let script = format!("{}\n{body}", self.options.prelude);
        self.client.execute(&script, args.to_vec()).await
    }

    /// [`Session::try_js`], failing the test if the script throws.
    pub async fn js(&self, body: &str, args: &[Value]) -> Value {
        match self.try_js(body, args).await {
            Ok(value) => value,
            Err(e) => self.fail(&format!("script failed\n{body}\n"), e),
        }
    }

    /// Polls `body` until it returns something truthy, and returns that; fails the test after
    /// [`WAIT`], saying what it waited for and what the page shows.
    pub async fn wait_for(&self, what: &str, body: &str, args: &[Value]) -> Value {
        let deadline = Instant::now() + WAIT;
        let mut last;
        loop {
            match self.try_js(body, args).await {
                Ok(v) if truthy(&v) => return v,
                Ok(v) => last = v.to_string(),
                Err(e) => last = e.to_string(),
            }
            if Instant::now() > deadline {
                self.timed_out(what, &last).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Polls `condition` (anything async, e.g. an HTTP call or several scripts) until it gives
    /// `Some`; fails the test after [`WAIT`].
    pub async fn wait_until<T, F, Fut>(&self, what: &str, mut condition: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(value) = condition().await {
                return value;
            }
            if Instant::now() > deadline {
                self.timed_out(what, "no").await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn timed_out(&self, what: &str, last: &str) -> ! {
        let shows = if self.options.describe.is_empty() {
            String::new()
        } else {
            match self.try_js(self.options.describe, &[]).await {
                Ok(Value::String(s)) => s,
                Ok(other) => other.to_string(),
                Err(e) => format!("(could not tell: {e})"),
            }
        };
        panic!(
            "session `{}`: timed out waiting for {what} (last: {last})\nthe page shows:\n{shows}",
            self.name
        );
    }

    /// The element a script returned.
    pub fn element_of(&self, value: &Value) -> Option<Element> {
        let id = value.get(ELEMENT_KEY)?.as_str()?;
        Some(Element::from_element_id(
            self.client.clone(),
            ElementRef::from(id.to_string()),
        ))
    }

    /// Waits until `body` returns an element, and gives it.
    pub async fn wait_for_element(&self, what: &str, body: &str, args: &[Value]) -> Element {
        let value = self.wait_for(what, body, args).await;
        match self.element_of(&value) {
            Some(element) => element,
            None => self.fail(what, format!("the script gave {value}, not an element")),
        }
    }

    /// The element for `css` in the document, once it is there, shown and enabled.
    pub async fn element(&self, css: &str) -> Element {
        self.wait_for_element(
            &format!("`{css}`"),
            "const el = document.querySelector(arguments[0]); \
             return el && el.getClientRects().length > 0 && !el.disabled ? el : null;",
            &[json!(css)],
        )
        .await
    }

    pub async fn click(&self, element: &Element) {
        if let Err(e) = element.click().await {
            self.fail("click", e);
        }
    }

    /// Types into an element (for a file input: a file's path selects it).
    pub async fn type_into(&self, element: &Element, text: &str) {
        if let Err(e) = element.send_keys(text).await {
            self.fail("type", e);
        }
    }

    /// Presses keys together (e.g. Shift+Tab) on whatever has focus.
    pub async fn press(&self, keys: &[Key]) {
        let mut actions = KeyActions::new("keyboard".to_string());
        for key in keys {
            actions = actions.then(KeyAction::Down {
                value: char::from(*key),
            });
        }
        for key in keys.iter().rev() {
            actions = actions.then(KeyAction::Up {
                value: char::from(*key),
            });
        }
        if let Err(e) = self.client.perform_actions(actions).await {
            self.fail("press keys", e);
        }
    }

    /// The text of an open alert, if any.
    pub async fn alert(&self) -> Option<String> {
        self.client.get_alert_text().await.ok()
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        if let Err(e) = self.client.set_window_size(width, height).await {
            self.fail("resize the window", e);
        }
    }

    /// The current tab.
    pub async fn window(&self) -> WindowHandle {
        match self.client.window().await {
            Ok(handle) => handle,
            Err(e) => self.fail("current window", e),
        }
    }

    /// Opens a new tab and switches to it; gives the tab.
    pub async fn new_tab(&self) -> WindowHandle {
        let handle = match self.client.new_window(true).await {
            Ok(opened) => opened.handle,
            Err(e) => self.fail("new tab", e),
        };
        self.switch_to(handle.clone()).await;
        handle
    }

    pub async fn switch_to(&self, window: WindowHandle) {
        if let Err(e) = self.client.switch_to_window(window).await {
            self.fail("switch tabs", e);
        }
    }

    /// Saves a PNG of what the session shows, as `NN-<session>-<name>.png`. Never fails a test
    /// (it is evidence, not a check): a picture that cannot be taken is skipped.
    pub async fn screenshot(&self, name: &str) {
        let Ok(png) = self.client.screenshot().await else {
            return;
        };
        let n = self.shots.taken.fetch_add(1, Ordering::Relaxed) + 1;
        let file = format!("{n:02}-{}-{name}.png", self.name);
        let _ = std::fs::write(self.shots.dir.join(file), png);
    }

    /// Chromium's network emulation: offline, or an upload rate in bytes a second (-1: no limit).
    /// An error when the driver does not offer it.
    pub async fn network(
        &self,
        offline: bool,
        upload_bytes_per_second: i64,
    ) -> Result<(), CmdError> {
        self.client
            .issue_cmd(NetworkConditions {
                offline,
                upload_bytes_per_second,
            })
            .await
            .map(|_| ())
    }
}

/// ChromeDriver's own command for network emulation (not part of W3C WebDriver).
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
    upload_bytes_per_second: i64,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"network_conditions": {
            "offline": self.offline,
            "latency": 0,
            "download_throughput": -1,
            "upload_throughput": self.upload_bytes_per_second,
        }});
        (http::Method::POST, Some(body.to_string()))
    }
}
