//! The store keeps what it acknowledged, keeps no personal number in clear, erases completely,
//! and reports unreadable data clearly.

mod common;

use std::path::Path;

use chrono::Utc;
use kycdesk::i18n::Lang;
use kycdesk::runtime::{Content, Inbound};
use kycdesk::store::{ConversationKey, SledStore, Store, StoreError};

fn key(id: &str) -> ConversationKey {
    ConversationKey::new("web", id).expect("valid key")
}

/// Every byte of every file under `dir`.
fn raw_files(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                all.extend(bytes);
            }
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_turn_is_stored_and_a_duplicate_gets_the_first_reply() {
    let (runtime, _dir) = common::runtime();
    let k = key("dup");
    let first = runtime
        .handle(
            &k,
            Inbound::new(Content::Button("sms".into()), Lang::En).with_id("m1"),
            Utc::now(),
        )
        .await
        .expect("stored");
    // The same message again (a retried request): same reply, nothing processed twice.
    let again = runtime
        .handle(
            &k,
            Inbound::new(Content::Button("sms".into()), Lang::En).with_id("m1"),
            Utc::now(),
        )
        .await
        .expect("stored");
    assert_eq!(first, again);
    let transcript = runtime.store().transcript(&k).await.expect("transcript");
    let inbound: Vec<_> = transcript
        .iter()
        .filter(|e| e.kind == kycdesk::store::EntryKind::Inbound)
        .collect();
    assert_eq!(inbound.len(), 1, "{transcript:#?}");
    assert_eq!(inbound[0].message_id.as_deref(), Some("m1"));
    let stored = runtime
        .store()
        .load(&k)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(stored.session.state.lang, Lang::En);
    assert!(stored.session.state.at.is_some());
}

#[tokio::test]
async fn messages_of_one_conversation_keep_their_order_under_concurrency() {
    let (runtime, _dir) = common::runtime();
    let k = key("order");
    let mut tasks = Vec::new();
    for i in 0..40 {
        let runtime = runtime.clone();
        let k = k.clone();
        tasks.push(tokio::spawn(async move {
            runtime
                .handle(
                    &k,
                    Inbound::new(Content::Text(format!("msg {i}")), Lang::En)
                        .with_id(format!("m{i}")),
                    Utc::now(),
                )
                .await
        }));
    }
    for t in tasks {
        t.await.expect("joined").expect("stored");
    }
    let transcript = runtime.store().transcript(&k).await.expect("transcript");
    let seqs: Vec<u64> = transcript.iter().map(|e| e.seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seqs, sorted, "sequence numbers are unique and in order");
    let inbound = transcript
        .iter()
        .filter(|e| e.kind == kycdesk::store::EntryKind::Inbound)
        .count();
    assert_eq!(inbound, 40);
}

