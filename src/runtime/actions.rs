//! Performing the engine's actions. Each capability (case lookup, photo check, handoff) plugs in
//! behind `Actions`; until one is built, `StandIns` answers it honestly.

use std::collections::BTreeMap;

use crate::engine::ConversationState;
use crate::flows::actions::UNAVAILABLE;

/// What a performed action reports back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    pub outcome: String,
    pub slots: BTreeMap<String, String>,
    /// Messages (locale keys with their arguments) to say before the flow goes on.
    pub notes: Vec<(String, Vec<(String, String)>)>,
}

/// What an action may know besides the conversation state.
#[derive(Debug, Clone, Copy)]
pub struct ActionContext<'a> {
    /// A photo the user sent, held in memory only for this turn.
    pub photo: Option<&'a [u8]>,
    /// The conversation's verified wallet user (a signed widget identity, a linked Telegram
    /// chat): the only person whose cases may be shown here.
    pub user_ref: Option<&'a str>,
    /// The conversation (absent when a turn is only previewed, not stored).
    pub key: Option<&'a crate::store::ConversationKey>,
    /// A case just read from the case API for a follow-up (never a webhook's body, which is only
    /// a hint): fresher than a new lookup.
    pub fresh_case: Option<&'a crate::cases::Case>,
    pub now: chrono::DateTime<chrono::Utc>,
}

#[async_trait::async_trait]
pub trait Actions: Send + Sync {
    async fn perform(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        state: &ConversationState,
        ctx: &ActionContext<'_>,
    ) -> ActionResult;
}

/// Answers every action with "not available yet": the flows are complete and tested before the
/// case client, photo check and agent console exist.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandIns;

#[async_trait::async_trait]
impl Actions for StandIns {
    async fn perform(
        &self,
        action: &str,
        _params: &BTreeMap<String, String>,
        _state: &ConversationState,
        _ctx: &ActionContext<'_>,
    ) -> ActionResult {
        ActionResult {
            outcome: UNAVAILABLE.to_string(),
            slots: BTreeMap::new(),
            notes: vec![(format!("action-not-built-{action}"), Vec::new())],
        }
    }
}
