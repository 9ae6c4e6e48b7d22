//! Personal numbers are masked however they are written.
//!
//! People (and attackers) write long numbers with every separator a keyboard offers, in
//! full-width digits and in any grouping. Whatever the form, what `redact` returns must not hold
//! a run of 11 or more digits once the separators between digits are taken out; and the case ids,
//! dates and amounts the bot needs must come through unchanged.

use chrono::NaiveDate;
use kycdesk::entities::redact;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 11).expect("a real date")
}

fn redacted(text: &str) -> String {
    redact(text, today())
}

/// The shortest digit run that counts as a leaked personal number.
const LONG_RUN: usize = 11;

/// What people put between digit groups, one kind or several mixed in one number.
const SEPARATORS: &[&str] = &[
    " ", "\u{3000}", "\u{00A0}", ".", "-", "_", "/", ",", "·", "、", "，", "－", "．", " - ", "  ",
    " / ", ".-", "--", "_ ",
];

const BEFORE: &[&str] = &[
    "",
    "我的号码是",
    "卡号：",
    "身份证 ",
    "手机号码",
    "my number is ",
    "card: ",
    "Please check ",
    "（",
];

const AFTER: &[&str] = &[
    "",
    "，谢谢",
    "。",
    "怎么不对",
    " thanks",
    ", please.",
    "）",
    "!",
    "的",
    " ok",
];

/// A separator character as the masking should see it: anything a person might put between the
/// digit groups of one number. Deliberately broader than the gaps the masking joins, so that the
/// check is at least as strict as the rule.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | '-' | '_' | '/' | ',' | '·' | '、' | '，' | '－' | '．' | '／' | '＿' | '\u{2010}'
                ..='\u{2015}' | '\u{2212}'
        )
}

/// An ASCII or full-width digit.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The longest run of digits in `text`, counting across separators that stand between digits.
fn longest_digit_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if is_digit(c) {
            run += 1;
            longest = longest.max(run);
        } else if !is_separator(c) {
            // Separators keep the run open for the next digit; anything else ends it.
            run = 0;
        }
    }
    longest
}

fn full_width(c: char) -> char {
    char::from_u32(u32::from(c) + 0xFEE0).unwrap_or(c)
}

/// `digits` (ASCII, possibly ending in `X`) written with the given group sizes, separators and
/// full-width choices. Sizes, separators and widths are used cyclically.
fn write_number(digits: &str, sizes: &[usize], separators: &[&str], wide: &[bool]) -> String {
    let chars: Vec<char> = digits.chars().collect();
    let mut written = String::new();
    let mut i = 0;
    let mut group = 0;
    while i < chars.len() {
        if group > 0 {
            written.push_str(separators[(group - 1) % separators.len()]);
        }
        let size = sizes[group % sizes.len()].max(1);
        for (k, &c) in chars[i..(i + size).min(chars.len())].iter().enumerate() {
            let wide_here = wide[(i + k) % wide.len()];
            written.push(if wide_here { full_width(c) } else { c });
        }
        i += size;
        group += 1;
    }
    written
}

/// 11 to 19 random digits, or 17 digits and an `X` (either case), as an ID number ends.
fn long_number() -> impl Strategy<Value = String> {
    let digits = |n| proptest::collection::vec(0u8..10, n);
    prop_oneof![
        digits(11..=19).prop_map(|d| d.iter().map(|d| char::from(b'0' + d)).collect::<String>()),
        (digits(17..=17), prop::sample::select(vec!['X', 'x'])).prop_map(|(d, x)| {
            let mut s: String = d.iter().map(|d| char::from(b'0' + d)).collect();
            s.push(x);
            s
        }),
    ]
}

