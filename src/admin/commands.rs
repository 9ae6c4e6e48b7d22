//! What an admin request does to the store: the same code whether the request came over the
//! admin socket (a server is running) or the command line opened the store itself.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::i18n::Lang;
use crate::store::{Agent, AgentRole, AuditEvent, ConversationKey, Store, StoreError};

/// Who admin changes are recorded as in the audit log.
pub const ACTOR: &str = "cli";

/// Most conversations an agent may be given at once.
pub const MAX_CAPACITY: u32 = 100;

/// One admin command. Passwords never travel: `agent add` and `agent passwd` carry the hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Removes a wallet user's conversations, or one conversation.
    Erase {
        #[serde(default)]
        user: Option<String>,
        #[serde(default)]
        conversation: Option<String>,
    },
    /// Everything stored about one conversation.
    Export {
        conversation: String,
    },
    AgentAdd {
        login: String,
        name: String,
        role: AgentRole,
        languages: Vec<String>,
        capacity: u32,
        password_hash: String,
    },
    AgentList {},
    AgentRemove {
        login: String,
    },
    AgentPasswd {
        login: String,
        password_hash: String,
    },
    AgentDisable {
        login: String,
    },
    AgentEnable {
        login: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("`{0}` is not a login name: 1 to 32 characters of a-z, 0-9, `.`, `_` and `-`")]
    Login(String),
    #[error("an agent's name must have 1 to 64 characters")]
    Name,
    #[error("`{0}` is not a language kycdesk speaks (use zh-CN or en)")]
    Language(String),
    #[error("an agent needs at least one language")]
    NoLanguage,
    #[error("capacity must be from 1 to {MAX_CAPACITY}, not {0}")]
    Capacity(u32),
    #[error("the password hash is not an Argon2id hash")]
    Hash,
    #[error("there is already an agent `{0}`")]
    Exists(String),
    #[error("there is no agent `{0}`")]
    NoAgent(String),
    #[error("`{0}` is not a conversation id (`<channel>:<id>`)")]
    Conversation(String),
    #[error("no conversation {0} is stored")]
    NoConversation(String),
    #[error("give a user or a conversation to erase, not both or neither")]
    EraseTarget,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Login names: short, lowercase, safe in URLs, logs and the audit log.
