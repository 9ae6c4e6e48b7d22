//! Finding entities in what users type: ID, bank card and mobile numbers, e-mail addresses,
//! one-time codes, case ids and dates.
//!
//! Runs on every message, so the regexes are compiled once and the text is folded once. The kinds
//! are searched in priority order and a later kind never takes text an earlier one holds, so the
//! result has no overlaps: resident ID first (a clear ID number is the worst thing to leak), then
//! e-mail and case id (clearly delimited tokens whose digits must not be read as anything else),
//! then bank card, mobile, one-time code and date.
//!
//! Personal numbers are reported only in masked form; the clear digits stay in the caller's text.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;
use serde::Serialize;

use super::dates::find_dates;
use super::digit_runs::{Group, Run, chains, scan};
use super::mask;
use super::mobile::MobileNumber;
use super::normalize::Folded;
use super::resident_id::{ResidentId, calendar_date, looks_like_legacy, starts_with_province};

/// Matches case ids such as `KYC-20240611-000123` and `KYC-DEMO-PHOTO`, case-insensitively.
///
/// ASCII word boundaries rather than Unicode ones: users write `案件号KYC-20240611-000123的`, and
/// the Han characters around the id count as word characters for `\b`.
pub const DEFAULT_CASE_ID_PATTERN: &str = r"(?i)(?-u:\b)KYC(?:-[A-Z0-9]+)+(?-u:\b)";

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
        .expect("e-mail pattern is a valid literal")
});

/// Words that announce a one-time code. ASCII words are checked for word boundaries afterwards.
static CODE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)验证码|校验码|动态码|短信码|codes?|otp|pin")
        .expect("code-word pattern is a valid literal")
});

/// How far (in characters) a one-time code may be from the word announcing it.
const CODE_DISTANCE: usize = 12;

/// What an [`Entity`] is. Serialised as `{"kind": "resident_id", "valid": true}`, `{"kind": "mobile"}`…
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntityKind {
    /// `valid: false` for numbers that look like an ID but fail a check (typically the check
    /// character, or a legacy 15-digit number): still personal, still masked.
    ResidentId {
        valid: bool,
    },
    Mobile,
    CaseId,
    Date,
    BankCard,
    Email,
    SmsCode,
}

impl EntityKind {
    /// The personal kinds: their `value` is masked and [`redact`](super::redact) replaces them.
    pub fn is_personal(&self) -> bool {
        !matches!(self, Self::CaseId | Self::Date)
    }
}

/// One thing found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    #[serde(flatten)]
    pub kind: EntityKind,
    /// Byte offsets into the original text (before width folding).
    pub start: usize,
    pub end: usize,
    /// Masked for personal kinds (never clear), the case id as written (width-folded) for
    /// `CaseId`, and `YYYY-MM-DD` for `Date`.
    pub value: String,
}

/// Every entity in `text`, left to right, without overlaps. `today` fills in missing years and
/// bounds birth dates; `case_id_pattern` is the operator's case id format (see
/// [`DEFAULT_CASE_ID_PATTERN`]).
pub fn find_entities(text: &str, today: NaiveDate, case_id_pattern: &Regex) -> Vec<Entity> {
    find(text, today, Some(case_id_pattern))
}

/// Every entity in `text` as if it held no case id: what a piece of text would reveal if it were
/// not read as a case id.
pub(crate) fn find_ignoring_case_ids(text: &str, today: NaiveDate) -> Vec<Entity> {
    find(text, today, None)
}

fn find(text: &str, today: NaiveDate, case_id_pattern: Option<&Regex>) -> Vec<Entity> {
    let folded = Folded::new(text);
    let haystack = folded.text();
    let chains = chains(haystack);
    let mut found = Found::default();

    resident_ids(haystack, &chains, today, &mut found);
    for m in EMAIL.find_iter(haystack) {
        found.add(
            m.start(),
            m.end(),
            EntityKind::Email,
            mask::email(m.as_str()),
        );
    }
    for m in case_id_pattern
        .into_iter()
        .flat_map(|pattern| pattern.find_iter(haystack))
    {
        found.add(
            m.start(),
            m.end(),
            EntityKind::CaseId,
            m.as_str().to_string(),
        );
    }
    bank_cards(haystack, &chains, &mut found);
    mobiles(haystack, &chains, &mut found);
    sms_codes(haystack, &chains, &mut found);
    for (start, end, date) in find_dates(haystack, today) {
        let iso = format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day());
        found.add(start, end, EntityKind::Date, iso);
    }

    found
        .spans
        .into_iter()
        .map(|(start, (end, kind, value))| Entity {
            kind,
            start: folded.original_offset(start),
            end: folded.original_offset(end),
            value,
        })
        .collect()
}

