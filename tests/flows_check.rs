//! `flows check` catches every kind of mistake an operator can make in a flow file, naming the
//! file and node; and the shipped flow set is clean.

mod common;

use kycdesk::flows::source::{Content, SourceFile};
use kycdesk::i18n::Locales;

fn content() -> Content {
    common::source().read()
}

/// Loads the real flow set with one file replaced (or added), and returns the problems.
fn problems_with(name: &str, text: &str) -> Vec<String> {
    let content = content();
    let (locales, _) = Locales::load(&content.locales);
    let mut files: Vec<SourceFile> = content
        .flows
        .into_iter()
        .filter(|f| !f.name.ends_with(&format!("/{name}")))
        .collect();
    files.push(SourceFile {
        name: format!("flows/{name}"),
        text: text.to_string(),
    });
    match kycdesk::flows::load(&files, &locales) {
        Ok(_) => Vec::new(),
        Err(p) => p.0.iter().map(ToString::to_string).collect(),
    }
}

fn survey_text() -> String {
    std::fs::read_to_string(common::repo_path("flows/survey.yaml")).expect("survey flow")
}

fn assert_reports(problems: &[String], needle: &str) {
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "expected a problem containing {needle:?}, got:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_shipped_flow_set_is_clean() {
    // `loaded()` panics with every problem listed if the set is invalid.
    let flows = common::loaded().engine.flows();
    assert!(flows.flows.len() >= 20, "{} flows", flows.flows.len());
}

#[test]
fn unknown_key_is_reported_with_its_line() {
    let text = survey_text().replace("    say: [survey-thanks]", "    sya: [survey-thanks]");
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "flows/survey.yaml");
    assert_reports(&problems, "sya");
    assert_reports(&problems, "line");
}

#[test]
fn duplicate_keys_are_errors() {
    let text = survey_text().replace(
        "  thanks:\n",
        "  bye:\n    say: [survey-bye]\n    end: true\n  thanks:\n",
    );
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "duplicate");
}

#[test]
fn unknown_target_names_file_and_node() {
    let text = survey_text().replace("goto: low,", "goto: lowww,");
    let problems = problems_with("survey.yaml", &text);
    assert_reports(
        &problems,
        "flows/survey.yaml: node `start`: unknown node `lowww`",
    );
}

#[test]
fn unknown_flow_in_target() {
    let text = survey_text().replace("goto: handoff.start", "goto: handof.start");
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "unknown flow `handof`");
}

#[test]
fn unknown_action_and_uncovered_outcomes() {
    let text = survey_text().replace(
        "  bye:\n",
        "  act:\n    action: teleport\n    on: { default: bye }\n  act2:\n    action: escalate\n    on: { queued: bye }\n  bye:\n",
    );
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "unknown action `teleport`");
    assert_reports(&problems, "of action `escalate` lead nowhere");
}

#[test]
fn missing_text_in_a_language() {
    let text = survey_text().replace("survey-thanks]", "survey-thanks-typo]");
    let problems = problems_with("survey.yaml", &text);
    assert_reports(
        &problems,
        "text `survey-thanks-typo` is missing in locales/zh-CN",
    );
    assert_reports(
        &problems,
        "text `survey-thanks-typo` is missing in locales/en",
    );
}

#[test]
fn unreachable_node_and_node_with_no_way_forward() {
    let text = format!(
        "{}  orphan:\n    say: [survey-bye]\n    end: true\n  loop_a:\n    goto: loop_b\n  loop_b:\n    goto: loop_a\n",
        survey_text()
    );
    let text = text.replace("goto: bye }", "goto: loop_a }");
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "node `orphan`: unreachable");
    assert_reports(&problems, "node `loop_a`: no way forward");
}

#[test]
fn duplicate_flow_id() {
    let problems = problems_with("survey_copy.yaml", &survey_text());
    assert_reports(&problems, "must match the file name");
    assert_reports(&problems, "duplicate flow id `survey`");
}

#[test]
fn malformed_file() {
    let problems = problems_with("survey.yaml", "flow: survey\nnodes: [unclosed");
    assert_reports(&problems, "flows/survey.yaml: malformed flow file");
}

#[test]
fn node_of_two_kinds_and_misplaced_fields() {
    let text = survey_text().replace(
        "  bye:\n    say: [survey-bye]\n    end: true\n",
        "  bye:\n    say: [survey-bye]\n    goto: thanks\n    slot: x\n",
    );
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "node `bye`: a node is one kind only");
}

#[test]
fn bad_button_ids_and_conditions() {
    let text = survey_text()
        .replace("id: r5,", "id: R-5,")
        .replace("id: r4,", "id: r3,")
        .replace(
            "  bye:\n",
            "  pick:\n    branch:\n      - { when: \"rating ~ 5\", goto: thanks }\n      - { goto: bye }\n  bye:\n",
        );
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "button id `R-5`");
    assert_reports(&problems, "duplicate button id `r3`");
    assert_reports(&problems, "condition `rating ~ 5`");
}

#[test]
fn the_command_exits_non_zero_on_a_broken_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flows = dir.path().join("flows");
    std::fs::create_dir_all(flows.join("nlu")).expect("mkdir");
    for entry in std::fs::read_dir(common::repo_path("flows"))
        .expect("flows")
        .flatten()
    {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), flows.join(entry.file_name())).expect("copy");
        }
    }
    for entry in std::fs::read_dir(common::repo_path("flows/nlu"))
        .expect("nlu")
        .flatten()
    {
        std::fs::copy(entry.path(), flows.join("nlu").join(entry.file_name())).expect("copy");
    }
    std::fs::write(
        flows.join("survey.yaml"),
        survey_text().replace("goto: low,", "goto: nowhere,"),
    )
    .expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kycdesk"))
        .args(["flows", "check"])
        .env("KYCDESK_FLOWS_DIR", &flows)
        .env("KYCDESK_LOCALES_DIR", common::repo_path("locales"))
        .output()
        .expect("run kycdesk");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("survey.yaml: node `start`: unknown node `nowhere`"),
        "{stderr}"
    );
}

#[test]
fn an_entry_outcome_needs_its_fallback_written() {
    let text = survey_text().replace(
        "  bye:\n",
        "  look:\n    action: case_lookup\n    on: { fixable: \"@entry\", default: bye }\n  bye:\n",
    );
    let problems = problems_with("survey.yaml", &text);
    assert_reports(&problems, "write `@entry or <target>`");
}
