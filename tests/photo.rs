//! The ID-photo check on photos drawn here, in memory: a made-up card on a desk, then blurred,
//! darkened, with glare, cut off, turned, tiny, grey; "real-looking" shots with perspective on
//! wood; and files that must be refused cheaply (truncated, a PNG bomb, empty, text, 50 MB,
//! HEIC). Every defect must fire its own check, and the clean card must fire none of them.

#[path = "../src/photo/synthetic.rs"]
mod synthetic;

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use image::RgbImage;
use imageproc::filter::gaussian_blur_f32;
use kycdesk::photo::{PhotoConfig, PhotoError, PhotoReport, check_photo, codes::*};
use synthetic::{Background, card_corners, jpeg, scene};

static CLEAN: LazyLock<RgbImage> = LazyLock::new(synthetic::clean_scene);

fn check(bytes: &[u8]) -> PhotoReport {
    check_photo(bytes, &PhotoConfig::default()).expect("a photo that can be checked")
}

fn check_jpeg(image: &RgbImage) -> PhotoReport {
    check(&jpeg(image, 90))
}

fn error(bytes: &[u8]) -> PhotoError {
    check_photo(bytes, &PhotoConfig::default()).expect_err("a file that is refused")
}

fn arg<'a>(report: &'a PhotoReport, code: &str, name: &str) -> Option<&'a str> {
    let finding = report.findings.iter().find(|f| f.code == code)?;
    finding
        .args
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

// ---------------------------------------------------------------------------------------------
// The clean card, in every accepted format.

#[test]
fn the_clean_card_has_no_findings() {
    for (format, bytes) in [
        ("jpeg", jpeg(&CLEAN, 90)),
        ("jpeg q70", jpeg(&CLEAN, 70)),
        ("png", synthetic::png(&CLEAN)),
        ("webp", synthetic::webp(&CLEAN)),
    ] {
        let report = check(&bytes);
        assert!(report.ok, "{format}: {report:?}");
        assert!(report.findings.is_empty());
        assert_eq!(
            (report.measurements.width, report.measurements.height),
            (1600, 1200)
        );
    }
}

#[test]
fn the_clean_card_serialises_as_ok_without_findings() {
    let report = check_jpeg(&CLEAN);
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        serde_json::json!({"ok": true, "findings": []})
    );
}

// ---------------------------------------------------------------------------------------------
// Each defect fires its own check, and only the defect's check where the defect is pure.

/// The defect variants with the one code each must produce.
fn defects() -> Vec<(&'static str, RgbImage, Vec<&'static str>)> {
    vec![
        (
            "blurred",
            gaussian_blur_f32(&CLEAN, 3.0),
            vec![PHOTO_BLURRY],
        ),
        (
            "darkened",
            synthetic::scale_brightness(&CLEAN, 0.25),
            vec![PHOTO_TOO_DARK],
        ),
        (
            "over-exposed",
            synthetic::scale_brightness(&CLEAN, 1.3),
            vec![OVEREXPOSED],
        ),
        (
            "glare",
            synthetic::glare(&CLEAN, (650.0, 520.0), 100.0),
            vec![PHOTO_GLARE],
        ),
        (
            "cut off",
            scene(
                1600,
                1200,
                Background::Desk,
                card_corners((1020.0, 330.0), 1000.0, -8.0),
            ),
            vec![PHOTO_CUT_OFF],
        ),
        (
            "turned 25°",
            scene(
                1600,
                1200,
                Background::Desk,
                card_corners((800.0, 600.0), 900.0, 25.0),
            ),
            vec![TILTED],
        ),
        (
            "tiny",
            scene(
                300,
                200,
                Background::Desk,
                card_corners((150.0, 100.0), 250.0, 1.0),
            ),
            vec![LOW_RESOLUTION],
        ),
        ("grey", synthetic::greyscale(&CLEAN), vec![BLACK_AND_WHITE]),
        (
            "no card",
            synthetic::background(1600, 1200, Background::Wood, 5),
            vec![NO_CARD_FOUND],
        ),
    ]
}