/// How a number is written: group sizes (0 means no separator at all), separators and widths.
fn writing() -> impl Strategy<Value = (Vec<usize>, Vec<&'static str>, Vec<bool>)> {
    (
        prop_oneof![
            Just(vec![19]),
            proptest::collection::vec(1usize..=6, 1..8),
            Just(vec![4]),
            Just(vec![3, 4, 4]),
            Just(vec![6, 8, 4]),
        ],
        proptest::collection::vec(prop::sample::select(SEPARATORS), 1..6),
        prop_oneof![
            Just(vec![false]),
            Just(vec![true]),
            proptest::collection::vec(any::<bool>(), 1..20),
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_long_digit_run_survives_in_any_form(
        number in long_number(),
        (sizes, separators, wide) in writing(),
        before in prop::sample::select(BEFORE),
        after in prop::sample::select(AFTER),
    ) {
        let written = write_number(&number, &sizes, &separators, &wide);
        let text = format!("{before}{written}{after}");
        prop_assert!(longest_digit_run(&text) >= LONG_RUN, "the input itself is long: {text}");
        let out = redacted(&text);
        prop_assert!(
            longest_digit_run(&out) < LONG_RUN,
            "{text:?} was redacted to {out:?}"
        );
    }

    #[test]
    fn two_long_numbers_in_one_message_are_both_masked(
        first in long_number(),
        second in long_number(),
        (sizes, separators, wide) in writing(),
        middle in prop::sample::select(&["，", " 和 ", " and ", "；", "\n"][..]),
    ) {
        let text = format!(
            "号码{}{middle}{}谢谢",
            write_number(&first, &sizes, &separators, &wide),
            write_number(&second, &sizes, &separators, &wide),
        );
        let out = redacted(&text);
        prop_assert!(longest_digit_run(&out) < LONG_RUN, "{text:?} was redacted to {out:?}");
    }

    #[test]
    fn case_ids_in_sentences_survive(
        year in 2000u32..2100,
        month in 1u32..=12,
        day in 1u32..=28,
        serial in 0u32..1_000_000,
        before in prop::sample::select(&["", "案件号", "case ", "我的案件 ", "查一下", "（"][..]),
        after in prop::sample::select(&["", " 怎么样了", "，谢谢", ". thanks", "的进度", "）"][..]),
    ) {
        let case_id = format!("KYC-{year:04}{month:02}{day:02}-{serial:06}");
        let text = format!("{before}{case_id}{after}");
        prop_assert_eq!(redacted(&text), text);
    }

    #[test]
    fn dates_times_and_amounts_in_sentences_survive(
        year in 1950u32..2100,
        month in 1u32..=12,
        day in 1u32..=28,
        hour in 0u32..24,
        minute in 0u32..60,
        form in 0usize..5,
        amount in prop::sample::select(&["1,000", "12.50", "30", "1,280.00", "99.9"][..]),
        before in prop::sample::select(&["", "我在", "on ", "（"][..]),
    ) {
        let date = match form {
            0 => format!("{year}-{month:02}-{day:02}"),
            1 => format!("{year}/{month}/{day}"),
            2 => format!("{year}.{month}.{day}"),
            3 => format!("{year}年{month}月{day}日"),
            _ => format!("{year} 年 {month} 月 {day} 日"),
        };
        let text = format!("{before}{date} {hour:02}:{minute:02} 付了 {amount} 元，还是失败");
        prop_assert_eq!(redacted(&text), text);
    }
}

#[test]
fn the_property_check_sees_runs_across_separators() {
    assert_eq!(longest_digit_run("138.1234.5678"), 11);
    assert_eq!(longest_digit_run("１３８ 1234_5678"), 11);
    assert_eq!(longest_digit_run("138****5678"), 4);
    assert_eq!(longest_digit_run("卡号6222 **** **** 0128"), 4);
    assert_eq!(
        write_number("11010519491231002X", &[6, 8], &[" "], &[false]),
        "110105 19491231 002X"
    );
}

#[test]
fn a_card_number_failing_luhn_is_still_masked() {
    assert_eq!(
        redacted("卡号6222 0212 3456 7890 129"),
        "卡号6222 **** **** 0129"
    );
    assert_eq!(
        redacted("card 4111111111111112 please"),
        "card 4111 **** **** 1112 please"
    );
}

#[test]
fn phone_numbers_with_dots_or_underscores_are_masked() {
    for text in [
        "138.1234.5678",
        "138_1234_5678",
        "138/1234/5678",
        "138·1234·5678",
    ] {
        assert_eq!(
            redacted(&format!("电话{text}")),
            "电话138****5678",
            "{text}"
        );
    }
    assert_eq!(
        redacted("call me on 138.1234.5678."),
        "call me on 138****5678."
    );
}

#[test]
fn id_numbers_typed_with_spaces_are_masked() {
    for text in [
        "1101 0119 9001 0112 3X",
        "110101 19900101 123X",
        "110101\u{3000}19900101\u{3000}123X",
        "110101\u{00A0}19900101\u{00A0}123X",
        "110101  19900101  123X",
        "110101 - 19900101 - 123X",
        "110101-19900101.123X",
        "１１０１０１　１９９００１０１　１２３Ｘ",
    ] {
        assert_eq!(
            redacted(&format!("身份证{text}谢谢")),
            "身份证1101**********123X谢谢",
            "{text:?}"
        );
    }
    // Split before the check character it is no longer an ID number, but still a long number.
    let out = redacted("身份证 1101 0119 9001 0112 3 X");
    assert!(longest_digit_run(&out) < LONG_RUN, "{out:?}");
}

#[test]
fn any_long_number_split_by_separators_is_masked() {
    for text in [
        "订单 1234.5678.901",
        "ref 98_7654_3210_12",
        "编号 1、2345、6789、012",
        "number ９８７６５４３２１０９８",
        "12,345,678,901 元",
    ] {
        let out = redacted(text);
        assert!(longest_digit_run(&out) < LONG_RUN, "{text:?} -> {out:?}");
        // At most the last four digits stay.
        let visible = out.chars().filter(|c| is_digit(*c)).count();
        assert!(visible <= 4, "{text:?} -> {out:?}");
    }
}

#[test]
fn case_ids_dates_times_and_amounts_stay() {
    for text in [
        "KYC-20240611-000123",
        "案件号KYC-20240611-000123的状态",
        "我是2024-06-11提交的",
        "2024年6月11日 14:30 提交",
        "June 11, 2024 at 14:30",
        "付了1,000元",
        "price 12.50 yuan",
        "2024-06-11, 12.50",
        "验证码 4829 于2024年6月11日发出",
        "KYC-20240611-000123 2024-06-11",
    ] {
        let expected = text.replace("4829", "****");
        assert_eq!(redacted(text), expected, "{text}");
    }
}
