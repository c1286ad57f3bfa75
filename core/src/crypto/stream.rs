//! Chunked streaming AEAD for photos (STREAM construction, Hoang, Reyhanitabar,
//! Rogaway and Vizár 2015, over XChaCha20-Poly1305).
//!
//! ```text
//! bytes 0..4    magic "CHVB"
//! byte  4       format version (BLOB_V1)
//! byte  5       log2 of the plaintext chunk size (16: 64 KiB)
//! bytes 6..14   key check: keyed BLAKE3 of a fixed context, 8 bytes
//! bytes 14..33  random nonce prefix, 19 bytes
//! then          chunks: up to `chunk size` ciphertext bytes + 16-byte tag
//! ```
//!
//! Chunk `i`'s nonce is `prefix ‖ i (u32, big-endian) ‖ last flag (0 or 1)`,
//! and every chunk's associated data is the header plus the blob's binding
//! (photo id and role). So a flipped byte, two chunks swapped, a chunk
//! dropped, the file cut at any point (the new last chunk was not sealed as
//! last), a display image served as a thumbnail, or another photo's key each
//! fail, and each failure says which. A blob whose plaintext is an exact
//! multiple of the chunk size ends with a full chunk flagged last; an empty
//! plaintext is one empty last chunk.
//!
//! ```
//! use chevet_core::crypto::stream::{BlobBinding, BlobKey, seal, open};
//! let key = BlobKey::generate().unwrap();
//! let binding = BlobBinding { photo_id: uuid::Uuid::now_v7(), role: 1 };
//! let sealed = seal(&key, &binding, b"JPEG bytes").unwrap();
//! assert_eq!(open(&key, &binding, &sealed).unwrap(), b"JPEG bytes");
//! ```

use std::io::{Read, Write};

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use uuid::Uuid;

use super::tag_from;

pub const BLOB_MAGIC: &[u8; 4] = b"CHVB";
pub const BLOB_V1: u8 = 1;
/// 64 KiB: small enough to stream a thumbnail in one or two chunks, large
/// enough that the per-chunk tag costs 0.02 % of a display image.
pub const CHUNK_LOG2: u8 = 16;
const KEY_CHECK_LEN: usize = 8;
const PREFIX_LEN: usize = 19;
const TAG_LEN: usize = 16;
pub const BLOB_HEADER_LEN: usize = 4 + 1 + 1 + KEY_CHECK_LEN + PREFIX_LEN;
const AD_DOMAIN: &[u8] = b"chevet.blob.v1";
const KEY_CHECK_CONTEXT: &[u8; 32] = b"chevet 2026-11 blob key check v1";
/// Chunk sizes a reader accepts (4 KiB to 1 MiB), so a hostile header
/// cannot make it allocate more.
const CHUNK_LOG2_RANGE: std::ops::RangeInclusive<u8> = 12..=20;

pub use chevet_domain::photo::BlobKey;

/// The few bytes of a blob's header that tell a wrong key from a damaged blob.
fn key_check(key: &BlobKey) -> [u8; KEY_CHECK_LEN] {
    let h = blake3::keyed_hash(key.as_bytes(), KEY_CHECK_CONTEXT);
    let mut c = [0u8; KEY_CHECK_LEN];
    c.copy_from_slice(&h.as_bytes()[..KEY_CHECK_LEN]);
    c
}

/// What a blob is: which photo, and which rendition (display, thumbnail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobBinding {
    pub photo_id: Uuid,
    pub role: u8,
}

/// Why a blob did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("not an encrypted blob")]
    NotABlob,
    #[error("unsupported blob version {0}")]
    UnsupportedVersion(u8),
    #[error("blob chunk size out of range")]
    BadChunkSize,
    #[error("the blob was sealed under another key")]
    WrongKey,
    #[error("blob chunk {chunk} failed authentication")]
    Corrupt { chunk: u32 },
    #[error("blob cut short after chunk {chunks}")]
    Truncated { chunks: u32 },
    #[error("blob too large for its chunk counter")]
    TooLarge,
    #[error("random source failed")]
    Random,
    #[error("blob read or write failed: {0}")]
    Io(std::io::ErrorKind),
}

fn nonce(prefix: &[u8], chunk: u32, last: bool) -> XNonce {
    let mut n = [0u8; 24];
    n[..PREFIX_LEN].copy_from_slice(prefix);
    n[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&chunk.to_be_bytes());
    n[23] = u8::from(last);
    n.into()
}

fn associated_data(header: &[u8], binding: &BlobBinding) -> Vec<u8> {
    let mut ad = Vec::with_capacity(BLOB_HEADER_LEN + AD_DOMAIN.len() + 17);
    ad.extend_from_slice(header);
    ad.extend_from_slice(AD_DOMAIN);
    ad.extend_from_slice(binding.photo_id.as_bytes());
    ad.push(binding.role);
    ad
}

/// Length of the sealed form of `plaintext_len` bytes.
pub fn sealed_len(plaintext_len: usize) -> usize {
    let chunk = 1usize << CHUNK_LOG2;
    let chunks = plaintext_len.div_ceil(chunk).max(1);
    BLOB_HEADER_LEN + plaintext_len + chunks * TAG_LEN
}