#[tokio::test]
async fn no_clear_id_or_phone_number_reaches_the_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = common::runtime_in(dir.path());
    let k = key("pii");
    let messages = [
        "我的身份证号是 11010519491231002X，手机１３８１２３４５６７８，怎么还是不对",
        "my id is 440524 18800101 0014 and phone +86 138-1234-5678",
        "卡号6222 0212 3456 7890 128 邮箱 zhang.san@example.com 验证码 482913",
    ];
    for (i, m) in messages.iter().enumerate() {
        runtime
            .handle(
                &k,
                Inbound::new(Content::Text((*m).into()), Lang::ZhCn).with_id(format!("p{i}")),
                Utc::now(),
            )
            .await
            .expect("stored");
    }
    // And an ID number typed where the bot asks for one.
    runtime
        .handle(
            &k,
            Inbound::new(Content::Text("/menu".into()), Lang::ZhCn),
            Utc::now(),
        )
        .await
        .expect("stored");
    for step in ["info", "id_number", "check"] {
        runtime
            .handle(
                &k,
                Inbound::new(Content::Button(step.into()), Lang::ZhCn),
                Utc::now(),
            )
            .await
            .expect("stored");
    }
    let turn = runtime
        .handle(
            &k,
            Inbound::new(Content::Text("11010519491231002X".into()), Lang::ZhCn),
            Utc::now(),
        )
        .await
        .expect("stored");
    let said: String = turn.messages.iter().map(|m| m.text.as_str()).collect();
    assert!(
        said.contains("1101**********002X"),
        "the bot shows the masked number: {said}"
    );
    assert!(!said.contains("11010519491231002X"));
    runtime.store().flush().await.expect("flush");
    let raw = raw_files(dir.path());
    let transcript = runtime.store().transcript(&k).await.expect("transcript");
    let decrypted: String = transcript
        .iter()
        .map(|e| e.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let state = format!("{:?}", runtime.store().load(&k).await.expect("load"));
    for clear in [
        "11010519491231002X",
        "13812345678",
        "4405241880010100",
        "138-1234-5678",
        "6222021234567890128",
        "zhang.san@example.com",
        "482913",
    ] {
        assert!(!contains(&raw, clear), "{clear} found in the store's files");
        // Sealing is not what keeps them out: the records themselves hold masked forms only.
        assert!(
            !decrypted.contains(clear),
            "{clear} in the transcript: {decrypted}"
        );
        assert!(!state.contains(clear), "{clear} in the conversation state");
    }
    // The masked forms are what the transcript keeps.
    let transcript = runtime.store().transcript(&k).await.expect("transcript");
    let text: String = transcript
        .iter()
        .map(|e| e.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("1101**********002X"), "{text}");
    assert!(text.contains("138****5678"), "{text}");
}

#[tokio::test]
async fn erasure_leaves_no_trace_of_a_canary_in_the_raw_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = common::runtime_in(dir.path());
    let canary = "CANARY-7f3a9c-unmistakable";
    let victim = key("victim");
    let other = key("other");
    for (k, text) in [(&victim, canary), (&other, "照片模糊")] {
        let mut inbound = Inbound::new(Content::Text(text.into()), Lang::En);
        inbound.user_ref = Some(format!("u_{}", k.as_str().len()));
        if k == &victim {
            inbound.user_ref = Some("u_victim".into());
        }
        runtime
            .handle(k, inbound, Utc::now())
            .await
            .expect("stored");
    }
    runtime.store().flush().await.expect("flush");
    // Stored values are sealed: even before erasure the canary is not in the files in clear.
    assert!(!contains(&raw_files(dir.path()), canary));
    let report = runtime
        .store()
        .erase_user("u_victim")
        .await
        .expect("erased");
    assert_eq!(report.conversations, 1);
    assert_eq!(report.keys, 1);
    assert!(report.transcript_entries >= 2);
    assert!(runtime.store().load(&victim).await.expect("load").is_none());
    assert!(
        runtime
            .store()
            .transcript(&victim)
            .await
            .expect("t")
            .is_empty()
    );
    // The other conversation is untouched.
    assert!(runtime.store().load(&other).await.expect("load").is_some());
    assert!(!contains(&raw_files(dir.path()), canary));
}

#[tokio::test]
async fn the_canary_check_can_fail() {
    // The same scan finds a value that is written in clear: the erasure test is not vacuous.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("plain.txt"), "CANARY-7f3a9c-unmistakable").expect("write");
    assert!(contains(
        &raw_files(dir.path()),
        "CANARY-7f3a9c-unmistakable"
    ));
}

#[tokio::test]
async fn retention_purges_old_transcript_entries() {
    let (runtime, _dir) = common::runtime();
    let k = key("old");
    let long_ago = Utc::now() - chrono::Duration::days(400);
    runtime
        .handle(
            &k,
            Inbound::new(Content::Button("sms".into()), Lang::En),
            long_ago,
        )
        .await
        .expect("stored");
    runtime
        .handle(
            &k,
            Inbound::new(Content::Button("sms_not_received".into()), Lang::En),
            Utc::now(),
        )
        .await
        .expect("stored");
    let before = runtime.store().transcript(&k).await.expect("t").len();
    let removed = runtime
        .store()
        .purge_transcripts_before(Utc::now() - chrono::Duration::days(90))
        .await
        .expect("purged");
    let after = runtime.store().transcript(&k).await.expect("t");
    assert!(removed >= 2);
    assert_eq!(after.len() as u64, before as u64 - removed);
    assert!(
        after
            .iter()
            .all(|e| e.at > Utc::now() - chrono::Duration::days(90))
    );
}

