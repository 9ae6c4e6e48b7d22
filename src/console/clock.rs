//! The time the console works with: the system clock in service, a clock the tests move (so
//! session timeouts and lock-outs are tested without sleeping).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock standing at `start` until moved with [`Clock::advance`].
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self {
            manual: Some(Arc::new(Mutex::new(start))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            Some(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.manual {
            let mut at = at.lock().unwrap_or_else(|p| p.into_inner());
            *at += by;
        }
    }
}
