//! The real `kycdesk chat` binary, driven through stdin/stdout as a script would, including the
//! bad inputs a terminal user or a script can send.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn chat(args: &[&str], input: &str) -> (Vec<Value>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    chat_in(dir.path(), args, input)
}

fn chat_in(data: &std::path::Path, args: &[&str], input: &str) -> (Vec<Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .arg("chat")
        .args(args)
        .env("KYCDESK_DATA_DIR", data)
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kycdesk chat");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("chat ends at end of input");
    writer.join().expect("writer");
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let turns = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (turns, String::from_utf8_lossy(&output.stderr).to_string())
}

fn texts(turn: &Value) -> String {
    turn["messages"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn json_mode_walks_a_conversation_and_reports_nodes() {
    let input = [
        r#"{"button": "photo"}"#,
        r#"{"text": "手机拍的照片反光"}"#,
        r#"{"text": "转人工"}"#,
    ]
    .join("\n");
    let (turns, _) = chat(&["--json", "--lang", "zh-CN"], &input);
    assert_eq!(turns.len(), 4, "greeting + one turn per line: {turns:?}");
    assert_eq!(turns[0]["node"], "menu.start");
    assert!(
        turns[0]["messages"][0]["buttons"]
            .as_array()
            .is_some_and(|b| b.len() > 5)
    );
    assert!(
        turns[1]["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("photo_quality."))
    );
    assert_eq!(turns[2]["intent"], "photo_quality");
    assert!(
        turns[2]["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("photo_quality."))
    );
    assert_eq!(turns[3]["intent"], "human_agent");
    // Nobody is at the desk in the terminal: no ticket, and the user is told so honestly and
    // offered to leave a message.
    assert_eq!(turns[3]["handoff"], false);
    assert_eq!(turns[3]["node"], "handoff.no_agent");
    for turn in &turns {
        for key in ["messages", "node", "intent", "handoff"] {
            assert!(turn.get(key).is_some(), "{key} missing in {turn}");
        }
    }
}

#[test]
fn bad_input_gets_a_clear_answer_and_the_conversation_carries_on() {
    let long = "照片".repeat(50_000); // 100 KB of text
    let input = [
        "{not json".to_string(),
        r#"{"text": 5}"#.to_string(),
        r#"{"text": "a", "button": "b"}"#.to_string(),
        String::new(),
        r#"{"text": ""}"#.to_string(),
        r#"{"text": "\u0000\u0007\u001b"}"#.to_string(),
        r#"{"text": "😡😡😡"}"#.to_string(),
        r#"{"button": "no_such_button"}"#.to_string(),
        r#"{"button": "r5"}"#.to_string(),
        serde_json::json!({"text": long}).to_string(),
        r#"{"photo": "/no/such/photo.jpg"}"#.to_string(),
        r#"{"text": "I never got the SMS code"}"#.to_string(),
    ]
    .join("\n");
    let (turns, _) = chat(&["--json", "--lang", "en"], &input);
    assert_eq!(turns.len(), 13, "{turns:#?}");
    assert!(
        texts(&turns[1]).contains("isn't valid input"),
        "{}",
        texts(&turns[1])
    );
    assert!(texts(&turns[2]).contains("isn't valid input"));
    assert!(texts(&turns[3]).contains("exactly one"));
    assert!(texts(&turns[4]).contains("didn't get any text"));
    assert!(texts(&turns[5]).contains("didn't get any text"));
    assert!(
        texts(&turns[6]).contains("didn't get any text"),
        "control characters only: {}",
        texts(&turns[6])
    );
    assert!(!texts(&turns[7]).is_empty(), "emoji get an answer");
    assert!(texts(&turns[8]).contains("didn't recognise that option"));
    assert!(
        texts(&turns[9]).contains("from an earlier message"),
        "a survey button at the menu is stale"
    );
    assert!(
        texts(&turns[10]).contains("long message"),
        "{}",
        texts(&turns[10])
    );
    assert!(texts(&turns[11]).contains("couldn't read that photo"));
    // After all that, the conversation still works.
    assert_eq!(
        turns[12]["node"]
            .as_str()
            .map(|n| n.starts_with("sms_code.")),
        Some(true),
        "{}",
        turns[12]
    );
}

#[test]
fn plain_mode_numbers_buttons_and_accepts_a_typed_number() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .args(["chat", "--lang", "en"])
        .env("KYCDESK_DATA_DIR", data.path())
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"2\n/quit\n")
        .expect("write");
    let output = child.wait_with_output().expect("ends");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("   1) My details don't match"), "{out}");
    assert!(out.contains("   2) ID photo problems"), "{out}");
    // "2" pressed the photo button: the photo flow answered.
    let after = out
        .split("   2) ID photo problems")
        .nth(1)
        .unwrap_or_default();
    assert!(after.to_lowercase().contains("photo"), "{out}");
}

#[test]
fn an_invalid_flow_set_stops_chat_with_the_same_messages_as_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .args(["chat", "--json"])
        .env("KYCDESK_DATA_DIR", dir.path().join("data"))
        .env("KYCDESK_FLOWS_DIR", dir.path())
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no flow files found"), "{stderr}");
}

