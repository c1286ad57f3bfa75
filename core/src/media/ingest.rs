//! Ingest: the camera's bytes in, an upright display image and thumbnail out,
//! re-encoded from pixels so no metadata block survives.
//!
//! Order matters for memory and speed: sizes are checked from the headers
//! before anything is decoded; a camera's YCbCr 4:2:0 JPEG is decoded 16
//! rows at a time and shrunk plane by plane as the rows come (`planes`), so
//! the full image never sits in memory; anything else (PNG, grey or CMYK
//! JPEGs, other subsamplings) is decoded whole to RGB here and then shrunk
//! as three planes the same way. Either way the image is resized *before*
//! being turned upright, so the rotation copies a 2048 px image, not the
//! original, and the thumbnail is made from the display image.
//!
//! ```no_run
//! use chevet_core::media::{PhotoLimits, prepare};
//! let camera_jpeg = std::fs::read("IMG_0001.jpg").unwrap();
//! let photo = prepare(&camera_jpeg, &PhotoLimits::default()).unwrap();
//! assert!(photo.display.width.max(photo.display.height) <= 2048);
//! ```

use fast_image_resize as fir;
use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8;
use image::{DynamicImage, ImageDecoder};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::{DISPLAY_LONG_SIDE, JPEG_QUALITY, PhotoError, THUMBNAIL_LONG_SIDE, exif, planes};

/// What ingest accepts. The defaults take any tablet or phone camera's
/// normal output (12–50 MP) and refuse what no camera produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoLimits {
    pub max_file_bytes: usize,
    pub max_side: u32,
    pub max_pixels: u64,
    /// Below this, a "photo" cannot show a wound.
    pub min_side: u32,
}

impl Default for PhotoLimits {
    fn default() -> Self {
        PhotoLimits { max_file_bytes: 40 << 20, max_side: 12_000, max_pixels: 50_000_000, min_side: 64 }
    }
}

impl PhotoLimits {
    fn check_dimensions(&self, width: u32, height: u32) -> Result<(), PhotoError> {
        let pixels = u64::from(width) * u64::from(height);
        if width.max(height) > self.max_side || width.min(height) < self.min_side || pixels > self.max_pixels {
            return Err(PhotoError::DimensionsOutOfRange {
                width,
                height,
                max_side: self.max_side,
                max_pixels: self.max_pixels,
            });
        }
        Ok(())
    }

    /// Allocation cap handed to the PNG decoder: the RGBA16 image at the
    /// pixel limit plus its working rows.
    fn max_alloc(&self) -> u64 {
        self.max_pixels * 8 + (16 << 20)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
}

/// One rendition: a baseline JPEG, 4:2:0, no metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedImage {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedPhoto {
    pub display: PreparedImage,
    pub thumbnail: PreparedImage,
    pub source_format: SourceFormat,
    /// The EXIF orientation that was applied (1 when none was given).
    pub applied_orientation: u8,
}

/// Decoded pixels as stored in the file (before orientation), RGB8.
pub(super) struct Decoded {
    pub(super) rgb: Vec<u8>,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) orientation: u8,
}

/// Sniffs, checks, decodes, turns upright, resizes and re-encodes.
pub fn prepare(bytes: &[u8], limits: &PhotoLimits) -> Result<PreparedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > limits.max_file_bytes {
        return Err(PhotoError::FileTooLarge { bytes: bytes.len(), max: limits.max_file_bytes });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let (mut decoder, orientation) = jpeg_headers(bytes, limits)?;
        // A camera's own JPEG stays in planes from decoder to encoder
        // (`planes`); any other layout is decoded to RGB.
        let (display, thumbnail) = if planes::takes(&mut decoder) {
            planes::renditions(decoder, orientation)?
        } else {
            planes::rgb_renditions(&decode_jpeg_rgb(decoder, orientation)?)?
        };
        Ok(PreparedPhoto { display, thumbnail, source_format: SourceFormat::Jpeg, applied_orientation: orientation })
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let decoded = decode_png(bytes, limits)?;
        let orientation = decoded.orientation;
        let (display, thumbnail) = planes::rgb_renditions(&decoded)?;
        Ok(PreparedPhoto { display, thumbnail, source_format: SourceFormat::Png, applied_orientation: orientation })
    } else {
        Err(PhotoError::NotAnImage)
    }
}

/// The sizes of the renditions of an image `width` × `height` as stored,
/// turned upright for `orientation`: the display image upright, the same
/// in the stored frame, and the thumbnail upright.
pub(super) struct Sizes {
    pub(super) display: (u32, u32),
    pub(super) stored: (u32, u32),
    pub(super) thumbnail: (u32, u32),
}

