//! Why this exists: a hub answers two kinds of strangers. An enrolled
//! tablet is trusted to sign records of its units, not to send without
//! end: a hostile or broken one could fill the database with operations,
//! refused operations kept for review, and access-log entries. And anyone
//! on the establishment's network may try enrolment codes or credentials.
//! So every request that costs storage takes from a budget first, and past
//! it the answer is 429 with `Retry-After`, before any storage is touched:
//!
//! - per tablet, [`OPS_PER_DAY`] operations and [`AUDIT_PER_DAY`] access-log
//!   entries, either available at once (a week offline is about 7,000
//!   operations for a busy unit's tablet: it syncs in one go);
//! - per source address, [`ANONYMOUS_BURST`] failed enrolments (a wrong,
//!   used or expired code), then one every [`ANONYMOUS_REFILL`]: an address
//!   past it is refused before its code is looked at. Enrolments that
//!   succeed take nothing (an IT person enrolling fifty tablets through one
//!   NAT is not held back), and requests with a credential are not counted
//!   per address at all (a stranger on the same NAT must not hold the
//!   tablets back; credentials are 256-bit random).
//!
//! The quarantine, where refused operations are kept for review, is bounded
//! apart (`sync::QUARANTINE_MAX_PER_DEVICE`, `sync::QUARANTINE_MAX_OP_BYTES`).
//!
//! Budgets are per hub process (as the console's sign-in budgets): behind a
//! balancer each node keeps its own. They are token buckets: a budget
//! refills continuously, up to its size.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// Operations a tablet may push per day (and at once).
pub const OPS_PER_DAY: f64 = 20_000.0;
/// Access-log entries a tablet may send per day (and at once).
pub const AUDIT_PER_DAY: f64 = 20_000.0;
/// Tries without a valid credential an address may make at once.
pub const ANONYMOUS_BURST: f64 = 10.0;
/// Then one more per this long.
pub const ANONYMOUS_REFILL: Duration = Duration::from_secs(6);
/// Keys remembered at most per budget; past it, those full again go.
const MAX_KEYS: usize = 50_000;
const DAY_SECS: f64 = 86_400.0;

/// Token buckets by key: `size` tokens at most, one more every `every` seconds.
pub struct Buckets<K> {
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
    size: f64,
    every: f64,
}

impl<K: Hash + Eq> Buckets<K> {
    pub fn new(size: f64, every: Duration) -> Self {
        Buckets { buckets: Mutex::new(HashMap::new()), size, every: every.as_secs_f64() }
    }

    /// Takes `n` tokens from `key`'s bucket: all of them, or none and how
    /// long until there would be enough (a request larger than the bucket
    /// waits for a full one).
    pub fn take(&self, key: K, n: f64, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS {
            let (size, every) = (self.size, self.every);
            buckets.retain(|_, (tokens, at)| refill(*tokens, *at, now, size, every) < size);
        }
        let (tokens, at) = buckets.entry(key).or_insert((self.size, now));
        let available = refill(*tokens, *at, now, self.size, self.every);
        *at = now;
        let n = n.min(self.size);
        if available < n {
            *tokens = available;
            return Err(Duration::from_secs_f64(((n - available) * self.every).max(1.0)));
        }
        *tokens = available - n;
        Ok(())
    }
}

impl<K: Hash + Eq> Buckets<K> {
    /// Whether `key`'s bucket holds a token, taking none.
    pub fn peek(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let available = buckets.get(key).map_or(self.size, |(t, at)| refill(*t, *at, now, self.size, self.every));
        if available < 1.0 {
            return Err(Duration::from_secs_f64(((1.0 - available) * self.every).max(1.0)));
        }
        Ok(())
    }
}

/// A token bucket of `size` tokens gaining one every `every` seconds.
pub fn refill(tokens: f64, at: Instant, now: Instant, size: f64, every: f64) -> f64 {
    (tokens + now.saturating_duration_since(at).as_secs_f64() / every).min(size)
}

/// The budgets of the device API.
pub struct DeviceBudgets {
    ops: Buckets<Uuid>,
    audit: Buckets<Uuid>,
    anonymous: Buckets<IpAddr>,
}

impl Default for DeviceBudgets {
    fn default() -> Self {
        DeviceBudgets {
            ops: Buckets::new(OPS_PER_DAY, Duration::from_secs_f64(DAY_SECS / OPS_PER_DAY)),
            audit: Buckets::new(AUDIT_PER_DAY, Duration::from_secs_f64(DAY_SECS / AUDIT_PER_DAY)),
            anonymous: Buckets::new(ANONYMOUS_BURST, ANONYMOUS_REFILL),
        }
    }
}

impl DeviceBudgets {
    /// `n` operations a device pushes.
    pub fn operations(&self, device: Uuid, n: usize) -> Result<(), Duration> {
        self.ops.take(device, n as f64, Instant::now())
    }

    /// `n` access-log entries a device sends.
    pub fn audit_entries(&self, device: Uuid, n: usize) -> Result<(), Duration> {
        self.audit.take(device, n as f64, Instant::now())
    }

    /// Whether `source` may try an enrolment code (an address that cannot
    /// be told shares one budget with the others like it).
    pub fn may_enrol(&self, source: Option<IpAddr>) -> Result<(), Duration> {
        self.anonymous.peek(&address_key(source), Instant::now())
    }

    /// `source` tried a code that did not enrol.
    pub fn enrolment_failed(&self, source: Option<IpAddr>) {
        let _ = self.anonymous.take(address_key(source), 1.0, Instant::now());
    }
}

fn address_key(source: Option<IpAddr>) -> IpAddr {
    source.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_its_size_then_refills_and_says_how_long_to_wait() {
        let b = Buckets::new(10.0, Duration::from_secs(2));
        let t0 = Instant::now();
        assert!(b.take("a", 7.0, t0).is_ok());
        assert_eq!(b.take("a", 5.0, t0), Err(Duration::from_secs(4)), "2 missing, 2 s each");
        assert!(b.take("b", 10.0, t0).is_ok(), "each key has its own");
        assert!(b.take("a", 3.0, t0).is_ok(), "a refused take takes nothing");
        assert!(b.take("a", 1.0, t0 + Duration::from_secs(1)).is_err());
        assert!(b.take("a", 1.0, t0 + Duration::from_secs(2)).is_ok());
        // More than the bucket holds waits for a full bucket, then passes.
        assert!(b.take("c", 50.0, t0).is_ok());
        assert_eq!(b.take("c", 50.0, t0), Err(Duration::from_secs(20)));
        assert!(b.peek(&"c", t0).is_err() && b.peek(&"d", t0).is_ok(), "a peek takes nothing");
        assert!(b.peek(&"d", t0).is_ok());
    }
}
