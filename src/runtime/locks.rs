//! One message at a time per conversation, in arrival order; conversations run in parallel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::store::ConversationKey;

#[derive(Default)]
pub struct ConversationLocks {
    locks: Mutex<HashMap<ConversationKey, Weak<AsyncMutex<()>>>>,
}

impl ConversationLocks {
    /// Waits for the conversation's turn. Tokio's mutex is fair, so messages keep their order.
    pub async fn lock(&self, key: &ConversationKey) -> OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.locks.lock().unwrap_or_else(|p| p.into_inner());
            let existing = map.get(key).and_then(Weak::upgrade);
            match existing {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(AsyncMutex::new(()));
                    map.insert(key.clone(), Arc::downgrade(&lock));
                    // Forget conversations nobody is in; keeps the map as small as the load.
                    if map.len() > 1024 && map.len().is_power_of_two() {
                        map.retain(|_, w| w.strong_count() > 0);
                    }
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}
