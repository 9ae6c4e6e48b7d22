//! The store keeps what it acknowledged, keeps no personal number in clear, erases completely,
//! and reports unreadable data clearly.
//!
//! The full-disk test mounts a tmpfs and needs root: it runs with `KYCDESK_ROOT_TESTS=1` (the
//! build script turns that into the `kycdesk_root_tests` cfg).

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
    std::fs::write(dir.path().join("keyring.bin"), b"").expect("truncate keys");
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
            ..ticket_defaults(&k)
        })
        .await
        .expect("ticket");
    store
        .save_agent(Agent {
            login: "li.na".into(),
            display_name: "李娜".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            created_at: Utc::now(),
            role: kycdesk::store::AgentRole::Agent,
            languages: vec!["zh-CN".into()],
            capacity: 4,
            disabled: false,
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

#[tokio::test]
async fn the_store_counts_the_transcript_bytes_of_each_conversation() {
    let (runtime, _dir) = common::runtime();
    let store = runtime.store();
    let k = key("sized");
    let long_ago = Utc::now() - chrono::Duration::days(400);
    runtime
        .handle(
            &k,
            Inbound::new(Content::Button("sms".into()), Lang::En),
            long_ago,
        )
        .await
        .expect("stored");
    let after_one = store
        .load(&k)
        .await
        .expect("load")
        .expect("exists")
        .stored_bytes;
    assert!(after_one > 0, "the first turn's entries are counted");
    runtime
        .handle(
            &k,
            Inbound::new(Content::Text("hello".into()), Lang::En),
            Utc::now(),
        )
        .await
        .expect("stored");
    let after_two = store
        .load(&k)
        .await
        .expect("load")
        .expect("exists")
        .stored_bytes;
    assert!(after_two > after_one, "{after_two} > {after_one}");
    // A commit adds its entries' bytes to the count the conversation was loaded with: one
    // without entries adds nothing.
    let conversation = store.load(&k).await.expect("load").expect("exists");
    store
        .commit_turn(kycdesk::store::TurnCommit {
            key: k.clone(),
            conversation,
            entries: Vec::new(),
            outbox: Vec::new(),
            reply: None,
            ticket: None,
            audit: Vec::new(),
        })
        .await
        .expect("committed");
    assert_eq!(
        store
            .load(&k)
            .await
            .expect("load")
            .expect("exists")
            .stored_bytes,
        after_two
    );
    // The purge releases what it removes: the old turn's bytes.
    let removed = store
        .purge_transcripts_before(Utc::now() - chrono::Duration::days(90))
        .await
        .expect("purged");
    assert!(removed >= 2);
    let after_purge = store
        .load(&k)
        .await
        .expect("load")
        .expect("exists")
        .stored_bytes;
    assert_eq!(after_purge, after_two - after_one);
}

#[tokio::test]
async fn retention_erases_idle_conversations_with_every_record_they_own() {
    use kycdesk::runtime::Delivery;
    use kycdesk::store::{FollowTopic, Subscription, Ticket, TicketStatus};
    let (runtime, _dir) = common::runtime();
    let store = runtime.store();
    let idle = key("idle");
    let active = key("active");
    let long_ago = Utc::now() - chrono::Duration::days(400);
    for (k, at) in [(&idle, long_ago), (&active, Utc::now())] {
        let mut inbound = Inbound::new(Content::Button("sms".into()), Lang::En).with_id("c1");
        inbound.user_ref = Some(format!("u_{}", k.as_str()));
        inbound.delivery = Delivery::Outbox;
        runtime.handle(k, inbound, at).await.expect("stored");
        store
            .subscribe(Subscription {
                key: k.clone(),
                topic: FollowTopic::Maintenance,
                created_at: at,
                last_seen: None,
                diagnosed_cause: None,
            })
            .await
            .expect("subscribed");
        store
            .save_ticket(Ticket {
                id: format!("t-{}", k.as_str()),
                key: k.clone(),
                status: TicketStatus::Queued,
                opened_at: at,
                agent: None,
                causes: Vec::new(),
                remedies_tried: Vec::new(),
                case_id: None,
                lang: "en".into(),
                ..ticket_defaults(k)
            })
            .await
            .expect("ticket");
    }
    assert_eq!(
        store.pending_outbox(None, 10).await.expect("outbox").len(),
        2
    );
    let removed = store
        .purge_transcripts_before(Utc::now() - chrono::Duration::days(90))
        .await
        .expect("purged");
    // conversation, ≥2 transcript entries, reply, outbox item, follow-up, ticket, user link
    assert!(removed >= 8, "{removed}");
    assert!(store.load(&idle).await.expect("load").is_none());
    assert!(store.transcript(&idle).await.expect("t").is_empty());
    assert!(store.reply_for(&idle, "c1").await.expect("reply").is_none());
    assert_eq!(
        store
            .erase_user("u_web:idle")
            .await
            .expect("erase")
            .user_links,
        0
    );
    let outbox = store.pending_outbox(None, 10).await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].key, active);
    let subs = store.subscriptions().await.expect("subs");
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].key, active);
    let tickets = store.tickets(false).await.expect("tickets");
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].key, active);
    // The active conversation keeps everything, its dedupe record included.
    assert!(
        store
            .reply_for(&active, "c1")
            .await
            .expect("reply")
            .is_some()
    );
    assert!(!store.transcript(&active).await.expect("t").is_empty());
}

