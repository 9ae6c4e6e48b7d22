//! Settings: the embedded defaults, then `kycdesk.toml` (when one is given), then the `KYCDESK_*`
//! variables, each layer overriding the one before. Every setting has a working default.

mod checks;
pub mod env;
mod print;
pub mod settings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use regex::Regex;

use crate::cases::{CaseClientConfig, CaseConfigError};
use crate::channel::client_addr::{BadProxy, TrustedProxies};
use crate::channel::limits::{LimitSettings, Rate};
use crate::flows::source::ContentSource;
use crate::handoff::hours::{BusinessHours, HoursError};
use checks::{case_api, describe, http_url, name, number, public_origin, rate};

pub use print::effective_toml;
pub use settings::{ConsoleSettings, HoursSettings, SecureCookies, Settings};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the settings file {0} does not exist")]
    MissingFile(PathBuf),
    /// A key or value figment refused; the text names the key and where it came from.
    #[error("{0}")]
    Extract(String),
    #[error("{key} is not a valid regular expression: {source}")]
    CaseIdPattern { key: String, source: regex::Error },
    #[error("{0} is set but {1} is not: set both, or neither to use the built-in content")]
    HalfContent(String, String),
    #[error("cannot read {key} {path}: {reason}")]
    SecretFile {
        key: String,
        path: String,
        reason: String,
    },
    #[error("{0} is `<per second>/<burst>`, e.g. `1/10`, not `{1}`")]
    Rate(String, String),
    #[error("{0} `{1}` is not a time zone name such as Asia/Shanghai")]
    TimeZone(String, String),
    #[error("{key}: {source}")]
    Proxies { key: String, source: BadProxy },
    #[error("{0} must be a whole number from {1} to {2}, not `{3}`")]
    Number(String, u64, u64, u64),
    #[error("{0} must be an origin such as https://kyc.example.com, not `{1}`")]
    PublicOrigin(String, String),
    #[error("the case-status API settings: {0}")]
    CaseApi(#[from] CaseConfigError),
    #[error("{key}: {source}")]
    Hours { key: String, source: HoursError },
    #[error("{0} must be an http(s) URL, not `{1}`")]
    Url(String, String),
}

/// What the handoff to people runs on.
#[derive(Clone)]
pub struct HandoffConfig {
    pub enabled: bool,
    /// A claim whose agent has not replied within this many seconds returns to the queue.
    pub unanswered_claim_secs: u64,
    pub auto_assign: bool,
    /// Conversations a new agent may hold at once.
    pub default_capacity: u32,
    /// The wallet's notification hook (told when an agent answers a left message).
    pub notify_url: Option<String>,
    /// The key of the hook's signatures. Never logged.
    pub notify_secret: Option<Vec<u8>>,
    pub hours: BusinessHours,
}

impl std::fmt::Debug for HandoffConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandoffConfig")
            .field("enabled", &self.enabled)
            .field("unanswered_claim_secs", &self.unanswered_claim_secs)
            .field("auto_assign", &self.auto_assign)
            .field("default_capacity", &self.default_capacity)
            .field("notify_url", &self.notify_url)
            .field("notify_secret", &Secret(&self.notify_secret))
            .field("hours", &self.hours)
            .finish()
    }
}

#[derive(Clone)]
pub struct Config {
    /// The settings as read (for `kycdesk config`); the fields below are checked and compiled.
    pub settings: Settings,
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
    /// The case-status API (`KYCDESK_CASE_API_URL`, ...); `None` runs the demo sandbox.
    pub case_api: Option<CaseClientConfig>,
    /// Address of `kycdesk sandbox` (`KYCDESK_SANDBOX_LISTEN`, default `127.0.0.1:8090`).
    pub sandbox_listen: String,
    /// The bearer token `kycdesk sandbox` asks for (`KYCDESK_SANDBOX_TOKEN`; empty: none).
    pub sandbox_token: String,
    /// The log filter (`KYCDESK_LOG`, default `warn`).
    pub log: String,
    pub handoff: HandoffConfig,
    /// The agent console's sessions and sign-in limits.
    pub console: ConsoleSettings,
}

