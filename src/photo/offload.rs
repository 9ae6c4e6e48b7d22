//! Running the photo check where it cannot stall the service. Decoding and measuring a photo is
//! CPU-heavy (a 12 MP photo takes tens of milliseconds, a huge one far longer); on an async
//! worker it would hold up every other conversation, the health check included. So each check
//! runs on Tokio's blocking pool, and at most one per core at a time: the rest wait for a permit
//! without holding a thread, and memory stays bounded to that many decoded photos.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::{PhotoConfig, PhotoError, PhotoReport, check_photo};

/// Why a check off the async workers gave no report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OffloadError {
    /// The photo itself cannot be checked; the user is told why.
    #[error(transparent)]
    Photo(#[from] PhotoError),
    /// The check did not finish (it panicked, or the service is shutting down).
    #[error("the photo check was interrupted")]
    Interrupted,
}

/// Runs [`check_photo`] on the blocking pool, as many at a time as there are cores. Cheap to
/// clone; clones share the permits.
#[derive(Debug, Clone)]
pub struct PhotoChecker {
    config: Arc<PhotoConfig>,
    permits: Arc<Semaphore>,
}

impl PhotoChecker {
    /// One check at a time per core of this machine.
    pub fn new(config: PhotoConfig) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self::with_permits(config, cores)
    }

    /// At most `permits` checks at a time (at least one).
    pub fn with_permits(config: PhotoConfig, permits: usize) -> Self {
        Self {
            config: Arc::new(config),
            permits: Arc::new(Semaphore::new(permits.max(1))),
        }
    }

    pub fn config(&self) -> &PhotoConfig {
        &self.config
    }

    /// Checks `bytes` off the async workers, waiting asynchronously for a permit first.
    pub async fn check(&self, bytes: Vec<u8>) -> Result<PhotoReport, OffloadError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| OffloadError::Interrupted)?;
        let config = self.config.clone();
        let checked = tokio::task::spawn_blocking(move || {
            // The permit lives as long as the work, even if the caller stops waiting for it.
            let _permit = permit;
            check_photo(&bytes, &config)
        })
        .await;
        match checked {
            Ok(result) => result.map_err(OffloadError::from),
            Err(e) => {
                tracing::error!(error = %e, "the photo check did not finish");
                Err(OffloadError::Interrupted)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_check_gives_the_same_answer_as_the_direct_call() {
        let checker = PhotoChecker::with_permits(PhotoConfig::default(), 1);
        assert_eq!(
            checker.check(Vec::new()).await,
            Err(OffloadError::Photo(PhotoError::Empty))
        );
        let bytes = super::super::synthetic::jpeg(&super::super::synthetic::clean_scene(), 90);
        let direct = check_photo(&bytes, &PhotoConfig::default()).expect("checked");
        let offloaded = checker.check(bytes).await.expect("checked");
        assert_eq!(offloaded.ok, direct.ok);
        assert_eq!(offloaded.codes(), direct.codes());
    }
}
