//! The intent ids: part of the contract (flows, analytics, `kycdesk nlu` and tests use them).

/// Failure causes the user can name.
pub const CAUSES: &[&str] = &[
    "info_mismatch",
    "network",
    "photo_quality",
    "maintenance",
    "prior_violation",
    "document_expired",
    "face_liveness",
    "video_device",
    "sms_code",
];

/// Questions, plus "it failed, cause unknown".
pub const QUESTIONS: &[&str] = &[
    "verification_failed",
    "status_query",
    "retry",
    "how_to_verify",
    "why_verify",
    "forgot_info",
    "privacy",
    "account_security",
];

/// Conversation moves.
pub const CONVERSATION: &[&str] = &[
    "human_agent",
    "greeting",
    "thanks",
    "goodbye",
    "restart",
    "back",
    "language",
    "affirm",
    "deny",
];

pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// Intents the engine handles itself at any point; flows do not route them.
pub const GLOBAL_COMMANDS: &[&str] = &["human_agent", "restart", "back", "language"];

/// Intents that answer the question at hand rather than name a topic.
pub const ANSWERS: &[&str] = &["affirm", "deny"];

/// Every intent id, in the order of the design's table.
pub fn all() -> impl Iterator<Item = &'static str> {
    CAUSES
        .iter()
        .chain(QUESTIONS)
        .chain(CONVERSATION)
        .copied()
        .chain(std::iter::once(OUT_OF_SCOPE))
}

pub fn is_known(intent: &str) -> bool {
    all().any(|i| i == intent)
}

/// Intents that open a topic through a flow's `intents:` (all but commands and answers).
pub fn is_topic(intent: &str) -> bool {
    is_known(intent) && !GLOBAL_COMMANDS.contains(&intent) && !ANSWERS.contains(&intent)
}

/// The causes a flow or a case may name (the case-status API's `reasons[].cause`).
pub const CASE_CAUSES: &[&str] = &[
    "info_mismatch",
    "network",
    "photo_quality",
    "maintenance",
    "prior_violation",
    "document_expired",
    "face_liveness",
    "video_device",
    "sms_code",
    "unsupported_document",
    "duplicate_account",
    "underage",
    "other",
];
