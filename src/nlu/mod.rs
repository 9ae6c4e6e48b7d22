//! Message understanding: normalise the text, apply precise rules, classify the rest, and find
//! entities (case ids, ID and phone numbers, dates). Knows nothing of the engine.

pub mod classifier;
pub mod features;
pub mod intents;
pub mod normalize;
pub mod training;
pub mod upset;

use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;

use crate::entities::{Entity, EntityKind, find_entities};
use crate::flows::source::SourceFile;
use classifier::{Classifier, Example, TrainingSettings};
pub use training::{NluProblem, TrainingData, load_training};

/// What the bot understood of one message.
#[derive(Debug, Clone, Serialize)]
pub struct Understanding {
    pub intent: String,
    pub confidence: f32,
    /// The best few intents with their confidence, best first (for clarifying questions).
    #[serde(skip)]
    pub ranked: Vec<(String, f32)>,
    pub entities: Vec<Entity>,
    /// Whether a precise rule (rather than the model) decided the intent.
    #[serde(skip)]
    pub by_rule: bool,
}

/// A precise rule from `flows/nlu/rules.yaml`.
#[derive(Debug, Clone)]
pub struct Rule {
    pub intent: String,
    pub pattern: Regex,
    pub confidence: f32,
}

/// The trained understanding: rules, model and entity patterns.
#[derive(Debug, Clone)]
pub struct Nlu {
    rules: Vec<Rule>,
    model: Classifier,
    case_id: Regex,
    /// Below this confidence the bot asks instead of guessing.
    pub threshold: f32,
}

impl Nlu {
    /// Trains from the understanding files of the content. `case_id` is the case-id pattern.
    pub fn build(files: &[SourceFile], case_id: Regex) -> Result<Self, Vec<NluProblem>> {
        let data = load_training(files)?;
        Ok(Self::from_data(data, case_id, &TrainingSettings::default()))
    }

    pub fn from_data(data: TrainingData, case_id: Regex, settings: &TrainingSettings) -> Self {
        let labels: Vec<String> = intents::all().map(str::to_string).collect();
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or_default();
        let examples: Vec<Example> = data
            .examples
            .iter()
            .filter_map(|(intent, text)| {
                let label = labels.iter().position(|l| l == intent)?;
                Some(Example {
                    features: features_of(text, today, &case_id).0,
                    label,
                })
            })
            .collect();
        let model = Classifier::train(labels, &examples, settings);
        Self {
            rules: data.rules,
            model,
            case_id,
            threshold: 0.45,
        }
    }

    pub fn case_id_pattern(&self) -> &Regex {
        &self.case_id
    }

    /// Understands one message. `today` dates entities such as "6月11日" (no clock is read here).
    pub fn understand(&self, text: &str, today: NaiveDate) -> Understanding {
        let (text, _) = normalize::truncate_chars(text, normalize::MAX_CHARS);
        let (features, entities, normalized) = features_of(text, today, &self.case_id);
        let probs = self.model.predict(&features);
        let mut ranked: Vec<(String, f32)> =
            self.model.labels().iter().cloned().zip(probs).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(4);
        if let Some(rule) = self.rules.iter().find(|r| r.pattern.is_match(&normalized)) {
            return Understanding {
                intent: rule.intent.clone(),
                confidence: rule.confidence,
                ranked,
                entities,
                by_rule: true,
            };
        }
        let (intent, confidence) = ranked
            .first()
            .cloned()
            .unwrap_or_else(|| (intents::OUT_OF_SCOPE.to_string(), 0.0));
        Understanding {
            intent,
            confidence,
            ranked,
            entities,
            by_rule: false,
        }
    }
}

/// Features of a message: entities are found on the original text and cut out before the words
/// are read, because a number is not evidence of an intent (its kind is, a little).
fn features_of(text: &str, today: NaiveDate, case_id: &Regex) -> (Vec<u64>, Vec<Entity>, String) {
    let entities = find_entities(text, today, case_id);
    let mut stripped = String::with_capacity(text.len());
    let mut last = 0;
    let mut features = Vec::with_capacity(64);
    for e in &entities {
        if e.start >= last && e.end <= text.len() {
            stripped.push_str(text.get(last..e.start).unwrap_or_default());
            stripped.push(' ');
            last = e.end;
        }
        features.push(features::entity_feature(entity_name(&e.kind)));
    }
    stripped.push_str(text.get(last..).unwrap_or_default());
    let normalized = normalize::normalize(&stripped);
    features::extract(&normalized, &mut features);
    (features, entities, normalized)
}

fn entity_name(kind: &EntityKind) -> &'static str {
    match kind {
        EntityKind::ResidentId { .. } => "resident_id",
        EntityKind::Mobile => "mobile",
        EntityKind::CaseId => "case_id",
        EntityKind::Date => "date",
        EntityKind::BankCard => "bank_card",
        EntityKind::Email => "email",
        EntityKind::SmsCode => "sms_code",
    }
}
