//! PINs and first-PIN codes: what makes a PIN acceptable, how its verifier
//! is made and checked, and how a first-PIN code is issued. The tablet sets
//! and checks PINs offline; the hub's administrator issues first-PIN codes,
//! whose verifier travels with the professional's record to the tablets of
//! their units. One implementation for both (Argon2id, a pure computation).

use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{DomainError, Result};
use crate::staff::FirstPinCode;

const VERIFIER_V1: u8 = 1;
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

/// Characters of first-PIN codes: Crockford's base 32 (no I, L, O, U), so a
/// code read aloud or copied from paper survives.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 10 characters, 50 bits: out of reach of guessing within the attempt
/// limit, and of an offline search through Argon2id before it expires.
const CODE_LEN: usize = 10;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Cost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Argon2Cost {
    /// For a passphrase guarding the device key: 64 MiB, 3 passes.
    pub const PASSPHRASE: Argon2Cost = Argon2Cost { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };
    /// For PINs and first-PIN codes (OWASP's 19 MiB, 2 passes): a PIN is
    /// short, so the cost matters, but a sign-in must stay under a second
    /// on a tablet.
    pub const PIN: Argon2Cost = Argon2Cost { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };
    /// Cheapest accepted cost, for tests only.
    pub const MINIMUM: Argon2Cost = Argon2Cost { memory_kib: 8, iterations: 1, parallelism: 1 };

    /// Argon2id of `secret` with `salt` into `out`; fails only on parameters
    /// Argon2 refuses.
    pub fn hash(&self, secret: &[u8], salt: &[u8], out: &mut [u8]) -> Result<()> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(out.len()))
            .map_err(|_| DomainError::invalid("argon2", "invalid parameters"))?;
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(secret, salt, out)
            .map_err(|_| DomainError::invalid("argon2", "hashing failed"))
    }

    pub fn to_bytes(self) -> [u8; 12] {
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&self.memory_kib.to_be_bytes());
        b[4..8].copy_from_slice(&self.iterations.to_be_bytes());
        b[8..].copy_from_slice(&self.parallelism.to_be_bytes());
        b
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != 12 {
            return None;
        }
        let n = |r: std::ops::Range<usize>| u32::from_be_bytes(b[r].try_into().unwrap_or([0; 4]));
        let cost = Argon2Cost { memory_kib: n(0..4), iterations: n(4..8), parallelism: n(8..12) };
        // Refuse absurd costs read from disk: they would hang or exhaust memory.
        (cost.memory_kib <= 1024 * 1024 && cost.iterations <= 64 && (1..=16).contains(&cost.parallelism))
            .then_some(cost)
    }
}

/// Refuses PINs that are too short, not digits, or trivially guessed.
pub fn check_pin_strength(pin: &str) -> Result<()> {
    if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::WeakPin("a PIN has 4 to 12 digits"));
    }
    let b = pin.as_bytes();
    if b.iter().all(|&d| d == b[0]) {
        return Err(DomainError::WeakPin("all digits are the same"));
    }
    let steps: Vec<i16> = b.windows(2).map(|w| i16::from(w[1]) - i16::from(w[0])).collect();
    if steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == -1) {
        return Err(DomainError::WeakPin("digits follow each other"));
    }
    Ok(())
}

/// A new PIN's verifier, once the PIN passes [`check_pin_strength`].
pub fn make_verifier(cost: Argon2Cost, pin: &str) -> Result<Vec<u8>> {
    check_pin_strength(pin)?;
    hash_secret(cost, pin)
}

fn hash_secret(cost: Argon2Cost, secret: &str) -> Result<Vec<u8>> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|_| DomainError::RandomSource)?;
    let mut hash = [0u8; HASH_LEN];
    cost.hash(secret.as_bytes(), &salt, &mut hash)?;
    let mut v = vec![VERIFIER_V1];
    v.extend_from_slice(&cost.to_bytes());
    v.extend_from_slice(&salt);
    v.extend_from_slice(&hash);
    Ok(v)
}

/// Whether `secret` (a PIN, or a normalised first-PIN code) matches `verifier`.
pub fn verify(verifier: &[u8], secret: &str) -> Result<bool> {
    if verifier.len() != 1 + 12 + SALT_LEN + HASH_LEN || verifier[0] != VERIFIER_V1 {
        return Err(DomainError::invalid("pin_verifier", "unreadable format"));
    }
    let cost = Argon2Cost::from_bytes(&verifier[1..13])
        .ok_or(DomainError::invalid("pin_verifier", "out-of-range parameters"))?;
    let salt = &verifier[13..13 + SALT_LEN];
    let mut hash = [0u8; HASH_LEN];
    cost.hash(secret.as_bytes(), salt, &mut hash)?;
    let stored = &verifier[13 + SALT_LEN..];
    // Constant time: every byte is compared whatever the first difference.
    Ok(stored.iter().zip(hash.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0)
}

/// The code as typed: case, spaces and dashes do not matter, and the
/// letters Crockford reads as digits are read so.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// Issues a first-PIN code valid until `expires_at`: the code to hand to the
/// professional (`XXXXX-XXXXX`) and what travels with their staff record.
/// Called by the hub's administrator; `cost` is the devices' PIN cost.
pub fn issue_first_pin_code(cost: Argon2Cost, expires_at: jiff::Timestamp) -> Result<(String, FirstPinCode)> {
    use base64::Engine;
    let mut random = [0u8; CODE_LEN];
    getrandom::fill(&mut random).map_err(|_| DomainError::RandomSource)?;
    let code: String = random.iter().map(|b| char::from(CODE_ALPHABET[usize::from(b & 31)])).collect();
    let verifier = hash_secret(cost, &code)?;
    let shown = format!("{}-{}", &code[..CODE_LEN / 2], &code[CODE_LEN / 2..]);
    Ok((
        shown,
        FirstPinCode {
            verifier: base64::engine::general_purpose::STANDARD.encode(verifier),
            expires_at_ms: expires_at.as_millisecond(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_strength_rules() {
        for weak in ["123", "0000", "1234", "98765", "12a4", "1234567890123"] {
            assert!(check_pin_strength(weak).is_err(), "{weak} accepted");
        }
        for ok in ["2580", "739164", "1324"] {
            check_pin_strength(ok).unwrap();
        }
    }

    #[test]
    fn verifier_round_trip() {
        let v = make_verifier(Argon2Cost::MINIMUM, "739164").unwrap();
        assert!(verify(&v, "739164").unwrap());
        assert!(!verify(&v, "739165").unwrap());
        assert!(verify(&v[..10], "739164").is_err());
    }

    #[test]
    fn a_first_pin_code_is_read_back_as_typed() {
        use base64::Engine;
        let (shown, issued) = issue_first_pin_code(Argon2Cost::MINIMUM, jiff::Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(shown.len(), 11);
        let verifier = base64::engine::general_purpose::STANDARD.decode(issued.verifier).unwrap();
        assert!(verify(&verifier, &normalise_code(&shown.to_lowercase().replace('-', " "))).unwrap());
    }
}
