//! Photo ingest against `vipsthumbnail`, side by side in one run.
//!
//! Run: `cargo bench -p chevet-core --bench photo` (needs Debian's
//! libvips-tools and /usr/bin/time).
//!
//! Input: a 12-megapixel camera-like JPEG (4:2:0, quality 92, portrait
//! orientation 6, a phone's EXIF). Ours: the whole `Store::ingest_photo`
//! (decode, upright, 2048 px display + 320 px thumbnail at quality 85,
//! both encrypted, written and recorded), single-threaded. Reference: the
//! two `vipsthumbnail` calls that make the same two sizes from the same
//! file at the same quality, with `VIPS_CONCURRENCY=1`. Peak memory of each
//! is measured in its own process by /usr/bin/time.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chevet_core::crypto::KekVault;
use chevet_core::crypto::vault::Argon2Cost;
use chevet_core::demo::camera::{Shot, camera_jpeg};
use chevet_core::domain::{NpiapStage, PhotoConsent, Wound, WoundKind};
use chevet_core::store::{ManualClock, PhotoCapture, PhotoRendition};
use chevet_core::{Store, StoreOptions};
use jiff::Timestamp;
use uuid::Uuid;

const RUNS: usize = 15;

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct Bed {
    _dir: tempfile::TempDir,
    store: Store,
    capture: PhotoCapture,
}

fn bed() -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        clock: Arc::new(ManualClock::new(now())),
        pin_cost: Argon2Cost::MINIMUM,
        ..StoreOptions::default()
    };
    let store = Store::open(dir.path().join("chevet.db"), &KekVault::new([7; 32]), options).unwrap();
    let demo = chevet_core::demo::seed(&store, 1, 1, 0).unwrap();
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: demo.residents[0].id,
        kind: WoundKind::PressureInjury,
        site: "sacrum".into(),
        stage: Some(NpiapStage::Stage3),
        opened_on: "2026-11-01".parse().unwrap(),
        healed_on: None,
    };
    store.save_wound(&wound, None).unwrap();
    let capture = PhotoCapture {
        resident_id: wound.resident_id,
        wound_id: wound.id,
        assessment_id: None,
        body_site: "sacrum".into(),
        scale_marker: true,
        consent: PhotoConsent::Resident,
        taken_at: now(),
    };
    Bed { _dir: dir, store, capture }
}

/// Peak resident memory (MB) of a command, by /usr/bin/time.
fn peak_mb(cmd: &mut Command) -> f64 {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    let kb: f64 = err.lines().rev().find_map(|l| l.trim().strip_prefix("peak_kb=")).unwrap().parse().unwrap();
    kb / 1024.0
}

fn vips(input: &Path, size: u32, output: &Path) -> Command {
    let mut c = Command::new("vipsthumbnail");
    c.env("VIPS_CONCURRENCY", "1")
        .arg(input)
        .args(["-s", &size.to_string(), "-o"])
        .arg(format!("{}[Q=85,strip]", output.display()));
    c
}

/// Chroma subsampling of a baseline JPEG, from its SOF0 (luma h×v factors).
fn subsampling(jpeg: &[u8]) -> &'static str {
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    match jpeg[sof + 11] {
        0x22 => "4:2:0",
        0x21 => "4:2:2",
        0x11 => "4:4:4",
        _ => "other",
    }
}

