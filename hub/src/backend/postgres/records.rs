//! Documents with their versions, facts, and the change log devices pull (with its snapshots and compaction). On PostgreSQL.

use super::*;
use crate::backend::Records;

impl Records for PgTx<'_> {
    fn documents_of(&mut self, tenant: Uuid, entity: Entity) -> HubResult<Vec<(Uuid, DocumentRow)>> {
        let rows = self
            .query(
                "SELECT id, unit_id, version, state FROM documents WHERE tenant_id = $1 AND entity = $2",
                &[&tenant, &entity_str(entity)?],
            )
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                let version: i32 = r.get(2);
                let state: Value = r.get(3);
                let Value::Object(state) = state else {
                    return Err(HubError::Storage("document state is not an object".into()));
                };
                Ok((r.get(0), DocumentRow { entity, unit_id: r.get(1), version: version as u32, state }))
            })
            .collect()
    }

    fn document(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<DocumentRow>> {
        let rows = self
            .query(
                "SELECT entity, unit_id, version, state FROM documents WHERE id = $1 AND tenant_id = $2",
                &[&id, &tenant],
            )
            .map_err(pg)?;
        rows.first()
            .map(|r| {
                let entity: String = r.get(0);
                let version: i32 = r.get(2);
                Ok(DocumentRow {
                    entity: entity_from(&entity)?,
                    unit_id: r.get(1),
                    version: version as u32,
                    state: from_value(r.get(3))?,
                })
            })
            .transpose()
    }

    fn document_state_at(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Option<Map<String, Value>>> {
        let rows = self
            .query(
                "SELECT state FROM document_versions WHERE tenant_id = $1 AND id = $2 AND version = $3",
                &[&tenant, &id, &(version as i32)],
            )
            .map_err(pg)?;
        rows.first().map(|r| from_value(r.get(0))).transpose()
    }

    fn versions_after(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Vec<VersionRow>> {
        let rows = self
            .query(
                "SELECT version, origin, changed FROM document_versions
                 WHERE tenant_id = $1 AND id = $2 AND version > $3 ORDER BY version",
                &[&tenant, &id, &(version as i32)],
            )
            .map_err(pg)?;
        rows.iter()
            .map(|r| {
                let v: i32 = r.get(0);
                Ok(VersionRow { version: v as u32, origin: r.get(1), changed: from_value(r.get(2))? })
            })
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
        let state = Value::Object(state.clone());
        let version = version as i32;
        self.execute(
            "INSERT INTO documents (id, tenant_id, entity, unit_id, version, state) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (tenant_id, id) DO UPDATE
                 SET unit_id = excluded.unit_id, version = excluded.version, state = excluded.state",
            &[&id, &tenant, &entity_str(entity)?, &unit_id, &version, &state],
        )
        .map_err(pg)?;
        self.execute(
                "INSERT INTO document_versions (id, tenant_id, version, origin, changed, state) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&id, &tenant, &version, &origin, &to_value(changed)?, &state],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn insert_fact(&mut self, tenant: Uuid, id: Uuid, unit_id: Uuid, payload: &Value, now_ms: i64) -> HubResult<bool> {
        let ix = crate::backend::FactIndex::of(payload);
        Ok(self
            .execute(
                "INSERT INTO facts (id, tenant_id, unit_id, payload, received_ms, planned_act_id, occurrence_ms, corrects)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (tenant_id, id) DO NOTHING",
                &[&id, &tenant, &unit_id, payload, &now_ms, &ix.planned_act_id, &ix.occurrence_ms, &ix.corrects],
            )
            .map_err(pg)?
            == 1)
    }

    fn answered_occurrences(
        &mut self,
        tenant: Uuid,
        planned_act: Uuid,
        from_ms: i64,
        to_ms: i64,
    ) -> HubResult<Vec<i64>> {
        let rows = self
            .query(
                "SELECT f.occurrence_ms FROM facts f
                 WHERE f.tenant_id = $1 AND f.planned_act_id = $2 AND f.occurrence_ms >= $3 AND f.occurrence_ms < $4
                   AND NOT EXISTS (SELECT 1 FROM facts c WHERE c.tenant_id = f.tenant_id AND c.corrects = f.id)",
                &[&tenant, &planned_act, &from_ms, &to_ms],
            )
            .map_err(pg)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn insert_fact_logged(&mut self, tenant: Uuid, unit_id: Uuid, c: &Change, now_ms: i64) -> HubResult<bool> {
        let version = c.version.map(|v| v as i32);
        let ix = crate::backend::FactIndex::of(&c.payload);
        let row = self
            .query_one(
                "WITH f AS (
                    INSERT INTO facts (id, tenant_id, unit_id, payload, received_ms, planned_act_id, occurrence_ms,
                        corrects)
                    VALUES ($1, $2, $3, $4, $5, $8, $9, $10)
                    ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id),
                 c AS (
                    INSERT INTO changes (tenant_id, unit_id, entity, entity_id, version, origin, payload, committed_ms)
                    SELECT $2, $3, 'fact', f.id, $6, $7, $4, $5 FROM f RETURNING 1)
                 SELECT count(*) FROM c",
                &[
                    &c.entity_id,
                    &tenant,
                    &unit_id,
                    &c.payload,
                    &now_ms,
                    &version,
                    &c.origin_device,
                    &ix.planned_act_id,
                    &ix.occurrence_ms,
                    &ix.corrects,
                ],
            )
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0) == 1)
    }

    fn fact(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<Value>> {
        let rows =
            self.query("SELECT payload FROM facts WHERE id = $1 AND tenant_id = $2", &[&id, &tenant]).map_err(pg)?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn append_change(&mut self, tenant: Uuid, unit_id: Option<Uuid>, c: &Change, now_ms: i64) -> HubResult<()> {
        let version = c.version.map(|v| v as i32);
        self.execute(
            "INSERT INTO changes (tenant_id, unit_id, entity, entity_id, version, origin, payload, committed_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&tenant, &unit_id, &entity_str(c.entity)?, &c.entity_id, &version, &c.origin_device, &c.payload, &now_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn log_compacted(&mut self) -> HubResult<bool> {
        let floor: i64 =
            self.query_one("SELECT value FROM meta WHERE key = 'history_floor_tx'", &[]).map_err(pg)?.get(0);
        Ok(floor > 0)
    }

    fn log_head(&mut self) -> HubResult<String> {
        // Every transaction below xmin has finished; later ones come after.
        let row = self
            .query_one(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                        (SELECT value FROM meta WHERE key = 'history_floor_tx')",
                &[],
            )
            .map_err(pg)?;
        let (xmin, floor): (i64, i64) = (row.get(0), row.get(1));
        // Past every finished transaction; never behind the floor, and when
        // the floor's own transaction may still run, just before all of it.
        Ok(if xmin > floor { encode_cursor(xmin - 1, i64::MAX) } else { encode_cursor(floor, 0) })
    }

    fn compact_log(&mut self, before_ms: i64) -> HubResult<u64> {
        let row = self
            .query_one("SELECT MAX(tx_id)::text::bigint FROM changes WHERE committed_ms < $1", &[&before_ms])
            .map_err(pg)?;
        let Some(cut) = row.get::<_, Option<i64>>(0) else { return Ok(0) };
        let n = self.execute("DELETE FROM changes WHERE tx_id <= $1::text::xid8", &[&cut.to_string()]).map_err(pg)?;
        self.execute("UPDATE meta SET value = GREATEST(value, $1) WHERE key = 'history_floor_tx'", &[&(cut + 1)])
            .map_err(pg)?;
        Ok(n)
    }

    fn snapshot_page(
        &mut self,
        tenant: Uuid,
        units: &[Uuid],
        after: (u8, Uuid),
        limit: u32,
    ) -> HubResult<crate::backend::SnapshotPage> {
        let (phase, last) = after;
        let mut out = Vec::new();
        let limit_i = i64::from(limit);
        let units = units.to_vec();
        if phase == 0 {
            let rows = self
                .query(
                    "SELECT id, entity, version, state FROM documents
                     WHERE tenant_id = $1 AND id > $2 AND (unit_id IS NULL OR unit_id = ANY ($3)) ORDER BY id LIMIT $4",
                    &[&tenant, &last, &units, &limit_i],
                )
                .map_err(pg)?;
            for r in &rows {
                let entity: String = r.get(1);
                let version: i32 = r.get(2);
                out.push(Change {
                    entity: entity_from(&entity)?,
                    entity_id: r.get(0),
                    version: Some(version as u32),
                    origin_device: None,
                    payload: r.get(3),
                });
            }
            let next =
                if out.len() == limit as usize { out.last().map(|c| (0, c.entity_id)) } else { Some((1, Uuid::nil())) };
            return Ok((out, next));
        }
        let rows = self
            .query(
                "SELECT id, payload FROM facts WHERE tenant_id = $1 AND id > $2 AND unit_id = ANY ($3) ORDER BY id LIMIT $4",
                &[&tenant, &last, &units, &limit_i],
            )
            .map_err(pg)?;
        for r in &rows {
            out.push(Change {
                entity: Entity::Fact,
                entity_id: r.get(0),
                version: None,
                origin_device: None,
                payload: r.get(1),
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
        let (after_tx, after_seq) = decode_cursor(cursor)?;
        let floor: i64 =
            self.query_one("SELECT value FROM meta WHERE key = 'history_floor_tx'", &[]).map_err(pg)?.get(0);
        if after_tx < floor {
            return Err(HubError::Resnapshot);
        }
        // Only below the oldest running transaction: nothing older can still commit.
        let rows = self
            .query(
                "SELECT tx_id::text::bigint, seq, entity, entity_id, version, origin, payload FROM changes
                 WHERE tenant_id = $1 AND (unit_id IS NULL OR unit_id = ANY ($2))
                   AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
                   AND (tx_id, seq) > ($3::text::xid8, $4)
                 ORDER BY tx_id, seq LIMIT $5",
                &[&tenant, &units, &after_tx.to_string(), &after_seq, &(i64::from(limit) + 1)],
            )
            .map_err(pg)?;
        let more = rows.len() > limit as usize;
        let mut last = (after_tx, after_seq);
        let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
        for r in rows.iter().take(limit as usize) {
            last = (r.get(0), r.get(1));
            let entity: String = r.get(2);
            let version: Option<i32> = r.get(4);
            changes.push(Change {
                entity: entity_from(&entity)?,
                entity_id: r.get(3),
                version: version.map(|v| v as u32),
                origin_device: r.get(5),
                payload: r.get(6),
            });
        }
        Ok((changes, encode_cursor(last.0, last.1), more))
    }
}
