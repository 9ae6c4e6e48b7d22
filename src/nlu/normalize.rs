//! The one normal form every reader of user text works on: full-width folded to half-width
//! (NFKC), traditional characters to simplified, lower case, runs of spaces collapsed.

use unicode_normalization::UnicodeNormalization;

/// Longest text the bot reads (characters). Longer messages are cut, and the user is told.
pub const MAX_CHARS: usize = 2000;

pub fn normalize(text: &str) -> String {
    let folded: String = text.nfkc().collect();
    let simplified = fast2s::convert(&folded);
    let mut out = String::with_capacity(simplified.len());
    let mut space = false;
    for c in simplified.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() || c.is_control() {
            if !space && !out.is_empty() {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Cuts `text` to at most `max` characters, on a character boundary.
pub fn truncate_chars(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((byte, _)) => (&text[..byte], true),
        None => (text, false),
    }
}

pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_case_and_traditional() {
        assert_eq!(normalize("ＫＹＣ  認證　失敗！"), "kyc 认证 失败!");
        assert_eq!(normalize("驗證碼收不到"), "验证码收不到");
        assert_eq!(normalize("  Hello\tWORLD \n"), "hello world");
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(normalize("a\u{0}\u{7}b"), "a b");
    }

    #[test]
    fn truncates_on_char_boundary() {
        let (cut, was_cut) = truncate_chars("认证失败了", 2);
        assert_eq!((cut, was_cut), ("认证", true));
        assert_eq!(truncate_chars("ab", 5), ("ab", false));
    }
}
