//! Photo ingest on arbitrary bytes: an error or two renditions, never a
//! panic, and memory bounded by the limits (run with -rss_limit_mb).
#![no_main]

use chevet_core::media::{DISPLAY_LONG_SIDE, PhotoLimits, prepare};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Smaller than the defaults so each run stays fast; the code paths are the same.
    let limits = PhotoLimits { max_pixels: 4_000_000, max_side: 4_000, ..PhotoLimits::default() };
    if let Ok(photo) = prepare(data, &limits) {
        assert!(photo.display.width.max(photo.display.height) <= DISPLAY_LONG_SIDE);
        assert!(photo.display.jpeg.starts_with(&[0xFF, 0xD8]));
    }
});
