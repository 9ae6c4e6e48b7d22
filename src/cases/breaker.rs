//! A circuit breaker for the case-status API.
//!
//! When the backend is down, every lookup would otherwise wait out its timeouts and retries
//! (seconds per conversation) before saying "I can't see your case". After `failure_threshold`
//! failed calls in a row the breaker opens: calls are refused at once for `cool_down`, so users
//! get the honest answer immediately and the backend gets room to recover. Then one trial call is
//! let through (half-open): success closes the breaker, failure opens it for another cool-down.
//!
//! A call holds a [`Permit`] and reports how it went. A permit dropped without a report (the
//! conversation's future was cancelled) counts as nothing, except that an abandoned trial re-opens
//! the breaker, so it can never get stuck half-open waiting for a trial that will not report.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Failed calls in a row that open the breaker (at least 1).
    pub failure_threshold: u32,
    /// How long it stays open before a trial call.
    pub cool_down: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

/// The breaker's state, for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The trial call is in flight; everyone else is refused until it reports.
    HalfOpen,
}

#[derive(Debug)]
pub struct Breaker {
    config: BreakerConfig,
    state: Mutex<State>,
}

/// Leave to make one call. Report with [`Permit::success`] or [`Permit::failure`].
#[derive(Debug)]
#[must_use = "report the call's result, or the breaker learns nothing"]
pub struct Permit<'a> {
    breaker: &'a Breaker,
    trial: bool,
    reported: bool,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config: BreakerConfig {
                failure_threshold: config.failure_threshold.max(1),
                // A day at most, so `now + cool_down` can never overflow.
                cool_down: config.cool_down.min(Duration::from_secs(86_400)),
            },
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// A permit to call, or `None` while the breaker is open (answer at once, do not call).
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.try_acquire_at(Instant::now())
    }

    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen => BreakerState::HalfOpen,
        }
    }

    fn try_acquire_at(&self, now: Instant) -> Option<Permit<'_>> {
        let mut state = self.lock();
        let trial = match *state {
            State::Closed { .. } => false,
            State::HalfOpen => return None,
            State::Open { until } if now < until => return None,
            State::Open { .. } => {
                *state = State::HalfOpen;
                tracing::info!("case API circuit breaker half-open: trying one call");
                true
            }
        };
        Some(Permit {
            breaker: self,
            trial,
            reported: false,
        })
    }

    fn record(&self, trial: bool, ok: bool, now: Instant) {
        let mut state = self.lock();
        match (*state, trial, ok) {
            (State::HalfOpen, true, true) => {
                tracing::info!("case API circuit breaker closed: the trial call succeeded");
                *state = State::Closed { failures: 0 };
            }
            (State::HalfOpen, true, false) => {
                tracing::warn!(
                    cool_down_ms = self.config.cool_down.as_millis() as u64,
                    "case API circuit breaker re-opened: the trial call failed"
                );
                *state = State::Open {
                    until: now + self.config.cool_down,
                };
            }
            (State::Closed { .. }, _, true) => *state = State::Closed { failures: 0 },
            (State::Closed { failures }, _, false) => {
                let failures = failures.saturating_add(1);
                if failures >= self.config.failure_threshold {
                    tracing::warn!(
                        failures,
                        cool_down_ms = self.config.cool_down.as_millis() as u64,
                        "case API circuit breaker opened"
                    );
                    *state = State::Open {
                        until: now + self.config.cool_down,
                    };
                } else {
                    *state = State::Closed { failures };
                }
            }
            // A call that started before the breaker opened, or while a trial runs, reports late:
            // only the trial decides how the breaker leaves the open state.
            (State::Open { .. } | State::HalfOpen, _, _) => {}
        }
    }

    /// Never panics: a poisoned lock still holds a valid state (every update is one assignment).
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Permit<'_> {
    /// The backend answered (including "not found": that is an answer, not an outage).
    pub fn success(mut self) {
        self.reported = true;
        self.breaker.record(self.trial, true, Instant::now());
    }

    /// The backend failed (timeout, connection, 5xx, garbage).
    pub fn failure(mut self) {
        self.reported = true;
        self.breaker.record(self.trial, false, Instant::now());
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.reported && self.trial {
            self.breaker.record(true, false, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32) -> Breaker {
        Breaker::new(BreakerConfig {
            failure_threshold: threshold,
            cool_down: Duration::from_secs(10),
        })
    }

    fn fail(b: &Breaker, now: Instant) {
        let permit = b.try_acquire_at(now).expect("closed");
        b.record(permit.trial, false, now);
        std::mem::forget(permit);
    }

    #[test]
    fn opens_after_the_threshold_of_failures_in_a_row() {
        let b = breaker(3);
        let t0 = Instant::now();
        fail(&b, t0);
        fail(&b, t0);
        assert_eq!(b.state(), BreakerState::Closed);
        fail(&b, t0);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.try_acquire_at(t0 + Duration::from_secs(9)).is_none());
    }

    #[test]
    fn a_success_resets_the_count() {
        let b = breaker(2);
        let t0 = Instant::now();
        fail(&b, t0);
        b.try_acquire_at(t0).expect("closed").success();
        fail(&b, t0);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn after_the_cool_down_one_trial_then_closed_or_open_again() {
        let b = breaker(1);
        let t0 = Instant::now();
        fail(&b, t0);
        let later = t0 + Duration::from_secs(11);
        let trial = b.try_acquire_at(later).expect("trial");
        assert!(trial.trial);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(b.try_acquire_at(later).is_none(), "only one trial");
        trial.success();
        assert_eq!(b.state(), BreakerState::Closed);

        fail(&b, later);
        let much_later = later + Duration::from_secs(11);
        let trial = b.try_acquire_at(much_later).expect("trial");
        b.record(true, false, much_later);
        std::mem::forget(trial);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(
            b.try_acquire_at(much_later + Duration::from_secs(1))
                .is_none()
        );
    }

    #[test]
    fn an_abandoned_trial_does_not_leave_it_stuck_half_open() {
        let b = breaker(1);
        let t0 = Instant::now();
        fail(&b, t0);
        let trial = b.try_acquire_at(t0 + Duration::from_secs(11));
        drop(trial);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn late_reports_do_not_close_an_open_breaker() {
        let b = breaker(1);
        let t0 = Instant::now();
        let early = b.try_acquire_at(t0).expect("closed");
        fail(&b, t0);
        early.success();
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn a_zero_threshold_means_one() {
        let b = breaker(0);
        let t0 = Instant::now();
        assert!(b.try_acquire_at(t0).is_some());
        fail(&b, t0);
        assert_eq!(b.state(), BreakerState::Open);
    }
}