/// Accepted spans in folded byte offsets, keyed by start; they never overlap.
#[derive(Default)]
struct Found {
    spans: BTreeMap<usize, (usize, EntityKind, String)>,
}

impl Found {
    fn is_free(&self, start: usize, end: usize) -> bool {
        // Spans are disjoint, so only the last one starting before `end` can reach into the range.
        self.spans
            .range(..end)
            .next_back()
            .is_none_or(|(_, (previous_end, _, _))| *previous_end <= start)
    }

    fn add(&mut self, start: usize, end: usize, kind: EntityKind, value: String) {
        if start < end && self.is_free(start, end) {
            self.spans.insert(start, (end, kind, value));
        }
    }
}

fn resident_ids(text: &str, chains: &[Vec<Group>], today: NaiveDate, found: &mut Found) {
    for (start, end, (valid, masked)) in scan(text, chains, 18, |run| id_like(run, today)) {
        found.add(start, end, EntityKind::ResidentId { valid }, masked);
    }
    // A valid number pasted against other digits (`电话0211010519491231002X`) is still masked.
    for group in chains.iter().flatten().filter(|g| g.len() > 18) {
        let mut offset = group.start;
        while offset + 18 <= group.end {
            let window = &text[offset..offset + 18];
            match ResidentId::parse(window, today) {
                Ok(id) => {
                    found.add(
                        offset,
                        offset + 18,
                        EntityKind::ResidentId { valid: true },
                        id.masked(),
                    );
                    offset += 18;
                }
                Err(_) => offset += 1,
            }
        }
    }
}

/// Whether a run is (or is meant to be) a resident ID number, and its mask.
///
/// Valid numbers count anywhere in a chain. An invalid 18-character run counts when its region
/// code and birth date are right (a typo in the rest, usually caught by the check character), or
/// when it stands alone and does not look like a bank card. A 15-digit run counts when it stands alone and has
/// the shape of a first-generation number.
fn id_like(run: &Run<'_>, today: NaiveDate) -> Option<(bool, String)> {
    let compact = run.compact();
    let bytes = compact.as_bytes();
    if run.len == 15 {
        return (run.standalone && looks_like_legacy(bytes))
            .then(|| (false, mask::resident_id(&compact)));
    }
    if run.len != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let all_digits = bytes[17].is_ascii_digit();
    if !all_digits && bytes[17] != b'X' {
        return None;
    }
    let valid = match ResidentId::parse(&compact, today) {
        Ok(_) => true,
        Err(_) if shaped_like_id(bytes) => false,
        Err(_) if run.standalone && !card_like(run, &compact) => false,
        Err(_) => return None,
    };
    Some((valid, mask::resident_id(&compact)))
}

/// Province code and a plausible calendar birth date: an ID number with a typo, not a card.
fn shaped_like_id(bytes: &[u8]) -> bool {
    bytes.len() == 18
        && starts_with_province(bytes)
        && calendar_date(&bytes[6..14]).is_some_and(|d| (1800..=2100).contains(&d.year()))
}

fn bank_cards(text: &str, chains: &[Vec<Group>], found: &mut Found) {
    let hits = scan(text, chains, 19, |run| {
        let digits = run.compact();
        (card_like(run, &digits) && found.is_free(run.start, run.end))
            .then(|| mask::bank_card(&digits))
    });
    for (start, end, masked) in hits {
        found.add(start, end, EntityKind::BankCard, masked);
    }
}

