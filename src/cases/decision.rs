//! The decision rules of `case-api.md`: what a case means for the conversation.
//!
//! Pure functions of the case, the clock, the user's time zone and what was already tried, so
//! every rule is tested without a network. They choose a `case_lookup` outcome
//! (`src/flows/actions.rs`), optionally the node to enter (the cause's flow, at the node named
//! after the reason code), and the slots the texts use. Words live in `locales/`, not here: the
//! slots carry only values (dates in the user's zone, counts, codes).
//!
//! The rules, in the order they apply:
//! 1. An unknown `status` → `unavailable`: the bot says it cannot tell, rather than guess.
//! 2. `approved` → `approved`.
//! 3. `pending_review` / `manual_review` → `pending` until `expected_by` (or, when missing,
//!    `submitted_at` plus the SLA's maximum in working days, Monday to Friday), `overdue` after.
//!    This comes before the hand-over rules: a case under review is already with a person.
//! 4. Hand over (`handover`) when any reason is sensitive (no entry node and no reason slots: no
//!    detail reaches the user), when any reason needs a person (`human_review`, `appeal`, or
//!    `RARE_CHARACTER_NAME`, whose name is right and must never get a typo remedy; the entry is
//!    that reason's node, whose wording leads to a person), or when the rejection is final.
//! 5. `cooldown_until` in the future → `cooldown`: no retry invited before it.
//! 6. No attempts left, or a cause of this case already failed twice after a guided fix →
//!    `handover`.
//! 7. Maintenance under way → `maintenance`, with when it ends.
//! 8. Otherwise (`resubmission_requested`, or a case not finished) → `fixable`, entering the first
//!    user-fixable reason's node (else the first reason that only needs a later retry, else the
//!    first reason); `other_reasons` counts the rest.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::client::CaseError;
use super::model::UserCases;
use super::model::{Case, CaseStatus, Cause, Maintenance, Reason, RejectionType, Resolution};
use crate::flows::reasons::{REASON_CODES, codes_of, entry_node};

/// How a date and time is shown to the user (in the user's own time zone).
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";

/// The usual review time when the case gives none (`case-api.md`: 1–3 working days).
pub const DEFAULT_SLA_MAX_WORKING_DAYS: u32 = 3;

/// Guided fixes of the same cause that may fail before a person takes over.
pub const GUIDED_FAILURES_BEFORE_HANDOVER: u32 = 2;

/// The code whose name is right but cannot be typed or matched: a person must help.
const RARE_CHARACTER_NAME: &str = "RARE_CHARACTER_NAME";

/// What the lookup means for the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// One of the `case_lookup` outcomes.
    pub outcome: &'static str,
    /// `(flow, node)` to enter: the reason's cause flow at the node named after its code, or
    /// `start` for a code that flow does not know.
    pub entry: Option<(String, String)>,
    pub slots: BTreeMap<String, String>,
}

impl Decision {
    fn new(outcome: &'static str, slots: BTreeMap<String, String>) -> Self {
        Self {
            outcome,
            entry: None,
            slots,
        }
    }

    fn entering(mut self, entry: Option<(String, String)>) -> Self {
        self.entry = entry;
        self
    }
}

