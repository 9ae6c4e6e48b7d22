//! The resident identity number (居民身份证号码, GB 11643-1999), parsed once at the edge.
//!
//! "Parse, don't validate": a [`ResidentId`] can only hold a number that passed every check, and
//! it prints masked (`1101**********123X`) through both `Display` and `Debug`, so a clear number
//! cannot reach a log line or a transcript by accident. Code that really needs the digits (the
//! case API) has to say so by calling [`ResidentId::expose_clear`].
//!
//! Each failed check has its own [`ResidentIdError`] variant, because each one calls for a
//! different answer to the user: a 15-digit number means "use the number on your current card",
//! a bad check character means "one digit is mistyped".

use std::fmt;

use chrono::NaiveDate;

use super::mask;
use super::normalize::{fold_char, is_separator};

/// Weights of ISO 7064 MOD 11-2 for the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each value of `S mod 11`.
const CHECK_CHARACTERS: &[u8; 11] = b"10X98765432";

/// Birth dates before this are treated as typos: a "real" date such as 1049-12-31 is almost
/// always `1949` mistyped. It is set low enough to keep the standard's own published samples
/// valid (`440524188001010014` was born in 1880).
pub(crate) const EARLIEST_BIRTH_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1850, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// A valid 18-character resident identity number, normalised (ASCII, upper-case `X`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    clear: String,
    birth_date: NaiveDate,
}

/// Why a typed resident identity number was refused, in the order the checks run.
///
/// Messages are for developers and never contain the number. The user-facing text comes from the
/// locale key `id-error-<code>` (see [`ResidentIdError::code`]) with [`ResidentIdError::args`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("resident id is empty")]
    Empty,
    /// An old first-generation number; verification needs the 18 characters on a current card.
    #[error("resident id is a legacy 15-digit number; the 18-character number is required")]
    LegacyFifteenDigit,
    /// `length` counts characters after normalisation (spaces and separators removed).
    #[error("resident id has {length} characters, expected 18")]
    WrongLength { length: usize },
    /// `position` is 1-based, counted after normalisation; only the 18th may be `X`.
    #[error("resident id has an invalid character at position {position}")]
    InvalidCharacter { position: usize },
    #[error("resident id starts with an unknown province code")]
    UnknownRegion,
    #[error("resident id birth date is not a real date on or after 1900-01-01")]
    InvalidBirthDate,
    #[error("resident id birth date is in the future")]
    BirthDateInFuture,
    /// Every single mistyped digit ends up here: MOD 11-2 detects all of them.
    #[error("resident id check character does not match")]
    CheckDigitMismatch,
}

impl ResidentIdError {
    /// A stable kebab-case id; the bot renders the locale key `id-error-<code>`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::LegacyFifteenDigit => "legacy-fifteen-digit",
            Self::WrongLength { .. } => "wrong-length",
            Self::InvalidCharacter { .. } => "invalid-character",
            Self::UnknownRegion => "unknown-region",
            Self::InvalidBirthDate => "invalid-birth-date",
            Self::BirthDateInFuture => "birth-date-in-future",
            Self::CheckDigitMismatch => "bad-check-digit",
        }
    }

    /// The variant's data as Fluent arguments (`length`, `position`); empty for the others.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::WrongLength { length } => vec![("length", length.to_string())],
            Self::InvalidCharacter { position } => vec![("position", position.to_string())],
            _ => Vec::new(),
        }
    }
}