impl Sizes {
    pub(super) fn new(width: u32, height: u32, orientation: u8) -> Sizes {
        let transposed = (5..=8).contains(&orientation);
        let (up_w, up_h) = if transposed { (height, width) } else { (width, height) };
        let (disp_w, disp_h) = fit(up_w, up_h, DISPLAY_LONG_SIDE);
        Sizes {
            display: (disp_w, disp_h),
            stored: if transposed { (disp_h, disp_w) } else { (disp_w, disp_h) },
            thumbnail: fit(disp_w, disp_h, THUMBNAIL_LONG_SIDE),
        }
    }
}

/// The size that fits `long_side`, keeping the ratio; never enlarges.
fn fit(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_side {
        return (width, height);
    }
    let scale = f64::from(long_side) / f64::from(long);
    let w = ((f64::from(width) * scale).round() as u32).clamp(1, long_side);
    let h = ((f64::from(height) * scale).round() as u32).clamp(1, long_side);
    (w, h)
}

/// The RGB way for any JPEG (for tests comparing it with the planar way).
#[cfg(test)]
pub(super) fn rgb_renditions_of_jpeg(bytes: &[u8]) -> Result<(PreparedImage, PreparedImage), PhotoError> {
    let (decoder, orientation) = jpeg_headers(bytes, &PhotoLimits::default())?;
    planes::rgb_renditions(&decode_jpeg_rgb(decoder, orientation)?)
}

/// A JPEG decoder over the bytes in memory.
pub(super) type Jpeg<'a> = JpegDecoder<ZCursor<&'a [u8]>>;

/// A decoder that has read the markers up to the first scan (EXIF
/// included) and checked the declared size; and the EXIF orientation.
pub(super) fn jpeg_headers<'a>(bytes: &'a [u8], limits: &PhotoLimits) -> Result<(Jpeg<'a>, u8), PhotoError> {
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        // The format's own maximum, so the header parses and our check
        // below reports the declared size.
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|e| PhotoError::Malformed(jpeg_error_text(&e)))?;
    let info = decoder.info().ok_or_else(|| PhotoError::Malformed("no frame header".into()))?;
    limits.check_dimensions(u32::from(info.width), u32::from(info.height))?;
    let orientation = match decoder.exif() {
        Some(block) => exif::orientation(block)?.unwrap_or(1),
        None => 1,
    };
    Ok((decoder, orientation))
}

fn decode_jpeg_rgb(mut decoder: Jpeg<'_>, orientation: u8) -> Result<Decoded, PhotoError> {
    let info = decoder.info().ok_or_else(|| PhotoError::Malformed("no frame header".into()))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let size = decoder.output_buffer_size().ok_or_else(|| PhotoError::Malformed("no output size".into()))?;
    if size != width as usize * height as usize * 3 {
        return Err(PhotoError::Malformed("unexpected output layout".into()));
    }
    let mut rgb = vec![0u8; size];
    decoder.decode_into(&mut rgb).map_err(|e| PhotoError::Malformed(jpeg_error_text(&e)))?;
    Ok(Decoded { rgb, width, height, orientation })
}

/// The decoder's messages describe structure (markers, tables), not content.
pub(super) fn jpeg_error_text(e: &zune_jpeg::errors::DecodeErrors) -> String {
    let mut s = format!("JPEG: {e:?}");
    s.truncate(200);
    s
}

fn decode_png(bytes: &[u8], limits: &PhotoLimits) -> Result<Decoded, PhotoError> {
    // IHDR is the first chunk: its size is checked before the decoder
    // allocates anything.
    let ihdr =
        bytes.get(8..24).filter(|h| &h[4..8] == b"IHDR").ok_or(PhotoError::Malformed("PNG without IHDR".into()))?;
    let be = |at: usize| u32::from_be_bytes([ihdr[at], ihdr[at + 1], ihdr[at + 2], ihdr[at + 3]]);
    let (width, height) = (be(8), be(12));
    limits.check_dimensions(width, height)?;
    let mut png_limits = image::Limits::default();
    png_limits.max_image_width = Some(limits.max_side);
    png_limits.max_image_height = Some(limits.max_side);
    png_limits.max_alloc = Some(limits.max_alloc());
    let mut decoder = image::codecs::png::PngDecoder::with_limits(std::io::Cursor::new(bytes), png_limits)
        .map_err(|e| png_error(e, limits))?;
    if decoder.dimensions() != (width, height) {
        return Err(PhotoError::Malformed("PNG header read twice differently".into()));
    }
    let orientation = match decoder.exif_metadata().map_err(|e| png_error(e, limits))? {
        Some(block) => exif::orientation(&block)?.unwrap_or(1),
        None => 1,
    };
    let image = DynamicImage::from_decoder(decoder).map_err(|e| png_error(e, limits))?;
    Ok(Decoded { rgb: image.into_rgb8().into_raw(), width, height, orientation })
}

