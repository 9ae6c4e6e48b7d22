//! The actions the bot performs for its flows: the case lookup and service status (over the
//! case-status API, with the decision rules), follow-up subscriptions (in the store), the photo
//! check (in memory, off the async workers), and an honest stand-in for what is not built yet
//! (handoff to an agent).
//!
//! A case is personal data of its holder ([`CaseAccess`]): it is looked up, shown and followed
//! only for the conversation's verified user. Without one nothing is looked up and the flow
//! explains how to sign in; a case of someone else gets exactly the answer of a case that does
//! not exist, so case ids cannot be probed.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono_tz::Tz;

use super::actions::{ActionContext, ActionResult, Actions, StandIns};
use crate::cases::{
    Case, CaseAccess, CaseClient, CaseError, Decision, UserCases, decide, decide_failure,
    decide_service_status, decide_user_cases,
};
use crate::engine::{CASE_ID_SLOT, ConversationState, ENTRY_SLOT};
use crate::flows::actions::{SIGN_IN, UNAVAILABLE};
use crate::photo::{OffloadError, PhotoChecker, PhotoConfig};
use crate::store::{FollowTopic, Store, Subscription};

/// Slot counting the photos that did not pass, so a user who insists can go ahead.
const PHOTO_FAILURES: &str = "photo_failures";

type Notes = Vec<(String, Vec<(String, String)>)>;

pub struct BotActions {
    photo: PhotoChecker,
    cases: Option<Arc<CaseClient>>,
    access: CaseAccess,
    store: Option<Arc<dyn Store>>,
    tz: Tz,
    fallback: StandIns,
}

impl BotActions {
    /// Cases for their holder only ([`CaseAccess::HolderOnly`]); see [`Self::with_case_access`].
    pub fn new(photo: PhotoConfig) -> Self {
        Self {
            photo: PhotoChecker::new(photo),
            cases: None,
            access: CaseAccess::HolderOnly,
            store: None,
            tz: chrono_tz::Asia::Shanghai,
            fallback: StandIns,
        }
    }

    /// Who may see a case. `DemoOpen` only on the built-in demo sandbox, whose cases are made up.
    pub fn with_case_access(mut self, access: CaseAccess) -> Self {
        self.access = access;
        self
    }

    /// Looks cases up through `client`; dates are told in `tz`.
    pub fn with_cases(mut self, client: Arc<CaseClient>, tz: Tz) -> Self {
        self.cases = Some(client);
        self.tz = tz;
        self
    }

    /// Keeps follow-up subscriptions in `store`.
    pub fn with_store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    async fn photo_check(&self, state: &ConversationState, photo: Option<&[u8]>) -> ActionResult {
        let Some(bytes) = photo else {
            return result("no_photo", BTreeMap::new(), Vec::new());
        };
        let failures: u32 = state
            .slots
            .get(PHOTO_FAILURES)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let (passed, notes, finding_codes) = match self.photo.check(bytes.to_vec()).await {
            Ok(report) if report.ok => (
                true,
                vec![("photo-ok".to_string(), Vec::new())],
                String::new(),
            ),
            Ok(report) => (
                false,
                report
                    .findings
                    .iter()
                    .map(|f| (f.locale_key(), f.args.clone()))
                    .collect(),
                report.codes().join(","),
            ),
            Err(OffloadError::Photo(e)) => (
                false,
                vec![(e.locale_key(), e.args())],
                e.locale_key().trim_start_matches("photo-").to_string(),
            ),
            Err(OffloadError::Interrupted) => {
                return result(UNAVAILABLE, BTreeMap::new(), Vec::new());
            }
        };
        let mut slots = BTreeMap::new();
        // What an agent sees on the handoff card if the user ends up with a person.
        slots.insert("photo_findings".to_string(), finding_codes);
        if passed {
            slots.insert(PHOTO_FAILURES.to_string(), "0".to_string());
            return result("passed", slots, notes);
        }
        let failures = failures + 1;
        slots.insert(PHOTO_FAILURES.to_string(), failures.to_string());
        // Like the vendors' SDKs: after repeated failures the user may go ahead with a warning
        // instead of being sent round the loop for ever.
        if failures >= self.photo.config().failures_before_proceed {
            slots.insert("photo_may_proceed".to_string(), "yes".to_string());
        }
        result("failed", slots, notes)
    }

