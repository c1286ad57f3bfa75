//! Tenants, enrolment codes and devices: who may sync, and what each device said of itself. On SQLite.

use super::*;
use crate::backend::Tenancy;

impl Tenancy for SqliteTx<'_> {
    fn insert_tenant(&mut self, id: Uuid, name: &str, now_ms: i64) -> HubResult<()> {
        self.tx.execute("INSERT INTO tenants (id, name, created_ms) VALUES (?1, ?2, ?3)", params![id, name, now_ms])?;
        Ok(())
    }

    fn tenant_exists(&mut self, id: Uuid) -> HubResult<bool> {
        Ok(self.tx.query_row("SELECT 1 FROM tenants WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some())
    }

    fn credential_revoked(&mut self, hash: &[u8; 32]) -> HubResult<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE credential_hash = ?1 AND revoked_ms IS NOT NULL)",
            )?
            .query_row([&hash[..]], |r| r.get(0))?)
    }

    fn device_by_credential(&mut self, hash: &[u8; 32]) -> HubResult<Option<DeviceAuth>> {
        let row: Option<(Uuid, Uuid, String)> = self
            .tx
            .prepare_cached(
                "SELECT id, tenant_id, units FROM devices WHERE credential_hash = ?1 AND revoked_ms IS NULL",
            )?
            .query_row([&hash[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(device_id, tenant_id, units)| Ok(DeviceAuth { device_id, tenant_id, units: parse(&units)? }))
            .transpose()
    }

    fn insert_enrolment_code(
        &mut self,
        hash: &[u8; 32],
        tenant: Uuid,
        units: &[Uuid],
        expires_ms: i64,
    ) -> HubResult<()> {
        self.tx.execute(
            "INSERT INTO enrolment_codes (code_hash, tenant_id, units, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            params![&hash[..], tenant, json(&units)?, expires_ms],
        )?;
        Ok(())
    }

    fn take_enrolment_code(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Vec<Uuid>)>> {
        let row: Option<(Uuid, String)> = self
            .tx
            .query_row(
                "UPDATE enrolment_codes SET used_ms = ?2
                 WHERE code_hash = ?1 AND used_ms IS NULL AND expires_ms > ?2 RETURNING tenant_id, units",
                params![&hash[..], now_ms],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(t, u)| Ok((t, parse(&u)?))).transpose()
    }

    fn insert_device(&mut self, d: &DeviceAuth, label: &str, credential_hash: &[u8; 32], now_ms: i64) -> HubResult<()> {
        self.tx.execute(
            "INSERT INTO devices (id, tenant_id, label, units, credential_hash, enrolled_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.device_id, d.tenant_id, label, json(&d.units)?, &credential_hash[..], now_ms],
        )?;
        Ok(())
    }

    fn device_exists(&mut self, device_id: Uuid) -> HubResult<bool> {
        Ok(self.tx.query_row("SELECT 1 FROM devices WHERE id = ?1", [device_id], |_| Ok(())).optional()?.is_some())
    }

    fn revoke_device(&mut self, device_id: Uuid, now_ms: i64) -> HubResult<bool> {
        Ok(self.tx.execute(
            "UPDATE devices SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
            params![device_id, now_ms],
        )? == 1)
    }

    fn note_device_seen(&mut self, device_id: Uuid, last_seq: i64, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached("UPDATE devices SET last_seq = MAX(last_seq, ?2), last_seen_ms = ?3 WHERE id = ?1")?
            .execute(params![device_id, last_seq, now_ms])?;
        Ok(())
    }

    fn device_last_seq(&mut self, device_id: Uuid) -> HubResult<i64> {
        let seq = self
            .tx
            .prepare_cached("SELECT last_seq FROM devices WHERE id = ?1")?
            .query_row([device_id], |r| r.get(0))
            .optional()?;
        Ok(seq.unwrap_or(0))
    }

    fn note_deactivation_served(
        &mut self,
        device: &DeviceAuth,
        staff: Uuid,
        outbox_head: Option<i64>,
        slack: i64,
    ) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO deactivations_served (tenant_id, device_id, staff_id, known_after_seq)
                 SELECT ?1, id, ?3, MIN(MAX(last_seq, COALESCE(?4, last_seq)), last_seq + ?5) FROM devices WHERE id = ?2
                 ON CONFLICT (device_id, staff_id) DO UPDATE
                 SET known_after_seq = COALESCE(known_after_seq, excluded.known_after_seq)",
            )?
            .execute(params![device.tenant_id, device.device_id, staff, outbox_head, slack])?;
        Ok(())
    }

    fn note_reactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "UPDATE deactivations_served SET known_after_seq = NULL WHERE device_id = ?1 AND staff_id = ?2",
            )?
            .execute(params![device.device_id, staff])?;
        Ok(())
    }

    fn deactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<Option<i64>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT known_after_seq FROM deactivations_served
                 WHERE device_id = ?1 AND staff_id = ?2 AND tenant_id = ?3",
            )?
            .query_row(params![device.device_id, staff, device.tenant_id], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
    }

    fn devices(&mut self, tenant: Uuid) -> HubResult<Vec<DeviceInfo>> {
        let mut stmt = self.tx.prepare(
            "SELECT id, tenant_id, label, revoked_ms IS NOT NULL, last_seq, units, enrolled_ms, last_seen_ms, report,
                    audit_seq
             FROM devices WHERE tenant_id = ?1 ORDER BY enrolled_ms",
        )?;
        let rows = stmt
            .query_map([tenant], |r| {
                Ok((
                    (r.get::<_, Uuid>(0)?, r.get::<_, Uuid>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?),
                    (r.get::<_, i64>(4)?, r.get::<_, String>(5)?, r.get::<_, i64>(6)?),
                    (r.get::<_, Option<i64>>(7)?, r.get::<_, Option<String>>(8)?, r.get::<_, i64>(9)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(
                    (device_id, tenant_id, label, revoked),
                    (last_seq, units, enrolled_ms),
                    (last_seen_ms, report, audit_seq),
                )| {
                    Ok(DeviceInfo {
                        device_id,
                        tenant_id,
                        label,
                        revoked,
                        last_seq,
                        units: parse(&units)?,
                        enrolled_ms,
                        last_seen_ms,
                        report: report.as_deref().map(parse).transpose()?,
                        audit_seq,
                    })
                },
            )
            .collect()
    }

    fn note_device_report(&mut self, device_id: Uuid, report: &Value, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "UPDATE devices SET report = json_patch(COALESCE(report, '{}'), ?2), last_seen_ms = ?3 WHERE id = ?1",
            )?
            .execute(params![device_id, json(report)?, now_ms])?;
        Ok(())
    }

    fn note_device_refusal(&mut self, device_id: Uuid, report: &Value) -> HubResult<()> {
        self.tx
            .prepare_cached("UPDATE devices SET report = json_patch(COALESCE(report, '{}'), ?2) WHERE id = ?1")?
            .execute(params![device_id, json(report)?])?;
        Ok(())
    }

    fn device_label(&mut self, tenant: Uuid, device: Uuid) -> HubResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT label FROM devices WHERE tenant_id = ?1 AND id = ?2")?
            .query_row(params![tenant, device], |r| r.get(0))
            .optional()?)
    }
}
