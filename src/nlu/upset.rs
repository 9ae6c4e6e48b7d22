//! Plain signals that a user is upset: swearing, or the same complaint sent again. Deliberately
//! simple and precise (a false alarm hands a calm user to a person, which costs an agent's time but
//! never hurts the user); the understanding work refines them.

use super::normalize::normalize;

/// Swear words and insults users write at support bots, in both languages (normalised: lower
/// case, simplified Chinese). Matched as substrings for Chinese, as whole words for English.
const SWEARING_ZH: &[&str] = &[
    "他妈的",
    "他妈",
    "妈的",
    "tmd",
    "操你",
    "草泥马",
    "尼玛",
    "你妈",
    "傻逼",
    "煞笔",
    "sb客服",
    "垃圾客服",
    "垃圾机器人",
    "破机器人",
    "狗屎",
    "滚蛋",
    "去死",
    "坑爹",
    "骗子",
];
const SWEARING_EN: &[&str] = &[
    "fuck",
    "fucking",
    "fucked",
    "shit",
    "shitty",
    "bullshit",
    "crap",
    "damn",
    "wtf",
    "stupid bot",
    "useless bot",
    "idiot",
    "idiots",
    "scam",
    "scammers",
    "garbage",
    "sucks",
];

/// Whether the text swears or insults.
pub fn swears(text: &str) -> bool {
    let text = normalize(text);
    if SWEARING_ZH.iter().any(|w| text.contains(w)) {
        return true;
    }
    SWEARING_EN.iter().any(|w| {
        if w.contains(' ') {
            return text.contains(w);
        }
        // Words joined by `-` or `_` or digits are identifiers (`KYC-FAULT-GARBAGE`), not words.
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .any(|word| word == *w)
    })
}

/// A short fingerprint of a message, to notice the same complaint sent again without keeping its
/// text in the conversation state.
pub fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let folded: String = normalize(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    folded.hash(&mut hasher);
    hasher.finish()
}

/// Whether a message is long enough that sending it twice means something (not "ok", "1", "好").
pub fn is_substantial(text: &str) -> bool {
    normalize(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .count()
        >= 6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swearing_is_noticed_in_both_languages() {
        assert!(swears("你们这破机器人有什么用"));
        assert!(swears("他媽的 又失败了")); // traditional characters are folded
        assert!(swears("This is FUCKING useless"));
        assert!(swears("wtf is going on"));
    }

    #[test]
    fn ordinary_words_are_not_swearing() {
        assert!(!swears("my photo was crappy? no, it was fine")); // "crappy" is not "crap"
        assert!(!swears("I was scammed? no, I mean the scan failed"));
        assert!(!swears("认证失败了，怎么办"));
        assert!(!swears("Scunthorpe passport check"));
        assert!(!swears("my case is KYC-FAULT-GARBAGE"));
    }

    #[test]
    fn the_same_complaint_has_the_same_fingerprint() {
        assert_eq!(fingerprint("还是失败！！"), fingerprint("还是失败"));
        assert_eq!(
            fingerprint("It STILL fails."),
            fingerprint("it still fails")
        );
        assert_ne!(fingerprint("it still fails"), fingerprint("it works now"));
        assert!(is_substantial("it still fails"));
        assert!(!is_substantial("ok"));
    }
}
