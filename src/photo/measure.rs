//! Measurements of light, colour, glare and sharpness.
//!
//! Card values are taken on a canonical view: the card's quadrilateral is warped from the
//! full-resolution photo onto 856×540 pixels (0.1 mm per pixel of a real card), minus a 5 %
//! margin that keeps the card's own edge and the background out. So a card photographed from a
//! metre or from ten centimetres, straight or at an angle, is judged at the scale a reviewer
//! reads it, and "normalised for size" has a concrete meaning.

use image::{GrayImage, Luma, Rgb, RgbImage};
use imageproc::filter::{gaussian_blur_f32, laplacian_filter};
use imageproc::geometric_transformations::{Interpolation, Projection, warp_into};
use imageproc::region_labelling::{Connectivity, connected_components};

use super::PhotoConfig;
use super::card::Pt;

/// Canonical card view, 0.1 mm per pixel.
const CARD_WIDTH: f32 = 856.0;
const CARD_HEIGHT: f32 = 540.0;
/// Margin left out on each side of the canonical view.
const MARGIN: f32 = 0.05;
/// Gaussian smoothing before the Laplacian, in canonical pixels.
const SMOOTHING: f32 = 1.0;
/// Luminance from which a pixel is clipped (no detail left).
const CLIPPED_LUMA: u8 = 250;

/// Rec. 601 luma, the weights JPEG uses.
pub(crate) fn luma(Rgb([r, g, b]): Rgb<u8>) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

/// Max − min channel: 0 for a grey pixel.
fn chroma(Rgb([r, g, b]): Rgb<u8>) -> u8 {
    r.max(g).max(b) - r.min(g).min(b)
}

/// Pixels darker than this (brightest channel) say nothing reliable about colour: noise and
/// JPEG rounding dominate.
const COLOUR_FLOOR: u8 = 64;

/// The whole picture (work copy): mean luminance and how much colour it has.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FrameStats {
    pub mean_luma: f32,
    /// 99th percentile of saturation (chroma / brightest channel) over pixels bright enough to
    /// show colour; `None` when too few are. Saturation, unlike chroma, does not fall with the
    /// exposure, so a dark colour photo is not taken for a grey one.
    pub colour: Option<f32>,
}

pub(crate) fn frame_stats(work: &RgbImage) -> FrameStats {
    let mut histogram = [0u64; 256];
    let mut sum = 0u64;
    for pixel in work.pixels() {
        sum += u64::from(luma(*pixel));
        let brightest = pixel.0.into_iter().max().unwrap_or(0);
        if brightest >= COLOUR_FLOOR {
            let saturation = u32::from(chroma(*pixel)) * 255 / u32::from(brightest);
            histogram[saturation.min(255) as usize] += 1;
        }
    }
    let count = u64::from(work.width()) * u64::from(work.height());
    let coloured: u64 = histogram.iter().sum();
    FrameStats {
        mean_luma: sum as f32 / count.max(1) as f32,
        colour: (coloured * 100 >= count).then(|| f32::from(percentile(&histogram, 0.99)) / 255.0),
    }
}

/// The card's interior seen at the canonical scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CardStats {
    pub mean_luma: f32,
    /// Share of pixels at luminance ≥ 250.
    pub clipped_share: f32,
    /// Share of near-white, nearly colourless pixels.
    pub glare_share: f32,
    /// Largest connected patch of those, as a share of the card.
    pub glare_patch: f32,
    /// Standard deviation of the Laplacian of Gaussian over contrast (98th − 2nd percentile),
    /// × 100.
    pub sharpness: f32,
}

/// Measures the card whose `corners` (in `full`'s pixels, clockwise, long side first) are given.
pub(crate) fn card_stats(
    full: &RgbImage,
    corners: [Pt; 4],
    config: &PhotoConfig,
) -> Option<CardStats> {
    let view = canonical_view(full, corners)?;
    let grey = GrayImage::from_fn(view.width(), view.height(), |x, y| {
        Luma([luma(*view.get_pixel(x, y))])
    });
    let count = f64::from(view.width() * view.height()).max(1.0);
    let mut histogram = [0u64; 256];
    let mut clipped = 0u64;
    let glare_chroma = (config.glare_max_chroma * 255.0).round() as u8;
    let mut glare = GrayImage::new(view.width(), view.height());
    let mut glare_count = 0u64;
    for ((x, y, pixel), Luma([l])) in view.enumerate_pixels().zip(grey.pixels()) {
        histogram[usize::from(*l)] += 1;
        clipped += u64::from(*l >= CLIPPED_LUMA);
        if *l >= config.glare_luma && chroma(*pixel) <= glare_chroma {
            glare.put_pixel(x, y, Luma([255]));
            glare_count += 1;
        }
    }
    let sum: u64 = histogram
        .iter()
        .enumerate()
        .map(|(v, n)| v as u64 * n)
        .sum();
    let contrast = percentile(&histogram, 0.98).saturating_sub(percentile(&histogram, 0.02));
    Some(CardStats {
        mean_luma: (sum as f64 / count) as f32,
        clipped_share: (clipped as f64 / count) as f32,
        glare_share: (glare_count as f64 / count) as f32,
        glare_patch: (largest_patch(&glare) as f64 / count) as f32,
        sharpness: laplacian_std(&grey) / f32::from(contrast.max(16)) * 100.0,
    })
}

