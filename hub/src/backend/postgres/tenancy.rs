//! Tenants, enrolment codes and devices: who may sync, and what each device said of itself. On PostgreSQL.

use super::*;
use crate::backend::Tenancy;

impl Tenancy for PgTx<'_> {
    fn insert_tenant(&mut self, id: Uuid, name: &str, now_ms: i64) -> HubResult<()> {
        self.execute("INSERT INTO tenants (id, name, created_ms) VALUES ($1, $2, $3)", &[&id, &name, &now_ms])
            .map_err(pg)?;
        Ok(())
    }

    fn tenant_exists(&mut self, id: Uuid) -> HubResult<bool> {
        Ok(!self.query("SELECT 1 FROM tenants WHERE id = $1", &[&id]).map_err(pg)?.is_empty())
    }

    fn credential_revoked(&mut self, hash: &[u8; 32]) -> HubResult<bool> {
        Ok(self.query_one("SELECT credential_revoked($1)", &[&&hash[..]]).map_err(pg)?.get(0))
    }

    fn device_by_credential(&mut self, hash: &[u8; 32]) -> HubResult<Option<DeviceAuth>> {
        let rows =
            self.query("SELECT id, tenant_id, units FROM device_by_credential($1)", &[&&hash[..]]).map_err(pg)?;
        Ok(rows.first().map(|r| DeviceAuth { device_id: r.get(0), tenant_id: r.get(1), units: r.get(2) }))
    }

    fn insert_enrolment_code(
        &mut self,
        hash: &[u8; 32],
        tenant: Uuid,
        units: &[Uuid],
        expires_ms: i64,
    ) -> HubResult<()> {
        self.execute(
            "INSERT INTO enrolment_codes (code_hash, tenant_id, units, expires_ms) VALUES ($1, $2, $3, $4)",
            &[&&hash[..], &tenant, &units, &expires_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn take_enrolment_code(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Vec<Uuid>)>> {
        let rows = self
            .query("SELECT tenant_id, units FROM take_enrolment_code($1, $2)", &[&&hash[..], &now_ms])
            .map_err(pg)?;
        let Some(r) = rows.first() else { return Ok(None) };
        let (tenant, units): (Uuid, Vec<Uuid>) = (r.get(0), r.get(1));
        // From here the transaction acts for that tenant (to insert the device).
        self.execute(
            "SELECT set_config('chevet.tenant', $1, true), set_config('chevet.units', $2, true)",
            &[&tenant.to_string(), &units_literal(&units)],
        )
        .map_err(pg)?;
        Ok(Some((tenant, units)))
    }

    fn insert_device(&mut self, d: &DeviceAuth, label: &str, credential_hash: &[u8; 32], now_ms: i64) -> HubResult<()> {
        self.execute(
                "INSERT INTO devices (id, tenant_id, label, units, credential_hash, enrolled_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&d.device_id, &d.tenant_id, &label, &d.units, &&credential_hash[..], &now_ms],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn device_exists(&mut self, device_id: Uuid) -> HubResult<bool> {
        Ok(self.query_one("SELECT device_exists($1)", &[&device_id]).map_err(pg)?.get(0))
    }

    fn revoke_device(&mut self, device_id: Uuid, now_ms: i64) -> HubResult<bool> {
        Ok(self
            .execute("UPDATE devices SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL", &[&device_id, &now_ms])
            .map_err(pg)?
            == 1)
    }

    fn note_device_seen(&mut self, device_id: Uuid, last_seq: i64, now_ms: i64) -> HubResult<()> {
        self.execute(
            "UPDATE devices SET last_seq = GREATEST(last_seq, $2), last_seen_ms = $3 WHERE id = $1",
            &[&device_id, &last_seq, &now_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn device_last_seq(&mut self, device_id: Uuid) -> HubResult<i64> {
        let rows = self.query("SELECT last_seq FROM devices WHERE id = $1", &[&device_id]).map_err(pg)?;
        Ok(rows.first().map(|r| r.get(0)).unwrap_or(0))
    }

    fn note_deactivation_served(
        &mut self,
        device: &DeviceAuth,
        staff: Uuid,
        outbox_head: Option<i64>,
        slack: i64,
    ) -> HubResult<()> {
        self.execute(
            "INSERT INTO deactivations_served (tenant_id, device_id, staff_id, known_after_seq)
             SELECT $1, id, $3, LEAST(GREATEST(last_seq, COALESCE($4, last_seq)), last_seq + $5)
             FROM devices WHERE id = $2
             ON CONFLICT (device_id, staff_id) DO UPDATE
             SET known_after_seq = COALESCE(deactivations_served.known_after_seq, excluded.known_after_seq)",
            &[&device.tenant_id, &device.device_id, &staff, &outbox_head, &slack],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn note_reactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<()> {
        self.execute(
            "UPDATE deactivations_served SET known_after_seq = NULL WHERE device_id = $1 AND staff_id = $2",
            &[&device.device_id, &staff],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn deactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<Option<i64>> {
        let rows = self
            .query(
                "SELECT known_after_seq FROM deactivations_served WHERE device_id = $1 AND staff_id = $2",
                &[&device.device_id, &staff],
            )
            .map_err(pg)?;
        Ok(rows.first().and_then(|r| r.get::<_, Option<i64>>(0)))
    }

    fn devices(&mut self, tenant: Uuid) -> HubResult<Vec<DeviceInfo>> {
        let rows = self
            .query(
                "SELECT id, tenant_id, label, revoked_ms IS NOT NULL, last_seq, units, enrolled_ms, last_seen_ms, report,
                        audit_seq
                 FROM devices WHERE tenant_id = $1 ORDER BY enrolled_ms",
                &[&tenant],
            )
            .map_err(pg)?;
        Ok(rows
            .iter()
            .map(|r| DeviceInfo {
                device_id: r.get(0),
                tenant_id: r.get(1),
                label: r.get(2),
                revoked: r.get(3),
                last_seq: r.get(4),
                units: r.get(5),
                enrolled_ms: r.get(6),
                last_seen_ms: r.get(7),
                report: r.get(8),
                audit_seq: r.get(9),
            })
            .collect())
    }

    fn note_device_refusal(&mut self, device_id: Uuid, report: &Value) -> HubResult<()> {
        self.execute(
            "UPDATE devices SET report = COALESCE(report, '{}'::jsonb) || $2 WHERE id = $1",
            &[&device_id, report],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn note_device_report(&mut self, device_id: Uuid, report: &Value, now_ms: i64) -> HubResult<()> {
        self.execute(
            "UPDATE devices SET report = COALESCE(report, '{}'::jsonb) || $2, last_seen_ms = $3 WHERE id = $1",
            &[&device_id, report, &now_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn device_label(&mut self, tenant: Uuid, device: Uuid) -> HubResult<Option<String>> {
        let rows = self
            .query("SELECT label FROM devices WHERE tenant_id = $1 AND id = $2", &[&tenant, &device])
            .map_err(pg)?;
        Ok(rows.first().map(|r| r.get(0)))
    }
}
