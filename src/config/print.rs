//! `kycdesk config`: the settings in force, as TOML, with every secret shown only as set or not.

use super::settings::Settings;

/// The settings as a TOML document that could be saved as `kycdesk.toml` (secrets aside), in
/// the order of the example file.
pub fn effective_toml(settings: &Settings) -> String {
    let mut shown = settings.clone();
    for secret in [
        &mut shown.widget.secret,
        &mut shown.case_api.token,
        &mut shown.case_api.webhook_secret,
        &mut shown.sandbox.token,
        &mut shown.handoff.notify_secret,
    ] {
        let placeholder = if secret.is_some() { "<set>" } else { "<unset>" };
        *secret = Some(placeholder.to_string());
    }
    // Every field is a plain string, number, bool or list: serialising cannot fail.
    match toml::to_string(&shown) {
        Ok(text) if text.ends_with('\n') => text,
        Ok(text) => text + "\n",
        Err(e) => format!("# the settings cannot be printed: {e}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Value;

    /// Keys whose values are secrets.
    const SECRETS: &[&[&str]] = &[
        &["widget", "secret"],
        &["case_api", "token"],
        &["case_api", "webhook_secret"],
        &["sandbox", "token"],
        &["handoff", "notify_secret"],
    ];

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
