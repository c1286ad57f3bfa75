//! The answers given to each device's operations (its idempotency keys), the quarantine of what was refused, and the conflicts filed for a coordinator. On PostgreSQL.

use super::*;
use crate::backend::Operations;

impl Operations for PgTx<'_> {
    fn op_outcome(&mut self, d: &DeviceAuth, op_id: Uuid) -> HubResult<Option<OpOutcome>> {
        let rows = self
            .query(
                "SELECT outcome FROM ops WHERE tenant_id = $1 AND device_id = $2 AND op_id = $3",
                &[&d.tenant_id, &d.device_id, &op_id],
            )
            .map_err(pg)?;
        rows.first().map(|r| from_value(r.get(0))).transpose()
    }

    fn op_outcomes(&mut self, d: &DeviceAuth, op_ids: &[Uuid]) -> HubResult<HashMap<Uuid, OpOutcome>> {
        let ids = op_ids.to_vec();
        let rows = self
            .query(
                "SELECT op_id, outcome FROM ops WHERE tenant_id = $1 AND device_id = $2 AND op_id = ANY ($3)",
                &[&d.tenant_id, &d.device_id, &ids],
            )
            .map_err(pg)?;
        rows.into_iter().map(|r| Ok((r.get(0), from_value(r.get(1))?))).collect()
    }

    fn save_op_outcome(&mut self, d: &DeviceAuth, op: &Operation, outcome: &OpOutcome, now_ms: i64) -> HubResult<()> {
        self.execute(
                "INSERT INTO ops (op_id, tenant_id, device_id, device_seq, outcome, received_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&op.op_id, &d.tenant_id, &d.device_id, &op.device_seq, &to_value(outcome)?, &now_ms],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn save_op_outcomes(&mut self, d: &DeviceAuth, answers: &[(&Operation, OpOutcome)], now_ms: i64) -> HubResult<()> {
        if answers.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = answers.iter().map(|(op, _)| op.op_id).collect();
        let seqs: Vec<i64> = answers.iter().map(|(op, _)| op.device_seq).collect();
        let outcomes: Vec<Value> = answers.iter().map(|(_, o)| to_value(o)).collect::<HubResult<_>>()?;
        self.execute(
            "INSERT INTO ops (op_id, tenant_id, device_id, device_seq, outcome, received_ms)
             SELECT u.op_id, $2, $3, u.seq, u.outcome, $6
             FROM unnest($1::uuid[], $4::bigint[], $5::jsonb[]) AS u (op_id, seq, outcome)",
            &[&ids, &d.tenant_id, &d.device_id, &seqs, &outcomes, &now_ms],
        )
        .map_err(pg)?;
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
        let code = to_value(&code)?.as_str().unwrap_or("unknown").to_owned();
        self.execute(
            "INSERT INTO quarantine (op_id, tenant_id, device_id, code, reason, op, received_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, device_id, op_id) DO NOTHING",
            &[&op.op_id, &d.tenant_id, &d.device_id, &code, &reason, &to_value(op)?, &now_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn quarantine_count(&mut self, d: &DeviceAuth) -> HubResult<i64> {
        Ok(self
            .query_one(
                "SELECT COUNT(*) FROM quarantine WHERE tenant_id = $1 AND device_id = $2",
                &[&d.tenant_id, &d.device_id],
            )
            .map_err(pg)?
            .get(0))
    }

    fn file_conflict(&mut self, tenant: Uuid, c: &ConflictRecord, now_ms: i64) -> HubResult<()> {
        self.execute(
            "INSERT INTO conflicts (op_id, tenant_id, entity, entity_id, device_id, fields, device_values, hub_values,
                 proposal, created_ms, author) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (tenant_id, device_id, op_id) DO NOTHING",
            &[
                &c.op_id,
                &tenant,
                &entity_str(c.entity)?,
                &c.entity_id,
                &c.device_id,
                &to_value(&c.fields)?,
                &c.device_values,
                &c.hub_values,
                &c.proposal,
                &now_ms,
                &c.author,
            ],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn conflicts(&mut self, tenant: Uuid) -> HubResult<Vec<ConflictRecord>> {
        let rows = self
            .query(
                "SELECT entity, entity_id, op_id, device_id, fields, device_values, hub_values, proposal, author,
                        created_ms, resolved_ms, resolution
                 FROM conflicts WHERE tenant_id = $1 AND resolved_ms IS NULL ORDER BY created_ms",
                &[&tenant],
            )
            .map_err(pg)?;
        rows.iter().map(conflict_row).collect()
    }

    fn conflict(&mut self, tenant: Uuid, device: Uuid, op: Uuid) -> HubResult<Option<ConflictRecord>> {
        let rows = self
            .query(
                "SELECT entity, entity_id, op_id, device_id, fields, device_values, hub_values, proposal, author,
                        created_ms, resolved_ms, resolution
                 FROM conflicts WHERE tenant_id = $1 AND device_id = $2 AND op_id = $3",
                &[&tenant, &device, &op],
            )
            .map_err(pg)?;
        rows.iter().map(conflict_row).next().transpose()
    }

    fn resolve_conflict(
        &mut self,
        tenant: Uuid,
        device: Uuid,
        op: Uuid,
        resolution: &Value,
        now_ms: i64,
    ) -> HubResult<bool> {
        Ok(self
            .execute(
                "UPDATE conflicts SET resolved_ms = $4, resolution = $5
                 WHERE tenant_id = $1 AND device_id = $2 AND op_id = $3 AND resolved_ms IS NULL",
                &[&tenant, &device, &op, &now_ms, resolution],
            )
            .map_err(pg)?
            == 1)
    }
}