/// The card warped onto the canonical rectangle, margin cut off.
fn canonical_view(full: &RgbImage, corners: [Pt; 4]) -> Option<RgbImage> {
    let (mx, my) = (MARGIN * CARD_WIDTH, MARGIN * CARD_HEIGHT);
    let to = [
        (-mx, -my),
        (CARD_WIDTH - mx, -my),
        (CARD_WIDTH - mx, CARD_HEIGHT - my),
        (-mx, CARD_HEIGHT - my),
    ];
    let projection = Projection::from_control_points(corners, to)?;
    let mut view = RgbImage::new(
        (CARD_WIDTH - 2.0 * mx) as u32,
        (CARD_HEIGHT - 2.0 * my) as u32,
    );
    warp_into(
        full,
        &projection,
        Interpolation::Bilinear,
        Rgb([0, 0, 0]),
        &mut view,
    );
    Some(view)
}

/// Laplacian of the view smoothed with σ = 1 px (0.1 mm): the smoothing removes sensor noise,
/// which a bare Laplacian takes for detail, and keeps the print's edges.
fn laplacian_std(grey: &GrayImage) -> f32 {
    let smoothed = gaussian_blur_f32(grey, SMOOTHING);
    let laplacian = laplacian_filter(&smoothed);
    let (w, h) = laplacian.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    // The outermost ring sees the replicated border, not the card.
    let (mut sum, mut squares, mut n) = (0f64, 0f64, 0f64);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let v = f64::from(laplacian.get_pixel(x, y)[0]);
            sum += v;
            squares += v * v;
            n += 1.0;
        }
    }
    let mean = sum / n;
    ((squares / n - mean * mean).max(0.0).sqrt()) as f32
}

fn largest_patch(mask: &GrayImage) -> u64 {
    let labels = connected_components(mask, Connectivity::Eight, Luma([0u8]));
    let mut sizes: Vec<u64> = Vec::new();
    for Luma([label]) in labels.pixels() {
        if *label == 0 {
            continue;
        }
        let i = *label as usize;
        if sizes.len() <= i {
            sizes.resize(i + 1, 0);
        }
        sizes[i] += 1;
    }
    sizes.into_iter().max().unwrap_or(0)
}

/// The smallest value with at least `share` of the histogram's mass at or below it.
fn percentile(histogram: &[u64; 256], share: f64) -> u8 {
    let total: u64 = histogram.iter().sum();
    let wanted = (share * total as f64).ceil() as u64;
    let mut seen = 0u64;
    for (value, n) in histogram.iter().enumerate() {
        seen += n;
        if seen >= wanted.max(1) {
            return value as u8;
        }
    }
    255
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::synthetic;

    fn truth() -> [Pt; 4] {
        synthetic::card_corners((800.0, 600.0), 1000.0, 2.0)
    }

    #[test]
    fn percentiles() {
        let mut histogram = [0u64; 256];
        histogram[10] = 50;
        histogram[200] = 50;
        assert_eq!(percentile(&histogram, 0.02), 10);
        assert_eq!(percentile(&histogram, 0.5), 10);
        assert_eq!(percentile(&histogram, 0.51), 200);
        assert_eq!(percentile(&[0; 256], 0.5), 255);
    }

    #[test]
    fn blur_lowers_sharpness_and_darkness_does_not() {
        let config = PhotoConfig::default();
        let clean = synthetic::clean_scene();
        let sharp = card_stats(&clean, truth(), &config).unwrap();
        let blurred = imageproc::filter::gaussian_blur_f32(&clean, 3.0);
        let soft = card_stats(&blurred, truth(), &config).unwrap();
        let dark = card_stats(&synthetic::scale_brightness(&clean, 0.3), truth(), &config).unwrap();
        assert!(sharp.sharpness > 2.0 * soft.sharpness, "{sharp:?} {soft:?}");
        assert!(
            (dark.sharpness / sharp.sharpness - 1.0).abs() < 0.25,
            "{sharp:?} {dark:?}"
        );
        assert!(dark.mean_luma < 0.35 * sharp.mean_luma);
    }

    #[test]
    fn glare_is_measured_on_the_card_only() {
        let config = PhotoConfig::default();
        let clean = synthetic::clean_scene();
        let before = card_stats(&clean, truth(), &config).unwrap();
        assert_eq!(before.glare_share, 0.0);
        let spot = synthetic::glare(&clean, (700.0, 550.0), 100.0);
        let after = card_stats(&spot, truth(), &config).unwrap();
        assert!(after.glare_patch > 0.02, "{after:?}");
        assert!(after.glare_share >= after.glare_patch);
    }

    #[test]
    fn grey_pictures_have_no_chroma() {
        let clean = synthetic::clean_scene();
        assert!(frame_stats(&clean).colour > Some(0.1));
        assert_eq!(frame_stats(&synthetic::greyscale(&clean)).colour, Some(0.0));
        let dark = synthetic::scale_brightness(&clean, 0.3);
        assert!(frame_stats(&dark).colour > Some(0.1));
    }
}
