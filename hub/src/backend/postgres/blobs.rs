//! Photo files: which units' records name them, who published them and how much, their content keys, the orphans to sweep. On PostgreSQL.

use super::*;
use crate::backend::Blobs;

impl Blobs for PgTx<'_> {
    fn add_blob_ref(&mut self, tenant: Uuid, hash: &str, unit_id: Uuid) -> HubResult<()> {
        self.execute(
            "INSERT INTO blob_refs (tenant_id, hash, unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&tenant, &hash, &unit_id],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn record_stored_blob(&mut self, tenant: Uuid, hash: &str, device: Uuid, bytes: u64, now_ms: i64) -> HubResult<()> {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        self.execute(
            "INSERT INTO stored_blobs (tenant_id, hash, device_id, bytes, published_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
            &[&tenant, &hash, &device, &bytes, &now_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    /// Under the device's row-level security the references it sees are its
    /// units': a blob named only elsewhere counts against it (a bound, not a loss).
    fn unclaimed_bytes(&mut self, tenant: Uuid, device: Uuid) -> HubResult<u64> {
        let row = self
            .query_one(
                "SELECT COALESCE(SUM(s.bytes), 0)::bigint FROM stored_blobs s WHERE s.tenant_id = $1 AND s.device_id = $2
                 AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)",
                &[&tenant, &device],
            )
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0).max(0) as u64)
    }

    fn take_orphan_blobs(&mut self, before_ms: i64, limit: u32) -> HubResult<Vec<(Uuid, String)>> {
        let rows = self
            .query(
                "DELETE FROM stored_blobs WHERE (tenant_id, hash) IN (
                     SELECT s.tenant_id, s.hash FROM stored_blobs s WHERE s.published_ms < $1
                     AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)
                     LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING tenant_id, hash",
                &[&before_ms, &i64::from(limit)],
            )
            .map_err(pg)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn bind_blob_key(&mut self, tenant: Uuid, hash: &str, key: &Value) -> HubResult<Value> {
        self.execute(
            "INSERT INTO blob_keys (tenant_id, hash, content_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&tenant, &hash, key],
        )
        .map_err(pg)?;
        let row = self
            .query_one("SELECT content_key FROM blob_keys WHERE tenant_id = $1 AND hash = $2", &[&tenant, &hash])
            .map_err(pg)?;
        Ok(row.get(0))
    }

    fn blob_visible(&mut self, tenant: Uuid, units: &[Uuid], hash: &str) -> HubResult<bool> {
        let units = units.to_vec();
        let row = self
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE tenant_id = $1 AND hash = $2 AND unit_id = ANY ($3))",
                &[&tenant, &hash, &units],
            )
            .map_err(pg)?;
        Ok(row.get(0))
    }
}
