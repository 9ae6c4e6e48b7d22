//! Crash test: the real `kycdesk serve` process under concurrent load is killed (SIGKILL) several
//! times and restarted. Every message the server acknowledged must be in the transcript exactly
//! once, conversations continue from their state, and a retried message gets its first reply
//! (never a second, different one). A second test turns durability off and proves the check
//! catches the losses.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Mutex;

const CONVERSATIONS: usize = 24;
const SECRET: &str = "crash-test-widget-secret";

/// The id and token of the test's `n`th conversation: the ids have the shape the server
/// issues, and the tokens are what it would issue for them under the test's widget secret.
fn conversation(n: usize) -> (String, String) {
    let id = format!("c_{:0>22}", format!("crash{n}"));
    let access =
        kycdesk::channel::widget::access::ConversationAccess::derived_from(SECRET.as_bytes());
    let token = access.token_for(&id);
    (id, token)
}
const KILLS: usize = 3;

struct Server {
    child: Child,
    base: String,
}

fn start(data: &Path, unsafe_skip_flush: bool) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kycdesk"));
    command
        .arg("serve")
        .env("KYCDESK_LISTEN", "127.0.0.1:0")
        .env("KYCDESK_DATA_DIR", data)
        .env("KYCDESK_WIDGET_SECRET", SECRET)
        .env("KYCDESK_RATE_USER", "10000/10000")
        .env("KYCDESK_RATE_VISITOR", "10000/10000")
        .env("KYCDESK_RATE_IP", "100000/100000")
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if unsafe_skip_flush {
        command.env("KYCDESK_UNSAFE_SKIP_FLUSH", "1");
    }
    let mut child = command.spawn().expect("start kycdesk serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("serve prints its address")
            .expect("readable stderr");
        if let Some(addr) = line.strip_prefix("kycdesk serving on ") {
            break addr.trim().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// What the clients saw: acknowledged client ids and the reply each got.
#[derive(Default)]
struct Seen {
    acked: BTreeMap<String, (usize, Value)>,
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    conversation: usize,
    client_id: &str,
    body: Value,
) -> Result<Value, String> {
    let (id, token) = self::conversation(conversation);
    let url = format!("{base}/api/v1/conversations/{id}/messages");
    let mut body = body;
    body["client_id"] = json!(client_id);
    let response = http
        .post(url)
        .header("x-kycdesk-conversation", token)
        .json(&body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("status {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

fn message(n: usize) -> Value {
    // A cycle that walks real flows: buttons, free text, back to the menu.
    match n % 5 {
        0 => json!({"text": "/menu"}),
        1 => json!({"button": "photo"}),
        2 => json!({"text": "照片反光怎么办"}),
        3 => json!({"button": "no"}),
        _ => json!({"text": "还是不行"}),
    }
}

/// Drives every conversation until `stop_after` acknowledgements in total, then returns.
/// Each conversation resends its first unacknowledged message (same client id) after a failure.
async fn drive(
    base: &str,
    next: &Arc<Vec<AtomicUsize>>,
    seen: &Arc<Mutex<Seen>>,
    stop_after: usize,
) {
    let http = reqwest::Client::new();
    let acks = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for conversation in 0..CONVERSATIONS {
        let (http, base, next, seen, acks) = (
            http.clone(),
            base.to_string(),
            next.clone(),
            seen.clone(),
            acks.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while acks.load(Ordering::Acquire) < stop_after {
                let n = next[conversation].load(Ordering::Acquire);
                let id = format!("c{conversation}-m{n}");
                match send(&http, &base, conversation, &id, message(n)).await {
                    Ok(reply) => {
                        seen.lock().await.acked.insert(id, (conversation, reply));
                        next[conversation].fetch_add(1, Ordering::AcqRel);
                        acks.fetch_add(1, Ordering::AcqRel);
                    }
                    Err(_) => return, // the server is gone: stop, resend after the restart
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Runs the load with kills; returns the problems found.
async fn run(unsafe_skip_flush: bool) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let next: Arc<Vec<AtomicUsize>> =
        Arc::new((0..CONVERSATIONS).map(|_| AtomicUsize::new(0)).collect());
    let seen = Arc::new(Mutex::new(Seen::default()));
    for round in 0..KILLS {
        let mut server = start(dir.path(), unsafe_skip_flush);
        let base = server.base.clone();
        let load = {
            let (next, seen) = (next.clone(), seen.clone());
            tokio::spawn(async move { drive(&base, &next, &seen, usize::MAX).await })
        };
        // Let the load run, then kill the process mid-flight.
        tokio::time::sleep(Duration::from_millis(700 + 200 * round as u64)).await;
        server.child.kill().expect("SIGKILL");
        let _ = server.child.wait();
        let _ = load.await;
    }
    // Restart for good and check.
    let mut server = start(dir.path(), false);
    let http = reqwest::Client::new();
    let mut problems = Vec::new();
    let seen = seen.lock().await;
    assert!(
        seen.acked.len() > 50,
        "the load ran: {} acks",
        seen.acked.len()
    );
    let mut per_conversation: HashMap<usize, Vec<String>> = HashMap::new();
    for (id, (conversation, _)) in &seen.acked {
        per_conversation
            .entry(*conversation)
            .or_default()
            .push(id.clone());
    }
    for conversation in 0..CONVERSATIONS {
        let (id, token) = self::conversation(conversation);
        let url = format!("{}/api/v1/conversations/{id}/transcript", server.base);
        let transcript: Value = match http
            .get(url)
            .header("x-kycdesk-conversation", token)
            .send()
            .await
        {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(e) => {
                problems.push(format!("c{conversation}: transcript unreadable: {e}"));
                continue;
            }
        };
        let mut inbound_ids: Vec<String> = transcript["entries"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["kind"] == "inbound")
                    .filter_map(|e| e["message_id"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        for id in per_conversation.get(&conversation).into_iter().flatten() {
            let count = inbound_ids.iter().filter(|i| *i == id).count();
            if count != 1 {
                problems.push(format!(
                    "{id}: acknowledged, found {count} times in the transcript"
                ));
            }
        }
        inbound_ids.sort();
        let before = inbound_ids.len();
        inbound_ids.dedup();
        if inbound_ids.len() != before {
            problems.push(format!("c{conversation}: a message was processed twice"));
        }
    }
    // A retried message gets its first reply, and each conversation carries on from its state.
    for (id, (conversation, reply)) in seen.acked.iter().rev().take(CONVERSATIONS) {
        let n: usize = id
            .rsplit('m')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        match send(&http, &server.base, *conversation, id, message(n)).await {
            Ok(again) if &again == reply => {}
            Ok(_) => problems.push(format!("{id}: a retry got a different reply")),
            Err(e) => problems.push(format!("{id}: retry failed: {e}")),
        }
    }
    for conversation in 0..CONVERSATIONS {
        let id = format!("c{conversation}-final");
        match send(
            &http,
            &server.base,
            conversation,
            &id,
            json!({"text": "/menu"}),
        )
        .await
        {
            Ok(turn) if turn["node"] == "menu.start" => {}
            Ok(turn) => problems.push(format!("c{conversation}: unexpected turn {turn}")),
            Err(e) => problems.push(format!("c{conversation}: cannot continue: {e}")),
        }
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_acknowledged_is_lost_across_kills() {
    let problems = run(false).await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_crash_test_catches_losses_when_durability_is_off() {
    let problems = run(true).await;
    assert!(
        problems.iter().any(|p| {
            p.contains("found 0 times") || p.contains("different reply") || p.contains("twice")
        }),
        "with acknowledgements before the flush, SIGKILL must lose acknowledged messages; problems: {problems:?}"
    );
}