#[tokio::test]
async fn the_store_recovers_by_itself_after_a_storage_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(dir.path()).expect("opens");
    let runtime = common::runtime_with(
        std::sync::Arc::new(kycdesk::runtime::StandIns),
        store.clone(),
    );
    let k = key("survivor");
    let acknowledged = runtime
        .handle(
            &k,
            Inbound::new(Content::Button("sms".into()), Lang::En).with_id("a1"),
            Utc::now(),
        )
        .await
        .expect("stored");
    store.ready().await.expect("ready while healthy");

    store.inject_io_failure();
    let conversation = store.load(&k).await.expect("load").expect("exists");
    let commit = kycdesk::store::TurnCommit {
        key: k.clone(),
        conversation,
        entries: Vec::new(),
        outbox: Vec::new(),
        reply: None,
        ticket: None,
        audit: Vec::new(),
    };
    let err = store
        .commit_turn(commit.clone())
        .await
        .expect_err("the disk is full");
    assert!(matches!(err, StoreError::Io(_)), "{err}");
    let not_ready = store.ready().await.expect_err("not ready while failing");
    assert!(matches!(not_ready, StoreError::Io(_)), "{not_ready}");
    // Still failing: later commits are refused too, and the store stays not ready.
    let err = store
        .commit_turn(commit.clone())
        .await
        .expect_err("still full");
    assert!(matches!(err, StoreError::Io(_)), "{err}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(store.ready().await.is_err());

    store.end_io_failure();
    let mut recovered = false;
    for _ in 0..500 {
        if store.ready().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(recovered, "the store became ready again without a restart");
    let after = runtime
        .handle(
            &k,
            Inbound::new(Content::Text("hello again".into()), Lang::En).with_id("a2"),
            Utc::now(),
        )
        .await
        .expect("commits work again");
    assert!(!after.messages.is_empty());
    // What was acknowledged before the failure is still there.
    assert_eq!(
        store.reply_for(&k, "a1").await.expect("reply"),
        Some(acknowledged)
    );
    let transcript = store.transcript(&k).await.expect("transcript");
    let ids: Vec<_> = transcript
        .iter()
        .filter_map(|e| e.message_id.clone())
        .collect();
    assert_eq!(ids, ["a1", "a2"]);
}

/// Writes a data directory as layout 1 wrote it: identifiers as index keys, a key file naming
/// conversations in clear, values sealed as `[1][nonce][ChaCha20-Poly1305 of {"v":1,"data":…}]`.
mod layout1 {
    use std::path::Path;

    use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
    use chacha20poly1305::{ChaCha20Poly1305, Key};
    use serde::Serialize;

    pub fn seal<T: Serialize>(key: &[u8; 32], value: &T) -> Vec<u8> {
        let mut data = serde_json::to_value(value).expect("json");
        if let Some(map) = data.as_object_mut() {
            map.remove("stored_bytes"); // not in layout 1
        }
        let plain = serde_json::to_vec(&serde_json::json!({"v": 1, "data": data})).expect("json");
        let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = vec![1u8];
        out.extend_from_slice(&nonce);
        out.extend(cipher.encrypt(&nonce, plain.as_slice()).expect("encrypt"));
        out
    }

    pub fn named(name: &str, rest: &[u8]) -> Vec<u8> {
        let mut k = name.as_bytes().to_vec();
        k.push(0);
        k.extend_from_slice(rest);
        k
    }

    pub fn owned(name: &str, sealed: &[u8]) -> Vec<u8> {
        let mut v = (name.len() as u16).to_le_bytes().to_vec();
        v.extend_from_slice(name.as_bytes());
        v.extend_from_slice(sealed);
        v
    }

    pub fn write_key_file(dir: &Path, name: &str, key: &[u8; 32]) {
        std::fs::write(dir.join("keys.bin"), owned(name, key)).expect("key file");
    }
}

#[tokio::test]
async fn a_layout_1_directory_is_upgraded_on_open() {
    use kycdesk::store::{FollowTopic, OutboxItem, Subscription, Ticket, TicketStatus};
    let conversation_id = "legacy-CANARY-conv-51d2";
    let message_id = "CANARY-msg-8e41";
    let user_ref = "u_CANARY-user-77c0";
    let k = ConversationKey::new("widget", conversation_id).expect("key");

    // Real records, made by today's code in a scratch store.
    let scratch = tempfile::tempdir().expect("temp dir");
    let (conversation, transcript, turn) = {
        let runtime = common::runtime_in(scratch.path());
        let mut inbound = Inbound::new(Content::Button("sms".into()), Lang::En).with_id(message_id);
        inbound.user_ref = Some(user_ref.into());
        let turn = runtime
            .handle(&k, inbound, Utc::now())
            .await
            .expect("stored");
        let store = runtime.store();
        (
            store.load(&k).await.expect("load").expect("exists"),
            store.transcript(&k).await.expect("transcript"),
            turn,
        )
    };
    assert!(!transcript.is_empty());

    let dir = tempfile::tempdir().expect("temp dir");
    let secret = [42u8; 32];
    let name = k.as_str();
    {
        let db = sled::open(dir.path().join("db")).expect("sled");
        let tree = |n: &str| db.open_tree(n).expect("tree");
        tree("meta")
            .insert("layout", &1u32.to_be_bytes())
            .expect("meta");
        tree("conversations")
            .insert(name, layout1::seal(&secret, &conversation))
            .expect("conversation");
        for e in &transcript {
            let mut v = e.at.timestamp_millis().to_be_bytes().to_vec();
            v.extend(layout1::seal(&secret, e));
            tree("transcripts")
                .insert(layout1::named(name, &e.seq.to_be_bytes()), v)
                .expect("entry");
        }
        tree("replies")
            .insert(
                layout1::named(name, message_id.as_bytes()),
                layout1::seal(&secret, &turn),
            )
            .expect("reply");
        let item = OutboxItem {
            id: 7,
            key: k.clone(),
            turn: turn.clone(),
            created_at: Utc::now(),
        };
        tree("outbox")
            .insert(
                7u64.to_be_bytes(),
                layout1::owned(name, &layout1::seal(&secret, &item)),
            )
            .expect("outbox");
        tree("users")
            .insert(layout1::named(user_ref, name.as_bytes()), &[])
            .expect("user");
        let sub = Subscription {
            key: k.clone(),
            topic: FollowTopic::Case("KYC-20240611-000123".into()),
            created_at: Utc::now(),
            last_seen: None,
            diagnosed_cause: None,
        };
        let mut sub_key = sub.topic.index().into_bytes();
        sub_key.push(0);
        sub_key.extend_from_slice(name.as_bytes());
        tree("follow_ups")
            .insert(sub_key, layout1::owned(name, &layout1::seal(&secret, &sub)))
            .expect("follow-up");
        let ticket = Ticket {
            id: "t-legacy".into(),
            key: k.clone(),
            status: TicketStatus::Queued,
            opened_at: Utc::now(),
            agent: None,
            causes: Vec::new(),
            remedies_tried: Vec::new(),
            case_id: None,
            lang: "en".into(),
            ..ticket_defaults(&k)
        };
        tree("tickets")
            .insert(
                "t-legacy",
                layout1::owned(name, &layout1::seal(&secret, &ticket)),
            )
            .expect("ticket");
        db.flush().expect("flush");
    }
    layout1::write_key_file(dir.path(), name, &secret);
    assert!(
        contains(&raw_files(dir.path()), conversation_id),
        "the fixture is layout 1"
    );

    let store = SledStore::open(dir.path()).expect("upgraded on open");
    let loaded = store
        .load(&k)
        .await
        .expect("load")
        .expect("found after the upgrade");
    assert_eq!(loaded.session, conversation.session);
    assert!(
        loaded.stored_bytes > 0,
        "the upgrade counts the stored transcript"
    );
    assert_eq!(store.transcript(&k).await.expect("transcript"), transcript);
    assert_eq!(
        store.reply_for(&k, message_id).await.expect("reply"),
        Some(turn.clone())
    );
    let outbox = store.pending_outbox(None, 10).await.expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].key, k);
    assert_eq!(store.subscriptions().await.expect("subs").len(), 1);
    assert_eq!(store.tickets(false).await.expect("tickets").len(), 1);
    let export = store.export(&k).await.expect("export").expect("exists");
    assert_eq!(export.replies, vec![(message_id.to_string(), turn)]);
    store.flush().await.expect("flush");
    // The old database and key file are gone: nothing names the person any more.
    assert!(!dir.path().join("keys.bin").exists());
    let raw = raw_files(dir.path());
    for canary in [conversation_id, message_id, user_ref] {
        assert!(!contains(&raw, canary), "{canary} survived the upgrade");
    }
    // The user index was carried over too.
    let report = store.erase_user(user_ref).await.expect("erased");
    assert_eq!(report.conversations, 1);
    assert_eq!(report.outbox_items, 1);
    assert_eq!(report.subscriptions, 1);
    assert_eq!(report.tickets, 1);
    assert_eq!(report.replies, 1);
    assert_eq!(report.keys, 1);
}

