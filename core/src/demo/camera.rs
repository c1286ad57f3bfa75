//! Camera-like JPEGs for the demo, the tests, the fuzz seeds and the
//! benchmark: a skin-toned frame with a wound, sensor noise (so files weigh
//! what a camera's do), coloured corner marks (so a test can tell which way
//! is up) and the EXIF a phone writes: make, model, dates, GPS position,
//! an embedded thumbnail and an orientation.

use image::{DynamicImage, RgbImage, metadata::Orientation};

use super::DemoRng;

/// Corner marks of the upright picture, clockwise from top left.
pub const CORNER_MARKS: [[u8; 3]; 4] = [[220, 30, 30], [30, 200, 40], [250, 250, 250], [30, 40, 220]];

/// What to shoot.
#[derive(Debug, Clone, Copy)]
pub struct Shot {
    /// Size of the upright picture.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1–8 to store the pixels under.
    pub orientation: u8,
    pub quality: u8,
    pub seed: u64,
    /// Write the phone's EXIF block (without it, orientation is ignored).
    pub exif: bool,
}

impl Shot {
    /// A 12-megapixel phone photo (4000 × 3000, 4:2:0, quality 92).
    pub fn twelve_megapixels(orientation: u8) -> Shot {
        Shot { width: 4000, height: 3000, orientation, quality: 92, seed: 7, exif: true }
    }
}

/// The upright picture.
pub fn upright(shot: &Shot) -> RgbImage {
    let (w, h) = (shot.width, shot.height);
    let mut rng = DemoRng::new(shot.seed);
    let (cx, cy) = (w as f64 * 0.55, h as f64 * 0.5);
    let (rx, ry) = (w as f64 * 0.16, h as f64 * 0.12);
    let mark = (w.min(h) / 8).max(2);
    RgbImage::from_fn(w, h, |x, y| {
        let corner = match (x < mark, x >= w - mark, y < mark, y >= h - mark) {
            (true, _, true, _) => Some(0),
            (_, true, true, _) => Some(1),
            (_, true, _, true) => Some(2),
            (true, _, _, true) => Some(3),
            _ => None,
        };
        if let Some(c) = corner {
            return image::Rgb(CORNER_MARKS[c]);
        }
        // Skin with a soft light falloff, a red-brown wound bed with a
        // yellow slough rim, and noise of a few levels.
        let (fx, fy) = (x as f64 / w as f64, y as f64 / h as f64);
        let light = 0.85 + 0.15 * (1.0 - ((fx - 0.4).powi(2) + (fy - 0.4).powi(2)).sqrt());
        let d = ((x as f64 - cx) / rx).powi(2) + ((y as f64 - cy) / ry).powi(2);
        let base = if d < 0.7 {
            [150.0 + 30.0 * (d * 9.0).sin(), 45.0, 40.0]
        } else if d < 1.0 {
            [205.0, 180.0, 90.0]
        } else {
            [224.0 * light, 172.0 * light, 140.0 * light]
        };
        let noise = (rng.next_u64() % 25) as f64 - 12.0;
        image::Rgb(base.map(|v| (v + noise).clamp(0.0, 255.0) as u8))
    })
}

/// The JPEG file a phone would write for `shot`.
pub fn camera_jpeg(shot: &Shot) -> Vec<u8> {
    let upright = upright(shot);
    // Store the pixels so that applying the orientation gives the upright picture.
    let inverse = match shot.orientation {
        6 => 8,
        8 => 6,
        o => o,
    };
    let mut stored = DynamicImage::ImageRgb8(upright);
    if shot.exif {
        stored.apply_orientation(Orientation::from_exif(inverse).unwrap_or(Orientation::NoTransforms));
    }
    let stored = stored.into_rgb8();
    let body = encode(&stored, shot.quality);
    if !shot.exif {
        return body;
    }
    let thumb = image::imageops::thumbnail(&stored, 160, 120);
    let tiff = exif_block(shot.orientation, &encode(&thumb, 80));
    let mut out = Vec::with_capacity(body.len() + tiff.len() + 10);
    out.extend_from_slice(&body[..2]); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&body[2..]);
    out
}

