//! The devices' access journals as the hub holds and checks them. On SQLite.

use super::*;
use crate::backend::AuditLog;

impl AuditLog for SqliteTx<'_> {
    fn audit_head(&mut self, tenant: Uuid, device: Uuid) -> HubResult<(i64, [u8; 32])> {
        let row: Option<(i64, Option<Vec<u8>>)> = self
            .tx
            .prepare_cached("SELECT audit_seq, audit_link FROM devices WHERE tenant_id = ?1 AND id = ?2")?
            .query_row(params![tenant, device], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (seq, link) = row.unwrap_or((0, None));
        Ok((seq, link.as_deref().and_then(|l| l.try_into().ok()).unwrap_or([0; 32])))
    }

    fn audit_context(&mut self, tenant: Uuid, device: Uuid) -> HubResult<AuditContext> {
        let row = self
            .tx
            .prepare_cached(
                "SELECT d.enrolled_ms,
                (SELECT e.at_ms FROM audit_entries e WHERE e.tenant_id = d.tenant_id AND e.device_id = d.id
                   AND e.seq = d.audit_seq ORDER BY e.received_ms DESC LIMIT 1),
                EXISTS (SELECT 1 FROM audit_breaks b WHERE b.tenant_id = d.tenant_id AND b.device_id = d.id)
             FROM devices d WHERE d.tenant_id = ?1 AND d.id = ?2",
            )?
            .query_row(params![tenant, device], |r| {
                Ok(AuditContext { enrolled_ms: r.get(0)?, head_at_ms: r.get(1)?, broken: r.get(2)? })
            })
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    fn set_audit_head(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<()> {
        self.tx
            .prepare_cached("UPDATE devices SET audit_seq = ?3, audit_link = ?4 WHERE tenant_id = ?1 AND id = ?2")?
            .execute(params![tenant, device, seq, &link[..]])?;
        Ok(())
    }

    fn audit_entry_held(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM audit_entries WHERE tenant_id = ?1 AND device_id = ?2 AND seq = ?3 AND link = ?4",
            )?
            .query_row(params![tenant, device, seq, &link[..]], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn insert_audit_entries(&mut self, tenant: Uuid, rows: &[AuditRow]) -> HubResult<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO audit_entries (tenant_id, device_id, seq, link, at_ms, actor, action, entity,
                 entity_id, resident_id, verified, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for r in rows {
            stmt.execute(params![
                tenant,
                r.device_id,
                r.seq,
                &r.link[..],
                r.at_ms,
                r.actor,
                r.action.as_str(),
                r.entity,
                r.entity_id,
                r.resident_id,
                r.verified,
                r.received_ms
            ])?;
        }
        Ok(())
    }

    fn note_audit_break(&mut self, tenant: Uuid, b: &AuditBreak) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO audit_breaks (tenant_id, device_id, seq, kind, detected_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![tenant, b.device_id, b.seq, b.kind.as_str(), b.detected_ms])?;
        Ok(())
    }

    fn resident_audit(&mut self, tenant: Uuid, resident: Uuid) -> HubResult<Vec<AuditRow>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT device_id, seq, link, at_ms, actor, action, entity, entity_id, resident_id, verified, received_ms
             FROM audit_entries WHERE tenant_id = ?1 AND resident_id = ?2 ORDER BY at_ms, device_id, seq",
        )?;
        let rows = stmt
            .query_map(params![tenant, resident], |r| {
                Ok((
                    (r.get::<_, Uuid>(0)?, r.get::<_, i64>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, i64>(3)?),
                    (r.get::<_, Option<Uuid>>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?),
                    (r.get::<_, Uuid>(7)?, r.get::<_, Option<Uuid>>(8)?, r.get::<_, bool>(9)?, r.get::<_, i64>(10)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(
                    (device_id, seq, link, at_ms),
                    (actor, action, entity),
                    (entity_id, resident_id, verified, received_ms),
                )| {
                    Ok(AuditRow {
                        device_id,
                        seq,
                        link: link.try_into().map_err(|_| HubError::Storage("audit link length".into()))?,
                        at_ms,
                        actor,
                        action: chevet_protocol::AuditAction::parse(&action)
                            .ok_or_else(|| HubError::Storage(format!("unknown audit action {action}")))?,
                        entity,
                        entity_id,
                        resident_id,
                        verified,
                        received_ms,
                    })
                },
            )
            .collect()
    }

    fn audit_breaks(&mut self, tenant: Uuid) -> HubResult<Vec<AuditBreak>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT device_id, seq, kind, detected_ms FROM audit_breaks WHERE tenant_id = ?1
             ORDER BY detected_ms, device_id, seq",
        )?;
        let rows = stmt
            .query_map([tenant], |r| {
                Ok((r.get::<_, Uuid>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(device_id, seq, kind, detected_ms)| {
                Ok(AuditBreak {
                    device_id,
                    seq,
                    kind: BreakKind::parse(&kind).ok_or_else(|| HubError::Storage(format!("unknown break {kind}")))?,
                    detected_ms,
                })
            })
            .collect()
    }
}
