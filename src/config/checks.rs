//! Checking the values read: each error names the key and, where there is one, its variable.

use crate::cases::CaseClientConfig;
use crate::channel::limits::Rate;

use super::settings::Settings;
use super::{ConfigError, env};

/// `store.data_dir (KYCDESK_DATA_DIR)`: how errors name a setting, so the operator finds it
/// whether it came from the file or a variable.
pub(super) fn name(key: &str) -> String {
    match env::variable_for(key) {
        Some(var) => format!("{key} ({var})"),
        None => key.to_string(),
    }
}

/// Keys whose values are never shown, not even in an error.
const SECRET_KEYS: &[&str] = &[
    "widget.secret",
    "case_api.token",
    "case_api.webhook_secret",
    "sandbox.token",
    "handoff.notify_secret",
];

/// Turns figment's errors into one message per problem naming the key and where it came from:
/// the file, or the variable.
pub(super) fn describe(error: figment::Error) -> ConfigError {
    let lines: Vec<String> = error
        .into_iter()
        .map(|e| {
            // For an unknown key the path already ends with it.
            let key = e.path.join(".");
            let problem = match &e.kind {
                figment::error::Kind::UnknownField(..) => "unknown key".to_string(),
                // serde's message would quote the value: not for a secret.
                _ if SECRET_KEYS.contains(&key.as_str()) => "must be a string".to_string(),
                other => other.to_string(),
            };
            let file = e.metadata.as_ref().and_then(|m| match &m.source {
                Some(figment::Source::File(path)) => Some(path.display().to_string()),
                _ => None,
            });
            match (file, env::variable_for(&key)) {
                (Some(file), _) => format!("{file}: `{key}`: {problem}"),
                (None, Some(var)) => format!("{var} (`{key}`): {problem}"),
                (None, None) => format!("`{key}`: {problem}"),
            }
        })
        .collect();
    ConfigError::Extract(lines.join("; "))
}

pub(super) fn rate(key: &str, text: &str) -> Result<Rate, ConfigError> {
    let parsed = text.split_once('/').and_then(|(r, b)| {
        let r: f64 = r.trim().parse().ok()?;
        let b: u32 = b.trim().parse().ok()?;
        (r > 0.0 && r.is_finite() && b >= 1).then_some((r, b))
    });
    parsed
        .map(|(r, b)| Rate::new(r, b))
        .ok_or_else(|| ConfigError::Rate(name(key), text.to_string()))
}

pub(super) fn number(key: &str, value: u64, range: (u64, u64)) -> Result<u64, ConfigError> {
    if (range.0..=range.1).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::Number(name(key), range.0, range.1, value))
    }
}

pub(super) fn http_url(key: &str, text: &str) -> Result<String, ConfigError> {
    let text = text.trim();
    let shaped = (text.starts_with("https://") || text.starts_with("http://"))
        && !text.contains(char::is_whitespace);
    if shaped {
        Ok(text.to_string())
    } else {
        Err(ConfigError::Url(name(key), text.to_string()))
    }
}

pub(super) fn public_origin(origins: &[String]) -> Result<String, ConfigError> {
    for origin in origins {
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
            return Err(ConfigError::PublicOrigin(
                name("server.public_origin"),
                origin.clone(),
            ));
        }
    }
    Ok(origins.join(","))
}

/// The case-status API through the client's own reader, fed from the settings under the
/// variable names it knows.
pub(super) fn case_api(s: &Settings) -> Result<Option<CaseClientConfig>, ConfigError> {
    let api = &s.case_api;
    let lookup = |var: &str| match var {
        "KYCDESK_CASE_API_URL" => api.url.clone(),
        "KYCDESK_CASE_API_TOKEN" => api.token.clone(),
        "KYCDESK_CASE_API_CONNECT_TIMEOUT_MS" => Some(api.connect_timeout_ms.to_string()),
        "KYCDESK_CASE_API_TIMEOUT_MS" => Some(api.timeout_ms.to_string()),
        _ => None,
    };
    Ok(CaseClientConfig::from_vars(lookup)?)
}