    async fn case_lookup(
        &self,
        state: &ConversationState,
        ctx: &ActionContext<'_>,
    ) -> ActionResult {
        let Some(client) = &self.cases else {
            return not_built("case_lookup");
        };
        let guided = &state.not_helped;
        let case_id = state.slots.get(CASE_ID_SLOT);
        let decision = match self.access {
            CaseAccess::DemoOpen => {
                if let Some(case) = ctx.fresh_case {
                    decide(case, ctx.now, self.tz, guided)
                } else if let Some(case_id) = case_id {
                    match client.get_case(case_id).await {
                        Ok(case) => decide(&case, ctx.now, self.tz, guided),
                        Err(e) => decide_failure(&e, self.tz),
                    }
                } else if let Some(user) = ctx.user_ref {
                    match client.user_cases(user, 5).await {
                        Ok(cases) => decide_user_cases(&cases, ctx.now, self.tz, guided),
                        Err(e) => decide_failure(&e, self.tz),
                    }
                } else {
                    return result("no_case", BTreeMap::new(), Vec::new());
                }
            }
            CaseAccess::HolderOnly => {
                // Without a verified user nothing is looked up: not even whether the id exists.
                let Some(user) = ctx.user_ref else {
                    return result(SIGN_IN, BTreeMap::new(), Vec::new());
                };
                let is_theirs = |case: &Case| self.access.allows(case, Some(user));
                if let Some(case) = ctx.fresh_case {
                    if is_theirs(case) {
                        decide(case, ctx.now, self.tz, guided)
                    } else {
                        not_found(self.tz)
                    }
                } else if let Some(case_id) = case_id {
                    match client.get_case(case_id).await {
                        Ok(case) if is_theirs(&case) => decide(&case, ctx.now, self.tz, guided),
                        // Someone else's case is answered exactly as one that does not exist.
                        Ok(_) => not_found(self.tz),
                        Err(e) => decide_failure(&e, self.tz),
                    }
                } else {
                    match client.user_cases(user, 5).await {
                        Ok(cases) => {
                            // The API lists the user's own cases; any other is not shown.
                            let own = UserCases {
                                cases: cases.cases.into_iter().filter(|c| is_theirs(c)).collect(),
                                ..cases
                            };
                            decide_user_cases(&own, ctx.now, self.tz, guided)
                        }
                        Err(e) => decide_failure(&e, self.tz),
                    }
                }
            }
        };
        from_decision(decision)
    }

    async fn service_status(&self, ctx: &ActionContext<'_>) -> ActionResult {
        let Some(client) = &self.cases else {
            return not_built("service_status");
        };
        match client.service_status().await {
            Ok(status) => {
                let (outcome, slots) = decide_service_status(
                    &status.maintenance.unwrap_or_default(),
                    ctx.now,
                    self.tz,
                );
                result(outcome, slots, Vec::new())
            }
            Err(e) => {
                tracing::warn!(error = e.code(), "service status unavailable");
                result(
                    UNAVAILABLE,
                    BTreeMap::new(),
                    vec![case_error_note(e.code())],
                )
            }
        }
    }

