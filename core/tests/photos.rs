//! Wound photos through the store: upright and metadata-free output checked
//! by pixels and by exiftool, hostile inputs refused with nothing stored,
//! encrypted files that refuse every tampering, the orphan sweep, and a
//! wound's follow-up.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chevet_core::clinical::push::Trend;
use chevet_core::crypto::stream::StreamError;
use chevet_core::demo::camera::{CORNER_MARKS, Shot, camera_jpeg};
use chevet_core::domain::*;
use chevet_core::media::PhotoError;
use chevet_core::store::{PhotoCapture, PhotoRendition};
use chevet_core::{CoreError, Store};
use common::*;
use jiff::ToSpan;
use uuid::Uuid;

fn open_wound(store: &Store, resident: Uuid) -> Wound {
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: resident,
        kind: WoundKind::PressureInjury,
        site: "talon gauche".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: "2026-11-01".parse().unwrap(),
        healed_on: None,
    };
    store.save_wound(&wound, None).unwrap();
    wound
}

fn capture(wound: &Wound, at: jiff::Timestamp) -> PhotoCapture {
    PhotoCapture {
        resident_id: wound.resident_id,
        wound_id: wound.id,
        assessment_id: None,
        body_site: wound.site.clone(),
        scale_marker: true,
        consent: PhotoConsent::Resident,
        taken_at: at,
    }
}

fn media_dir(f: &Fixture) -> PathBuf {
    PathBuf::from(format!("{}.media", f.path().display()))
}

/// Every photo file under the media folder (temporary ones included).
fn media_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}

fn exiftool(file: &Path) -> serde_json::Map<String, serde_json::Value> {
    let out = Command::new("exiftool")
        .args(["-j", "-G1", "-a", "-u", "-n"])
        .arg(file)
        .output()
        .expect("exiftool is needed (Debian: libimage-exiftool-perl; .ci/run installs it)");
    assert!(out.status.success(), "exiftool failed on {}", file.display());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0].as_object().unwrap().clone()
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) < 40)
}

/// The colour near each corner, clockwise from top left.
fn corners(jpeg: &[u8]) -> ([[u8; 3]; 4], (u32, u32)) {
    // Decoded by zune-jpeg directly (the `image` crate here has no JPEG codec).
    let options =
        zune_core::options::DecoderOptions::default().jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(jpeg), options);
    let rgb = dec.decode().unwrap();
    let info = dec.info().unwrap();
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let m = w.min(h) / 16;
    let at = |x: u32, y: u32| {
        let i = ((y * w + x) * 3) as usize;
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    };
    ([at(m, m), at(w - 1 - m, m), at(w - 1 - m, h - 1 - m), at(m, h - 1 - m)], (w, h))
}

#[test]
fn every_exif_orientation_comes_out_upright_and_without_metadata() {
    let (f, d) = seeded(2, 0);
    let wound = open_wound(&f.store, d.residents[0].id);
    let out_dir = tempfile::tempdir().unwrap();
    for orientation in 1..=8u8 {
        let shot = Shot { width: 640, height: 480, orientation, quality: 92, seed: u64::from(orientation), exif: true };
        let input = camera_jpeg(&shot);
        // The input really carries what must go: position, device, dates, thumbnail.
        let input_path = out_dir.path().join(format!("input-{orientation}.jpg"));
        std::fs::write(&input_path, &input).unwrap();
        let tags = exiftool(&input_path);
        for needed in ["GPS:GPSLatitude", "IFD0:Make", "IFD0:Model", "ExifIFD:DateTimeOriginal", "IFD1:ThumbnailImage"]
        {
            assert!(tags.contains_key(needed), "the test input lacks {needed}");
        }
        assert_eq!(tags["IFD0:Orientation"], orientation);

        let photo = f.store.ingest_photo(capture(&wound, monday_10h()), &input).unwrap();
        assert_eq!((photo.display.width, photo.display.height), (640, 480), "orientation {orientation}");
        for rendition in [PhotoRendition::Display, PhotoRendition::Thumbnail] {
            let jpeg = f.store.photo_image(photo.id, rendition).unwrap();
            let (seen, size) = corners(&jpeg);
            let expected = if rendition == PhotoRendition::Display { (640, 480) } else { (320, 240) };
            assert_eq!(size, expected);
            for (c, (got, want)) in seen.iter().zip(CORNER_MARKS).enumerate() {
                assert!(
                    close(*got, want),
                    "orientation {orientation} {rendition:?}: corner {c} is {got:?}, not {want:?}"
                );
            }
            let path = out_dir.path().join(format!("out-{orientation}-{}.jpg", rendition.as_str()));
            std::fs::write(&path, &jpeg).unwrap();
            let tags = exiftool(&path);
            let left: Vec<&String> = tags
                .keys()
                .filter(|k| {
                    !["SourceFile", "ExifTool:", "System:", "File:", "Composite:", "JFIF:"]
                        .iter()
                        .any(|g| k.starts_with(g))
                })
                .collect();
            assert!(left.is_empty(), "orientation {orientation} {rendition:?} keeps metadata: {left:?}");
            assert_eq!(tags["File:YCbCrSubSampling"], "2 2", "4:2:0 output");
        }
    }
}

