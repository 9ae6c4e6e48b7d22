//! Synthetic ID-card photos for tests and benches: a made-up card (light face, dark "text" bars,
//! a "photo" block, rounded corners) mapped onto a textured background, then degraded on demand.
//!
//! The photo check has to be calibrated and tested on images, and a real person's ID must never be
//! in the repository; so every image is drawn here, in memory, from a fixed seed. The file is a
//! unit-test module of the library and is also pulled into `tests/photo.rs` and
//! `benches/photo.rs` with `#[path]`, so the three share one generator without shipping it in the
//! library itself.

#![allow(dead_code)]

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_filled_ellipse_mut, draw_filled_rect_mut};
use imageproc::geometric_transformations::Projection;
use imageproc::rect::Rect;

/// ID-1 aspect ratio (85.6 × 53.98 mm).
pub const ASPECT: f32 = 1.586;

/// Card face size: 0.1 mm per pixel.
pub const FACE_WIDTH: u32 = 856;
pub const FACE_HEIGHT: u32 = 540;

/// A small deterministic generator (xorshift), so the images are identical on every run.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [-1, 1].
    pub fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// The made-up card face: pale blue-white with a fine guilloche, a red title, text bars, a
/// portrait block with a cartoon head and a number line; transparent outside the rounded corners.
pub fn card_face() -> RgbaImage {
    let (w, h) = (FACE_WIDTH, FACE_HEIGHT);
    let mut face = RgbaImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let guilloche = 3.0 * ((xf / 7.0 + 4.0 * (yf / 31.0).sin()).sin());
        let shade = 4.0 * xf / w as f32;
        Rgba([
            (214.0 + shade + guilloche) as u8,
            (222.0 + shade + guilloche) as u8,
            (233.0 + shade - guilloche) as u8,
            255,
        ])
    });
    // Title band.
    draw_filled_rect_mut(
        &mut face,
        Rect::at(60, 34).of_size(300, 26),
        Rgba([176, 52, 48, 255]),
    );
    // Text: label + value bars on five lines.
    let ink = Rgba([38, 40, 52, 255]);
    let widths = [210, 90, 330, 260, 380];
    for (i, width) in widths.iter().enumerate() {
        let y = 96 + 56 * i as i32;
        draw_filled_rect_mut(&mut face, Rect::at(60, y).of_size(64, 18), ink);
        draw_filled_rect_mut(&mut face, Rect::at(150, y - 2).of_size(*width, 22), ink);
        // Gaps inside the value bar, like separate characters.
        for k in 0..(*width / 26) {
            draw_filled_rect_mut(
                &mut face,
                Rect::at(150 + 26 * k as i32 + 20, y - 2).of_size(5, 22),
                Rgba([214, 222, 233, 255]),
            );
        }
    }
    // Number line.
    for k in 0..18 {
        draw_filled_rect_mut(&mut face, Rect::at(300 + 27 * k, 450).of_size(19, 30), ink);
    }
    // Portrait block.
    draw_filled_rect_mut(
        &mut face,
        Rect::at(600, 90).of_size(200, 250),
        Rgba([196, 208, 226, 255]),
    );
    draw_filled_ellipse_mut(&mut face, (700, 330), 90, 70, Rgba([52, 64, 96, 255]));
    draw_filled_rect_mut(
        &mut face,
        Rect::at(600, 330).of_size(200, 10),
        Rgba([196, 208, 226, 255]),
    );
    draw_filled_ellipse_mut(&mut face, (700, 190), 52, 66, Rgba([214, 170, 146, 255]));
    draw_filled_ellipse_mut(&mut face, (700, 140), 56, 28, Rgba([40, 32, 30, 255]));
    draw_filled_circle_mut(&mut face, (680, 185), 5, Rgba([40, 32, 30, 255]));
    draw_filled_circle_mut(&mut face, (720, 185), 5, Rgba([40, 32, 30, 255]));
    // Rounded corners (3 mm).
    let r = 30.0f32;
    for y in 0..h {
        for x in 0..w {
            let cx = (x as f32 + 0.5).clamp(r, w as f32 - r);
            let cy = (y as f32 + 0.5).clamp(r, h as f32 - r);
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            if d > r {
                face.put_pixel(x, y, Rgba([0, 0, 0, 0]));
            }
        }
    }
    face
}

/// Background textures the card lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// Dark grey-blue desk with fine noise.
    Desk,
    /// Brown wood with wavy grain and knots.
    Wood,
    /// A light, almost white table: little contrast with the card.
    PaleTable,
}

