//! Who is at the desk: agents' presence as the console reports it, per process.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Away,
    #[default]
    Offline,
}

/// Agents' presence by login. Only `Online` agents take new conversations.
#[derive(Debug, Default)]
pub struct PresenceBoard {
    agents: Mutex<HashMap<String, Presence>>,
}

impl PresenceBoard {
    pub fn set(&self, login: &str, presence: Presence) {
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        if presence == Presence::Offline {
            agents.remove(login);
        } else {
            agents.insert(login.to_string(), presence);
        }
    }

    pub fn get(&self, login: &str) -> Presence {
        self.agents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(login)
            .copied()
            .unwrap_or_default()
    }

    /// The logins of agents online now.
    pub fn online(&self) -> Vec<String> {
        self.agents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, p)| **p == Presence::Online)
            .map(|(l, _)| l.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_online_agents_count() {
        let board = PresenceBoard::default();
        board.set("alice", Presence::Online);
        board.set("bob", Presence::Away);
        assert_eq!(board.online(), ["alice"]);
        board.set("alice", Presence::Offline);
        assert!(board.online().is_empty());
        assert_eq!(board.get("alice"), Presence::Offline);
        assert_eq!(board.get("bob"), Presence::Away);
    }
}
