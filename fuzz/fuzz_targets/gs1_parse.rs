//! The GS1 reader (a medicine box's Data Matrix, as scanned): any text is
//! read or refused with an error, never a panic; what it reads is a box.
#![no_main]

use chevet_core::domain::gs1::MedicineBox;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(scan) = std::str::from_utf8(data) else { return };
    let today = jiff::civil::date(2026, 12, 6);
    if let Ok(b) = MedicineBox::parse(scan, today) {
        // A GTIN-14 (or a CIP-13 within one), digits only.
        assert!(b.gtin.len() <= 14 && !b.gtin.is_empty() && b.gtin.bytes().all(|c| c.is_ascii_digit()), "{b:?}");
        for text in [&b.lot, &b.serial].into_iter().flatten() {
            assert!(text.len() <= 20 && !text.contains(chevet_core::domain::gs1::GS), "{b:?}");
        }
    }
});
