//! Business hours: when people answer. Read in the office's own time zone, so a shift follows
//! the wall clock across daylight-saving changes.
//!
//! A shift belongs to the day it starts on: with `open = "22:00"` and `close = "06:00"`, Friday's
//! shift runs from Friday 22:00 to Saturday 06:00, and a holiday on Friday cancels that shift
//! (not the early hours of Friday, which belong to Thursday's).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use serde::{Deserialize, Serialize};

/// Seconds in a day: `close = "24:00"`.
const DAY_SECS: u32 = 86_400;

/// How far ahead `next_open` looks: past this the schedule is taken as never open (every
/// working day a holiday for three years is no schedule).
const SEARCH_DAYS: u64 = 3 * 366;

/// `[handoff.hours]` of the settings file, as written; [`BusinessHours::new`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HoursSettings {
    pub time_zone: String,
    pub days: Vec<String>,
    pub open: String,
    pub close: String,
    pub holidays: Vec<String>,
}

impl Default for HoursSettings {
    fn default() -> Self {
        Self {
            time_zone: "Asia/Shanghai".into(),
            days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .map(String::from)
                .to_vec(),
            open: "00:00".into(),
            close: "24:00".into(),
            holidays: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("`{0}` is not a time zone name such as Asia/Shanghai")]
    TimeZone(String),
    #[error("`{0}` is not a day of the week (use mon, tue, wed, thu, fri, sat, sun)")]
    Day(String),
    #[error("`{value}` is not a time of day as HH:MM (00:00 to 23:59{extra})")]
    Time {
        which: &'static str,
        value: String,
        extra: &'static str,
    },
    #[error("`{0}` is not a date as YYYY-MM-DD")]
    Date(String),
    #[error("open and close are both `{0}`: for round-the-clock hours use 00:00 to 24:00")]
    Empty(String),
}

impl HoursError {
    /// The key of `[handoff.hours]` the error is about.
    pub fn key(&self) -> Option<&'static str> {
        Some(match self {
            Self::TimeZone(_) => "time_zone",
            Self::Day(_) => "days",
            Self::Time { which, .. } => which,
            Self::Date(_) => "holidays",
            Self::Empty(_) => "close",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    zone: Tz,
    /// Indexed by days from Monday.
    days: [bool; 7],
    /// Seconds from local midnight.
    open: u32,
    /// Seconds from local midnight, up to `DAY_SECS`; below `open` for an overnight shift.
    close: u32,
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessHours {
    pub fn new(settings: &HoursSettings) -> Result<Self, HoursError> {
        let zone: Tz = settings
            .time_zone
            .trim()
            .parse()
            .map_err(|_| HoursError::TimeZone(settings.time_zone.clone()))?;
        let mut days = [false; 7];
        for day in &settings.days {
            days[weekday(day)?.num_days_from_monday() as usize] = true;
        }
        let open = time_of_day(&settings.open, "open")?;
        let close = time_of_day(&settings.close, "close")?;
        if open == DAY_SECS {
            return Err(HoursError::Time {
                which: "open",
                value: settings.open.clone(),
                extra: "",
            });
        }
        if open == close {
            return Err(HoursError::Empty(settings.open.clone()));
        }
        let holidays = settings
            .holidays
            .iter()
            .map(|d| {
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| HoursError::Date(d.clone()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            zone,
            days,
            open,
            close,
            holidays,
        })
    }

    pub fn time_zone(&self) -> Tz {
        self.zone
    }

    /// Whether people answer at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.zone);
        let date = local.date_naive();
        let secs = local.num_seconds_from_midnight();
        if self.open < self.close {
            self.works_on(date) && (self.open..self.close).contains(&secs)
        } else {
            // Overnight: the evening of a working day, or the early hours after one.
            let yesterday = date.checked_sub_days(Days::new(1));
            (self.works_on(date) && secs >= self.open)
                || (yesterday.is_some_and(|d| self.works_on(d)) && secs < self.close)
        }
    }

    /// `at` itself when open, else the next moment people answer; `None` if never.
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(at) {
            return Some(at);
        }
        // Closed now, so the next opening is the start of a later shift.
        let first = at.with_timezone(&self.zone).date_naive();
        (0..=SEARCH_DAYS)
            .filter_map(|n| first.checked_add_days(Days::new(n)))
            .filter(|date| self.works_on(*date))
            .filter_map(|date| self.shift_start(date))
            .find(|start| *start > at && self.is_open(*start))
    }

    fn works_on(&self, date: NaiveDate) -> bool {
        self.days[date.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&date)
    }

    /// When the shift of `date` starts. An opening time skipped by a daylight-saving jump opens
    /// at the first minute after the jump; one that happens twice opens the first time.
    fn shift_start(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        let mut wall = date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(self.open, 0)?);
        // Jumps are at most a few hours; a minute at a time finds the end of the gap.
        for _ in 0..(4 * 60) {
            if let Some(t) = self.zone.from_local_datetime(&wall).earliest() {
                return Some(t.with_timezone(&Utc));
            }
            wall += chrono::Duration::minutes(1);
        }
        None
    }
}

impl super::OpeningHours for BusinessHours {
    fn is_open(&self, at: DateTime<Utc>) -> bool {
        BusinessHours::is_open(self, at)
    }

    fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        BusinessHours::next_open(self, at)
    }

    /// In the desk's own zone, as its opening hours are written.
    fn describe(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.zone);
        format!("{} ({})", local.format("%Y-%m-%d %H:%M"), self.zone.name())
    }
}

fn weekday(text: &str) -> Result<Weekday, HoursError> {
    let day = match text.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return Err(HoursError::Day(text.to_string())),
    };
    Ok(day)
}

/// `HH:MM` as seconds from midnight; `24:00` (the end of the day) only for `close`.
fn time_of_day(text: &str, which: &'static str) -> Result<u32, HoursError> {
    let bad = || HoursError::Time {
        which,
        value: text.to_string(),
        extra: if which == "close" { ", or 24:00" } else { "" },
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (24, 0) if which == "close" => Ok(DAY_SECS),
        (0..=23, 0..=59) => Ok(h * 3600 + m * 60),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(
        zone: &str,
        days: &[&str],
        open: &str,
        close: &str,
        holidays: &[&str],
    ) -> BusinessHours {
        BusinessHours::new(&HoursSettings {
            time_zone: zone.into(),
            days: days.iter().map(|d| d.to_string()).collect(),
            open: open.into(),
            close: close.into(),
            holidays: holidays.iter().map(|d| d.to_string()).collect(),
        })
        .expect("valid hours")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test time")
            .with_timezone(&Utc)
    }

    const WEEKDAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri"];

    #[test]
    fn the_defaults_are_always_open() {
        let h = BusinessHours::new(&HoursSettings::default()).expect("defaults are valid");
        for t in [
            "2026-12-05T00:00:00Z",
            "2026-12-06T15:59:59Z",
            "2027-01-01T12:00:00Z",
        ] {
            assert!(h.is_open(utc(t)), "{t}");
            assert_eq!(h.next_open(utc(t)), Some(utc(t)));
        }
    }

    #[test]
    fn office_hours_in_shanghai_are_read_in_local_time() {
        // 2026-12-02 is a Wednesday; Shanghai is UTC+8 all year.
        let h = hours("Asia/Shanghai", WEEKDAYS, "09:00", "18:00", &[]);
        assert!(!h.is_open(utc("2026-12-02T00:59:59Z")), "08:59:59 local");
        assert!(h.is_open(utc("2026-12-02T01:00:00Z")), "09:00 local");
        assert!(h.is_open(utc("2026-12-02T09:59:59Z")), "17:59:59 local");
        assert!(
            !h.is_open(utc("2026-12-02T10:00:00Z")),
            "18:00 local: closed"
        );
        assert_eq!(
            h.next_open(utc("2026-12-02T10:00:00Z")),
            Some(utc("2026-12-03T01:00:00Z"))
        );
    }

    #[test]
    fn the_weekend_is_closed_until_monday_morning() {
        let h = hours("Asia/Shanghai", WEEKDAYS, "09:00", "18:00", &[]);
        // Saturday 2026-12-05 at 12:00 local.
        let saturday_noon = utc("2026-12-05T04:00:00Z");
        assert!(!h.is_open(saturday_noon));
        assert_eq!(
            h.next_open(saturday_noon),
            Some(utc("2026-12-07T01:00:00Z")),
            "Monday 09:00 local"
        );
    }

    #[test]
    fn a_holiday_is_closed_by_its_local_date() {
        // 2027-01-01 is a Friday; the next working day is Monday 2027-01-04.
        let h = hours("Asia/Shanghai", WEEKDAYS, "09:00", "18:00", &["2027-01-01"]);
        let new_year_morning = utc("2027-01-01T02:00:00Z");
        assert!(!h.is_open(new_year_morning));
        assert!(
            h.is_open(utc("2026-12-31T02:00:00Z")),
            "the day before works"
        );
        assert_eq!(
            h.next_open(new_year_morning),
            Some(utc("2027-01-04T01:00:00Z"))
        );
        // 2026-12-31T17:00Z is already 2027-01-01 01:00 in Shanghai: the holiday, by local date.
        let h = hours(
            "Asia/Shanghai",
            &["thu", "fri"],
            "00:00",
            "24:00",
            &["2027-01-01"],
        );
        assert!(h.is_open(utc("2026-12-31T15:59:59Z")));
        assert!(!h.is_open(utc("2026-12-31T16:00:00Z")));
    }

    #[test]
    fn an_overnight_shift_runs_past_midnight_and_belongs_to_the_day_it_starts() {
        // Weekdays 22:00 to 06:00, UTC for easy reading. 2026-12-04 is a Friday.
        let h = hours("UTC", WEEKDAYS, "22:00", "06:00", &["2026-12-02"]);
        assert!(h.is_open(utc("2026-12-04T23:00:00Z")), "Friday night");
        assert!(
            h.is_open(utc("2026-12-05T05:59:00Z")),
            "Saturday early: Friday's shift"
        );
        assert!(!h.is_open(utc("2026-12-05T06:00:00Z")));
        assert!(
            !h.is_open(utc("2026-12-05T23:00:00Z")),
            "Saturday night: no shift"
        );
        assert!(
            !h.is_open(utc("2026-12-07T03:00:00Z")),
            "Monday early: Sunday had none"
        );
        assert!(!h.is_open(utc("2026-12-04T12:00:00Z")), "midday");
        // The holiday Wednesday has no shift; Tuesday's still ends Wednesday morning.
        assert!(h.is_open(utc("2026-12-02T05:00:00Z")));
        assert!(!h.is_open(utc("2026-12-02T23:00:00Z")));
        assert!(!h.is_open(utc("2026-12-03T01:00:00Z")));
        assert_eq!(
            h.next_open(utc("2026-12-02T23:00:00Z")),
            Some(utc("2026-12-03T22:00:00Z"))
        );
        assert_eq!(
            h.next_open(utc("2026-12-05T12:00:00Z")),
            Some(utc("2026-12-07T22:00:00Z")),
            "after Friday's shift: Monday evening"
        );
    }

    #[test]
    fn hours_follow_the_wall_clock_across_daylight_saving() {
        // Berlin: 09:00 to 17:00 is 08:00Z in winter (CET) and 07:00Z in summer (CEST).
        let h = hours("Europe/Berlin", WEEKDAYS, "09:00", "17:00", &[]);
        assert!(
            !h.is_open(utc("2026-12-02T07:30:00Z")),
            "winter 08:30 local"
        );
        assert!(h.is_open(utc("2026-12-02T08:30:00Z")), "winter 09:30 local");
        assert!(h.is_open(utc("2026-07-01T07:30:00Z")), "summer 09:30 local");
        assert!(
            !h.is_open(utc("2026-07-01T15:30:00Z")),
            "summer 17:30 local"
        );
        // Clocks go forward on Sunday 2026-03-29: Monday opens at 07:00Z, Friday before at 08:00Z.
        assert_eq!(
            h.next_open(utc("2026-03-27T17:00:00Z")),
            Some(utc("2026-03-30T07:00:00Z"))
        );
    }

    #[test]
    fn an_opening_time_skipped_by_the_clock_change_opens_after_the_jump() {
        // New York skips 02:00-03:00 on Sunday 2026-03-08; a 02:30 opening opens at 03:00 EDT.
        let h = hours("America/New_York", &["sun"], "02:30", "10:00", &[]);
        assert_eq!(
            h.next_open(utc("2026-03-07T12:00:00Z")),
            Some(utc("2026-03-08T07:00:00Z"))
        );
        assert!(h.is_open(utc("2026-03-08T07:00:00Z")));
    }

    #[test]
    fn a_moment_is_told_in_the_desk_s_time_zone() {
        use crate::handoff::OpeningHours;
        let h = hours("Asia/Shanghai", WEEKDAYS, "09:00", "18:00", &[]);
        let shown = h.describe(utc("2026-12-07T01:00:00Z"));
        assert_eq!(shown, "2026-12-07 09:00 (Asia/Shanghai)");
    }

    #[test]
    fn no_working_day_is_never_open() {
        let h = hours("Asia/Shanghai", &[], "09:00", "18:00", &[]);
        assert!(!h.is_open(utc("2026-12-02T03:00:00Z")));
        assert_eq!(h.next_open(utc("2026-12-02T03:00:00Z")), None);
    }

    #[test]
    fn bad_settings_are_refused_naming_the_value() {
        let base = HoursSettings::default();
        let cases = [
            (
                HoursSettings {
                    time_zone: "Mars/Olympus".into(),
                    ..base.clone()
                },
                "time_zone",
                "Mars/Olympus",
            ),
            (
                HoursSettings {
                    days: vec!["mon".into(), "funday".into()],
                    ..base.clone()
                },
                "days",
                "funday",
            ),
            (
                HoursSettings {
                    open: "9am".into(),
                    ..base.clone()
                },
                "open",
                "9am",
            ),
            (
                HoursSettings {
                    open: "24:00".into(),
                    ..base.clone()
                },
                "open",
                "24:00",
            ),
            (
                HoursSettings {
                    close: "18:60".into(),
                    ..base.clone()
                },
                "close",
                "18:60",
            ),
            (
                HoursSettings {
                    holidays: vec!["2026-02-30".into()],
                    ..base.clone()
                },
                "holidays",
                "2026-02-30",
            ),
            (
                HoursSettings {
                    open: "09:00".into(),
                    close: "09:00".into(),
                    ..base.clone()
                },
                "close",
                "09:00",
            ),
        ];
        for (settings, key, value) in cases {
            let error = BusinessHours::new(&settings).expect_err(value);
            assert_eq!(error.key(), Some(key), "{error}");
            assert!(error.to_string().contains(value), "{error} names {value}");
        }
    }
}
