//! `kycdesk.toml` through the binary: unknown keys and bad values are named, variables override
//! the file, unknown variables are warned about, and `kycdesk config` hides secrets.

use std::path::Path;
use std::process::{Command, Output};

/// `kycdesk ARGS` with only the given `KYCDESK_*` variables (none inherited from the test run).
fn kycdesk(args: &[&str], vars: &[(&str, &str)], dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kycdesk"));
    command.args(args).current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("KYCDESK_") {
            command.env_remove(name);
        }
    }
    command.envs(vars.iter().copied());
    command.output().expect("run kycdesk")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The settings `kycdesk config` prints, read back.
fn printed(output: &Output) -> toml::Table {
    assert!(output.status.success(), "{}", stderr(output));
    let text = String::from_utf8_lossy(&output.stdout);
    toml::from_str(&text).unwrap_or_else(|e| panic!("not TOML ({e}): {text}"))
}

fn settings_file(dir: &Path, text: &str) -> String {
    let path = dir.join("kycdesk.toml");
    std::fs::write(&path, text).expect("write the settings file");
    path.display().to_string()
}

#[test]
fn without_file_or_variables_the_defaults_are_in_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = printed(&kycdesk(&["config"], &[], dir.path()));
    assert_eq!(
        settings["server"]["listen"].as_str(),
        Some("127.0.0.1:8080")
    );
    assert_eq!(settings["store"]["retention_days"].as_integer(), Some(90));
    assert_eq!(
        settings["handoff"]["hours"]["time_zone"].as_str(),
        Some("Asia/Shanghai")
    );
    assert_eq!(settings["console"]["secure_cookies"].as_str(), Some("auto"));
}

#[test]
fn an_unknown_key_stops_the_start_naming_the_key_and_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = settings_file(
        dir.path(),
        "[widget]\nallowed_origin = [\"https://a.example\"]\n",
    );
    let output = kycdesk(&["--config", &file, "config"], &[], dir.path());
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(text.contains("widget.allowed_origin"), "{text}");
    assert!(text.contains(&file), "{text}");
    assert!(output.stdout.is_empty(), "nothing printed as settings");
}

#[test]
fn a_bad_value_is_refused_naming_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = settings_file(dir.path(), "[server]\nmax_connections = \"many\"\n");
    let output = kycdesk(&["config", "--config", &file], &[], dir.path());
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains("server.max_connections") && text.contains(&file),
        "{text}"
    );

    let file = settings_file(dir.path(), "[handoff.hours]\nopen = \"9am\"\n");
    let output = kycdesk(&["config", "--config", &file], &[], dir.path());
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains("handoff.hours.open") && text.contains("9am"),
        "{text}"
    );

    let output = kycdesk(
        &["config"],
        &[("KYCDESK_RETENTION_DAYS", "soon")],
        dir.path(),
    );
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(text.contains("KYCDESK_RETENTION_DAYS"), "{text}");
}

#[test]
fn a_missing_settings_file_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = kycdesk(
        &["config"],
        &[("KYCDESK_CONFIG", "absent.toml")],
        dir.path(),
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("absent.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn variables_override_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = settings_file(
        dir.path(),
        "[store]\nretention_days = 7\n[limits]\nip = \"5/50\"\n[handoff.hours]\ndays = [\"mon\"]\n",
    );
    // From the file (named by KYCDESK_CONFIG this time).
    let settings = printed(&kycdesk(
        &["config"],
        &[("KYCDESK_CONFIG", &file)],
        dir.path(),
    ));
    assert_eq!(settings["store"]["retention_days"].as_integer(), Some(7));
    assert_eq!(settings["limits"]["ip"].as_str(), Some("5/50"));
    // A variable wins over the file; keys it does not name stay as the file says.
    let settings = printed(&kycdesk(
        &["--config", &file, "config"],
        &[
            ("KYCDESK_RETENTION_DAYS", "9"),
            ("KYCDESK_HANDOFF_HOURS_DAYS", "sat,sun"),
        ],
        dir.path(),
    ));
    assert_eq!(settings["store"]["retention_days"].as_integer(), Some(9));
    assert_eq!(settings["limits"]["ip"].as_str(), Some("5/50"));
    let days: Vec<&str> = settings["handoff"]["hours"]["days"]
        .as_array()
        .expect("days")
        .iter()
        .filter_map(toml::Value::as_str)
        .collect();
    assert_eq!(days, ["sat", "sun"]);
}

#[test]
fn an_unknown_variable_is_warned_about_not_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = kycdesk(&["config"], &[("KYCDESK_RETENTION_DAY", "9")], dir.path());
    let settings = printed(&output);
    assert_eq!(settings["store"]["retention_days"].as_integer(), Some(90));
    let text = stderr(&output);
    assert!(text.contains("KYCDESK_RETENTION_DAY "), "{text}");
    assert!(!stderr(&kycdesk(&["config"], &[], dir.path())).contains("warning"));
}

#[test]
fn config_prints_secrets_only_as_set_or_unset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = settings_file(
        dir.path(),
        "[case_api]\nurl = \"https://cases.example.com\"\ntoken = \"file-token-value-1234\"\n",
    );
    let output = kycdesk(
        &["--config", &file, "config"],
        &[("KYCDESK_WIDGET_SECRET", "variable-secret-value-5678")],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!text.contains("file-token-value-1234"), "{text}");
    assert!(!text.contains("variable-secret-value-5678"), "{text}");
    let settings = printed(&output);
    assert_eq!(settings["case_api"]["token"].as_str(), Some("<set>"));
    assert_eq!(settings["widget"]["secret"].as_str(), Some("<set>"));
    assert_eq!(
        settings["case_api"]["webhook_secret"].as_str(),
        Some("<unset>")
    );
    assert_eq!(
        settings["case_api"]["url"].as_str(),
        Some("https://cases.example.com"),
        "not a secret: shown"
    );
}

#[test]
fn the_example_file_starts_as_the_defaults() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = env!("CARGO_MANIFEST_DIR").to_string() + "/kycdesk.example.toml";
    let with_example = kycdesk(&["--config", &example, "config"], &[], dir.path());
    let without = kycdesk(&["config"], &[], dir.path());
    assert_eq!(printed(&with_example), printed(&without));
}
