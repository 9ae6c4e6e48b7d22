//! Width folding: what users type on Chinese keyboards, made readable for the parsers.
//!
//! Chinese input methods often produce full-width forms (`１３８`, `Ｘ`, `－`) and the ideographic
//! space U+3000. Every parser in this module folds those to ASCII first, so `１３８１２３４５６７８`
//! and `13812345678` are the same number.
//!
//! We use a direct one-character-to-one-character mapping rather than NFKC on purpose: NFKC also
//! rewrites CJK compatibility ideographs (U+F900 `豈` becomes U+8C48 `豈`), expands `㈱` to `(株)`
//! and `①` to `1`. That changes Chinese text the user wrote and, because the lengths change, breaks
//! the byte offsets that [`find_entities`](super::find_entities) reports against the original text.

/// Folds full-width ASCII (U+FF01..=U+FF5E) to half-width and the ideographic space (U+3000) to an
/// ASCII space; everything else (including all Han characters) is left untouched.
///
/// The result has exactly as many characters as the input, in the same order.
pub fn fold_width(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// The single-character mapping behind [`fold_width`].
pub(crate) fn fold_char(c: char) -> char {
    match c {
        // The full-width block mirrors ASCII 0x21..=0x7E at a fixed distance.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Characters people put between the digit groups of one number: `138 1234 5678`,
/// `138-1234-5678`, `138.1234.5678`, `138_1234_5678`, `1101/0119/…`, `6222,0212,…`, `138·1234`,
/// `138、1234`. Applied to folded characters, so this also covers the ideographic space U+3000 and
/// the full-width `－ ． ／ ＿ ，`. Besides the ASCII marks: the no-break and other fixed-width
/// spaces, the Unicode dashes that phone keyboards and word processors put in for a hyphen, and
/// the middle dots and the enumeration comma of Chinese text.
///
/// Line breaks are not separators: a number split over lines is two lines of text.
pub(crate) fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '-'
            | '.'
            | '_'
            | '/'
            | ','
            | '\u{00A0}'
            | '\u{00B7}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2010}'..='\u{2015}'
            | '\u{2027}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{2212}'
            | '\u{3001}'
            | '\u{30FB}'
            | '\u{FE63}'
    )
}

/// Spaces, as opposed to the marks people put between digit groups.
fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}'
    )
}

/// Whether the (folded) text between two digit groups joins them into one number: one to three
/// separators, mixed as people type them (`138.1234`, `1234  5678`, `138 - 1234`, `138.-1234`).
/// Not a comma, full stop or enumeration comma followed by a space (`12.50, 30.00`,
/// `paid 12.50. 138…`): that is how a list or a sentence goes on, and reading it as one number
/// would star amounts and dates.
pub(crate) fn joins_digit_groups(gap: &str) -> bool {
    let mut chars = gap.chars().map(fold_char);
    let (Some(first), second) = (chars.next(), chars.next()) else {
        return false;
    };
    let rest: Vec<char> = chars.take(2).collect();
    let all_separators = std::iter::once(first)
        .chain(second)
        .chain(rest.iter().copied())
        .all(is_separator);
    let list_punctuation = matches!(first, ',' | '.' | '、') && second.is_some_and(is_space);
    all_separators && rest.len() <= 1 && !list_punctuation
}

/// Text folded with [`fold_char`], remembering where each folded byte came from so that matches
/// found in the folded text can be reported as byte offsets into the original.
pub(crate) struct Folded {
    text: String,
    /// `origin[i]` is the byte offset in the original text of the character that produced folded
    /// byte `i`; one extra entry maps `text.len()` to the original length.
    origin: Vec<usize>,
}

impl Folded {
    pub(crate) fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        for (offset, c) in original.char_indices() {
            let folded = fold_char(c);
            text.push(folded);
            origin.extend(std::iter::repeat_n(offset, folded.len_utf8()));
        }
        origin.push(original.len());
        Self { text, origin }
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Maps a folded byte offset (on a character boundary) back to the original text.
    pub(crate) fn original_offset(&self, folded: usize) -> usize {
        self.origin.get(folded).copied().unwrap_or(self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn folds_full_width_digits_letters_and_punctuation() {
        assert_eq!(
            fold_width("１１０１０５１９４９１２３１００２Ｘ"),
            "11010519491231002X"
        );
        assert_eq!(fold_width("＋８６　１３８－１２３４"), "+86 138-1234");
        assert_eq!(
            fold_width("ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
            "abc@example.com"
        );
        assert_eq!(fold_width("！～"), "!~");
    }

    #[test]
    fn leaves_chinese_and_plain_ascii_alone() {
        // The full-width comma and question mark mirror ASCII and fold; 。 and 、 are not in the
        // block and stay.
        let text = "我的身份证号是 11010519491231002X，怎么不对？还是不行。";
        assert_eq!(
            fold_width(text),
            "我的身份证号是 11010519491231002X,怎么不对?还是不行。"
        );
        assert_eq!(fold_width("还是不行"), "还是不行");
    }

    #[test]
    fn keeps_what_nfkc_would_rewrite() {
        // Why not NFKC: it changes compatibility ideographs and enclosed forms users wrote.
        for s in ["\u{F900}", "㈱", "①", "㍿"] {
            assert_ne!(s.nfkc().collect::<String>(), s);
            assert_eq!(fold_width(s), s);
        }
    }

    #[test]
    fn folded_offsets_point_into_the_original() {
        let original = "号码１３８ab";
        let folded = Folded::new(original);
        assert_eq!(folded.text(), "号码138ab");
        let start = folded.text().find('1').unwrap_or_default();
        let end = start + 3;
        let (s, e) = (folded.original_offset(start), folded.original_offset(end));
        assert_eq!(&original[s..e], "１３８");
        assert_eq!(folded.original_offset(folded.text().len()), original.len());
    }

    #[test]
    fn separators() {
        for c in [
            ' ', '-', '.', '_', '/', ',', '·', '、', '\u{00A0}', '\u{2014}',
        ] {
            assert!(is_separator(c), "{c:?}");
        }
        // Full-width forms are separators once folded.
        for c in ['\u{3000}', '－', '．', '／', '＿', '，'] {
            assert!(is_separator(fold_char(c)), "{c:?}");
        }
        for c in ['1', 'a', 'X', ':', '\n', '年', '。', '@', '+'] {
            assert!(!is_separator(c), "{c:?}");
        }
    }

    #[test]
    fn gaps_that_join_digit_groups() {
        for gap in [
            " ",
            ".",
            "_",
            "，",
            "\u{3000}",
            "  ",
            "   ",
            " - ",
            " , ",
            "\u{00A0}/\u{00A0}",
            "- ",
            "_ ",
            ".-",
            "--",
            "．－",
        ] {
            assert!(joins_digit_groups(gap), "{gap:?}");
        }
        for gap in [
            "", ", ", "， ", ". ", "、 ", "    ", " - - ", "到", " 到 ", ":", "\n", "-\n",
        ] {
            assert!(!joins_digit_groups(gap), "{gap:?}");
        }
    }
}