/// 16 to 19 digits, written whole or in groups of four, that pass the Luhn check or start like
/// the cards people hold (3 American Express and JCB, 4 Visa, 5 Mastercard, 6 UnionPay): a
/// mistyped card number fails Luhn and is still a card number.
fn card_like(run: &Run<'_>, digits: &str) -> bool {
    let grouped_by_four = run.groups[..run.groups.len() - 1]
        .iter()
        .all(|g| g.len() == 4);
    let bytes = digits.as_bytes();
    matches!(run.len, 16..=19)
        && grouped_by_four
        && bytes.iter().all(u8::is_ascii_digit)
        && (luhn(bytes) || matches!(bytes.first(), Some(b'3'..=b'6')))
}

/// The Luhn checksum every bank card number carries.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d.wrapping_sub(b'0'));
            match (i % 2 == 1, d * 2) {
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
                (false, _) => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn mobiles(text: &str, chains: &[Vec<Group>], found: &mut Found) {
    // Up to 15 digits: `0086` and the 11 national digits.
    let hits = scan(text, chains, 15, |run| {
        let plus = text[..run.start].ends_with('+');
        let start = if plus { run.start - 1 } else { run.start };
        let typed = if plus {
            format!("+{}", run.raw)
        } else {
            run.raw.to_string()
        };
        let number = MobileNumber::parse(&typed).ok()?;
        found
            .is_free(start, run.end)
            .then(|| (start, number.masked()))
    });
    for (_, end, (start, masked)) in hits {
        found.add(start, end, EntityKind::Mobile, masked);
    }
}

fn sms_codes(text: &str, chains: &[Vec<Group>], found: &mut Found) {
    let words: Vec<(usize, usize)> = CODE_WORD
        .find_iter(text)
        .filter(|m| whole_word(text, m.start(), m.end()))
        .map(|m| (m.start(), m.end()))
        .collect();
    if words.is_empty() {
        return;
    }
    let candidates = chains
        .iter()
        .filter(|chain| chain.len() == 1)
        .flatten()
        .filter(|g| {
            matches!(g.len(), 4..=6) && text[g.start..g.end].bytes().all(|b| b.is_ascii_digit())
        })
        .filter(|g| lone_number(text, g));
    let mut codes = Vec::new();
    for group in candidates {
        let near = words.iter().any(|&(word_start, word_end)| {
            (group.start >= word_end && within(text, word_end, group.start))
                || (group.end <= word_start && within(text, group.end, word_start))
        });
        if near {
            codes.push(*group);
        }
    }
    for group in codes {
        let code = &text[group.start..group.end];
        found.add(
            group.start,
            group.end,
            EntityKind::SmsCode,
            mask::sms_code(code),
        );
    }
}

/// ASCII keywords must be whole words (`pin`, not `spin` or `pinyin`); Chinese ones need no check.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    !text[start..end].is_ascii()
        || (!letter(text[..start].chars().next_back()) && !letter(text[end..].chars().next()))
}

/// At most [`CODE_DISTANCE`] characters between `from` and `to`.
fn within(text: &str, from: usize, to: usize) -> bool {
    text[from..to].chars().nth(CODE_DISTANCE).is_none()
}

