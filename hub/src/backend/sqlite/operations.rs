//! The answers given to each device's operations (its idempotency keys), the quarantine of what was refused, and the conflicts filed for a coordinator. On SQLite.

use super::*;
use crate::backend::Operations;

impl Operations for SqliteTx<'_> {
    fn op_outcome(&mut self, d: &DeviceAuth, op_id: Uuid) -> HubResult<Option<OpOutcome>> {
        let row: Option<String> = self
            .tx
            .prepare_cached("SELECT outcome FROM ops WHERE tenant_id = ?1 AND device_id = ?2 AND op_id = ?3")?
            .query_row(params![d.tenant_id, d.device_id, op_id], |r| r.get(0))
            .optional()?;
        row.map(|s| parse(&s)).transpose()
    }

    fn save_op_outcome(&mut self, d: &DeviceAuth, op: &Operation, outcome: &OpOutcome, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO ops (op_id, tenant_id, device_id, device_seq, outcome, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![op.op_id, d.tenant_id, d.device_id, op.device_seq, json(outcome)?, now_ms])?;
        Ok(())
    }

    fn quarantine(
        &mut self,
        d: &DeviceAuth,
        op: &Operation,
        code: RejectCode,
        reason: &str,
        now_ms: i64,
    ) -> HubResult<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO quarantine (op_id, tenant_id, device_id, code, reason, op, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![op.op_id, d.tenant_id, d.device_id, json(&code)?, reason, json(op)?, now_ms],
        )?;
        Ok(())
    }

    fn quarantine_count(&mut self, d: &DeviceAuth) -> HubResult<i64> {
        Ok(self
            .tx
            .prepare_cached("SELECT COUNT(*) FROM quarantine WHERE tenant_id = ?1 AND device_id = ?2")?
            .query_row(params![d.tenant_id, d.device_id], |r| r.get(0))?)
    }

    fn file_conflict(&mut self, tenant: Uuid, c: &ConflictRecord, now_ms: i64) -> HubResult<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO conflicts (op_id, tenant_id, entity, entity_id, device_id, fields, device_values,
             hub_values, proposal, created_ms, author) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                c.op_id,
                tenant,
                entity_str(c.entity)?,
                c.entity_id,
                c.device_id,
                json(&c.fields)?,
                json(&c.device_values)?,
                json(&c.hub_values)?,
                c.proposal,
                now_ms,
                c.author
            ],
        )?;
        Ok(())
    }

    fn conflicts(&mut self, tenant: Uuid) -> HubResult<Vec<ConflictRecord>> {
        self.conflict_rows("tenant_id = ?1 AND resolved_ms IS NULL ORDER BY created_ms", params![tenant])
    }

    fn conflict(&mut self, tenant: Uuid, device: Uuid, op: Uuid) -> HubResult<Option<ConflictRecord>> {
        Ok(self.conflict_rows("tenant_id = ?1 AND device_id = ?2 AND op_id = ?3", params![tenant, device, op])?.pop())
    }

    fn resolve_conflict(
        &mut self,
        tenant: Uuid,
        device: Uuid,
        op: Uuid,
        resolution: &Value,
        now_ms: i64,
    ) -> HubResult<bool> {
        Ok(self.tx.execute(
            "UPDATE conflicts SET resolved_ms = ?4, resolution = ?5
             WHERE tenant_id = ?1 AND device_id = ?2 AND op_id = ?3 AND resolved_ms IS NULL",
            params![tenant, device, op, now_ms, json(resolution)?],
        )? == 1)
    }
}
