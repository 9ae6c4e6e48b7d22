//! Load on the agent console: 50 agents signed in, each with the live socket open, over a desk
//! holding 1,000 open tickets. Queue changes (claims through the console API, users cancelling
//! their wait, new users asking for a person) come at a steady rate; for each change we measure
//! the time until every socket has received the first queue frame that reflects it.
//!
//! The server runs in this process (the console router mounted at `/console` and served by the
//! same listener as `kycdesk serve`), so memory is read from our own /proc/self/status; the
//! per-connection figure therefore also holds the client's end of each socket.
//!
//! The reference: a bare tokio-tungstenite server that relays prebuilt frames of the same size,
//! at the same rate, to the same number of sockets (no session, no store, no JSON building),
//! measured in the same run. `cargo bench --bench console_load`; figures in README.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use futures::{SinkExt, StreamExt};
use kycdesk::channel::client_addr::TrustedProxies;
use kycdesk::channel::limits::Rate;
use kycdesk::channel::listener::{self, ConnectionLimits};
use kycdesk::console::{ConsoleSettings, ConsoleState, password};
use kycdesk::entities::DEFAULT_CASE_ID_PATTERN;
use kycdesk::flows::source::ContentSource;
use kycdesk::handoff::presence::Presence;
use kycdesk::i18n::Lang;
use kycdesk::runtime::desk::Desk;
use kycdesk::runtime::{CANCEL_BUTTON, Content, Inbound, Runtime, StandIns};
use kycdesk::store::{Agent, AgentRole, ConversationKey, SledStore, Store};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const AGENTS: usize = 50;
const TICKETS: usize = 1_000;
/// Queue changes per second. The console sends one socket at most one queue frame per 250 ms
/// (bursts are coalesced); at 2 a second every change gets a frame of its own.
const CHANGES_PER_SEC: u64 = 2;
const DRIVE: Duration = Duration::from_secs(30);
/// Time left after the last change for its frames to arrive.
const SETTLE: Duration = Duration::from_secs(2);
const PASSWORD: &str = "a long enough password for the load test";

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What a queue frame must show for a change to count as arrived.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A new ticket: listed, queued.
    Queued,
    /// Claimed or cancelled: no longer listed as queued (gone, or listed as assigned to the
    /// agent who took it).
    LeftQueue,
}

struct Change {
    at: Instant,
    /// `None` while a new ticket is opening.
    ticket: Option<String>,
    expect: Expect,
}

/// The status a queue frame gives `ticket`, by a plain search: a full parse of a 1,000-ticket
/// frame on each of 50 sockets would take the client more time than the server spends on it.
/// The status is the first `"status"` after the ticket's `"id"` (whether the object's keys come
/// sorted or in declaration order).
fn status_in<'a>(frame: &'a str, ticket: &str) -> Option<&'a str> {
    let id = format!("\"id\":\"{ticket}\"");
    let at = frame.find(&id)? + id.len();
    let rest = &frame[at..];
    let key = "\"status\":\"";
    let start = rest.find(key)? + key.len();
    let len = rest[start..].find('"')?;
    Some(&rest[start..start + len])
}

fn reflects(frame: &str, ticket: &str, expect: Expect) -> bool {
    let status = status_in(frame, ticket);
    match expect {
        Expect::Queued => status == Some("queued"),
        Expect::LeftQueue => status != Some("queued"),
    }
}

/// What the sockets saw, all together.
#[derive(Default)]
struct Seen {
    latencies: Mutex<Vec<Duration>>,
    queue_frames: AtomicU64,
    queue_bytes: AtomicU64,
    other_frames: AtomicU64,
}

fn content() -> kycdesk::content::Loaded {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source = ContentSource::Dirs {
        flows: root.join("flows"),
        locales: root.join("locales"),
    };
    let pattern = regex::Regex::new(DEFAULT_CASE_ID_PATTERN).expect("pattern");
    kycdesk::content::load(&source, pattern).expect("valid content")
}

