//! Scores the classifier on the held-out evaluation set (`tests/nlu_eval/`), which is never used
//! for training, and prints a per-intent report. `cargo test --test nlu_eval -- --nocapture`
//! shows it.

mod common;

use std::collections::{BTreeMap, HashSet};

use kycdesk::flows::source::SourceFile;
use kycdesk::nlu::TrainingData;
use kycdesk::nlu::normalize::normalize;

/// The accuracy the project promises on messages the classifier was not trained on.
const TARGET: f64 = 0.90;

fn eval_set(lang: &str) -> Vec<(String, String)> {
    let path = common::repo_path(&format!("tests/nlu_eval/{lang}.yaml"));
    let text = std::fs::read_to_string(&path).expect("evaluation file");
    let file = SourceFile {
        name: path.display().to_string(),
        text,
    };
    kycdesk::nlu::training::parse_examples(&file).expect("well-formed evaluation file")
}

fn key(text: &str) -> String {
    normalize(text).replace(' ', "")
}

/// Training messages in normal form (width, script, case and spaces folded).
fn training_texts() -> HashSet<String> {
    let content = common::source().read();
    let data: TrainingData = kycdesk::nlu::load_training(&content.nlu).expect("training data");
    data.examples.into_iter().map(|(_, t)| key(&t)).collect()
}

/// The evaluation messages the classifier has not seen. Very short messages ("好的", "yes")
/// are bound to appear in both sets; those are left out of the score.
fn unseen(lang: &str) -> (Vec<(String, String)>, usize) {
    let training = training_texts();
    let all = eval_set(lang);
    let total = all.len();
    let kept: Vec<_> = all
        .into_iter()
        .filter(|(_, t)| !training.contains(&key(t)))
        .collect();
    let dropped = total - kept.len();
    (kept, dropped)
}

#[test]
fn enough_unseen_messages_per_intent() {
    for lang in ["zh-CN", "en"] {
        let (kept, _) = unseen(lang);
        let mut per_intent: BTreeMap<String, usize> = BTreeMap::new();
        for (intent, _) in kept {
            *per_intent.entry(intent).or_default() += 1;
        }
        for intent in kycdesk::nlu::intents::all() {
            let n = per_intent.get(intent).copied().unwrap_or(0);
            assert!(
                n >= 20,
                "{lang}: only {n} unseen evaluation messages for {intent}"
            );
        }
    }
}

#[test]
fn accuracy_on_unseen_messages_meets_the_target() {
    let nlu = common::loaded().engine.nlu();
    let mut report = String::new();
    let mut failures = Vec::new();
    for lang in ["zh-CN", "en"] {
        let (set, dropped) = unseen(lang);
        let mut per_intent: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut mistakes = Vec::new();
        for (expected, text) in &set {
            let u = nlu.understand(text, common::today());
            let entry = per_intent.entry(expected.clone()).or_default();
            entry.1 += 1;
            if &u.intent == expected {
                entry.0 += 1;
            } else {
                mistakes.push(format!(
                    "  {expected:<20} → {:<20} {:.2}  {text}",
                    u.intent, u.confidence
                ));
            }
        }
        let correct: usize = per_intent.values().map(|(c, _)| c).sum();
        let accuracy = correct as f64 / set.len() as f64;
        report.push_str(&format!(
            "\n{lang}: {correct}/{} = {:.1}% ({dropped} messages also in training left out)\n",
            set.len(),
            accuracy * 100.0
        ));
        for (intent, (c, n)) in &per_intent {
            report.push_str(&format!(
                "  {intent:<20} {c:>3}/{n:<3} {:>5.1}%\n",
                *c as f64 * 100.0 / *n as f64
            ));
        }
        report.push_str(&format!("{lang} mistakes:\n{}\n", mistakes.join("\n")));
        if accuracy < TARGET {
            failures.push(format!(
                "{lang}: {:.1}% is below {:.0}%",
                accuracy * 100.0,
                TARGET * 100.0
            ));
        }
    }
    println!("{report}");
    assert!(failures.is_empty(), "{}\n{report}", failures.join("; "));
}