#[tokio::test]
async fn unreadable_data_is_named_not_ignored() {
    // A file where the data directory should be.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    let err = SledStore::open(&file).err().expect("refused");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");

    // A second process (here: a second open) on the same directory.
    let dir = tempfile::tempdir().expect("temp dir");
    let _first = SledStore::open(dir.path()).expect("opens");
    let err = SledStore::open(dir.path()).err().expect("refused");
    assert!(err.to_string().contains("another kycdesk process"), "{err}");

    // A key file lost: the conversation cannot be read, and the error says why.
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let runtime = common::runtime_in(dir.path());
        runtime
            .handle(
                &key("lost"),
                Inbound::new(Content::Start, Lang::En),
                Utc::now(),
            )
            .await
            .expect("stored");
        runtime.store().flush().await.expect("flush");
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    std::fs::write(dir.path().join("keys.bin"), b"").expect("truncate keys");
    let store = SledStore::open(dir.path()).expect("opens");
    let err = store.load(&key("lost")).await.expect_err("unreadable");
    assert!(matches!(err, StoreError::MissingKey(_)), "{err}");
}

#[tokio::test]
async fn follow_ups_tickets_and_agents_are_kept_and_erased_with_the_person() {
    use kycdesk::store::{Agent, FollowTopic, Subscription, Ticket, TicketStatus};
    let (runtime, _dir) = common::runtime();
    let store = runtime.store();
    let k = key("followed");
    let mut inbound = Inbound::new(Content::Start, Lang::ZhCn);
    inbound.user_ref = Some("u_follow".into());
    runtime
        .handle(&k, inbound, Utc::now())
        .await
        .expect("stored");
    let topic = FollowTopic::Case("KYC-DEMO-PENDING".into());
    store
        .subscribe(Subscription {
            key: k.clone(),
            topic: topic.clone(),
            created_at: Utc::now(),
            last_seen: Some("pending_review".into()),
            diagnosed_cause: None,
        })
        .await
        .expect("subscribed");
    store
        .save_ticket(Ticket {
            id: "t-1".into(),
            key: k.clone(),
            status: TicketStatus::Queued,
            opened_at: Utc::now(),
            agent: None,
            causes: vec!["photo_quality".into()],
            remedies_tried: vec!["photo_daylight".into()],
            case_id: Some("KYC-DEMO-PHOTO".into()),
            lang: "zh-CN".into(),
        })
        .await
        .expect("ticket");
    store
        .save_agent(Agent {
            login: "li.na".into(),
            display_name: "李娜".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            created_at: Utc::now(),
        })
        .await
        .expect("agent");
    let subs = store.subscriptions().await.expect("subs");
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].topic, topic);
    assert_eq!(store.tickets(true).await.expect("tickets").len(), 1);
    assert_eq!(
        store
            .agent("li.na")
            .await
            .expect("agent")
            .map(|a| a.display_name),
        Some("李娜".to_string())
    );
    // The subscriber was told: record it; then the subscription ends.
    let mut told = subs[0].clone();
    told.last_seen = Some("approved".into());
    store
        .update_subscription(&k, &topic, Some(told))
        .await
        .expect("updated");
    assert_eq!(
        store.subscriptions().await.expect("subs")[0]
            .last_seen
            .as_deref(),
        Some("approved")
    );
    let report = store.erase_user("u_follow").await.expect("erased");
    assert_eq!(report.subscriptions, 1);
    assert_eq!(report.tickets, 1);
    assert!(store.subscriptions().await.expect("subs").is_empty());
    assert!(store.tickets(false).await.expect("tickets").is_empty());
    assert!(
        store.agent("li.na").await.expect("agent").is_some(),
        "agents are not the user's data"
    );
}
