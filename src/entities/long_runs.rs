//! The last line of redaction: long digit runs that no recogniser claimed.
//!
//! The recognisers give ID, card and mobile numbers their familiar masked shapes, but people write
//! numbers in more ways than any recogniser knows: a card with a digit too many, an account number,
//! an ID split in odd places. Whatever stays in clear after them, a stretch of [`LONG_RUN`] or
//! more digits (counted across the gaps people put inside one number, see
//! [`joins_digit_groups`]) could identify someone and is starred.
//!
//! Recognised numbers count towards the stretch: `02` pasted before an ID number, or a date run
//! into a phone number, is starred with it, because joined that way it is part of one long number.

use super::find::{Entity, EntityKind};
use super::normalize::{fold_char, is_separator, joins_digit_groups};

/// The shortest stretch of digits that could be a mobile, ID or card number.
pub(crate) const LONG_RUN: usize = 11;

/// Digits an unrecognised long number keeps at its end, enough to tell two numbers apart.
const KEPT_DIGITS: usize = 4;

/// How an entity found in the text takes part in a stretch of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Replaced by its masked form; its digits count towards the stretch around it.
    Masked,
    /// Kept as written and ends any stretch: an e-mail address (masked whole) or a case id.
    Apart,
    /// Read like any other text: a date is kept unless it is part of a long number.
    Open,
}

/// The role of a found entity. `case_id_is_safe` says whether a case id may be kept whole.
pub(crate) fn role(entity: &Entity, case_id_is_safe: impl FnOnce() -> bool) -> Role {
    match entity.kind {
        EntityKind::Email => Role::Apart,
        EntityKind::CaseId if case_id_is_safe() => Role::Apart,
        EntityKind::CaseId | EntityKind::Date => Role::Open,
        EntityKind::ResidentId { .. }
        | EntityKind::Mobile
        | EntityKind::BankCard
        | EntityKind::SmsCode => Role::Masked,
    }
}

/// What the scan sees, left to right.
enum Piece {
    Digit { offset: usize },
    Masked { digits: usize },
    Gap(char),
    Break,
}

/// Byte offsets in `text` of the digits to star, ascending. `entities` are in text order and do
/// not overlap; `roles` holds the [`Role`] of each.
pub(crate) fn digits_to_star(text: &str, entities: &[Entity], roles: &[Role]) -> Vec<usize> {
    let mut stretch = Stretch::default();
    let mut gap = String::new();
    let mut starred = Vec::new();
    for piece in pieces(text, entities, roles) {
        match piece {
            Piece::Gap(c) => gap.push(c),
            Piece::Break => {
                stretch.finish(&mut starred);
                gap.clear();
            }
            Piece::Digit { .. } | Piece::Masked { .. } => {
                if !gap.is_empty() && !joins_digit_groups(&gap) {
                    stretch.finish(&mut starred);
                }
                gap.clear();
                stretch.add(&piece);
            }
        }
    }
    stretch.finish(&mut starred);
    starred
}

fn pieces(text: &str, entities: &[Entity], roles: &[Role]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut copied = 0;
    for (entity, role) in entities.iter().zip(roles) {
        read(text, copied, entity.start, &mut pieces);
        let span = &text[entity.start..entity.end];
        match role {
            Role::Open => read(text, entity.start, entity.end, &mut pieces),
            Role::Masked => {
                let digits = span
                    .chars()
                    .filter(|c| fold_char(*c).is_ascii_digit())
                    .count();
                pieces.push(if digits == 0 {
                    Piece::Break
                } else {
                    Piece::Masked { digits }
                });
            }
            Role::Apart => pieces.push(Piece::Break),
        }
        copied = entity.end;
    }
    read(text, copied, text.len(), &mut pieces);
    pieces
}

/// Plain text between entities, a character at a time.
fn read(text: &str, from: usize, to: usize, pieces: &mut Vec<Piece>) {
    for (i, c) in text[from..to].char_indices() {
        let folded = fold_char(c);
        pieces.push(if folded.is_ascii_digit() {
            Piece::Digit { offset: from + i }
        } else if is_separator(folded) {
            Piece::Gap(c)
        } else {
            Piece::Break
        });
    }
}

