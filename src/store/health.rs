//! Recovering from storage failures inside the running process. After an I/O error sled refuses
//! every later call until the database is reopened, so the store marks itself not ready, waits for
//! in-flight calls to let go of the old handle, and reopens the database (sled replays its log:
//! everything acknowledged was flushed, so nothing acknowledged is lost), retrying with back-off
//! until the disk works again.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::StoreError;
use super::index::IndexSecret;
use super::keyring::Keyring;
use super::trees::{Trees, io, open_db};

/// The error calls get while the database is being reopened. It does not start another reopen.
pub const REOPENING: &str = "the store is reopening its database after a storage failure";
const FIRST_RETRY: Duration = Duration::from_millis(50);
const MAX_RETRY: Duration = Duration::from_secs(5);
/// How often the reopen looks whether in-flight calls let go of the old database.
const RELEASE_POLL: Duration = Duration::from_millis(10);

pub struct Shared {
    pub dir: PathBuf,
    pub db_path: PathBuf,
    slot: RwLock<Option<Arc<Trees>>>,
    pub keyring: Keyring,
    pub index: IndexSecret,
    /// Why the store is not ready (`None`: it is).
    failure: Mutex<Option<String>>,
    recovering: AtomicBool,
    inject_failure: AtomicBool,
    runtime: tokio::runtime::Handle,
}

impl Shared {
    pub fn new(
        dir: PathBuf,
        db_path: PathBuf,
        trees: Trees,
        keyring: Keyring,
        index: IndexSecret,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self {
            dir,
            db_path,
            slot: RwLock::new(Some(Arc::new(trees))),
            keyring,
            index,
            failure: Mutex::new(None),
            recovering: AtomicBool::new(false),
            inject_failure: AtomicBool::new(false),
            runtime,
        }
    }

    /// The current database handle; an error while it is being reopened. Hold it only for the
    /// length of one call: the reopen waits for every holder to let go.
    pub fn trees(&self) -> Result<Arc<Trees>, StoreError> {
        self.slot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Io(REOPENING.into()))
    }

    /// Passes a result through, starting the recovery if it is a storage failure.
    pub fn watch<T>(self: &Arc<Self>, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(StoreError::Io(reason)) = &result
            && reason != REOPENING
        {
            self.failed(reason);
        }
        result
    }

    fn failed(self: &Arc<Self>, reason: &str) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason.to_string());
        if !self.recovering.swap(true, Ordering::AcqRel) {
            tracing::error!(
                error = reason,
                "storage failed: the store reopens its database"
            );
            let shared = self.clone();
            self.runtime.spawn(async move { shared.recover().await });
        }
    }

    /// `Ok` while the store works; the last failure while it recovers.
    pub fn ready(&self) -> Result<(), StoreError> {
        match &*self.failure.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(reason) => Err(StoreError::Io(format!("{REOPENING}: {reason}"))),
            None => self.trees().map(|_| ()),
        }
    }

    /// Makes flushes and reopens fail as on a full disk, until `end_injected_failure`.
    pub fn inject_failure(&self) {
        self.inject_failure.store(true, Ordering::Release);
    }

    pub fn end_injected_failure(&self) {
        self.inject_failure.store(false, Ordering::Release);
    }

    fn injected(&self) -> Result<(), StoreError> {
        if self.inject_failure.load(Ordering::Acquire) {
            return Err(StoreError::Io("injected storage failure".into()));
        }
        Ok(())
    }

    /// Makes everything written so far durable: keys first, then the database.
    pub async fn flush(&self) -> Result<(), StoreError> {
        self.injected()?;
        self.keyring.sync()?;
        let trees = self.trees()?;
        trees.db.flush_async().await.map(|_| ()).map_err(io)
    }

    async fn recover(self: Arc<Self>) {
        let old = self.slot.write().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(mut old) = old {
            // sled holds its directory lock until the last handle is gone.
            loop {
                match Arc::try_unwrap(old) {
                    Ok(trees) => {
                        let _ = tokio::task::spawn_blocking(move || drop(trees)).await;
                        break;
                    }
                    Err(still_used) => {
                        old = still_used;
                        tokio::time::sleep(RELEASE_POLL).await;
                    }
                }
            }
        }
        let mut delay = FIRST_RETRY;
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            let shared = self.clone();
            let reopened = tokio::task::spawn_blocking(move || shared.reopen())
                .await
                .unwrap_or_else(|e| Err(StoreError::Io(e.to_string())));
            match reopened {
                Ok(trees) => {
                    *self.slot.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(trees));
                    *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = None;
                    self.recovering.store(false, Ordering::Release);
                    tracing::warn!(attempts, "the store reopened its database and is ready");
                    return;
                }
                Err(e) => {
                    tracing::warn!(attempts, error = %e, "the store cannot reopen its database yet");
                    *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RETRY);
        }
    }

    fn reopen(&self) -> Result<Trees, StoreError> {
        self.injected()?;
        // A failed append may have left a torn record at the end of the key file.
        self.keyring.rewrite()?;
        Trees::new(open_db(&self.db_path).map_err(io)?)
    }
}
