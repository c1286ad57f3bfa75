//! Time-based one-time passwords (RFC 6238): HMAC-SHA1 over 30-second
//! steps, 6 digits — what every authenticator app reads from a QR code.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Steps either side of now still accepted (clocks drift; typing takes time).
const WINDOW: i64 = 1;

/// The code for `step` (RFC 4226's dynamic truncation), `digits` long.
pub fn code(secret: &[u8], step: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([h[offset] & 0x7f, h[offset + 1], h[offset + 2], h[offset + 3]]);
    binary % 10u32.pow(digits)
}

/// A new random secret (160 bits, as RFC 4226 recommends).
pub fn new_secret() -> crate::error::HubResult<Vec<u8>> {
    let mut secret = vec![0u8; 20];
    getrandom::fill(&mut secret).map_err(|_| crate::error::HubError::Storage("no random source".into()))?;
    Ok(secret)
}

pub fn to_base32(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    data_encoding::BASE32_NOPAD.decode(text.as_bytes()).ok()
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        to_base32(secret),
        enc(issuer)
    )
}

/// Checks a typed code at `now_s`; accepts each step once (a code seen by
/// someone over the shoulder cannot be replayed): the step it matched must
/// be after `last_step`. Returns the step matched.
pub fn verify(secret: &[u8], typed: &str, now_s: i64, last_step: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: u32 = typed.parse().ok()?;
    let now_step = now_s.div_euclid(STEP_SECONDS);
    let mut matched = None;
    // Every candidate is computed, so the time taken says nothing of which matched.
    for step in (now_step - WINDOW)..=(now_step + WINDOW) {
        if step > last_step && step >= 0 && code(secret, step as u64, 6) == value {
            matched = Some(step);
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (8 digits).
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, expected) in [
            (59u64, 94_287_082u32),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(code(secret, t / 30, 8), expected, "T = {t}");
        }
    }

    #[test]
    fn a_code_is_accepted_once_within_the_window() {
        let secret = new_secret().unwrap();
        let now = 1_796_000_000;
        let step = now / STEP_SECONDS;
        let current = format!("{:06}", code(&secret, step as u64, 6));
        assert_eq!(verify(&secret, &current, now, 0), Some(step));
        assert_eq!(verify(&secret, &current, now, step), None, "replayed");
        let previous = format!("{:06}", code(&secret, (step - 1) as u64, 6));
        assert_eq!(verify(&secret, &previous, now, 0), Some(step - 1), "30 s late is fine");
        let old = format!("{:06}", code(&secret, (step - 3) as u64, 6));
        assert_eq!(verify(&secret, &old, now, 0), None, "90 s late is not");
        assert_eq!(verify(&secret, "12345", now, 0), None);
        assert_eq!(verify(&secret, "abcdef", now, 0), None);
        assert_eq!(from_base32(&to_base32(&secret)).unwrap(), secret);
        assert!(uri("Chevet", "idec@ehpad", &secret).starts_with("otpauth://totp/Chevet:idec%40ehpad?secret="));
    }
}
