//! Scores the classifier on the held-out evaluation set (`tests/nlu_eval/`), which is never used
//! for training, and prints a per-intent report. `cargo test --test nlu_eval -- --nocapture`
//! shows it.

mod common;

use std::collections::BTreeMap;

use kycdesk::flows::source::SourceFile;
use kycdesk::nlu::TrainingData;

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

fn training_texts() -> std::collections::HashSet<String> {
    let content = common::source().read();
    let data: TrainingData = kycdesk::nlu::load_training(&content.nlu).expect("training data");
    data.examples.into_iter().map(|(_, t)| t).collect()
}

#[test]
fn evaluation_set_is_separate_from_training() {
    let training = training_texts();
    for lang in ["zh-CN", "en"] {
        let overlap: Vec<String> = eval_set(lang)
            .into_iter()
            .map(|(_, t)| t)
            .filter(|t| training.contains(t))
            .collect();
        assert!(
            overlap.is_empty(),
            "{lang}: evaluation messages also in training: {overlap:?}"
        );
    }
}

#[test]
fn accuracy_on_unseen_messages_meets_the_target() {
    let nlu = common::loaded().engine.nlu();
    let mut report = String::new();
    let mut failures = Vec::new();
    for lang in ["zh-CN", "en"] {
        let set = eval_set(lang);
        assert!(
            set.len() >= 27 * 20,
            "{lang}: at least 20 messages per intent"
        );
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
            "\n{lang}: {correct}/{} = {:.1}%\n",
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