#[test]
fn a_twelve_megapixel_portrait_photo_is_resized_upright() {
    let (f, d) = seeded(2, 0);
    let wound = open_wound(&f.store, d.residents[0].id);
    let input = camera_jpeg(&Shot { width: 3000, height: 4000, ..Shot::twelve_megapixels(6) });
    let photo = f.store.ingest_photo(capture(&wound, monday_10h()), &input).unwrap();
    assert_eq!((photo.display.width, photo.display.height), (1536, 2048));
    assert_eq!((photo.thumbnail.width, photo.thumbnail.height), (240, 320));
    let (seen, _) = corners(&f.store.photo_image(photo.id, PhotoRendition::Display).unwrap());
    assert!(seen.iter().zip(CORNER_MARKS).all(|(g, w)| close(*g, w)), "{seen:?}");
}

/// A PNG whose header declares `w` × `h` followed by a little compressed data.
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    // A zlib stream of a run of zeros: a few bytes that inflate to megabytes.
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0xda, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00, 0x00, 0xc2, 0xa0, 0xf7, 0x4f, 0x6d, 0x0e],
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn hostile_inputs_get_a_specific_error_and_store_nothing() {
    let (f, d) = seeded(2, 0);
    let wound = open_wound(&f.store, d.residents[0].id);
    let good = camera_jpeg(&Shot { width: 640, height: 480, orientation: 1, quality: 90, seed: 1, exif: true });

    let mut huge = camera_jpeg(&Shot { width: 640, height: 480, orientation: 1, quality: 90, seed: 1, exif: false });
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);

    let mut bad_exif = good.clone();
    let ifd0_offset = bad_exif.windows(4).position(|w| w == b"II*\0").unwrap() + 4;
    bad_exif[ifd0_offset..ifd0_offset + 4].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());

    type Expected = fn(&PhotoError) -> bool;
    let cases: Vec<(&str, Vec<u8>, Expected)> = vec![
        ("zero bytes", vec![], |e| matches!(e, PhotoError::Empty)),
        ("truncated JPEG", good[..good.len() / 2].to_vec(), |e| matches!(e, PhotoError::Malformed(_))),
        ("65535 x 65535 header", huge, |e| {
            matches!(e, PhotoError::DimensionsOutOfRange { width: 65535, height: 65535, .. })
        }),
        ("PNG decompression bomb", png_declaring(30_000, 30_000), |e| {
            matches!(e, PhotoError::DimensionsOutOfRange { width: 30_000, .. })
        }),
        ("PNG whose data outgrows its header", png_declaring(100, 100), |e| matches!(e, PhotoError::Malformed(_))),
        ("not an image", b"%PDF-1.7 compte rendu".to_vec(), |e| matches!(e, PhotoError::NotAnImage)),
        ("corrupt EXIF", bad_exif, |e| matches!(e, PhotoError::CorruptMetadata(_))),
        ("too large a file", vec![0xFF; 41 << 20], |e| matches!(e, PhotoError::FileTooLarge { .. })),
    ];
    let facts_before = count(&f.path(), "facts");
    let outbox_before = count(&f.path(), "outbox");
    for (what, bytes, expected) in cases {
        match f.store.ingest_photo(capture(&wound, monday_10h()), &bytes) {
            Err(CoreError::Photo(e)) => assert!(expected(&e), "{what}: {e:?}"),
            other => panic!("{what}: expected a photo error, got {other:?}"),
        }
    }
    assert_eq!(count(&f.path(), "facts"), facts_before);
    assert_eq!(count(&f.path(), "outbox"), outbox_before);
    assert_eq!(count(&f.path(), "media_blobs"), 0);
    assert!(media_files(&media_dir(&f)).is_empty());

    // A refusal after the files were written (a wound of another resident)
    // leaves no file behind either.
    let mut foreign = capture(&wound, monday_10h());
    foreign.resident_id = d.residents[1].id;
    assert!(matches!(f.store.ingest_photo(foreign, &good), Err(CoreError::InvalidInput { field: "wound_id", .. })));
    assert!(media_files(&media_dir(&f)).is_empty());
    assert_eq!(count(&f.path(), "facts"), facts_before);
}

