//! The outbox: a turn committed for a push channel is delivered after the commit, retried when
//! the channel fails, and delivered once.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use kycdesk::i18n::Lang;
use kycdesk::runtime::outbox::{Deliverer, DeliveryError, Outlet};
use kycdesk::runtime::{Content, Delivery, Inbound};
use kycdesk::store::{ConversationKey, OutboxItem, TurnCommit};

/// Fails the first `failures` deliveries, then records what it delivers.
struct FlakyOutlet {
    failures: Mutex<u32>,
    delivered: Mutex<Vec<u64>>,
}

#[async_trait]
impl Outlet for FlakyOutlet {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), DeliveryError> {
        let mut left = self.failures.lock().expect("lock");
        if *left > 0 {
            *left -= 1;
            return Err(DeliveryError("platform down".into()));
        }
        self.delivered.lock().expect("lock").push(item.id);
        Ok(())
    }
}

#[tokio::test]
async fn push_turns_are_delivered_once_after_retries() {
    let (runtime, _dir) = common::runtime();
    let key = ConversationKey::new("push", "u1").expect("key");
    let mut inbound = Inbound::new(Content::Button("sms".into()), Lang::En);
    inbound.delivery = Delivery::Outbox;
    runtime
        .handle(&key, inbound, Utc::now())
        .await
        .expect("stored");
    let pending = runtime
        .store()
        .pending_outbox(None, 10)
        .await
        .expect("outbox");
    assert_eq!(pending.len(), 1, "one turn waits to be pushed");
    assert!(pending[0].turn.node.starts_with("sms_code."));

    let outlet = Arc::new(FlakyOutlet {
        failures: Mutex::new(2),
        delivered: Mutex::new(Vec::new()),
    });
    let mut deliverer = Deliverer::new(runtime.store().clone()).with_outlet("push", outlet.clone());
    assert_eq!(deliverer.pass().await, 0, "first attempt fails");
    // Retried after its back-off, until the channel takes it.
    let mut delivered = 0;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        delivered += deliverer.pass().await;
        if delivered > 0 {
            break;
        }
    }
    assert_eq!(delivered, 1);
    assert_eq!(
        outlet.delivered.lock().expect("lock").as_slice(),
        &[pending[0].id]
    );
    // Delivered means removed: later passes send nothing again.
    assert_eq!(deliverer.pass().await, 0);
    assert!(
        runtime
            .store()
            .pending_outbox(None, 10)
            .await
            .expect("outbox")
            .is_empty()
    );
    assert_eq!(outlet.delivered.lock().expect("lock").len(), 1);
}

/// Never takes anything: a channel whose platform is down for good.
struct DeadOutlet {
    attempts: Mutex<u32>,
}

#[async_trait]
impl Outlet for DeadOutlet {
    async fn deliver(&self, _item: &OutboxItem) -> Result<(), DeliveryError> {
        *self.attempts.lock().expect("lock") += 1;
        Err(DeliveryError("platform down".into()))
    }
}

/// Commits `count` push turns for `key` in one turn.
async fn queue_pushes(runtime: &kycdesk::runtime::Runtime, key: &ConversationKey, count: usize) {
    let mut inbound = Inbound::new(Content::Button("sms".into()), Lang::En);
    inbound.delivery = Delivery::Outbox;
    let turn = runtime
        .handle(key, inbound, Utc::now())
        .await
        .expect("stored");
    if count <= 1 {
        return;
    }
    let conversation = runtime
        .store()
        .load(key)
        .await
        .expect("load")
        .expect("exists");
    runtime
        .store()
        .commit_turn(TurnCommit {
            key: key.clone(),
            conversation,
            entries: Vec::new(),
            outbox: vec![turn; count - 1],
            reply: None,
            ticket: None,
            audit: Vec::new(),
        })
        .await
        .expect("queued");
}

#[tokio::test]
async fn one_stuck_channel_never_holds_back_the_others() {
    let (runtime, _dir) = common::runtime();
    let stuck = ConversationKey::new("stuck", "u1").expect("key");
    let works = ConversationKey::new("works", "u2").expect("key");
    // More undeliverable items than one page of the outbox, all older than the good one.
    queue_pushes(&runtime, &stuck, 300).await;
    queue_pushes(&runtime, &works, 1).await;
    let store = runtime.store();
    let all = store.pending_outbox(None, 1000).await.expect("outbox");
    assert_eq!(all.len(), 301);
    assert_eq!(all.last().map(|i| i.key.clone()), Some(works.clone()));

    let dead = Arc::new(DeadOutlet {
        attempts: Mutex::new(0),
    });
    let good = Arc::new(FlakyOutlet {
        failures: Mutex::new(0),
        delivered: Mutex::new(Vec::new()),
    });
    let mut deliverer = Deliverer::new(store.clone())
        .with_outlet("stuck", dead.clone())
        .with_outlet("works", good.clone());
    assert_eq!(
        deliverer.pass().await,
        1,
        "the working channel is served in the first pass"
    );
    assert_eq!(good.delivered.lock().expect("lock").len(), 1);
    assert_eq!(
        *dead.attempts.lock().expect("lock"),
        300,
        "every stuck item was tried once"
    );
    assert_eq!(deliverer.backing_off(), 300);
    // The stuck items stay queued, backing off: the next pass does not hammer the channel.
    assert_eq!(deliverer.pass().await, 0);
    assert_eq!(*dead.attempts.lock().expect("lock"), 300);
    assert_eq!(
        store
            .pending_outbox(None, 1000)
            .await
            .expect("outbox")
            .len(),
        300
    );
}

#[tokio::test]
async fn the_outbox_pages_in_order_without_gaps_or_repeats() {
    let (runtime, _dir) = common::runtime();
    let key = ConversationKey::new("push", "pager").expect("key");
    queue_pushes(&runtime, &key, 7).await;
    let store = runtime.store();
    let all: Vec<u64> = store
        .pending_outbox(None, 100)
        .await
        .expect("outbox")
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(all.len(), 7);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = store.pending_outbox(after, 3).await.expect("page");
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        paged.extend(page.iter().map(|i| i.id));
    }
    assert_eq!(paged, all, "oldest first, each once");
    assert!(
        store
            .pending_outbox(Some(u64::MAX), 10)
            .await
            .expect("past the end")
            .is_empty()
    );
}