    async fn subscribe(
        &self,
        state: &ConversationState,
        ctx: &ActionContext<'_>,
        params: &BTreeMap<String, String>,
    ) -> ActionResult {
        let (Some(store), Some(key), Some(_)) = (&self.store, ctx.key, &self.cases) else {
            return not_built("subscribe_followup");
        };
        let in_maintenance = state.at.as_ref().is_some_and(|at| at.flow == "maintenance");
        let topic =
            if params.get("topic").map(String::as_str) == Some("maintenance") || in_maintenance {
                FollowTopic::Maintenance
            } else {
                match state.slots.get(CASE_ID_SLOT) {
                    Some(id) => FollowTopic::Case(id.clone()),
                    None => {
                        return result(
                            UNAVAILABLE,
                            BTreeMap::new(),
                            vec![("followup-needs-case".into(), Vec::new())],
                        );
                    }
                }
            };
        if let FollowTopic::Case(case_id) = &topic
            && !self.may_follow(case_id, ctx).await
        {
            // Answered as for any case that cannot be followed: nothing tells whose it is.
            return result(UNAVAILABLE, BTreeMap::new(), Vec::new());
        }
        let last_seen = match &topic {
            FollowTopic::Maintenance => Some("active".to_string()),
            FollowTopic::Case(_) => state.slots.get("case_status").cloned(),
        };
        let subscription = Subscription {
            key: key.clone(),
            topic,
            created_at: ctx.now,
            last_seen,
            diagnosed_cause: state.causes.last().cloned(),
        };
        match store.subscribe(subscription).await {
            Ok(()) => result("subscribed", BTreeMap::new(), Vec::new()),
            Err(e) => {
                tracing::error!(error = %e, "a follow-up could not be stored");
                result(UNAVAILABLE, BTreeMap::new(), Vec::new())
            }
        }
    }
}

impl BotActions {
    /// Whether this conversation may follow the case: its verified user is the case's holder,
    /// checked again with the case API (the case id slot may have changed since the lookup).
    async fn may_follow(&self, case_id: &str, ctx: &ActionContext<'_>) -> bool {
        if self.access == CaseAccess::DemoOpen {
            return true;
        }
        let (Some(client), Some(user)) = (&self.cases, ctx.user_ref) else {
            return false;
        };
        match client.get_case(case_id).await {
            Ok(case) => self.access.allows(&case, Some(user)),
            Err(e) => {
                tracing::debug!(error = e.code(), "a case to follow could not be checked");
                false
            }
        }
    }
}

/// The answer for a case that does not exist, also given for a case that is not the user's.
fn not_found(tz: Tz) -> Decision {
    decide_failure(&CaseError::NotFound, tz)
}

fn result(outcome: &str, slots: BTreeMap<String, String>, notes: Notes) -> ActionResult {
    ActionResult {
        outcome: outcome.to_string(),
        slots,
        notes,
    }
}

fn not_built(action: &str) -> ActionResult {
    result(
        UNAVAILABLE,
        BTreeMap::new(),
        vec![(format!("action-not-built-{action}"), Vec::new())],
    )
}

fn case_error_note(code: &str) -> (String, Vec<(String, String)>) {
    (
        "case-error".to_string(),
        vec![("error".to_string(), code.to_string())],
    )
}

/// A decision becomes the action's result: its outcome, its slots, and the entry node of the
/// reason code (for outcomes routed to `@entry`). An honest note when the API failed.
fn from_decision(decision: Decision) -> ActionResult {
    let mut slots = decision.slots;
    let mut notes = Vec::new();
    if let Some((flow, node)) = decision.entry {
        slots.insert(ENTRY_SLOT.to_string(), format!("{flow}.{node}"));
    }
    if decision.outcome == UNAVAILABLE
        && let Some(code) = slots.get("lookup_error")
    {
        notes.push(case_error_note(code));
    }
    if decision.outcome == "fixable" && slots.contains_key("reason_code") {
        let args = slots.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        notes.push(("case-found-fixable".to_string(), args));
    }
    result(decision.outcome, slots, notes)
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
            "photo_check" => self.photo_check(state, ctx.photo).await,
            "case_lookup" => self.case_lookup(state, ctx).await,
            "service_status" => self.service_status(ctx).await,
            "subscribe_followup" => self.subscribe(state, ctx, params).await,
            _ => self.fallback.perform(action, params, state, ctx).await,
        }
    }
}
