//! Every threshold of the photo check, in one place the operator can override.
//!
//! The defaults are starting values calibrated on the synthetic photos in `synthetic.rs` (a light
//! ID-1 card on dark, wood and pale backgrounds, sharp, blurred, dark, with glare, cut off,
//! turned, tiny and grey); they are published here so that a reviewer can see what "too blurry"
//! means and tune it on real traffic without touching the code.

use serde::Deserialize;

/// Thresholds of [`check_photo`](super::check_photo). Every field has a default, so a config
/// file only names what it changes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoConfig {
    /// Largest accepted file: 10 MB (10 × 1024 × 1024 bytes). Phone photos are 2–6 MB.
    pub max_bytes: usize,
    /// Largest accepted picture, read from the header before any pixel is allocated: 24
    /// megapixels. Phones take 12 MP by default (some 16 or 20 MP), and cameras 20–24 MP
    /// (6000×4000); an ID card needs far less (640 px across the card). Above that a photo only
    /// costs memory and time: a 40 MP picture takes about 150 MB and most of a second to check,
    /// and the 48–200 MP "high resolution" modes of phones would take more. At 24 MP one check
    /// stays under about 100 MB, so the checks running at once (one per core) stay bounded.
    pub max_pixels: u64,
    /// Cap on the decoder's allocations (bytes): 200 MiB, room for 24 MP at 16 bits per channel
    /// in RGB (144 MB) plus the decoder's own buffers.
    pub max_decode_alloc: u64,
    /// The analysis (edges, contours) runs on a copy whose longest side is this many pixels:
    /// 1024. Resolution is always judged on the original.
    pub work_size: u32,

    /// ID-1 card aspect ratio (85.6 / 53.98 mm).
    pub card_aspect: f32,
    /// Accepted relative deviation of the found quadrilateral's aspect from `card_aspect`
    /// (perspective and rounded corners): 0.2, so 1.27–1.90.
    pub aspect_tolerance: f32,
    /// Fewest pixels across the card's long side in the original photo: 640.
    pub min_card_width_px: u32,
    /// Smallest share of the frame the card must cover: 0.10 (about a third of the width).
    pub min_card_area_share: f32,
    /// A corner closer than this share of the frame's shorter side to the border counts as
    /// touching it, so as cut off: 0.01 (12 px in a 1600×1200 photo).
    pub border_margin: f32,
    /// Strongest accepted tilt of the card's long side against the nearest frame axis: 15°.
    pub max_tilt_degrees: f32,

    /// Edge detector hysteresis thresholds (Sobel magnitude on the work copy): 20 and 50.
    pub canny_low: f32,
    pub canny_high: f32,

    /// Sharpness floor: standard deviation (square root of the variance) of the Laplacian on the
    /// card, seen at 856×540 pixels (0.1 mm per pixel) and smoothed with σ = 1 px against sensor
    /// noise, divided by the card's contrast (98th − 2nd percentile of luminance), × 100.
    /// Sharp synthetic photos measure 3.4–4.6; a Gaussian blur of σ ≥ 1.5 px at that scale
    /// (0.15 mm) measures under 2.4: 2.5.
    pub min_sharpness: f32,
    /// Mean luminance (0–255) of the card below which the photo is too dark: 70 (a well-lit
    /// light card measures 170–200).
    pub min_card_luma: f32,
    /// Mean luminance of the whole photo below which it is too dark when no card is found: 50.
    pub min_frame_luma: f32,
    /// Share of the card at luminance ≥ 250 from which it is over-exposed (washed out): 0.35.
    pub max_clipped_share: f32,
    /// A glare pixel is at least this bright (luminance): 240 …
    pub glare_luma: u8,
    /// … and nearly colourless: (max − min channel) / 255 at most 0.10.
    pub glare_max_chroma: f32,
    /// Share of the card covered by glare pixels from which the photo has glare: 0.02.
    pub max_glare_share: f32,
    /// Largest connected glare patch, as a share of the card, from which the photo has glare:
    /// 0.008 (a spot about 6 mm across).
    pub max_glare_patch: f32,
    /// Colour: the 99th percentile of saturation ((max − min channel) / max channel, over
    /// pixels not too dark to show colour); under 0.04 it is a black-and-white photo or copy.
    pub min_colour_saturation: f32,

    /// After this many failed checks in a conversation the user may go ahead anyway, with a
    /// warning (`photo-proceed-anyway`): 2. The flow keeps the count; the check does not.
    pub failures_before_proceed: u32,
}

impl Default for PhotoConfig {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 24_000_000,
            max_decode_alloc: 200 * 1024 * 1024,
            work_size: 1024,
            card_aspect: 1.586,
            aspect_tolerance: 0.2,
            min_card_width_px: 640,
            min_card_area_share: 0.10,
            border_margin: 0.01,
            max_tilt_degrees: 15.0,
            canny_low: 20.0,
            canny_high: 50.0,
            min_sharpness: 2.5,
            min_card_luma: 70.0,
            min_frame_luma: 50.0,
            max_clipped_share: 0.35,
            glare_luma: 240,
            glare_max_chroma: 0.10,
            max_glare_share: 0.02,
            max_glare_patch: 0.008,
            min_colour_saturation: 0.04,
            failures_before_proceed: 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_names_only_what_it_changes() {
        let config: PhotoConfig =
            serde_json::from_str(r#"{"max_tilt_degrees": 20.0, "min_sharpness": 8.5}"#).unwrap();
        assert_eq!(config.max_tilt_degrees, 20.0);
        assert_eq!(config.min_sharpness, 8.5);
        assert_eq!(config.max_bytes, PhotoConfig::default().max_bytes);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error = serde_json::from_str::<PhotoConfig>(r#"{"max_tilt": 20.0}"#).unwrap_err();
        assert!(error.to_string().contains("max_tilt"), "{error}");
    }

    #[test]
    fn published_starting_values() {
        let config = PhotoConfig::default();
        assert_eq!(config.max_bytes, 10_485_760);
        assert_eq!(config.min_card_width_px, 640);
        assert_eq!(config.max_pixels, 24_000_000);
        assert!((config.card_aspect - 85.6 / 53.98).abs() < 0.001);
    }
}