#[test]
fn each_defect_fires_its_own_check_and_nothing_else() {
    let clean = check_jpeg(&CLEAN);
    for (name, image, expected) in defects() {
        let report = check_jpeg(&image);
        assert_eq!(
            report.codes(),
            expected,
            "{name}: {:?}",
            report.measurements
        );
        assert!(!report.ok, "{name}");
        for code in expected {
            assert!(!clean.has(code), "{code} fires on the clean card too");
        }
    }
}

#[test]
fn blur_fires_from_a_moderate_blur_on_and_not_on_a_slight_one() {
    for (sigma, blurry) in [(0.5, false), (1.0, false), (2.0, true), (5.0, true)] {
        let report = check_jpeg(&gaussian_blur_f32(&CLEAN, sigma));
        assert_eq!(
            report.has(PHOTO_BLURRY),
            blurry,
            "σ = {sigma}: {:?}",
            report.measurements
        );
    }
}

#[test]
fn darkness_fires_only_when_the_card_is_hard_to_read() {
    for (factor, dark) in [(0.15, true), (0.3, true), (0.5, false), (0.8, false)] {
        let report = check_jpeg(&synthetic::scale_brightness(&CLEAN, factor));
        assert_eq!(report.has(PHOTO_TOO_DARK), dark, "× {factor}");
        // Dim light keeps the colours: no false black-and-white.
        assert!(!report.has(BLACK_AND_WHITE), "× {factor}");
    }
}

#[test]
fn a_small_reflection_is_tolerated_and_a_big_one_is_not() {
    let small = check_jpeg(&synthetic::glare(&CLEAN, (650.0, 520.0), 15.0));
    assert!(!small.has(PHOTO_GLARE), "{:?}", small.measurements);
    let big = check_jpeg(&synthetic::glare(&CLEAN, (900.0, 700.0), 60.0));
    assert!(big.has(PHOTO_GLARE), "{:?}", big.measurements);
}

#[test]
fn the_cut_off_finding_names_the_corner() {
    let cases = [
        ((1020.0, 330.0), -8.0, "top-right"),
        ((560.0, 880.0), -8.0, "bottom-left"),
        ((1250.0, 600.0), 0.0, "right"),
    ];
    for (centre, degrees, corner) in cases {
        let corners = card_corners(centre, 1000.0, degrees);
        let report = check_jpeg(&scene(1600, 1200, Background::Desk, corners));
        assert_eq!(
            arg(&report, PHOTO_CUT_OFF, "corner"),
            Some(corner),
            "{centre:?}: {report:?}"
        );
        assert_eq!(report.findings[0].code, PHOTO_CUT_OFF);
    }
}

#[test]
fn a_corner_touching_the_border_is_cut_off_and_one_just_inside_is_not() {
    // Axis-aligned card whose right edge lies on the frame's last column, then 30 px inside.
    let touching = card_corners((1599.0 - 500.0, 600.0), 1000.0, 0.0);
    let report = check_jpeg(&scene(1600, 1200, Background::Desk, touching));
    assert!(report.has(PHOTO_CUT_OFF), "{report:?}");
    let inside = card_corners((1570.0 - 500.0, 600.0), 1000.0, 0.0);
    let report = check_jpeg(&scene(1600, 1200, Background::Desk, inside));
    assert!(report.ok, "{report:?}");
}

#[test]
fn tilt_fires_beyond_fifteen_degrees() {
    for (degrees, tilted) in [(-8.0, false), (12.0, false), (20.0, true), (-25.0, true)] {
        let corners = card_corners((800.0, 600.0), 900.0, degrees);
        let report = check_jpeg(&scene(1600, 1200, Background::Desk, corners));
        assert_eq!(report.has(TILTED), tilted, "{degrees}°: {report:?}");
        if tilted {
            let measured: f32 = arg(&report, TILTED, "degrees").unwrap().parse().unwrap();
            assert!((measured - f32::abs(degrees)).abs() <= 2.0, "{measured}");
        }
    }
}

