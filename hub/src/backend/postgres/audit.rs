//! The devices' access journals as the hub holds and checks them. On PostgreSQL.

use super::*;
use crate::backend::AuditLog;

impl AuditLog for PgTx<'_> {
    fn audit_head(&mut self, tenant: Uuid, device: Uuid) -> HubResult<(i64, [u8; 32])> {
        let rows = self
            .query("SELECT audit_seq, audit_link FROM devices WHERE tenant_id = $1 AND id = $2", &[&tenant, &device])
            .map_err(pg)?;
        let Some(r) = rows.first() else { return Ok((0, [0; 32])) };
        let link: Option<Vec<u8>> = r.get(1);
        Ok((r.get(0), link.as_deref().and_then(|l| l.try_into().ok()).unwrap_or([0; 32])))
    }

    fn audit_context(&mut self, tenant: Uuid, device: Uuid) -> HubResult<AuditContext> {
        let rows = self
            .query(
                "SELECT d.enrolled_ms,
                (SELECT e.at_ms FROM audit_entries e WHERE e.tenant_id = d.tenant_id AND e.device_id = d.id
                   AND e.seq = d.audit_seq ORDER BY e.received_ms DESC LIMIT 1),
                EXISTS (SELECT 1 FROM audit_breaks b WHERE b.tenant_id = d.tenant_id AND b.device_id = d.id)
             FROM devices d WHERE d.tenant_id = $1 AND d.id = $2",
                &[&tenant, &device],
            )
            .map_err(pg)?;
        Ok(rows
            .first()
            .map(|r| AuditContext { enrolled_ms: r.get(0), head_at_ms: r.get(1), broken: r.get(2) })
            .unwrap_or_default())
    }

    fn set_audit_head(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<()> {
        self.execute(
            "UPDATE devices SET audit_seq = $3, audit_link = $4 WHERE tenant_id = $1 AND id = $2",
            &[&tenant, &device, &seq, &&link[..]],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn audit_entry_held(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<bool> {
        let rows = self
            .query(
                "SELECT 1 FROM audit_entries WHERE tenant_id = $1 AND device_id = $2 AND seq = $3 AND link = $4",
                &[&tenant, &device, &seq, &&link[..]],
            )
            .map_err(pg)?;
        Ok(!rows.is_empty())
    }

    fn insert_audit_entries(&mut self, tenant: Uuid, rows: &[AuditRow]) -> HubResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        // One round trip for the batch: arrays unnested.
        let devices: Vec<Uuid> = rows.iter().map(|r| r.device_id).collect();
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let links: Vec<&[u8]> = rows.iter().map(|r| &r.link[..]).collect();
        let ats: Vec<i64> = rows.iter().map(|r| r.at_ms).collect();
        let actors: Vec<Option<Uuid>> = rows.iter().map(|r| r.actor).collect();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        let entities: Vec<&str> = rows.iter().map(|r| r.entity.as_str()).collect();
        let entity_ids: Vec<Uuid> = rows.iter().map(|r| r.entity_id).collect();
        let residents: Vec<Option<Uuid>> = rows.iter().map(|r| r.resident_id).collect();
        let verified: Vec<bool> = rows.iter().map(|r| r.verified).collect();
        let received: Vec<i64> = rows.iter().map(|r| r.received_ms).collect();
        self.execute(
            "INSERT INTO audit_entries (tenant_id, device_id, seq, link, at_ms, actor, action, entity, entity_id,
                 resident_id, verified, received_ms)
             SELECT $1, * FROM unnest($2::uuid[], $3::bigint[], $4::bytea[], $5::bigint[], $6::uuid[], $7::text[],
                 $8::text[], $9::uuid[], $10::uuid[], $11::boolean[], $12::bigint[])
             ON CONFLICT DO NOTHING",
            &[
                &tenant,
                &devices,
                &seqs,
                &links,
                &ats,
                &actors,
                &actions,
                &entities,
                &entity_ids,
                &residents,
                &verified,
                &received,
            ],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn note_audit_break(&mut self, tenant: Uuid, b: &AuditBreak) -> HubResult<()> {
        self.execute(
            "INSERT INTO audit_breaks (tenant_id, device_id, seq, kind, detected_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
            &[&tenant, &b.device_id, &b.seq, &b.kind.as_str(), &b.detected_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn resident_audit(&mut self, tenant: Uuid, resident: Uuid) -> HubResult<Vec<AuditRow>> {
        let rows = self
            .query(
                "SELECT device_id, seq, link, at_ms, actor, action, entity, entity_id, resident_id, verified,
                        received_ms
                 FROM audit_entries WHERE tenant_id = $1 AND resident_id = $2 ORDER BY at_ms, device_id, seq",
                &[&tenant, &resident],
            )
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                let link: Vec<u8> = r.get(2);
                let action: String = r.get(5);
                Ok(AuditRow {
                    device_id: r.get(0),
                    seq: r.get(1),
                    link: link.try_into().map_err(|_| HubError::Storage("audit link length".into()))?,
                    at_ms: r.get(3),
                    actor: r.get(4),
                    action: chevet_protocol::AuditAction::parse(&action)
                        .ok_or_else(|| HubError::Storage(format!("unknown audit action {action}")))?,
                    entity: r.get(6),
                    entity_id: r.get(7),
                    resident_id: r.get(8),
                    verified: r.get(9),
                    received_ms: r.get(10),
                })
            })
            .collect()
    }

    fn audit_breaks(&mut self, tenant: Uuid) -> HubResult<Vec<AuditBreak>> {
        let rows = self
            .query(
                "SELECT device_id, seq, kind, detected_ms FROM audit_breaks WHERE tenant_id = $1
                 ORDER BY detected_ms, device_id, seq",
                &[&tenant],
            )
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                let kind: String = r.get(2);
                Ok(AuditBreak {
                    device_id: r.get(0),
                    seq: r.get(1),
                    kind: BreakKind::parse(&kind).ok_or_else(|| HubError::Storage(format!("unknown break {kind}")))?,
                    detected_ms: r.get(3),
                })
            })
            .collect()
    }
}
