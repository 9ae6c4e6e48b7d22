//! The actions the bot performs for its flows: the photo check (in memory), and honest
//! stand-ins for what is not built yet (case lookup, service status, follow-ups, handoff).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::actions::{ActionContext, ActionResult, Actions, StandIns};
use crate::engine::ConversationState;
use crate::photo::{PhotoConfig, check_photo};

/// Slot counting the photos that did not pass, so a user who insists can go ahead.
const PHOTO_FAILURES: &str = "photo_failures";

pub struct BotActions {
    photo: PhotoConfig,
    fallback: StandIns,
}

impl BotActions {
    pub fn new(photo: PhotoConfig) -> Self {
        Self {
            photo,
            fallback: StandIns,
        }
    }

    fn photo_check(&self, state: &ConversationState, photo: Option<&[u8]>) -> ActionResult {
        let Some(bytes) = photo else {
            return result("no_photo", BTreeMap::new(), Vec::new());
        };
        let failures: u32 = state
            .slots
            .get(PHOTO_FAILURES)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let (passed, notes) = match check_photo(bytes, &self.photo) {
            Ok(report) if report.ok => (true, vec![("photo-ok".to_string(), Vec::new())]),
            Ok(report) => (
                false,
                report
                    .findings
                    .iter()
                    .map(|f| (f.locale_key(), f.args.clone()))
                    .collect(),
            ),
            Err(e) => (false, vec![(e.locale_key(), e.args())]),
        };
        let mut slots = BTreeMap::new();
        if passed {
            slots.insert(PHOTO_FAILURES.to_string(), "0".to_string());
            return result("passed", slots, notes);
        }
        let failures = failures + 1;
        slots.insert(PHOTO_FAILURES.to_string(), failures.to_string());
        // Like the vendors' SDKs: after repeated failures the user may go ahead with a warning
        // instead of being sent round the loop for ever.
        if failures >= self.photo.failures_before_proceed {
            slots.insert("photo_may_proceed".to_string(), "yes".to_string());
        }
        result("failed", slots, notes)
    }
}

fn result(
    outcome: &str,
    slots: BTreeMap<String, String>,
    notes: Vec<(String, Vec<(String, String)>)>,
) -> ActionResult {
    ActionResult {
        outcome: outcome.to_string(),
        slots,
        notes,
    }
}

#[async_trait]
impl Actions for BotActions {
    async fn perform(
        &self,
        action: &str,
        params: &BTreeMap<String, String>,
        state: &ConversationState,
        ctx: &ActionContext<'_>,
    ) -> ActionResult {
        match action {
            "photo_check" => self.photo_check(state, ctx.photo),
            _ => self.fallback.perform(action, params, state, ctx).await,
        }
    }
}
