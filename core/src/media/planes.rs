//! A camera's JPEG (YCbCr, chroma halved both ways: what phones and tablets
//! write) kept in its three planes from the decoder to the encoder.
//!
//! The decoder hands over 16 rows at a time, chroma not upsampled and no
//! colour converted; each plane is shrunk band by band as its rows arrive
//! (luma to the display size, chroma straight to the display's halved
//! chroma), turned upright, and given to the encoder as it is. So the full
//! image never exists in memory (a 12 MP photo was a 36 MB RGB buffer, and
//! on the CI machines the kernel took 13 ms to provide its pages and 2 ms
//! to take them back), nothing is converted to RGB and back, and the
//! resize works on one and a half planes instead of three channels.
//! Anything else (grey, CMYK, other subsamplings, PNG) is decoded whole to
//! RGB by `ingest` and shrunk here as three full-size planes: one pixel type
//! for the resizer, one orientation routine, one way to the encoder.

use fast_image_resize as fir;
use zune_core::colorspace::ColorSpace;
use zune_jpeg::RawImcuRowStatus;

use super::ingest::{
    Band, Decoded, Jpeg, PreparedImage, Sizes, bands, encode_rgb, encode_with, jpeg_error_text, resize_band,
};
use super::{PhotoError, orient};

/// What the three planes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Luma, then the two chroma planes at half size (rounded up).
    YCbCr420,
    /// Red, green, blue, all at full size.
    Rgb,
}

/// Three planes, tightly packed, one byte a sample; `width` × `height` is
/// the first plane's size.
struct Planes {
    layout: Layout,
    width: u32,
    height: u32,
    planes: [Vec<u8>; 3],
}

/// The chroma plane's size for a luma plane `width` × `height`.
fn halved(width: u32, height: u32) -> (u32, u32) {
    (width.div_ceil(2), height.div_ceil(2))
}

/// The size of plane `index` of an image `width` × `height`.
fn plane_size(layout: Layout, index: usize, width: u32, height: u32) -> (u32, u32) {
    if layout == Layout::YCbCr420 && index > 0 { halved(width, height) } else { (width, height) }
}

/// Whether this frame goes the planar way: YCbCr, three components, luma
/// sampled 2 × 2 and both chroma 1 × 1.
pub(super) fn takes(decoder: &mut Jpeg<'_>) -> bool {
    if decoder.input_colorspace() != Some(ColorSpace::YCbCr) {
        return false;
    }
    let raw = decoder.raw_output();
    let (Some(3), Some(layout)) = (raw.num_components(), raw.layout()) else {
        return false;
    };
    let factors: Vec<(usize, usize)> =
        layout[..3].iter().map(|p| (p.horizontal_sampling_factor, p.vertical_sampling_factor)).collect();
    factors == [(2, 2), (1, 1), (1, 1)]
}

/// The display image and thumbnail, for a decoder that has read the
/// headers of a frame `takes` accepted.
pub(super) fn renditions(decoder: Jpeg<'_>, orientation: u8) -> Result<(PreparedImage, PreparedImage), PhotoError> {
    let info = decoder.info().ok_or_else(|| PhotoError::Malformed("no frame header".into()))?;
    let sizes = Sizes::new(u32::from(info.width), u32::from(info.height), orientation);
    let mut resizer = fir::Resizer::new();
    let stored = decode_shrunk(decoder, sizes.stored, &mut resizer)?;
    finish(stored, orientation, &sizes, &mut resizer)
}

/// The display image and thumbnail of decoded RGB pixels, shrunk as three
/// planes.
pub(super) fn rgb_renditions(decoded: &Decoded) -> Result<(PreparedImage, PreparedImage), PhotoError> {
    let Decoded { rgb, width, height, orientation } = decoded;
    let (width, height, orientation) = (*width, *height, *orientation);
    let sizes = Sizes::new(width, height, orientation);
    let (to_w, to_h) = sizes.stored;
    let mut resizer = fir::Resizer::new();
    let mut shrinkers: Vec<PlaneShrinker> = (0..3).map(|_| PlaneShrinker::new(width, height, to_w, to_h)).collect();
    let mut rows: [Vec<u8>; 3] = std::array::from_fn(|_| Vec::with_capacity(width as usize));
    for pixels in rgb.chunks_exact(width as usize * 3) {
        for (channel, row) in rows.iter_mut().enumerate() {
            row.clear();
            row.extend(pixels[channel..].iter().step_by(3));
        }
        for (shrinker, row) in shrinkers.iter_mut().zip(&rows) {
            shrinker.push(&mut resizer, row)?;
        }
    }
    let stored = Planes { layout: Layout::Rgb, width: to_w, height: to_h, planes: finish_all(shrinkers)? };
    finish(stored, orientation, &sizes, &mut resizer)
}