/// Encrypts `plaintext` into a new blob.
pub fn seal(key: &BlobKey, binding: &BlobBinding, plaintext: &[u8]) -> Result<Vec<u8>, StreamError> {
    let chunk = 1usize << CHUNK_LOG2;
    let chunks = plaintext.len().div_ceil(chunk).max(1);
    if chunks > u32::MAX as usize {
        return Err(StreamError::TooLarge);
    }
    let mut out = Vec::with_capacity(sealed_len(plaintext.len()));
    out.extend_from_slice(BLOB_MAGIC);
    out.push(BLOB_V1);
    out.push(CHUNK_LOG2);
    out.extend_from_slice(&key_check(key));
    let mut prefix = [0u8; PREFIX_LEN];
    super::random_bytes(&mut prefix).map_err(|_| StreamError::Random)?;
    out.extend_from_slice(&prefix);
    let ad = associated_data(&out, binding);
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    for i in 0..chunks {
        let start = i * chunk;
        let end = (start + chunk).min(plaintext.len());
        let at = out.len();
        out.extend_from_slice(&plaintext[start..end]);
        let tag = cipher
            .encrypt_inout_detached(&nonce(&prefix, i as u32, i + 1 == chunks), &ad, (&mut out[at..]).into())
            .map_err(|_| StreamError::TooLarge)?;
        out.extend_from_slice(&tag);
    }
    Ok(out)
}

/// Decrypts a whole blob held in memory.
pub fn open(key: &BlobKey, binding: &BlobBinding, sealed: &[u8]) -> Result<Vec<u8>, StreamError> {
    let mut out = Vec::with_capacity(sealed.len());
    open_stream(key, binding, sealed, &mut out)?;
    Ok(out)
}

/// Fills `buf` from `r`, returning how many bytes were read (short only at EOF).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, StreamError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(StreamError::Io(e.kind())),
        }
    }
    Ok(n)
}

