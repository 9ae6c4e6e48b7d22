//! Durable messages per second through runtime + engine + sled (every reply waits for its
//! commit to reach the disk), with 1, 64 and 1024 concurrent conversations, and the bytes stored
//! per conversation turn. `cargo bench --bench durable`; figures in README.md.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use kycdesk::entities::DEFAULT_CASE_ID_PATTERN;
use kycdesk::flows::source::ContentSource;
use kycdesk::i18n::Lang;
use kycdesk::runtime::{Content, Inbound, Runtime, StandIns};
use kycdesk::store::{ConversationKey, SledStore, Store};

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(meta) = entry.metadata() {
                total += meta.len();
            }
        }
    }
    total
}

fn message(n: usize) -> Content {
    match n % 4 {
        0 => Content::Button("photo".into()),
        1 => Content::Text("照片反光怎么办".into()),
        2 => Content::Button("no".into()),
        _ => Content::Text("/menu".into()),
    }
}

async fn run(concurrency: usize, total: usize) -> (f64, f64) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source = ContentSource::Dirs {
        flows: root.join("flows"),
        locales: root.join("locales"),
    };
    let pattern = regex::Regex::new(DEFAULT_CASE_ID_PATTERN).expect("pattern");
    let loaded = kycdesk::content::load(&source, pattern).expect("content");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(dir.path()).expect("store");
    let runtime = Runtime::new(
        loaded.engine,
        loaded.locales,
        Arc::new(StandIns),
        store.clone(),
    )
    // One conversation takes thousands of messages here, far past a real one's quota.
    .with_quota(u64::MAX);
    let per_task = total / concurrency;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let runtime = runtime.clone();
        tasks.push(tokio::spawn(async move {
            let key = ConversationKey::new("bench", &format!("c{c}")).expect("key");
            for n in 0..per_task {
                let inbound = Inbound::new(message(n), Lang::ZhCn).with_id(format!("m{n}"));
                runtime
                    .handle(&key, inbound, Utc::now())
                    .await
                    .expect("stored");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = started.elapsed();
    let turns = (per_task * concurrency) as f64;
    store.flush().await.expect("flush");
    drop(runtime);
    drop(store);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bytes = dir_size(dir.path()) as f64;
    (turns / elapsed.as_secs_f64(), bytes / turns)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    println!("| concurrent conversations | durable messages/s | stored bytes per turn |");
    println!("|---|---|---|");
    for (concurrency, total) in [(1usize, 2_000usize), (64, 20_480), (1024, 20_480)] {
        let (rate, bytes) = rt.block_on(run(concurrency, total));
        println!("| {concurrency} | {rate:.0} | {bytes:.0} |");
    }
}