fn login(i: usize) -> String {
    format!("agent{i:02}")
}

/// A user on the widget asks for a person; returns the ticket's id.
async fn ask_for_a_person(runtime: &Runtime, store: &Arc<dyn Store>, n: usize) -> (String, String) {
    let conversation = format!("load{n}");
    let key = ConversationKey::new("widget", &conversation).expect("key");
    let (lang, ask) = if n.is_multiple_of(2) {
        (Lang::ZhCn, "我要转人工客服")
    } else {
        (Lang::En, "I want to talk to a real person")
    };
    let now = chrono::Utc::now();
    runtime
        .handle(&key, Inbound::new(Content::Start, lang), now)
        .await
        .expect("start");
    let turn = runtime
        .handle(&key, Inbound::new(Content::Text(ask.into()), lang), now)
        .await
        .expect("turn");
    assert!(turn.handoff, "a ticket opened");
    let ticket = store
        .load(&key)
        .await
        .expect("load")
        .expect("stored")
        .ticket
        .expect("the conversation follows its ticket");
    (conversation, ticket)
}

/// The user presses "stop waiting".
async fn cancel(runtime: &Runtime, conversation: &str, lang: Lang) {
    let key = ConversationKey::new("widget", conversation).expect("key");
    runtime
        .handle(
            &key,
            Inbound::new(Content::Button(CANCEL_BUTTON.into()), lang),
            chrono::Utc::now(),
        )
        .await
        .expect("cancel");
}

struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(http: &reqwest::Client, base: &str, login: &str) -> Session {
    let answer = http
        .post(format!("{base}/console/api/login"))
        .json(&serde_json::json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert!(answer.status().is_success(), "login: {}", answer.status());
    let cookie = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("kycdesk_console="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    let body: serde_json::Value = answer.json().await.expect("json");
    let csrf = body["csrf"].as_str().expect("csrf").to_string();
    Session { cookie, csrf }
}

/// Frames a socket still holds: arrived after a change whose ticket is not known yet (a new
/// ticket's id is known only once it opened), or not yet matched.
type Held = Vec<(Instant, tokio_tungstenite::tungstenite::Utf8Bytes)>;

/// Matches the held frames against the changes from `next` on: a change's latency is the
/// arrival of the first frame, after it began, that reflects it.
fn settle(
    changes: &RwLock<Vec<Change>>,
    next: &mut usize,
    held: &mut Held,
    mine: &mut Vec<Duration>,
) {
    let changes = changes.read().unwrap_or_else(|p| p.into_inner());
    loop {
        let Some(change) = changes.get(*next) else {
            held.clear();
            return;
        };
        let Some(ticket) = &change.ticket else {
            held.retain(|(arrived, _)| *arrived >= change.at);
            return;
        };
        let found = held
            .iter()
            .find(|(arrived, frame)| {
                *arrived >= change.at && reflects(frame, ticket, change.expect)
            })
            .map(|(arrived, _)| *arrived);
        match found {
            Some(arrived) => {
                mine.push(arrived.saturating_duration_since(change.at));
                *next += 1;
                // Changes are made one after another, so later ones show in this frame or after.
                held.retain(|(at, _)| *at >= arrived);
            }
            None => {
                held.clear();
                return;
            }
        }
    }
}

/// Reads one live socket until told to stop: queue frames are matched against the changes.
fn watch(
    mut ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    changes: Arc<RwLock<Vec<Change>>>,
    seen: Arc<Seen>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut next = 0usize;
        let mut held = Held::new();
        let mut mine = Vec::new();
        loop {
            let message = tokio::select! {
                m = ws.next() => m,
                _ = stop.changed() => break,
            };
            let text = match message {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(_)) => continue,
                _ => break,
            };
            let arrived = Instant::now();
            if !text.starts_with("{\"") || !text.contains("\"type\":\"queue\"") {
                seen.other_frames.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            seen.queue_frames.fetch_add(1, Ordering::Relaxed);
            seen.queue_bytes
                .fetch_add(text.len() as u64, Ordering::Relaxed);
            held.push((arrived, text));
            settle(&changes, &mut next, &mut held, &mut mine);
        }
        settle(&changes, &mut next, &mut held, &mut mine);
        seen.latencies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(mine);
    })
}