pub fn valid_login(login: &str) -> bool {
    (1..=32).contains(&login.len())
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// The languages as tags (`zh`, `English` → `zh-CN`, `en`), without repeats.
pub fn language_tags(languages: &[String]) -> Result<Vec<String>, CommandError> {
    let mut tags: Vec<String> = Vec::new();
    for text in languages {
        let lang = Lang::parse(text).ok_or_else(|| CommandError::Language(text.clone()))?;
        let tag = lang.tag().to_string();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.is_empty() {
        return Err(CommandError::NoLanguage);
    }
    Ok(tags)
}

fn login(login: &str) -> Result<&str, CommandError> {
    if valid_login(login) {
        Ok(login)
    } else {
        Err(CommandError::Login(login.to_string()))
    }
}

fn password_hash(hash: &str) -> Result<String, CommandError> {
    // Only our own hasher's output: a clear password sent by mistake is never stored.
    if hash.starts_with("$argon2id$") && hash.len() < 512 {
        Ok(hash.to_string())
    } else {
        Err(CommandError::Hash)
    }
}

fn conversation(text: &str) -> Result<ConversationKey, CommandError> {
    ConversationKey::parse(text).map_err(|_| CommandError::Conversation(text.to_string()))
}

async fn audit(
    store: &dyn Store,
    action: &str,
    conversation: Option<ConversationKey>,
    detail: Option<String>,
) -> Result<(), CommandError> {
    store
        .append_audit(AuditEvent {
            at: Utc::now(),
            actor: ACTOR.into(),
            action: action.into(),
            ticket: None,
            conversation,
            detail,
        })
        .await?;
    Ok(())
}

/// What `agent list` shows of an account: never the hash.
fn listed(agent: &Agent) -> Value {
    json!({
        "login": agent.login,
        "name": agent.display_name,
        "role": agent.role,
        "languages": agent.languages,
        "capacity": agent.capacity,
        "disabled": agent.disabled,
    })
}

/// Carries out one request; the answer is what the command line prints.
pub async fn execute(store: &dyn Store, request: Request) -> Result<Value, CommandError> {
    match request {
        Request::Erase {
            user,
            conversation: key,
        } => {
            let (report, key, detail) = match (user, key) {
                (Some(user), None) => {
                    // The audit names the person only by keyed hash.
                    let detail = format!("user {}", store.pseudonym(&user));
                    (store.erase_user(&user).await?, None, Some(detail))
                }
                (None, Some(text)) => {
                    let key = conversation(&text)?;
                    (store.erase_conversation(&key).await?, Some(key), None)
                }
                _ => return Err(CommandError::EraseTarget),
            };
            audit(store, "erase", key, detail).await?;
            Ok(serde_json::to_value(report).unwrap_or(Value::Null))
        }
        Request::Export { conversation: text } => {
            let key = conversation(&text)?;
            match store.export(&key).await? {
                Some(export) => Ok(serde_json::to_value(export).unwrap_or(Value::Null)),
                None => Err(CommandError::NoConversation(key.to_string())),
            }
        }
        Request::AgentAdd {
            login: name_,
            name,
            role,
            languages,
            capacity,
            password_hash: hash,
        } => {
            let login = login(&name_)?.to_string();
            let name = name.trim().to_string();
            if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
                return Err(CommandError::Name);
            }
            if !(1..=MAX_CAPACITY).contains(&capacity) {
                return Err(CommandError::Capacity(capacity));
            }
            let agent = Agent {
                login: login.clone(),
                display_name: name,
                password_hash: password_hash(&hash)?,
                created_at: Utc::now(),
                role,
                languages: language_tags(&languages)?,
                capacity,
                disabled: false,
            };
            if store.agent(&login).await?.is_some() {
                return Err(CommandError::Exists(login));
            }
            let shown = listed(&agent);
            store.save_agent(agent).await?;
            audit(store, "agent_add", None, Some(login)).await?;
            Ok(shown)
        }
        Request::AgentList {} => {
            let agents = store.agents().await?;
            Ok(Value::Array(agents.iter().map(listed).collect()))
        }
        Request::AgentRemove { login: name } => {
            let login = login(&name)?;
            if !store.remove_agent(login).await? {
                return Err(CommandError::NoAgent(login.to_string()));
            }
            audit(store, "agent_remove", None, Some(login.to_string())).await?;
            Ok(json!({ "removed": login }))
        }
        Request::AgentPasswd {
            login: name,
            password_hash: hash,
        } => {
            let hash = password_hash(&hash)?;
            change(store, &name, "agent_passwd", |agent| {
                agent.password_hash = hash
            })
            .await
        }
        Request::AgentDisable { login: name } => {
            change(store, &name, "agent_disable", |agent| agent.disabled = true).await
        }
        Request::AgentEnable { login: name } => {
            change(store, &name, "agent_enable", |agent| agent.disabled = false).await
        }
    }
}

/// Reads an agent, changes it, saves it and records the change.
async fn change(
    store: &dyn Store,
    name: &str,
    action: &str,
    edit: impl FnOnce(&mut Agent),
) -> Result<Value, CommandError> {
    let login = login(name)?;
    let mut agent = store
        .agent(login)
        .await?
        .ok_or_else(|| CommandError::NoAgent(login.to_string()))?;
    edit(&mut agent);
    let shown = listed(&agent);
    store.save_agent(agent).await?;
    audit(store, action, None, Some(login.to_string())).await?;
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names_are_short_lowercase_and_plain() {
        for good in ["alice", "a", "bob.smith", "agent_7", "x-y", &"a".repeat(32)] {
            assert!(valid_login(good), "{good}");
        }
        for bad in [
            "",
            "Alice",
            "al ice",
            "a/b",
            "ali@ce",
            "名字",
            &"a".repeat(33),
            "a\n",
        ] {
            assert!(!valid_login(bad), "{bad:?}");
        }
    }

    #[test]
    fn languages_become_tags_once_each() {
        let tags = language_tags(&["zh".into(), "en".into(), "zh-CN".into()]).expect("known");
        assert_eq!(tags, ["zh-CN", "en"]);
        assert!(matches!(
            language_tags(&["fr".into()]),
            Err(CommandError::Language(l)) if l == "fr"
        ));
        assert!(matches!(language_tags(&[]), Err(CommandError::NoLanguage)));
    }

    #[test]
    fn requests_read_as_one_json_object_with_a_command() {
        let request: Request =
            serde_json::from_str(r#"{"command":"agent_disable","login":"bob"}"#).expect("valid");
        assert_eq!(
            request,
            Request::AgentDisable {
                login: "bob".into()
            }
        );
        let unknown = serde_json::from_str::<Request>(r#"{"command":"agent_drop","login":"b"}"#);
        assert!(unknown.is_err());
        let extra = serde_json::from_str::<Request>(r#"{"command":"agent_list","password":"x"}"#);
        assert!(extra.is_err(), "unknown fields are refused");
    }

    #[tokio::test]
    async fn agent_changes_and_erasures_are_audited_as_the_command_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::store::SledStore::open(dir.path()).expect("store");
        let hash = crate::console::password::hash("a long enough password").expect("hash");
        let added = execute(
            store.as_ref(),
            Request::AgentAdd {
                login: "dora".into(),
                name: "Dora".into(),
                role: AgentRole::Admin,
                languages: vec!["en".into()],
                capacity: 3,
                password_hash: hash,
            },
        )
        .await
        .expect("added");
        assert!(added.get("password_hash").is_none(), "{added}");
        execute(
            store.as_ref(),
            Request::AgentDisable {
                login: "dora".into(),
            },
        )
        .await
        .expect("disabled");
        assert!(
            store
                .agent("dora")
                .await
                .expect("read")
                .is_some_and(|a| a.disabled)
        );
        execute(
            store.as_ref(),
            Request::Erase {
                user: Some("wallet-user-42".into()),
                conversation: None,
            },
        )
        .await
        .expect("erased");
        let log = store.audit_log(None, 10).await.expect("audit log");
        let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["agent_add", "agent_disable", "erase"]);
        assert!(log.iter().all(|r| r.actor == ACTOR));
        assert_eq!(log[0].detail.as_deref(), Some("dora"));
        let erase = format!("{:?}", log[2]);
        assert!(
            !erase.contains("wallet-user-42"),
            "the user is named by hash only: {erase}"
        );
        // Refused changes are not recorded.
        let missing = execute(
            store.as_ref(),
            Request::AgentEnable {
                login: "nobody".into(),
            },
        )
        .await;
        assert!(matches!(missing, Err(CommandError::NoAgent(_))));
        assert_eq!(store.audit_log(None, 10).await.expect("audit log").len(), 3);
    }
}
