//! The case object of the case-status API and its enumerations, as the bot reads them.
//!
//! The contract is forward compatible: a newer backend may add fields and enum values at any time,
//! and any field but `case_id` and `status` may be missing or `null`. So every enumeration here
//! reads an unknown value as its fallback (`other` for kinds such as a cause, `unknown` for
//! states) instead of failing, lists default to empty, and a timestamp that cannot be read counts
//! as missing (the decision rules then fall back, e.g. from `expected_by` to the SLA). Only a body
//! that is not a case at all (no `case_id`, no `status`, wrong types) is refused, as `Malformed`.

use std::fmt;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string enumeration of the contract: a closed set of known values plus a fallback that any
/// other value reads as. Serialises back to the contract's spelling.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, fallback = $fallback:ident,
        { $($variant:ident => $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$(Self::$variant,)+];

            /// The contract's spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// Reads a value; anything unknown is the fallback. Case and surrounding spaces are
            /// forgiven, since a backend that says `APPROVED` means `approved`.
            pub fn parse(value: &str) -> Self {
                let value = value.trim();
                $(if value.eq_ignore_ascii_case($text) {
                    return Self::$variant;
                })+
                Self::$fallback
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

string_enum! {
    /// Where the case stands (`status`).
    CaseStatus, fallback = Unknown, {
        NotStarted => "not_started",
        InProgress => "in_progress",
        PendingReview => "pending_review",
        ManualReview => "manual_review",
        Approved => "approved",
        ResubmissionRequested => "resubmission_requested",
        Rejected => "rejected",
        Expired => "expired",
        Unknown => "unknown",
    }
}

string_enum! {
    /// Whether a rejection may be retried (`rejection_type`).
    RejectionType, fallback = Unknown, {
        Retry => "retry",
        Final => "final",
        Unknown => "unknown",
    }
}

string_enum! {
    /// A step of the verification (`steps[].step`, `reasons[].step`, maintenance `affects`).
    StepName, fallback = Other, {
        PersonalInfo => "personal_info",
        IdFront => "id_front",
        IdBack => "id_back",
        FaceLiveness => "face_liveness",
        Sms => "sms",
        Video => "video",
        Other => "other",
    }
}

string_enum! {
    /// How far a step got (`steps[].status`).
    StepStatus, fallback = Unknown, {
        NotStarted => "not_started",
        Pending => "pending",
        Passed => "passed",
        Rejected => "rejected",
        Unknown => "unknown",
    }
}

string_enum! {
    /// Why a step failed, in broad terms (`reasons[].cause`). Each cause has a flow of the same
    /// name.
    Cause, fallback = Other, {
        InfoMismatch => "info_mismatch",
        Network => "network",
        PhotoQuality => "photo_quality",
        Maintenance => "maintenance",
        PriorViolation => "prior_violation",
        DocumentExpired => "document_expired",
        FaceLiveness => "face_liveness",
        VideoDevice => "video_device",
        SmsCode => "sms_code",
        UnsupportedDocument => "unsupported_document",
        DuplicateAccount => "duplicate_account",
        Underage => "underage",
        Other => "other",
    }
}

string_enum! {
    /// What it takes to get past a reason (`reasons[].resolution`).
    Resolution, fallback = Unknown, {
        Resubmit => "resubmit",
        RetryLater => "retry_later",
        HumanReview => "human_review",
        Appeal => "appeal",
        Unknown => "unknown",
    }
}

string_enum! {
    /// The `code` of a problem+json error body.
    ProblemCode, fallback = Unknown, {
        CaseNotFound => "case_not_found",
        UserNotFound => "user_not_found",
        Unauthorized => "unauthorized",
        RateLimited => "rate_limited",
        Maintenance => "maintenance",
        Internal => "internal",
        Unknown => "unknown",
    }
}

/// One verification case (`GET /v1/cases/{case_id}`, and the webhook's body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    #[serde(default)]
    pub api_version: Option<String>,
    pub case_id: String,
    #[serde(default)]
    pub user_ref: Option<String>,
    pub status: CaseStatus,
    #[serde(default)]
    pub rejection_type: Option<RejectionType>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub methods: Vec<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub updated_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub review: Option<Review>,
    #[serde(default)]
    pub attempts: Option<Attempts>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub cooldown_until: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub steps: Vec<Step>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub reasons: Vec<Reason>,
    #[serde(default)]
    pub submitted_info: Option<SubmittedInfo>,
    /// For agents only: never shown to the user.
    #[serde(default)]
    pub internal_note: Option<String>,
    #[serde(default)]
    pub appeal: Option<Appeal>,
    #[serde(default)]
    pub maintenance: Option<Maintenance>,
}

/// When the case was submitted for review and when an answer is due.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Review {
    #[serde(default, deserialize_with = "lenient_time")]
    pub submitted_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub reviewed_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub sla_working_days: Option<Sla>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub expected_by: Option<DateTime<FixedOffset>>,
}