fn encode(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    // Sizes here are camera sizes, far below JPEG's 65535 limit.
    if let (Ok(w), Ok(h)) = (u16::try_from(img.width()), u16::try_from(img.height())) {
        let _ = enc.encode(img.as_raw(), w, h, jpeg_encoder::ColorType::Rgb);
    }
    out
}

/// A little-endian TIFF/EXIF block: IFD0 (make, model, orientation, date,
/// Exif and GPS pointers), the Exif IFD (original date), the GPS IFD
/// (a position in Lyon) and IFD1 with an embedded JPEG thumbnail.
fn exif_block(orientation: u8, thumbnail: &[u8]) -> Vec<u8> {
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let ascii = |s: &str| {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        (ASCII, v.len() as u32, v)
    };
    let short = |v: u16| (SHORT, 1, v.to_le_bytes().to_vec());
    let long = |v: u32| (LONG, 1, v.to_le_bytes().to_vec());
    let rationals = |vals: &[(u32, u32)]| {
        let v: Vec<u8> = vals.iter().flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()].concat()).collect();
        (RATIONAL, vals.len() as u32, v)
    };
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    let ifd0 = write_ifd(
        &mut t,
        vec![
            (0x010F, ascii("Samsung")),
            (0x0110, ascii("Galaxy Tab S9")),
            (0x0112, short(u16::from(orientation))),
            (0x0132, ascii("2026:11:23 10:14:03")),
            (0x8769, long(0)),
            (0x8825, long(0)),
        ],
    );
    let exif_at = t.len() as u32;
    write_ifd(&mut t, vec![(0x9003, ascii("2026:11:23 10:14:03"))]);
    let gps_at = t.len() as u32;
    write_ifd(
        &mut t,
        vec![
            (0x0001, ascii("N")),
            (0x0002, rationals(&[(45, 1), (45, 1), (3120, 100)])),
            (0x0003, ascii("E")),
            (0x0004, rationals(&[(4, 1), (50, 1), (4410, 100)])),
        ],
    );
    let ifd1_at = t.len() as u32;
    let ifd1 = write_ifd(&mut t, vec![(0x0103, short(6)), (0x0201, long(0)), (0x0202, long(thumbnail.len() as u32))]);
    let thumb_at = t.len() as u32;
    t.extend_from_slice(thumbnail);
    let patch = |t: &mut Vec<u8>, at: usize, v: u32| t[at..at + 4].copy_from_slice(&v.to_le_bytes());
    patch(&mut t, ifd0.values[4], exif_at);
    patch(&mut t, ifd0.values[5], gps_at);
    patch(&mut t, ifd0.next, ifd1_at);
    patch(&mut t, ifd1.values[1], thumb_at);
    t
}

struct WrittenIfd {
    /// Where each entry's 4-byte value field sits.
    values: Vec<usize>,
    /// Where the next-IFD offset sits.
    next: usize,
}

/// Writes an IFD at the end of `t`, values over 4 bytes right after it.
/// An IFD entry's type, count and value bytes.
type IfdValue = (u16, u32, Vec<u8>);

fn write_ifd(t: &mut Vec<u8>, entries: Vec<(u16, IfdValue)>) -> WrittenIfd {
    let start = t.len();
    let mut data_at = start + 2 + entries.len() * 12 + 4;
    t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    let mut values = Vec::new();
    let mut data = Vec::new();
    for (tag, (ty, count, bytes)) in &entries {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        values.push(t.len());
        if bytes.len() <= 4 {
            let mut v = bytes.clone();
            v.resize(4, 0);
            t.extend_from_slice(&v);
        } else {
            t.extend_from_slice(&(data_at as u32).to_le_bytes());
            data.extend_from_slice(bytes);
            data_at += bytes.len();
        }
    }
    let next = t.len();
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&data);
    WrittenIfd { values, next }
}
