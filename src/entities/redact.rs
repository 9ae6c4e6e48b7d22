//! Redaction: the text that may be stored, logged or shown to an agent.
//!
//! Every personal number [`find_entities`] reports (resident ID, mobile, bank card, e-mail,
//! one-time code) is replaced by its masked form; case ids and dates stay, because agents need
//! them and they identify nobody. Any other long digit run, however it is written, is starred
//! (see [`long_runs`](super::long_runs)). Everything else in the message is kept byte for byte.

use std::iter::Peekable;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::find::{DEFAULT_CASE_ID_PATTERN, find_entities, find_ignoring_case_ids};
use super::long_runs::{LONG_RUN, Role, digits_to_star, role};
use super::normalize::fold_char;

static DEFAULT_CASE_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(DEFAULT_CASE_ID_PATTERN).expect("default case id pattern is a valid literal")
});

/// `text` with every personal number masked: `我的身份证号是 1101**********002X 怎么不对`.
///
/// Case ids are recognised with [`DEFAULT_CASE_ID_PATTERN`] so their digits are never mistaken
/// for a one-time code or a long number.
pub fn redact(text: &str, today: NaiveDate) -> String {
    let entities = find_entities(text, today, &DEFAULT_CASE_ID);
    let roles: Vec<Role> = entities
        .iter()
        .map(|e| role(e, || case_id_is_safe(&text[e.start..e.end], today)))
        .collect();
    let mut starred = digits_to_star(text, &entities, &roles)
        .into_iter()
        .peekable();
    let mut redacted = String::with_capacity(text.len());
    let mut copied = 0;
    for entity in &entities {
        if !entity.kind.is_personal() {
            continue;
        }
        copy_starred(text, copied, entity.start, &mut starred, &mut redacted);
        redacted.push_str(&entity.value);
        copied = entity.end;
    }
    copy_starred(text, copied, text.len(), &mut starred, &mut redacted);
    redacted
}

/// Copies `text[from..to]`, writing `*` for each digit at one of the `starred` offsets.
fn copy_starred(
    text: &str,
    from: usize,
    to: usize,
    starred: &mut Peekable<impl Iterator<Item = usize>>,
    redacted: &mut String,
) {
    for (i, c) in text[from..to].char_indices() {
        let offset = from + i;
        while starred.next_if(|&s| s < offset).is_some() {}
        let star = starred.next_if_eq(&offset).is_some();
        redacted.push(if star { '*' } else { c });
    }
}

/// A case id is kept whole unless a personal number hides in it (`KYC-13812345678`): case ids are
/// matched before mobile and card numbers, so the pattern alone would let one through in clear.
fn case_id_is_safe(case_id: &str, today: NaiveDate) -> bool {
    let mut run = 0;
    let mut longest = 0;
    for c in case_id.chars() {
        run = if fold_char(c).is_ascii_digit() {
            run + 1
        } else {
            0
        };
        longest = longest.max(run);
    }
    longest < LONG_RUN
        && find_ignoring_case_ids(case_id, today)
            .iter()
            .all(|e| !e.kind.is_personal())
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

    #[test]
    fn numbers_written_with_any_separator_keep_their_masked_shape() {
        assert_eq!(redacted("电话138.1234.5678"), "电话138****5678");
        assert_eq!(redacted("138_1234_5678 谢谢"), "138****5678 谢谢");
        assert_eq!(
            redacted("身份证 110101 19900101 123X"),
            "身份证 1101**********123X"
        );
        assert_eq!(
            redacted("卡号6222 0212 3456 7890 129"),
            "卡号6222 **** **** 0129"
        );
    }

    #[test]
    fn unrecognised_long_numbers_keep_at_most_four_digits() {
        assert_eq!(redacted("订单号 1234.5678.901"), "订单号 ****.***8.901");
        assert_eq!(redacted("流水号98765432109876"), "流水号**********9876");
        // Joined to a recognised number, the rest is starred completely.
        assert_eq!(redacted("12345 13812345678"), "***** 138****5678");
    }

    #[test]
    fn a_case_id_hiding_a_personal_number_is_starred() {
        assert_eq!(redacted("KYC-13812345678"), "KYC-*******5678");
        assert_eq!(redacted("KYC-138-1234-5678"), "KYC-***-****-5678");
        assert_eq!(
            redacted("KYC-20240611-000123 13812345678"),
            "KYC-20240611-000123 138****5678"
        );
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