#[test]
fn black_and_white_is_found_in_rgb_and_in_grey_jpegs() {
    let grey = image::DynamicImage::ImageRgb8(CLEAN.clone()).into_luma8();
    let report = check(&synthetic::grey_jpeg(&grey, 90));
    assert_eq!(report.codes(), vec![BLACK_AND_WHITE]);
    // A colour photo of a pale card on a pale table is not grey.
    let pale = scene(
        1600,
        1200,
        Background::PaleTable,
        card_corners((800.0, 600.0), 1000.0, 2.0),
    );
    assert!(check_jpeg(&pale).ok);
}

// ---------------------------------------------------------------------------------------------
// Resolution is judged on the original, the analysis on a small copy.

#[test]
fn resolution_is_judged_on_the_original_not_the_work_copy() {
    // 4000×3000, card 1500 px across: only 450 px in the 1200 px work copy, but plenty in the
    // photo the reviewer sees.
    let big = scene(
        4000,
        3000,
        Background::Wood,
        card_corners((2000.0, 1500.0), 1500.0, 3.0),
    );
    let report = check_jpeg(&big);
    assert!(report.ok, "{report:?}");
    let width = report.measurements.card_width_px.unwrap();
    assert!((width - 1500.0).abs() < 60.0, "{width}");
}

#[test]
fn a_small_card_in_a_big_photo_asks_to_come_closer() {
    let far = scene(
        4000,
        3000,
        Background::Desk,
        card_corners((1800.0, 1400.0), 1000.0, 2.0),
    );
    assert_eq!(check_jpeg(&far).codes(), vec![CARD_TOO_SMALL]);
}

#[test]
fn a_card_under_640_pixels_is_low_resolution_whatever_the_frame() {
    let small = scene(
        900,
        700,
        Background::Desk,
        card_corners((450.0, 350.0), 600.0, 1.0),
    );
    let report = check_jpeg(&small);
    assert_eq!(report.codes(), vec![LOW_RESOLUTION]);
    let width: f32 = arg(&report, LOW_RESOLUTION, "width")
        .unwrap()
        .parse()
        .unwrap();
    assert!((width - 600.0).abs() < 30.0, "{width}");
    let enough = scene(
        1000,
        750,
        Background::Desk,
        card_corners((500.0, 375.0), 700.0, 1.0),
    );
    assert!(check_jpeg(&enough).ok);
}

#[test]
fn exif_orientation_is_honoured() {
    // Stored sideways, as a phone held upright stores it, with "rotate 90° clockwise" (6).
    let sideways = image::imageops::rotate270(&*CLEAN);
    assert_eq!(sideways.dimensions(), (1200, 1600));
    let report = check(&synthetic::jpeg_with_orientation(&sideways, 90, 6));
    assert_eq!(
        (report.measurements.width, report.measurements.height),
        (1600, 1200)
    );
    assert!(report.ok, "{report:?}");
}

// ---------------------------------------------------------------------------------------------
// Real-looking photos: perspective, wood, indoor light, a second card design position.

#[test]
fn real_looking_photos_pass() {
    let shots = [
        // Phone held at an angle over a wooden table, warm indoor light.
        (
            Background::Wood,
            [
                (420.0, 330.0),
                (1230.0, 300.0),
                (1290.0, 860.0),
                (360.0, 880.0),
            ],
        ),
        // Leaning the other way, card lower in the frame, on the desk.
        (
            Background::Desk,
            [
                (300.0, 420.0),
                (1180.0, 470.0),
                (1150.0, 1010.0),
                (340.0, 1000.0),
            ],
        ),
        // On a pale table, little contrast around the card.
        (
            Background::PaleTable,
            [
                (380.0, 260.0),
                (1260.0, 300.0),
                (1230.0, 850.0),
                (350.0, 820.0),
            ],
        ),
    ];
    for (kind, corners) in shots {
        let photo = synthetic::indoor_look(&scene(1600, 1200, kind, corners));
        let report = check(&jpeg(&photo, 85));
        assert!(report.ok, "{kind:?}: {report:?}");
    }
}