#[tokio::test]
async fn a_newer_layout_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let db = sled::open(dir.path().join("db")).expect("sled");
        db.open_tree("meta")
            .expect("meta")
            .insert("layout", &9u32.to_be_bytes())
            .expect("layout");
        db.flush().expect("flush");
    }
    let err = SledStore::open(dir.path()).err().expect("refused");
    assert!(
        matches!(err, StoreError::UnknownFormat { version: 9, .. }),
        "{err}"
    );
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root");
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        while file.write_all(&block[..512]).is_ok() {}
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
#[cfg_attr(
    not(kycdesk_root_tests),
    ignore = "needs root: set KYCDESK_ROOT_TESTS=1"
)]
async fn the_store_recovers_after_a_real_full_disk_is_freed() {
    let disk = SmallDisk::mount("8m");
    let data = disk.path().join("data");
    let store = SledStore::open(&data).expect("opens");
    let runtime = common::runtime_with(
        std::sync::Arc::new(kycdesk::runtime::StandIns),
        store.clone(),
    );
    let k = key("full");
    let first = runtime
        .handle(
            &k,
            Inbound::new(Content::Start, Lang::En).with_id("before"),
            Utc::now(),
        )
        .await
        .expect("stored");
    let filler = disk.fill();
    // Write until the store notices: sled fills the segment it has, then needs space.
    let filler_text = "x".repeat(2000);
    let mut failed = None;
    for i in 0..5000 {
        match runtime
            .handle(
                &k,
                Inbound::new(Content::Text(filler_text.clone()), Lang::En).with_id(format!("f{i}")),
                Utc::now(),
            )
            .await
        {
            Ok(_) => {}
            Err(e) => {
                failed = Some(e.to_string());
                break;
            }
        }
    }
    let failed = failed.expect("a full disk makes a commit fail");
    assert!(
        store.ready().await.is_err(),
        "not ready on a full disk ({failed})"
    );

    std::fs::remove_file(filler).expect("free the disk");
    let mut recovered = false;
    for _ in 0..1000 {
        if store.ready().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        recovered,
        "ready again once the disk has room, without a restart"
    );
    runtime
        .handle(
            &k,
            Inbound::new(Content::Text("after".into()), Lang::En).with_id("after"),
            Utc::now(),
        )
        .await
        .expect("commits work again");
    assert_eq!(
        store.reply_for(&k, "before").await.expect("reply"),
        Some(first)
    );
    assert!(store.reply_for(&k, "after").await.expect("reply").is_some());
    drop(runtime);
    drop(store);
}