impl ResidentId {
    /// Normalises `input` (full-width to ASCII, `x` to `X`, spaces and separators such as dashes
    /// and dots removed) and checks it. `today` is passed in so the future-birth-date check is testable.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, ResidentIdError> {
        let clear = normalize(input);
        if clear.is_empty() {
            return Err(ResidentIdError::Empty);
        }
        let length = clear.chars().count();
        if length == 15 && clear.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ResidentIdError::LegacyFifteenDigit);
        }
        if length != 18 {
            return Err(ResidentIdError::WrongLength { length });
        }
        if let Some(index) = clear
            .chars()
            .enumerate()
            .position(|(i, c)| !(c.is_ascii_digit() || (i == 17 && c == 'X')))
        {
            return Err(ResidentIdError::InvalidCharacter {
                position: index + 1,
            });
        }
        // From here on `clear` is 18 ASCII bytes.
        let bytes = clear.as_bytes();
        if !starts_with_province(bytes) {
            return Err(ResidentIdError::UnknownRegion);
        }
        let birth_date = calendar_date(&bytes[6..14])
            .filter(|date| *date >= EARLIEST_BIRTH_DATE)
            .ok_or(ResidentIdError::InvalidBirthDate)?;
        if birth_date > today {
            return Err(ResidentIdError::BirthDateInFuture);
        }
        if check_character(&bytes[..17]) != bytes[17] {
            return Err(ResidentIdError::CheckDigitMismatch);
        }
        Ok(Self { clear, birth_date })
    }

    /// `1101**********123X`: first four and last four characters, ten stars.
    pub fn masked(&self) -> String {
        mask::resident_id(&self.clear)
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The 17th character (the sequence number's last digit) is odd for men, even for women.
    pub fn is_male(&self) -> bool {
        self.clear.as_bytes()[16] % 2 == 1
    }

    /// The six-digit administrative division code of the place of first registration.
    pub fn region_code(&self) -> &str {
        &self.clear[..6]
    }

    /// The clear number. Named loudly so every use stands out in review: only code that must send
    /// the number on (the case API) should call this, and never into a log or transcript.
    pub fn expose_clear(&self) -> &str {
        &self.clear
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

/// Folds width, upper-cases `x` and removes whitespace and separators, keeping everything else so the
/// checks can point at the offending character.
pub(crate) fn normalize(input: &str) -> String {
    input
        .chars()
        .map(fold_char)
        .filter(|c| !c.is_whitespace() && !is_separator(*c))
        .map(|c| if c == 'x' { 'X' } else { c })
        .collect()
}

/// The MOD 11-2 check character for 17 ASCII digits.
pub(crate) fn check_character(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARACTERS[(sum % 11) as usize]
}

/// Whether the first two digits are a province-level code: 11–15, 21–23, 31–37, 41–46, 50–54,
/// 61–65, 71 (Taiwan), and 81/82/83 on residence permits of Hong Kong, Macau and Taiwan residents.
pub(crate) fn starts_with_province(digits: &[u8]) -> bool {
    digits.len() >= 2
        && digits[..2].iter().all(u8::is_ascii_digit)
        && matches!(
            number(&digits[..2]),
            11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83
        )
}

/// Whether 15 digits look like a first-generation number: province code and a real `YYMMDD`
/// birth date in the 1900s (those numbers were issued from 1984 to 2004).
pub(crate) fn looks_like_legacy(digits: &[u8]) -> bool {
    if digits.len() != 15 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let year = 1900 + number(&digits[6..8]) as i32;
    starts_with_province(digits)
        && NaiveDate::from_ymd_opt(year, number(&digits[8..10]), number(&digits[10..12])).is_some()
}

/// `YYYYMMDD` as a calendar date (leap years included), any year; `None` if it is not one.
pub(crate) fn calendar_date(yyyymmdd: &[u8]) -> Option<NaiveDate> {
    if yyyymmdd.len() != 8 || !yyyymmdd.iter().all(u8::is_ascii_digit) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        number(&yyyymmdd[..4]) as i32,
        number(&yyyymmdd[4..6]),
        number(&yyyymmdd[6..8]),
    )
}

/// The value of a short run of ASCII digits (callers have checked they are digits).
fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |n, d| n * 10 + u32::from(d.wrapping_sub(b'0')))
}

#[cfg(test)]
mod tests {
    use super::strategies::valid_resident_id;
    use super::*;
    use proptest::prelude::*;

