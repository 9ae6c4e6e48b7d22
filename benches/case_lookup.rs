//! Lookups per second through the whole lookup path, with 64 conversations looking up at once:
//! the client (token, request id, breaker, body cap, JSON parse) over loopback HTTP to the
//! in-process sandbox, then the decision rules. `cargo bench --bench case_lookup`; the plain
//! figure is printed first, then criterion measures the same loop.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Utc;
use chrono_tz::Asia::Shanghai;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kycdesk::cases::sandbox::{self, MaintenanceMode, SandboxConfig, SandboxState};
use kycdesk::cases::{CaseClient, CaseClientConfig, decide};

/// Conversations looking up at the same time.
const TASKS: u64 = 64;
/// Lookups per criterion iteration (ten per conversation).
const PER_ITERATION: u64 = TASKS * 10;

const CASE_IDS: [&str; 8] = [
    "KYC-DEMO-PHOTO",
    "KYC-DEMO-PENDING",
    "KYC-DEMO-MULTI",
    "KYC-DEMO-APPROVED",
    "KYC-DEMO-COOLDOWN",
    "KYC-DEMO-RARE-NAME",
    "KYC-DEMO-FINAL",
    "KYC-DEMO-OVERDUE",
];

/// `total` lookups spread over [`TASKS`] concurrent tasks; returns the wall time.
async fn lookups(client: &CaseClient, total: u64) -> Duration {
    let per_task = (total / TASKS).max(1);
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let none = BTreeMap::new();
                for i in 0..per_task {
                    let id = CASE_IDS[((task + i) % CASE_IDS.len() as u64) as usize];
                    match client.get_case(id).await {
                        Ok(case) => {
                            black_box(decide(&case, Utc::now(), Shanghai, &none));
                        }
                        Err(error) => panic!("lookup of {id} failed: {error}"),
                    }
                }
            })
        })
        .collect();
    for task in futures::future::join_all(tasks).await {
        if let Err(error) = task {
            panic!("a lookup task failed: {error}");
        }
    }
    started.elapsed()
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (running, client) = runtime.block_on(async {
        let state = SandboxState::demo(SandboxConfig {
            token: "bench-token".into(),
            maintenance: Some(MaintenanceMode::Scheduled),
            ..SandboxConfig::default()
        })
        .expect("demo data");
        let running = sandbox::spawn_on_loopback(state).await.expect("bind");
        let config =
            CaseClientConfig::new(&running.base_url(), "bench-token").expect("client config");
        let client = CaseClient::new(config).expect("client");
        (running, client)
    });

    // Warm the connection pool, then one plain measured run for the README figure.
    runtime.block_on(lookups(&client, TASKS * 4));
    let total = 20_000;
    let elapsed = runtime.block_on(lookups(&client, total));
    println!(
        "case_lookup: {:.0} lookups/s ({total} lookups by {TASKS} concurrent tasks in {:.2} s, \
         client + loopback HTTP + in-process sandbox + decision)",
        total as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );

    let mut group = c.benchmark_group("case_lookup");
    group.throughput(Throughput::Elements(PER_ITERATION));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("64 concurrent lookups (get_case + decide)", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut spent = Duration::ZERO;
                for _ in 0..iterations {
                    spent += lookups(&client, PER_ITERATION).await;
                }
                spent
            })
        })
    });
    group.finish();
    drop(running);
}

criterion_group!(case_lookup, benches);
criterion_main!(case_lookup);
