//! Plays every conversation script in `tests/scripts/` through the runtime and engine, and
//! checks that every flow is exercised in both languages.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use kycdesk::i18n::Lang;
use kycdesk::runtime::{Content, Inbound, Turn};
use kycdesk::store::ConversationKey;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    conversations: Vec<Conversation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Conversation {
    name: String,
    lang: String,
    #[serde(default)]
    user_ref: Option<String>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    button: Option<String>,
    /// A follow-up arriving (the user's case changed): opens `followup.<this>`.
    #[serde(default)]
    followup: Option<String>,
    #[serde(default)]
    node: Option<String>,
    #[serde(default)]
    says: Vec<String>,
    #[serde(default)]
    not_says: Vec<String>,
    #[serde(default)]
    buttons: Option<Vec<String>>,
    #[serde(default)]
    intent: Option<String>,
    #[serde(default)]
    handoff: Option<bool>,
}

fn turn_text(turn: &Turn) -> String {
    let mut all = String::new();
    for m in &turn.messages {
        all.push_str(&m.text);
        all.push('\n');
        for b in &m.buttons {
            all.push_str(&b.label);
            all.push('\n');
        }
    }
    all
}

fn check_step(step: &Step, turn: &Turn) -> Vec<String> {
    let mut failures = Vec::new();
    let text = turn_text(turn);
    if let Some(node) = &step.node
        && &turn.node != node
    {
        failures.push(format!("expected node {node}, got {}", turn.node));
    }
    for s in &step.says {
        if !text.contains(s.as_str()) {
            failures.push(format!("expected the bot to say {s:?}"));
        }
    }
    for s in &step.not_says {
        if text.contains(s.as_str()) {
            failures.push(format!("the bot must not say {s:?}"));
        }
    }
    if let Some(expected) = &step.buttons {
        let got: Vec<&str> = turn
            .messages
            .last()
            .map(|m| m.buttons.iter().map(|b| b.id.as_str()).collect())
            .unwrap_or_default();
        if got != expected.iter().map(String::as_str).collect::<Vec<_>>() {
            failures.push(format!("expected buttons {expected:?}, got {got:?}"));
        }
    }
    if let Some(intent) = &step.intent
        && turn.intent.as_deref() != Some(intent.as_str())
    {
        failures.push(format!("expected intent {intent}, got {:?}", turn.intent));
    }
    if let Some(handoff) = step.handoff
        && turn.handoff != handoff
    {
        failures.push(format!("expected handoff {handoff}, got {}", turn.handoff));
    }
    if !failures.is_empty() {
        failures.push(format!("the bot said:\n{}", text.trim_end()));
    }
    failures
}

#[tokio::test]
async fn every_script_passes_and_every_flow_is_played_in_both_languages() {
    let (runtime, _dir) = common::runtime();
    // Someone is at the desk, so a conversation that reaches a person really opens a ticket.
    common::agent_online(&runtime, "desk.agent").await;
    let dir = common::repo_path("tests/scripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scripts exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scripts found");
    let mut failures: Vec<String> = Vec::new();
    let mut visited: BTreeMap<Lang, BTreeSet<String>> = BTreeMap::new();
    let mut played = 0;
    let mut played_keys = 0u32;
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("readable script");
        let script: ScriptFile = match serde_saphyr::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}: malformed script: {e}"));
                continue;
            }
        };
        let mut langs = BTreeSet::new();
        for conv in &script.conversations {
            let Some(lang) = Lang::parse(&conv.lang) else {
                failures.push(format!("{name}: {}: unknown lang {}", conv.name, conv.lang));
                continue;
            };
            langs.insert(lang);
            played_keys += 1;
            let key = ConversationKey::new("test", &format!("script-{played_keys}")).expect("key");
            let inbound = |content| {
                let mut inbound = Inbound::new(content, lang);
                inbound.user_ref = conv.user_ref.clone();
                inbound
            };
            let greeting = match runtime
                .handle(&key, inbound(Content::Start), common::now())
                .await
            {
                Ok(turn) => turn,
                Err(e) => {
                    failures.push(format!("{name}: {}: the start failed: {e}", conv.name));
                    continue;
                }
            };
            visited
                .entry(lang)
                .or_default()
                .insert(greeting.node.clone());
            for (i, step) in conv.steps.iter().enumerate() {
                let content = match (&step.user, &step.button, &step.followup) {
                    (Some(text), None, None) => Content::Text(text.clone()),
                    (None, Some(id), None) => Content::Button(id.clone()),
                    (None, None, Some(node)) => Content::FollowUp {
                        node: node.clone(),
                        slots: [("case_id".to_string(), "KYC-DEMO-PENDING".to_string())].into(),
                        case: None,
                    },
                    _ => {
                        failures.push(format!(
                            "{name}: {}: step {}: give exactly one of `user`, `button` or `followup`",
                            conv.name,
                            i + 1
                        ));
                        break;
                    }
                };
                let turn = match runtime.handle(&key, inbound(content), common::now()).await {
                    Ok(turn) => turn,
                    Err(e) => {
                        failures.push(format!("{name}: {}: step {}: {e}", conv.name, i + 1));
                        break;
                    }
                };
                let entry = visited.entry(turn.lang).or_default();
                entry.insert(turn.node.clone());
                let step_failures = check_step(step, &turn);
                if !step_failures.is_empty() {
                    let what = step
                        .user
                        .as_deref()
                        .or(step.button.as_deref())
                        .unwrap_or("");
                    failures.push(format!(
                        "{name}: {} ({}): step {} ({what:?}):\n    {}",
                        conv.name,
                        conv.lang,
                        i + 1,
                        step_failures.join("\n    ")
                    ));
                    break;
                }
            }
            played += 1;
        }
        if langs.len() < Lang::ALL.len() {
            failures.push(format!(
                "{name}: has conversations in {langs:?} only; both languages needed"
            ));
        }
    }
    // Every flow must be reached in both languages.
    let flows = common::loaded().engine.flows();
    for lang in Lang::ALL {
        let seen = visited.get(&lang).cloned().unwrap_or_default();
        for flow in flows.flows.keys() {
            if !seen.iter().any(|n| n.starts_with(&format!("{flow}."))) {
                failures.push(format!("flow {flow} is never played in {lang}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) in {played} conversations:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
