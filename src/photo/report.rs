//! What the check found, in the vocabulary of the case API's photo-quality reason codes, most
//! important first, ready for the locale files to turn into instructions.
//!
//! The order is the order in which a user should fix things: light and framing first (nothing
//! else can be judged on a dark photo or without the whole card), then what makes the text
//! unreadable, then what a reviewer might still accept.

use serde::{Serialize, Serializer};

/// Finding codes. The first six are the case API's photo-quality codes; the others are ours,
/// for problems no API code names.
pub mod codes {
    pub const PHOTO_TOO_DARK: &str = "PHOTO_TOO_DARK";
    pub const OVEREXPOSED: &str = "OVEREXPOSED";
    pub const NO_CARD_FOUND: &str = "NO_CARD_FOUND";
    pub const PHOTO_CUT_OFF: &str = "PHOTO_CUT_OFF";
    pub const BLACK_AND_WHITE: &str = "BLACK_AND_WHITE";
    pub const LOW_RESOLUTION: &str = "LOW_RESOLUTION";
    pub const CARD_TOO_SMALL: &str = "CARD_TOO_SMALL";
    pub const PHOTO_BLURRY: &str = "PHOTO_BLURRY";
    pub const PHOTO_GLARE: &str = "PHOTO_GLARE";
    pub const TILTED: &str = "TILTED";

    /// Every code, most important first: the report's order.
    pub const ALL: [&str; 10] = [
        PHOTO_TOO_DARK,
        OVEREXPOSED,
        NO_CARD_FOUND,
        PHOTO_CUT_OFF,
        BLACK_AND_WHITE,
        LOW_RESOLUTION,
        CARD_TOO_SMALL,
        PHOTO_BLURRY,
        PHOTO_GLARE,
        TILTED,
    ];
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// UPPER_SNAKE code from [`codes`].
    pub code: &'static str,
    /// Arguments for the locale text: `corner` for `PHOTO_CUT_OFF` (`top-left`, `top-right`,
    /// `bottom-left`, `bottom-right`, `top`, `right`, `bottom`, `left` when a whole side is out,
    /// `several`), `degrees` for `TILTED`, `width` (pixels across the card) for `LOW_RESOLUTION`.
    #[serde(serialize_with = "as_map", skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(String, String)>,
}

impl Finding {
    pub(crate) fn new(code: &'static str) -> Self {
        Self {
            code,
            args: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.args.push((name.to_string(), value.to_string()));
        self
    }

    /// `photo-finding-<code in lower case>`, for example `photo-finding-photo_cut_off`.
    pub fn locale_key(&self) -> String {
        format!("photo-finding-{}", self.code.to_ascii_lowercase())
    }

    /// Position in the report: lower is more important.
    fn rank(&self) -> usize {
        codes::ALL
            .iter()
            .position(|c| *c == self.code)
            .unwrap_or(codes::ALL.len())
    }
}

fn as_map<S: Serializer>(args: &[(String, String)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(args.iter().map(|(k, v)| (k, v)))
}

/// What was measured, for logs, calibration and the agent console. Card values are `None` when
/// no card was found. Nothing here identifies the person or the document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measurements {
    /// Upright size of the original photo.
    pub width: u32,
    pub height: u32,
    /// Mean luminance (0–255) of the whole photo.
    pub frame_luma: f32,
    /// 99th percentile of colour saturation; `None` when too dark to tell.
    pub colour_saturation: Option<f32>,
    pub card_found: bool,
    pub card_cut_off: bool,
    /// Pixels along the card's long side in the original (of its visible part when cut off).
    pub card_width_px: Option<f32>,
    /// Share of the frame the (visible) card covers.
    pub card_area_share: Option<f32>,
    /// Angle of the long side against the nearest frame axis, degrees.
    pub tilt_degrees: Option<f32>,
    /// Mean luminance of the card.
    pub card_luma: Option<f32>,
    /// Share of the card at luminance ≥ 250.
    pub clipped_share: Option<f32>,
    /// Share of the card under glare, and its largest connected patch.
    pub glare_share: Option<f32>,
    pub glare_patch: Option<f32>,
    /// Normalised Laplacian measure (see `PhotoConfig::min_sharpness`).
    pub sharpness: Option<f32>,
}

/// The verdict: `ok` exactly when there are no findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoReport {
    pub ok: bool,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub measurements: Measurements,
}

impl PhotoReport {
    pub(crate) fn new(mut findings: Vec<Finding>, measurements: Measurements) -> Self {
        findings.sort_by_key(Finding::rank);
        findings.dedup_by(|a, b| a.code == b.code);
        Self {
            ok: findings.is_empty(),
            findings,
            measurements,
        }
    }

    /// Whether a finding with `code` is present.
    pub fn has(&self, code: &str) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// The codes, most important first.
    pub fn codes(&self) -> Vec<&'static str> {
        self.findings.iter().map(|f| f.code).collect()
    }

    /// The report with each finding's text rendered by `render(locale_key, args)`, which
    /// serialises as `{"ok": bool, "findings": [{"code": "...", "message": "..."}]}`.
    pub fn rendered(&self, render: impl Fn(&str, &[(String, String)]) -> String) -> RenderedReport {
        RenderedReport {
            ok: self.ok,
            findings: self
                .findings
                .iter()
                .map(|f| RenderedFinding {
                    code: f.code,
                    message: render(&f.locale_key(), &f.args),
                })
                .collect(),
        }
    }
}

/// [`PhotoReport`] with its texts, as the CLI prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedReport {
    pub ok: bool,
    pub findings: Vec<RenderedFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedFinding {
    pub code: &'static str,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_come_most_important_first_once_each() {
        let report = PhotoReport::new(
            vec![
                Finding::new(codes::TILTED),
                Finding::new(codes::PHOTO_BLURRY),
                Finding::new(codes::PHOTO_CUT_OFF).with("corner", "top-right"),
                Finding::new(codes::PHOTO_BLURRY),
            ],
            Measurements::default(),
        );
        assert_eq!(
            report.codes(),
            vec![codes::PHOTO_CUT_OFF, codes::PHOTO_BLURRY, codes::TILTED]
        );
        assert!(!report.ok);
        assert!(PhotoReport::new(Vec::new(), Measurements::default()).ok);
    }

    #[test]
    fn locale_keys_are_the_lower_case_code() {
        assert_eq!(
            Finding::new(codes::PHOTO_CUT_OFF).locale_key(),
            "photo-finding-photo_cut_off"
        );
    }

    #[test]
    fn serialises_codes_and_args_without_measurements() {
        let report = PhotoReport::new(
            vec![Finding::new(codes::PHOTO_CUT_OFF).with("corner", "top-right")],
            Measurements::default(),
        );
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            serde_json::json!({"ok": false, "findings": [
                {"code": "PHOTO_CUT_OFF", "args": {"corner": "top-right"}}
            ]})
        );
    }

    #[test]
    fn rendered_report_has_the_cli_shape() {
        let report = PhotoReport::new(
            vec![Finding::new(codes::TILTED).with("degrees", 25)],
            Measurements::default(),
        );
        let rendered = report.rendered(|key, args| format!("{key} {}", args[0].1));
        assert_eq!(
            serde_json::to_value(&rendered).unwrap(),
            serde_json::json!({"ok": false, "findings": [
                {"code": "TILTED", "message": "photo-finding-tilted 25"}
            ]})
        );
    }
}
