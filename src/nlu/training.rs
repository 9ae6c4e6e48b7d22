//! Reading the understanding data: example utterances per intent (`flows/nlu/<lang>.yaml`) and
//! the precise rules (`flows/nlu/rules.yaml`), strictly, with a clear problem for each mistake.

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use super::{Rule, intents};
use crate::flows::source::SourceFile;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct NluProblem {
    pub source_name: String,
    pub message: String,
}

/// Everything the classifier and rules are built from.
#[derive(Debug, Clone, Default)]
pub struct TrainingData {
    /// `(intent, example)`
    pub examples: Vec<(String, String)>,
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExamplesFile {
    intents: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rules: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    intent: String,
    pattern: String,
    #[serde(default)]
    confidence: Option<f32>,
}

/// Parses a file of examples per intent (the training files and the evaluation set share it).
pub fn parse_examples(file: &SourceFile) -> Result<Vec<(String, String)>, Vec<NluProblem>> {
    let problem = |message: String| NluProblem {
        source_name: file.name.clone(),
        message,
    };
    let parsed: ExamplesFile = serde_saphyr::from_str(&file.text)
        .map_err(|e| vec![problem(format!("malformed examples file: {e}"))])?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (intent, examples) in parsed.intents {
        if !intents::is_known(&intent) {
            problems.push(problem(format!("unknown intent `{intent}`")));
            continue;
        }
        out.extend(examples.into_iter().map(|e| (intent.clone(), e)));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

pub fn load_training(files: &[SourceFile]) -> Result<TrainingData, Vec<NluProblem>> {
    let mut data = TrainingData::default();
    let mut problems = Vec::new();
    for file in files {
        let is_rules = file.name.ends_with("rules.yaml");
        if is_rules {
            match parse_rules(file) {
                Ok(mut rules) => data.rules.append(&mut rules),
                Err(mut p) => problems.append(&mut p),
            }
        } else {
            match parse_examples(file) {
                Ok(mut examples) => data.examples.append(&mut examples),
                Err(mut p) => problems.append(&mut p),
            }
        }
    }
    if data.examples.is_empty() && problems.is_empty() {
        problems.push(NluProblem {
            source_name: "flows/nlu".into(),
            message: "no example utterances found".into(),
        });
    }
    if problems.is_empty() {
        Ok(data)
    } else {
        Err(problems)
    }
}

fn parse_rules(file: &SourceFile) -> Result<Vec<Rule>, Vec<NluProblem>> {
    let problem = |message: String| NluProblem {
        source_name: file.name.clone(),
        message,
    };
    let parsed: RulesFile = serde_saphyr::from_str(&file.text)
        .map_err(|e| vec![problem(format!("malformed rules file: {e}"))])?;
    let mut problems = Vec::new();
    let mut rules = Vec::new();
    for (i, rule) in parsed.rules.into_iter().enumerate() {
        if !intents::is_known(&rule.intent) {
            problems.push(problem(format!(
                "rule {}: unknown intent `{}`",
                i + 1,
                rule.intent
            )));
            continue;
        }
        let pattern: Result<Regex, _> =
            RegexBuilder::new(&rule.pattern).size_limit(1 << 20).build();
        match pattern {
            Ok(pattern) => rules.push(Rule {
                intent: rule.intent,
                pattern,
                confidence: rule.confidence.unwrap_or(0.97).clamp(0.0, 1.0),
            }),
            Err(e) => problems.push(problem(format!("rule {}: bad pattern: {e}", i + 1))),
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}
