//! The validators of `ask` nodes: read the answer, and either accept it (with the value to keep,
//! masked when personal) or refuse it with the precise reason.

use chrono::NaiveDate;
use regex::Regex;

use crate::entities::{EntityKind, MobileNumber, ResidentId, find_entities, redact};
use crate::flows::Validator;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The value to store in the slot (never a clear personal number).
    Accept(String),
    /// Locale key `validate-<validator>-<reason>`, with Fluent arguments.
    Refuse {
        reason: &'static str,
        args: Vec<(String, String)>,
    },
}

fn refuse(reason: &'static str, args: Vec<(&'static str, String)>) -> Verdict {
    Verdict::Refuse {
        reason,
        args: args.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

/// The part of `text` that most looks like what was asked for: a span the entity finder
/// recognised, or else the whole text.
fn candidate<'t>(text: &'t str, spans: &[(usize, usize)]) -> &'t str {
    spans
        .first()
        .and_then(|(s, e)| text.get(*s..*e))
        .unwrap_or(text)
}

pub fn validate(validator: Validator, text: &str, today: NaiveDate, case_id: &Regex) -> Verdict {
    let text = text.trim();
    match validator {
        Validator::Any => {
            if text.is_empty() {
                refuse("empty", vec![])
            } else {
                Verdict::Accept(redact(text, today))
            }
        }
        Validator::ResidentId => {
            if text.is_empty() {
                return refuse("empty", vec![]);
            }
            let entities = find_entities(text, today, case_id);
            let spans: Vec<(usize, usize)> = entities
                .iter()
                .filter(|e| matches!(e.kind, EntityKind::ResidentId { .. }))
                .map(|e| (e.start, e.end))
                .collect();
            match ResidentId::parse(candidate(text, &spans), today) {
                Ok(id) => Verdict::Accept(id.masked()),
                Err(e) => Verdict::Refuse {
                    reason: e.code(),
                    args: e
                        .args()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                },
            }
        }
        Validator::Mobile => {
            if text.is_empty() {
                return refuse("empty", vec![]);
            }
            let entities = find_entities(text, today, case_id);
            let spans: Vec<(usize, usize)> = entities
                .iter()
                .filter(|e| matches!(e.kind, EntityKind::Mobile))
                .map(|e| (e.start, e.end))
                .collect();
            match MobileNumber::parse(candidate(text, &spans)) {
                Ok(m) => Verdict::Accept(m.masked()),
                Err(e) => Verdict::Refuse {
                    reason: e.code(),
                    args: e
                        .args()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                },
            }
        }
        Validator::CaseId => match case_id.find(text) {
            Some(m) => Verdict::Accept(m.as_str().to_uppercase()),
            None => refuse("missing", vec![]),
        },
        Validator::Date => find_entities(text, today, case_id)
            .into_iter()
            .find(|e| matches!(e.kind, EntityKind::Date))
            .map_or_else(|| refuse("invalid", vec![]), |e| Verdict::Accept(e.value)),
    }
}
