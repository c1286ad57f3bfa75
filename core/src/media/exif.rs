//! The one EXIF field ingest needs: the orientation (tag 0x0112 of IFD0).
//!
//! Everything else in EXIF (GPS, make, model, dates, the embedded
//! thumbnail) is dropped by re-encoding from pixels; this reader only looks
//! for which way is up, and checks every offset against the block, since the
//! block comes from the camera app, or from anyone.

use super::PhotoError;

const TAG_ORIENTATION: u16 = 0x0112;
const TYPE_SHORT: u16 = 3;
/// A camera's IFD0 holds a dozen entries; a few hundred is already hostile.
const MAX_IFD0_ENTRIES: usize = 512;

/// EXIF orientation 1–8 (1: upright). `data` starts at the TIFF header, as
/// in a JPEG's APP1 after "Exif\0\0" or a PNG's eXIf chunk. `Ok(None)` when
/// the block has no orientation.
pub fn orientation(data: &[u8]) -> Result<Option<u8>, PhotoError> {
    let corrupt = |why: &'static str| PhotoError::CorruptMetadata(why);
    let little = match data.get(..4) {
        Some([b'I', b'I', 42, 0]) => true,
        Some([b'M', b'M', 0, 42]) => false,
        _ => return Err(corrupt("EXIF block without a TIFF header")),
    };
    let u16_at = |at: usize| -> Result<u16, PhotoError> {
        let b: [u8; 2] =
            data.get(at..at + 2).and_then(|s| s.try_into().ok()).ok_or(corrupt("EXIF offset outside its block"))?;
        Ok(if little { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) })
    };
    let u32_at = |at: usize| -> Result<u32, PhotoError> {
        let b: [u8; 4] =
            data.get(at..at + 4).and_then(|s| s.try_into().ok()).ok_or(corrupt("EXIF offset outside its block"))?;
        Ok(if little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };
    let ifd0 = u32_at(4)? as usize;
    if ifd0 < 8 {
        return Err(corrupt("EXIF IFD0 offset inside the TIFF header"));
    }
    let count = u16_at(ifd0)? as usize;
    if count > MAX_IFD0_ENTRIES || ifd0 + 2 + count * 12 > data.len() {
        return Err(corrupt("EXIF IFD0 runs past its block"));
    }
    for i in 0..count {
        let entry = ifd0 + 2 + i * 12;
        if u16_at(entry)? != TAG_ORIENTATION {
            continue;
        }
        if u16_at(entry + 2)? != TYPE_SHORT || u32_at(entry + 4)? != 1 {
            return Err(corrupt("EXIF orientation is not one short"));
        }
        return match u16_at(entry + 8)? {
            v @ 1..=8 => Ok(Some(v as u8)),
            _ => Err(corrupt("EXIF orientation outside 1-8")),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiff(little: bool, entries: &[(u16, u16, u32, u32)]) -> Vec<u8> {
        let w16 = |v: u16| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let w32 = |v: u32| if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut t = if little { b"II*\0".to_vec() } else { b"MM\0*".to_vec() };
        t.extend_from_slice(&w32(8));
        t.extend_from_slice(&w16(entries.len() as u16));
        for &(tag, ty, count, value) in entries {
            t.extend_from_slice(&w16(tag));
            t.extend_from_slice(&w16(ty));
            t.extend_from_slice(&w32(count));
            // A SHORT value sits in the first two bytes of the value field.
            if ty == TYPE_SHORT {
                t.extend_from_slice(&w16(value as u16));
                t.extend_from_slice(&[0, 0]);
            } else {
                t.extend_from_slice(&w32(value));
            }
        }
        t.extend_from_slice(&w32(0));
        t
    }

    #[test]
    fn reads_each_orientation_in_both_byte_orders() {
        for little in [true, false] {
            for o in 1..=8u32 {
                let t = tiff(little, &[(0x010f, 2, 4, 0), (TAG_ORIENTATION, TYPE_SHORT, 1, o)]);
                assert_eq!(orientation(&t).unwrap(), Some(o as u8));
            }
            assert_eq!(orientation(&tiff(little, &[(0x010f, 2, 4, 0)])).unwrap(), None);
        }
    }

    #[test]
    fn hostile_blocks_get_a_specific_error() {
        let good = tiff(true, &[(TAG_ORIENTATION, TYPE_SHORT, 1, 6)]);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"XX*\0\x08\0\0\0".to_vec(), "TIFF header"),
            (good[..6].to_vec(), "outside"),
            (good[..12].to_vec(), "past its block"),
            (
                {
                    let mut t = good.clone();
                    t[4] = 0xff;
                    t
                },
                "outside",
            ),
            (
                {
                    let mut t = good.clone();
                    t[4] = 2;
                    t
                },
                "inside the TIFF header",
            ),
            (
                {
                    let mut t = good.clone();
                    t[8] = 0xff;
                    t[9] = 0xff;
                    t
                },
                "past its block",
            ),
            (tiff(true, &[(TAG_ORIENTATION, TYPE_SHORT, 1, 9)]), "outside 1-8"),
            (tiff(true, &[(TAG_ORIENTATION, TYPE_SHORT, 1, 0)]), "outside 1-8"),
            (tiff(true, &[(TAG_ORIENTATION, 4, 1, 1)]), "one short"),
        ];
        for (block, why) in cases {
            match orientation(&block) {
                Err(PhotoError::CorruptMetadata(w)) => assert!(w.contains(why), "{w} vs {why}"),
                other => panic!("expected corrupt metadata ({why}), got {other:?}"),
            }
        }
    }
}
