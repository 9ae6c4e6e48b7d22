//! The ID-photo check: tells a user what is wrong with the photo of their ID card *before* they
//! resubmit it, in the terms the review uses (the case API's photo-quality reason codes).
//!
//! [`check_photo`] takes the bytes the user sent and answers with a [`PhotoReport`]: `ok`, or
//! findings ordered by what to fix first, each naming a locale text (`photo-finding-…`). A file
//! that cannot be checked at all is a [`PhotoError`] with its own text (`photo-error-…`).
//!
//! Privacy: the photo is analysed in memory and dropped when the call returns. Nothing is
//! written to disk, to the store or to a log (the debug log gets measurements, never pixels),
//! and no metadata except the EXIF orientation is read.
//!
//! The steps, each in its own file:
//! - `decode`: size and format checks, header-first dimension limit, decode, EXIF orientation;
//! - `card`: edges → contours → the card's quadrilateral, and which corner is cut off;
//! - `measure`: light, colour, glare and sharpness on a size-normalised view of the card;
//! - `report`: the findings and their order.

mod card;
mod config;
mod decode;
mod measure;
mod report;
#[cfg(test)]
mod synthetic;

pub use config::PhotoConfig;
pub use decode::PhotoError;
pub use report::{Finding, Measurements, PhotoReport, RenderedFinding, RenderedReport, codes};

use image::{GrayImage, Luma, RgbImage};

use card::Card;
use report::codes::*;

/// Checks an ID-card photo. `bytes` is the file as received (JPEG, PNG or WebP; the format is
/// read from the content). HEIC/HEIF is refused with [`PhotoError::Heic`].
pub fn check_photo(bytes: &[u8], config: &PhotoConfig) -> Result<PhotoReport, PhotoError> {
    let full = decode::decode(bytes, config)?;
    let work = work_copy(&full, config.work_size);
    let scale = full.width() as f32 / work.width() as f32;
    let grey = GrayImage::from_fn(work.width(), work.height(), |x, y| {
        Luma([measure::luma(*work.get_pixel(x, y))])
    });

    let frame = measure::frame_stats(&work);
    let mut measurements = Measurements {
        width: full.width(),
        height: full.height(),
        frame_luma: frame.mean_luma,
        colour_saturation: frame.colour,
        ..Measurements::default()
    };
    let mut findings = Vec::new();
    if frame.colour.is_some_and(|c| c < config.min_colour_saturation) {
        findings.push(Finding::new(BLACK_AND_WHITE));
    }

    match card::find_card(&grey, config) {
        None => {
            // Without a card only the whole picture can be judged; in the dark, finding no card
            // says nothing more than "too dark".
            if frame.mean_luma < config.min_frame_luma {
                findings.push(Finding::new(PHOTO_TOO_DARK));
            } else {
                findings.push(Finding::new(NO_CARD_FOUND));
            }
            if full.width().max(full.height()) < config.min_card_width_px {
                findings.push(
                    Finding::new(LOW_RESOLUTION).with("width", full.width().max(full.height())),
                );
            }
        }
        Some(card) => check_card(&full, &card, scale, config, &mut findings, &mut measurements),
    }

    let report = PhotoReport::new(findings, measurements);
    tracing::debug!(
        ok = report.ok,
        codes = ?report.codes(),
        measurements = ?report.measurements,
        "photo checked"
    );
    Ok(report)
}

fn check_card(
    full: &RgbImage,
    card: &Card,
    scale: f32,
    config: &PhotoConfig,
    findings: &mut Vec<Finding>,
    measurements: &mut Measurements,
) {
    let whole = card.cut.is_empty();
    let width_px = card.long_side() * scale;
    let low_resolution = width_px < config.min_card_width_px as f32;
    let tilt = card.tilt_degrees();
    measurements.card_found = true;
    measurements.card_cut_off = !whole;
    measurements.card_width_px = Some(width_px);
    measurements.card_area_share = Some(card.area_share);
    measurements.tilt_degrees = Some(tilt);

    if whole {
        // Only a whole card's size is known; a cut-off one is first moved into the frame.
        if low_resolution {
            findings.push(Finding::new(LOW_RESOLUTION).with("width", width_px.round()));
        } else if card.area_share < config.min_card_area_share {
            findings.push(Finding::new(CARD_TOO_SMALL));
        }
        if tilt > config.max_tilt_degrees {
            findings.push(Finding::new(TILTED).with("degrees", tilt.round()));
        }
    } else {
        findings.push(Finding::new(PHOTO_CUT_OFF).with("corner", card::cut_name(&card.cut)));
    }

    let corners = card.corners.map(|(x, y)| (x * scale, y * scale));
    let Some(stats) = measure::card_stats(full, corners, config) else {
        return;
    };
    measurements.card_luma = Some(stats.mean_luma);
    measurements.clipped_share = Some(stats.clipped_share);
    measurements.glare_share = Some(stats.glare_share);
    measurements.glare_patch = Some(stats.glare_patch);
    measurements.sharpness = Some(stats.sharpness);

    if stats.mean_luma < config.min_card_luma {
        findings.push(Finding::new(PHOTO_TOO_DARK));
    } else if stats.clipped_share >= config.max_clipped_share {
        findings.push(Finding::new(OVEREXPOSED));
    } else if stats.glare_share >= config.max_glare_share
        || stats.glare_patch >= config.max_glare_patch
    {
        findings.push(Finding::new(PHOTO_GLARE));
    }
    // Blur is judged on a whole card only (a cut-off card's view is distorted), and not when
    // the resolution is too low: the enlarged view is soft anyway, and more pixels is the fix.
    if whole && !low_resolution && stats.sharpness < config.min_sharpness {
        findings.push(Finding::new(PHOTO_BLURRY));
    }
}

