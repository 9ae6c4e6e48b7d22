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

/// Characters people put between digit groups of one number (`138 1234 5678`, `138-1234-5678`):
/// the ASCII space and hyphen (after folding, this covers U+3000 and U+FF0D), the no-break space,
/// and the Unicode dashes that phone keyboards and word processors substitute for a hyphen.
pub(crate) fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '-' | '\u{00A0}' | '\u{2010}'..='\u{2015}' | '\u{2212}'
    )
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
        assert!(is_separator(' '));
        assert!(is_separator('-'));
        assert!(is_separator('\u{2014}'));
        assert!(!is_separator('/'));
        assert!(!is_separator('1'));
    }
}
