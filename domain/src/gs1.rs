//! The GS1 Data Matrix of a medicine box, read at the bedside.
//!
//! Since the Falsified Medicines Directive (2019) a box sold in France
//! carries a GS1 Data Matrix with the product (AI 01: a GTIN-14, which for a
//! French medicine is `0` + its CIP13, `03400…`), the serial number (21), the
//! lot (10) and the expiry date (17, YYMMDD, day `00` meaning the month's last
//! day). A scanner hands over the element string: fixed-length elements run
//! on, variable-length ones end at a group separator (GS, 0x1D, the FNC1 of
//! the symbol) or at the end; some prefix the symbology identifier `]d2`,
//! some print the human-readable form `(01)…(17)…`. All three are read.
//!
//! What the administration checks, on the tablet and again on the hub: the
//! box is the prescribed product and is not past its expiry date.

use jiff::civil::Date;

use crate::error::{DomainError, Result};

/// The group separator that ends a variable-length element (FNC1).
pub const GS: char = '\u{1d}';

/// What a medicine box's Data Matrix says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicineBox {
    /// GTIN-14, check digit verified.
    pub gtin: String,
    pub lot: Option<String>,
    /// The last day the medicine may be used.
    pub expiry: Option<Date>,
    pub serial: Option<String>,
}

/// The application identifiers a medicine box may carry: (AI, fixed length
/// or None for variable, maximum length, numeric).
const AIS: &[(&str, Option<usize>, usize, bool)] = &[
    ("00", Some(18), 18, true),
    ("01", Some(14), 14, true),
    ("02", Some(14), 14, true),
    ("10", None, 20, false),
    ("11", Some(6), 6, true),
    ("12", Some(6), 6, true),
    ("13", Some(6), 6, true),
    ("15", Some(6), 6, true),
    ("16", Some(6), 6, true),
    ("17", Some(6), 6, true),
    ("20", Some(2), 2, true),
    ("21", None, 20, false),
    ("22", None, 20, false),
    ("240", None, 30, false),
    ("241", None, 30, false),
    // National healthcare reimbursement numbers (NHRN), in some countries' packs.
    ("710", None, 20, false),
    ("711", None, 20, false),
    ("712", None, 20, false),
    ("713", None, 20, false),
    ("714", None, 20, false),
    ("715", None, 20, false),
];

const MAX_SCAN_CHARS: usize = 200;

fn bad(reason: &'static str) -> DomainError {
    DomainError::invalid("medicine box", reason)
}

/// Whether `digits` (all ASCII digits) ends with its GS1 mod-10 check digit.
pub fn check_digit_ok(digits: &str) -> bool {
    let Some((body, check)) = digits.len().checked_sub(1).map(|n| digits.split_at(n)) else { return false };
    if body.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // Weights 3, 1, 3, … from the digit next to the check digit leftwards.
    let sum: u32 =
        body.bytes().rev().enumerate().map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 3 } else { 1 }).sum();
    (10 - sum % 10) % 10 == (check.as_bytes()[0] - b'0') as u32
}

/// A product code as a GTIN-14: a GTIN-8/12/13/14 or a CIP13, left-padded
/// with zeros; None when it is not digits with a right check digit.
pub fn as_gtin14(code: &str) -> Option<String> {
    let code = code.trim();
    if !(8..=14).contains(&code.len()) || !check_digit_ok(code) {
        return None;
    }
    Some(format!("{code:0>14}"))
}

/// YYMMDD as GS1 reads it: the century that puts the year within 49 years
/// back and 50 years ahead of `today`; day 00 is the month's last day.
fn gs1_date(yymmdd: &str, today: Date) -> Result<Date> {
    let n = |r: std::ops::Range<usize>| yymmdd[r].parse::<i16>().map_err(|_| bad("unreadable date"));
    let (yy, mm, dd) = (n(0..2)?, n(2..4)?, n(4..6)?);
    let this = today.year() % 100;
    let century = today.year() - this;
    let year = match yy - this {
        d if d >= 51 => century - 100 + yy,
        d if d <= -50 => century + 100 + yy,
        _ => century + yy,
    };
    let month = i8::try_from(mm).ok().filter(|m| (1..=12).contains(m)).ok_or(bad("unreadable date"))?;
    let first = Date::new(year, month, 1).map_err(|_| bad("unreadable date"))?;
    if dd == 0 {
        return Ok(first.last_of_month());
    }
    let day = i8::try_from(dd).map_err(|_| bad("unreadable date"))?;
    Date::new(year, month, day).map_err(|_| bad("unreadable date"))
}