fn main() {
    // Child mode: one ingest in a fresh process, for its peak memory.
    if let Some(path) = std::env::var_os("CHEVET_BENCH_INGEST_ONCE") {
        let input = std::fs::read(path).unwrap();
        let b = bed();
        b.store.ingest_photo(b.capture.clone(), &input).unwrap();
        return;
    }
    if std::env::var_os("CHEVET_BENCH_BASELINE").is_some() {
        bed();
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let input_path = work.path().join("camera.jpg");
    let input = camera_jpeg(&Shot::twelve_megapixels(6));
    std::fs::write(&input_path, &input).unwrap();
    println!(
        "input: 12 MP (4000 x 3000 upright, stored 3000 x 4000 with orientation 6), {} bytes, {}",
        input.len(),
        subsampling(&input)
    );

    let b = bed();
    b.store.ingest_photo(b.capture.clone(), &input).unwrap(); // warm-up
    let (disp_out, thumb_out) = (work.path().join("vips-display.jpg"), work.path().join("vips-thumb.jpg"));
    vips(&input_path, 2048, &disp_out).status().unwrap();

    // Interleaved, so both see the same machine load.
    let mut ours = Vec::new();
    let mut prepare_only = Vec::new();
    let mut theirs = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        last = Some(b.store.ingest_photo(b.capture.clone(), &input).unwrap());
        ours.push(t.elapsed());
        let t = Instant::now();
        chevet_core::media::prepare(&input, &Default::default()).unwrap();
        prepare_only.push(t.elapsed());
        let t = Instant::now();
        assert!(vips(&input_path, 2048, &disp_out).status().unwrap().success());
        assert!(vips(&input_path, 320, &thumb_out).status().unwrap().success());
        theirs.push(t.elapsed());
    }
    let photo = last.unwrap();
    // Each run's ratio is taken from two measurements made seconds apart,
    // so a shared machine's load drifting over the bench cancels out.
    let mut ratios: Vec<f64> = ours.iter().zip(&theirs).map(|(o, t)| ms(*o) / ms(*t)).collect();
    ratios.sort_by(f64::total_cmp);
    let (ours, prepare_only, theirs) = (median(ours), median(prepare_only), median(theirs));
    println!("whole ingest (encrypted, stored, recorded)  median {:7.1} ms", ms(ours));
    println!("  of which decode + resize + encode         median {:7.1} ms", ms(prepare_only));
    println!("vipsthumbnail x 2 (2048 + 320, Q85)         median {:7.1} ms", ms(theirs));
    println!(
        "ratio ours / vips, per run: median {:.3}, quartiles {:.3}-{:.3}, range {:.3}-{:.3} (goal <= 0.35)",
        ratios[RUNS / 2],
        ratios[RUNS / 4],
        ratios[RUNS * 3 / 4],
        ratios[0],
        ratios[RUNS - 1]
    );

    let display = b.store.photo_image(photo.id, PhotoRendition::Display).unwrap();
    let thumb = b.store.photo_image(photo.id, PhotoRendition::Thumbnail).unwrap();
    let (vd, vt) = (std::fs::read(&disp_out).unwrap(), std::fs::read(&thumb_out).unwrap());
    println!(
        "display: ours {} bytes {} {}x{}, vips {} bytes {}",
        display.len(),
        subsampling(&display),
        photo.display.width,
        photo.display.height,
        vd.len(),
        subsampling(&vd)
    );
    println!(
        "thumbnail: ours {} bytes {} {}x{}, vips {} bytes {}",
        thumb.len(),
        subsampling(&thumb),
        photo.thumbnail.width,
        photo.thumbnail.height,
        vt.len(),
        subsampling(&vt)
    );

    let reads: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            b.store.photo_image(photo.id, PhotoRendition::Thumbnail).unwrap();
            t.elapsed()
        })
        .collect();
    println!("thumbnail read (decrypt + verify) median {:.3} ms (goal <= 5)", ms(median(reads)));
    let reads: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            b.store.photo_image(photo.id, PhotoRendition::Display).unwrap();
            t.elapsed()
        })
        .collect();
    println!("display read (decrypt + verify + audit) median {:.3} ms", ms(median(reads)));

    let exe = std::env::current_exe().unwrap();
    let ours_peak = peak_mb(
        Command::new("/usr/bin/time").args(["-f", "peak_kb=%M"]).arg(&exe).env("CHEVET_BENCH_INGEST_ONCE", &input_path),
    );
    let baseline =
        peak_mb(Command::new("/usr/bin/time").args(["-f", "peak_kb=%M"]).arg(&exe).env("CHEVET_BENCH_BASELINE", "1"));
    let v = vips(&input_path, 2048, &disp_out);
    let vips_peak = peak_mb(
        Command::new("/usr/bin/time")
            .args(["-f", "peak_kb=%M"])
            .arg(v.get_program())
            .args(v.get_args())
            .envs(v.get_envs().filter_map(|(k, val)| val.map(|val| (k, val)))),
    );
    println!("peak memory: ours {ours_peak:.1} MB for the whole process (goal <= 64), of which {baseline:.1} MB");
    println!("  with the store open and no photo; vips (2048 call) {vips_peak:.1} MB");
}
