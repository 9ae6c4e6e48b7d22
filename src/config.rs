//! Settings, each with a working default, read from `KYCDESK_*` environment variables.

use std::path::PathBuf;

use regex::Regex;

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
}

#[derive(Debug, Clone)]
pub struct Config {
    pub content: ContentSource,
    pub case_id_pattern: Regex,
    /// Where the store keeps its files (`KYCDESK_DATA_DIR`, default `./data`).
    pub data_dir: PathBuf,
    /// Address of `kycdesk serve` (`KYCDESK_LISTEN`, default `127.0.0.1:8080`).
    pub listen: String,
    /// Transcript entries older than this many days are purged (`KYCDESK_RETENTION_DAYS`, 90).
    pub retention_days: u32,
}

impl Config {
    /// Reads the environment. Flows and texts come from `KYCDESK_FLOWS_DIR` and
    /// `KYCDESK_LOCALES_DIR`; without them, from `./flows` and `./locales` when both exist (the
    /// operator edits them in place), else from the copy built into the binary.
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
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
        Ok(Self {
            content,
            case_id_pattern: Regex::new(&pattern)?,
            data_dir: var("KYCDESK_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from),
            listen: var("KYCDESK_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into()),
            retention_days,
        })
    }
}
