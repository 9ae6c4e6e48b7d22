//! Dates as users write them: `2024-06-11`, `2024/6/11`, `2024.6.11`, `2024年6月11日`, `6月11号`,
//! `11 June 2024`, `June 11, 2024`, `Jun 11`.
//!
//! Flows ask "when did you submit?" and compare with case records, so every form becomes one
//! [`NaiveDate`]; a missing year is taken from `today`.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::{Captures, Regex};

/// One alternation so the text is scanned once; the full Chinese form comes before the month-day
/// form so `2024年6月11日` is not read as `6月11日`.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
          (?P<cy>[0-9]{4})\s*年\s*(?P<cm>[0-9]{1,2})\s*月\s*(?P<cd>[0-9]{1,2})\s*[日号]
        | (?P<ny>[0-9]{4})[-/.](?P<nm>[0-9]{1,2})[-/.](?P<nd>[0-9]{1,2})
        | (?P<sm>[0-9]{1,2})\s*月\s*(?P<sd>[0-9]{1,2})\s*[日号]
        | (?P<ed>[0-9]{1,2})(?:st|nd|rd|th)?\s+
          (?P<em>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?
                |sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)
          \.?(?:,?\s+(?P<ey>[0-9]{4}))?
        | (?P<fm>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?
                |sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)
          \.?\s+(?P<fd>[0-9]{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<fy>[0-9]{4}))?
        ",
    )
    .expect("date pattern is a valid literal")
});

/// Years outside this range are far more likely part numbers or versions than dates.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2099;

/// Every date in folded `text`, as `(start, end, date)` byte ranges, left to right.
pub(crate) fn find_dates(text: &str, today: NaiveDate) -> Vec<(usize, usize, NaiveDate)> {
    let mut dates = Vec::new();
    let mut from = 0;
    while let Some(captures) = DATE.captures_at(text, from) {
        let Some(whole) = captures.get(0) else { break };
        match date_of(&captures, today).filter(|_| standalone(text, whole.start(), whole.end())) {
            Some(date) => {
                dates.push((whole.start(), whole.end(), date));
                from = whole.end();
            }
            // Not a date after all (`2024-13-01`, `12024-06-11`): look again one character on.
            None => {
                from = whole.start()
                    + text[whole.start()..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
            }
        }
    }
    dates
}

fn date_of(captures: &Captures<'_>, today: NaiveDate) -> Option<NaiveDate> {
    let number = |name: &str| captures.name(name)?.as_str().parse::<u32>().ok();
    let year = |name: &str| match captures.name(name) {
        Some(year) => year
            .as_str()
            .parse::<i32>()
            .ok()
            .filter(|y| YEARS.contains(y)),
        None => Some(today.year()),
    };
    let month_name = |name: &str| month_number(captures.name(name)?.as_str());
    let (year, month, day) = if captures.name("cy").is_some() {
        (year("cy")?, number("cm")?, number("cd")?)
    } else if captures.name("ny").is_some() {
        (year("ny")?, number("nm")?, number("nd")?)
    } else if captures.name("sm").is_some() {
        (today.year(), number("sm")?, number("sd")?)
    } else if captures.name("em").is_some() {
        (year("ey")?, month_name("em")?, number("ed")?)
    } else {
        (year("fy")?, month_name("fm")?, number("fd")?)
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `jan`…`dec` by the first three letters of an English month name.
fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = name.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// A date must not be cut out of a longer number or word: `12024-06-11`, `2024-06-113`,
/// `dismay 5` are not dates.
fn standalone(text: &str, start: usize, end: usize) -> bool {
    let first = text[start..].chars().next();
    let last = text[..end].chars().next_back();
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let clash = |edge: Option<char>, neighbour: Option<char>| match (edge, neighbour) {
        (Some(e), Some(n)) if e.is_ascii_digit() => n.is_ascii_digit(),
        (Some(e), Some(n)) if e.is_ascii_alphabetic() => n.is_ascii_alphabetic(),
        _ => false,
    };
    !clash(first, before) && !clash(last, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 11).unwrap()
    }

    fn dates(text: &str) -> Vec<String> {
        find_dates(text, today())
            .into_iter()
            .map(|(_, _, d)| d.to_string())
            .collect()
    }

    #[test]
    fn numeric_and_chinese_forms() {
        for text in [
            "2024-06-11",
            "2024/6/11",
            "2024.6.11",
            "2024年6月11日",
            "2024 年 6 月 11 日",
            "6月11日",
            "6月11号提交的",
            "我是2024年6月11日提交的",
        ] {
            assert_eq!(dates(text), vec!["2024-06-11"], "{text}");
        }
    }

    #[test]
    fn english_forms() {
        for text in [
            "11 June 2024",
            "on 11th June 2024.",
            "June 11, 2024",
            "june 11 2024",
            "Jun 11",
            "Jun. 11th",
            "11 Jun",
        ] {
            assert_eq!(dates(text), vec!["2024-06-11"], "{text}");
        }
        assert_eq!(
            dates("Sept 3, 2023 and 1 March"),
            vec!["2023-09-03", "2024-03-01"]
        );
    }

    #[test]
    fn byte_ranges_cover_the_date() {
        let text = "我是2024年6月11日提交的";
        let found = find_dates(text, today());
        let (start, end, _) = found[0];
        assert_eq!(&text[start..end], "2024年6月11日");
    }

    #[test]
    fn rejects_impossible_and_embedded_dates() {
        for text in [
            "2024-13-01",
            "2023-02-29",
            "2月30日",
            "12024-06-11",
            "2024-06-113",
            "dismay 5",
            "11 Junk",
            "v1.2.3",
            "1234.5.6",
        ] {
            assert!(dates(text).is_empty(), "{text}: {:?}", dates(text));
        }
        assert_eq!(dates("2024-02-29"), vec!["2024-02-29"]);
    }
}