#[test]
fn a_linked_conversation_resumes_as_its_user() {
    let dir = tempfile::tempdir().expect("temp dir");
    chat_in(
        dir.path(),
        &[
            "--json",
            "--lang",
            "en",
            "--resume",
            "u1",
            "--user-ref",
            "u_demo",
        ],
        "{\"button\": \"sms\"}\n",
    );
    // Without --user-ref the terminal goes on as the conversation's user, not as a stranger.
    let (turns, _) = chat_in(
        dir.path(),
        &["--json", "--resume", "u1"],
        "{\"text\": \"2\"}\n",
    );
    assert!(
        turns[1]["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("sms_code.")),
        "{}",
        turns[1]
    );
}

#[test]
fn a_conversation_resumes_after_the_process_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (turns, stderr) = chat_in(
        dir.path(),
        &["--json", "--lang", "en", "--resume", "t1"],
        "{\"button\": \"sms\"}\n",
    );
    assert!(stderr.contains("terminal:t1"), "{stderr}");
    assert!(
        turns[1]["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("sms_code."))
    );
    // A new process: the bot repeats where we were, and the flow goes on from there.
    let (turns, _) = chat_in(
        dir.path(),
        &["--json", "--resume", "t1"],
        "{\"text\": \"2\"}\n",
    );
    assert!(
        turns[0]["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("sms_code.")),
        "{}",
        turns[0]
    );
    assert_eq!(
        turns[0]["lang"], "en",
        "the language is part of the stored state"
    );
    assert!(
        turns[1]["node"]
            .as_str()
            .is_some_and(|n| n.starts_with("sms_code.")),
        "{}",
        turns[1]
    );
}

#[test]
fn export_and_erase_report_what_they_found() {
    let dir = tempfile::tempdir().expect("temp dir");
    chat_in(
        dir.path(),
        &["--json", "--resume", "t2"],
        "{\"text\": \"我的身份证号 11010519491231002X 手机 13812345678 不对\"}\n",
    );
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kycdesk"))
            .args(args)
            .env("KYCDESK_DATA_DIR", dir.path())
            .output()
            .expect("run")
    };
    let export = run(&["export", "--conversation", "terminal:t2"]);
    assert!(export.status.success());
    let text = String::from_utf8_lossy(&export.stdout);
    let value: Value = serde_json::from_str(&text).expect("export is JSON");
    assert_eq!(value["conversation"], "terminal:t2");
    assert!(
        text.contains("1101**********002X"),
        "masked ID kept: {text}"
    );
    assert!(
        !text.contains("11010519491231002X") && !text.contains("13812345678"),
        "{text}"
    );
    let erase = run(&["erase", "--conversation", "terminal:t2"]);
    assert!(erase.status.success());
    let report: Value = serde_json::from_slice(&erase.stdout).expect("report is JSON");
    assert_eq!(report["conversations"], 1);
    assert!(
        report["transcript_entries"]
            .as_u64()
            .is_some_and(|n| n >= 3),
        "{report}"
    );
    assert_eq!(report["keys"], 1);
    let again = run(&["export", "--conversation", "terminal:t2"]);
    assert!(!again.status.success(), "nothing left to export");
}

#[test]
fn the_log_never_shows_a_clear_number() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .args(["chat", "--json", "--resume", "logs"])
        .env("KYCDESK_DATA_DIR", dir.path())
        .env("KYCDESK_LOG", "trace")
        .env("KYCDESK_FLOWS_DIR", common::repo_path("flows"))
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let input = [
        r#"{"text": "身份证 11010519491231002X 手机 13812345678"}"#,
        r#"{"button": "info"}"#,
        r#"{"button": "id_number"}"#,
        r#"{"button": "check"}"#,
        r#"{"text": "11010519491231002X"}"#,
        r#"{"text": "I never got the code, my phone is +86 139 1234 5678"}"#,
    ]
    .join("\n");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.len() > 100, "trace logging is on: {stderr}");
    for clear in [
        "11010519491231002X",
        "13812345678",
        "13912345678",
        "139 1234 5678",
    ] {
        assert!(!stderr.contains(clear), "{clear} in the log");
    }
}
