//! A photo cannot stall the service: a picture with more pixels than an ID photo needs is
//! refused from its header before any pixel is allocated, and the check itself runs off the async
//! workers, so other work goes on while large photos are being checked.

#[path = "../src/photo/synthetic.rs"]
mod synthetic;

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use kycdesk::i18n::Lang;
use kycdesk::photo::{PhotoChecker, PhotoConfig, PhotoError, check_photo};
use kycdesk::runtime::{ActionContext, Actions, BotActions};
use synthetic::{Background, card_corners, scene};

/// 7300 × 5440 = 39.7 megapixels, declared in a PNG of under 100 bytes.
fn bomb() -> Vec<u8> {
    synthetic::png_bomb(7300, 5440)
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let bomb = bomb();
    assert!(bomb.len() < 100, "{} bytes", bomb.len());
    // Were the pixels decoded, the few bytes of data would make it a damaged image instead.
    let refused = check_photo(&bomb, &PhotoConfig::default()).expect_err("refused");
    assert_eq!(
        refused,
        PhotoError::TooManyPixels {
            width: 7300,
            height: 5440
        }
    );
    assert_eq!(refused.locale_key(), "photo-error-too-many-pixels");
    assert_eq!(
        refused.args(),
        vec![("megapixels".to_string(), "39".to_string())]
    );
    // A phone's 12 MP and a camera's 24 MP are still accepted (then judged on their content).
    for (w, h) in [(4000, 3000), (6000, 4000)] {
        let header_only = synthetic::png_bomb(w, h);
        assert_eq!(
            check_photo(&header_only, &PhotoConfig::default()),
            Err(PhotoError::Corrupt),
            "{w}×{h} is decoded, and its made-up data found damaged"
        );
    }
}

#[tokio::test]
async fn the_bot_refuses_the_bomb_with_the_too_many_pixels_text() {
    let actions = BotActions::new(PhotoConfig::default());
    let state = common::loaded().engine.new_state(Lang::En);
    let bomb = bomb();
    let ctx = ActionContext {
        photo: Some(&bomb),
        user_ref: None,
        key: None,
        fresh_case: None,
        now: common::now(),
    };
    let result = actions
        .perform("photo_check", &BTreeMap::new(), &state, &ctx)
        .await;
    assert_eq!(result.outcome, "failed");
    assert_eq!(result.notes[0].0, "photo-error-too-many-pixels");
}

/// A 12 MP photo of a card on wood: what a phone sends, and real work to check.
static LARGE_PHOTO: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let corners = card_corners((2000.0, 1500.0), 2400.0, 3.0);
    synthetic::jpeg(&scene(4000, 3000, Background::Wood, corners), 90)
});

fn large_photo() -> Vec<u8> {
    LARGE_PHOTO.clone()
}

#[derive(Debug, PartialEq, Eq)]
enum Event {
    Tick(u32),
    PhotoChecked(String),
}

#[tokio::test(flavor = "current_thread")]
async fn other_work_goes_on_while_large_photos_are_checked() {
    let actions = Arc::new(BotActions::new(PhotoConfig::default()));
    let photo = Arc::new(large_photo());
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    // The photos first: on the one thread of this runtime, a check that ran on it would finish
    // before anything else could start.
    let mut checks = Vec::new();
    for _ in 0..4 {
        let (actions, photo, events) = (actions.clone(), photo.clone(), events.clone());
        checks.push(tokio::spawn(async move {
            let state = common::loaded().engine.new_state(Lang::En);
            let ctx = ActionContext {
                photo: Some(photo.as_slice()),
                user_ref: None,
                key: None,
                fresh_case: None,
                now: common::now(),
            };
            let result = actions
                .perform("photo_check", &BTreeMap::new(), &state, &ctx)
                .await;
            let _ = events.send(Event::PhotoChecked(result.outcome));
        }));
    }
    let ticker = {
        let events = events.clone();
        tokio::spawn(async move {
            for i in 0..3 {
                let _ = events.send(Event::Tick(i));
                tokio::task::yield_now().await;
            }
        })
    };
    drop(events);
    ticker.await.expect("the ticker ran");
    for check in checks {
        check.await.expect("the check ran");
    }
    let mut order = Vec::new();
    while let Some(event) = received.recv().await {
        order.push(event);
    }
    assert_eq!(
        &order[..3],
        &[Event::Tick(0), Event::Tick(1), Event::Tick(2)],
        "the other task ran to its end before any photo check finished: {order:?}"
    );
    assert_eq!(order.len(), 7);
    for event in &order[3..] {
        assert!(
            matches!(event, Event::PhotoChecked(outcome) if outcome == "passed" || outcome == "failed"),
            "every photo was checked: {order:?}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_checker_gives_every_photo_its_answer_with_one_permit() {
    let checker = PhotoChecker::with_permits(PhotoConfig::default(), 1);
    let photo = large_photo();
    let direct = check_photo(&photo, &PhotoConfig::default()).expect("checked");
    let answers = futures::future::join_all((0..2).map(|_| checker.check(photo.clone()))).await;
    for answer in answers {
        assert_eq!(answer.expect("checked").codes(), direct.codes());
    }
    assert_eq!(
        checker
            .check(bomb())
            .await
            .expect_err("refused")
            .to_string(),
        PhotoError::TooManyPixels {
            width: 7300,
            height: 5440
        }
        .to_string()
    );
}
