//! Turning the bytes a user sent into pixels without letting a hostile file cost us anything.
//!
//! The order matters: size first (free), then the format from the content's magic bytes (a
//! file name or MIME type proves nothing), then the dimensions from the header, and only then
//! the full decode under an allocation cap. So a decompression bomb or a 50 MB upload is turned
//! away before a single pixel is allocated. EXIF orientation is applied, because phones store
//! portrait photos sideways; no other metadata (location, camera, time) is read or kept.
//!
//! HEIC/HEIF (the iPhone default) is recognised by its `ftyp` box and refused with its own
//! error: it is not decoded (no pure-Rust HEVC decoder is fit for untrusted input), and the user
//! is asked to send the photo as a JPEG instead: sending it as a "photo" rather than a "file"
//! in the chat app converts it, or the camera can be set to "Most Compatible".

use std::io::Cursor;

use image::ImageError;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};
use thiserror::Error;

use super::PhotoConfig;

/// Why a file could not be checked at all. Each has a locale key `photo-error-<code>`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has {bytes} bytes, more than the {max} accepted")]
    TooLarge { bytes: usize, max: usize },
    #[error("the file is not an image")]
    NotAnImage,
    /// HEIC/HEIF is recognised but never decoded; the user is asked for a JPEG.
    #[error("the photo is HEIC/HEIF, which is not decoded")]
    Heic,
    #[error("{format} images are not accepted")]
    Unsupported { format: String },
    #[error("the image has {width}×{height} pixels, more than accepted")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image is damaged or incomplete")]
    Corrupt,
}

impl PhotoError {
    /// Kebab-case code, the tail of the locale key.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too-large",
            Self::NotAnImage => "not-an-image",
            Self::Heic => "heic",
            Self::Unsupported { .. } => "unsupported",
            Self::TooManyPixels { .. } => "too-many-pixels",
            Self::Corrupt => "corrupt",
        }
    }

    /// `photo-error-<code>`.
    pub fn locale_key(&self) -> String {
        format!("photo-error-{}", self.code())
    }

    /// Arguments for the locale text: `max_mb` for a file too large, `megapixels` for a picture
    /// too large, `format` for an unsupported format.
    pub fn args(&self) -> Vec<(String, String)> {
        match self {
            Self::TooLarge { max, .. } => {
                vec![("max_mb".into(), (max / (1024 * 1024)).max(1).to_string())]
            }
            Self::TooManyPixels { width, height } => {
                let megapixels = u64::from(*width) * u64::from(*height) / 1_000_000;
                vec![("megapixels".into(), megapixels.to_string())]
            }
            Self::Unsupported { format } => vec![("format".into(), format.clone())],
            _ => Vec::new(),
        }
    }
}

/// HEIF brands (ISO/IEC 23008-12) in the `ftyp` box: HEVC stills and sequences and the generic
/// image-collection brands iPhones also list.
const HEIF_BRANDS: [&[u8; 4]; 10] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
];

/// AVIF shares the container; it is named separately so the user is not told "HEIC".
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];

/// What an ISO-BMFF `ftyp` box at the start says the file is.
fn isobmff_kind(bytes: &[u8]) -> Option<PhotoError> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let size = bytes
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes) as usize;
    // Major brand at 8, minor version at 12, compatible brands from 16 to the box's end.
    let end = size.clamp(12, 256).min(bytes.len());
    let mut brands = bytes.get(8..12).into_iter().chain(
        bytes
            .get(16..end)
            .unwrap_or_default()
            .chunks_exact(4)
            .take(32),
    );
    let avif = |b: &[u8]| AVIF_BRANDS.iter().any(|a| a.as_slice() == b);
    let heif = |b: &[u8]| HEIF_BRANDS.iter().any(|h| h.as_slice() == b);
    let major = bytes.get(8..12).unwrap_or_default();
    if avif(major) {
        return Some(PhotoError::Unsupported {
            format: "AVIF".into(),
        });
    }
    if brands.any(heif) {
        return Some(PhotoError::Heic);
    }
    // Another ISO-BMFF file (an MP4 video, for instance): a container, not a photo.
    Some(PhotoError::NotAnImage)
}

