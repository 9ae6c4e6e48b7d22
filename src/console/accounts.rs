//! Agent accounts as the console shows and accepts them: the public view of an account (never
//! its password hash) and the rules for new ones.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::store::{Agent, AgentRole};

/// Longest login name.
pub const MAX_LOGIN: usize = 32;
/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 64;
/// Most conversations one agent may be set to hold at once.
pub const MAX_CAPACITY: u32 = 50;

/// An account as the console shows it (`agent` in the API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentJson {
    pub login: String,
    pub display_name: String,
    pub role: AgentRole,
    pub languages: Vec<String>,
    pub capacity: u32,
}

impl From<&Agent> for AgentJson {
    fn from(agent: &Agent) -> Self {
        Self {
            login: agent.login.clone(),
            display_name: agent.display_name.clone(),
            role: agent.role,
            languages: agent.languages.clone(),
            capacity: agent.capacity,
        }
    }
}

/// Whether `text` has the shape of a login name: 1–32 of `a-z 0-9 . _ -`, starting with a
/// letter or digit. Typed logins of another shape name no account (and are not written to the
/// audit log: they may be a password typed into the wrong field).
pub fn is_login_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text.len() <= MAX_LOGIN
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// `POST /console/api/admin/agents`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAgent {
    pub login: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub role: AgentRole,
    pub languages: Vec<String>,
    pub capacity: u32,
}

// The password never appears in debug output.
impl std::fmt::Debug for NewAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAgent")
            .field("login", &self.login)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What is wrong with a new account (the password's rules are the password module's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("a login is 1–32 of a-z, 0-9, '.', '_', '-', starting with a letter or digit")]
    Login,
    #[error("a display name is 1–64 characters, without control characters")]
    DisplayName,
    #[error("languages must be one or more of zh-CN, en")]
    Languages,
    #[error("capacity must be from 1 to 50")]
    Capacity,
}

impl NewAgent {
    /// Checks everything but the password; returns the languages as canonical tags.
    pub fn validate(&self) -> Result<Vec<String>, AccountError> {
        if !is_login_name(&self.login) {
            return Err(AccountError::Login);
        }
        let name = self.display_name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_DISPLAY_NAME
            || name.chars().any(char::is_control)
        {
            return Err(AccountError::DisplayName);
        }
        let mut languages = Vec::new();
        for tag in &self.languages {
            let lang = Lang::ALL
                .into_iter()
                .find(|l| l.tag() == tag)
                .ok_or(AccountError::Languages)?;
            if !languages.contains(&lang.tag().to_string()) {
                languages.push(lang.tag().to_string());
            }
        }
        if languages.is_empty() {
            return Err(AccountError::Languages);
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            return Err(AccountError::Capacity);
        }
        Ok(languages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_agent() -> NewAgent {
        NewAgent {
            login: "alice".into(),
            display_name: "Alice".into(),
            password: "correct horse battery".into(),
            role: AgentRole::Agent,
            languages: vec!["en".into(), "zh-CN".into(), "en".into()],
            capacity: 4,
        }
    }

    #[test]
    fn login_names() {
        for good in ["alice", "a", "bob.smith", "agent_7", "0day", "x-y"] {
            assert!(is_login_name(good), "{good}");
        }
        for bad in [
            "",
            "Alice",
            "-alice",
            ".a",
            "alice smith",
            "alice@example",
            "张三",
            "a23456789012345678901234567890123",
        ] {
            assert!(!is_login_name(bad), "{bad}");
        }
    }

    #[test]
    fn new_accounts_are_checked() {
        assert_eq!(
            new_agent().validate(),
            Ok(vec!["en".into(), "zh-CN".into()])
        );
        let bad = |f: fn(&mut NewAgent)| {
            let mut a = new_agent();
            f(&mut a);
            a.validate()
        };
        assert_eq!(
            bad(|a| a.login = "Bad Login".into()),
            Err(AccountError::Login)
        );
        assert_eq!(
            bad(|a| a.display_name = " ".into()),
            Err(AccountError::DisplayName)
        );
        assert_eq!(
            bad(|a| a.display_name = "a\u{7}".into()),
            Err(AccountError::DisplayName)
        );
        assert_eq!(bad(|a| a.languages = vec![]), Err(AccountError::Languages));
        assert_eq!(
            bad(|a| a.languages = vec!["fr".into()]),
            Err(AccountError::Languages)
        );
        assert_eq!(bad(|a| a.capacity = 0), Err(AccountError::Capacity));
        assert_eq!(bad(|a| a.capacity = 51), Err(AccountError::Capacity));
    }

    #[test]
    fn debug_output_hides_the_password() {
        let shown = format!("{:?}", new_agent());
        assert!(!shown.contains("horse"), "{shown}");
    }
}