/// How many working days a review usually takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    #[serde(default)]
    pub min: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
}

/// The attempt counter; `window` is an ISO 8601 duration over which it resets (null: per case).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    #[serde(default)]
    pub used: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
    #[serde(default)]
    pub remaining: Option<u32>,
    #[serde(default)]
    pub window: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    #[serde(default)]
    pub step: Option<StepName>,
    #[serde(default)]
    pub status: Option<StepStatus>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub reason_ids: Vec<String>,
}

/// Why the case was not approved. The bot chooses its words by `code`; `user_message` and the
/// vendor's labels are kept for agents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub cause: Option<Cause>,
    #[serde(default)]
    pub step: Option<StepName>,
    #[serde(default)]
    pub user_fixable: Option<bool>,
    #[serde(default)]
    pub resolution: Option<Resolution>,
    #[serde(default)]
    pub sensitive: Option<bool>,
    /// Per language; kept as it came, since the bot never needs to read it.
    #[serde(default)]
    pub user_message: Option<serde_json::Value>,
    #[serde(default)]
    pub vendor: Option<Vendor>,
}

impl Reason {
    /// Fraud, watchlists, risk control: no detail to the user.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive == Some(true)
    }
}

/// The vendor's own labels behind a reason (Sumsub, Onfido, …), for agents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vendor {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// Vendors differ in shape here (a string, an object), so it is kept as it came.
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
}

/// What the user submitted, masked by the backend.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedInfo {
    #[serde(default)]
    pub name_masked: Option<String>,
    #[serde(default)]
    pub id_number_masked: Option<String>,
    #[serde(default)]
    pub phone_masked: Option<String>,
    /// A date, or words such as 长期 (no expiry) on Chinese IDs: kept as text.
    #[serde(default)]
    pub id_valid_until: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    #[serde(default)]
    pub allowed: Option<bool>,
    #[serde(default)]
    pub ticket_id: Option<String>,
}

/// Maintenance now and planned (in a case, in `/v1/service-status`, in a 503 problem body).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Maintenance {
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub windows: Vec<MaintenanceWindow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub ends_at: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "nullable_vec")]
    pub affects: Vec<StepName>,
    #[serde(default)]
    pub notice_url: Option<String>,
}

impl MaintenanceWindow {
    /// Started (or no start given) and not yet over (or no end given).
    fn contains(&self, now: DateTime<Utc>) -> bool {
        self.starts_at.is_none_or(|s| s <= now) && self.ends_at.is_none_or(|e| now < e)
    }
}

impl Maintenance {
    /// Whether verification is under maintenance now. The backend's `active` flag is the
    /// authority; only when it is missing is the answer read from the windows.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        match self.active {
            Some(active) => active,
            None => self
                .windows
                .iter()
                .any(|w| w.starts_at.is_some() && w.contains(now)),
        }
    }

    /// The window under way now, if the windows say so: the one containing `now` that ends first.
    pub fn current_window(&self, now: DateTime<Utc>) -> Option<&MaintenanceWindow> {
        self.windows
            .iter()
            .filter(|w| w.contains(now))
            .min_by_key(|w| w.ends_at)
    }

    /// The next window that has not started yet.
    pub fn next_window(&self, now: DateTime<Utc>) -> Option<&MaintenanceWindow> {
        self.windows
            .iter()
            .filter(|w| w.starts_at.is_some_and(|s| s > now))
            .min_by_key(|w| w.starts_at)
    }

    /// When the maintenance under way is expected to end: the current window's end, else (the
    /// flag says active but no window contains now) the earliest end still in the future.
    pub fn active_until(&self, now: DateTime<Utc>) -> Option<DateTime<FixedOffset>> {
        self.current_window(now)
            .and_then(|w| w.ends_at)
            .or_else(|| {
                self.windows
                    .iter()
                    .filter_map(|w| w.ends_at)
                    .filter(|e| *e > now)
                    .min()
            })
    }
}

/// `GET /v1/service-status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    #[serde(default)]
    pub maintenance: Option<Maintenance>,
}

