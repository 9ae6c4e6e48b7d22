//! The `KYCDESK_*` variables: which key of the file each one overrides, and a figment provider
//! that lays them over the file. The names predate the file and stay as they are, so the mapping
//! is a table rather than a rule.

use figment::value::{Dict, Map};
use figment::{Error, Metadata, Profile, Provider};
use serde_json::Value;

/// How a variable's text becomes a value of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Flag,
    /// Comma-separated.
    List,
}

/// Variable, key in the file, kind.
pub const VARIABLES: &[(&str, &str, Kind)] = &[
    ("KYCDESK_LOG", "log", Kind::Text),
    ("KYCDESK_TIMEZONE", "timezone", Kind::Text),
    ("KYCDESK_LISTEN", "server.listen", Kind::Text),
    ("KYCDESK_PUBLIC_ORIGIN", "server.public_origin", Kind::List),
    (
        "KYCDESK_TRUSTED_PROXIES",
        "server.trusted_proxies",
        Kind::List,
    ),
    (
        "KYCDESK_HEADER_TIMEOUT_MS",
        "server.header_timeout_ms",
        Kind::Number,
    ),
    (
        "KYCDESK_MAX_CONNECTIONS_PER_CLIENT",
        "server.max_connections_per_client",
        Kind::Number,
    ),
    (
        "KYCDESK_MAX_CONNECTIONS",
        "server.max_connections",
        Kind::Number,
    ),
    ("KYCDESK_DATA_DIR", "store.data_dir", Kind::Text),
    (
        "KYCDESK_RETENTION_DAYS",
        "store.retention_days",
        Kind::Number,
    ),
    ("KYCDESK_FLOWS_DIR", "content.flows_dir", Kind::Text),
    ("KYCDESK_LOCALES_DIR", "content.locales_dir", Kind::Text),
    (
        "KYCDESK_CASE_ID_PATTERN",
        "content.case_id_pattern",
        Kind::Text,
    ),
    ("KYCDESK_WIDGET_SECRET", "widget.secret", Kind::Text),
    (
        "KYCDESK_WIDGET_SECRET_FILE",
        "widget.secret_file",
        Kind::Text,
    ),
    (
        "KYCDESK_ENFORCE_IDENTITY",
        "widget.enforce_identity",
        Kind::Flag,
    ),
    (
        "KYCDESK_ALLOWED_ORIGINS",
        "widget.allowed_origins",
        Kind::List,
    ),
    (
        "KYCDESK_IDENTITY_MAX_LIFETIME_SECS",
        "widget.identity_max_lifetime_secs",
        Kind::Number,
    ),
    (
        "KYCDESK_CONVERSATION_QUOTA_KB",
        "widget.conversation_quota_kb",
        Kind::Number,
    ),
    ("KYCDESK_RATE_IP", "limits.ip", Kind::Text),
    ("KYCDESK_RATE_VISITOR", "limits.visitor", Kind::Text),
    ("KYCDESK_RATE_USER", "limits.user", Kind::Text),
    (
        "KYCDESK_RATE_FAILED_CHECKS",
        "limits.failed_checks",
        Kind::Text,
    ),
    ("KYCDESK_RATE_WEBHOOK", "limits.webhook", Kind::Text),
    (
        "KYCDESK_NEW_CONVERSATIONS_PER_ADDRESS",
        "limits.new_conversations_per_address",
        Kind::Number,
    ),
    (
        "KYCDESK_NEW_CONVERSATIONS_PER_USER",
        "limits.new_conversations_per_user",
        Kind::Number,
    ),
    ("KYCDESK_CASE_API_URL", "case_api.url", Kind::Text),
    ("KYCDESK_CASE_API_TOKEN", "case_api.token", Kind::Text),
    (
        "KYCDESK_CASE_API_CONNECT_TIMEOUT_MS",
        "case_api.connect_timeout_ms",
        Kind::Number,
    ),
    (
        "KYCDESK_CASE_API_TIMEOUT_MS",
        "case_api.timeout_ms",
        Kind::Number,
    ),
    (
        "KYCDESK_WEBHOOK_SECRET",
        "case_api.webhook_secret",
        Kind::Text,
    ),
    (
        "KYCDESK_FOLLOWUP_POLL_SECS",
        "case_api.followup_poll_secs",
        Kind::Number,
    ),
    ("KYCDESK_SANDBOX_LISTEN", "sandbox.listen", Kind::Text),
    ("KYCDESK_SANDBOX_TOKEN", "sandbox.token", Kind::Text),
    ("KYCDESK_HANDOFF_ENABLED", "handoff.enabled", Kind::Flag),
    (
        "KYCDESK_HANDOFF_UNANSWERED_CLAIM_SECS",
        "handoff.unanswered_claim_secs",
        Kind::Number,
    ),
    (
        "KYCDESK_HANDOFF_AUTO_ASSIGN",
        "handoff.auto_assign",
        Kind::Flag,
    ),
    (
        "KYCDESK_HANDOFF_DEFAULT_CAPACITY",
        "handoff.default_capacity",
        Kind::Number,
    ),
    (
        "KYCDESK_HANDOFF_NOTIFY_URL",
        "handoff.notify_url",
        Kind::Text,
    ),
    (
        "KYCDESK_HANDOFF_NOTIFY_SECRET",
        "handoff.notify_secret",
        Kind::Text,
    ),
    (
        "KYCDESK_HANDOFF_HOURS_TIME_ZONE",
        "handoff.hours.time_zone",
        Kind::Text,
    ),
    (
        "KYCDESK_HANDOFF_HOURS_DAYS",
        "handoff.hours.days",
        Kind::List,
    ),
    (
        "KYCDESK_HANDOFF_HOURS_OPEN",
        "handoff.hours.open",
        Kind::Text,
    ),
    (
        "KYCDESK_HANDOFF_HOURS_CLOSE",
        "handoff.hours.close",
        Kind::Text,
    ),
    (
        "KYCDESK_HANDOFF_HOURS_HOLIDAYS",
        "handoff.hours.holidays",
        Kind::List,
    ),
    (
        "KYCDESK_CONSOLE_SESSION_IDLE_SECS",
        "console.session_idle_secs",
        Kind::Number,
    ),
    (
        "KYCDESK_CONSOLE_SESSION_MAX_SECS",
        "console.session_max_secs",
        Kind::Number,
    ),
    (
        "KYCDESK_CONSOLE_MAX_FAILED_LOGINS",
        "console.max_failed_logins",
        Kind::Number,
    ),
    (
        "KYCDESK_CONSOLE_LOCKOUT_SECS",
        "console.lockout_secs",
        Kind::Number,
    ),
    (
        "KYCDESK_CONSOLE_SECURE_COOKIES",
        "console.secure_cookies",
        Kind::Text,
    ),
];