pub fn background(width: u32, height: u32, kind: Background, seed: u64) -> RgbImage {
    let mut noise = Noise::new(seed);
    RgbImage::from_fn(width, height, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let n = noise.next();
        match kind {
            Background::Desk => {
                let v = 70.0 + 10.0 * n + 6.0 * (xf / 90.0).sin() * (yf / 70.0).cos();
                Rgb([v as u8, (v + 6.0) as u8, (v + 16.0) as u8])
            }
            Background::Wood => {
                let wave = yf + 24.0 * (xf / 170.0).sin() + 9.0 * (xf / 53.0).sin();
                let grain = (wave / 7.0).sin() * 0.6 + (wave / 23.0).sin() * 0.4;
                let knot = {
                    let d = ((xf - 0.8 * width as f32).powi(2) / 4.0
                        + (yf - 0.25 * height as f32).powi(2))
                    .sqrt();
                    if d < 40.0 {
                        -30.0 * (1.0 - d / 40.0)
                    } else {
                        0.0
                    }
                };
                let v = 14.0 * grain + 5.0 * n + knot;
                Rgb([
                    (128.0 + v) as u8,
                    (86.0 + 0.8 * v) as u8,
                    (52.0 + 0.5 * v) as u8,
                ])
            }
            Background::PaleTable => {
                let v = 188.0 + 4.0 * n + 3.0 * (xf / 120.0).sin();
                Rgb([(v + 4.0) as u8, (v + 2.0) as u8, v as u8])
            }
        }
    })
}

/// Corners (top-left, top-right, bottom-right, bottom-left in card terms) of a card `width` px
/// wide centred at `centre` and turned `degrees` clockwise (image y points down).
pub fn card_corners(centre: (f32, f32), width: f32, degrees: f32) -> [(f32, f32); 4] {
    let height = width / ASPECT;
    let (s, c) = degrees.to_radians().sin_cos();
    let at = |dx: f32, dy: f32| (centre.0 + dx * c - dy * s, centre.1 + dx * s + dy * c);
    [
        at(-width / 2.0, -height / 2.0),
        at(width / 2.0, -height / 2.0),
        at(width / 2.0, height / 2.0),
        at(-width / 2.0, height / 2.0),
    ]
}