/// Upright display image and its thumbnail, encoded.
fn finish(
    stored: Planes,
    orientation: u8,
    sizes: &Sizes,
    resizer: &mut fir::Resizer,
) -> Result<(PreparedImage, PreparedImage), PhotoError> {
    let display = stored.upright(orientation);
    debug_assert_eq!((display.width, display.height), sizes.display);
    let thumbnail = display.shrunk(sizes.thumbnail, resizer)?;
    Ok((display.encode()?, thumbnail.encode()?))
}

fn finish_all(shrinkers: Vec<PlaneShrinker>) -> Result<[Vec<u8>; 3], PhotoError> {
    let planes = shrinkers.into_iter().map(PlaneShrinker::finish).collect::<Result<Vec<_>, _>>()?;
    planes.try_into().map_err(|_| PhotoError::Malformed("missing plane".into()))
}

/// Decodes iMCU row by iMCU row, shrinking each plane as its rows come.
fn decode_shrunk(
    mut decoder: Jpeg<'_>,
    (to_w, to_h): (u32, u32),
    resizer: &mut fir::Resizer,
) -> Result<Planes, PhotoError> {
    let mut raw = decoder.raw_output();
    let layout = raw.layout().ok_or_else(|| PhotoError::Malformed("no frame layout".into()))?;
    let (chroma_w, chroma_h) = halved(to_w, to_h);
    let targets = [(to_w, to_h), (chroma_w, chroma_h), (chroma_w, chroma_h)];
    let mut shrinkers: Vec<PlaneShrinker> = layout[..3]
        .iter()
        .zip(targets)
        .map(|(p, (w, h))| PlaneShrinker::new(p.width as u32, p.height as u32, w, h))
        .collect();
    let strides: Vec<usize> = layout[..3].iter().map(|p| p.stride).collect();
    // One iMCU row: 8 rows of each sampling unit.
    let mut rows: Vec<Vec<u8>> =
        layout[..3].iter().map(|p| vec![0u8; p.stride * p.vertical_sampling_factor * 8]).collect();
    loop {
        let mut planes: Vec<&mut [u8]> = rows.iter_mut().map(Vec::as_mut_slice).collect();
        match raw.decode_next_imcu_row(&mut planes, &strides).map_err(|e| PhotoError::Malformed(jpeg_error_text(&e)))? {
            RawImcuRowStatus::RowReady { rows_written } => {
                for ((shrinker, plane), (&stride, &written)) in
                    shrinkers.iter_mut().zip(&rows).zip(strides.iter().zip(&rows_written))
                {
                    for row in plane.chunks_exact(stride).take(written) {
                        shrinker.push(resizer, row)?;
                    }
                }
            }
            RawImcuRowStatus::Complete => break,
            // All the bytes were given: wanting more means the file is cut.
            RawImcuRowStatus::NeedMoreInput => return Err(PhotoError::Malformed("JPEG: cut short".into())),
            _ => return Err(PhotoError::Malformed("JPEG: unexpected decoder state".into())),
        }
    }
    Ok(Planes { layout: Layout::YCbCr420, width: to_w, height: to_h, planes: finish_all(shrinkers)? })
}

/// One plane shrunk band by band from rows pushed in order; it holds only
/// the source rows the next band needs.
struct PlaneShrinker {
    width: u32,
    to_w: u32,
    bands: Vec<Band>,
    next: usize,
    /// Source rows from `window_top` on.
    window: Vec<u8>,
    window_top: u32,
    out: Vec<u8>,
}

impl PlaneShrinker {
    fn new(width: u32, height: u32, to_w: u32, to_h: u32) -> PlaneShrinker {
        let bands: Vec<Band> = bands(height, to_h).collect();
        let widest = bands.iter().map(|b| b.v1 - b.v0).max().unwrap_or(0);
        PlaneShrinker {
            width,
            to_w,
            next: 0,
            window: Vec::with_capacity(widest as usize * width as usize),
            window_top: 0,
            out: vec![0u8; to_w as usize * to_h as usize],
            bands,
        }
    }