/// Digits joined into one number so far.
#[derive(Default)]
struct Stretch {
    digits: usize,
    /// Offsets of the digits no recogniser masked.
    clear: Vec<usize>,
    /// Whether a recognised number is part of it.
    recognised: bool,
}

impl Stretch {
    fn add(&mut self, piece: &Piece) {
        match *piece {
            Piece::Digit { offset } => {
                self.digits += 1;
                self.clear.push(offset);
            }
            Piece::Masked { digits } => {
                self.digits += digits;
                self.recognised = true;
            }
            Piece::Gap(_) | Piece::Break => {}
        }
    }

    /// Stars the clear digits of a long stretch and starts a new one. An unrecognised number keeps
    /// its last digits; around a recognised one every clear digit goes, since the masked form
    /// already shows its own ends and the two together could rebuild the number.
    fn finish(&mut self, starred: &mut Vec<usize>) {
        if self.digits >= LONG_RUN {
            let kept = if self.recognised { 0 } else { KEPT_DIGITS };
            let cut = self.clear.len().saturating_sub(kept);
            starred.extend_from_slice(&self.clear[..cut]);
        }
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(kind: EntityKind, text: &str, span: &str, value: &str) -> Entity {
        let start = text.find(span).expect("span is in the text");
        Entity {
            kind,
            start,
            end: start + span.len(),
            value: value.to_string(),
        }
    }

    /// `text` with the chosen digits starred (entities left as written).
    fn starred(text: &str, entities: &[Entity], roles: &[Role]) -> String {
        let offsets = digits_to_star(text, entities, roles);
        text.char_indices()
            .map(|(i, c)| if offsets.contains(&i) { '*' } else { c })
            .collect()
    }

    #[test]
    fn an_unrecognised_long_run_keeps_its_last_four_digits() {
        assert_eq!(starred("no 12345678901.", &[], &[]), "no *******8901.");
        assert_eq!(starred("1234.5678_901", &[], &[]), "****.***8_901");
        assert_eq!(
            starred("１２３４５６７８９０１２", &[], &[]),
            "********９０１２"
        );
    }

    #[test]
    fn short_runs_and_lists_stay() {
        for text in [
            "1234567890",
            "12.50, 30.00, 45.00",
            "2024-06-11 14:30",
            "1 到 12345678",
        ] {
            assert_eq!(starred(text, &[], &[]), text);
        }
    }

    #[test]
    fn clear_digits_joined_to_a_recognised_number_are_starred() {
        let text = "0211010519491231002X";
        let id = entity(
            EntityKind::ResidentId { valid: true },
            text,
            "11010519491231002X",
            "1101**********002X",
        );
        assert_eq!(
            starred(text, &[id], &[Role::Masked]),
            "**11010519491231002X"
        );
        let text = "12345 13812345678";
        let mobile = entity(EntityKind::Mobile, text, "13812345678", "138****5678");
        assert_eq!(
            starred(text, &[mobile], &[Role::Masked]),
            "***** 13812345678"
        );
    }

    #[test]
    fn a_date_is_kept_apart_but_not_inside_a_long_number() {
        let text = "2024-06-11";
        let date = entity(EntityKind::Date, text, text, "2024-06-11");
        assert_eq!(starred(text, &[date], &[Role::Open]), text);
        let text = "6222 2024-06-11 1234";
        let date = entity(EntityKind::Date, text, "2024-06-11", "2024-06-11");
        assert_eq!(
            starred(text, &[date], &[Role::Open]),
            "**** ****-**-** 1234"
        );
    }

    #[test]
    fn a_case_id_ends_a_stretch_only_when_it_is_safe() {
        let text = "KYC-20240611-000123 1234";
        let case = entity(EntityKind::CaseId, text, "KYC-20240611-000123", "");
        assert_eq!(
            starred(text, std::slice::from_ref(&case), &[Role::Apart]),
            text
        );
        assert_eq!(
            starred(text, &[case], &[Role::Open]),
            "KYC-********-****** 1234"
        );
    }
}
