//! The outbox: a turn committed for a push channel is delivered after the commit, retried when
//! the channel fails, and delivered once.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;
use kycdesk::i18n::Lang;
use kycdesk::runtime::outbox::{Deliverer, DeliveryError, Outlet};
use kycdesk::runtime::{Content, Delivery, Inbound};
use kycdesk::store::{ConversationKey, OutboxItem};

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
    let pending = runtime.store().pending_outbox(10).await.expect("outbox");
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
            .pending_outbox(10)
            .await
            .expect("outbox")
            .is_empty()
    );
    assert_eq!(outlet.delivered.lock().expect("lock").len(), 1);
}
