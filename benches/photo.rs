//! Speed and memory of the ID-photo check: a 12-megapixel phone photo analysed (target under
//! 300 ms on one core, heap under 200 MB) and a PNG decompression bomb refused (under 10 ms).
//! `cargo bench --bench photo`; the peak heap of one check is printed before the timings.

#[path = "../src/photo/synthetic.rs"]
mod synthetic;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use kycdesk::photo::{PhotoConfig, check_photo};
use synthetic::Background;

/// Counts live heap bytes and their high-water mark, to measure one check's peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn twelve_megapixels() -> Vec<u8> {
    let corners = [
        (900.0, 700.0),
        (3100.0, 640.0),
        (3180.0, 2150.0),
        (820.0, 2200.0),
    ];
    let photo = synthetic::indoor_look(&synthetic::scene(4000, 3000, Background::Wood, corners));
    synthetic::jpeg(&photo, 90)
}

fn benches(c: &mut Criterion) {
    let config = PhotoConfig::default();
    let photo = twelve_megapixels();
    let bomb = synthetic::png_bomb(100_000, 100_000);

    let report = check_photo(&photo, &config).expect("the photo is checked");
    assert!(report.ok, "{report:?}");
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    black_box(check_photo(&photo, &config).ok());
    let peak = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "photo/check 12 MP JPEG ({} KB): peak heap {:.1} MB",
        photo.len() / 1024,
        peak as f64 / 1_048_576.0
    );

    c.bench_function("photo/check 12 MP JPEG", |b| {
        b.iter(|| check_photo(black_box(&photo), &config))
    });
    c.bench_function("photo/decode only 12 MP JPEG", |b| {
        b.iter(|| image::load_from_memory(black_box(&photo)).map(|i| i.width()))
    });
    c.bench_function("photo/refuse PNG bomb 100000×100000", |b| {
        b.iter(|| check_photo(black_box(&bomb), &config))
    });
    let card = synthetic::card_corners((800.0, 600.0), 1000.0, 2.0);
    let small = synthetic::jpeg(&synthetic::scene(1600, 1200, Background::Desk, card), 90);
    c.bench_function("photo/check 2 MP JPEG", |b| {
        b.iter(|| check_photo(black_box(&small), &config))
    });
}

criterion_group!(photo, benches);
criterion_main!(photo);