/// A configuration with what was noticed while reading it.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// `KYCDESK_*` variables that are set but mean nothing to kycdesk (typos?).
    pub unknown_variables: Vec<String>,
}

impl Config {
    /// Reads the file named by `KYCDESK_CONFIG` (if any) and the environment. Flows and texts
    /// come from `content.flows_dir`/`KYCDESK_FLOWS_DIR` and `content.locales_dir`/
    /// `KYCDESK_LOCALES_DIR`; without them, from `./flows` and `./locales` when both exist (the
    /// operator edits them in place), else from the copy built into the binary.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings from `lookup` instead of the environment (tests, embedding); the file
    /// is the one `lookup("KYCDESK_CONFIG")` names, if any.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file = lookup("KYCDESK_CONFIG")
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from);
        Self::load(file.as_deref(), lookup)
    }

    /// Reads `file` (when given) and the variables `lookup` finds.
    pub fn load(
        file: Option<&Path>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::MissingFile(path.to_path_buf()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment.merge(env::EnvLayer::new(lookup));
        let settings: Settings = figment.extract().map_err(describe)?;
        Self::from_settings(settings)
    }

    /// The process's own configuration: `file` (from `--config`, else `KYCDESK_CONFIG`) and
    /// every `KYCDESK_*` variable, with the unknown ones listed.
    pub fn load_process(file: Option<&Path>) -> Result<Loaded, ConfigError> {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("KYCDESK_"))
            .collect();
        let from_env = vars
            .get("KYCDESK_CONFIG")
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from);
        let file = file.map(Path::to_path_buf).or(from_env);
        let config = Self::load(file.as_deref(), |name| vars.get(name).cloned())?;
        Ok(Loaded {
            config,
            unknown_variables: env::unknown(vars.keys().map(String::as_str)),
        })
    }

    /// Checks and compiles the settings.
    pub fn from_settings(settings: Settings) -> Result<Self, ConfigError> {
        let s = &settings;
        let content = match (&s.content.flows_dir, &s.content.locales_dir) {
            (Some(flows), Some(locales)) => ContentSource::Dirs {
                flows: flows.clone(),
                locales: locales.clone(),
            },
            (Some(_), None) => {
                return Err(ConfigError::HalfContent(
                    name("content.flows_dir"),
                    name("content.locales_dir"),
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::HalfContent(
                    name("content.locales_dir"),
                    name("content.flows_dir"),
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
        let widget_secret = match (&s.widget.secret, &s.widget.secret_file) {
            (Some(secret), _) => Some(secret.clone().into_bytes()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::SecretFile {
                        key: name("widget.secret_file"),
                        path: path.display().to_string(),
                        reason: e.to_string(),
                    })?
                    .trim()
                    .as_bytes()
                    .to_vec(),
            ),
            (None, None) => None,
        };
        let timezone = s
            .timezone
            .parse()
            .map_err(|_| ConfigError::TimeZone(name("timezone"), s.timezone.clone()))?;
        let limits = LimitSettings {
            per_address: rate("limits.ip", &s.limits.ip)?,
            per_conversation: rate("limits.visitor", &s.limits.visitor)?,
            per_user: rate("limits.user", &s.limits.user)?,
            failed_checks: rate("limits.failed_checks", &s.limits.failed_checks)?,
            webhook: rate("limits.webhook", &s.limits.webhook)?,
            new_per_address: Rate::per_day(number(
                "limits.new_conversations_per_address",
                s.limits.new_conversations_per_address,
                (1, 1_000_000),
            )? as u32),
            new_per_user: Rate::per_day(number(
                "limits.new_conversations_per_user",
                s.limits.new_conversations_per_user,
                (1, 1_000_000),
            )? as u32),
        };
        let case_api = case_api(s)?;
        let handoff = HandoffConfig {
            enabled: s.handoff.enabled,
            unanswered_claim_secs: number(
                "handoff.unanswered_claim_secs",
                s.handoff.unanswered_claim_secs,
                (30, 7 * 86_400),
            )?,
            auto_assign: s.handoff.auto_assign,
            default_capacity: number(
                "handoff.default_capacity",
                s.handoff.default_capacity,
                (1, 100),
            )? as u32,
            notify_url: s
                .handoff
                .notify_url
                .as_deref()
                .map(|u| http_url("handoff.notify_url", u))
                .transpose()?,
            notify_secret: s.handoff.notify_secret.clone().map(String::into_bytes),
            hours: BusinessHours::new(&s.handoff.hours).map_err(|source| ConfigError::Hours {
                key: source.key().map_or_else(
                    || "handoff.hours".into(),
                    |k| name(&format!("handoff.hours.{k}")),
                ),
                source,
            })?,
        };
        let console = s.console.clone();
        number(
            "console.session_idle_secs",
            console.session_idle_secs,
            (60, 30 * 86_400),
        )?;
        number(
            "console.session_max_secs",
            console.session_max_secs,
            (60, 30 * 86_400),
        )?;
        number(
            "console.max_failed_logins",
            u64::from(console.max_failed_logins),
            (1, 1000),
        )?;
        number(
            "console.lockout_secs",
            console.lockout_secs,
            (1, 30 * 86_400),
        )?;
        Ok(Self {
            content,
            case_id_pattern: Regex::new(&s.content.case_id_pattern).map_err(|source| {
                ConfigError::CaseIdPattern {
                    key: name("content.case_id_pattern"),
                    source,
                }
            })?,
            data_dir: s.store.data_dir.clone(),
            listen: s.server.listen.clone(),
            retention_days: number("store.retention_days", s.store.retention_days, (1, 36_500))?
                as u32,
            widget_secret,
            enforce_identity: s.widget.enforce_identity,
            allowed_origins: s.widget.allowed_origins.join(","),
            limits,
            trusted_proxies: TrustedProxies::parse(&s.server.trusted_proxies.join(",")).map_err(
                |source| ConfigError::Proxies {
                    key: name("server.trusted_proxies"),
                    source,
                },
            )?,
            public_origin: public_origin(&s.server.public_origin)?,
            header_timeout_ms: number(
                "server.header_timeout_ms",
                s.server.header_timeout_ms,
                (100, 600_000),
            )?,
            max_connections_per_client: number(
                "server.max_connections_per_client",
                s.server.max_connections_per_client,
                (1, 100_000),
            )? as usize,
            max_connections: number(
                "server.max_connections",
                s.server.max_connections,
                (16, 1_000_000),
            )? as usize,
            conversation_quota_bytes: 1024
                * number(
                    "widget.conversation_quota_kb",
                    s.widget.conversation_quota_kb,
                    (16, 1_048_576),
                )?,
            identity_max_lifetime_secs: number(
                "widget.identity_max_lifetime_secs",
                s.widget.identity_max_lifetime_secs,
                (60, 30 * 86_400),
            )? as i64,
            timezone,
            followup_poll_secs: number(
                "case_api.followup_poll_secs",
                s.case_api.followup_poll_secs,
                (5, 86_400),
            )?,
            webhook_secret: s.case_api.webhook_secret.clone().map(String::into_bytes),
            case_api,
            sandbox_listen: s.sandbox.listen.clone(),
            sandbox_token: s.sandbox.token.clone().unwrap_or_default(),
            log: s.log.clone(),
            handoff,
            console,
            settings,
        })
    }
}

/// Prints a secret as `***`.
struct Secret<'a>(&'a Option<Vec<u8>>);

impl std::fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "***" } else { "none" })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The settings as `kycdesk config` prints them: secrets hidden.
        f.debug_struct("Config")
            .field("settings", &effective_toml(&self.settings))
            .field("widget_secret", &Secret(&self.widget_secret))
            .field("webhook_secret", &Secret(&self.webhook_secret))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const EXAMPLE: &str = include_str!("../../kycdesk.example.toml");

    fn with_vars(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_example_file_holds_exactly_the_defaults() {
        let settings: Settings = toml::from_str(EXAMPLE).expect("the example file reads");
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn the_example_file_names_every_variable() {
        for (var, key, _) in env::VARIABLES {
            assert!(
                EXAMPLE.contains(var),
                "{var} ({key}) is not in the example file"
            );
        }
    }

    #[test]
    fn every_variable_reaches_a_key_of_the_file() {
        for (var, key, kind) in env::VARIABLES {
            let value = match kind {
                env::Kind::Number => "7",
                env::Kind::Flag => "1",
                env::Kind::List | env::Kind::Text => "x",
            };
            let result = with_vars(&[(var, value)]);
            if let Err(e) = result {
                assert!(!e.to_string().contains("unknown key"), "{var} → {key}: {e}");
            }
        }
    }

    #[test]
    fn variables_keep_their_meaning() {
        let config = with_vars(&[
            ("KYCDESK_RETENTION_DAYS", "30"),
            ("KYCDESK_RATE_IP", "5/50"),
            ("KYCDESK_ENFORCE_IDENTITY", "true"),
            (
                "KYCDESK_ALLOWED_ORIGINS",
                "https://a.example, https://b.example",
            ),
            ("KYCDESK_CONVERSATION_QUOTA_KB", "64"),
            ("KYCDESK_TIMEZONE", "Europe/Berlin"),
            ("KYCDESK_HANDOFF_HOURS_DAYS", "mon,tue"),
            ("KYCDESK_CONSOLE_SECURE_COOKIES", "always"),
            ("KYCDESK_HANDOFF_DEFAULT_CAPACITY", "9"),
        ])
        .expect("valid");
        assert_eq!(config.retention_days, 30);
        assert_eq!(config.limits.per_address, Rate::new(5.0, 50));
        assert!(config.enforce_identity);
        assert_eq!(
            config.allowed_origins,
            "https://a.example,https://b.example"
        );
        assert_eq!(config.conversation_quota_bytes, 64 * 1024);
        assert_eq!(config.timezone, chrono_tz::Europe::Berlin);
        assert_eq!(config.settings.handoff.hours.days, ["mon", "tue"]);
        assert_eq!(config.console.secure_cookies, SecureCookies::Always);
        assert_eq!(config.handoff.default_capacity, 9);
        // Empty means unset, as it always has.
        let config = with_vars(&[("KYCDESK_RETENTION_DAYS", " ")]).expect("valid");
        assert_eq!(config.retention_days, 90);
    }

    #[test]
    fn a_bad_value_is_named_by_its_variable_and_key() {
        let error = with_vars(&[("KYCDESK_RATE_VISITOR", "fast")]).expect_err("bad rate");
        let text = error.to_string();
        assert!(
            text.contains("limits.visitor") && text.contains("KYCDESK_RATE_VISITOR"),
            "{text}"
        );
        let error = with_vars(&[("KYCDESK_MAX_CONNECTIONS", "lots")]).expect_err("not a number");
        assert!(
            error.to_string().contains("KYCDESK_MAX_CONNECTIONS"),
            "{error}"
        );
        let error =
            with_vars(&[("KYCDESK_HANDOFF_HOURS_HOLIDAYS", "2027-13-01")]).expect_err("bad date");
        let text = error.to_string();
        assert!(
            text.contains("handoff.hours.holidays") && text.contains("2027-13-01"),
            "{text}"
        );
    }

    #[test]
    fn a_secret_is_never_quoted_in_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("kycdesk.toml");
        std::fs::write(&file, "[widget]\nsecret = 123456789\n").expect("write");
        let error = Config::load(Some(&file), |_| None).expect_err("a number is no secret");
        let text = error.to_string();
        assert!(
            text.contains("widget.secret") && !text.contains("123456789"),
            "{text}"
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = with_vars(&[
            ("KYCDESK_WIDGET_SECRET", "widget-secret-value"),
            ("KYCDESK_HANDOFF_NOTIFY_SECRET", "notify-secret-value"),
        ])
        .expect("valid");
        let shown = format!("{config:?} {:?}", config.handoff);
        assert!(!shown.contains("widget-secret-value"), "{shown}");
        assert!(!shown.contains("notify-secret-value"), "{shown}");
    }
}