/// A one-time code stands alone: not part of a date or version (`2024/6/11`, `1.2.3`), and not a
/// quantity (`2024年`, `1000元`).
fn lone_number(text: &str, group: &Group) -> bool {
    const UNITS: &str = "年月日号时点分秒元块位个次天岁";
    let joined_digit = |mut chars: std::iter::Peekable<std::str::Chars<'_>>| {
        matches!(chars.next(), Some('/' | '.' | ':' | ','))
            && chars.peek().is_some_and(char::is_ascii_digit)
    };
    let after = &text[group.end..];
    let before: String = text[..group.start].chars().rev().take(2).collect();
    !joined_digit(after.chars().peekable())
        && !joined_digit(before.chars().peekable())
        && !after.chars().next().is_some_and(|c| UNITS.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 11).unwrap()
    }

    fn find(text: &str) -> Vec<Entity> {
        let pattern = Regex::new(DEFAULT_CASE_ID_PATTERN).unwrap();
        find_entities(text, today(), &pattern)
    }

    /// `(kind, original text of the span, value)` for compact assertions.
    fn spans(text: &str) -> Vec<(EntityKind, &str, String)> {
        find(text)
            .into_iter()
            .map(|e| (e.kind, &text[e.start..e.end], e.value))
            .collect()
    }

    const VALID_ID: EntityKind = EntityKind::ResidentId { valid: true };
    const INVALID_ID: EntityKind = EntityKind::ResidentId { valid: false };

    #[test]
    fn resident_ids_in_sentences() {
        assert_eq!(
            spans("我的身份证号是 11010519491231002X 怎么不对"),
            vec![(VALID_ID, "11010519491231002X", "1101**********002X".into())]
        );
        assert_eq!(
            spans("身份证１１０１０５１９４９１２３１００２ｘ"),
            vec![(
                VALID_ID,
                "１１０１０５１９４９１２３１００２ｘ",
                "1101**********002X".into()
            )]
        );
        assert_eq!(
            spans("id: 360426-19910101-0071."),
            vec![(
                VALID_ID,
                "360426-19910101-0071",
                "3604**********0071".into()
            )]
        );
    }

    #[test]
    fn id_numbers_in_any_grouping() {
        for (text, number) in [
            ("身份证1101 0119 9001 0112 3X谢谢", "1101 0119 9001 0112 3X"),
            ("id 110101 19900101 123X.", "110101 19900101 123X"),
            ("110101.19900101.123x", "110101.19900101.123x"),
            ("号码110101_1990_0101_123X", "110101_1990_0101_123X"),
        ] {
            assert_eq!(
                spans(text),
                vec![(INVALID_ID, number, "1101**********123X".into())],
                "{text}"
            );
        }
    }

    #[test]
    fn invalid_id_numbers_are_still_found_and_masked() {
        // Wrong check character.
        assert_eq!(
            spans("是110105194912310021吗"),
            vec![(
                INVALID_ID,
                "110105194912310021",
                "1101**********0021".into()
            )]
        );
        // Born 1049 (a mistyped 1949): below the parser's floor, still clearly an ID number.
        assert_eq!(
            spans("my id is 440524 10490101 0014 and"),
            vec![(
                INVALID_ID,
                "440524 10490101 0014",
                "4405**********0014".into()
            )]
        );
        // Legacy 15-digit number.
        assert_eq!(
            spans("老号码 110105491231002"),
            vec![(INVALID_ID, "110105491231002", "1101*******1002".into())]
        );
    }

    #[test]
    fn valid_id_inside_a_longer_digit_run_is_masked() {
        let found = spans("0211010519491231002X");
        assert_eq!(
            found,
            vec![(VALID_ID, "11010519491231002X", "1101**********002X".into())]
        );
    }

    #[test]
    fn mobiles_in_the_usual_shapes() {
        for (text, number) in [
            ("电话13812345678", "13812345678"),
            ("call 138 1234 5678 please", "138 1234 5678"),
            ("138-1234-5678", "138-1234-5678"),
            ("phone +86 138-1234-5678", "+86 138-1234-5678"),
            ("0086 13812345678", "0086 13812345678"),
            ("号码１３８１２３４５６７８收不到", "１３８１２３４５６７８"),
            ("电话138.1234.5678。", "138.1234.5678"),
            ("138_1234_5678", "138_1234_5678"),
            ("138 - 1234 - 5678", "138 - 1234 - 5678"),
            (
                "手机１３８．１２３４／５６７８",
                "１３８．１２３４／５６７８",
            ),
        ] {
            assert_eq!(
                spans(text),
                vec![(EntityKind::Mobile, number, "138****5678".into())],
                "{text}"
            );
        }
    }

    #[test]
    fn no_mobile_inside_a_longer_digit_run() {
        assert!(find("订单号 9913812345678").is_empty());
        assert!(find("02113812345678").is_empty());
    }

    #[test]
    fn bank_cards_pass_luhn_or_start_like_a_card() {
        assert_eq!(
            spans("卡号6222 0212 3456 7890 128"),
            vec![(
                EntityKind::BankCard,
                "6222 0212 3456 7890 128",
                "6222 **** **** 0128".into()
            )]
        );
        assert_eq!(
            spans("card 4111111111111111."),
            vec![(
                EntityKind::BankCard,
                "4111111111111111",
                "4111 **** **** 1111".into()
            )]
        );
        // A mistyped card number fails Luhn and is still a card number.
        assert_eq!(
            spans("卡号6222.0212.3456.7890.129"),
            vec![(
                EntityKind::BankCard,
                "6222.0212.3456.7890.129",
                "6222 **** **** 0129".into()
            )]
        );
        assert_eq!(
            spans("4111111111111112"),
            vec![(
                EntityKind::BankCard,
                "4111111111111112",
                "4111 **** **** 1112".into()
            )]
        );
        assert!(
            find("9111111111111112").is_empty(),
            "fails Luhn and starts like no card"
        );
    }

    #[test]
    fn emails_keep_the_domain() {
        assert_eq!(
            spans("邮箱zhang.san@example.com谢谢"),
            vec![(
                EntityKind::Email,
                "zhang.san@example.com",
                "z***@example.com".into()
            )]
        );
        assert_eq!(
            spans("13812345678@139.com"),
            vec![(
                EntityKind::Email,
                "13812345678@139.com",
                "1***@139.com".into()
            )]
        );
    }

    #[test]
    fn sms_codes_near_their_keyword() {
        assert_eq!(
            spans("收不到验证码 482913"),
            vec![(EntityKind::SmsCode, "482913", "******".into())]
        );
        assert_eq!(
            spans("482913是短信验证码"),
            vec![(EntityKind::SmsCode, "482913", "******".into())]
        );
        assert_eq!(
            spans("my OTP is 4829"),
            vec![(EntityKind::SmsCode, "4829", "****".into())]
        );
        assert_eq!(spans("PIN码: 123456").len(), 1);
        assert!(find("I paid 4829 yuan").is_empty(), "no keyword");
        assert!(find("spinning 4829").is_empty(), "pin inside a word");
        assert!(
            find("the verification code was sent but after a long long while 4829").is_empty(),
            "too far away"
        );
    }

    #[test]
    fn a_year_near_a_keyword_is_a_date_not_a_code() {
        assert_eq!(
            spans("2024年6月11日收到的验证码"),
            vec![(EntityKind::Date, "2024年6月11日", "2024-06-11".into())]
        );
        assert_eq!(
            spans("code sent 2024/6/11"),
            vec![(EntityKind::Date, "2024/6/11", "2024-06-11".into())]
        );
    }

    #[test]
    fn case_ids_and_dates_keep_their_value() {
        assert_eq!(
            spans("案件号KYC-20240611-000123的状态, 6月11日提交"),
            vec![
                (
                    EntityKind::CaseId,
                    "KYC-20240611-000123",
                    "KYC-20240611-000123".into()
                ),
                (EntityKind::Date, "6月11日", "2024-06-11".into()),
            ]
        );
        assert_eq!(
            spans("see kyc-demo-photo"),
            vec![(
                EntityKind::CaseId,
                "kyc-demo-photo",
                "kyc-demo-photo".into()
            )]
        );
    }

    #[test]
    fn the_callers_case_pattern_is_used() {
        let pattern = Regex::new(r"\bT-[0-9]{4}\b").unwrap();
        let found = find_entities("ticket T-1234", today(), &pattern);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, EntityKind::CaseId);
        assert_eq!(found[0].value, "T-1234");
    }

    #[test]
    fn several_entities_in_order_without_overlap() {
        let text =
            "身份证11010519491231002X，手机138 1234 5678，验证码 4829，卡6222021234567890128";
        let kinds: Vec<EntityKind> = find(text).into_iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                VALID_ID,
                EntityKind::Mobile,
                EntityKind::SmsCode,
                EntityKind::BankCard
            ]
        );
        let found = find(text);
        for pair in found.windows(2) {
            assert!(pair[0].end <= pair[1].start);
        }
    }

    #[test]
    fn two_numbers_separated_by_one_space_are_both_found() {
        let text = "11010519491231002X 13812345678";
        let kinds: Vec<EntityKind> = find(text).into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![VALID_ID, EntityKind::Mobile]);
    }

    #[test]
    fn serialises_with_a_kind_tag() {
        let found = find("11010519491231002X");
        let json = serde_json::to_value(&found[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "resident_id",
                "valid": true,
                "start": 0,
                "end": 18,
                "value": "1101**********002X"
            })
        );
        let json = serde_json::to_value(EntityKind::SmsCode).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "sms_code"}));
    }

    #[test]
    fn luhn_checksum() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"6222021234567890128"));
        assert!(!luhn(b"4111111111111112"));
    }
}
