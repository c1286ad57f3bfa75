//! Benchmark support, compiled with the `bench` feature only: the same call
//! timed inside Rust, so a Kotlin or Swift benchmark can compare the cost of
//! crossing the FFI in one run.

use std::time::Instant;

use crate::error::ChevetError;
use crate::ids::UnitId;
use crate::store::ChevetStore;

#[uniffi::export]
impl ChevetStore {
    /// Median wall time, in nanoseconds, of `iterations` round views made
    /// in Rust (no FFI crossing, no conversion to FFI records).
    pub fn bench_round_view_in_rust(
        &self,
        unit_id: UnitId,
        from_ms: i64,
        to_ms: i64,
        iterations: u32,
    ) -> Result<u64, ChevetError> {
        let store = self.core()?;
        let unit = unit_id.0;
        let bad_time = || ChevetError::InvalidInput { field: "time".into(), reason: "out of range".into() };
        let from = jiff::Timestamp::from_millisecond(from_ms).map_err(|_| bad_time())?;
        let to = jiff::Timestamp::from_millisecond(to_ms).map_err(|_| bad_time())?;
        let mut times = Vec::with_capacity(iterations as usize);
        for _ in 0..iterations.max(1) {
            let t = Instant::now();
            store.round_view(unit, from, to)?;
            times.push(t.elapsed().as_nanos() as u64);
        }
        times.sort_unstable();
        Ok(times[times.len() / 2])
    }
}
