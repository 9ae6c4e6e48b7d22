//! Group commit: every turn waits until its writes are on disk, but one flush serves all the turns
//! that committed while the previous flush ran, so throughput holds up under load.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Notify, watch};

use super::StoreError;

type FlushFn =
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>> + Send + Sync;

pub struct GroupCommit {
    requested: AtomicU64,
    wake: Notify,
    /// (generation flushed, last error message if that flush failed)
    done: watch::Sender<(u64, Option<String>)>,
}

impl GroupCommit {
    /// Starts the flusher task, which runs `flush` whenever turns wait for durability.
    pub fn start(flush: Arc<FlushFn>) -> Arc<Self> {
        let (done, _) = watch::channel((0, None));
        let this = Arc::new(Self {
            requested: AtomicU64::new(0),
            wake: Notify::new(),
            done,
        });
        let weak = Arc::downgrade(&this);
        tokio::spawn(async move {
            loop {
                let Some(me) = weak.upgrade() else { return };
                me.wake.notified().await;
                let target = me.requested.load(Ordering::Acquire);
                let result = flush().await;
                let error = result.err().map(|e| e.to_string());
                if let Some(e) = &error {
                    tracing::error!(error = %e, "flushing the store failed");
                }
                me.done.send_replace((target, error));
            }
        });
        this
    }

    /// Returns once everything written before the call is durable.
    pub async fn durable(&self) -> Result<(), StoreError> {
        let mine = self.requested.fetch_add(1, Ordering::AcqRel) + 1;
        let mut rx = self.done.subscribe();
        self.wake.notify_one();
        loop {
            {
                let (flushed, error) = &*rx.borrow_and_update();
                if *flushed >= mine {
                    return match error {
                        Some(e) => Err(StoreError::Io(e.clone())),
                        None => Ok(()),
                    };
                }
            }
            if rx.changed().await.is_err() {
                return Err(StoreError::Io("the store's flusher stopped".into()));
            }
        }
    }
}
