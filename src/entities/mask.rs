//! The masked forms shown in place of personal numbers, in logs, transcripts and hand-off cards.
//!
//! Each mask keeps just enough for a person to recognise "yes, that is my number" (first and last
//! digits, the e-mail domain) and nothing that would let someone reuse it.

/// Keeps the first `head` and last `tail` characters and stars the rest; a value too short to
/// keep anything safely is starred completely.
pub(crate) fn keep_ends(clear: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = clear.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut masked = String::with_capacity(chars.len());
    masked.extend(&chars[..head]);
    masked.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    masked.extend(&chars[chars.len() - tail..]);
    masked
}

/// `1101**********123X` for 18 characters, `1101*******1234` for a legacy 15-digit number.
pub(crate) fn resident_id(normalized: &str) -> String {
    keep_ends(normalized, 4, 4)
}

/// `138****5678` from the 11 national digits.
pub(crate) fn mobile(national: &str) -> String {
    keep_ends(national, 3, 4)
}

/// `6222 **** **** 1234` whatever the card's length, so the mask looks like a card to a human.
pub(crate) fn bank_card(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head} **** **** {tail}")
}

/// `z***@example.com`: the first character of the local part and the whole domain.
pub(crate) fn email(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "*".repeat(address.chars().count()),
    }
}

/// A one-time code hides every digit; the count is kept (4–6 digits reveal nothing useful).
pub(crate) fn sms_code(code: &str) -> String {
    "*".repeat(code.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(resident_id("11010519491231002X"), "1101**********002X");
        assert_eq!(resident_id("110105491231002"), "1101*******1002");
        assert_eq!(mobile("13812345678"), "138****5678");
        assert_eq!(bank_card("6222021234567890128"), "6222 **** **** 0128");
        assert_eq!(email("zhang.san@example.com"), "z***@example.com");
        assert_eq!(sms_code("482913"), "******");
    }

    #[test]
    fn short_values_are_starred_completely() {
        assert_eq!(keep_ends("1234567", 4, 4), "*******");
        assert_eq!(bank_card("1234"), "****");
        assert_eq!(email("no-at-sign"), "**********");
    }
}