/// A copy whose longest side is at most `size` (never enlarged), for edges and contours.
fn work_copy(full: &RgbImage, size: u32) -> RgbImage {
    let (w, h) = full.dimensions();
    let size = size.max(256);
    if w.max(h) <= size {
        return full.clone();
    }
    let ratio = size as f32 / w.max(h) as f32;
    let (nw, nh) = (
        ((w as f32 * ratio).round() as u32).max(1),
        ((h as f32 * ratio).round() as u32).max(1),
    );
    // `thumbnail` averages whole source blocks: fast, and no aliasing on texture.
    image::imageops::thumbnail(full, nw, nh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clean_card_passes() {
        let bytes = synthetic::jpeg(&synthetic::clean_scene(), 90);
        let report = check_photo(&bytes, &PhotoConfig::default()).unwrap();
        assert!(report.ok, "{report:?}");
        assert!(report.findings.is_empty());
    }

    #[test]
    fn the_work_copy_is_never_enlarged() {
        let small = RgbImage::new(300, 200);
        assert_eq!(work_copy(&small, 1200).dimensions(), (300, 200));
        let big = RgbImage::new(4000, 3000);
        assert_eq!(work_copy(&big, 1200).dimensions(), (1200, 900));
    }
}

#[cfg(test)]
mod calibration {
    use super::*;
    use synthetic::*;

    fn show(name: &str, image: &RgbImage) {
        let report = check_photo(&jpeg(image, 90), &PhotoConfig::default()).unwrap();
        let m = &report.measurements;
        println!(
            "{name:28} {:?} w={:?} share={:?} tilt={:?} luma={:?} clip={:?} glare={:?}/{:?} sharp={:?} sat={:?} frame={:.0}",
            report.codes(), m.card_width_px.map(|v| v.round()), m.card_area_share, m.tilt_degrees, m.card_luma, m.clipped_share, m.glare_share, m.glare_patch, m.sharpness, m.colour_saturation, m.frame_luma
        );
    }

    #[test]
    #[ignore]
    fn calibrate() {
        let clean = clean_scene();
        show("clean", &clean);
        for kind in [Background::Desk, Background::Wood, Background::PaleTable] {
            for width in [700.0, 1000.0, 1400.0] {
                let s = scene(1600, 1200, kind, card_corners((800.0, 600.0), width, -3.0));
                show(&format!("{kind:?} {width}"), &s);
            }
        }
        for sigma in [0.8, 1.2, 1.6, 2.0, 2.5, 3.0, 4.0] {
            show(&format!("blur {sigma}"), &imageproc::filter::gaussian_blur_f32(&clean, sigma));
        }
        for factor in [0.2, 0.3, 0.4, 0.5, 0.7, 1.15, 1.3] {
            show(&format!("bright {factor}"), &scale_brightness(&clean, factor));
        }
        for r in [20.0, 40.0, 60.0, 100.0, 150.0] {
            show(&format!("glare {r}"), &glare(&clean, (650.0, 520.0), r));
        }
        show("grey", &greyscale(&clean));
        for deg in [8.0, 12.0, 18.0, 25.0, 40.0] {
            show(&format!("rot {deg}"), &scene(1600, 1200, Background::Desk, card_corners((800.0, 600.0), 900.0, deg)));
        }
        show("noisy", &add_noise(&clean, 12.0, 5));
        let blurred = imageproc::filter::gaussian_blur_f32(&clean, 3.0);
        show("blur3 noisy6", &add_noise(&blurred, 6.0, 5));
        show("blur3 noisy12", &add_noise(&blurred, 12.0, 5));
        show("blur2 noisy6", &add_noise(&imageproc::filter::gaussian_blur_f32(&clean, 2.0), 6.0, 5));
        show("grey dark", &scale_brightness(&greyscale(&clean), 0.3));
        show("indoor", &indoor_look(&clean));
        show("tiny", &scene(300, 200, Background::Desk, card_corners((150.0, 100.0), 250.0, 1.0)));
        let big = scene(4000, 3000, Background::Wood, card_corners((2000.0, 1500.0), 2500.0, 4.0));
        show("12MP", &big);
        show("12MP blur4", &imageproc::filter::gaussian_blur_f32(&big, 4.0));
        show("12MP blur8", &imageproc::filter::gaussian_blur_f32(&big, 8.0));
    }
}