/// Applies the decision rules to one case. `guided_failures` counts, per cause (flow id), the
/// guided fixes this user already tried that were followed by another failure.
pub fn decide(
    case: &Case,
    now: DateTime<Utc>,
    tz: Tz,
    guided_failures: &BTreeMap<String, u32>,
) -> Decision {
    let mut slots = BTreeMap::new();
    slots.insert("case_id".to_string(), case.case_id.clone());
    slots.insert("case_status".to_string(), case.status.as_str().to_string());
    let remaining = case.attempts.as_ref().and_then(|a| a.remaining);
    if let Some(remaining) = remaining {
        slots.insert("attempts_remaining".to_string(), remaining.to_string());
    }

    match case.status {
        CaseStatus::Unknown => return Decision::new("unavailable", slots),
        CaseStatus::Approved => return Decision::new("approved", slots),
        CaseStatus::PendingReview | CaseStatus::ManualReview => {
            return decide_review(case, now, tz, slots);
        }
        _ => {}
    }

    if case.reasons.iter().any(Reason::is_sensitive) {
        // Only the fact, for the agent's card: the reasons themselves are never told.
        slots.insert("case_sensitive".to_string(), "yes".to_string());
        return Decision::new("handover", slots);
    }
    if let Some(reason) = case.reasons.iter().find(|r| needs_person(r)) {
        fill_reason_slots(&mut slots, case, reason);
        return Decision::new("handover", slots).entering(Some(entry_of(reason)));
    }
    let lead = lead_reason(&case.reasons);
    if let Some(reason) = lead {
        fill_reason_slots(&mut slots, case, reason);
    }
    if case.status == CaseStatus::Rejected || case.rejection_type == Some(RejectionType::Final) {
        return Decision::new("handover", slots);
    }
    if let Some(until) = case.cooldown_until.filter(|until| *until > now) {
        slots.insert("cooldown_until".to_string(), local(until, tz));
        return Decision::new("cooldown", slots);
    }
    if remaining == Some(0) {
        return Decision::new("handover", slots);
    }
    let failed_twice = case.reasons.iter().any(|r| {
        let (flow, _) = entry_of(r);
        guided_failures.get(&flow).copied().unwrap_or(0) >= GUIDED_FAILURES_BEFORE_HANDOVER
    });
    if failed_twice {
        return Decision::new("handover", slots);
    }
    if let Some(maintenance) = case.maintenance.as_ref().filter(|m| m.is_active(now)) {
        if let Some(until) = maintenance.active_until(now) {
            slots.insert("maintenance_until".to_string(), local(until, tz));
        }
        return Decision::new("maintenance", slots);
    }
    Decision::new("fixable", slots).entering(lead.map(entry_of))
}

/// The newest case of a user (the API lists newest first), or `no_case` when there is none.
pub fn decide_user_cases(
    cases: &UserCases,
    now: DateTime<Utc>,
    tz: Tz,
    guided_failures: &BTreeMap<String, u32>,
) -> Decision {
    match cases.cases.first() {
        Some(case) => decide(case, now, tz, guided_failures),
        None => Decision::new("no_case", BTreeMap::new()),
    }
}

/// What a failed lookup means: `not_found`, `no_case`, `maintenance` (with when it ends), or an
/// honest `unavailable`. The slot `lookup_error` names the kind (`timeout`, `rate-limited`, …)
/// for a text that wants to be specific; it never holds raw error text.
pub fn decide_failure(error: &CaseError, tz: Tz) -> Decision {
    let mut slots = BTreeMap::new();
    slots.insert("lookup_error".to_string(), error.code().to_string());
    if let CaseError::Maintenance {
        until: Some(until), ..
    } = error
    {
        slots.insert("maintenance_until".to_string(), local(*until, tz));
    }
    Decision::new(error.outcome(), slots)
}

/// The `service_status` outcome: `active` (with `maintenance_until`), `scheduled` (with
/// `maintenance_starts` and `maintenance_until` of the next window) or `clear`. Both set
/// `maintenance_notice_url` when the window has one.
pub fn decide_service_status(
    maintenance: &Maintenance,
    now: DateTime<Utc>,
    tz: Tz,
) -> (&'static str, BTreeMap<String, String>) {
    let mut slots = BTreeMap::new();
    if maintenance.is_active(now) {
        if let Some(until) = maintenance.active_until(now) {
            slots.insert("maintenance_until".to_string(), local(until, tz));
        }
        if let Some(url) = maintenance
            .current_window(now)
            .and_then(|w| w.notice_url.clone())
        {
            slots.insert("maintenance_notice_url".to_string(), url);
        }
        return ("active", slots);
    }
    let Some(next) = maintenance.next_window(now) else {
        return ("clear", slots);
    };
    if let Some(starts) = next.starts_at {
        slots.insert("maintenance_starts".to_string(), local(starts, tz));
    }
    if let Some(ends) = next.ends_at {
        slots.insert("maintenance_until".to_string(), local(ends, tz));
    }
    if let Some(url) = &next.notice_url {
        slots.insert("maintenance_notice_url".to_string(), url.clone());
    }
    ("scheduled", slots)
}

