//! Documents with their versions, facts, and the change log devices pull (with its snapshots and compaction). On SQLite.

use super::*;
use crate::backend::Records;

impl Records for SqliteTx<'_> {
    fn document(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<DocumentRow>> {
        let row: Option<(String, Option<Uuid>, u32, String)> = self
            .tx
            .prepare_cached("SELECT entity, unit_id, version, state FROM documents WHERE id = ?1 AND tenant_id = ?2")?
            .query_row(params![id, tenant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        row.map(|(e, unit_id, version, state)| {
            Ok(DocumentRow { entity: entity_from(&e)?, unit_id, version, state: parse(&state)? })
        })
        .transpose()
    }

    fn documents_of(&mut self, tenant: Uuid, entity: Entity) -> HubResult<Vec<(Uuid, DocumentRow)>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, unit_id, version, state FROM documents WHERE tenant_id = ?1 AND entity = ?2")?;
        let rows = stmt
            .query_map(params![tenant, entity_str(entity)?], |r| {
                Ok((r.get::<_, Uuid>(0)?, r.get::<_, Option<Uuid>>(1)?, r.get::<_, u32>(2)?, r.get::<_, String>(3)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, unit_id, version, state)| {
                Ok((id, DocumentRow { entity, unit_id, version, state: parse(&state)? }))
            })
            .collect()
    }

    fn document_state_at(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Option<Map<String, Value>>> {
        let row: Option<String> = self
            .tx
            .prepare_cached("SELECT state FROM document_versions WHERE tenant_id = ?1 AND id = ?2 AND version = ?3")?
            .query_row(params![tenant, id, version], |r| r.get(0))
            .optional()?;
        row.map(|s| parse(&s)).transpose()
    }

    fn versions_after(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Vec<VersionRow>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT version, origin, changed FROM document_versions
             WHERE tenant_id = ?1 AND id = ?2 AND version > ?3 ORDER BY version",
        )?;
        let rows = stmt
            .query_map(params![tenant, id, version], |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, Option<Uuid>>(1)?, r.get::<_, String>(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(version, origin, changed)| Ok(VersionRow { version, origin, changed: parse(&changed)? }))
            .collect()
    }

    fn save_document(
        &mut self,
        tenant: Uuid,
        id: Uuid,
        entity: Entity,
        unit_id: Option<Uuid>,
        version: u32,
        state: &Map<String, Value>,
        origin: Option<Uuid>,
        changed: &BTreeSet<String>,
    ) -> HubResult<()> {
        let state = json(state)?;
        self.tx
            .prepare_cached(
                "INSERT INTO documents (id, tenant_id, entity, unit_id, version, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tenant_id, id) DO UPDATE
                 SET unit_id = excluded.unit_id, version = excluded.version, state = excluded.state",
            )?
            .execute(params![id, tenant, entity_str(entity)?, unit_id, version, state])?;
        self.tx
            .prepare_cached(
                "INSERT INTO document_versions (tenant_id, id, version, origin, changed, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![tenant, id, version, origin, json(changed)?, state])?;
        Ok(())
    }

    fn insert_fact(&mut self, tenant: Uuid, id: Uuid, unit_id: Uuid, payload: &Value, now_ms: i64) -> HubResult<bool> {
        let ix = crate::backend::FactIndex::of(payload);
        Ok(self
            .tx
            .prepare_cached(
                "INSERT INTO facts (id, tenant_id, unit_id, payload, received_ms, planned_act_id, occurrence_ms, corrects)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (tenant_id, id) DO NOTHING",
            )?
            .execute(params![id, tenant, unit_id, json(payload)?, now_ms, ix.planned_act_id, ix.occurrence_ms, ix.corrects])?
            == 1)
    }

    fn answered_occurrences(
        &mut self,
        tenant: Uuid,
        planned_act: Uuid,
        from_ms: i64,
        to_ms: i64,
    ) -> HubResult<Vec<i64>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT f.occurrence_ms FROM facts f
             WHERE f.tenant_id = ?1 AND f.planned_act_id = ?2 AND f.occurrence_ms >= ?3 AND f.occurrence_ms < ?4
               AND NOT EXISTS (SELECT 1 FROM facts c WHERE c.tenant_id = f.tenant_id AND c.corrects = f.id)",
        )?;
        let rows = stmt.query_map(params![tenant, planned_act, from_ms, to_ms], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn fact(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<Value>> {
        let row: Option<String> = self
            .tx
            .query_row("SELECT payload FROM facts WHERE id = ?1 AND tenant_id = ?2", params![id, tenant], |r| r.get(0))
            .optional()?;
        row.map(|s| parse(&s)).transpose()
    }

    fn append_change(&mut self, tenant: Uuid, unit_id: Option<Uuid>, c: &Change, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO changes (tenant_id, unit_id, entity, entity_id, version, origin, payload, committed_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                tenant,
                unit_id,
                entity_str(c.entity)?,
                c.entity_id,
                c.version,
                c.origin_device,
                json(&c.payload)?,
                now_ms
            ])?;
        Ok(())
    }

    fn log_compacted(&mut self) -> HubResult<bool> {
        Ok(self.tx.query_row("SELECT value FROM meta WHERE key = 'history_floor'", [], |r| r.get::<_, i64>(0))? > 0)
    }

    fn log_head(&mut self) -> HubResult<String> {
        // One writer: nothing can commit below the current maximum later.
        // Never below the floor, even when compaction emptied the log.
        let max: i64 = self.tx.query_row(
            "SELECT MAX(COALESCE((SELECT MAX(seq) FROM changes), 0), (SELECT value FROM meta WHERE key = 'history_floor'))",
            [],
            |r| r.get(0),
        )?;
        Ok(encode_cursor(max))
    }

    fn compact_log(&mut self, before_ms: i64) -> HubResult<u64> {
        let cut: Option<i64> =
            self.tx.query_row("SELECT MAX(seq) FROM changes WHERE committed_ms < ?1", [before_ms], |r| r.get(0))?;
        let Some(cut) = cut else { return Ok(0) };
        let n = self.tx.execute("DELETE FROM changes WHERE seq <= ?1", [cut])?;
        self.tx.execute("UPDATE meta SET value = MAX(value, ?1) WHERE key = 'history_floor'", [cut])?;
        Ok(n as u64)
    }

    fn snapshot_page(
        &mut self,
        tenant: Uuid,
        units: &[Uuid],
        after: (u8, Uuid),
        limit: u32,
    ) -> HubResult<crate::backend::SnapshotPage> {
        let scope = "(unit_id IS NULL OR unit_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each(?3)))";
        let (phase, last) = after;
        let mut out = Vec::new();
        if phase == 0 {
            let mut stmt = self.tx.prepare_cached(&format!(
                "SELECT id, entity, version, state FROM documents WHERE tenant_id = ?1 AND id > ?2 AND {scope}
                 ORDER BY id LIMIT ?4"
            ))?;
            let rows = stmt
                .query_map(params![tenant, last, json(&units)?, limit], |r| {
                    Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?, r.get::<_, String>(3)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (id, entity, version, state) in rows {
                out.push(Change {
                    entity: entity_from(&entity)?,
                    entity_id: id,
                    version: Some(version),
                    origin_device: None,
                    payload: parse(&state)?,
                });
            }
            let next =
                if out.len() == limit as usize { out.last().map(|c| (0, c.entity_id)) } else { Some((1, Uuid::nil())) };
            return Ok((out, next));
        }
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT id, payload FROM facts WHERE tenant_id = ?1 AND id > ?2 AND {scope} ORDER BY id LIMIT ?4"
        ))?;
        let rows = stmt
            .query_map(params![tenant, last, json(&units)?, limit], |r| {
                Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, payload) in rows {
            out.push(Change {
                entity: Entity::Fact,
                entity_id: id,
                version: None,
                origin_device: None,
                payload: parse(&payload)?,
            });
        }
        let next = if out.len() == limit as usize { out.last().map(|c| (1, c.entity_id)) } else { None };
        Ok((out, next))
    }

    fn pull_page(
        &mut self,
        tenant: Uuid,
        units: &[Uuid],
        cursor: &str,
        limit: u32,
    ) -> HubResult<(Vec<Change>, String, bool)> {
        let after = decode_cursor(cursor)?;
        let floor: i64 = self.tx.query_row("SELECT value FROM meta WHERE key = 'history_floor'", [], |r| r.get(0))?;
        if after < floor {
            return Err(HubError::Resnapshot);
        }
        let mut rows = self.changes_after(tenant, units, after, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let last = rows.last().map_or(after, |(s, _)| *s);
        Ok((rows.into_iter().map(|(_, c)| c).collect(), encode_cursor(last), more))
    }
}