/// Maps the card face onto `corners` of the background (a projective map, so any convex
/// quadrilateral gives a perspective view), sampling the face bilinearly and blending the
/// rounded corners' edge.
pub fn compose(background: &RgbImage, face: &RgbaImage, corners: [(f32, f32); 4]) -> RgbImage {
    let (fw, fh) = (face.width() as f32, face.height() as f32);
    let rect = [(0.0, 0.0), (fw, 0.0), (fw, fh), (0.0, fh)];
    let to_face = Projection::from_control_points(corners, rect)
        .expect("card corners form a proper quadrilateral");
    let mut out = background.clone();
    for (x, y, pixel) in out.enumerate_pixels_mut() {
        let (u, v) = to_face * (x as f32 + 0.5, y as f32 + 0.5);
        if !(-1.0..fw + 1.0).contains(&u) || !(-1.0..fh + 1.0).contains(&v) {
            continue;
        }
        let sample = bilinear(face, u - 0.5, v - 0.5);
        let alpha = sample[3] / 255.0;
        for c in 0..3 {
            let blended = sample[c] * alpha + f32::from(pixel[c]) * (1.0 - alpha);
            pixel[c] = blended.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

fn bilinear(face: &RgbaImage, u: f32, v: f32) -> [f32; 4] {
    let (w, h) = (face.width() as i64, face.height() as i64);
    let (x0, y0) = (u.floor(), v.floor());
    let (fx, fy) = (u - x0, v - y0);
    let get = |x: i64, y: i64| -> [f32; 4] {
        if x < 0 || y < 0 || x >= w || y >= h {
            return [0.0; 4];
        }
        let p = face.get_pixel(x as u32, y as u32);
        let a = f32::from(p[3]);
        // Premultiplied, so transparent neighbours do not darken the edge.
        [
            f32::from(p[0]) * a / 255.0,
            f32::from(p[1]) * a / 255.0,
            f32::from(p[2]) * a / 255.0,
            a,
        ]
    };
    let (x0, y0) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (
        get(x0, y0),
        get(x0 + 1, y0),
        get(x0, y0 + 1),
        get(x0 + 1, y0 + 1),
    );
    let mut out = [0.0; 4];
    for i in 0..4 {
        out[i] = a[i] * (1.0 - fx) * (1.0 - fy)
            + b[i] * fx * (1.0 - fy)
            + c[i] * (1.0 - fx) * fy
            + d[i] * fx * fy;
    }
    let alpha = out[3];
    if alpha > 0.0 {
        for value in out.iter_mut().take(3) {
            *value *= 255.0 / alpha;
        }
    }
    out
}

/// A scene: a `width`×`height` photo with the card at `corners` on `kind`, with the light
/// softening and sensor noise of a phone photo.
pub fn scene(width: u32, height: u32, kind: Background, corners: [(f32, f32); 4]) -> RgbImage {
    let bg = background(width, height, kind, 7);
    let composed = compose(&bg, &card_face(), corners);
    let soft = imageproc::filter::gaussian_blur_f32(&composed, 0.6);
    add_noise(&soft, 3.0, 11)
}

/// The reference photo: 1600×1200, card 1000 px wide, centred, turned 2°, on the desk.
pub fn clean_scene() -> RgbImage {
    scene(
        1600,
        1200,
        Background::Desk,
        card_corners((800.0, 600.0), 1000.0, 2.0),
    )
}

pub fn add_noise(image: &RgbImage, amplitude: f32, seed: u64) -> RgbImage {
    let mut noise = Noise::new(seed);
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        let n = amplitude * noise.next();
        for c in pixel.0.iter_mut() {
            *c = (f32::from(*c) + n).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// Multiplies every channel (exposure).
pub fn scale_brightness(image: &RgbImage, factor: f32) -> RgbImage {
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        for c in pixel.0.iter_mut() {
            *c = (f32::from(*c) * factor).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// A glare spot: a white blob with a clipped core of `radius` px and a soft halo.
pub fn glare(image: &RgbImage, centre: (f32, f32), radius: f32) -> RgbImage {
    let mut out = image.clone();
    for (x, y, pixel) in out.enumerate_pixels_mut() {
        let d = ((x as f32 - centre.0).powi(2) + (y as f32 - centre.1).powi(2)).sqrt();
        let strength = (1.8 - d / radius).clamp(0.0, 1.0);
        if strength <= 0.0 {
            continue;
        }
        for c in pixel.0.iter_mut() {
            *c = (f32::from(*c) + (255.0 - f32::from(*c)) * strength).round() as u8;
        }
    }
    out
}

/// Grey-scale copy kept in RGB, as a phone's "mono" filter saves it.
pub fn greyscale(image: &RgbImage) -> RgbImage {
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        let [r, g, b] = pixel.0;
        let y = ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000) as u8;
        pixel.0 = [y, y, y];
    }
    out
}

/// Vignette and warm colour cast of an indoor phone photo.
pub fn indoor_look(image: &RgbImage) -> RgbImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let mut out = image.clone();
    for (x, y, pixel) in out.enumerate_pixels_mut() {
        let dx = (x as f32 - w / 2.0) / (w / 2.0);
        let dy = (y as f32 - h / 2.0) / (h / 2.0);
        let v = 1.0 - 0.18 * (dx * dx + dy * dy);
        let gains = [1.04 * v, 0.99 * v, 0.90 * v];
        for (c, gain) in pixel.0.iter_mut().zip(gains) {
            *c = (f32::from(*c) * gain).round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

pub fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encoding to memory cannot fail");
    bytes
}

/// A JPEG carrying only an EXIF orientation tag (1–8).
pub fn jpeg_with_orientation(image: &RgbImage, quality: u8, orientation: u16) -> Vec<u8> {
    // Little-endian TIFF: header, one IFD with one SHORT entry (0x0112), no next IFD.
    let mut exif = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    exif.extend_from_slice(&orientation.to_le_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut bytes = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut bytes, quality);
    encoder
        .set_exif_metadata(exif)
        .expect("the JPEG encoder takes EXIF");
    encoder
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encoding to memory cannot fail");
    bytes
}

pub fn grey_jpeg(image: &GrayImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::L8,
        )
        .expect("encoding to memory cannot fail");
    bytes
}

pub fn png(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    PngEncoder::new(Cursor::new(&mut bytes))
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encoding to memory cannot fail");
    bytes
}

pub fn webp(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut bytes)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("encoding to memory cannot fail");
    bytes
}

/// A tiny PNG whose header declares `width`×`height` pixels: a decompression bomb if anyone
/// allocated for it. The data is a few zero bytes, never enough for the declared size.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // A few bytes standing for the compressed data: the header alone must be enough to refuse.
    chunk(
        &mut out,
        b"IDAT",
        &[
            0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0, 0, 0x04, 0, 0, 1,
        ],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// The start of an iPhone HEIC file: an ISO-BMFF `ftyp` box with the `heic` brand.
pub fn heic_header() -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0x18];
    out.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    out.extend_from_slice(&[0, 0, 0, 0x08]);
    out.extend_from_slice(b"meta");
    out.resize(4096, 0);
    out
}
