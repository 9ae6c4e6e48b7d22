//! Digit groups and the chains they form, the raw material for finding ID, card and phone numbers.
//!
//! People split long numbers the way they read them: `440524 18800101 0014`,
//! `6222 0212 3456 7890 128`, `138-1234-5678`. A *group* is a maximal run of ASCII digits (plus a
//! trailing `X` where an ID number could end); a *chain* is groups joined by the gaps people put
//! inside one number (see [`joins_digit_groups`]). A number is then a consecutive slice of a chain ([`Run`]), never a slice of a group, which
//! is what keeps a phone number from being found inside a longer digit run.

use super::normalize::joins_digit_groups;

/// Byte range of one group in the folded text; its characters are ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl Group {
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }
}

/// A consecutive slice of a chain's groups, with the separators between them.
pub(crate) struct Run<'a> {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The text of the run, separators included.
    pub(crate) raw: &'a str,
    pub(crate) groups: &'a [Group],
    /// Digits and `X` in the run, separators not counted.
    pub(crate) len: usize,
    /// The run is its chain's only group or the whole chain: it stands alone in the text.
    pub(crate) standalone: bool,
}

impl Run<'_> {
    /// The run's digits (and upper-case `X`) without separators.
    pub(crate) fn compact(&self) -> String {
        self.raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    }
}

/// Splits folded text into chains of digit groups.
pub(crate) fn chains(text: &str) -> Vec<Vec<Group>> {
    let bytes = text.as_bytes();
    let mut chains: Vec<Vec<Group>> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII digits never occur inside a multi-byte UTF-8 sequence, so byte scanning is safe.
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let continues = chains
            .last()
            .and_then(|chain| chain.last())
            .is_some_and(|previous| joined(text, previous.end, start));
        let digits = i - start;
        if matches!(bytes.get(i), Some(b'X' | b'x')) {
            let earlier = match chains.last() {
                Some(chain) if continues => chain.as_slice(),
                _ => &[],
            };
            let word_follows = bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric);
            if digits >= 17 || (can_end_id(earlier, digits) && !word_follows) {
                i += 1;
            }
        }
        let group = Group { start, end: i };
        match chains.last_mut() {
            Some(chain) if continues => chain.push(group),
            _ => chains.push(vec![group]),
        }
    }
    chains
}

/// An `X` after `digits` digits can end an ID number only if those digits, with some of the
/// chain's last groups, make exactly 17. Anything else (`3x faster`) keeps the `X` out.
fn can_end_id(earlier: &[Group], digits: usize) -> bool {
    let mut len = digits;
    for group in earlier.iter().rev() {
        if len >= 17 {
            break;
        }
        len += group.len();
    }
    len == 17
}

/// Whether the text between two groups joins them into one number.
fn joined(text: &str, previous_end: usize, start: usize) -> bool {
    joins_digit_groups(&text[previous_end..start])
}

/// Walks every chain left to right. At each group it offers the longest run first (up to
/// `max_len` digits) to `accept`, takes the first one accepted and continues after it; so one
/// scan never returns overlapping runs. Returns `(start, end, accepted)`.
pub(crate) fn scan<'a, T>(
    text: &'a str,
    chains: &'a [Vec<Group>],
    max_len: usize,
    mut accept: impl FnMut(&Run<'a>) -> Option<T>,
) -> Vec<(usize, usize, T)> {
    let mut hits = Vec::new();
    let mut ends = Vec::new();
    for chain in chains {
        let mut i = 0;
        'groups: while i < chain.len() {
            ends.clear();
            let mut len = 0;
            for (j, group) in chain.iter().enumerate().skip(i) {
                len += group.len();
                if len > max_len {
                    break;
                }
                ends.push((j + 1, len));
            }
            for &(j, len) in ends.iter().rev() {
                let groups = &chain[i..j];
                let (start, end) = (groups[0].start, groups[groups.len() - 1].end);
                let run = Run {
                    start,
                    end,
                    raw: &text[start..end],
                    groups,
                    len,
                    standalone: chain.len() == 1 || (i == 0 && j == chain.len()),
                };
                if let Some(value) = accept(&run) {
                    hits.push((start, end, value));
                    i = j;
                    continue 'groups;
                }
            }
            i += 1;
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(text: &'a str, chains: &[Vec<Group>]) -> Vec<Vec<&'a str>> {
        chains
            .iter()
            .map(|chain| chain.iter().map(|g| &text[g.start..g.end]).collect())
            .collect()
    }

    #[test]
    fn groups_join_across_single_separators() {
        let text = "my id is 440524 18800101 0014 and phone 86 138-1234-5678";
        assert_eq!(
            texts(text, &chains(text)),
            vec![
                vec!["440524", "18800101", "0014"],
                vec!["86", "138", "1234", "5678"]
            ]
        );
    }

    #[test]
    fn any_separator_joins_but_lists_and_words_break_chains() {
        let text = "138.1234_5678 / 1101  0119，2 12.50, 30:00 到 7";
        assert_eq!(
            texts(text, &chains(text)),
            vec![
                vec!["138", "1234", "5678", "1101", "0119", "2", "12", "50"],
                vec!["30"],
                vec!["00"],
                vec!["7"]
            ]
        );
    }

    #[test]
    fn x_ends_a_group_only_where_an_id_could_end() {
        let text = "11010519491231002x, 12 1101 0519 4912 3100 2X 3x, 11010519491231002Xiao";
        assert_eq!(
            texts(text, &chains(text)),
            vec![
                vec!["11010519491231002x"],
                vec!["12", "1101", "0519", "4912", "3100", "2X", "3"],
                vec!["11010519491231002X"]
            ]
        );
    }

    #[test]
    fn scan_prefers_the_longest_run_and_never_overlaps() {
        let text = "1 2 3 4";
        let chains = chains(text);
        let hits = scan(text, &chains, 3, |run| {
            (run.len >= 2).then(|| run.compact())
        });
        let values: Vec<_> = hits.into_iter().map(|(_, _, v)| v).collect();
        assert_eq!(values, vec!["123".to_string()]);
    }

    #[test]
    fn standalone_means_the_whole_chain() {
        let text = "440524 18800101 0014 9";
        let chains = chains(text);
        let hits = scan(text, &chains, 19, |run| {
            (run.len == 18).then_some(run.standalone)
        });
        assert_eq!(hits, vec![(0, 20, false)]);
    }
}
