//! The shape of `kycdesk.toml`: every setting with its default. Values are checked further when
//! the [`Config`](super::Config) is built from them.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

use crate::channel::limits::{LimitSettings, Rate};
use crate::entities::DEFAULT_CASE_ID_PATTERN;
pub use crate::handoff::hours::HoursSettings;

/// Every setting, grouped as in the file. Unknown keys are refused so that a typo never silently
/// leaves a default in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Log filter (tracing's env-filter syntax).
    pub log: String,
    /// The time zone dates are told to users in.
    pub timezone: String,
    pub server: ServerSettings,
    pub store: StoreSettings,
    pub content: ContentSettings,
    pub widget: WidgetSettings,
    pub limits: LimitsSettings,
    pub case_api: CaseApiSettings,
    pub sandbox: SandboxSettings,
    pub handoff: HandoffSettings,
    pub console: ConsoleSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            log: "warn".into(),
            timezone: "Asia/Shanghai".into(),
            server: ServerSettings::default(),
            store: StoreSettings::default(),
            content: ContentSettings::default(),
            widget: WidgetSettings::default(),
            limits: LimitsSettings::default(),
            case_api: CaseApiSettings::default(),
            sandbox: SandboxSettings::default(),
            handoff: HandoffSettings::default(),
            console: ConsoleSettings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub listen: String,
    /// The origin(s) the server itself is reached at.
    #[serde(deserialize_with = "string_or_list")]
    pub public_origin: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges).
    #[serde(deserialize_with = "string_or_list")]
    pub trusted_proxies: Vec<String>,
    pub header_timeout_ms: u64,
    pub max_connections_per_client: u64,
    pub max_connections: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_origin: Vec::new(),
            trusted_proxies: Vec::new(),
            header_timeout_ms: 10_000,
            max_connections_per_client: 32,
            max_connections: 8192,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    pub data_dir: PathBuf,
    pub retention_days: u64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            retention_days: 90,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flows_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locales_dir: Option<PathBuf>,
    pub case_id_pattern: String,
}

impl Default for ContentSettings {
    fn default() -> Self {
        Self {
            flows_dir: None,
            locales_dir: None,
            case_id_pattern: DEFAULT_CASE_ID_PATTERN.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
    pub enforce_identity: bool,
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_origins: Vec<String>,
    pub identity_max_lifetime_secs: u64,
    pub conversation_quota_kb: u64,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            secret: None,
            secret_file: None,
            enforce_identity: false,
            allowed_origins: Vec::new(),
            identity_max_lifetime_secs: 43_200,
            conversation_quota_kb: 1024,
        }
    }
}

/// Rates are `<per second>/<burst>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSettings {
    pub ip: String,
    pub visitor: String,
    pub user: String,
    pub failed_checks: String,
    pub webhook: String,
    pub new_conversations_per_address: u64,
    pub new_conversations_per_user: u64,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        let d = LimitSettings::default();
        let rate = |r: Rate| format!("{}/{}", r.per_second, r.burst);
        Self {
            ip: rate(d.per_address),
            visitor: rate(d.per_conversation),
            user: rate(d.per_user),
            failed_checks: rate(d.failed_checks),
            webhook: rate(d.webhook),
            new_conversations_per_address: u64::from(d.new_per_address.burst),
            new_conversations_per_user: u64::from(d.new_per_user.burst),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaseApiSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub connect_timeout_ms: u64,
    pub timeout_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    pub followup_poll_secs: u64,
}

impl Default for CaseApiSettings {
    fn default() -> Self {
        Self {
            url: None,
            token: None,
            connect_timeout_ms: 2000,
            timeout_ms: 5000,
            webhook_secret: None,
            followup_poll_secs: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    pub listen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8090".into(),
            token: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HandoffSettings {
    pub enabled: bool,
    /// A claim whose agent has not replied within this many seconds returns to the queue.
    pub unanswered_claim_secs: u64,
    pub auto_assign: bool,
    pub default_capacity: u64,
    /// The wallet's notification hook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_secret: Option<String>,
    pub hours: HoursSettings,
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            unanswered_claim_secs: 300,
            auto_assign: false,
            default_capacity: 4,
            notify_url: None,
            notify_secret: None,
            hours: HoursSettings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// A console session unused this long ends.
    pub session_idle_secs: u64,
    /// A console session ends this long after sign-in, used or not.
    pub session_max_secs: u64,
    /// Failed sign-ins in a row before the account is locked for `lockout_secs`.
    pub max_failed_logins: u32,
    pub lockout_secs: u64,
    pub secure_cookies: SecureCookies,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            session_idle_secs: 1800,
            session_max_secs: 43_200,
            max_failed_logins: 5,
            lockout_secs: 900,
            secure_cookies: SecureCookies::Auto,
        }
    }
}

/// Whether console cookies carry `Secure`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// When the request came over HTTPS (directly or through a trusted proxy).
    #[default]
    Auto,
    Always,
    Never,
}

/// A list written either as a TOML array or as one comma-separated string (as in a variable).
fn string_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        One(String),
        Many(Vec<String>),
    }
    let items = match Either::deserialize(deserializer)? {
        Either::One(s) => s.split(',').map(str::to_string).collect(),
        Either::Many(v) => v,
    };
    Ok(items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect())
}
