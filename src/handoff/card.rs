//! The handoff card: what the agent sees at a glance, built from the conversation when the
//! ticket opens, so the user never has to repeat themselves.

use crate::engine::{ConversationState, HANDOFF_REASON_SLOT};
use crate::store::{HandoffCard, HandoffReason, Priority};

/// Slots that are the bot's own bookkeeping, not answers of the user.
const INTERNAL_SLOTS: &[&str] = &[
    HANDOFF_REASON_SLOT,
    "entry",
    "photo_failures",
    "photo_findings",
    "photo_may_proceed",
    "case_sensitive",
    "case_status",
    "reason_code",
    "reason_cause",
    "other_reasons",
    "lookup_error",
    "case_id",
    "rating",
    "rating_comment",
    "left_message",
    "queue_position",
    "queue_wait",
    "next_open",
    "agent_name",
];

/// Flows where reaching a person is an appeal against a decision.
const APPEAL_FLOWS: &[&str] = &["prior_violation", "duplicate_account", "underage"];

/// Why the conversation is being handed over, from what the engine noted.
pub fn reason(state: &ConversationState) -> HandoffReason {
    match state.slots.get(HANDOFF_REASON_SLOT).map(String::as_str) {
        Some("asked") if !came_from_appeal(state) => HandoffReason::Asked,
        Some("not_helped") => HandoffReason::NotHelped,
        Some("not_understood") => HandoffReason::NotUnderstood,
        Some("upset") => HandoffReason::Upset,
        _ if state.slots.contains_key("case_sensitive") => HandoffReason::Sensitive,
        _ if came_from_appeal(state) => HandoffReason::Appeal,
        Some("asked") => HandoffReason::Asked,
        _ => HandoffReason::Flow,
    }
}

fn came_from_appeal(state: &ConversationState) -> bool {
    state
        .causes
        .last()
        .is_some_and(|c| APPEAL_FLOWS.contains(&c.as_str()))
}

/// Appeals and sensitive cases first; everyone else by waiting time.
pub fn priority(reason: HandoffReason, card: &HandoffCard) -> Priority {
    if card.sensitive || matches!(reason, HandoffReason::Appeal | HandoffReason::Sensitive) {
        Priority::High
    } else {
        Priority::Normal
    }
}

/// The card for a conversation handed over now. `pseudonym` names the linked user by keyed hash.
pub fn build(
    state: &ConversationState,
    user_ref: Option<&str>,
    pseudonym: impl Fn(&str) -> String,
) -> HandoffCard {
    let slot = |name: &str| state.slots.get(name).filter(|v| !v.is_empty()).cloned();
    let list = |name: &str| {
        slot(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let mut reason_codes = list("reason_code");
    reason_codes.extend(list("other_reasons"));
    HandoffCard {
        causes: state.causes.clone(),
        remedies_tried: state.remedies_tried.clone(),
        answers: state
            .slots
            .iter()
            .filter(|(k, v)| !INTERNAL_SLOTS.contains(&k.as_str()) && !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        case_id: slot("case_id").map(|id| mask_case_id(&id)),
        case_status: slot("case_status"),
        reason_codes,
        photo_findings: list("photo_findings"),
        sensitive: state.slots.contains_key("case_sensitive"),
        user_linked: user_ref.is_some(),
        user_pseudonym: user_ref.map(pseudonym),
        left_message: slot("left_message"),
    }
}

/// A case id with all but its prefix and last four characters hidden (`KYC-****1234`).
pub fn mask_case_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let prefix_len = id.find('-').map_or(0, |i| id[..=i].chars().count()).min(4);
    let tail: String = chars[chars.len() - 4..].iter().collect();
    let prefix: String = chars[..prefix_len].iter().collect();
    format!("{prefix}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn state() -> ConversationState {
        let mut s = ConversationState::new(Lang::En);
        s.causes = vec!["photo_quality".into()];
        s.remedies_tried = vec!["retake_photo".into()];
        s.slots.insert("case_id".into(), "KYC-DEMO-PHOTO".into());
        s.slots.insert("case_status".into(), "rejected".into());
        s.slots.insert("reason_code".into(), "PHOTO_GLARE".into());
        s.slots.insert("photo_findings".into(), "glare,blur".into());
        s.slots
            .insert("id_number".into(), "1101**********123X".into());
        s
    }

    #[test]
    fn the_card_tells_the_whole_story_with_numbers_masked() {
        let card = build(&state(), Some("u_42"), |u| format!("h({u})"));
        assert_eq!(card.causes, ["photo_quality"]);
        assert_eq!(card.remedies_tried, ["retake_photo"]);
        assert_eq!(card.case_id.as_deref(), Some("KYC-****HOTO"));
        assert_eq!(card.reason_codes, ["PHOTO_GLARE"]);
        assert_eq!(card.photo_findings, ["glare", "blur"]);
        assert_eq!(
            card.answers,
            [("id_number".to_string(), "1101**********123X".to_string())]
        );
        assert_eq!(card.user_pseudonym.as_deref(), Some("h(u_42)"));
        assert!(!card.sensitive);
    }

    #[test]
    fn reasons_and_priorities() {
        let mut s = state();
        assert_eq!(reason(&s), HandoffReason::Flow);
        s.slots.insert(HANDOFF_REASON_SLOT.into(), "upset".into());
        assert_eq!(reason(&s), HandoffReason::Upset);
        s.slots.remove(HANDOFF_REASON_SLOT);
        s.slots.insert("case_sensitive".into(), "yes".into());
        assert_eq!(reason(&s), HandoffReason::Sensitive);
        let card = build(&s, None, |u| u.to_string());
        assert!(card.sensitive && !card.user_linked);
        assert_eq!(priority(HandoffReason::Asked, &card), Priority::High);
        let mut appeal = state();
        appeal.causes.push("prior_violation".into());
        appeal
            .slots
            .insert(HANDOFF_REASON_SLOT.into(), "asked".into());
        assert_eq!(reason(&appeal), HandoffReason::Appeal);
        let plain = build(&state(), None, |u| u.to_string());
        assert_eq!(priority(HandoffReason::Asked, &plain), Priority::Normal);
        assert_eq!(priority(HandoffReason::Appeal, &plain), Priority::High);
    }

    #[test]
    fn case_ids_are_masked_whatever_their_shape() {
        assert_eq!(mask_case_id("KYC-20240611-0042"), "KYC-****0042");
        assert_eq!(mask_case_id("ABCDEFGH"), "****EFGH");
        assert_eq!(mask_case_id("AB12"), "****");
    }
}
