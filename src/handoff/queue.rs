//! The order of the queue, each waiting user's place in it, and an honest estimate of the wait
//! from how long agents recently took.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{Ticket, TicketStatus};

/// How many recent handling times the estimate averages.
const RECENT: usize = 50;
/// The estimate before any conversation was handled.
const DEFAULT_HANDLING: Duration = Duration::from_secs(5 * 60);

/// Queued tickets in the order agents should take them: high priority first, then the longest
/// waiting. Others (held, left messages) follow, oldest first.
pub fn order(tickets: &mut [Ticket]) {
    tickets.sort_by(|a, b| {
        let rank = |t: &Ticket| u8::from(t.status != TicketStatus::Queued);
        rank(a)
            .cmp(&rank(b))
            .then(a.priority.cmp(&b.priority))
            .then(a.opened_at.cmp(&b.opened_at))
            .then(a.id.cmp(&b.id))
    });
}

/// Each queued ticket's 1-based place among the queued tickets of its language (agents take
/// only tickets in languages they speak, so the other language's queue does not delay it).
pub fn positions(tickets: &[Ticket]) -> HashMap<String, usize> {
    let mut queued: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Queued)
        .collect();
    queued.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(a.opened_at.cmp(&b.opened_at))
            .then(a.id.cmp(&b.id))
    });
    let mut per_lang: HashMap<&str, usize> = HashMap::new();
    queued
        .into_iter()
        .map(|t| {
            let n = per_lang.entry(t.lang.as_str()).or_default();
            *n += 1;
            (t.id.clone(), *n)
        })
        .collect()
}

/// Recent handling times (claim to close), for the estimated wait.
#[derive(Debug, Default)]
pub struct HandlingTimes {
    recent: VecDeque<Duration>,
}

impl HandlingTimes {
    pub fn record(&mut self, claimed: DateTime<Utc>, closed: DateTime<Utc>) {
        let took = (closed - claimed).to_std().unwrap_or_default();
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(took);
    }

    fn average(&self) -> Duration {
        if self.recent.is_empty() {
            return DEFAULT_HANDLING;
        }
        let total: Duration = self.recent.iter().sum();
        total / self.recent.len() as u32
    }

    /// About how long the user at `position` waits with `agents` agents online; `None` when
    /// nobody is online (no honest estimate exists).
    pub fn estimate(&self, position: usize, agents: usize) -> Option<Duration> {
        if agents == 0 {
            return None;
        }
        // Everyone ahead (and this user) is served `agents` at a time.
        let rounds = position.div_ceil(agents).max(1) as u32;
        Some(self.average() * rounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ConversationKey, Priority};

    fn ticket(id: &str, lang: &str, minutes_ago: i64, priority: Priority) -> Ticket {
        let key = ConversationKey::new("widget", id).expect("key");
        Ticket {
            priority,
            ..Ticket::new(
                id.into(),
                key,
                lang.into(),
                Utc::now() - chrono::Duration::minutes(minutes_ago),
            )
        }
    }

    #[test]
    fn high_priority_goes_first_then_the_longest_waiting() {
        let mut tickets = vec![
            ticket("a", "en", 10, Priority::Normal),
            ticket("b", "en", 5, Priority::High),
            ticket("c", "en", 20, Priority::Normal),
            ticket("d", "zh-CN", 1, Priority::Normal),
        ];
        tickets[2].status = TicketStatus::Assigned;
        order(&mut tickets);
        let ids: Vec<&str> = tickets.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "d", "c"]);
        let places = positions(&tickets);
        assert_eq!(places["b"], 1);
        assert_eq!(places["a"], 2);
        assert_eq!(places["d"], 1, "its own language's queue");
        assert!(!places.contains_key("c"), "held tickets have no place");
    }

    #[test]
    fn the_wait_follows_recent_handling_times_and_agents() {
        let mut times = HandlingTimes::default();
        assert_eq!(times.estimate(1, 1), Some(DEFAULT_HANDLING));
        assert_eq!(times.estimate(3, 0), None);
        let now = Utc::now();
        times.record(now - chrono::Duration::minutes(2), now);
        times.record(now - chrono::Duration::minutes(4), now);
        assert_eq!(times.estimate(1, 2), Some(Duration::from_secs(180)));
        assert_eq!(times.estimate(5, 2), Some(Duration::from_secs(540)));
    }
}