    const VALID: [&str; 4] = [
        "11010519491231002X",
        "440524188001010014",
        "360426199101010071",
        "34052419800101001X",
    ];

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 11).unwrap()
    }

    fn parse(input: &str) -> Result<ResidentId, ResidentIdError> {
        ResidentId::parse(input, today())
    }

    #[test]
    fn accepts_the_public_examples() {
        for number in VALID {
            let id = parse(number).unwrap();
            assert_eq!(id.expose_clear(), number);
        }
    }

    #[test]
    fn the_1880_sample_is_valid_but_a_mistyped_century_is_not() {
        assert!(parse("440524188001010014").is_ok());
        // 1049 for 1949: a real calendar date, but not a birth date.
        let mut typo = *b"11010510491231002X";
        typo[17] = check_character(&typo[..17]);
        let typo = String::from_utf8_lossy(&typo).to_string();
        assert_eq!(parse(&typo), Err(ResidentIdError::InvalidBirthDate));
        assert_eq!(
            check_character(b"44052418800101001"),
            b'4',
            "the check digit itself is right"
        );
    }

    #[test]
    fn reads_birth_date_sex_and_region() {
        let id = parse("11010519491231002X").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert!(!id.is_male(), "sequence 002 is even");
        assert_eq!(id.region_code(), "110105");
        let id = parse("360426199101010071").unwrap();
        assert!(id.is_male(), "sequence 007 is odd");
        assert_eq!(id.region_code(), "360426");
    }

    #[test]
    fn normalises_case_width_and_separators() {
        for typed in [
            "11010519491231002x",
            "１１０１０５１９４９１２３１００２Ｘ",
            "１１０１０５１９４９１２３１００２ｘ",
            "110105 19491231 002X",
            "110105-19491231-002X",
            "110105\u{3000}19491231\u{3000}002X",
            "  1101 0519 4912 3100 2X\n",
        ] {
            let id = parse(typed).unwrap();
            assert_eq!(id.expose_clear(), "11010519491231002X", "{typed}");
        }
    }

    #[test]
    fn prints_masked_only() {
        let id = parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(id.to_string(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "ResidentId(\"1101**********002X\")");
        assert!(!format!("{id:?} {id}").contains("0519491231"));
    }

    #[test]
    fn each_check_has_its_own_error() {
        use ResidentIdError::*;
        let cases = [
            ("", Empty),
            (" - ", Empty),
            ("110105491231002", LegacyFifteenDigit),
            ("1101054912310", WrongLength { length: 13 }),
            ("11010519491231002X1", WrongLength { length: 19 }),
            ("11010519491231002Y", InvalidCharacter { position: 18 }),
            ("1101051949123100X2", InvalidCharacter { position: 17 }),
            ("11O10519491231002X", InvalidCharacter { position: 3 }),
            ("99010519491231002X", UnknownRegion),
            ("16010519491231002X", UnknownRegion),
            ("110105194902300021", InvalidBirthDate),
            ("110105184912310021", InvalidBirthDate),
            ("110105202506110021", BirthDateInFuture),
            ("110105194912310021", CheckDigitMismatch),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn leap_days_follow_the_calendar() {
        let with_date = |date: &str| {
            let first17 = format!("110105{date}002");
            let check = check_character(first17.as_bytes()) as char;
            parse(&format!("{first17}{check}"))
        };
        assert!(with_date("20000229").is_ok(), "2000 is a leap year");
        assert!(with_date("19960229").is_ok());
        assert_eq!(
            with_date("19000229"),
            Err(ResidentIdError::InvalidBirthDate)
        );
        assert_eq!(
            with_date("20230229"),
            Err(ResidentIdError::InvalidBirthDate)
        );
        assert!(with_date("19000101").is_ok(), "the floor itself is allowed");
        assert!(
            with_date("20240611").is_ok(),
            "born today is not the future"
        );
    }

    #[test]
    fn codes_and_args_for_the_bot() {
        let error = ResidentIdError::WrongLength { length: 17 };
        assert_eq!(error.code(), "wrong-length");
        assert_eq!(error.args(), vec![("length", "17".to_string())]);
        let error = ResidentIdError::InvalidCharacter { position: 5 };
        assert_eq!(error.code(), "invalid-character");
        assert_eq!(error.args(), vec![("position", "5".to_string())]);
        assert_eq!(
            ResidentIdError::CheckDigitMismatch.code(),
            "bad-check-digit"
        );
        assert!(ResidentIdError::CheckDigitMismatch.args().is_empty());
    }

    #[test]
    fn error_messages_never_contain_the_number() {
        let input = "110105194912310021";
        let error = parse(input).unwrap_err();
        assert!(!error.to_string().contains("19491231"));
        assert!(!format!("{error:?}").contains("19491231"));
    }

    #[test]
    fn legacy_shape() {
        assert!(looks_like_legacy(b"110105491231002"));
        assert!(!looks_like_legacy(b"990105491231002"));
        assert!(!looks_like_legacy(b"110105491331002"));
    }

    proptest! {
        #[test]
        fn generated_numbers_are_valid(number in valid_resident_id()) {
            prop_assert!(parse(&number).is_ok());
        }

        #[test]
        fn any_single_digit_change_is_rejected(
            number in valid_resident_id(),
            index in 0usize..18,
            // 90 is a multiple of both 9 and 10: uniform over the other digits with no rejects.
            choice in 0u8..90,
        ) {
            let mut bytes = number.into_bytes();
            bytes[index] = match bytes[index] {
                b'X' => b'0' + choice % 10,
                digit => b'0' + (digit - b'0' + 1 + choice % 9) % 10,
            };
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(parse(&changed).is_err(), "{changed} was accepted");
        }

        #[test]
        fn masked_output_hides_the_middle(number in valid_resident_id()) {
            let id = parse(&number).unwrap();
            let masked = id.masked();
            prop_assert!(!masked.contains(&number[4..14]));
            prop_assert_eq!(&masked[4..14], "**********");
            let printed = format!("{id} {id:?}");
            prop_assert!(!printed.contains(&number[4..14]));
        }
    }
}

/// Test data shared with the scanners' tests.
#[cfg(test)]
pub(crate) mod strategies {
    use super::{EARLIEST_BIRTH_DATE, check_character};
    use proptest::prelude::*;

    /// A valid number built from a province code, any real birth date since 1900 and a sequence.
    pub(crate) fn valid_resident_id() -> impl Strategy<Value = String> {
        let provinces = prop::sample::select(vec![
            11u32, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
            50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
        ]);
        (provinces, 0u32..10_000, 0i64..45_000, 0u32..1000).prop_map(
            |(province, area, days, sequence)| {
                let birth = EARLIEST_BIRTH_DATE + chrono::Duration::days(days);
                let first17 = format!(
                    "{province:02}{area:04}{}{sequence:03}",
                    birth.format("%Y%m%d")
                );
                let check = check_character(first17.as_bytes()) as char;
                format!("{first17}{check}")
            },
        )
    }
}