fn png_error(e: image::ImageError, limits: &PhotoLimits) -> PhotoError {
    match e {
        // Within the pixel limit but over the allocation cap: a 16-bit
        // image with huge ancillary chunks, say.
        image::ImageError::Limits(_) => {
            PhotoError::Malformed(format!("PNG needs more than {} bytes", limits.max_alloc()))
        }
        e => {
            let mut s = format!("PNG: {e}");
            s.truncate(200);
            PhotoError::Malformed(s)
        }
    }
}

/// Destination rows resized at a time. The convolution's intermediate image
/// is one band (2048 px × ~260 source rows × 3 = 1.6 MB for a 12 MP photo)
/// instead of the whole height (18 MB).
const BAND_ROWS: u32 = 128;

/// One band: destination rows `d0..d1`, made from source rows `v0..v1`
/// (which carry the filter's reach on both sides, so bands join without
/// seams: the filter is clamped to the rows it is given, not to the crop
/// box — fast_image_resize, like Pillow), the exact span being `top..bottom`.
pub(super) struct Band {
    pub(super) d0: u32,
    pub(super) d1: u32,
    pub(super) v0: u32,
    pub(super) v1: u32,
    top: f64,
    bottom: f64,
}

pub(super) fn bands(h: u32, to_h: u32) -> impl Iterator<Item = Band> {
    let scale = f64::from(h) / f64::from(to_h);
    let margin = (HAMMING_SUPPORT * scale.max(1.0)).ceil() as u32 + 1;
    (0..to_h).step_by(BAND_ROWS as usize).map(move |d0| {
        let d1 = (d0 + BAND_ROWS).min(to_h);
        // `to_h * (h / to_h)` can come out a hair above `h` (1501 rows to
        // 614, say), and a crop box past the image is refused.
        let (top, bottom) = (f64::from(d0) * scale, (f64::from(d1) * scale).min(f64::from(h)));
        let v0 = (top.floor() as u32).saturating_sub(margin);
        let v1 = (bottom.ceil() as u32 + margin).min(h);
        Band { d0, d1, v0, v1, top, bottom }
    })
}

fn resize_failed(e: &dyn std::fmt::Display) -> PhotoError {
    PhotoError::Encode(format!("resize: {e}"))
}

/// Resizes source rows `band.v0..band.v1` (`src`) into destination rows
/// `band.d0..band.d1` (`dst`), one byte a pixel: a plane.
pub(super) fn resize_band(
    resizer: &mut fir::Resizer,
    src: &[u8],
    w: u32,
    dst: &mut [u8],
    to_w: u32,
    band: &Band,
) -> Result<(), PhotoError> {
    // The typed API for one pixel type only: each type fast_image_resize
    // resizes brings 0.4 MB of code (its untyped API, every type, made it a
    // third of the library), so RGB images are resized as three planes too.
    let src = TypedImageRef::<U8>::from_buffer(w, band.v1 - band.v0, src).map_err(|e| resize_failed(&e))?;
    let mut dst = TypedImage::<U8>::from_buffer(to_w, band.d1 - band.d0, dst).map_err(|e| resize_failed(&e))?;
    // Hamming: bilinear's cost with bicubic's downscaling quality.
    let options = fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Hamming)).crop(
        0.0,
        band.top - f64::from(band.v0),
        f64::from(w),
        band.bottom - band.top,
    );
    resizer.resize_typed(&src, &mut dst, &options).map_err(|e| resize_failed(&e))
}

/// The Hamming filter's support, in source pixels at scale 1.
const HAMMING_SUPPORT: f64 = 1.0;

/// RGB pixels as a JPEG.
pub(super) fn encode_rgb(rgb: &[u8], width: u32, height: u32) -> Result<PreparedImage, PhotoError> {
    encode_with(width, height, rgb.len() / 8, |encoder, w, h| encoder.encode(rgb, w, h, jpeg_encoder::ColorType::Rgb))
}