/// The fields of a new ticket these tests do not care about.
fn ticket_defaults(k: &ConversationKey) -> kycdesk::store::Ticket {
    kycdesk::store::Ticket::new("t-defaults".into(), k.clone(), "en".into(), Utc::now())
}

/// A conversation stored by one turn, for tests that write tickets beside it.
async fn stored_conversation(
    store: &std::sync::Arc<dyn Store>,
    runtime: &kycdesk::runtime::Runtime,
    k: &ConversationKey,
) -> kycdesk::store::StoredConversation {
    runtime
        .handle(k, Inbound::new(Content::Start, Lang::En), Utc::now())
        .await
        .expect("turn");
    store.load(k).await.expect("load").expect("stored")
}

#[tokio::test]
async fn a_ticket_write_from_a_stale_read_is_refused() {
    use kycdesk::store::{Ticket, TicketStatus, TicketWrite, TurnCommit};
    let (runtime, _dir) = common::runtime();
    let store = runtime.store().clone();
    let k = key("ticketed");
    let conversation = stored_conversation(&store, &runtime, &k).await;
    let ticket = Ticket::new("t_race".into(), k.clone(), "en".into(), Utc::now());
    let mut open = TurnCommit::new(k.clone(), conversation.clone());
    open.ticket = Some(TicketWrite {
        ticket: ticket.clone(),
        expected: None,
    });
    store.commit_turn(open.clone()).await.expect("opened");
    // Opening it again (a second instance that did not see it) is a conflict.
    let again = store.commit_turn(open).await.expect_err("exists already");
    assert!(matches!(again, StoreError::TicketConflict(_)), "{again}");

    // Two claims read version 1: the first wins, the second is refused.
    let claim = |agent: &str| {
        let mut c = TurnCommit::new(k.clone(), conversation.clone());
        c.ticket = Some(TicketWrite {
            ticket: Ticket {
                status: TicketStatus::Assigned,
                agent: Some(agent.into()),
                version: 2,
                ..ticket.clone()
            },
            expected: Some(1),
        });
        c
    };
    store
        .commit_turn(claim("alice"))
        .await
        .expect("first claim");
    let lost = store.commit_turn(claim("bob")).await.expect_err("second");
    assert!(matches!(lost, StoreError::TicketConflict(_)), "{lost}");
    let stored = store.ticket("t_race").await.expect("read").expect("exists");
    assert_eq!(stored.agent.as_deref(), Some("alice"));
    assert_eq!(stored.version, 2);

    // A ticket of another conversation cannot ride on this one's commit.
    let mut foreign = TurnCommit::new(k.clone(), conversation);
    foreign.ticket = Some(TicketWrite {
        ticket: Ticket::new("t_other".into(), key("other"), "en".into(), Utc::now()),
        expected: None,
    });
    let err = store.commit_turn(foreign).await.expect_err("refused");
    assert!(matches!(err, StoreError::TicketOwner), "{err}");

    // Export carries the ticket; erasure removes it.
    let export = store.export(&k).await.expect("export").expect("exists");
    assert_eq!(export.tickets.len(), 1);
    let report = store.erase_conversation(&k).await.expect("erased");
    assert_eq!(report.tickets, 1);
    assert!(store.ticket("t_race").await.expect("read").is_none());
}

