//! Who may see a case. A case's reasons, dates and status are personal data of its holder, so
//! the bot shows them, and lets a conversation follow the case, only when the case's `user_ref`
//! is the conversation's verified user. To anyone else a case id is just a string.

use super::model::Case;

/// The policy for case lookups and follow-ups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseAccess {
    /// Only the case's verified holder sees it: the rule whenever a real case API is configured.
    #[default]
    HolderOnly,
    /// Any case id is looked up for anyone. Only for the built-in demo sandbox, whose cases are
    /// made up, so that the demo works without signing in.
    DemoOpen,
}

impl CaseAccess {
    /// Whether `user_ref` (the conversation's verified user, if any) may see `case`.
    pub fn allows(self, case: &Case, user_ref: Option<&str>) -> bool {
        match self {
            Self::DemoOpen => true,
            Self::HolderOnly => is_holder(case, user_ref),
        }
    }
}

/// Whether `user_ref` is the case's holder. A case without a holder belongs to nobody who could
/// prove it, so it counts as someone else's.
pub fn is_holder(case: &Case, user_ref: Option<&str>) -> bool {
    match (case.user_ref.as_deref(), user_ref) {
        (Some(holder), Some(user)) => !holder.is_empty() && holder == user,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(holder: Option<&str>) -> Case {
        let mut value = serde_json::json!({"case_id": "KYC-1", "status": "pending_review"});
        if let Some(holder) = holder {
            value["user_ref"] = holder.into();
        }
        serde_json::from_value(value).expect("a case")
    }

    #[test]
    fn only_the_holder_sees_a_case() {
        let access = CaseAccess::HolderOnly;
        assert!(access.allows(&case(Some("u_1")), Some("u_1")));
        assert!(!access.allows(&case(Some("u_1")), Some("u_2")));
        assert!(!access.allows(&case(Some("u_1")), None));
        assert!(!access.allows(&case(Some("")), Some("")));
        assert!(!access.allows(&case(None), Some("u_1")));
        assert!(!access.allows(&case(None), None));
    }

    #[test]
    fn the_demo_is_open_to_everyone() {
        assert!(CaseAccess::DemoOpen.allows(&case(Some("u_1")), None));
        assert!(CaseAccess::DemoOpen.allows(&case(None), Some("u_2")));
        assert_eq!(CaseAccess::default(), CaseAccess::HolderOnly);
    }
}
