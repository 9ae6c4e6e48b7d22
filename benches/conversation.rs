//! Speed of the per-message work that does no I/O: understanding a message, one engine step,
//! a whole runtime turn, and `flows check` over the whole content.
//! `cargo bench --bench conversation`; figures in README.md.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use kycdesk::engine::{Event, StepContext};
use kycdesk::entities::DEFAULT_CASE_ID_PATTERN;
use kycdesk::flows::source::ContentSource;
use kycdesk::i18n::{Lang, Locales};
use kycdesk::runtime::{Content, Runtime, StandIns};
use kycdesk::store::SledStore;

fn source() -> ContentSource {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ContentSource::Dirs {
        flows: root.join("flows"),
        locales: root.join("locales"),
    }
}

fn benches(c: &mut Criterion) {
    let pattern = regex::Regex::new(DEFAULT_CASE_ID_PATTERN).expect("pattern");
    let loaded = kycdesk::content::load(&source(), pattern.clone()).expect("valid content");
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let nlu = loaded.engine.nlu();

    let messages = [
        "我的身份证照片一直说模糊，拍了好几次都不行",
        "收不到验证码",
        "my face scan keeps failing even in good light",
        "還是不行啊 到底怎麼回事",
        "KYC rejected again, what is wrong with my ID number 11010519491231002X",
    ];
    c.bench_function("nlu/understand (5 messages)", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(nlu.understand(black_box(m), today));
            }
        })
    });

    let engine = loaded.engine.clone();
    let ctx = StepContext { today };
    let mut start = engine.new_state(Lang::ZhCn);
    engine.step(&mut start, Event::Start, ctx);
    c.bench_function("engine/step (button press)", |b| {
        b.iter(|| {
            let mut state = start.clone();
            black_box(engine.step(&mut state, Event::Button { id: "photo".into() }, ctx))
        })
    });

    let rt = tokio::runtime::Runtime::new().expect("tokio");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = rt
        .block_on(async { SledStore::open(dir.path()) })
        .expect("store");
    let runtime = Runtime::new(
        engine.clone(),
        loaded.locales.clone(),
        Arc::new(StandIns),
        store,
    );
    let mut session = runtime.new_session(Lang::ZhCn);
    rt.block_on(runtime.turn(&mut session, Content::Start, None, chrono::Utc::now()));
    c.bench_function("runtime/turn (free text, rendered, not stored)", |b| {
        b.iter(|| {
            let mut s = session.clone();
            black_box(rt.block_on(runtime.turn(
                &mut s,
                Content::Text("照片反光怎么办".into()),
                None,
                chrono::Utc::now(),
            )))
        })
    });

    let content = source().read();
    c.bench_function("flows check (whole set, no training)", |b| {
        b.iter(|| {
            let (locales, _) = Locales::load(&content.locales);
            black_box(kycdesk::flows::load(&content.flows, &locales).is_ok())
        })
    });
    c.bench_function("content load (check + train classifier)", |b| {
        b.iter(|| black_box(kycdesk::content::load(&source(), pattern.clone()).is_ok()))
    });
}

criterion_group! {
    name = conversation;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(conversation);