/// Variables kycdesk reads that are not settings of the file: where the file is, and switches
/// of the test suites.
pub const OTHER_VARIABLES: &[&str] = &[
    "KYCDESK_CONFIG",
    "KYCDESK_UNSAFE_SKIP_FLUSH",
    "KYCDESK_BROWSER_TESTS",
    "KYCDESK_ROOT_TESTS",
    "KYCDESK_CHROMIUM",
    "KYCDESK_CHROMEDRIVER",
];

/// The variable that overrides a key of the file (`store.data_dir` → `KYCDESK_DATA_DIR`).
pub fn variable_for(key: &str) -> Option<&'static str> {
    VARIABLES
        .iter()
        .find(|(_, k, _)| *k == key)
        .map(|(name, _, _)| *name)
}

/// `KYCDESK_*` names that kycdesk does not know (typos, removed settings).
pub fn unknown<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    names
        .into_iter()
        .filter(|n| n.starts_with("KYCDESK_"))
        .filter(|n| !VARIABLES.iter().any(|(v, _, _)| v == n) && !OTHER_VARIABLES.contains(n))
        .map(str::to_string)
        .collect()
}

/// The set variables as a figment layer. An empty value counts as unset, as it always has.
pub struct EnvLayer {
    data: Value,
}

impl EnvLayer {
    pub fn new(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut data = Value::Object(serde_json::Map::new());
        for (name, key, kind) in VARIABLES {
            let Some(text) = lookup(name).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            insert(&mut data, key, typed(&text, *kind));
        }
        Self { data }
    }
}

/// A value of the key's kind, or the text itself when it is not one: the extraction then fails
/// naming the variable, instead of a wrong value passing.
fn typed(text: &str, kind: Kind) -> Value {
    let trimmed = text.trim();
    match kind {
        Kind::Text => Value::String(text.to_string()),
        Kind::Number => trimmed
            .parse::<u64>()
            .map_or_else(|_| Value::String(text.to_string()), Value::from),
        Kind::Flag => match trimmed.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Value::Bool(true),
            "0" | "false" | "no" | "off" => Value::Bool(false),
            _ => Value::String(text.to_string()),
        },
        Kind::List => Value::Array(
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
    }
}

fn insert(root: &mut Value, key: &str, value: Value) {
    let mut node = root;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        let Value::Object(map) = node else { return };
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        node = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

impl Provider for EnvLayer {
    fn metadata(&self) -> Metadata {
        // Errors then name the variable, not the key it overrides.
        Metadata::named("environment variable").interpolater(|_, path| {
            let key = path.join(".");
            variable_for(&key).map_or(key, str::to_string)
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        figment::providers::Serialized::defaults(&self.data).data()
    }
}