/// A baseline 4:2:0 JPEG at our quality, written by `write` (given the
/// encoder and the size as JPEG counts it).
pub(super) fn encode_with(
    width: u32,
    height: u32,
    expected_bytes: usize,
    write: impl FnOnce(jpeg_encoder::Encoder<&mut Vec<u8>>, u16, u16) -> Result<(), jpeg_encoder::EncodingError>,
) -> Result<PreparedImage, PhotoError> {
    let (w, h) = (u16::try_from(width), u16::try_from(height));
    let (Ok(w), Ok(h)) = (w, h) else {
        return Err(PhotoError::Encode("rendition larger than JPEG allows".into()));
    };
    let mut jpeg = Vec::with_capacity(expected_bytes);
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, JPEG_QUALITY);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    // Standard Huffman tables: with jpeg-encoder's optimised ones, zune-jpeg
    // 0.5.15 decodes our files with wrong colours (libjpeg-turbo reads them
    // right); a photo must look the same in every decoder. The cost is a
    // few percent of file size.
    encoder.set_optimized_huffman_tables(false);
    write(encoder, w, h).map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(PreparedImage { jpeg, width, height })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpegs_in_other_layouts_go_the_rgb_way() {
        let limits = PhotoLimits::default();
        let mut rng = crate::demo::DemoRng::new(11);
        let rgb: Vec<u8> =
            (0..640 * 480).flat_map(|_| [200, 120, 90u8]).map(|c| c ^ (rng.next_u64() as u8 & 3)).collect();
        let grey: Vec<u8> = rgb.iter().step_by(3).copied().collect();
        for (pixels, colour, sampling, expected) in [
            (&rgb, jpeg_encoder::ColorType::Rgb, jpeg_encoder::SamplingFactor::F_1_1, [200, 120, 90]),
            (&rgb, jpeg_encoder::ColorType::Rgb, jpeg_encoder::SamplingFactor::F_2_1, [200, 120, 90]),
            (&grey, jpeg_encoder::ColorType::Luma, jpeg_encoder::SamplingFactor::F_1_1, [200, 200, 200]),
        ] {
            let mut jpeg = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 90);
            encoder.set_sampling_factor(sampling);
            encoder.encode(pixels, 640, 480, colour).unwrap();
            let (mut decoder, _) = jpeg_headers(&jpeg, &limits).unwrap();
            assert!(!planes::takes(&mut decoder), "{sampling:?} {colour:?}");
            let photo = prepare(&jpeg, &limits).unwrap();
            assert_eq!((photo.display.width, photo.display.height), (640, 480));
            let mut d = JpegDecoder::new(ZCursor::new(&photo.display.jpeg[..]));
            let out = d.decode().unwrap();
            let centre = &out[(240 * 640 + 320) * 3..][..3];
            for (got, want) in centre.iter().zip(expected) {
                assert!(got.abs_diff(want) <= 6, "{sampling:?} {colour:?}: {centre:?}");
            }
        }
    }

    #[test]
    fn bands_never_reach_past_the_source() {
        for (h, to_h) in [(1501u32, 614u32), (751, 307), (75, 73), (3000, 1536), (4000, 2048)] {
            for band in bands(h, to_h) {
                assert!(band.bottom <= f64::from(h) && band.v1 <= h && band.top >= f64::from(band.v0), "{h} -> {to_h}");
            }
        }
        // And such a size resizes.
        let plane = vec![9u8; 20 * 751];
        let mut out = vec![0u8; 8 * 307];
        for band in bands(751, 307) {
            let dst = &mut out[band.d0 as usize * 8..band.d1 as usize * 8];
            resize_band(
                &mut fir::Resizer::new(),
                &plane[band.v0 as usize * 20..band.v1 as usize * 20],
                20,
                dst,
                8,
                &band,
            )
            .unwrap();
        }
        assert!(out.iter().all(|&v| v == 9));
    }

    #[test]
    fn fit_keeps_the_ratio_and_never_enlarges() {
        assert_eq!(fit(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fit(3000, 4000, 2048), (1536, 2048));
        assert_eq!(fit(2048, 1536, 320), (320, 240));
        assert_eq!(fit(800, 600, 2048), (800, 600));
        assert_eq!(fit(12000, 64, 2048), (2048, 11));
    }

    #[test]
    fn limits_refuse_absurd_sizes_and_accept_cameras() {
        let l = PhotoLimits::default();
        assert!(l.check_dimensions(4000, 3000).is_ok());
        assert!(l.check_dimensions(8160, 6120).is_ok()); // 50 MP phone sensor
        assert!(l.check_dimensions(65535, 65535).is_err());
        assert!(l.check_dimensions(12000, 5000).is_err()); // 60 MP
        assert!(l.check_dimensions(4000, 10).is_err());
    }
}