#[test]
fn photo_files_refuse_tampering_and_never_hold_the_plain_jpeg() {
    let (f, d) = seeded(2, 0);
    let wound = open_wound(&f.store, d.residents[0].id);
    let shot = Shot { width: 2400, height: 1800, orientation: 1, quality: 92, seed: 3, exif: true };
    let input = camera_jpeg(&shot);
    let a = f.store.ingest_photo(capture(&wound, monday_10h()), &input).unwrap();
    let b = f.store.ingest_photo(capture(&wound, monday_10h()), &input).unwrap();
    let display = f.store.photo_image(a.id, PhotoRendition::Display).unwrap();
    let thumbnail = f.store.photo_image(a.id, PhotoRendition::Thumbnail).unwrap();
    assert!(a.display.sealed_len > 3 * 65_536, "the display image spans several chunks: {}", a.display.sealed_len);

    // No window of the plain JPEGs (nor of the camera file) in any file.
    let files = media_files(&media_dir(&f));
    assert_eq!(files.len(), 4);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(!bytes.starts_with(&[0xFF, 0xD8]));
        for plain in [&display, &thumbnail, &input] {
            for at in [plain.len() / 3, plain.len() / 2, plain.len() - 100] {
                assert!(!bytes.windows(48).any(|w| w == &plain[at..at + 48]), "{}", file.display());
            }
        }
    }

    let path = |hash: &str| media_dir(&f).join(hash);
    let original = std::fs::read(path(&a.display.hash)).unwrap();
    let expect_corrupt = |bytes: Vec<u8>, want: fn(&StreamError) -> bool, what: &str| {
        std::fs::write(path(&a.display.hash), bytes).unwrap();
        match f.store.photo_image(a.id, PhotoRendition::Display) {
            Err(CoreError::PhotoFileCorrupt { photo_id, rendition: "display", reason }) => {
                assert_eq!(photo_id, a.id);
                assert!(want(&reason), "{what}: {reason:?}");
            }
            other => panic!("{what}: {other:?}"),
        }
    };
    let mut flipped = original.clone();
    flipped[original.len() / 2] ^= 0x20;
    expect_corrupt(flipped, |r| matches!(r, StreamError::Corrupt { .. }), "flipped byte");
    let chunk = 65_536 + 16;
    let header = chevet_core::crypto::stream::BLOB_HEADER_LEN;
    expect_corrupt(
        original[..header + 2 * chunk].to_vec(),
        |r| matches!(r, StreamError::Truncated { chunks: 2 }),
        "cut",
    );
    let mut swapped = original[..header].to_vec();
    swapped.extend_from_slice(&original[header + chunk..header + 2 * chunk]);
    swapped.extend_from_slice(&original[header..header + chunk]);
    swapped.extend_from_slice(&original[header + 2 * chunk..]);
    expect_corrupt(swapped, |r| matches!(r, StreamError::Corrupt { chunk: 0 }), "swapped chunks");
    // Photo b's file (another content key) in photo a's place.
    let other = std::fs::read(path(&b.display.hash)).unwrap();
    expect_corrupt(other, |r| matches!(r, StreamError::WrongKey), "another photo's key");

    std::fs::remove_file(path(&a.display.hash)).unwrap();
    assert!(matches!(
        f.store.photo_image(a.id, PhotoRendition::Display),
        Err(CoreError::PhotoFileMissing { on_hub: false, rendition: "display", .. })
    ));
    // The other photo is untouched by all this.
    assert!(f.store.photo_image(b.id, PhotoRendition::Display).is_ok());
    assert!(matches!(
        f.store.photo_image(Uuid::now_v7(), PhotoRendition::Thumbnail),
        Err(CoreError::NotFound { kind: "photo", .. })
    ));
}