#[tokio::test]
async fn the_audit_log_names_people_only_by_pseudonym_and_expires() {
    use kycdesk::store::AuditEvent;
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = common::runtime_in(dir.path());
    let store = runtime.store().clone();
    let k = key("audited-canary-4417");
    let old = Utc::now() - chrono::Duration::days(40);
    let event = |at, action: &str| AuditEvent {
        at,
        actor: "alice".into(),
        action: action.into(),
        ticket: Some("t_1".into()),
        conversation: Some(k.clone()),
        detail: None,
    };
    let first = store
        .append_audit(event(old, "claim"))
        .await
        .expect("append");
    let second = store
        .append_audit(event(Utc::now(), "resolve"))
        .await
        .expect("append");
    assert!(second > first);
    let log = store.audit_log(None, 10).await.expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].action, "resolve");
    let subject = log[0].subject.clone().expect("subject");
    assert_eq!(subject, store.pseudonym(k.as_str()));
    assert!(!subject.contains("canary"));
    // Paging.
    let after = store.audit_log(Some(first), 10).await.expect("page");
    assert_eq!(after.len(), 1);
    store.flush().await.expect("flush");
    assert!(!contains(&raw_files(dir.path()), "audited-canary-4417"));
    // The retention purge removes old records.
    store
        .purge_transcripts_before(Utc::now() - chrono::Duration::days(30))
        .await
        .expect("purge");
    let log = store.audit_log(None, 10).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "resolve");
}

#[tokio::test]
async fn agents_are_listed_and_removed() {
    use kycdesk::store::{Agent, AgentRole};
    let (runtime, _dir) = common::runtime();
    let store = runtime.store().clone();
    for login in ["bob", "alice"] {
        store
            .save_agent(Agent {
                login: login.into(),
                display_name: login.to_uppercase(),
                password_hash: "$argon2id$x".into(),
                created_at: Utc::now(),
                role: AgentRole::Admin,
                languages: vec!["en".into()],
                capacity: 2,
                disabled: false,
            })
            .await
            .expect("saved");
    }
    let logins: Vec<String> = store
        .agents()
        .await
        .expect("agents")
        .into_iter()
        .map(|a| a.login)
        .collect();
    assert_eq!(logins, ["alice", "bob"]);
    assert!(store.remove_agent("bob").await.expect("removed"));
    assert!(!store.remove_agent("bob").await.expect("gone"));
    assert_eq!(store.agents().await.expect("agents").len(), 1);
}