/// Rule 3: under review, within or past the expected date.
fn decide_review(
    case: &Case,
    now: DateTime<Utc>,
    tz: Tz,
    mut slots: BTreeMap<String, String>,
) -> Decision {
    let Some(deadline) = review_deadline(case, tz) else {
        // Not even a submission time: we cannot say it is late, so we do not.
        return Decision::new("pending", slots);
    };
    slots.insert("expected_by".to_string(), local(deadline, tz));
    let today = now.with_timezone(&tz).date_naive();
    let due = deadline.with_timezone(&tz).date_naive();
    slots.insert(
        "working_days_left".to_string(),
        working_days_between(today, due).to_string(),
    );
    if now <= deadline {
        Decision::new("pending", slots)
    } else {
        Decision::new("overdue", slots)
    }
}

/// `expected_by`, else `submitted_at` plus the SLA's maximum in working days.
fn review_deadline(case: &Case, tz: Tz) -> Option<DateTime<Utc>> {
    let review = case.review.as_ref()?;
    if let Some(expected) = review.expected_by {
        return Some(expected.to_utc());
    }
    let submitted = review.submitted_at?;
    let days = review
        .sla_working_days
        .and_then(|sla| sla.max.or(sla.min))
        .unwrap_or(DEFAULT_SLA_MAX_WORKING_DAYS);
    Some(add_working_days(submitted.to_utc(), days, tz))
}

fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `days` working days (Monday to Friday, counted in `tz`) after `start`, at the same local time.
/// Public holidays are not known here.
pub fn add_working_days(start: DateTime<Utc>, days: u32, tz: Tz) -> DateTime<Utc> {
    let local_start = start.with_timezone(&tz);
    let mut date = local_start.date_naive();
    let mut left = days.min(3650);
    while left > 0 {
        let Some(next) = date.checked_add_days(Days::new(1)) else {
            break;
        };
        date = next;
        if is_working_day(date) {
            left -= 1;
        }
    }
    let naive = date.and_time(local_start.time());
    // Around a DST change the local time may not exist: fall back to whole days in UTC.
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.to_utc())
        .unwrap_or_else(|| {
            let elapsed = naive - local_start.naive_local();
            start + elapsed
        })
}

/// Working days after `today` up to and including `due` (0 when due today or already past).
pub fn working_days_between(today: NaiveDate, due: NaiveDate) -> u32 {
    let mut count = 0;
    let mut date = today;
    while date < due && count < 3650 {
        let Some(next) = date.checked_add_days(Days::new(1)) else {
            break;
        };
        date = next;
        if is_working_day(date) {
            count += 1;
        }
    }
    count
}

fn local(at: impl Into<DateTime<Utc>>, tz: Tz) -> String {
    at.into().with_timezone(&tz).format(TIME_FORMAT).to_string()
}

fn code_of(reason: &Reason) -> String {
    reason
        .code
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase())
        .unwrap_or_default()
}

fn needs_person(reason: &Reason) -> bool {
    matches!(
        reason.resolution,
        Some(Resolution::HumanReview | Resolution::Appeal)
    ) || code_of(reason) == RARE_CHARACTER_NAME
}

/// The backend says the user can fix it; without the flag, a `resubmit` resolution says so.
fn is_user_fixable(reason: &Reason) -> bool {
    match reason.user_fixable {
        Some(fixable) => fixable,
        None => reason.resolution == Some(Resolution::Resubmit),
    }
}

fn lead_reason(reasons: &[Reason]) -> Option<&Reason> {
    reasons
        .iter()
        .find(|r| is_user_fixable(r))
        .or_else(|| {
            reasons
                .iter()
                .find(|r| r.resolution == Some(Resolution::RetryLater))
        })
        .or_else(|| reasons.first())
}

