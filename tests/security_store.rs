//! The store's files never name a person: conversation ids, client message ids and user refs are
//! index keys only as keyed hashes, and after an erasure no byte of any file in the data
//! directory (sled's log included) holds them.

mod common;

use std::path::Path;

use chrono::Utc;
use kycdesk::i18n::Lang;
use kycdesk::runtime::{Content, Delivery, Inbound, Runtime};
use kycdesk::store::{ConversationKey, FollowTopic, Subscription, Ticket, TicketStatus};

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

fn found(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The identifiers of one person's conversation, each unmistakable in a byte scan.
struct Canaries {
    conversation_id: &'static str,
    message_ids: [&'static str; 2],
    user_ref: &'static str,
}

impl Canaries {
    fn all(&self) -> Vec<&'static str> {
        let mut all = vec![self.conversation_id, self.user_ref];
        all.extend(self.message_ids);
        all
    }

    fn key(&self) -> ConversationKey {
        ConversationKey::new("widget", self.conversation_id).expect("key")
    }
}

/// Stores every kind of record for the canaries' conversation, and a bystander's conversation.
async fn populate(runtime: &Runtime, canaries: &Canaries) {
    let key = canaries.key();
    for (i, id) in canaries.message_ids.iter().enumerate() {
        let content = if i == 0 {
            Content::Start
        } else {
            Content::Button("sms".into())
        };
        let mut inbound = Inbound::new(content, Lang::En).with_id(*id);
        inbound.user_ref = Some(canaries.user_ref.into());
        inbound.delivery = Delivery::Outbox;
        runtime
            .handle(&key, inbound, Utc::now())
            .await
            .expect("stored");
    }
    let store = runtime.store();
    store
        .subscribe(Subscription {
            key: key.clone(),
            topic: FollowTopic::Case("KYC-20240611-000123".into()),
            created_at: Utc::now(),
            last_seen: None,
            diagnosed_cause: None,
        })
        .await
        .expect("subscribed");
    store
        .save_ticket(Ticket {
            status: TicketStatus::Queued,
            ..Ticket::new(
                format!("t-{}", uuid::Uuid::new_v4()),
                key.clone(),
                "en".into(),
                Utc::now(),
            )
        })
        .await
        .expect("ticket");
    let bystander = ConversationKey::new("widget", "bystander").expect("key");
    let mut inbound = Inbound::new(Content::Start, Lang::En).with_id("bystander-msg");
    inbound.user_ref = Some("u_bystander".into());
    runtime
        .handle(&bystander, inbound, Utc::now())
        .await
        .expect("stored");
    store.flush().await.expect("flush");
}

#[tokio::test]
async fn identifiers_never_reach_the_files_and_erase_user_leaves_no_trace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = common::runtime_in(dir.path());
    let canaries = Canaries {
        conversation_id: "CANARY-conv-3b9f0e",
        message_ids: ["CANARY-msg-a41c", "CANARY-msg-b52d"],
        user_ref: "u_CANARY-user-c63e",
    };
    populate(&runtime, &canaries).await;
    let store = runtime.store();
    // The records are there, readable through the store.
    assert!(store.load(&canaries.key()).await.expect("load").is_some());
    assert!(
        store
            .reply_for(&canaries.key(), canaries.message_ids[1])
            .await
            .expect("reply")
            .is_some()
    );
    let raw = raw_files(dir.path());
    for canary in canaries.all() {
        assert!(!found(&raw, canary), "{canary} is in the files in clear");
    }

    let report = store.erase_user(canaries.user_ref).await.expect("erased");
    assert_eq!(report.conversations, 1);
    assert_eq!(report.replies, 2);
    assert_eq!(report.outbox_items, 2);
    assert_eq!(report.subscriptions, 1);
    assert_eq!(report.tickets, 1);
    assert_eq!(report.user_links, 1);
    assert_eq!(report.keys, 1);
    assert!(report.transcript_entries >= 4);
    store.flush().await.expect("flush");
    let raw = raw_files(dir.path());
    for canary in canaries.all() {
        assert!(!found(&raw, canary), "{canary} survived erase_user");
    }
    assert!(store.load(&canaries.key()).await.expect("load").is_none());
    assert!(
        store
            .reply_for(&canaries.key(), canaries.message_ids[0])
            .await
            .expect("reply")
            .is_none()
    );
    // The bystander keeps everything.
    let bystander = ConversationKey::new("widget", "bystander").expect("key");
    assert!(store.load(&bystander).await.expect("load").is_some());
    assert!(
        store
            .reply_for(&bystander, "bystander-msg")
            .await
            .expect("reply")
            .is_some()
    );
}

#[tokio::test]
async fn erase_conversation_leaves_no_trace_either() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = common::runtime_in(dir.path());
    let canaries = Canaries {
        conversation_id: "CANARY-conv-d74f1a",
        message_ids: ["CANARY-msg-e85a", "CANARY-msg-f96b"],
        user_ref: "u_CANARY-user-a07c",
    };
    populate(&runtime, &canaries).await;
    let store = runtime.store();
    let report = store
        .erase_conversation(&canaries.key())
        .await
        .expect("erased");
    assert_eq!(report.conversations, 1);
    assert_eq!(report.user_links, 1);
    assert_eq!(report.outbox_items, 2);
    assert_eq!(report.subscriptions, 1);
    assert_eq!(report.tickets, 1);
    assert_eq!(report.keys, 1);
    store.flush().await.expect("flush");
    let raw = raw_files(dir.path());
    for canary in canaries.all() {
        assert!(!found(&raw, canary), "{canary} survived erase_conversation");
    }
    // Nothing of it is left to find through the store either.
    assert!(
        store
            .pending_outbox(None, 100)
            .await
            .expect("outbox")
            .iter()
            .all(|i| i.key != canaries.key())
    );
    assert!(store.subscriptions().await.expect("subs").is_empty());
    assert!(store.tickets(false).await.expect("tickets").is_empty());
    assert_eq!(
        store
            .erase_user(canaries.user_ref)
            .await
            .expect("erase")
            .conversations,
        0,
        "the user index no longer leads to it"
    );
}

#[tokio::test]
async fn the_byte_scan_finds_a_canary_written_in_clear() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("plain.bin"), b"xx CANARY-conv-3b9f0e yy").expect("write");
    assert!(found(&raw_files(dir.path()), "CANARY-conv-3b9f0e"));
}
