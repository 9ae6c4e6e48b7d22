//! Load on the widget channel: the real `kycdesk serve` process with 1,000 WebSocket
//! conversations. Measures message round trips (p50/p99) at a target rate of 1,000 messages/s,
//! and the server's memory per idle open connection (resident set size before and after opening
//! the sockets). `cargo bench --bench widget_load`; figures in README.md.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

const CONNECTIONS: usize = 1_000;
const RATE: u64 = 1_000; // messages per second, all conversations together
const SECONDS: u64 = 10;
const SECRET: &str = "widget-load-secret";

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
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

fn main() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .arg("serve")
        .env("KYCDESK_LISTEN", "127.0.0.1:0")
        .env("KYCDESK_DATA_DIR", data.path())
        .env("KYCDESK_RATE_VISITOR", "1000/1000")
        .env("KYCDESK_RATE_IP", "100000/100000")
        .env("KYCDESK_RATE_USER", "100000/100000")
        .env("KYCDESK_MAX_CONNECTIONS_PER_CLIENT", "5000")
        .env("KYCDESK_WIDGET_SECRET", SECRET)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start kycdesk serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("address line").expect("stderr");
        if let Some(a) = line.strip_prefix("kycdesk serving on http://") {
            break a.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let pid = child.id();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = rss_kib(pid);
        let mut sockets = Vec::with_capacity(CONNECTIONS);
        let access = kycdesk::channel::widget::access::ConversationAccess::derived_from(
            SECRET.as_bytes(),
        );
        for i in 0..CONNECTIONS {
            // Ids of the shape the server issues, with the tokens it would issue for them.
            let id = format!("c_{:0>22}", format!("load{i}"));
            let url = format!("ws://{base}/api/v1/conversations/{id}/ws");
            let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
            let auth = format!(
                r#"{{"type":"auth","conversation_token":"{}"}}"#,
                access.token_for(&id)
            );
            ws.send(Message::Text(auth.into())).await.expect("auth");
            match ws.next().await {
                Some(Ok(Message::Text(t))) if t.contains("ready") => {}
                other => panic!("not authenticated: {other:?}"),
            }
            sockets.push(ws);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = rss_kib(pid);
        let per_conn = (after.saturating_sub(before)) as f64 * 1024.0 / CONNECTIONS as f64;

        // Each connection sends at RATE / CONNECTIONS per second, waiting for each reply.
        let per_conn_interval = Duration::from_micros(1_000_000 * CONNECTIONS as u64 / RATE);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for (i, mut ws) in sockets.into_iter().enumerate() {
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                // Spread the connections over the first interval.
                tokio::time::sleep(per_conn_interval * i as u32 / CONNECTIONS as u32).await;
                let mut tick = tokio::time::interval(per_conn_interval);
                let mut n = 0u64;
                while started.elapsed() < Duration::from_secs(SECONDS) {
                    tick.tick().await;
                    let frame = match n % 3 {
                        0 => r#"{"type":"message","client_id":"CID","button":"photo"}"#,
                        1 => r#"{"type":"message","client_id":"CID","text":"照片反光怎么办"}"#,
                        _ => r#"{"type":"message","client_id":"CID","text":"/menu"}"#,
                    }
                    .replace("CID", &format!("m{n}"));
                    let sent = Instant::now();
                    if ws.send(Message::Text(frame.into())).await.is_err() {
                        break;
                    }
                    match ws.next().await {
                        Some(Ok(Message::Text(_))) => latencies.push(sent.elapsed()),
                        _ => break,
                    }
                    n += 1;
                }
                latencies
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap_or_default());
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort();
        println!("| open WebSocket conversations | messages/s | round trip p50 | round trip p99 | server memory per idle connection |");
        println!("|---|---|---|---|---|");
        println!(
            "| {CONNECTIONS} | {:.0} | {:.1} ms | {:.1} ms | {:.1} KiB |",
            all.len() as f64 / elapsed,
            percentile(&all, 0.5).as_secs_f64() * 1000.0,
            percentile(&all, 0.99).as_secs_f64() * 1000.0,
            per_conn / 1024.0
        );
    });
    let _ = child.kill();
    let _ = child.wait();
}
