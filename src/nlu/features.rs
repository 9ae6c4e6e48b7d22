//! Turning normalised text into sparse features: character n-grams for Chinese (no word
//! boundaries needed, robust to typos), words and in-word character n-grams for English.
//! Features are 64-bit hashes, so extraction allocates nothing per n-gram.

use super::normalize::is_han;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn hash(kind: u8, parts: &[&str]) -> u64 {
    let mut h = FNV_OFFSET ^ u64::from(kind);
    h = h.wrapping_mul(FNV_PRIME);
    for part in parts {
        for b in part.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
        h ^= 0xff;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// A feature for an entity kind found in the message (the number itself is never a feature).
pub fn entity_feature(kind: &str) -> u64 {
    hash(b'e', &[kind])
}

/// Appends the features of normalised `text` to `out` (duplicates allowed; the model sums).
pub fn extract(text: &str, out: &mut Vec<u64>) {
    let mut han: Vec<(usize, usize)> = Vec::new(); // byte ranges of consecutive Han chars
    let mut words: Vec<&str> = Vec::new();
    let mut word_start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() && !is_han(c) {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(s) = word_start.take() {
            words.push(&text[s..i]);
        }
        if is_han(c) {
            han.push((i, i + c.len_utf8()));
        } else {
            han.push((usize::MAX, usize::MAX)); // a break between Han runs
        }
    }
    if let Some(s) = word_start {
        words.push(&text[s..]);
    }
    // Han unigrams, bigrams and trigrams within runs.
    for (i, &(s, e)) in han.iter().enumerate() {
        if s == usize::MAX {
            continue;
        }
        out.push(hash(b'1', &[&text[s..e]]));
        if let Some(&(_, e2)) = han.get(i + 1).filter(|r| r.0 != usize::MAX) {
            out.push(hash(b'2', &[&text[s..e2]]));
            if let Some(&(_, e3)) = han.get(i + 2).filter(|r| r.0 != usize::MAX) {
                out.push(hash(b'3', &[&text[s..e3]]));
            }
        }
    }
    // Words, word bigrams, and character 3- and 4-grams inside words with boundary marks.
    for (i, w) in words.iter().enumerate() {
        out.push(hash(b'w', &[w]));
        if let Some(next) = words.get(i + 1) {
            out.push(hash(b'b', &[w, next]));
        }
        if w.is_ascii() && w.len() >= 3 {
            let padded = format!("^{w}$");
            let bytes = padded.len();
            for n in [3usize, 4] {
                for start in 0..bytes.saturating_sub(n - 1) {
                    out.push(hash(b'c', &[&padded[start..start + n]]));
                }
            }
        }
    }
    if han.iter().all(|r| r.0 == usize::MAX) && words.is_empty() {
        out.push(hash(b'x', &["<no-words>"]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_give_features() {
        let mut f = Vec::new();
        extract("照片模糊", &mut f);
        assert_eq!(f.len(), 4 + 3 + 2);
        f.clear();
        extract("blurry photo", &mut f);
        assert!(f.len() > 4);
    }

    #[test]
    fn same_text_same_features() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        extract("刷脸 fail 了", &mut a);
        extract("刷脸 fail 了", &mut b);
        assert_eq!(a, b);
        let mut c = Vec::new();
        extract("刷脸 pass 了", &mut c);
        assert_ne!(a, c);
    }

    #[test]
    fn emoji_only_text_still_has_a_feature() {
        let mut f = Vec::new();
        extract("😡😡", &mut f);
        assert_eq!(f.len(), 1);
    }
}