#[test]
fn a_real_looking_photo_with_a_ceiling_light_reflection_has_glare() {
    let corners = [
        (420.0, 330.0),
        (1230.0, 300.0),
        (1290.0, 860.0),
        (360.0, 880.0),
    ];
    let photo = synthetic::indoor_look(&scene(1600, 1200, Background::Wood, corners));
    let reflected = synthetic::glare(&photo, (980.0, 480.0), 70.0);
    let report = check(&jpeg(&reflected, 85));
    assert_eq!(
        report.codes(),
        vec![PHOTO_GLARE],
        "{:?}",
        report.measurements
    );
}

#[test]
fn several_problems_come_most_important_first() {
    let corners = card_corners((1020.0, 330.0), 1000.0, -8.0);
    let cut = scene(1600, 1200, Background::Desk, corners);
    let report = check_jpeg(&synthetic::scale_brightness(&cut, 0.25));
    assert_eq!(
        report.codes(),
        vec![PHOTO_TOO_DARK, PHOTO_CUT_OFF],
        "{report:?}"
    );

    let turned = scene(
        1600,
        1200,
        Background::Desk,
        card_corners((800.0, 600.0), 900.0, 25.0),
    );
    let report = check_jpeg(&synthetic::greyscale(&gaussian_blur_f32(&turned, 3.0)));
    assert_eq!(
        report.codes(),
        vec![BLACK_AND_WHITE, PHOTO_BLURRY, TILTED],
        "{report:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Files that are refused, cheaply.

#[test]
fn a_truncated_jpeg_is_corrupt() {
    let bytes = jpeg(&CLEAN, 90);
    for keep in [bytes.len() / 2, bytes.len() * 9 / 10, 600, 3] {
        let result = check_photo(&bytes[..keep], &PhotoConfig::default());
        assert!(
            matches!(
                result,
                Err(PhotoError::Corrupt) | Err(PhotoError::NotAnImage)
            ),
            "{keep} bytes: {result:?}"
        );
    }
    assert_eq!(error(&bytes[..bytes.len() / 2]), PhotoError::Corrupt);
}

#[test]
fn a_truncated_png_is_corrupt() {
    let bytes = synthetic::png(&CLEAN);
    assert_eq!(error(&bytes[..bytes.len() / 2]), PhotoError::Corrupt);
}

#[test]
fn a_png_bomb_is_refused_from_its_header_at_once() {
    let bomb = synthetic::png_bomb(100_000, 100_000);
    assert!(bomb.len() < 100, "{} bytes", bomb.len());
    let started = Instant::now();
    let refused = error(&bomb);
    assert!(started.elapsed() < Duration::from_millis(200));
    assert_eq!(
        refused,
        PhotoError::TooManyPixels {
            width: 100_000,
            height: 100_000
        }
    );
    assert_eq!(refused.code(), "too-many-pixels");
    assert_eq!(
        refused.args(),
        vec![("megapixels".to_string(), "10000".to_string())]
    );
    // Just over the limit is refused too, and so is a picture 1 px high but very wide.
    assert!(matches!(
        error(&synthetic::png_bomb(8000, 5001)),
        PhotoError::TooManyPixels { .. }
    ));
    assert!(matches!(
        error(&synthetic::png_bomb(u32::MAX >> 1, 1)),
        PhotoError::TooManyPixels { .. } | PhotoError::Corrupt
    ));
}

#[test]
fn empty_text_big_and_heic_files_get_their_own_errors() {
    assert_eq!(error(b""), PhotoError::Empty);
    // A text file someone named "id.jpg": the name is never looked at.
    assert_eq!(
        error("这是我的身份证照片 id.jpg\n".as_bytes()),
        PhotoError::NotAnImage
    );
    let mut huge = jpeg(&CLEAN, 90);
    huge.resize(50 * 1024 * 1024, 0);
    assert_eq!(
        error(&huge),
        PhotoError::TooLarge {
            bytes: 50 * 1024 * 1024,
            max: 10 * 1024 * 1024
        }
    );
    assert_eq!(error(&synthetic::heic_header()), PhotoError::Heic);
    assert_eq!(
        error(b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;"),
        PhotoError::Unsupported {
            format: "GIF".into()
        }
    );
}

#[test]
fn limits_come_from_the_configuration() {
    let bytes = jpeg(&CLEAN, 90);
    let strict = PhotoConfig {
        max_bytes: 1000,
        ..PhotoConfig::default()
    };
    assert!(matches!(
        check_photo(&bytes, &strict),
        Err(PhotoError::TooLarge { max: 1000, .. })
    ));
    let few_pixels = PhotoConfig {
        max_pixels: 1_000_000,
        ..PhotoConfig::default()
    };
    assert_eq!(
        check_photo(&bytes, &few_pixels),
        Err(PhotoError::TooManyPixels {
            width: 1600,
            height: 1200
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Texts: every code and error has a text in both languages.

mod texts {
    use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
    use kycdesk::photo::{Finding, PhotoError, codes};

    fn bundle(lang: &str) -> FluentBundle<FluentResource> {
        let path = format!("{}/locales/{lang}/photo.ftl", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("locale file");
        let resource = FluentResource::try_new(text).expect("valid Fluent");
        let mut bundle = FluentBundle::new(vec![lang.parse().expect("language tag")]);
        bundle.set_use_isolating(false);
        bundle.add_resource(resource).expect("no duplicate keys");
        bundle
    }

    fn render(bundle: &FluentBundle<FluentResource>, key: &str, args: &[(&str, &str)]) -> String {
        let message = bundle
            .get_message(key)
            .unwrap_or_else(|| panic!("{key} missing"));
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, *value);
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(
            message.value().expect("a value"),
            Some(&fluent_args),
            &mut errors,
        );
        assert!(errors.is_empty(), "{key}: {errors:?}");
        text.into_owned()
    }

    #[test]
    fn every_finding_and_error_has_a_text_in_both_languages() {
        let errors = [
            PhotoError::Empty,
            PhotoError::TooLarge {
                bytes: 2,
                max: 10 * 1024 * 1024,
            },
            PhotoError::NotAnImage,
            PhotoError::Heic,
            PhotoError::Unsupported {
                format: "GIF".into(),
            },
            PhotoError::TooManyPixels {
                width: 10_000,
                height: 10_000,
            },
            PhotoError::Corrupt,
        ];
        for lang in ["en", "zh-CN"] {
            let bundle = bundle(lang);
            for code in codes::ALL {
                let finding = Finding {
                    code,
                    args: Vec::new(),
                };
                let args = [("corner", "top-right"), ("degrees", "25"), ("width", "300")];
                assert!(!render(&bundle, &finding.locale_key(), &args).is_empty());
            }
            for error in &errors {
                let args: Vec<(String, String)> = error.args();
                let args: Vec<(&str, &str)> =
                    args.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                let text = render(&bundle, &error.locale_key(), &args);
                assert!(!text.is_empty(), "{lang} {error:?}");
            }
            for key in ["photo-ok", "photo-proceed-anyway"] {
                assert!(!render(&bundle, key, &[]).is_empty(), "{lang} {key}");
            }
        }
    }

    #[test]
    fn the_cut_off_text_names_the_corner() {
        let en = bundle("en");
        let key = Finding {
            code: codes::PHOTO_CUT_OFF,
            args: Vec::new(),
        }
        .locale_key();
        let corners = [
            "top-left",
            "top-right",
            "bottom-left",
            "bottom-right",
            "top",
            "right",
            "bottom",
            "left",
            "several",
        ];
        let texts: Vec<String> = corners
            .iter()
            .map(|c| render(&en, &key, &[("corner", c)]))
            .collect();
        assert!(texts[1].contains("top-right"), "{}", texts[1]);
        for (i, a) in texts.iter().enumerate() {
            for b in &texts[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let zh = bundle("zh-CN");
        assert!(render(&zh, &key, &[("corner", "top-right")]).contains("右上角"));
        assert!(render(&zh, &key, &[("corner", "bottom-left")]).contains("左下角"));
    }
}

// ---------------------------------------------------------------------------------------------
// Whatever arrives, the check answers and never panics.

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    static SMALL: LazyLock<Vec<u8>> = LazyLock::new(|| {
        let small = image::imageops::thumbnail(&*CLEAN, 320, 240);
        jpeg(&small, 80)
    });

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = check_photo(&bytes, &PhotoConfig::default());
        }

        #[test]
        fn on_a_damaged_jpeg(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
            keep in 0.05f64..1.0,
        ) {
            let mut bytes = SMALL.clone();
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            bytes.truncate((bytes.len() as f64 * keep) as usize);
            let _ = check_photo(&bytes, &PhotoConfig::default());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Calibration: `cargo test --test photo calibration_table -- --ignored --nocapture` prints what
// each variant measures, to re-derive the thresholds in `PhotoConfig` after changing the check.

#[test]
#[ignore]
fn calibration_table() {
    let mut rows: Vec<(String, RgbImage)> = vec![("clean".into(), CLEAN.clone())];
    for kind in [Background::Desk, Background::Wood, Background::PaleTable] {
        for width in [700.0, 1000.0, 1400.0] {
            let corners = card_corners((800.0, 600.0), width, -3.0);
            rows.push((
                format!("{kind:?} {width}"),
                scene(1600, 1200, kind, corners),
            ));
        }
    }
    for sigma in [0.8, 1.2, 1.6, 2.0, 3.0] {
        rows.push((format!("blur {sigma}"), gaussian_blur_f32(&CLEAN, sigma)));
    }
    for factor in [0.2, 0.3, 0.4, 0.5, 1.15, 1.3] {
        rows.push((
            format!("exposure ×{factor}"),
            synthetic::scale_brightness(&CLEAN, factor),
        ));
    }
    for radius in [20.0, 40.0, 100.0] {
        rows.push((
            format!("glare {radius}"),
            synthetic::glare(&CLEAN, (650.0, 520.0), radius),
        ));
    }
    for degrees in [12.0, 18.0, 25.0] {
        let corners = card_corners((800.0, 600.0), 900.0, degrees);
        rows.push((
            format!("turned {degrees}"),
            scene(1600, 1200, Background::Desk, corners),
        ));
    }
    let blurred = gaussian_blur_f32(&CLEAN, 3.0);
    rows.push((
        "blur 3 + noise".into(),
        synthetic::add_noise(&blurred, 8.0, 5),
    ));
    rows.push(("noise".into(), synthetic::add_noise(&CLEAN, 8.0, 5)));
    rows.push(("grey".into(), synthetic::greyscale(&CLEAN)));
    for (name, image) in rows {
        let report = check_jpeg(&image);
        let m = &report.measurements;
        println!(
            "{name:18} {:?} width={:?} share={:?} tilt={:?} luma={:?} clipped={:?} \
             glare={:?}/{:?} sharpness={:?} colour={:?}",
            report.codes(),
            m.card_width_px,
            m.card_area_share,
            m.tilt_degrees,
            m.card_luma,
            m.clipped_share,
            m.glare_share,
            m.glare_patch,
            m.sharpness,
            m.colour_saturation
        );
    }
}