struct Figures {
    changes: usize,
    latencies: Vec<Duration>,
    frames: u64,
    bytes: u64,
    seconds: f64,
}

impl Figures {
    fn row(&self, name: &str) {
        println!(
            "| {name} | {} × {AGENTS} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} | {:.1} MB/s |",
            self.changes,
            self.latencies.len(),
            ms(percentile(&self.latencies, 0.5)),
            ms(percentile(&self.latencies, 0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            self.frames as f64 / self.seconds,
            self.bytes as f64 / self.seconds / 1e6,
        );
    }
}

async fn console_run() -> (Figures, [u64; 3], usize, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = SledStore::open(dir.path()).expect("store");
    let loaded = content();
    let runtime = Runtime::new(
        loaded.engine.clone(),
        loaded.locales.clone(),
        Arc::new(StandIns),
        store.clone(),
    );
    let hash = password::hash(PASSWORD).expect("hash");
    for i in 0..AGENTS {
        let agent = Agent {
            login: login(i),
            display_name: format!("Agent {i}"),
            password_hash: hash.clone(),
            created_at: chrono::Utc::now(),
            role: AgentRole::Agent,
            languages: vec!["zh-CN".into(), "en".into()],
            capacity: 100,
            disabled: false,
        };
        store.save_agent(agent).await.expect("agent saved");
        // Online from the start, so that tickets open (the sockets keep them online later).
        runtime.handoff().presence.set(&login(i), Presence::Online);
    }
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let viewer = store
        .agents()
        .await
        .expect("agents")
        .into_iter()
        .next()
        .expect("an agent");
    let mut queued = Vec::with_capacity(TICKETS);
    for n in 0..TICKETS {
        queued.push(ask_for_a_person(&runtime, &store, n).await);
    }

    let build = frame_build_time(&desk, &viewer).await;

    // The whole shift signs in from one address: the per-address sign-in rate is lifted.
    let mut settings = ConsoleSettings::default();
    settings.throttle.attempts_per_address = Rate::new(1_000.0, 1_000);
    let state = ConsoleState::new(
        desk.clone(),
        settings,
        TrustedProxies::parse("").expect("proxies"),
        "",
    );
    let app = Router::new().nest("/console", kycdesk::console::router(state));
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = tcp.local_addr().expect("addr");
    let limits = ConnectionLimits {
        per_client: 10_000,
        ..ConnectionLimits::default()
    };
    tokio::spawn(listener::serve(tcp, app, limits, std::future::pending()));
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let mut sessions = Vec::with_capacity(AGENTS);
    for i in 0..AGENTS {
        sessions.push(sign_in(&http, &base, &login(i)).await);
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = rss_kib();
    let changes: Arc<RwLock<Vec<Change>>> = Arc::default();
    let seen = Arc::new(Seen::default());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut readers = Vec::with_capacity(AGENTS);
    for session in &sessions {
        let mut request = format!("ws://{addr}/console/api/live")
            .into_client_request()
            .expect("request");
        let headers = request.headers_mut();
        headers.insert("cookie", session.cookie.parse().expect("cookie"));
        headers.insert("origin", base.parse().expect("origin"));
        let (mut ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("live socket");
        // The queue at connect.
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.contains("\"type\":\"queue\"") => {}
            other => panic!(
                "no queue at connect: {:?}",
                other.map(|m| m.map(|m| m.len()))
            ),
        }
        readers.push(watch(ws, changes.clone(), seen.clone(), stopped.clone()));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_sockets = rss_kib();
    seen.queue_frames.store(0, Ordering::Relaxed);
    seen.queue_bytes.store(0, Ordering::Relaxed);
    seen.other_frames.store(0, Ordering::Relaxed);

    // claim, new, cancel, new: the queue keeps its length.
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / CHANGES_PER_SEC));
    let mut step = 0usize;
    let mut next_user = TICKETS;
    while started.elapsed() < DRIVE {
        tick.tick().await;
        let at = Instant::now();
        // Recorded before the change is made, so that no frame can come before its record.
        let record = |ticket: Option<&str>, expect| {
            let mut changes = changes.write().unwrap_or_else(|p| p.into_inner());
            changes.push(Change {
                at,
                ticket: ticket.map(str::to_string),
                expect,
            });
            changes.len() - 1
        };
        match step % 4 {
            0 => {
                // An agent takes the longest-waiting ticket, through the console API.
                let (_, ticket) = queued.remove(0);
                record(Some(&ticket), Expect::LeftQueue);
                let session = &sessions[(step / 4) % AGENTS];
                let answer = http
                    .post(format!("{base}/console/api/tickets/{ticket}/claim"))
                    .header("cookie", &session.cookie)
                    .header("x-csrf-token", &session.csrf)
                    .send()
                    .await
                    .expect("claim");
                assert!(answer.status().is_success(), "claim: {}", answer.status());
            }
            2 => {
                // A user in the middle of the queue stops waiting.
                let (conversation, ticket) = queued.remove(queued.len() / 2);
                record(Some(&ticket), Expect::LeftQueue);
                let n: usize = conversation["load".len()..].parse().expect("number");
                let lang = if n.is_multiple_of(2) {
                    Lang::ZhCn
                } else {
                    Lang::En
                };
                cancel(&runtime, &conversation, lang).await;
            }
            _ => {
                // A new user asks for a person; the ticket's id is known once it opened.
                let index = record(None, Expect::Queued);
                let (conversation, ticket) = ask_for_a_person(&runtime, &store, next_user).await;
                changes.write().unwrap_or_else(|p| p.into_inner())[index].ticket =
                    Some(ticket.clone());
                queued.push((conversation, ticket));
                next_user += 1;
            }
        }
        step += 1;
    }
    let driven = started.elapsed();
    tokio::time::sleep(SETTLE).await;
    let seconds = (driven + SETTLE).as_secs_f64();
    let rss_after = rss_kib();
    let _ = stop.send(true);
    for reader in readers {
        let _ = reader.await;
    }
    let mut latencies = std::mem::take(&mut *seen.latencies.lock().expect("latencies"));
    latencies.sort();
    let frames = seen.queue_frames.load(Ordering::Relaxed);
    let bytes = seen.queue_bytes.load(Ordering::Relaxed);
    let figures = Figures {
        changes: step,
        latencies,
        frames,
        bytes,
        seconds,
    };
    let mean_frame = bytes.checked_div(frames).unwrap_or(0) as usize;
    (
        figures,
        [rss_before, rss_sockets, rss_after],
        mean_frame,
        build,
    )
}

/// Server work behind one socket's queue frame, alone: the desk's queue as one agent sees it,
/// made JSON as the live socket does (every socket gets its own: positions and "mine" differ).
async fn frame_build_time(desk: &Desk, viewer: &Agent) -> Duration {
    const ROUNDS: u32 = 20;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        let view = desk.queue(viewer, chrono::Utc::now()).await.expect("queue");
        let frame = serde_json::to_value(&view).expect("json").to_string();
        std::hint::black_box(frame);
    }
    started.elapsed() / ROUNDS
}

/// The reference: `changes` frames of `frame_len` bytes at the same rate, relayed as they are
/// to `AGENTS` sockets by a bare tokio-tungstenite server.
async fn echo_run(changes: usize, frame_len: usize) -> Figures {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = tcp.local_addr().expect("addr");
    let (frames, _) =
        tokio::sync::broadcast::channel::<tokio_tungstenite::tungstenite::Utf8Bytes>(1024);
    let relay = frames.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = tcp.accept().await {
            let mut out = relay.subscribe();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Ok(frame) = out.recv().await {
                    if ws.send(Message::Text(frame)).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let sent: Arc<RwLock<Vec<Instant>>> = Arc::default();
    let seen = Arc::new(Seen::default());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut readers = Vec::new();
    for _ in 0..AGENTS {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
            .await
            .expect("echo socket");
        let (sent, seen, mut stop) = (sent.clone(), seen.clone(), stopped.clone());
        readers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let message = tokio::select! {
                    m = ws.next() => m,
                    _ = stop.changed() => break,
                };
                let Some(Ok(Message::Text(text))) = message else {
                    break;
                };
                let arrived = Instant::now();
                seen.queue_frames.fetch_add(1, Ordering::Relaxed);
                seen.queue_bytes
                    .fetch_add(text.len() as u64, Ordering::Relaxed);
                let seq: usize = text[..text.find(' ').unwrap_or(0)].parse().unwrap_or(0);
                if let Some(at) = sent.read().unwrap_or_else(|p| p.into_inner()).get(seq) {
                    mine.push(arrived.saturating_duration_since(*at));
                }
            }
            seen.latencies
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(mine);
        }));
    }
    // Every socket subscribed before the first frame.
    while frames.receiver_count() < AGENTS {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / CHANGES_PER_SEC));
    for seq in 0..changes {
        tick.tick().await;
        let mut frame = format!("{seq} ");
        frame.extend(std::iter::repeat_n(
            'x',
            frame_len.saturating_sub(frame.len()),
        ));
        sent.write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Instant::now());
        let _ = frames.send(frame.into());
    }
    let driven = started.elapsed();
    tokio::time::sleep(SETTLE).await;
    let _ = stop.send(true);
    for reader in readers {
        let _ = reader.await;
    }
    let mut latencies = std::mem::take(&mut *seen.latencies.lock().expect("latencies"));
    latencies.sort();
    Figures {
        changes,
        latencies,
        frames: seen.queue_frames.load(Ordering::Relaxed),
        bytes: seen.queue_bytes.load(Ordering::Relaxed),
        seconds: (driven + SETTLE).as_secs_f64(),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        let (console, [before, sockets, after], frame_len, build) = console_run().await;
        let echo = echo_run(console.changes, frame_len).await;
        let expected = console.changes * AGENTS;
        println!(
            "{AGENTS} agents with the live socket open, {TICKETS} open tickets, \
             {CHANGES_PER_SEC} queue changes/s for {}s; mean queue frame {:.0} KiB",
            DRIVE.as_secs(),
            frame_len as f64 / 1024.0
        );
        println!();
        println!(
            "| server | changes × sockets | frames reflecting a change | push p50 | push p99 | push max | frames/s | bytes/s |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        console.row("kycdesk console");
        echo.row("bare tokio-tungstenite relay");
        println!();
        println!(
            "latency ratio console / bare: p50 {:.1}×, p99 {:.1}×",
            ms(percentile(&console.latencies, 0.5)) / ms(percentile(&echo.latencies, 0.5)).max(1e-6),
            ms(percentile(&console.latencies, 0.99))
                / ms(percentile(&echo.latencies, 0.99)).max(1e-6),
        );
        println!(
            "one queue frame built alone (desk queue + JSON): {:.1} ms, so {:.0} ms of server work \
             per change for {AGENTS} sockets",
            ms(build),
            ms(build) * AGENTS as f64
        );
        if console.latencies.len() < expected {
            println!(
                "changes never seen on a socket: {} of {expected}",
                expected - console.latencies.len()
            );
        }
        println!();
        println!("| resident memory | MiB |");
        println!("|---|---|");
        println!("| 1,000 tickets, {AGENTS} signed in, no socket | {:.1} |", before as f64 / 1024.0);
        println!("| with {AGENTS} live sockets | {:.1} |", sockets as f64 / 1024.0);
        println!("| after the run | {:.1} |", after as f64 / 1024.0);
        println!(
            "| per console connection (both ends, in-process) | {:.0} KiB |",
            sockets.saturating_sub(before) as f64 / AGENTS as f64
        );
    });
}
