//! `kycdesk config`: the settings in force, as TOML, with every secret shown only as set or not.

use toml::Value;

use super::settings::Settings;

/// Keys whose values are secrets.
const SECRETS: &[&[&str]] = &[
    &["widget", "secret"],
    &["case_api", "token"],
    &["case_api", "webhook_secret"],
    &["sandbox", "token"],
    &["handoff", "notify_secret"],
];

/// The settings as a TOML document that could be saved as `kycdesk.toml` (secrets aside).
pub fn effective_toml(settings: &Settings) -> String {
    let mut value = match Value::try_from(settings) {
        Ok(value) => value,
        // Every field is a plain string, number, bool or list: serialising cannot fail.
        Err(e) => return format!("# the settings cannot be printed: {e}\n"),
    };
    for path in SECRETS {
        let set = lookup(settings, path);
        if let Some(table) = table_at(&mut value, &path[..path.len() - 1]) {
            let shown = if set { "<set>" } else { "<unset>" };
            table.insert(path[path.len() - 1].to_string(), Value::from(shown));
        }
    }
    toml::to_string_pretty(&value).unwrap_or_else(|e| format!("# cannot print: {e}\n"))
}

fn lookup(settings: &Settings, path: &[&str]) -> bool {
    match path {
        ["widget", "secret"] => settings.widget.secret.is_some(),
        ["case_api", "token"] => settings.case_api.token.is_some(),
        ["case_api", "webhook_secret"] => settings.case_api.webhook_secret.is_some(),
        ["sandbox", "token"] => settings.sandbox.token.is_some(),
        ["handoff", "notify_secret"] => settings.handoff.notify_secret.is_some(),
        _ => false,
    }
}

fn table_at<'a>(value: &'a mut Value, path: &[&str]) -> Option<&'a mut toml::Table> {
    let mut node = value;
    for part in path {
        node = node.as_table_mut()?.get_mut(*part)?;
    }
    node.as_table_mut()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_shown_only_as_set_or_unset() {
        let mut settings = Settings::default();
        settings.widget.secret = Some("hunter2-very-secret".into());
        settings.handoff.notify_secret = Some("another-secret-value".into());
        let printed = effective_toml(&settings);
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("another-secret"), "{printed}");
        let parsed: toml::Table = toml::from_str(&printed).expect("printed settings are TOML");
        assert_eq!(parsed["widget"]["secret"].as_str(), Some("<set>"));
        assert_eq!(parsed["case_api"]["token"].as_str(), Some("<unset>"));
        assert_eq!(parsed["handoff"]["notify_secret"].as_str(), Some("<set>"));
    }

    #[test]
    fn printed_defaults_read_back_as_the_same_settings_apart_from_secrets() {
        let printed = effective_toml(&Settings::default());
        let mut table: toml::Table = toml::from_str(&printed).expect("TOML");
        // Secret placeholders are not settings: drop them before reading the file back.
        for path in SECRETS {
            if let Some(Value::Table(t)) = table.get_mut(path[0]) {
                t.remove(path[1]);
            }
        }
        let back: Settings = Value::Table(table).try_into().expect("reads back");
        assert_eq!(back, Settings::default());
    }
}