/// `GET /v1/users/{user_ref}/cases`: newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserCases {
    #[serde(default, deserialize_with = "nullable_vec")]
    pub cases: Vec<Case>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// An `application/problem+json` error body (RFC 9457) with the contract's `code`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub code: Option<ProblemCode>,
    /// Present with `code: maintenance`.
    #[serde(default)]
    pub maintenance: Option<Maintenance>,
}

/// `null` reads as an empty list.
fn nullable_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// An RFC 3339 timestamp; anything else (a number, a date without a time, garbage) counts as
/// missing rather than breaking the whole case.
fn lenient_time<'de, D>(deserializer: D) -> Result<Option<DateTime<FixedOffset>>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of `case-api.md`, verbatim.
    pub(crate) const CONTRACT_EXAMPLE: &str = r#"{
      "api_version": "1",
      "case_id": "KYC-20240611-000123",
      "user_ref": "u_8f3a2c",
      "status": "resubmission_requested",
      "rejection_type": "retry",
      "methods": ["id_upload", "face_liveness", "sms"],
      "created_at": "2024-06-11T09:12:03+08:00",
      "updated_at": "2024-06-11T10:40:55+08:00",
      "review": {
        "submitted_at": "2024-06-11T09:30:00+08:00",
        "reviewed_at": "2024-06-11T10:40:55+08:00",
        "sla_working_days": {"min": 1, "max": 3},
        "expected_by": "2024-06-13T18:00:00+08:00"
      },
      "attempts": {"used": 2, "max": 5, "remaining": 3, "window": "P1D"},
      "cooldown_until": null,
      "steps": [
        {"step": "personal_info", "status": "passed"},
        {"step": "id_front", "status": "rejected", "reason_ids": ["r1"]},
        {"step": "id_back", "status": "passed"},
        {"step": "face_liveness", "status": "not_started"},
        {"step": "sms", "status": "passed"}
      ],
      "reasons": [
        {"id": "r1", "code": "PHOTO_GLARE", "cause": "photo_quality", "step": "id_front",
         "user_fixable": true, "resolution": "resubmit", "sensitive": false,
         "user_message": {"zh-CN": "...", "en": "..."},
         "vendor": {"name": "sumsub", "label": "UNSATISFACTORY_PHOTOS", "detail": "badPhoto_dataNotVisible"}}
      ],
      "submitted_info": {"name_masked": "张*", "id_number_masked": "1101**********123X",
                         "phone_masked": "138****5678", "id_valid_until": "2031-05-01"},
      "internal_note": "agents only, never shown to the user",
      "appeal": {"allowed": true, "ticket_id": null},
      "maintenance": {"active": false, "windows": [
        {"id": "mw-42", "starts_at": "2024-06-15T01:00:00+08:00", "ends_at": "2024-06-15T03:00:00+08:00",
         "affects": ["face_liveness", "video"], "notice_url": "https://status.example.com/mw-42"}]}
    }"#;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn reads_the_contract_example() {
        let case: Case = serde_json::from_str(CONTRACT_EXAMPLE).unwrap();
        assert_eq!(case.case_id, "KYC-20240611-000123");
        assert_eq!(case.status, CaseStatus::ResubmissionRequested);
        assert_eq!(case.rejection_type, Some(RejectionType::Retry));
        assert_eq!(case.steps.len(), 5);
        assert_eq!(case.steps[1].reason_ids, vec!["r1".to_string()]);
        let reason = &case.reasons[0];
        assert_eq!(reason.code.as_deref(), Some("PHOTO_GLARE"));
        assert_eq!(reason.cause, Some(Cause::PhotoQuality));
        assert_eq!(reason.resolution, Some(Resolution::Resubmit));
        assert!(!reason.is_sensitive());
        assert_eq!(case.attempts.as_ref().unwrap().remaining, Some(3));
        let review = case.review.as_ref().unwrap();
        assert_eq!(review.sla_working_days.unwrap().max, Some(3));
        assert_eq!(
            review.expected_by.unwrap().to_utc(),
            at("2024-06-13T10:00:00Z")
        );
        let maintenance = case.maintenance.as_ref().unwrap();
        assert_eq!(
            maintenance.windows[0].affects,
            vec![StepName::FaceLiveness, StepName::Video]
        );
        assert!(case.cooldown_until.is_none());
    }

    #[test]
    fn the_minimal_case_is_an_id_and_a_status() {
        let case: Case =
            serde_json::from_str(r#"{"case_id": "KYC-1", "status": "approved"}"#).unwrap();
        assert_eq!(case.status, CaseStatus::Approved);
        assert!(case.reasons.is_empty() && case.review.is_none());
        let nulls: Case = serde_json::from_str(
            r#"{"case_id": "KYC-1", "status": "approved", "reasons": null, "steps": null,
                "review": null, "attempts": null, "maintenance": {"active": null, "windows": null}}"#,
        )
        .unwrap();
        assert!(nulls.reasons.is_empty() && nulls.steps.is_empty());
        assert!(nulls.maintenance.unwrap().windows.is_empty());
    }

    #[test]
    fn unknown_fields_and_values_are_tolerated() {
        let case: Case = serde_json::from_str(
            r#"{"case_id": "KYC-1", "status": "escalated_to_mars", "shiny_new_field": {"a": [1]},
                "rejection_type": "soft",
                "steps": [{"step": "retina_scan", "status": "teleported"}],
                "reasons": [{"code": "NEW_CODE", "cause": "cosmic_rays", "resolution": "pray",
                             "vendor": {"detail": {"nested": true}}}],
                "created_at": "yesterday", "review": {"expected_by": 1718000000}}"#,
        )
        .unwrap();
        assert_eq!(case.status, CaseStatus::Unknown);
        assert_eq!(case.rejection_type, Some(RejectionType::Unknown));
        assert_eq!(case.steps[0].step, Some(StepName::Other));
        assert_eq!(case.steps[0].status, Some(StepStatus::Unknown));
        assert_eq!(case.reasons[0].cause, Some(Cause::Other));
        assert_eq!(case.reasons[0].resolution, Some(Resolution::Unknown));
        assert!(case.created_at.is_none());
        assert!(case.review.unwrap().expected_by.is_none());
    }

    #[test]
    fn what_is_not_a_case_is_refused() {
        for body in [
            r#"{"status": "approved"}"#,
            r#"{"case_id": "KYC-1"}"#,
            r#"{"case_id": 7, "status": "approved"}"#,
            r#"{"case_id": "KYC-1", "status": 3}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Case>(body).is_err(), "{body}");
        }
    }

    #[test]
    fn enums_round_trip_in_the_contract_spelling() {
        for cause in Cause::ALL {
            assert_eq!(Cause::parse(cause.as_str()), *cause);
            assert_eq!(
                serde_json::to_string(cause).unwrap(),
                format!("\"{}\"", cause.as_str())
            );
        }
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.as_str()), *status);
        }
        assert_eq!(CaseStatus::parse(" APPROVED "), CaseStatus::Approved);
        assert_eq!(Cause::parse("other"), Cause::Other);
    }

    #[test]
    fn the_cause_list_matches_the_flows_reason_table() {
        let causes: Vec<&str> = crate::flows::reasons::REASON_CODES
            .iter()
            .map(|(c, _)| *c)
            .collect();
        let ours: Vec<&str> = Cause::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(causes.len(), ours.len());
        for cause in causes {
            assert!(ours.contains(&cause), "{cause}");
        }
    }

    #[test]
    fn problem_bodies() {
        let problem: Problem = serde_json::from_str(
            r#"{"type": "https://example.com/probs/maintenance", "title": "Maintenance",
                "status": 503, "code": "maintenance",
                "maintenance": {"active": true, "windows": [
                  {"starts_at": "2024-06-15T01:00:00+08:00", "ends_at": "2024-06-15T03:00:00+08:00"}]}}"#,
        )
        .unwrap();
        assert_eq!(problem.code, Some(ProblemCode::Maintenance));
        assert_eq!(problem.status, Some(503));
        let unknown: Problem = serde_json::from_str(r#"{"code": "teapot"}"#).unwrap();
        assert_eq!(unknown.code, Some(ProblemCode::Unknown));
    }

    #[test]
    fn maintenance_windows() {
        let m: Maintenance = serde_json::from_str(
            r#"{"windows": [
                {"starts_at": "2024-06-15T01:00:00+08:00", "ends_at": "2024-06-15T03:00:00+08:00"},
                {"starts_at": "2024-06-20T01:00:00+08:00", "ends_at": "2024-06-20T02:00:00+08:00"}]}"#,
        )
        .unwrap();
        let during = at("2024-06-14T18:30:00Z");
        assert!(m.is_active(during));
        assert_eq!(
            m.active_until(during).unwrap().to_utc(),
            at("2024-06-14T19:00:00Z")
        );
        let before = at("2024-06-14T12:00:00Z");
        assert!(!m.is_active(before));
        assert_eq!(
            m.next_window(before).unwrap().ends_at.unwrap().to_utc(),
            at("2024-06-14T19:00:00Z")
        );
        // The flag is the authority when present.
        let flagged_off = Maintenance {
            active: Some(false),
            ..m.clone()
        };
        assert!(!flagged_off.is_active(during));
    }
}
