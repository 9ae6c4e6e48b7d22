//! Mainland China mobile numbers, parsed once and printed masked (`138****5678`).
//!
//! Users type them with a country code (`+86`, `0086`, `86 `), split by spaces, dashes, dots or
//! other separators (`138 1234 5678`, `138-1234-5678`, `138.1234.5678`) and in full-width digits; all of those mean the same
//! 11 national digits, which is what a [`MobileNumber`] holds. Whether the number is registered to
//! the same person is the carriers' check, not ours.

use std::fmt;

use super::mask;
use super::normalize::{fold_char, is_separator};

/// Eleven national digits: `1`, then `3`–`9`, then nine more.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber {
    national: String,
}

/// Why a typed mobile number was refused, in the order the checks run.
///
/// Messages never contain the number; the bot renders `mobile-error-<code>` with [`args`].
///
/// [`args`]: MobileError::args
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MobileError {
    #[error("mobile number is empty")]
    Empty,
    /// `position` is 1-based, counted after spaces and separators are removed.
    #[error("mobile number has an invalid character at position {position}")]
    InvalidCharacter { position: usize },
    /// `length` is the number of digits after the country code.
    #[error("mobile number has {length} digits, expected 11")]
    WrongLength { length: usize },
    /// Not a mainland mobile: a foreign country code, or not `1` then `3`–`9`.
    #[error("mobile number does not start like a mainland mobile number")]
    BadPrefix,
}

impl MobileError {
    /// A stable kebab-case id for the locale key.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::InvalidCharacter { .. } => "invalid-character",
            Self::WrongLength { .. } => "wrong-length",
            Self::BadPrefix => "bad-prefix",
        }
    }

    /// The variant's data as Fluent arguments (`position`, `length`).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::InvalidCharacter { position } => vec![("position", position.to_string())],
            Self::WrongLength { length } => vec![("length", length.to_string())],
            _ => Vec::new(),
        }
    }
}

impl MobileNumber {
    /// Accepts an optional `+86`, `0086` or `86` country code, then 11 digits. `86` without a plus
    /// is read as the country code only when more than 11 digits were typed.
    pub fn parse(input: &str) -> Result<Self, MobileError> {
        let compact: String = input
            .chars()
            .map(fold_char)
            .filter(|c| !c.is_whitespace() && !is_separator(*c))
            .collect();
        if compact.is_empty() {
            return Err(MobileError::Empty);
        }
        if let Some(index) = compact
            .chars()
            .enumerate()
            .position(|(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '+')))
        {
            return Err(MobileError::InvalidCharacter {
                position: index + 1,
            });
        }
        // From here on `compact` is ASCII.
        let national = match compact.strip_prefix('+') {
            Some(international) => international
                .strip_prefix("86")
                .ok_or(MobileError::BadPrefix)?,
            None => match compact.strip_prefix("0086") {
                Some(rest) => rest,
                // A national number starts with 1, so a longer number starting 86 has the code.
                None if compact.len() > 11 => compact.strip_prefix("86").unwrap_or(&compact),
                None => &compact,
            },
        };
        if national.len() != 11 {
            return Err(MobileError::WrongLength {
                length: national.len(),
            });
        }
        let bytes = national.as_bytes();
        if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(MobileError::BadPrefix);
        }
        Ok(Self {
            national: national.to_string(),
        })
    }

    /// `138****5678`: first three and last four digits.
    pub fn masked(&self) -> String {
        mask::mobile(&self.national)
    }

    /// The 11 national digits. Named loudly: never for logs or transcripts.
    pub fn expose_clear(&self) -> &str {
        &self.national
    }
}

impl fmt::Display for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MobileNumber").field(&self.masked()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_ways_people_type_it() {
        for typed in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "0086 13812345678",
            "008613812345678",
            "86 13812345678",
            "8613812345678",
            "１３８１２３４５６７８",
            "＋８６　１３８－１２３４－５６７８",
            "138.1234.5678",
            "138_1234_5678",
            "138/1234·5678",
            "１３８．１２３４，５６７８",
        ] {
            let number = MobileNumber::parse(typed).unwrap();
            assert_eq!(number.expose_clear(), "13812345678", "{typed}");
        }
    }

    #[test]
    fn prints_masked_only() {
        let number = MobileNumber::parse("13812345678").unwrap();
        assert_eq!(number.masked(), "138****5678");
        assert_eq!(number.to_string(), "138****5678");
        assert_eq!(format!("{number:?}"), "MobileNumber(\"138****5678\")");
    }

    #[test]
    fn each_check_has_its_own_error() {
        use MobileError::*;
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("138l2345678", InvalidCharacter { position: 4 }),
            ("86+13812345678", InvalidCharacter { position: 3 }),
            ("1381234567", WrongLength { length: 10 }),
            ("+86 1381234567", WrongLength { length: 10 }),
            ("86 1381234567", WrongLength { length: 10 }),
            ("86123456789", BadPrefix),
            ("138123456789", WrongLength { length: 12 }),
            ("12812345678", BadPrefix),
            ("23812345678", BadPrefix),
            ("+1 415 555 0100", BadPrefix),
        ];
        for (input, expected) in cases {
            assert_eq!(MobileNumber::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn codes_and_args() {
        let error = MobileError::WrongLength { length: 10 };
        assert_eq!(error.code(), "wrong-length");
        assert_eq!(error.args(), vec![("length", "10".to_string())]);
        assert_eq!(MobileError::BadPrefix.code(), "bad-prefix");
        assert!(
            !MobileNumber::parse("1381234567")
                .unwrap_err()
                .to_string()
                .contains("1381234567")
        );
    }

    proptest! {
        #[test]
        fn every_mainland_number_round_trips(second in 3u8..10, rest in "[0-9]{9}") {
            let typed = format!("1{second}{rest}");
            let number = MobileNumber::parse(&typed).unwrap();
            prop_assert_eq!(number.expose_clear(), typed.as_str());
            prop_assert_eq!(&number.to_string()[3..7], "****");
        }

        #[test]
        fn never_panics(input in "\\PC{0,20}") {
            let _ = MobileNumber::parse(&input);
        }
    }
}