impl MedicineBox {
    /// Reads a scanned element string; `today` places two-digit years.
    pub fn parse(scan: &str, today: Date) -> Result<MedicineBox> {
        if scan.len() > MAX_SCAN_CHARS {
            return Err(bad("too long for a medicine box"));
        }
        let s = scan.trim_matches(|c: char| c == '\r' || c == '\n' || c == ' ');
        let s = s.strip_prefix("]d2").or_else(|| s.strip_prefix("]C1")).or_else(|| s.strip_prefix("]Q3")).unwrap_or(s);
        let elements = if s.starts_with('(') { human_readable(s)? } else { element_string(s.trim_start_matches(GS))? };

        let mut gtin = None;
        let (mut lot, mut expiry, mut serial) = (None, None, None);
        for (ai, value) in elements {
            let slot = match ai {
                "01" => &mut gtin,
                "10" => &mut lot,
                "17" => &mut expiry,
                "21" => &mut serial,
                _ => continue, // other elements say nothing the bedside checks
            };
            if slot.replace(value).is_some() {
                return Err(bad("an element appears twice"));
            }
        }
        let gtin = gtin.ok_or(bad("no product code (AI 01)"))?;
        if !check_digit_ok(&gtin) {
            return Err(bad("the product code's check digit is wrong"));
        }
        let expiry = expiry.map(|d| gs1_date(&d, today)).transpose()?;
        Ok(MedicineBox { gtin, lot, expiry, serial })
    }

    /// The CIP13 of a French medicine (`03400…` GTINs), if this is one.
    pub fn cip13(&self) -> Option<&str> {
        self.gtin.strip_prefix('0').filter(|c| c.starts_with("3400"))
    }

    /// Refuses a box that is not `expected` (a GTIN or CIP13, as on the
    /// prescription line) or is past its expiry on `day`.
    pub fn check(&self, expected: Option<&str>, day: Date) -> Result<()> {
        if let Some(expected) = expected {
            let expected = as_gtin14(expected).ok_or(bad("the prescribed product code is not a GTIN or CIP13"))?;
            if expected != self.gtin {
                return Err(DomainError::invalid(
                    "administration.barcode",
                    "the scanned box is not the prescribed product",
                ));
            }
        }
        if self.expiry.is_some_and(|last_day| last_day < day) {
            return Err(DomainError::invalid("administration.barcode", "the scanned box is past its expiry date"));
        }
        Ok(())
    }
}

/// Reads `01034009…17271231` + GS + … into (AI, value) pairs.
fn element_string(mut s: &str) -> Result<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    while !s.is_empty() {
        let &(ai, fixed, max, numeric) =
            AIS.iter().find(|(ai, ..)| s.starts_with(ai)).ok_or(bad("an element the reader does not know"))?;
        let rest = &s[ai.len()..];
        let (value, next) = match fixed {
            Some(n) => {
                let value = rest.get(..n).ok_or(bad("an element is cut short"))?;
                // A separator after a fixed-length element is allowed, not needed.
                (value, rest[n..].strip_prefix(GS).unwrap_or(&rest[n..]))
            }
            None => match rest.find(GS) {
                Some(end) => (&rest[..end], &rest[end + 1..]),
                None => (rest, ""),
            },
        };
        out.push((ai, element(value, max, numeric)?));
        s = next;
    }
    Ok(out)
}

/// Reads `(01)03400…(17)271231(10)AB12` into (AI, value) pairs.
fn human_readable(s: &str) -> Result<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    for part in s.split('(').skip(1) {
        let (ai, value) = part.split_once(')').ok_or(bad("an element without its closing parenthesis"))?;
        let &(ai, fixed, max, numeric) =
            AIS.iter().find(|(known, ..)| *known == ai).ok_or(bad("an element the reader does not know"))?;
        if fixed.is_some_and(|n| n != value.len()) {
            return Err(bad("an element is cut short"));
        }
        out.push((ai, element(value, max, numeric)?));
    }
    if out.is_empty() {
        return Err(bad("not a GS1 element string"));
    }
    Ok(out)
}