/// Decrypts a blob from `reader` chunk by chunk into `writer`, holding two
/// chunks in memory. On error `writer` may hold the chunks that verified
/// before it: callers discard what they wrote.
pub fn open_stream(
    key: &BlobKey,
    binding: &BlobBinding,
    mut reader: impl Read,
    mut writer: impl Write,
) -> Result<u64, StreamError> {
    let mut header = [0u8; BLOB_HEADER_LEN];
    if read_full(&mut reader, &mut header)? < BLOB_HEADER_LEN || &header[..4] != BLOB_MAGIC {
        return Err(StreamError::NotABlob);
    }
    if header[4] != BLOB_V1 {
        return Err(StreamError::UnsupportedVersion(header[4]));
    }
    if !CHUNK_LOG2_RANGE.contains(&header[5]) {
        return Err(StreamError::BadChunkSize);
    }
    if header[6..6 + KEY_CHECK_LEN] != key_check(key) {
        return Err(StreamError::WrongKey);
    }
    let prefix = &header[6 + KEY_CHECK_LEN..];
    let ad = associated_data(&header, binding);
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    let sealed_chunk = (1usize << header[5]) + TAG_LEN;
    // Two buffers: a chunk is known to be the last only once the next read
    // comes back empty.
    let mut current = vec![0u8; sealed_chunk];
    let mut next = vec![0u8; sealed_chunk];
    let mut current_len = read_full(&mut reader, &mut current)?;
    let mut index: u32 = 0;
    let mut written = 0u64;
    loop {
        if current_len < TAG_LEN {
            return Err(if index == 0 {
                StreamError::Truncated { chunks: 0 }
            } else {
                StreamError::Corrupt { chunk: index }
            });
        }
        let next_len = if current_len == sealed_chunk { read_full(&mut reader, &mut next)? } else { 0 };
        let last = next_len == 0;
        let body_len = current_len - TAG_LEN;
        let tag = tag_from(&current[body_len..current_len]);
        let body = &mut current[..body_len];
        if cipher.decrypt_inout_detached(&nonce(prefix, index, last), &ad, (&mut *body).into(), &tag).is_err() {
            // The tag is checked before decrypting, so `body` is still the
            // ciphertext: a last chunk that opens as a middle one means the
            // blob was cut at a chunk boundary.
            let cut =
                last && cipher.decrypt_inout_detached(&nonce(prefix, index, false), &ad, body.into(), &tag).is_ok();
            return Err(if cut {
                StreamError::Truncated { chunks: index + 1 }
            } else {
                StreamError::Corrupt { chunk: index }
            });
        }
        writer.write_all(body).map_err(|e| StreamError::Io(e.kind()))?;
        written += body_len as u64;
        if last {
            return Ok(written);
        }
        index = index.checked_add(1).ok_or(StreamError::TooLarge)?;
        std::mem::swap(&mut current, &mut next);
        current_len = next_len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> BlobBinding {
        BlobBinding { photo_id: Uuid::now_v7(), role: 1 }
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    const CHUNK: usize = 1 << CHUNK_LOG2;

    #[test]
    fn round_trips_every_length_shape() {
        let key = BlobKey::generate().unwrap();
        let b = binding();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let plain = sample(len);
            let sealed = seal(&key, &b, &plain).unwrap();
            assert_eq!(sealed.len(), sealed_len(len), "length {len}");
            assert_eq!(open(&key, &b, &sealed).unwrap(), plain, "length {len}");
        }
    }

    #[test]
    fn plaintext_never_appears_in_the_blob() {
        let key = BlobKey::generate().unwrap();
        let plain = sample(2 * CHUNK);
        let sealed = seal(&key, &binding(), &plain).unwrap();
        assert!(!sealed.windows(32).any(|w| w == &plain[1000..1032]));
    }

    #[test]
    fn flipped_bytes_are_detected_in_header_and_every_chunk() {
        let key = BlobKey::generate().unwrap();
        let b = binding();
        let sealed = seal(&key, &b, &sample(2 * CHUNK + 5)).unwrap();
        let positions = [0, 4, 5, 7, 20, BLOB_HEADER_LEN, BLOB_HEADER_LEN + CHUNK + 3, sealed.len() - 1];
        for at in positions {
            let mut bad = sealed.clone();
            bad[at] ^= 0x01;
            let err = open(&key, &b, &bad).unwrap_err();
            let expected = match at {
                0 => StreamError::NotABlob,
                4 => StreamError::UnsupportedVersion(BLOB_V1 ^ 1),
                5 => StreamError::Corrupt { chunk: 0 },
                7 => StreamError::WrongKey,
                a if a < BLOB_HEADER_LEN + CHUNK + TAG_LEN => StreamError::Corrupt { chunk: 0 },
                a if a < BLOB_HEADER_LEN + 2 * (CHUNK + TAG_LEN) => StreamError::Corrupt { chunk: 1 },
                _ => StreamError::Corrupt { chunk: 2 },
            };
            assert_eq!(err, expected, "byte {at}");
        }
    }

    #[test]
    fn truncation_at_a_boundary_or_inside_a_chunk_is_detected() {
        let key = BlobKey::generate().unwrap();
        let b = binding();
        let sealed = seal(&key, &b, &sample(3 * CHUNK + 100)).unwrap();
        let boundary = BLOB_HEADER_LEN + 2 * (CHUNK + TAG_LEN);
        assert_eq!(open(&key, &b, &sealed[..boundary]).unwrap_err(), StreamError::Truncated { chunks: 2 });
        assert_eq!(open(&key, &b, &sealed[..boundary + 10]).unwrap_err(), StreamError::Corrupt { chunk: 2 });
        assert_eq!(open(&key, &b, &sealed[..BLOB_HEADER_LEN]).unwrap_err(), StreamError::Truncated { chunks: 0 });
        assert_eq!(open(&key, &b, &sealed[..10]).unwrap_err(), StreamError::NotABlob);
        assert_eq!(open(&key, &b, &[]).unwrap_err(), StreamError::NotABlob);
    }

    #[test]
    fn swapped_or_dropped_chunks_are_detected() {
        let key = BlobKey::generate().unwrap();
        let b = binding();
        let sealed = seal(&key, &b, &sample(3 * CHUNK)).unwrap();
        let c = CHUNK + TAG_LEN;
        let chunk = |i: usize| &sealed[BLOB_HEADER_LEN + i * c..BLOB_HEADER_LEN + (i + 1) * c];
        let mut swapped = sealed[..BLOB_HEADER_LEN].to_vec();
        for i in [1, 0, 2] {
            swapped.extend_from_slice(chunk(i));
        }
        assert_eq!(open(&key, &b, &swapped).unwrap_err(), StreamError::Corrupt { chunk: 0 });
        let mut dropped = sealed[..BLOB_HEADER_LEN].to_vec();
        for i in [0, 2] {
            dropped.extend_from_slice(chunk(i));
        }
        assert_eq!(open(&key, &b, &dropped).unwrap_err(), StreamError::Corrupt { chunk: 1 });
    }

    #[test]
    fn another_key_or_another_binding_is_refused() {
        let key = BlobKey::generate().unwrap();
        let b = binding();
        let sealed = seal(&key, &b, b"thumbnail").unwrap();
        assert_eq!(open(&BlobKey::generate().unwrap(), &b, &sealed).unwrap_err(), StreamError::WrongKey);
        let thumb_as_display = BlobBinding { role: 2, ..b };
        assert_eq!(open(&key, &thumb_as_display, &sealed).unwrap_err(), StreamError::Corrupt { chunk: 0 });
        assert_eq!(open(&key, &binding(), &sealed).unwrap_err(), StreamError::Corrupt { chunk: 0 });
    }

    #[test]
    fn a_hostile_chunk_size_is_refused_before_allocating() {
        let key = BlobKey::generate().unwrap();
        let mut sealed = seal(&key, &binding(), b"x").unwrap();
        sealed[5] = 63;
        assert_eq!(open(&key, &binding(), &sealed).unwrap_err(), StreamError::BadChunkSize);
    }
}
