//! Delivering the outbox: turns committed for push channels (Telegram, a widget's socket,
//! follow-ups) are sent after the commit, retried with back-off, and removed once the channel
//! took them, so a message is sent again only if the process died between sending and removing
//! (outlets pass the item id along, so a client can drop that rare repeat).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::store::{OutboxItem, Store};

/// How many items one pass reads.
const BATCH: usize = 256;
/// Back-off after a failed delivery: doubles from this up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
#[error("delivery failed: {0}")]
pub struct DeliveryError(pub String);

/// A channel that can push a turn to a user.
#[async_trait]
pub trait Outlet: Send + Sync {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), DeliveryError>;
}

/// Sends pending outbox items through the outlet of their channel.
pub struct Deliverer {
    store: Arc<dyn Store>,
    outlets: HashMap<String, Arc<dyn Outlet>>,
    /// item id → (failures so far, not before)
    retry: HashMap<u64, (u32, Instant)>,
}

impl Deliverer {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            outlets: HashMap::new(),
            retry: HashMap::new(),
        }
    }

    pub fn with_outlet(mut self, channel: &str, outlet: Arc<dyn Outlet>) -> Self {
        self.outlets.insert(channel.to_string(), outlet);
        self
    }

    /// One pass over the outbox; returns how many items were delivered.
    pub async fn pass(&mut self) -> usize {
        let items = match self.store.pending_outbox(BATCH).await {
            Ok(items) => items,
            Err(e) => {
                tracing::error!(error = %e, "the outbox cannot be read");
                return 0;
            }
        };
        let now = Instant::now();
        let mut delivered = 0;
        for item in items {
            let Some(outlet) = self.outlets.get(item.key.channel()) else {
                continue; // no outlet for this channel in this process
            };
            if self.retry.get(&item.id).is_some_and(|(_, at)| *at > now) {
                continue;
            }
            match outlet.deliver(&item).await {
                Ok(()) => {
                    self.retry.remove(&item.id);
                    if let Err(e) = self.store.ack_outbox(item.id).await {
                        tracing::error!(error = %e, "a delivered item could not be removed");
                    }
                    delivered += 1;
                }
                Err(e) => {
                    let failures = self.retry.get(&item.id).map_or(0, |(n, _)| *n) + 1;
                    let backoff = FIRST_BACKOFF
                        .saturating_mul(1 << failures.min(16))
                        .min(MAX_BACKOFF);
                    tracing::warn!(channel = item.key.channel(), failures, error = %e, "delivery will be retried");
                    self.retry.insert(item.id, (failures, now + backoff));
                }
            }
        }
        delivered
    }

    /// Runs passes forever, every `interval`.
    pub async fn run(mut self, interval: Duration) {
        let mut tick = tokio::time::interval(interval);
        loop {
            tick.tick().await;
            self.pass().await;
        }
    }
}
