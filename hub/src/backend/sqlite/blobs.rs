//! Photo files: which units' records name them, who published them and how much, their content keys, the orphans to sweep. On SQLite.

use super::*;
use crate::backend::Blobs;

impl Blobs for SqliteTx<'_> {
    fn add_blob_ref(&mut self, tenant: Uuid, hash: &str, unit_id: Uuid) -> HubResult<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO blob_refs (tenant_id, hash, unit_id) VALUES (?1, ?2, ?3)")?
            .execute(params![tenant, hash, unit_id])?;
        Ok(())
    }

    fn record_stored_blob(&mut self, tenant: Uuid, hash: &str, device: Uuid, bytes: u64, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO stored_blobs (tenant_id, hash, device_id, bytes, published_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![tenant, hash, device, bytes as i64, now_ms])?;
        Ok(())
    }

    fn unclaimed_bytes(&mut self, tenant: Uuid, device: Uuid) -> HubResult<u64> {
        let n: i64 = self
            .tx
            .prepare_cached(
                "SELECT COALESCE(SUM(s.bytes), 0) FROM stored_blobs s WHERE s.tenant_id = ?1 AND s.device_id = ?2
                 AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)",
            )?
            .query_row(params![tenant, device], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    fn take_orphan_blobs(&mut self, before_ms: i64, limit: u32) -> HubResult<Vec<(Uuid, String)>> {
        let rows = self
            .tx
            .prepare_cached(
                "DELETE FROM stored_blobs WHERE (tenant_id, hash) IN (
                     SELECT s.tenant_id, s.hash FROM stored_blobs s WHERE s.published_ms < ?1
                     AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)
                     LIMIT ?2)
                 RETURNING tenant_id, hash",
            )?
            .query_map(params![before_ms, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn bind_blob_key(&mut self, tenant: Uuid, hash: &str, key: &Value) -> HubResult<Value> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO blob_keys (tenant_id, hash, content_key) VALUES (?1, ?2, ?3)")?
            .execute(params![tenant, hash, json(key)?])?;
        let bound: String = self
            .tx
            .prepare_cached("SELECT content_key FROM blob_keys WHERE tenant_id = ?1 AND hash = ?2")?
            .query_row(params![tenant, hash], |r| r.get(0))?;
        parse(&bound)
    }

    fn blob_visible(&mut self, tenant: Uuid, units: &[Uuid], hash: &str) -> HubResult<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE tenant_id = ?1 AND hash = ?2
                 AND unit_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each(?3)))",
            )?
            .query_row(params![tenant, hash, json(&units)?], |r| r.get(0))?)
    }
}