/// The format from the content, or why it cannot be read.
fn sniff(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    if let Some(error) = isobmff_kind(bytes) {
        return Err(error);
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        Ok(other) => Err(PhotoError::Unsupported {
            format: other
                .extensions_str()
                .first()
                .map_or_else(|| format!("{other:?}"), |e| e.to_ascii_uppercase()),
        }),
        Err(_) => Err(PhotoError::NotAnImage),
    }
}

/// Decodes `bytes` into an RGB image, upright according to its EXIF orientation.
pub(crate) fn decode(bytes: &[u8], config: &PhotoConfig) -> Result<RgbImage, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > config.max_bytes {
        return Err(PhotoError::TooLarge {
            bytes: bytes.len(),
            max: config.max_bytes,
        });
    }
    let format = sniff(bytes)?;
    // The JPEG decoder fills a truncated picture with grey rather than failing; the user should
    // hear "incomplete, send it again", not "no card found".
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoError::Corrupt);
    }

    let mut limits = Limits::default();
    limits.max_alloc = Some(config.max_decode_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    // Builds the decoder, which reads the header only.
    let mut decoder = match reader.into_decoder() {
        Ok(decoder) => decoder,
        // A decoder may refuse a huge picture while reading its header; say how huge.
        Err(ImageError::Limits(_)) => return Err(too_many_from_header(bytes, format)),
        Err(error) => return Err(from_image_error(&error, None)),
    };
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt);
    }
    let too_many = PhotoError::TooManyPixels { width, height };
    if u64::from(width) * u64::from(height) > config.max_pixels {
        return Err(too_many);
    }
    // The output buffer counts against the cap too (16-bit RGBA needs 8 bytes a pixel).
    limits
        .reserve(decoder.total_bytes())
        .map_err(|_| too_many.clone())?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder)
        .map_err(|e| from_image_error(&e, Some((width, height))))?;
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// Whether a JPEG's marker structure runs from SOI to an EOI: every segment's length fits, and
/// the entropy-coded data after each SOS ends at a marker (inside it, 0xFF is always followed by
/// 0x00 or a restart marker, so an EOI cannot be faked there). Data after the EOI (some phones
/// append a motion clip or a vendor trailer) is allowed. An EXIF thumbnail lives inside an APP1
/// segment and is skipped with it.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    const SOI: u8 = 0xD8;
    const EOI: u8 = 0xD9;
    const SOS: u8 = 0xDA;
    const TEM: u8 = 0x01;
    let standalone = |m: u8| m == SOI || m == TEM || (0xD0..=0xD7).contains(&m);
    if bytes.get(..2) != Some(&[0xFF, SOI]) {
        return false;
    }
    let mut i = 2;
    loop {
        // A marker: one or more 0xFF, then the code.
        if bytes.get(i) != Some(&0xFF) {
            return false;
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return false;
        };
        i += 1;
        if marker == EOI {
            return true;
        }
        if standalone(marker) {
            continue;
        }
        let Some(length) = bytes
            .get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return false;
        };
        if length < 2 {
            return false;
        }
        i += length;
        if i > bytes.len() {
            return false;
        }
        if marker == SOS {
            // Entropy-coded data up to the next real marker.
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => i += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

/// The header's dimensions, for the error message, when the capped decoder refused to start.
/// A PNG's are read straight from its IHDR chunk, which must come first, so nothing else in the
/// file (a compressed text or colour-profile chunk) is touched; other formats' headers are read
/// again without the cap (the file is already known to be under `max_bytes`).
fn too_many_from_header(bytes: &[u8], format: ImageFormat) -> PhotoError {
    if format == ImageFormat::Png {
        let be = |at: usize| {
            bytes
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_be_bytes)
        };
        return match (bytes.get(12..16), be(16), be(20)) {
            (Some(b"IHDR"), Some(width), Some(height)) => {
                PhotoError::TooManyPixels { width, height }
            }
            _ => PhotoError::Corrupt,
        };
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.no_limits();
    match reader.into_dimensions() {
        Ok((width, height)) => PhotoError::TooManyPixels { width, height },
        Err(_) => PhotoError::Corrupt,
    }
}

/// Decoder failures: a limit hit while decoding means too big; anything else (truncated data,
/// bad markers, checksum errors) means the file is damaged. The decoder's message goes to the
/// debug log only; it says nothing about the picture's content.
fn from_image_error(error: &ImageError, dimensions: Option<(u32, u32)>) -> PhotoError {
    tracing::debug!(%error, "photo not decoded");
    match (error, dimensions) {
        (ImageError::Limits(_), Some((width, height))) => {
            PhotoError::TooManyPixels { width, height }
        }
        _ => PhotoError::Corrupt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heic_is_recognised_by_its_ftyp_box() {
        let heic = super::super::synthetic::heic_header();
        assert_eq!(sniff(&heic), Err(PhotoError::Heic));
        // An iPhone file whose major brand is the generic `mif1`.
        let mut mif1 = vec![0, 0, 0, 0x1c];
        mif1.extend_from_slice(b"ftypmif1\0\0\0\0mif1heicmiaf");
        assert_eq!(sniff(&mif1), Err(PhotoError::Heic));
    }

    #[test]
    fn avif_and_video_are_not_called_heic() {
        let mut avif = vec![0, 0, 0, 0x1c];
        avif.extend_from_slice(b"ftypavif\0\0\0\0avifmif1miaf");
        assert_eq!(
            sniff(&avif),
            Err(PhotoError::Unsupported {
                format: "AVIF".into()
            })
        );
        let mut mp4 = vec![0, 0, 0, 0x18];
        mp4.extend_from_slice(b"ftypisom\0\0\0\0isomiso2");
        assert_eq!(sniff(&mp4), Err(PhotoError::NotAnImage));
    }

    #[test]
    fn other_image_formats_are_named() {
        assert_eq!(
            sniff(b"GIF89a\x01\0\x01\0\0\0\0;"),
            Err(PhotoError::Unsupported {
                format: "GIF".into()
            })
        );
        assert_eq!(sniff(b"hello, this is text"), Err(PhotoError::NotAnImage));
    }

    #[test]
    fn codes_are_kebab_case_and_keys_follow() {
        let all = [
            PhotoError::Empty,
            PhotoError::TooLarge { bytes: 1, max: 0 },
            PhotoError::NotAnImage,
            PhotoError::Heic,
            PhotoError::Unsupported {
                format: "GIF".into(),
            },
            PhotoError::TooManyPixels {
                width: 1,
                height: 1,
            },
            PhotoError::Corrupt,
        ];
        for error in all {
            let code = error.code();
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
            assert_eq!(error.locale_key(), format!("photo-error-{code}"));
        }
    }

    #[test]
    fn a_jpeg_must_reach_its_end_marker() {
        let image =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let whole = super::super::synthetic::jpeg(&image, 90);
        assert!(jpeg_is_complete(&whole));
        let mut trailer = whole.clone();
        trailer.extend_from_slice(b"MotionPhoto_Data\0\0\0");
        assert!(jpeg_is_complete(&trailer));
        for keep in [whole.len() - 1, whole.len() - 2, whole.len() / 2, 20, 2, 0] {
            assert!(!jpeg_is_complete(&whole[..keep]), "{keep}");
        }
        let with_exif = super::super::synthetic::jpeg_with_orientation(&image, 90, 6);
        assert!(jpeg_is_complete(&with_exif));
        assert!(!jpeg_is_complete(&with_exif[..with_exif.len() - 10]));
    }

    #[test]
    fn the_bomb_is_refused_from_its_header() {
        let bomb = super::super::synthetic::png_bomb(100_000, 100_000);
        assert_eq!(
            decode(&bomb, &PhotoConfig::default()),
            Err(PhotoError::TooManyPixels {
                width: 100_000,
                height: 100_000
            })
        );
        assert_eq!(
            too_many_from_header(&bomb, ImageFormat::Png),
            PhotoError::TooManyPixels {
                width: 100_000,
                height: 100_000
            }
        );
        assert_eq!(
            too_many_from_header(&bomb[..20], ImageFormat::Png),
            PhotoError::Corrupt
        );
    }

    #[test]
    fn orientation_turns_the_picture_upright() {
        let stored = image::RgbImage::from_fn(60, 40, |x, _| image::Rgb([(x * 4) as u8, 0, 0]));
        let bytes = super::super::synthetic::jpeg_with_orientation(&stored, 90, 6);
        let upright = decode(&bytes, &PhotoConfig::default()).unwrap();
        assert_eq!(upright.dimensions(), (40, 60));
    }
}
