//! The sandbox's data: demo cases, users and maintenance modes, read from a YAML file.
//!
//! Cases are kept as JSON values, not as the bot's types: the sandbox is a backend, and a backend
//! may send fields and values the bot does not know. Times written `@now…` are resolved on every
//! request (see `demo_cases.yaml`), so "pending until the day after tomorrow" stays true.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Offset, SecondsFormat, Timelike, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The embedded demo data.
pub const DEMO_CASES_YAML: &str = include_str!("demo_cases.yaml");

/// Which maintenance the service status reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MaintenanceMode {
    /// Under way now.
    Active,
    /// Planned, not yet started.
    Scheduled,
    /// None planned.
    Clear,
}

impl MaintenanceMode {
    pub const ALL: [Self; 3] = [Self::Active, Self::Scheduled, Self::Clear];

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "active" => Some(Self::Active),
            "scheduled" => Some(Self::Scheduled),
            "clear" | "off" | "none" => Some(Self::Clear),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Scheduled => "scheduled",
            Self::Clear => "clear",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox data is not valid YAML of the expected shape: {0}")]
    Yaml(String),
    #[error("the sandbox data is inconsistent: {0}")]
    Data(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    service_status: ServiceStatusFile,
    #[serde(default)]
    users: Vec<String>,
    cases: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceStatusFile {
    default: String,
    modes: BTreeMap<String, Value>,
}

/// Demo cases, users and maintenance modes, checked once at load.
#[derive(Debug, Clone)]
pub struct SandboxData {
    cases: Vec<Value>,
    users: Vec<String>,
    modes: BTreeMap<MaintenanceMode, Value>,
    default_mode: MaintenanceMode,
}

impl SandboxData {
    /// The embedded demo data.
    pub fn demo() -> Result<Self, SandboxError> {
        Self::from_yaml(DEMO_CASES_YAML)
    }

    pub fn from_yaml(text: &str) -> Result<Self, SandboxError> {
        let file: DataFile =
            serde_saphyr::from_str(text).map_err(|e| SandboxError::Yaml(e.to_string()))?;
        let default_mode =
            MaintenanceMode::parse(&file.service_status.default).ok_or_else(|| {
                SandboxError::Data(format!(
                    "service_status.default `{}` is not active, scheduled or clear",
                    file.service_status.default
                ))
            })?;
        let mut modes = BTreeMap::new();
        for (name, maintenance) in file.service_status.modes {
            let mode = MaintenanceMode::parse(&name).ok_or_else(|| {
                SandboxError::Data(format!("service_status.modes has an unknown mode `{name}`"))
            })?;
            modes.insert(mode, maintenance);
        }
        for mode in MaintenanceMode::ALL {
            if !modes.contains_key(&mode) {
                return Err(SandboxError::Data(format!(
                    "service_status.modes lacks `{}`",
                    mode.as_str()
                )));
            }
        }
        let mut seen = HashSet::new();
        for (index, case) in file.cases.iter().enumerate() {
            let id = case
                .get("case_id")
                .and_then(Value::as_str)
                .ok_or_else(|| SandboxError::Data(format!("case #{index} has no case_id")))?;
            if case.get("status").and_then(Value::as_str).is_none() {
                return Err(SandboxError::Data(format!("case {id} has no status")));
            }
            if !seen.insert(id.to_ascii_uppercase()) {
                return Err(SandboxError::Data(format!("case {id} appears twice")));
            }
        }
        let data = Self {
            cases: file.cases,
            users: file.users,
            modes,
            default_mode,
        };
        // Every relative time must be readable; better to fail at start than on a request.
        let now = Utc::now();
        for case in &data.cases {
            resolve_times(case.clone(), now)?;
        }
        for maintenance in data.modes.values() {
            resolve_times(maintenance.clone(), now)?;
        }
        Ok(data)
    }

    pub fn default_mode(&self) -> MaintenanceMode {
        self.default_mode
    }

    /// Every case id, in file order.
    pub fn case_ids(&self) -> Vec<String> {
        self.cases
            .iter()
            .filter_map(|c| c.get("case_id").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }

    /// The maintenance object of `mode`, times resolved.
    pub fn maintenance(&self, mode: MaintenanceMode, now: DateTime<Utc>) -> Value {
        self.modes
            .get(&mode)
            .cloned()
            .and_then(|m| resolve_times(m, now).ok())
            .unwrap_or(Value::Null)
    }

    /// One case (ids compared ignoring case), times resolved, with the current maintenance
    /// unless the case carries its own.
    pub fn case(&self, case_id: &str, now: DateTime<Utc>, mode: MaintenanceMode) -> Option<Value> {
        let template = self.cases.iter().find(|c| {
            c.get("case_id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(case_id))
        })?;
        self.render(template, now, mode)
    }

    /// A user's cases, newest first, at most `limit`; `None` for a user the sandbox does not know.
    pub fn user_cases(
        &self,
        user_ref: &str,
        now: DateTime<Utc>,
        mode: MaintenanceMode,
        limit: usize,
    ) -> Option<Vec<Value>> {
        let mut cases: Vec<Value> = self
            .cases
            .iter()
            .filter(|c| c.get("user_ref").and_then(Value::as_str) == Some(user_ref))
            .filter_map(|c| self.render(c, now, mode))
            .collect();
        if cases.is_empty() && !self.users.iter().any(|u| u == user_ref) {
            return None;
        }
        cases.sort_by_key(|c| std::cmp::Reverse(created_at(c)));
        cases.truncate(limit);
        Some(cases)
    }

    fn render(&self, template: &Value, now: DateTime<Utc>, mode: MaintenanceMode) -> Option<Value> {
        let mut case = resolve_times(template.clone(), now).ok()?;
        if let Some(object) = case.as_object_mut()
            && !object.contains_key("maintenance")
        {
            object.insert("maintenance".to_string(), self.maintenance(mode, now));
        }
        Some(case)
    }
}

fn created_at(case: &Value) -> Option<DateTime<FixedOffset>> {
    case.get("created_at")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
}

/// China Standard Time, the sandbox backend's zone.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// Replaces every `@now…` string in `value` by an RFC 3339 time.
fn resolve_times(mut value: Value, now: DateTime<Utc>) -> Result<Value, SandboxError> {
    resolve_in_place(&mut value, now)?;
    Ok(value)
}

fn resolve_in_place(value: &mut Value, now: DateTime<Utc>) -> Result<(), SandboxError> {
    match value {
        Value::String(text) if text.starts_with("@now") => {
            let at = relative_time(text, now).ok_or_else(|| {
                SandboxError::Data(format!(
                    "`{text}` is not a relative time like @now+2d@18:00"
                ))
            })?;
            *text = at.to_rfc3339_opts(SecondsFormat::Secs, false);
        }
        Value::Array(items) => {
            for item in items {
                resolve_in_place(item, now)?;
            }
        }
        Value::Object(fields) => {
            for (_, item) in fields.iter_mut() {
                resolve_in_place(item, now)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `@now`, then offsets (`+2d`, `-90m`, `+1h`), then optionally `@HH:MM` (China Standard Time).
/// Truncated to the minute, so texts show round times.
pub fn relative_time(text: &str, now: DateTime<Utc>) -> Option<DateTime<FixedOffset>> {
    let rest = text.trim().strip_prefix("@now")?;
    let (offsets, clock) = match rest.split_once('@') {
        Some((offsets, clock)) => (offsets, Some(clock)),
        None => (rest, None),
    };
    let mut at = now.with_timezone(&cst());
    let mut chars = offsets.chars().peekable();
    while let Some(sign) = chars.next() {
        let negative = match sign {
            '+' => false,
            '-' => true,
            _ => return None,
        };
        let mut digits = String::new();
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            digits.push(d);
        }
        let amount: i64 = digits.parse().ok()?;
        let amount = if negative { -amount } else { amount };
        let step = match chars.next()? {
            'd' => Duration::try_days(amount)?,
            'h' => Duration::try_hours(amount)?,
            'm' => Duration::try_minutes(amount)?,
            _ => return None,
        };
        at = at.checked_add_signed(step)?;
    }
    if let Some(clock) = clock {
        let time = NaiveTime::parse_from_str(clock.trim(), "%H:%M").ok()?;
        at = at
            .date_naive()
            .and_time(time)
            .and_local_timezone(cst())
            .single()?;
    }
    at.with_second(0)?.with_nanosecond(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn relative_times() {
        let now = at("2024-06-11T01:12:34Z"); // 09:12:34 in China
        let show =
            |t: &str| relative_time(t, now).map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, false));
        assert_eq!(show("@now").as_deref(), Some("2024-06-11T09:12:00+08:00"));
        assert_eq!(
            show("@now+2d").as_deref(),
            Some("2024-06-13T09:12:00+08:00")
        );
        assert_eq!(
            show("@now-90m").as_deref(),
            Some("2024-06-11T07:42:00+08:00")
        );
        assert_eq!(
            show("@now+1d+2h").as_deref(),
            Some("2024-06-12T11:12:00+08:00")
        );
        assert_eq!(
            show("@now+2d@18:00").as_deref(),
            Some("2024-06-13T18:00:00+08:00")
        );
        assert_eq!(
            show("@now@01:00").as_deref(),
            Some("2024-06-11T01:00:00+08:00")
        );
        for bad in ["@now+", "@now+2", "@now*2d", "@now+2w", "@now@25:00", "now"] {
            assert_eq!(show(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_demo_data_loads_and_resolves() {
        let data = SandboxData::demo().unwrap();
        let ids = data.case_ids();
        assert!(ids.len() >= 21, "{ids:?}");
        let now = at("2024-06-11T01:00:00Z");
        let pending = data
            .case("kyc-demo-pending", now, MaintenanceMode::Clear)
            .unwrap();
        assert_eq!(
            pending["review"]["expected_by"],
            "2024-06-13T18:00:00+08:00"
        );
        assert_eq!(pending["maintenance"]["active"], false);
        let maint = data
            .case("KYC-DEMO-MAINT", now, MaintenanceMode::Clear)
            .unwrap();
        assert_eq!(maint["maintenance"]["active"], true, "its own maintenance");
        let active = data
            .case("KYC-DEMO-PHOTO", now, MaintenanceMode::Active)
            .unwrap();
        assert_eq!(
            active["maintenance"]["active"], true,
            "the current maintenance"
        );
        assert!(data.case("KYC-NOPE", now, MaintenanceMode::Clear).is_none());
    }

    #[test]
    fn users_newest_first() {
        let data = SandboxData::demo().unwrap();
        let now = Utc::now();
        let cases = data
            .user_cases("u_demo", now, MaintenanceMode::Clear, 10)
            .unwrap();
        let ids: Vec<&str> = cases.iter().filter_map(|c| c["case_id"].as_str()).collect();
        assert_eq!(ids, ["KYC-DEMO-PHOTO", "KYC-DEMO-NETWORK"]);
        assert_eq!(
            data.user_cases("u_demo", now, MaintenanceMode::Clear, 1)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            data.user_cases("u_new", now, MaintenanceMode::Clear, 10),
            Some(vec![])
        );
        assert_eq!(
            data.user_cases("u_ghost", now, MaintenanceMode::Clear, 10),
            None
        );
    }

    #[test]
    fn bad_data_is_refused_with_a_reason() {
        let base = "service_status:\n  default: clear\n  modes:\n    active: {}\n    scheduled: {}\n    clear: {}\n";
        assert!(SandboxData::from_yaml(&format!("{base}cases: []\n")).is_ok());
        for (cases, expected) in [
            ("cases:\n  - {status: approved}\n", "no case_id"),
            ("cases:\n  - {case_id: A}\n", "no status"),
            (
                "cases:\n  - {case_id: A, status: approved}\n  - {case_id: a, status: approved}\n",
                "twice",
            ),
            (
                "cases:\n  - {case_id: A, status: approved, created_at: \"@now+1y\"}\n",
                "relative time",
            ),
        ] {
            let error = SandboxData::from_yaml(&format!("{base}{cases}")).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
        assert!(SandboxData::from_yaml("cases: []").is_err());
    }
}
