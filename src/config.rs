//! Settings, each with a working default, read from `KYCDESK_*` environment variables.

use std::path::PathBuf;

use regex::Regex;

use crate::channel::client_addr::{BadProxy, TrustedProxies};
use crate::channel::limits::{LimitSettings, Rate};
use crate::entities::DEFAULT_CASE_ID_PATTERN;
use crate::flows::source::ContentSource;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("KYCDESK_CASE_ID_PATTERN is not a valid regular expression: {0}")]
    CaseIdPattern(#[from] regex::Error),
    #[error("{0} is set but {1} is not: set both, or neither to use the built-in content")]
    HalfContent(&'static str, &'static str),
    #[error("KYCDESK_RETENTION_DAYS must be a whole number of days (1 or more), not `{0}`")]
    RetentionDays(String),
    #[error("cannot read KYCDESK_WIDGET_SECRET_FILE: {0}")]
    SecretFile(String),
    #[error("{0} is `<per second>/<burst>`, e.g. `1/10`, not `{1}`")]
    Rate(&'static str, String),
    #[error("KYCDESK_TIMEZONE `{0}` is not a time zone name such as Asia/Shanghai")]
    TimeZone(String),
    #[error("KYCDESK_FOLLOWUP_POLL_SECS must be a whole number of seconds (5 or more), not `{0}`")]
    PollSecs(String),
    #[error("KYCDESK_TRUSTED_PROXIES: {0}")]
    Proxies(#[from] BadProxy),
    #[error("{0} must be a whole number from {1} to {2}, not `{3}`")]
    Number(&'static str, u64, u64, String),
    #[error("KYCDESK_PUBLIC_ORIGIN must be an origin such as https://kyc.example.com, not `{0}`")]
    PublicOrigin(String),
}

#[derive(Clone)]
pub struct Config {
    pub content: ContentSource,
    pub case_id_pattern: Regex,
    /// Where the store keeps its files (`KYCDESK_DATA_DIR`, default `./data`).
    pub data_dir: PathBuf,
    /// Address of `kycdesk serve` (`KYCDESK_LISTEN`, default `127.0.0.1:8080`).
    pub listen: String,
    /// Transcript entries older than this many days are purged (`KYCDESK_RETENTION_DAYS`, 90).
    pub retention_days: u32,
    /// The key of the widget's identity tokens (`KYCDESK_WIDGET_SECRET`, or a file named by
    /// `KYCDESK_WIDGET_SECRET_FILE`). Never logged.
    pub widget_secret: Option<Vec<u8>>,
    /// Refuse widget requests without a valid identity token (`KYCDESK_ENFORCE_IDENTITY=1`).
    pub enforce_identity: bool,
    /// Sites allowed to embed the widget (`KYCDESK_ALLOWED_ORIGINS`, comma-separated).
    pub allowed_origins: String,
    /// Every rate limit (`KYCDESK_RATE_*`, `KYCDESK_NEW_CONVERSATIONS_*`).
    pub limits: LimitSettings,
    /// The reverse proxies whose `X-Forwarded-For` is believed (`KYCDESK_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// The origin(s) the server itself is reached at (`KYCDESK_PUBLIC_ORIGIN`); in demo mode
    /// the listening address is added.
    pub public_origin: String,
    /// Time to send a request's headers (`KYCDESK_HEADER_TIMEOUT_MS`, default 10,000).
    pub header_timeout_ms: u64,
    /// Open connections per client address (`KYCDESK_MAX_CONNECTIONS_PER_CLIENT`, 32).
    pub max_connections_per_client: usize,
    /// Open connections in all (`KYCDESK_MAX_CONNECTIONS`, 8,192).
    pub max_connections: usize,
    /// Most bytes one conversation may store (`KYCDESK_CONVERSATION_QUOTA_KB`, 1,024).
    pub conversation_quota_bytes: u64,
    /// Longest an identity token may live (`KYCDESK_IDENTITY_MAX_LIFETIME_SECS`, 43,200).
    pub identity_max_lifetime_secs: i64,
    /// The time zone dates are told in (`KYCDESK_TIMEZONE`, default `Asia/Shanghai`).
    pub timezone: chrono_tz::Tz,
    /// How often followed cases are polled when no webhook is configured
    /// (`KYCDESK_FOLLOWUP_POLL_SECS`, default 60).
    pub followup_poll_secs: u64,
    /// The key of the case-update webhook's signatures (`KYCDESK_WEBHOOK_SECRET`). Never logged.
    pub webhook_secret: Option<Vec<u8>>,
    /// Address of `kycdesk sandbox` (`KYCDESK_SANDBOX_LISTEN`, default `127.0.0.1:8090`).
    pub sandbox_listen: String,
}

fn rate(
    name: &'static str,
    value: Option<String>,
    default: (f64, u32),
) -> Result<(f64, u32), ConfigError> {
    let Some(v) = value else { return Ok(default) };
    let parsed = v.split_once('/').and_then(|(r, b)| {
        let r: f64 = r.trim().parse().ok()?;
        let b: u32 = b.trim().parse().ok()?;
        (r > 0.0 && b >= 1).then_some((r, b))
    });
    parsed.ok_or(ConfigError::Rate(name, v))
}

fn number(
    name: &'static str,
    value: Option<String>,
    default: u64,
    range: (u64, u64),
) -> Result<u64, ConfigError> {
    let Some(v) = value else { return Ok(default) };
    match v.trim().parse::<u64>() {
        Ok(n) if (range.0..=range.1).contains(&n) => Ok(n),
        _ => Err(ConfigError::Number(name, range.0, range.1, v)),
    }
}

fn limit(name: &'static str, value: Option<String>, default: Rate) -> Result<Rate, ConfigError> {
    let (per_second, burst) = rate(name, value, (default.per_second, default.burst))?;
    Ok(Rate::new(per_second, burst))
}

fn public_origin(value: Option<String>) -> Result<String, ConfigError> {
    let Some(v) = value else {
        return Ok(String::new());
    };
    for origin in v.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        // `scheme://host[:port]`, nothing after it but an optional `/`.
        let host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .map(|rest| rest.strip_suffix('/').unwrap_or(rest));
        let shaped = host.is_some_and(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        });
        if !shaped {
            return Err(ConfigError::PublicOrigin(origin.to_string()));
        }
    }
    Ok(v)
}

impl std::fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "***" } else { "none" })
    }
}