#[test]
fn files_left_by_an_interrupted_ingest_are_swept_and_photos_kept() {
    let (f, d) = seeded(2, 0);
    let wound = open_wound(&f.store, d.residents[0].id);
    let input = camera_jpeg(&Shot { width: 800, height: 600, orientation: 1, quality: 90, seed: 9, exif: false });
    let photo = f.store.ingest_photo(capture(&wound, monday_10h()), &input).unwrap();
    // What a crash leaves: a file renamed into place whose record never
    // committed, and a half-written temporary file.
    let media = media_dir(&f);
    let orphan = blake3::hash(b"orphan").to_hex().to_string();
    std::fs::write(media.join(&orphan), b"sealed photo whose record never committed").unwrap();
    std::fs::write(media.join("tmp").join("partial"), b"half").unwrap();
    assert_eq!(media_files(&media).len(), 4);

    let f = f.reopen();
    f.store.sign_in(d.nurse.id, chevet_core::demo::DEMO_PIN).unwrap();
    let left = media_files(&media);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(f.store.photo_image(photo.id, PhotoRendition::Display).is_ok());
    assert!(f.store.photo_image(photo.id, PhotoRendition::Thumbnail).is_ok());
    assert_eq!(f.store.sweep_orphan_media().unwrap(), 0);
}

#[test]
fn a_wound_follow_up_shows_area_push_trend_and_the_previous_photo() {
    let (f, d) = seeded(2, 0);
    let resident = d.residents[0].id;
    let wound = open_wound(&f.store, resident);
    let input = camera_jpeg(&Shot { width: 800, height: 600, orientation: 1, quality: 90, seed: 5, exif: true });
    let weeks = [
        (-14, 4.0, 3.0, Exudate::Moderate, TissueType::Slough),
        (-7, 3.0, 2.5, Exudate::Light, TissueType::Granulation),
        (0, 2.0, 1.5, Exudate::Light, TissueType::Granulation),
    ];
    let mut photos = Vec::new();
    for (days, length, width, exudate, tissue) in weeks {
        let at = monday_10h().checked_add((days * 24).hours()).unwrap();
        let assessment = WoundAssessment {
            id: Uuid::now_v7(),
            wound_id: wound.id,
            resident_id: resident,
            length_cm: length,
            width_cm: width,
            depth_cm: None,
            exudate,
            tissue,
            stage: Some(NpiapStage::Stage2),
            comment: None,
            meta: RecordMeta::at(at),
        };
        f.store.record(Fact::WoundAssessment(assessment.clone())).unwrap();
        let mut c = capture(&wound, at);
        c.assessment_id = Some(assessment.id);
        photos.push(f.store.ingest_photo(c, &input).unwrap());
    }
    let follow = f.store.wound_follow_up(wound.id).unwrap();
    let areas: Vec<f64> = follow.assessments.iter().map(|a| a.area_cm2).collect();
    assert_eq!(areas, [12.0, 7.5, 3.0]);
    // PUSH: 12 cm² → 8, 7.5 → 7, 3.0 → 5; exudate 2/1/1; tissue 3/2/2.
    let totals: Vec<u8> = follow.assessments.iter().map(|a| a.push.total).collect();
    assert_eq!(totals, [13, 10, 8]);
    assert_eq!(follow.trend, Trend::Healing);
    assert_eq!(follow.photos.len(), 3);
    let previous = follow.previous_photo().unwrap();
    assert_eq!(previous.id, photos[2].id);
    assert!(previous.on_device);
    assert_eq!(previous.assessment_id, Some(follow.assessments[2].assessment.id));

    // The latest photo entered in error: the ghost overlay falls back to the one before.
    f.store
        .record(Fact::Correction(Correction {
            id: Uuid::now_v7(),
            resident_id: resident,
            target_id: photos[2].id,
            reason: "mauvais résident".into(),
            meta: RecordMeta::at(monday_10h()),
        }))
        .unwrap();
    assert_eq!(f.store.wound_follow_up(wound.id).unwrap().previous_photo().unwrap().id, photos[1].id);
}