/// The flow (cause) and node (code) a reason enters. The backend's cause wins; an unknown or
/// missing cause is read from the canonical code table; an unknown code enters the cause's
/// `start` (its general remedy).
fn entry_of(reason: &Reason) -> (String, String) {
    let code = code_of(reason);
    let flow = match reason.cause {
        Some(cause) if cause != Cause::Other => cause.as_str(),
        _ => REASON_CODES
            .iter()
            .find(|(_, codes)| codes.contains(&code.as_str()))
            .map_or(Cause::Other.as_str(), |(cause, _)| *cause),
    };
    let node = if codes_of(flow).contains(&code.as_str()) {
        entry_node(&code)
    } else {
        "start".to_string()
    };
    (flow.to_string(), node)
}

fn fill_reason_slots(slots: &mut BTreeMap<String, String>, case: &Case, lead: &Reason) {
    let (flow, _) = entry_of(lead);
    let code = code_of(lead);
    if !code.is_empty() {
        slots.insert("reason_code".to_string(), code);
    }
    slots.insert("reason_cause".to_string(), flow);
    slots.insert(
        "other_reasons".to_string(),
        case.reasons.len().saturating_sub(1).to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::model::{Attempts, MaintenanceWindow, Review, Sla};
    use crate::flows::actions::action_spec;
    use chrono::FixedOffset;
    use chrono_tz::Asia::Shanghai;
    use chrono_tz::UTC;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn fixed(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn case(status: CaseStatus) -> Case {
        Case {
            api_version: Some("1".into()),
            case_id: "KYC-T-1".into(),
            user_ref: None,
            status,
            rejection_type: None,
            methods: vec![],
            created_at: None,
            updated_at: None,
            review: None,
            attempts: None,
            cooldown_until: None,
            steps: vec![],
            reasons: vec![],
            submitted_info: None,
            internal_note: None,
            appeal: None,
            maintenance: None,
        }
    }

    fn reason(code: &str, cause: Cause, fixable: bool, resolution: Resolution) -> Reason {
        Reason {
            code: Some(code.into()),
            cause: Some(cause),
            user_fixable: Some(fixable),
            resolution: Some(resolution),
            sensitive: Some(false),
            ..Reason::default()
        }
    }

    fn resubmit(reasons: Vec<Reason>) -> Case {
        Case {
            reasons,
            rejection_type: Some(RejectionType::Retry),
            ..case(CaseStatus::ResubmissionRequested)
        }
    }

    fn none() -> BTreeMap<String, u32> {
        BTreeMap::new()
    }

    fn entry(flow: &str, node: &str) -> Option<(String, String)> {
        Some((flow.to_string(), node.to_string()))
    }

    const NOW: &str = "2024-06-12T04:00:00Z"; // Wednesday, 12:00 in Shanghai

    fn run(case: &Case) -> Decision {
        decide(case, at(NOW), Shanghai, &none())
    }

    #[test]
    fn approved() {
        let d = run(&case(CaseStatus::Approved));
        assert_eq!(d.outcome, "approved");
        assert_eq!(d.entry, None);
        assert_eq!(d.slots["case_id"], "KYC-T-1");
        assert_eq!(d.slots["case_status"], "approved");
    }

    #[test]
    fn pending_within_the_expected_date_and_overdue_after() {
        let mut c = case(CaseStatus::PendingReview);
        c.review = Some(Review {
            expected_by: Some(fixed("2024-06-13T18:00:00+08:00")),
            ..Review::default()
        });
        let d = run(&c);
        assert_eq!(d.outcome, "pending");
        assert_eq!(d.slots["expected_by"], "2024-06-13 18:00");
        assert_eq!(d.slots["working_days_left"], "1");

        let late = decide(&c, at("2024-06-13T10:00:01Z"), Shanghai, &none());
        assert_eq!(late.outcome, "overdue");
        assert_eq!(late.slots["working_days_left"], "0");

        c.status = CaseStatus::ManualReview;
        assert_eq!(run(&c).outcome, "pending");
    }

    #[test]
    fn without_expected_by_the_sla_counts_working_days_over_the_weekend() {
        let mut c = case(CaseStatus::ManualReview);
        // Thursday 10:00 in Shanghai, at most 3 working days: Friday, Monday, Tuesday.
        c.review = Some(Review {
            submitted_at: Some(fixed("2024-06-13T10:00:00+08:00")),
            sla_working_days: Some(Sla {
                min: Some(1),
                max: Some(3),
            }),
            ..Review::default()
        });
        let saturday = at("2024-06-15T04:00:00Z");
        let d = decide(&c, saturday, Shanghai, &none());
        assert_eq!(d.outcome, "pending");
        assert_eq!(d.slots["expected_by"], "2024-06-18 10:00");
        assert_eq!(d.slots["working_days_left"], "2", "Monday and Tuesday");
        let wednesday = at("2024-06-19T04:00:00Z");
        assert_eq!(decide(&c, wednesday, Shanghai, &none()).outcome, "overdue");

        // No SLA given: the usual 3 working days.
        c.review.as_mut().unwrap().sla_working_days = None;
        assert_eq!(
            decide(&c, saturday, Shanghai, &none()).slots["expected_by"],
            "2024-06-18 10:00"
        );
    }

    #[test]
    fn pending_without_any_date_is_never_called_late() {
        let d = decide(
            &case(CaseStatus::PendingReview),
            at("2030-01-01T00:00:00Z"),
            Shanghai,
            &none(),
        );
        assert_eq!(d.outcome, "pending");
        assert!(!d.slots.contains_key("expected_by"));
    }

    #[test]
    fn working_days_skip_saturday_and_sunday() {
        let friday = at("2024-06-14T02:00:00Z");
        assert_eq!(
            add_working_days(friday, 1, UTC),
            at("2024-06-17T02:00:00Z"),
            "Friday + 1 = Monday"
        );
        let saturday = at("2024-06-15T02:00:00Z");
        assert_eq!(
            add_working_days(saturday, 1, UTC),
            at("2024-06-17T02:00:00Z")
        );
        assert_eq!(add_working_days(friday, 5, UTC), at("2024-06-21T02:00:00Z"));
        assert_eq!(add_working_days(friday, 0, UTC), friday);
        let date = |d| NaiveDate::from_ymd_opt(2024, 6, d).unwrap();
        assert_eq!(working_days_between(date(14), date(17)), 1);
        assert_eq!(working_days_between(date(15), date(16)), 0);
        assert_eq!(working_days_between(date(10), date(21)), 9);
        assert_eq!(working_days_between(date(21), date(10)), 0);
    }

    #[test]
    fn the_time_zone_decides_the_day_and_the_text() {
        // Friday 07:00 in Shanghai is still Thursday 23:00 in UTC.
        let submitted = at("2024-06-13T23:00:00Z");
        assert_eq!(
            add_working_days(submitted, 1, Shanghai),
            at("2024-06-16T23:00:00Z"),
            "Shanghai: Friday + 1 = Monday 07:00"
        );
        assert_eq!(
            add_working_days(submitted, 1, UTC),
            at("2024-06-14T23:00:00Z"),
            "UTC: Thursday + 1 = Friday 23:00"
        );

        let mut c = case(CaseStatus::PendingReview);
        c.review = Some(Review {
            expected_by: Some(fixed("2024-06-13T18:00:00+08:00")),
            ..Review::default()
        });
        let shanghai = decide(&c, at(NOW), Shanghai, &none());
        let utc = decide(&c, at(NOW), UTC, &none());
        assert_eq!(shanghai.slots["expected_by"], "2024-06-13 18:00");
        assert_eq!(utc.slots["expected_by"], "2024-06-13 10:00");
    }

    #[test]
    fn resubmission_leads_with_the_first_fixable_reason_and_counts_the_others() {
        let c = resubmit(vec![
            reason(
                "SERVICE_UNAVAILABLE",
                Cause::Maintenance,
                false,
                Resolution::RetryLater,
            ),
            reason(
                "PHOTO_GLARE",
                Cause::PhotoQuality,
                true,
                Resolution::Resubmit,
            ),
            reason(
                "SMS_CODE_EXPIRED",
                Cause::SmsCode,
                true,
                Resolution::Resubmit,
            ),
        ]);
        let d = run(&c);
        assert_eq!(d.outcome, "fixable");
        assert_eq!(d.entry, entry("photo_quality", "photo_glare"));
        assert_eq!(d.slots["reason_code"], "PHOTO_GLARE");
        assert_eq!(d.slots["reason_cause"], "photo_quality");
        assert_eq!(d.slots["other_reasons"], "2");
    }

    #[test]
    fn glare_is_not_blur() {
        let glare = run(&resubmit(vec![reason(
            "PHOTO_GLARE",
            Cause::PhotoQuality,
            true,
            Resolution::Resubmit,
        )]));
        let blur = run(&resubmit(vec![reason(
            "PHOTO_BLURRY",
            Cause::PhotoQuality,
            true,
            Resolution::Resubmit,
        )]));
        assert_eq!(glare.entry, entry("photo_quality", "photo_glare"));
        assert_eq!(blur.entry, entry("photo_quality", "photo_blurry"));
    }

    #[test]
    fn every_canonical_code_enters_its_own_node() {
        for (cause, codes) in REASON_CODES {
            for code in *codes {
                let r = Reason {
                    code: Some(code.to_string()),
                    cause: Some(Cause::parse(cause)),
                    ..Reason::default()
                };
                assert_eq!(
                    entry_of(&r),
                    (cause.to_string(), code.to_ascii_lowercase()),
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn unknown_codes_and_causes() {
        let new_code = reason(
            "PHOTO_HOLOGRAM",
            Cause::PhotoQuality,
            true,
            Resolution::Resubmit,
        );
        assert_eq!(
            entry_of(&new_code),
            ("photo_quality".into(), "start".into())
        );
        // A cause this version does not know, with a code it does: the code's cause.
        let mut unknown_cause = reason("PHOTO_GLARE", Cause::Other, true, Resolution::Resubmit);
        assert_eq!(
            entry_of(&unknown_cause),
            ("photo_quality".into(), "photo_glare".into())
        );
        unknown_cause.code = Some("BRAND_NEW".into());
        assert_eq!(entry_of(&unknown_cause), ("other".into(), "start".into()));
        let nothing = Reason::default();
        assert_eq!(entry_of(&nothing), ("other".into(), "start".into()));
    }

    #[test]
    fn rare_character_name_is_never_a_typo_remedy() {
        // Even when the backend calls it fixable, and even behind a fixable reason.
        let c = resubmit(vec![
            reason(
                "PHOTO_GLARE",
                Cause::PhotoQuality,
                true,
                Resolution::Resubmit,
            ),
            reason(
                "RARE_CHARACTER_NAME",
                Cause::InfoMismatch,
                true,
                Resolution::Resubmit,
            ),
        ]);
        let d = run(&c);
        assert_eq!(d.outcome, "handover");
        assert_eq!(d.entry, entry("info_mismatch", "rare_character_name"));
        assert_eq!(d.slots["reason_code"], "RARE_CHARACTER_NAME");
    }

    #[test]
    fn sensitive_reasons_hand_over_without_detail() {
        let mut banned = reason(
            "BLOCKLISTED",
            Cause::PriorViolation,
            false,
            Resolution::Appeal,
        );
        banned.sensitive = Some(true);
        let c = Case {
            status: CaseStatus::Rejected,
            rejection_type: Some(RejectionType::Final),
            ..resubmit(vec![
                reason(
                    "PHOTO_GLARE",
                    Cause::PhotoQuality,
                    true,
                    Resolution::Resubmit,
                ),
                banned,
            ])
        };
        let d = run(&c);
        assert_eq!(d.outcome, "handover");
        assert_eq!(d.entry, None);
        for slot in ["reason_code", "reason_cause", "other_reasons"] {
            assert!(!d.slots.contains_key(slot), "{slot}");
        }
    }

    #[test]
    fn human_review_and_appeal_hand_over_at_their_node() {
        for resolution in [Resolution::HumanReview, Resolution::Appeal] {
            let c = resubmit(vec![reason("UNDERAGE", Cause::Underage, false, resolution)]);
            let d = run(&c);
            assert_eq!(d.outcome, "handover");
            assert_eq!(d.entry, entry("underage", "underage"));
        }
    }

    #[test]
    fn a_final_rejection_hands_over() {
        let mut c = resubmit(vec![reason(
            "PHOTO_BLURRY",
            Cause::PhotoQuality,
            true,
            Resolution::Resubmit,
        )]);
        c.status = CaseStatus::Rejected;
        let d = run(&c);
        assert_eq!(d.outcome, "handover");
        assert_eq!(d.entry, None, "no remedy invites a retry of a final case");
        c.status = CaseStatus::ResubmissionRequested;
        c.rejection_type = Some(RejectionType::Final);
        assert_eq!(run(&c).outcome, "handover");
    }

    #[test]
    fn no_attempts_left_hands_over() {
        let mut c = resubmit(vec![reason(
            "PHOTO_BLURRY",
            Cause::PhotoQuality,
            true,
            Resolution::Resubmit,
        )]);
        c.attempts = Some(Attempts {
            used: Some(5),
            max: Some(5),
            remaining: Some(0),
            window: None,
        });
        let d = run(&c);
        assert_eq!(d.outcome, "handover");
        assert_eq!(d.slots["attempts_remaining"], "0");
        c.attempts.as_mut().unwrap().remaining = Some(1);
        assert_eq!(run(&c).outcome, "fixable");
    }

    #[test]
    fn the_same_cause_failing_twice_after_a_guided_fix_hands_over() {
        let c = resubmit(vec![reason(
            "LIVENESS_FAILED",
            Cause::FaceLiveness,
            true,
            Resolution::Resubmit,
        )]);
        let mut tried = BTreeMap::new();
        tried.insert("face_liveness".to_string(), 1);
        assert_eq!(decide(&c, at(NOW), Shanghai, &tried).outcome, "fixable");
        tried.insert("face_liveness".to_string(), 2);
        assert_eq!(decide(&c, at(NOW), Shanghai, &tried).outcome, "handover");
        let mut other = BTreeMap::new();
        other.insert("photo_quality".to_string(), 5);
        assert_eq!(decide(&c, at(NOW), Shanghai, &other).outcome, "fixable");
    }

    #[test]
    fn cooldown_in_the_future_says_until_when() {
        let mut c = resubmit(vec![reason(
            "SMS_RATE_LIMITED",
            Cause::SmsCode,
            true,
            Resolution::Resubmit,
        )]);
        c.cooldown_until = Some(fixed("2024-06-12T20:30:00+08:00"));
        let d = run(&c);
        assert_eq!(d.outcome, "cooldown");
        assert_eq!(d.slots["cooldown_until"], "2024-06-12 20:30");
        let utc = decide(&c, at(NOW), UTC, &none());
        assert_eq!(utc.slots["cooldown_until"], "2024-06-12 12:30");
        // A cool-down already over is no reason to wait.
        c.cooldown_until = Some(fixed("2024-06-12T11:00:00+08:00"));
        assert_eq!(run(&c).outcome, "fixable");
    }

    #[test]
    fn cooldown_comes_before_attempts_exhausted() {
        let mut c = resubmit(vec![]);
        c.cooldown_until = Some(fixed("2024-06-13T00:00:00+08:00"));
        c.attempts = Some(Attempts {
            remaining: Some(0),
            window: Some("P1D".into()),
            ..Attempts::default()
        });
        assert_eq!(run(&c).outcome, "cooldown");
    }

    #[test]
    fn maintenance_under_way_says_until_when() {
        let mut c = resubmit(vec![reason(
            "SERVICE_UNAVAILABLE",
            Cause::Maintenance,
            false,
            Resolution::RetryLater,
        )]);
        c.maintenance = Some(Maintenance {
            active: Some(true),
            windows: vec![MaintenanceWindow {
                starts_at: Some(fixed("2024-06-12T11:00:00+08:00")),
                ends_at: Some(fixed("2024-06-12T14:00:00+08:00")),
                ..MaintenanceWindow::default()
            }],
        });
        let d = run(&c);
        assert_eq!(d.outcome, "maintenance");
        assert_eq!(d.slots["maintenance_until"], "2024-06-12 14:00");
        // Planned but not under way: the reason's own remedy.
        c.maintenance.as_mut().unwrap().active = Some(false);
        let d = run(&c);
        assert_eq!(d.outcome, "fixable");
        assert_eq!(d.entry, entry("maintenance", "service_unavailable"));
    }

    #[test]
    fn an_unknown_status_is_an_honest_unavailable() {
        let d = run(&case(CaseStatus::Unknown));
        assert_eq!(d.outcome, "unavailable");
        assert_eq!(d.slots["case_status"], "unknown");
    }

    #[test]
    fn unfinished_cases_without_reasons_are_fixable_without_entry() {
        for status in [
            CaseStatus::NotStarted,
            CaseStatus::InProgress,
            CaseStatus::Expired,
            CaseStatus::ResubmissionRequested,
        ] {
            let d = run(&case(status));
            assert_eq!(d.outcome, "fixable", "{status}");
            assert_eq!(d.entry, None);
        }
    }

    #[test]
    fn service_status_active_scheduled_clear() {
        let window = MaintenanceWindow {
            id: Some("mw-42".into()),
            starts_at: Some(fixed("2024-06-15T01:00:00+08:00")),
            ends_at: Some(fixed("2024-06-15T03:00:00+08:00")),
            affects: vec![],
            notice_url: Some("https://status.example.com/mw-42".into()),
        };
        let m = Maintenance {
            active: None,
            windows: vec![window],
        };
        let (outcome, slots) = decide_service_status(&m, at(NOW), Shanghai);
        assert_eq!(outcome, "scheduled");
        assert_eq!(slots["maintenance_starts"], "2024-06-15 01:00");
        assert_eq!(slots["maintenance_until"], "2024-06-15 03:00");
        assert_eq!(
            slots["maintenance_notice_url"],
            "https://status.example.com/mw-42"
        );
        let (outcome, slots) = decide_service_status(&m, at("2024-06-14T18:00:00Z"), UTC);
        assert_eq!(outcome, "active");
        assert_eq!(slots["maintenance_until"], "2024-06-14 19:00");
        let (outcome, _) = decide_service_status(&m, at("2024-06-15T00:00:00Z"), UTC);
        assert_eq!(outcome, "clear");
        let (outcome, _) = decide_service_status(&Maintenance::default(), at(NOW), UTC);
        assert_eq!(outcome, "clear");
    }

    #[test]
    fn failures_and_user_lists() {
        let d = decide_failure(&CaseError::Timeout, Shanghai);
        assert_eq!(d.outcome, "unavailable");
        assert_eq!(d.slots["lookup_error"], "timeout");
        let d = decide_failure(
            &CaseError::Maintenance {
                until: Some(fixed("2024-06-12T06:00:00Z")),
                maintenance: None,
            },
            Shanghai,
        );
        assert_eq!(d.outcome, "maintenance");
        assert_eq!(d.slots["maintenance_until"], "2024-06-12 14:00");
        assert_eq!(
            decide_failure(&CaseError::NotFound, UTC).outcome,
            "not_found"
        );

        let empty = UserCases::default();
        assert_eq!(
            decide_user_cases(&empty, at(NOW), UTC, &none()).outcome,
            "no_case"
        );
        let listed = UserCases {
            cases: vec![case(CaseStatus::Approved), case(CaseStatus::Rejected)],
            next_cursor: None,
        };
        assert_eq!(
            decide_user_cases(&listed, at(NOW), UTC, &none()).outcome,
            "approved",
            "the newest case"
        );
    }

    #[test]
    fn every_outcome_is_one_the_flows_handle() {
        let outcomes = action_spec("case_lookup").unwrap().outcomes;
        let services = action_spec("service_status").unwrap().outcomes;
        let statuses = CaseStatus::ALL.iter().map(|s| run(&case(*s)).outcome);
        for outcome in statuses {
            assert!(outcomes.contains(&outcome), "{outcome}");
        }
        for o in ["active", "scheduled", "clear"] {
            assert!(services.contains(&o));
        }
    }
}