    /// The next source row (at least `width` bytes; the rest is padding).
    fn push(&mut self, resizer: &mut fir::Resizer, row: &[u8]) -> Result<(), PhotoError> {
        let w = self.width as usize;
        let Some(row) = row.get(..w) else {
            return Err(PhotoError::Malformed("JPEG: short row".into()));
        };
        if self.next == self.bands.len() {
            // Rows past the last band's reach (a decoder's padding rows).
            return Ok(());
        }
        self.window.extend_from_slice(row);
        let mut held = (self.window.len() / w) as u32;
        while let Some(band) = self.bands.get(self.next)
            && band.v1 <= self.window_top + held
        {
            let from = (band.v0 - self.window_top) as usize * w;
            let to = (band.v1 - self.window_top) as usize * w;
            let to_row = self.to_w as usize;
            resize_band(
                resizer,
                &self.window[from..to],
                self.width,
                &mut self.out[band.d0 as usize * to_row..band.d1 as usize * to_row],
                self.to_w,
                band,
            )?;
            self.next += 1;
            // Drop the rows no later band reads.
            if let Some(next) = self.bands.get(self.next) {
                let drop = next.v0.min(self.window_top + held) - self.window_top;
                self.window.drain(..drop as usize * w);
                self.window_top += drop;
                held -= drop;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<u8>, PhotoError> {
        if self.next < self.bands.len() {
            return Err(PhotoError::Malformed("JPEG: fewer rows than its header declares".into()));
        }
        Ok(self.out)
    }
}

impl Planes {
    fn size(&self, index: usize) -> (u32, u32) {
        plane_size(self.layout, index, self.width, self.height)
    }

    /// Each plane turned upright.
    fn upright(self, orientation: u8) -> Planes {
        if !orient::moves_pixels(orientation) {
            return self;
        }
        let mut size = (self.width, self.height);
        let planes = std::array::from_fn(|i| {
            let (w, h) = self.size(i);
            let mut out = vec![0u8; self.planes[i].len()];
            let turned = orient::upright_plane_into(&self.planes[i], w, h, orientation, &mut out);
            if i == 0 {
                size = turned;
            }
            out
        });
        Planes { layout: self.layout, width: size.0, height: size.1, planes }
    }

    /// The same image at `to_w` × `to_h` (the thumbnail), through the same
    /// shrinker as the decoder's rows.
    fn shrunk(&self, (to_w, to_h): (u32, u32), resizer: &mut fir::Resizer) -> Result<Planes, PhotoError> {
        let mut shrinkers = Vec::with_capacity(3);
        for (i, plane) in self.planes.iter().enumerate() {
            let ((w, h), (pw, ph)) = (self.size(i), plane_size(self.layout, i, to_w, to_h));
            let mut shrinker = PlaneShrinker::new(w, h, pw, ph);
            for row in plane.chunks_exact(w as usize) {
                shrinker.push(resizer, row)?;
            }
            shrinkers.push(shrinker);
        }
        Ok(Planes { layout: self.layout, width: to_w, height: to_h, planes: finish_all(shrinkers)? })
    }

    fn encode(&self) -> Result<PreparedImage, PhotoError> {
        match self.layout {
            Layout::YCbCr420 => encode_with(self.width, self.height, self.planes[0].len() / 6, |encoder, _, _| {
                encoder.encode_image(self)
            }),
            Layout::Rgb => {
                // Interleaved again for the encoder's SIMD colour conversion
                // (this way serves PNGs and unusual JPEGs only).
                let [r, g, b] = &self.planes;
                let rgb: Vec<u8> = r.iter().zip(g).zip(b).flat_map(|((&r, &g), &b)| [r, g, b]).collect();
                encode_rgb(&rgb, self.width, self.height)
            }
        }
    }
}

/// The encoder asks for full rows of each component and keeps the top-left
/// chroma sample of each 2 × 2 block: each chroma sample is given twice,
/// and each chroma row for two luma rows, so what it keeps is the plane.
/// (YCbCr 4:2:0 planes only; `encode` gives RGB planes another way.)
impl jpeg_encoder::ImageBuffer for &Planes {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        // `encode_with` checked that both sides fit in a u16.
        self.width as u16
    }

    fn height(&self) -> u16 {
        self.height as u16
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let (w, cw) = (self.width as usize, halved(self.width, self.height).0 as usize);
        let y = usize::from(y);
        let [luma, cb, cr] = &self.planes;
        buffers[0].extend_from_slice(&luma[y * w..][..w]);
        for (buffer, plane) in buffers[1..3].iter_mut().zip([cb, cr]) {
            let row = &plane[(y / 2) * cw..][..cw];
            let start = buffer.len();
            buffer.resize(start + w, 0);
            for (pair, &sample) in buffer[start..].chunks_mut(2).zip(row) {
                pair.fill(sample);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ingest::{PhotoLimits, prepare, rgb_renditions_of_jpeg};
    use super::*;
    use crate::demo::camera::{Shot, camera_jpeg};

    fn rgb_of(jpeg: &[u8]) -> (Vec<u8>, (usize, usize)) {
        let mut d = zune_jpeg::JpegDecoder::new(zune_core::bytestream::ZCursor::new(jpeg));
        let pixels = d.decode().unwrap();
        let info = d.info().unwrap();
        (pixels, (usize::from(info.width), usize::from(info.height)))
    }

    #[test]
    fn planes_give_the_picture_the_rgb_way_gives() {
        // Sizes below and above the display's, odd ones (chroma rounded up),
        // mirrored and turned.
        for (width, height, orientation) in
            [(1800, 1200, 1u8), (1800, 1200, 6), (2501, 1667, 7), (999, 1001, 2), (3001, 2001, 3)]
        {
            let shot = Shot { width, height, orientation, quality: 90, seed: 4, exif: true };
            let jpeg = camera_jpeg(&shot);
            let (mut decoder, _) = super::super::ingest::jpeg_headers(&jpeg, &PhotoLimits::default()).unwrap();
            assert!(takes(&mut decoder), "a camera's 4:2:0 JPEG goes the planar way");
            let planar = prepare(&jpeg, &PhotoLimits::default()).unwrap();
            let (display, thumbnail) = rgb_renditions_of_jpeg(&jpeg).unwrap();
            for (ours, theirs) in [(&planar.display, &display), (&planar.thumbnail, &thumbnail)] {
                assert_eq!((ours.width, ours.height), (theirs.width, theirs.height));
                let ((a, size_a), (b, size_b)) = (rgb_of(&ours.jpeg), rgb_of(&theirs.jpeg));
                assert_eq!(size_a, size_b);
                let mean = a.iter().zip(&b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64;
                assert!(mean < 2.0, "orientation {orientation}: mean difference {mean:.2} per channel");
            }
        }
    }

    #[test]
    fn streamed_bands_match_shrinking_the_whole_plane() {
        let (w, h, to_w, to_h) = (1003u32, 1501u32, 410u32, 614u32);
        let mut rng = crate::demo::DemoRng::new(9);
        let plane: Vec<u8> = (0..w * h).map(|i| ((i / 5) as u8).wrapping_add((rng.next_u64() % 32) as u8)).collect();
        let mut resizer = fir::Resizer::new();
        let mut shrinker = PlaneShrinker::new(w, h, to_w, to_h);
        // Rows arrive with padding after them, as the decoder's stride has.
        let mut padded = vec![0u8; w as usize + 5];
        for row in plane.chunks_exact(w as usize) {
            padded[..w as usize].copy_from_slice(row);
            shrinker.push(&mut resizer, &padded).unwrap();
        }
        let streamed = shrinker.finish().unwrap();
        // fast_image_resize on the whole plane at once: the bands join
        // without seams.
        let src = fir::images::ImageRef::new(w, h, &plane, fir::PixelType::U8).unwrap();
        let mut whole = fir::images::Image::new(to_w, to_h, fir::PixelType::U8);
        let options = fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Hamming));
        fir::Resizer::new().resize(&src, &mut whole, &options).unwrap();
        let worst = streamed.iter().zip(whole.buffer()).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(worst <= 1, "bands differ from the whole by up to {worst}");
    }

    #[test]
    fn a_plane_cut_short_is_an_error() {
        let mut resizer = fir::Resizer::new();
        let mut shrinker = PlaneShrinker::new(100, 80, 40, 32);
        for _ in 0..50 {
            shrinker.push(&mut resizer, &[7u8; 100]).unwrap();
        }
        assert!(matches!(shrinker.finish(), Err(PhotoError::Malformed(_))));
        assert!(matches!(
            PlaneShrinker::new(100, 80, 40, 32).push(&mut resizer, &[1u8; 99]),
            Err(PhotoError::Malformed(_))
        ));
    }
}
