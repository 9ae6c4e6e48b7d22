//! Delivering the outbox: turns committed for push channels (Telegram, a widget's socket,
//! follow-ups) are sent after the commit, retried with back-off, and removed once the channel
//! took them, so a message is sent again only if the process died between sending and removing
//! (outlets pass the item id along, so a client can drop that rare repeat).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::store::{OutboxItem, Store};

/// How many items one read of the outbox returns; a pass reads page after page to the end, so
/// items behind undeliverable ones are still sent in the same pass.
const PAGE: usize = 256;
/// The most items whose back-off is remembered; beyond it the item due soonest is forgotten (it
/// is then retried at once, which is harmless).
const MAX_TRACKED: usize = 10_000;
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

    /// One pass over the whole outbox; returns how many items were delivered.
    pub async fn pass(&mut self) -> usize {
        let mut delivered = 0;
        let mut after = None;
        let mut seen = HashSet::new();
        loop {
            let page = match self.store.pending_outbox(after, PAGE).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, "the outbox cannot be read");
                    return delivered;
                }
            };
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.id);
            let complete = page.len() < PAGE;
            for item in page {
                seen.insert(item.id);
                delivered += usize::from(self.attempt(&item).await);
            }
            if complete {
                break;
            }
        }
        // Items that left the outbox (erased, or taken by another path) need no back-off.
        self.retry.retain(|id, _| seen.contains(id));
        delivered
    }

    /// Delivers one item unless it is backing off; true when it was delivered.
    async fn attempt(&mut self, item: &OutboxItem) -> bool {
        let Some(outlet) = self.outlets.get(item.key.channel()) else {
            return false; // no outlet for this channel in this process
        };
        let now = Instant::now();
        if self.retry.get(&item.id).is_some_and(|(_, at)| *at > now) {
            return false;
        }
        match outlet.deliver(item).await {
            Ok(()) => {
                self.retry.remove(&item.id);
                if let Err(e) = self.store.ack_outbox(item.id).await {
                    tracing::error!(error = %e, "a delivered item could not be removed");
                }
                true
            }
            Err(e) => {
                let failures = self.retry.get(&item.id).map_or(0, |(n, _)| *n) + 1;
                let backoff = FIRST_BACKOFF
                    .saturating_mul(1 << failures.min(16))
                    .min(MAX_BACKOFF);
                tracing::warn!(channel = item.key.channel(), failures, error = %e, "delivery will be retried");
                if !self.retry.contains_key(&item.id) && self.retry.len() >= MAX_TRACKED {
                    self.forget_soonest();
                }
                self.retry.insert(item.id, (failures, now + backoff));
                false
            }
        }
    }

    fn forget_soonest(&mut self) {
        if let Some(id) = self
            .retry
            .iter()
            .min_by_key(|(_, (_, at))| *at)
            .map(|(id, _)| *id)
        {
            self.retry.remove(&id);
        }
    }

    /// How many items are backing off now (bounded by `MAX_TRACKED`).
    pub fn backing_off(&self) -> usize {
        self.retry.len()
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
