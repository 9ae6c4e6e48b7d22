//! Redaction: the text that may be stored, logged or shown to an agent.
//!
//! Every personal number [`find_entities`] reports (resident ID, mobile, bank card, e-mail,
//! one-time code) is replaced by its masked form; case ids and dates stay, because agents need
//! them and they identify nobody. Everything else in the message is kept byte for byte.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::find::{DEFAULT_CASE_ID_PATTERN, find_entities};

static DEFAULT_CASE_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(DEFAULT_CASE_ID_PATTERN).expect("default case id pattern is a valid literal")
});

/// `text` with every personal number masked: `我的身份证号是 1101**********002X 怎么不对`.
///
/// Case ids are recognised with [`DEFAULT_CASE_ID_PATTERN`] so their digits are never mistaken
/// for a one-time code.
pub fn redact(text: &str, today: NaiveDate) -> String {
    let mut redacted = String::with_capacity(text.len());
    let mut copied = 0;
    for entity in find_entities(text, today, &DEFAULT_CASE_ID) {
        if !entity.kind.is_personal() {
            continue;
        }
        redacted.push_str(&text[copied..entity.start]);
        redacted.push_str(&entity.value);
        copied = entity.end;
    }
    redacted.push_str(&text[copied..]);
    redacted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::resident_id::strategies::valid_resident_id;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 11).unwrap()
    }

    fn redacted(text: &str) -> String {
        redact(text, today())
    }

    #[test]
    fn chinese_sentence_with_an_id() {
        assert_eq!(
            redacted("我的身份证号是 11010519491231002X 怎么不对"),
            "我的身份证号是 1101**********002X 怎么不对"
        );
    }

    #[test]
    fn full_width_mobile_and_sms_code() {
        let out = redacted("号码１３８１２３４５６７８收不到验证码 482913");
        assert_eq!(out, "号码138****5678收不到验证码 ******");
        assert!(!out.contains("１２３４"));
        assert!(!out.contains("482913"));
    }

    #[test]
    fn english_sentence_with_grouped_id_and_international_phone() {
        let out = redacted("my id is 440524 18800101 0014 and phone +86 138-1234-5678");
        assert_eq!(out, "my id is 4405**********0014 and phone 138****5678");
        assert!(!out.contains("18800101"));
        assert!(!out.contains("1234"));
    }

    #[test]
    fn bank_card_in_groups_of_four() {
        assert_eq!(
            redacted("卡号6222 0212 3456 7890 128"),
            "卡号6222 **** **** 0128"
        );
    }

    #[test]
    fn email_in_text() {
        assert_eq!(
            redacted("请发到 zhang.san@example.com 谢谢"),
            "请发到 z***@example.com 谢谢"
        );
        assert_eq!(
            redacted("mail me at Li.Wei+kyc@mail.example.cn."),
            "mail me at L***@mail.example.cn."
        );
    }

    #[test]
    fn invalid_and_legacy_id_numbers_are_masked_too() {
        assert_eq!(
            redacted("身份证110105194912310021不对吗"),
            "身份证1101**********0021不对吗"
        );
        assert_eq!(redacted("旧证 110105491231002"), "旧证 1101*******1002");
    }

    #[test]
    fn case_ids_and_dates_stay() {
        let text = "KYC-20240611-000123 验证码 4829 于2024年6月11日发出";
        assert_eq!(
            redacted(text),
            "KYC-20240611-000123 验证码 **** 于2024年6月11日发出"
        );
    }

    #[test]
    fn text_without_personal_numbers_is_unchanged() {
        for text in [
            "还是不行",
            "",
            "为什么又失败？？",
            "price 30 yuan, 2 photos",
        ] {
            assert_eq!(redacted(text), text);
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,80}") {
            let _ = redacted(&text);
        }

        #[test]
        fn never_panics_on_digit_heavy_text(text in "[0-9０-９xX +\\-－　/.@a年月日码]{0,60}") {
            let _ = redacted(&text);
        }

        #[test]
        fn never_returns_a_clear_valid_id(
            before in "\\PC{0,20}",
            id in valid_resident_id(),
            after in "\\PC{0,20}",
        ) {
            let out = redacted(&format!("{before}{id}{after}"));
            prop_assert!(!out.contains(&id), "{out}");
        }

        #[test]
        fn never_returns_a_clear_id_between_digits(
            before in "[0-9 ]{0,6}",
            id in valid_resident_id(),
            after in "[0-9xX ]{0,6}",
        ) {
            let out = redacted(&format!("{before}{id}{after}"));
            prop_assert!(!out.contains(&id), "{out}");
        }
    }
}