fn element(value: &str, max: usize, numeric: bool) -> Result<String> {
    if value.is_empty() || value.len() > max {
        return Err(bad("an element is empty or too long"));
    }
    // GS1's character set 82 for text elements: printable ASCII.
    let ok =
        if numeric { value.bytes().all(|b| b.is_ascii_digit()) } else { value.bytes().all(|b| b.is_ascii_graphic()) };
    if !ok {
        return Err(bad("an element has characters GS1 does not allow"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 12, 5);
    /// Doliprane 1000 mg, 8 tablets: CIP13 3400935955838.
    const GTIN: &str = "03400935955838";

    fn reason(e: DomainError) -> &'static str {
        match e {
            DomainError::InvalidInput { reason, .. } => reason,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn a_french_box_in_every_form_a_scanner_gives() {
        let expected = MedicineBox {
            gtin: GTIN.into(),
            lot: Some("AB12C".into()),
            expiry: Some(date(2027, 11, 30)),
            serial: Some("8XK2P9QW1".into()),
        };
        for scan in [
            format!("01{GTIN}21{}{GS}1727113010AB12C", "8XK2P9QW1"),
            format!("]d2{GS}01{GTIN}1727113010AB12C{GS}218XK2P9QW1"),
            format!("01{GTIN}{GS}17271130{GS}10AB12C{GS}218XK2P9QW1\r\n"),
            format!("(01){GTIN}(17)271130(10)AB12C(21)8XK2P9QW1"),
            // Day 00: the month's last day.
            format!("01{GTIN}1727110010AB12C{GS}218XK2P9QW1"),
        ] {
            assert_eq!(MedicineBox::parse(&scan, TODAY).unwrap(), expected, "{scan:?}");
        }
        let b = MedicineBox::parse(&format!("01{GTIN}"), TODAY).unwrap();
        assert_eq!(b.cip13(), Some("3400935955838"));
        assert_eq!((b.lot, b.expiry, b.serial), (None, None, None));
        // Elements the bedside does not need are read past.
        let b = MedicineBox::parse(&format!("01{GTIN}11250101714ABC123{GS}10L1"), TODAY).unwrap();
        assert_eq!(b.lot.as_deref(), Some("L1"));
    }

    #[test]
    fn check_digits_and_gtin_forms() {
        assert!(check_digit_ok(GTIN));
        assert!(check_digit_ok("3400935955838"));
        assert!(check_digit_ok("4006381333931"));
        assert!(!check_digit_ok("3400935955837"));
        assert!(!check_digit_ok("7"));
        assert!(!check_digit_ok("34009359558a8"));
        assert_eq!(as_gtin14("3400935955838").as_deref(), Some(GTIN));
        assert_eq!(as_gtin14(GTIN).as_deref(), Some(GTIN));
        assert_eq!(as_gtin14("3400935955839"), None);
        assert_eq!(as_gtin14("12"), None);
    }

    #[test]
    fn two_digit_years_fall_in_the_window() {
        assert_eq!(gs1_date("991231", TODAY).unwrap(), date(1999, 12, 31));
        assert_eq!(gs1_date("760101", TODAY).unwrap(), date(2076, 1, 1));
        assert_eq!(gs1_date("770101", TODAY).unwrap(), date(1977, 1, 1));
        assert_eq!(gs1_date("280200", TODAY).unwrap(), date(2028, 2, 29));
        for bad in ["271301", "270230", "27a101"] {
            assert!(gs1_date(bad, TODAY).is_err(), "{bad}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_its_reason() {
        for (scan, why) in [
            (String::new(), "no product code (AI 01)"),
            (format!("10LOT{GS}1727113 0"), "an element has characters GS1 does not allow"),
            ("0103400935955837".to_owned(), "the product code's check digit is wrong"),
            ("01034009359558".to_owned(), "an element is cut short"),
            (format!("01{GTIN}99ABC"), "an element the reader does not know"),
            (format!("01{GTIN}01{GTIN}"), "an element appears twice"),
            (format!("01{GTIN}10{}", "X".repeat(21)), "an element is empty or too long"),
            (format!("01{GTIN}10{GS}17271130"), "an element is empty or too long"),
            (format!("01{GTIN}17271301"), "unreadable date"),
            (format!("(01){GTIN}(17)2711"), "an element is cut short"),
            (format!("(01{GTIN}"), "an element without its closing parenthesis"),
            ("X".repeat(MAX_SCAN_CHARS + 1), "too long for a medicine box"),
        ] {
            assert_eq!(reason(MedicineBox::parse(&scan, TODAY).unwrap_err()), why, "{scan:?}");
        }
    }

    #[test]
    fn the_prescribed_box_in_date_passes_the_wrong_or_expired_one_does_not() {
        let b = MedicineBox::parse(&format!("01{GTIN}17271130"), TODAY).unwrap();
        b.check(Some("3400935955838"), TODAY).unwrap();
        b.check(Some(GTIN), date(2027, 11, 30)).unwrap();
        b.check(None, TODAY).unwrap();
        assert_eq!(
            reason(b.check(Some("3400930000007"), TODAY).unwrap_err()),
            "the scanned box is not the prescribed product"
        );
        assert_eq!(
            reason(b.check(Some(GTIN), date(2027, 12, 1)).unwrap_err()),
            "the scanned box is past its expiry date"
        );
        assert_eq!(
            reason(b.check(Some("3400930000008"), TODAY).unwrap_err()),
            "the prescribed product code is not a GTIN or CIP13"
        );
    }
}
