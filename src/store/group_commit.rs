//! Group commit: every turn waits until its writes are on disk, but one flush serves all the turns
//! that committed while the previous flush ran, so throughput holds up under load.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::{Notify, watch};

use super::StoreError;

pub type FlushFn =
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>> + Send + Sync;

struct Shared {
    requested: AtomicU64,
    closed: AtomicBool,
    wake: Notify,
    /// (generation flushed, the error if that flush failed)
    done: watch::Sender<(u64, Option<String>)>,
}

/// The handle turns wait on. Dropping it stops the flusher (after a last flush), which releases
/// the database.
pub struct GroupCommit {
    shared: Arc<Shared>,
}

impl GroupCommit {
    /// Starts the flusher task, which runs `flush` whenever turns wait for durability.
    pub fn start(flush: Arc<FlushFn>) -> Self {
        let (done, _) = watch::channel((0, None));
        let shared = Arc::new(Shared {
            requested: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            wake: Notify::new(),
            done,
        });
        let task = shared.clone();
        tokio::spawn(async move {
            loop {
                task.wake.notified().await;
                let target = task.requested.load(Ordering::Acquire);
                let error = flush().await.err().map(|e| e.to_string());
                if let Some(e) = &error {
                    tracing::error!(error = %e, "flushing the store failed");
                }
                task.done.send_replace((target, error));
                if task.closed.load(Ordering::Acquire) {
                    return;
                }
            }
        });
        Self { shared }
    }

    /// Returns once everything written before the call is durable.
    pub async fn durable(&self) -> Result<(), StoreError> {
        let shared = &self.shared;
        let mine = shared.requested.fetch_add(1, Ordering::AcqRel) + 1;
        let mut rx = shared.done.subscribe();
        shared.wake.notify_one();
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

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.notify_one();
    }
}
