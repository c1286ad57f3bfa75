//! The photo pipeline gives the same pictures on the tablets' ARM chips as
//! on the x86_64 machines: a camera-like shot is prepared (decode, upright,
//! resize, encode — the NEON paths of zune-jpeg and fast_image_resize on
//! aarch64), decoded back, and each rendition's size and 8×8 grid of mean
//! colours compared with the reference recorded on x86_64
//! (`tests/data/photo-reference.json`). The encoded bytes are compared
//! exactly on x86_64 only: jpeg-encoder's SIMD is x86-only, so on ARM its
//! scalar path may round a few coefficients differently.
//!
//! `CHEVET_UPDATE_PHOTO_REFERENCE=1 cargo test --test photo_reference` on
//! x86_64 rewrites the reference.

use chevet_core::demo::camera::{Shot, camera_jpeg};
use chevet_core::media::ingest::{PhotoLimits, prepare};
use serde_json::{Value, json};

const GRID: usize = 8;
/// Mean colour levels of a grid cell may move this much between machines.
const TOLERANCE: f64 = 2.0;

fn decode(jpeg: &[u8]) -> (Vec<u8>, usize, usize) {
    let options =
        zune_core::options::DecoderOptions::default().jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(jpeg), options);
    let rgb = dec.decode().unwrap();
    let info = dec.info().unwrap();
    (rgb, usize::from(info.width), usize::from(info.height))
}

fn grid(rgb: &[u8], w: usize, h: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(GRID * GRID * 3);
    for gy in 0..GRID {
        for gx in 0..GRID {
            let (x0, x1, y0, y1) = (gx * w / GRID, (gx + 1) * w / GRID, gy * h / GRID, (gy + 1) * h / GRID);
            let mut sum = [0u64; 3];
            for y in y0..y1 {
                for x in x0..x1 {
                    for c in 0..3 {
                        sum[c] += u64::from(rgb[(y * w + x) * 3 + c]);
                    }
                }
            }
            let n = ((x1 - x0) * (y1 - y0)) as f64;
            out.extend(sum.map(|s| (s as f64 / n * 100.0).round() / 100.0));
        }
    }
    out
}

fn rendition(jpeg: &[u8]) -> Value {
    let (rgb, w, h) = decode(jpeg);
    json!({ "width": w, "height": h, "blake3": blake3::hash(jpeg).to_hex().to_string(), "grid": grid(&rgb, w, h) })
}

#[test]
fn photos_come_out_the_same_on_arm_as_on_x86() {
    // A portrait phone photo stored sideways (EXIF 6), 1600 × 1200.
    let shot = Shot { width: 1200, height: 1600, orientation: 6, quality: 92, seed: 11, exif: true };
    let prepared = prepare(&camera_jpeg(&shot), &PhotoLimits::default()).unwrap();
    let now = json!({ "display": rendition(&prepared.display.jpeg), "thumbnail": rendition(&prepared.thumbnail.jpeg) });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/photo-reference.json");
    if std::env::var_os("CHEVET_UPDATE_PHOTO_REFERENCE").is_some() {
        assert_eq!(std::env::consts::ARCH, "x86_64", "the reference is recorded on x86_64");
        std::fs::write(&path, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
        return;
    }
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for which in ["display", "thumbnail"] {
        let (a, b) = (&now[which], &reference[which]);
        assert_eq!((&a["width"], &a["height"]), (&b["width"], &b["height"]), "{which}: size");
        let worst = a["grid"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["grid"].as_array().unwrap())
            .map(|(x, y)| (x.as_f64().unwrap() - y.as_f64().unwrap()).abs())
            .fold(0.0, f64::max);
        let same_bytes = a["blake3"] == b["blake3"];
        println!(
            "{which} on {}: worst cell {worst:.2} levels from x86_64's, bytes identical: {same_bytes}",
            std::env::consts::ARCH
        );
        assert!(worst <= TOLERANCE, "{which}: a cell moved {worst:.2} levels from the x86_64 reference");
        if std::env::consts::ARCH == "x86_64" {
            assert!(same_bytes, "{which}: the x86_64 output is no longer the reference (deterministic there)");
        }
    }
}