/// Prints a secret as `***`.
struct Secret<'a>(&'a Option<Vec<u8>>);

impl Config {
    /// Reads the environment. Flows and texts come from `KYCDESK_FLOWS_DIR` and
    /// `KYCDESK_LOCALES_DIR`; without them, from `./flows` and `./locales` when both exist (the
    /// operator edits them in place), else from the copy built into the binary.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings from `lookup` instead of the environment (tests, embedding).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let content = match (var("KYCDESK_FLOWS_DIR"), var("KYCDESK_LOCALES_DIR")) {
            (Some(flows), Some(locales)) => ContentSource::Dirs {
                flows: flows.into(),
                locales: locales.into(),
            },
            (Some(_), None) => {
                return Err(ConfigError::HalfContent(
                    "KYCDESK_FLOWS_DIR",
                    "KYCDESK_LOCALES_DIR",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::HalfContent(
                    "KYCDESK_LOCALES_DIR",
                    "KYCDESK_FLOWS_DIR",
                ));
            }
            (None, None) => {
                let (flows, locales) = (PathBuf::from("flows"), PathBuf::from("locales"));
                if flows.join("menu.yaml").is_file() && locales.is_dir() {
                    ContentSource::Dirs { flows, locales }
                } else {
                    ContentSource::Embedded
                }
            }
        };
        let pattern =
            var("KYCDESK_CASE_ID_PATTERN").unwrap_or_else(|| DEFAULT_CASE_ID_PATTERN.into());
        let retention_days = match var("KYCDESK_RETENTION_DAYS") {
            None => 90,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(days) if days > 0 => days,
                _ => return Err(ConfigError::RetentionDays(v)),
            },
        };
        let widget_secret = match (
            var("KYCDESK_WIDGET_SECRET"),
            var("KYCDESK_WIDGET_SECRET_FILE"),
        ) {
            (Some(s), _) => Some(s.into_bytes()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::SecretFile(format!("{path}: {e}")))?
                    .trim()
                    .as_bytes()
                    .to_vec(),
            ),
            (None, None) => None,
        };
        let timezone = match var("KYCDESK_TIMEZONE") {
            None => chrono_tz::Asia::Shanghai,
            Some(name) => name.parse().map_err(|_| ConfigError::TimeZone(name))?,
        };
        let followup_poll_secs = match var("KYCDESK_FOLLOWUP_POLL_SECS") {
            None => 60,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if n >= 5 => n,
                _ => return Err(ConfigError::PollSecs(v)),
            },
        };
        Ok(Self {
            timezone,
            followup_poll_secs,
            webhook_secret: var("KYCDESK_WEBHOOK_SECRET").map(String::into_bytes),
            sandbox_listen: var("KYCDESK_SANDBOX_LISTEN")
                .unwrap_or_else(|| "127.0.0.1:8090".into()),
            limits: {
                let d = LimitSettings::default();
                LimitSettings {
                    per_address: limit("KYCDESK_RATE_IP", var("KYCDESK_RATE_IP"), d.per_address)?,
                    per_conversation: limit(
                        "KYCDESK_RATE_VISITOR",
                        var("KYCDESK_RATE_VISITOR"),
                        d.per_conversation,
                    )?,
                    per_user: limit("KYCDESK_RATE_USER", var("KYCDESK_RATE_USER"), d.per_user)?,
                    failed_checks: limit(
                        "KYCDESK_RATE_FAILED_CHECKS",
                        var("KYCDESK_RATE_FAILED_CHECKS"),
                        d.failed_checks,
                    )?,
                    webhook: limit(
                        "KYCDESK_RATE_WEBHOOK",
                        var("KYCDESK_RATE_WEBHOOK"),
                        d.webhook,
                    )?,
                    new_per_address: Rate::per_day(number(
                        "KYCDESK_NEW_CONVERSATIONS_PER_ADDRESS",
                        var("KYCDESK_NEW_CONVERSATIONS_PER_ADDRESS"),
                        u64::from(d.new_per_address.burst),
                        (1, 1_000_000),
                    )? as u32),
                    new_per_user: Rate::per_day(number(
                        "KYCDESK_NEW_CONVERSATIONS_PER_USER",
                        var("KYCDESK_NEW_CONVERSATIONS_PER_USER"),
                        u64::from(d.new_per_user.burst),
                        (1, 1_000_000),
                    )? as u32),
                }
            },
            trusted_proxies: TrustedProxies::parse(
                &var("KYCDESK_TRUSTED_PROXIES").unwrap_or_default(),
            )?,
            public_origin: public_origin(var("KYCDESK_PUBLIC_ORIGIN"))?,
            header_timeout_ms: number(
                "KYCDESK_HEADER_TIMEOUT_MS",
                var("KYCDESK_HEADER_TIMEOUT_MS"),
                10_000,
                (100, 600_000),
            )?,
            max_connections_per_client: number(
                "KYCDESK_MAX_CONNECTIONS_PER_CLIENT",
                var("KYCDESK_MAX_CONNECTIONS_PER_CLIENT"),
                32,
                (1, 100_000),
            )? as usize,
            max_connections: number(
                "KYCDESK_MAX_CONNECTIONS",
                var("KYCDESK_MAX_CONNECTIONS"),
                8192,
                (16, 1_000_000),
            )? as usize,
            conversation_quota_bytes: 1024
                * number(
                    "KYCDESK_CONVERSATION_QUOTA_KB",
                    var("KYCDESK_CONVERSATION_QUOTA_KB"),
                    1024,
                    (16, 1_048_576),
                )?,
            identity_max_lifetime_secs: number(
                "KYCDESK_IDENTITY_MAX_LIFETIME_SECS",
                var("KYCDESK_IDENTITY_MAX_LIFETIME_SECS"),
                43_200,
                (60, 30 * 86_400),
            )? as i64,
            widget_secret,
            enforce_identity: var("KYCDESK_ENFORCE_IDENTITY")
                .is_some_and(|v| v == "1" || v == "true"),
            allowed_origins: var("KYCDESK_ALLOWED_ORIGINS").unwrap_or_default(),
            content,
            case_id_pattern: Regex::new(&pattern)?,
            data_dir: var("KYCDESK_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from),
            listen: var("KYCDESK_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into()),
            retention_days,
        })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("content", &self.content)
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("retention_days", &self.retention_days)
            .field("widget_secret", &Secret(&self.widget_secret))
            .field("enforce_identity", &self.enforce_identity)
            .field("allowed_origins", &self.allowed_origins)
            .field("limits", &self.limits)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("public_origin", &self.public_origin)
            .field("header_timeout_ms", &self.header_timeout_ms)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field("max_connections", &self.max_connections)
            .field("conversation_quota_bytes", &self.conversation_quota_bytes)
            .field(
                "identity_max_lifetime_secs",
                &self.identity_max_lifetime_secs,
            )
            .field("timezone", &self.timezone)
            .field("followup_poll_secs", &self.followup_poll_secs)
            .field("webhook_secret", &Secret(&self.webhook_secret))
            .field("sandbox_listen", &self.sandbox_listen)
            .finish()
    }
}
