//! The photo check inside a conversation and on the command line: a good photo passes, a bad one
//! gets specific instructions, and after two failures the user may go ahead with a warning.

mod common;

#[path = "../src/photo/synthetic.rs"]
mod synthetic;

use std::process::Command;
use std::sync::Arc;

use kycdesk::i18n::Lang;
use kycdesk::photo::PhotoConfig;
use kycdesk::runtime::{BotActions, Content, Runtime};

fn runtime() -> (Runtime, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = kycdesk::store::SledStore::open(dir.path()).expect("store");
    let actions = Arc::new(BotActions::new(PhotoConfig::default()));
    (common::runtime_with(actions, store), dir)
}

#[tokio::test]
async fn a_photo_sent_in_chat_is_checked_and_the_user_can_proceed_after_two_failures() {
    let (runtime, _dir) = runtime();
    let mut session = runtime.new_session(Lang::En);
    let now = common::now();
    runtime.turn(&mut session, Content::Start, None, now).await;
    let good = synthetic::jpeg(&synthetic::clean_scene(), 90);
    let turn = runtime
        .turn(&mut session, Content::Photo(good), None, now)
        .await;
    assert_eq!(
        turn.node,
        "photo_quality.check_passed",
        "{}",
        common::said(&turn)
    );
    assert!(
        common::said(&turn).contains("Looks good"),
        "{}",
        common::said(&turn)
    );

    let dark = synthetic::jpeg(
        &synthetic::scale_brightness(&synthetic::clean_scene(), 0.2),
        90,
    );
    let turn = runtime
        .turn(&mut session, Content::Photo(dark.clone()), None, now)
        .await;
    assert_eq!(
        turn.node,
        "photo_quality.check_failed_first",
        "{}",
        common::said(&turn)
    );
    assert!(
        common::said(&turn).to_lowercase().contains("dark"),
        "a specific instruction: {}",
        common::said(&turn)
    );
    let ids: Vec<&str> = turn
        .messages
        .last()
        .map(|m| m.buttons.iter().map(|b| b.id.as_str()).collect())
        .unwrap_or_default();
    assert!(
        !ids.contains(&"proceed"),
        "no way round the check after one failure"
    );

    let turn = runtime
        .turn(&mut session, Content::Photo(dark), None, now)
        .await;
    assert_eq!(
        turn.node,
        "photo_quality.check_failed_again",
        "{}",
        common::said(&turn)
    );
    let turn = runtime
        .turn(&mut session, Content::Button("proceed".into()), None, now)
        .await;
    assert_eq!(turn.node, "photo_quality.proceed_anyway");
    assert!(
        common::said(&turn).contains("upload it anyway"),
        "{}",
        common::said(&turn)
    );
}

#[tokio::test]
async fn a_file_that_is_not_an_image_gets_a_clear_answer_in_the_users_language() {
    let (runtime, _dir) = runtime();
    let mut session = runtime.new_session(Lang::ZhCn);
    let now = common::now();
    runtime.turn(&mut session, Content::Start, None, now).await;
    let turn = runtime
        .turn(
            &mut session,
            Content::Photo(b"%PDF-1.7 not a photo".to_vec()),
            None,
            now,
        )
        .await;
    assert!(
        turn.node.starts_with("photo_quality.check_failed"),
        "{}",
        turn.node
    );
    assert!(!common::said(&turn).is_empty());
    assert!(
        common::said(&turn)
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{}",
        common::said(&turn)
    );
}

fn photo_cli(bytes: &[u8], extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("card.jpg");
    std::fs::write(&path, bytes).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .args(["photo", "check"])
        .arg(&path)
        .args(extra)
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .output()
        .expect("run");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).to_string(),
    )
}

#[test]
fn the_command_line_check_prints_codes_and_messages() {
    let good = synthetic::jpeg(&synthetic::clean_scene(), 90);
    let (code, out) = photo_cli(&good, &["--json", "--lang", "en"]);
    let value: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!((code, value["ok"].as_bool()), (0, Some(true)), "{out}");

    let grey = synthetic::jpeg(&synthetic::greyscale(&synthetic::clean_scene()), 90);
    let (code, out) = photo_cli(&grey, &["--json", "--lang", "en"]);
    let value: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(code, 1);
    assert_eq!(value["ok"], false);
    assert_eq!(value["findings"][0]["code"], "BLACK_AND_WHITE", "{out}");
    assert!(
        value["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );

    let (code, out) = photo_cli(b"just text, named .jpg", &["--json"]);
    let value: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(code, 2);
    assert_eq!(value["error"]["code"], "not-an-image", "{out}");
}
