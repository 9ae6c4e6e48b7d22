//! The catalogue of actions a flow may ask the runtime to perform, with every outcome each can
//! report. `flows check` uses it to prove every outcome is handled; the runtime uses it to answer
//! actions that are not built yet.

/// One action the runtime knows how to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    pub name: &'static str,
    pub outcomes: &'static [&'static str],
}

/// The outcome every action may report when it cannot be performed (not built yet, or the system
/// behind it is unreachable). Every flow handles it.
pub const UNAVAILABLE: &str = "unavailable";

/// The `case_lookup` outcome when the conversation has no verified user: a case is shown only to
/// its signed-in holder, so nothing is looked up and the flow explains how to sign in.
pub const SIGN_IN: &str = "sign_in";

pub const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        name: "case_lookup",
        outcomes: &[
            "approved",
            "pending",
            "overdue",
            "fixable",
            "handover",
            "cooldown",
            "maintenance",
            "not_found",
            "no_case",
            SIGN_IN,
            UNAVAILABLE,
        ],
    },
    ActionSpec {
        name: "service_status",
        outcomes: &["active", "scheduled", "clear", UNAVAILABLE],
    },
    ActionSpec {
        name: "photo_check",
        outcomes: &["passed", "failed", "no_photo", UNAVAILABLE],
    },
    ActionSpec {
        name: "subscribe_followup",
        outcomes: &["subscribed", UNAVAILABLE],
    },
    ActionSpec {
        name: "escalate",
        outcomes: &["queued", "already", "after_hours", "no_agent", UNAVAILABLE],
    },
    ActionSpec {
        name: "leave_message",
        outcomes: &["left", UNAVAILABLE],
    },
    ActionSpec {
        name: "record_rating",
        outcomes: &["recorded", UNAVAILABLE],
    },
];

pub fn action_spec(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.name == name)
}
