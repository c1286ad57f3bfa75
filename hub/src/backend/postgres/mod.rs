//! PostgreSQL backend, for a group's hub serving many establishments.
//!
//! Two roles: the owner runs migrations and admin commands; the
//! application role serves devices and is confined by row-level security
//! to the tenant and units of the device it serves (`chevet.tenant` and
//! `chevet.units`, set per transaction), so a bug in the sync rules still
//! cannot read or write another tenant. Look-ups before authentication go
//! through three narrow SECURITY DEFINER functions.
//!
//! The pull log is ordered by (transaction id, position) and served only
//! below the oldest transaction still running, so a change committed late
//! by a slow transaction is never behind a cursor already handed out.

mod audit;
mod blobs;
mod console;
mod operations;
mod records;
mod tenancy;

use std::collections::BTreeSet;
use std::sync::{Condvar, Mutex};

use chevet_protocol::{Change, Entity, OpOutcome, Operation, RejectCode};
use std::collections::HashMap;

use postgres::{Client, NoTls, Statement};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    AuditBreak, AuditContext, AuditRow, Backend, BreakKind, ConflictRecord, ConsoleRow, DeviceAuth, DeviceInfo,
    DocumentRow, Scope, SignInCounter, Tx, VersionRow,
};
use crate::error::{HubError, HubResult};

const SCHEMA_VERSION: i64 = 7;
const MAX_CONNECTIONS: usize = 16;

fn pg(e: postgres::Error) -> HubError {
    // PostgreSQL errors name tables and constraints, not row values we bind.
    HubError::Storage(format!(
        "postgres: {}",
        e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_owned())
    ))
}

/// From schema v1 (ids unique across the hub) to v2: keys within the tenant.
fn upgrade_1_to_2(s: &str) -> String {
    format!(
        r#"
ALTER TABLE {s}.documents DROP CONSTRAINT documents_pkey, ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE {s}.document_versions DROP CONSTRAINT document_versions_pkey, ADD PRIMARY KEY (tenant_id, id, version);
ALTER TABLE {s}.facts DROP CONSTRAINT facts_pkey, ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE {s}.ops DROP CONSTRAINT ops_pkey, ADD PRIMARY KEY (tenant_id, device_id, op_id);
ALTER TABLE {s}.quarantine DROP CONSTRAINT quarantine_pkey, ADD PRIMARY KEY (tenant_id, device_id, op_id);
ALTER TABLE {s}.conflicts DROP CONSTRAINT conflicts_pkey, ADD PRIMARY KEY (tenant_id, device_id, op_id);
CREATE TABLE {s}.blob_refs (
    tenant_id uuid NOT NULL, hash text NOT NULL, unit_id uuid NOT NULL, PRIMARY KEY (tenant_id, hash, unit_id));
INSERT INTO {s}.blob_refs (tenant_id, hash, unit_id)
    SELECT tenant_id, payload->'fact'->'display'->>'hash', unit_id FROM {s}.facts WHERE payload->>'kind' = 'Photo'
    UNION
    SELECT tenant_id, payload->'fact'->'thumbnail'->>'hash', unit_id FROM {s}.facts WHERE payload->>'kind' = 'Photo';
{policy}
UPDATE {s}.meta SET value = 2 WHERE key = 'schema_version';
"#,
        policy = blob_refs_policy(s)
    )
}

/// Schema v3: the coordinator's console (accounts, sessions; out of the
/// application role's sight: row-level security with no policy) and
/// conflicts that say who made them and how they were resolved.
fn upgrade_2_to_3(s: &str) -> String {
    format!(
        r#"
CREATE TABLE {s}.console_accounts (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, login text NOT NULL UNIQUE,
    record jsonb NOT NULL);
CREATE TABLE {s}.console_sessions (token_hash bytea PRIMARY KEY, account_id uuid NOT NULL, expires_ms bigint NOT NULL,
    record jsonb NOT NULL);
CREATE INDEX console_sessions_expiry ON {s}.console_sessions (expires_ms);
ALTER TABLE {s}.console_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE {s}.console_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE {s}.conflicts ADD COLUMN author uuid, ADD COLUMN resolution jsonb;
ALTER TABLE {s}.devices ADD COLUMN report jsonb;
-- Before authentication: whether a credential is a revoked device's (it then erases its store).
CREATE FUNCTION {s}.credential_revoked(h bytea) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {s}, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM devices WHERE credential_hash = h AND revoked_ms IS NOT NULL) $$;
REVOKE ALL ON FUNCTION {s}.credential_revoked(bytea) FROM PUBLIC;
UPDATE {s}.meta SET value = 3 WHERE key = 'schema_version';
"#
    )
}

/// Schema v4: the access log (tablets' audit journals, each device's chain
/// head, and where a chain broke), within the device's tenant.
fn upgrade_3_to_4(s: &str) -> String {
    let tenant = "tenant_id = NULLIF(current_setting('chevet.tenant', true), '')::uuid";
    format!(
        r#"
CREATE TABLE {s}.audit_entries (
    tenant_id uuid NOT NULL, device_id uuid NOT NULL, seq bigint NOT NULL, link bytea NOT NULL,
    at_ms bigint NOT NULL, actor uuid, action text NOT NULL, entity text NOT NULL, entity_id uuid NOT NULL,
    resident_id uuid, verified boolean NOT NULL, received_ms bigint NOT NULL,
    PRIMARY KEY (tenant_id, device_id, seq, link));
CREATE INDEX audit_entries_resident ON {s}.audit_entries (tenant_id, resident_id, at_ms) WHERE resident_id IS NOT NULL;
CREATE TABLE {s}.audit_breaks (
    tenant_id uuid NOT NULL, device_id uuid NOT NULL, seq bigint NOT NULL, kind text NOT NULL,
    detected_ms bigint NOT NULL, PRIMARY KEY (tenant_id, device_id, seq, kind));
ALTER TABLE {s}.audit_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.audit_entries USING ({tenant}) WITH CHECK ({tenant});
ALTER TABLE {s}.audit_breaks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.audit_breaks USING ({tenant}) WITH CHECK ({tenant});
ALTER TABLE {s}.devices ADD COLUMN audit_seq bigint NOT NULL DEFAULT 0, ADD COLUMN audit_link bytea;
UPDATE {s}.meta SET value = 4 WHERE key = 'schema_version';
"#
    )
}

/// Schema v5: console sign-in failures counted per login (known or not),
/// apart from the accounts, so that an unknown login locks out the same way;
/// out of the application role's sight (row-level security, no policy).
fn upgrade_4_to_5(s: &str) -> String {
    let tenant = "tenant_id = NULLIF(current_setting('chevet.tenant', true), '')::uuid";
    format!(
        r#"
CREATE TABLE {s}.console_sign_in_failures (key_hash bytea PRIMARY KEY, failures integer NOT NULL,
    locked_until_ms bigint NOT NULL, updated_ms bigint NOT NULL);
CREATE INDEX console_sign_in_failures_updated ON {s}.console_sign_in_failures (updated_ms);
ALTER TABLE {s}.console_sign_in_failures ENABLE ROW LEVEL SECURITY;
DELETE FROM {s}.console_sessions WHERE record->>'stage' = 'anonymous';
CREATE TABLE {s}.stored_blobs (tenant_id uuid NOT NULL, hash text NOT NULL, device_id uuid NOT NULL,
    bytes bigint NOT NULL, published_ms bigint NOT NULL, PRIMARY KEY (tenant_id, hash));
CREATE INDEX stored_blobs_device ON {s}.stored_blobs (tenant_id, device_id);
CREATE INDEX stored_blobs_published ON {s}.stored_blobs (published_ms);
ALTER TABLE {s}.stored_blobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.stored_blobs USING ({tenant}) WITH CHECK ({tenant});
CREATE TABLE {s}.blob_keys (tenant_id uuid NOT NULL, hash text NOT NULL, content_key jsonb NOT NULL,
    PRIMARY KEY (tenant_id, hash));
INSERT INTO {s}.blob_keys (tenant_id, hash, content_key)
    SELECT tenant_id, payload->'fact'->'display'->>'hash', payload->'fact'->'content_key' FROM {s}.facts
    WHERE payload->>'kind' = 'Photo' AND payload->'fact'->'display'->>'hash' IS NOT NULL
    UNION
    SELECT tenant_id, payload->'fact'->'thumbnail'->>'hash', payload->'fact'->'content_key' FROM {s}.facts
    WHERE payload->>'kind' = 'Photo' AND payload->'fact'->'thumbnail'->>'hash' IS NOT NULL
    ON CONFLICT DO NOTHING;
ALTER TABLE {s}.blob_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.blob_keys USING ({tenant}) WITH CHECK ({tenant});
UPDATE {s}.meta SET value = 5 WHERE key = 'schema_version';
"#
    )
}

/// Schema v6: which deactivations each device was served, and how far its
/// own operations went then (a deactivated professional's records made
/// after it knew are refused, whatever date they claim). `known_after_seq`
/// is NULL once the professional was served active again.
fn upgrade_5_to_6(s: &str) -> String {
    let tenant = "tenant_id = NULLIF(current_setting('chevet.tenant', true), '')::uuid";
    format!(
        r#"
CREATE TABLE {s}.deactivations_served (tenant_id uuid NOT NULL, device_id uuid NOT NULL, staff_id uuid NOT NULL,
    known_after_seq bigint, PRIMARY KEY (device_id, staff_id));
ALTER TABLE {s}.deactivations_served ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.deactivations_served USING ({tenant}) WITH CHECK ({tenant});
UPDATE {s}.meta SET value = 6 WHERE key = 'schema_version';
"#
    )
}

/// Schema v7: the planned occurrence a fact answers and the fact a
/// correction voids, beside the payload, indexed — so the console lists
/// what nobody recorded without reading every fact. Filled for the facts
/// already there from their payloads.
fn upgrade_6_to_7(s: &str) -> String {
    format!(
        r#"
ALTER TABLE {s}.facts ADD COLUMN planned_act_id uuid, ADD COLUMN occurrence_ms bigint, ADD COLUMN corrects uuid;
UPDATE {s}.facts SET
    planned_act_id = (payload->'fact'->>'planned_act_id')::uuid,
    occurrence_ms = (extract(epoch FROM (payload->'fact'->>'occurrence')::timestamptz) * 1000)::bigint
    WHERE payload->>'kind' IN ('Act', 'Administration');
UPDATE {s}.facts SET corrects = (payload->'fact'->>'target_id')::uuid WHERE payload->>'kind' = 'Correction';
CREATE INDEX facts_answers ON {s}.facts (tenant_id, planned_act_id, occurrence_ms) WHERE planned_act_id IS NOT NULL;
CREATE INDEX facts_corrections ON {s}.facts (tenant_id, corrects) WHERE corrects IS NOT NULL;
UPDATE {s}.meta SET value = 7 WHERE key = 'schema_version';
"#
    )
}

/// Row-level security of `blob_refs`: the device's tenant and units.
fn blob_refs_policy(s: &str) -> String {
    let tenant = "tenant_id = NULLIF(current_setting('chevet.tenant', true), '')::uuid";
    let unit = "unit_id = ANY (NULLIF(current_setting('chevet.units', true), '')::uuid[])";
    format!(
        "ALTER TABLE {s}.blob_refs ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON {s}.blob_refs USING ({tenant} AND {unit}) WITH CHECK ({tenant} AND {unit});"
    )
}

/// The schema, tables, policies and functions, for schema `{s}`.
fn schema_sql(s: &str) -> String {
    let tenant = "tenant_id = NULLIF(current_setting('chevet.tenant', true), '')::uuid";
    let unit = "(unit_id IS NULL OR unit_id = ANY (NULLIF(current_setting('chevet.units', true), '')::uuid[]))";
    format!(
        r#"
CREATE TABLE {s}.meta (key text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO {s}.meta VALUES ('schema_version', {SCHEMA_VERSION}), ('history_floor_tx', 0);
CREATE TABLE {s}.tenants (id uuid PRIMARY KEY, name text NOT NULL, created_ms bigint NOT NULL);
CREATE TABLE {s}.devices (
    id uuid PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES {s}.tenants, label text NOT NULL, units uuid[] NOT NULL,
    credential_hash bytea NOT NULL UNIQUE, enrolled_ms bigint NOT NULL, revoked_ms bigint,
    last_seq bigint NOT NULL DEFAULT 0, last_seen_ms bigint);
CREATE TABLE {s}.enrolment_codes (
    code_hash bytea PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES {s}.tenants, units uuid[] NOT NULL,
    expires_ms bigint NOT NULL, used_ms bigint);
-- Rows of a tenant are keyed within it; operations within their device.
CREATE TABLE {s}.documents (
    id uuid NOT NULL, tenant_id uuid NOT NULL, entity text NOT NULL, unit_id uuid, version integer NOT NULL,
    state jsonb NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE {s}.document_versions (
    id uuid NOT NULL, tenant_id uuid NOT NULL, version integer NOT NULL, origin uuid, changed jsonb NOT NULL,
    state jsonb NOT NULL, PRIMARY KEY (tenant_id, id, version));
CREATE TABLE {s}.facts (
    id uuid NOT NULL, tenant_id uuid NOT NULL, unit_id uuid NOT NULL, payload jsonb NOT NULL, received_ms bigint NOT NULL,
    PRIMARY KEY (tenant_id, id));
CREATE TABLE {s}.ops (
    op_id uuid NOT NULL, tenant_id uuid NOT NULL, device_id uuid NOT NULL, device_seq bigint NOT NULL,
    outcome jsonb NOT NULL, received_ms bigint NOT NULL, PRIMARY KEY (tenant_id, device_id, op_id));
CREATE TABLE {s}.quarantine (
    op_id uuid NOT NULL, tenant_id uuid NOT NULL, device_id uuid NOT NULL, code text NOT NULL, reason text NOT NULL,
    op jsonb NOT NULL, received_ms bigint NOT NULL, PRIMARY KEY (tenant_id, device_id, op_id));
CREATE TABLE {s}.changes (
    seq bigserial PRIMARY KEY, tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(), tenant_id uuid NOT NULL, unit_id uuid,
    entity text NOT NULL, entity_id uuid NOT NULL, version integer, origin uuid, payload jsonb NOT NULL,
    committed_ms bigint NOT NULL);
CREATE INDEX changes_pull ON {s}.changes (tenant_id, tx_id, seq);
CREATE TABLE {s}.conflicts (
    op_id uuid NOT NULL, tenant_id uuid NOT NULL, entity text NOT NULL, entity_id uuid NOT NULL,
    device_id uuid NOT NULL, fields jsonb NOT NULL, device_values jsonb NOT NULL, hub_values jsonb NOT NULL,
    proposal boolean NOT NULL, created_ms bigint NOT NULL, resolved_ms bigint, PRIMARY KEY (tenant_id, device_id, op_id));
CREATE TABLE {s}.blob_refs (
    tenant_id uuid NOT NULL, hash text NOT NULL, unit_id uuid NOT NULL, PRIMARY KEY (tenant_id, hash, unit_id));

-- Row-level security: the application role sees its device's tenant and units only.
ALTER TABLE {s}.tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.tenants USING (id = NULLIF(current_setting('chevet.tenant', true), '')::uuid);
ALTER TABLE {s}.enrolment_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE {s}.devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.devices USING ({tenant}) WITH CHECK ({tenant});
ALTER TABLE {s}.documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON {s}.documents USING ({tenant} AND {unit}) WITH CHECK ({tenant} AND {unit});
ALTER TABLE {s}.document_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.document_versions USING ({tenant}) WITH CHECK ({tenant});
ALTER TABLE {s}.facts ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON {s}.facts USING ({tenant} AND {unit}) WITH CHECK ({tenant} AND {unit});
ALTER TABLE {s}.changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY scope ON {s}.changes USING ({tenant} AND {unit}) WITH CHECK ({tenant} AND {unit});
ALTER TABLE {s}.ops ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.ops USING ({tenant}) WITH CHECK ({tenant});
ALTER TABLE {s}.quarantine ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.quarantine USING ({tenant}) WITH CHECK ({tenant});
ALTER TABLE {s}.conflicts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON {s}.conflicts USING ({tenant}) WITH CHECK ({tenant});
{blob_refs_policy}

-- Before authentication: three narrow look-ups, run as the owner.
CREATE FUNCTION {s}.device_by_credential(h bytea) RETURNS TABLE (id uuid, tenant_id uuid, units uuid[])
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {s}, pg_temp
    AS $$ SELECT id, tenant_id, units FROM devices WHERE credential_hash = h AND revoked_ms IS NULL $$;
CREATE FUNCTION {s}.take_enrolment_code(h bytea, now_ms bigint) RETURNS TABLE (tenant_id uuid, units uuid[])
    LANGUAGE sql SECURITY DEFINER SET search_path = {s}, pg_temp
    AS $$ UPDATE enrolment_codes SET used_ms = now_ms
          WHERE code_hash = h AND used_ms IS NULL AND expires_ms > now_ms RETURNING tenant_id, units $$;
CREATE FUNCTION {s}.device_exists(d uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {s}, pg_temp
    AS $$ SELECT EXISTS (SELECT 1 FROM devices WHERE id = d) $$;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {s} FROM PUBLIC;
"#,
        blob_refs_policy = blob_refs_policy(s)
    )
}

/// A connection and the statements prepared on it (a round trip saved per query).
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// A small blocking connection pool.
struct Pool {
    config: postgres::Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    schema: String,
    idle: Mutex<(Vec<Conn>, usize)>,
    freed: Condvar,
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing a client blocks on its own runtime, which panics inside an
        // async context (a hub dropped by a tokio task): close them on a plain thread.
        let idle = std::mem::take(&mut self.idle.get_mut().unwrap_or_else(|p| p.into_inner()).0);
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl Pool {
    fn new(conninfo: &str, schema: &str) -> HubResult<Pool> {
        let super::pg_tls::PgTarget { config, tls } = super::pg_tls::target(conninfo)?;
        Ok(Pool { config, tls, schema: schema.to_owned(), idle: Mutex::new((Vec::new(), 0)), freed: Condvar::new() })
    }

    fn connect(&self) -> Result<Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        }
    }

    fn get(&self) -> HubResult<Conn> {
        let mut g = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = g.0.pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                g.1 -= 1;
                continue;
            }
            if g.1 < MAX_CONNECTIONS {
                g.1 += 1;
                drop(g);
                let connected = self.connect().and_then(|mut c| {
                    c.batch_execute(&format!("SET search_path TO {}, pg_temp", self.schema))?;
                    Ok(Conn { client: c, statements: HashMap::new() })
                });
                return connected.map_err(|e| {
                    self.idle.lock().unwrap_or_else(|p| p.into_inner()).1 -= 1;
                    self.freed.notify_one();
                    pg(e)
                });
            }
            g = self.freed.wait(g).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn put(&self, c: Conn) {
        let mut g = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if c.client.is_closed() {
            g.1 -= 1;
        } else {
            g.0.push(c);
        }
        self.freed.notify_one();
    }
}

/// The PostgreSQL backend.
pub struct PostgresBackend {
    owner: Pool,
    app: Pool,
}

fn valid_schema_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 48 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl PostgresBackend {
    /// Connects with the owner (migrations, admin) and application roles
    /// and brings `schema` to the current version.
    pub fn open(owner_conninfo: &str, app_conninfo: &str, schema: &str) -> HubResult<Self> {
        if !valid_schema_name(schema) {
            return Err(HubError::Storage("schema names are lower-case letters, digits and _".into()));
        }
        let owner = Pool::new(owner_conninfo, schema)?;
        let app = Pool::new(app_conninfo, schema)?;
        let app_role = app.config.get_user().unwrap_or("chevet_app").to_owned();
        let mut c = owner.connect().map_err(pg)?;
        let mut tx = c.transaction().map_err(pg)?;
        // Two hubs starting at once must not both migrate.
        tx.execute("SELECT pg_advisory_xact_lock(7368656)", &[]).map_err(pg)?;
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).map_err(pg)?;
        let exists: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'meta')",
                &[&schema],
            )
            .map_err(pg)?
            .get(0);
        if !exists {
            tx.batch_execute(&schema_sql(schema)).map_err(pg)?;
            tx.batch_execute(&upgrade_2_to_3(schema)).map_err(pg)?;
            tx.batch_execute(&upgrade_3_to_4(schema)).map_err(pg)?;
            tx.batch_execute(&upgrade_4_to_5(schema)).map_err(pg)?;
            tx.batch_execute(&upgrade_5_to_6(schema)).map_err(pg)?;
            tx.batch_execute(&upgrade_6_to_7(schema)).map_err(pg)?;
        } else {
            let v: i64 = tx
                .query_one(&format!("SELECT value FROM {schema}.meta WHERE key = 'schema_version'"), &[])
                .map_err(pg)?
                .get(0);
            if v > SCHEMA_VERSION {
                return Err(HubError::Storage(format!("hub schema {v} is newer than this build")));
            }
            if v < 2 {
                tx.batch_execute(&upgrade_1_to_2(schema)).map_err(pg)?;
            }
            if v < 3 {
                tx.batch_execute(&upgrade_2_to_3(schema)).map_err(pg)?;
            }
            if v < 4 {
                tx.batch_execute(&upgrade_3_to_4(schema)).map_err(pg)?;
            }
            if v < 5 {
                tx.batch_execute(&upgrade_4_to_5(schema)).map_err(pg)?;
            }
            if v < 6 {
                tx.batch_execute(&upgrade_5_to_6(schema)).map_err(pg)?;
            }
            if v < 7 {
                tx.batch_execute(&upgrade_6_to_7(schema)).map_err(pg)?;
                log::info!("hub schema {v} brought to {SCHEMA_VERSION}");
            }
        }
        if !app_role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(HubError::Storage("application role name must be a plain identifier".into()));
        }
        // Admin tools connect as the owner for both; grants are for a distinct app role.
        let owner_role = owner.config.get_user().unwrap_or_default();
        if app_role != owner_role {
            tx.batch_execute(&format!(
                "GRANT USAGE ON SCHEMA {schema} TO {app_role};
             GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {schema} TO {app_role};
             REVOKE ALL ON {schema}.enrolment_codes FROM {app_role};
             REVOKE UPDATE, INSERT ON {schema}.meta, {schema}.tenants FROM {app_role};
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {app_role};
             GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {app_role};"
            ))
            .map_err(pg)?;
        }
        tx.commit().map_err(pg)?;
        Ok(PostgresBackend { owner, app })
    }

    fn run<T>(
        &self,
        pool: &Pool,
        setup: &[(&str, String)],
        f: impl FnOnce(&mut dyn Tx) -> HubResult<T>,
    ) -> HubResult<T> {
        let mut conn = pool.get()?;
        let result = (|| {
            let Conn { client, statements } = &mut conn;
            let mut tx = client.transaction().map_err(pg)?;
            for (key, value) in setup {
                tx.execute("SELECT set_config($1, $2, true)", &[key, value]).map_err(pg)?;
            }
            let mut t = PgTx { tx, statements };
            let out = f(&mut t)?;
            t.tx.commit().map_err(pg)?;
            Ok(out)
        })();
        pool.put(conn);
        result
    }
}

fn units_literal(units: &[Uuid]) -> String {
    format!("{{{}}}", units.iter().map(Uuid::to_string).collect::<Vec<_>>().join(","))
}

impl Backend for PostgresBackend {
    fn transaction<T>(&self, scope: Scope<'_>, f: impl FnOnce(&mut dyn Tx) -> HubResult<T>) -> HubResult<T> {
        match scope {
            Scope::Admin => self.run(&self.owner, &[], f),
            Scope::Hub => self.run(&self.app, &[], f),
            Scope::Device(d) => self.run(
                &self.app,
                &[("chevet.tenant", d.tenant_id.to_string()), ("chevet.units", units_literal(&d.units))],
                f,
            ),
        }
    }
}

struct PgTx<'c> {
    tx: postgres::Transaction<'c>,
    statements: &'c mut HashMap<&'static str, Statement>,
}

type Params<'p> = &'p [&'p (dyn postgres::types::ToSql + Sync)];

impl PgTx<'_> {
    fn statement(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<postgres::Row>, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.query(&s, params)
    }

    fn query_one(&mut self, sql: &'static str, params: Params<'_>) -> Result<postgres::Row, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.query_one(&s, params)
    }

    fn execute(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64, postgres::Error> {
        let s = self.statement(sql)?;
        self.tx.execute(&s, params)
    }
}

fn entity_str(e: Entity) -> HubResult<String> {
    match serde_json::to_value(e) {
        Ok(Value::String(s)) => Ok(s),
        _ => Err(HubError::Storage("entity name".into())),
    }
}

fn entity_from(s: &str) -> HubResult<Entity> {
    serde_json::from_value(Value::String(s.to_owned())).map_err(|_| HubError::Storage(format!("unknown entity {s}")))
}

fn to_value<T: serde::Serialize>(v: &T) -> HubResult<Value> {
    serde_json::to_value(v).map_err(|e| HubError::Storage(format!("encoding: {e}")))
}

fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> HubResult<T> {
    serde_json::from_value(v).map_err(|e| HubError::Storage(format!("stored JSON unreadable: {e}")))
}

fn encode_cursor(tx_id: i64, seq: i64) -> String {
    format!("p1.{tx_id:x}.{seq:x}")
}

fn decode_cursor(cursor: &str) -> HubResult<(i64, i64)> {
    if cursor.is_empty() {
        return Ok((0, 0));
    }
    let bad = || HubError::BadRequest("cursor is not one this hub issued".into());
    let rest = cursor.strip_prefix("p1.").ok_or_else(bad)?;
    let (t, s) = rest.split_once('.').ok_or_else(bad)?;
    let t = i64::from_str_radix(t, 16).map_err(|_| bad())?;
    let s = i64::from_str_radix(s, 16).map_err(|_| bad())?;
    if t < 0 || s < 0 {
        return Err(bad());
    }
    Ok((t, s))
}

fn conflict_row(r: &postgres::Row) -> HubResult<ConflictRecord> {
    let entity: String = r.get(0);
    Ok(ConflictRecord {
        entity: entity_from(&entity)?,
        entity_id: r.get(1),
        op_id: r.get(2),
        device_id: r.get(3),
        fields: from_value(r.get(4))?,
        device_values: r.get(5),
        hub_values: r.get(6),
        proposal: r.get(7),
        author: r.get(8),
        created_ms: r.get(9),
        resolved_ms: r.get(10),
        resolution: r.get(11),
    })
}

fn console_row(r: &postgres::Row) -> ConsoleRow {
    ConsoleRow { id: r.get(0), tenant_id: r.get(1), login: r.get(2), record: r.get(3) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_and_schema_names() {
        assert_eq!(decode_cursor(&encode_cursor(77, 12)).unwrap(), (77, 12));
        assert_eq!(decode_cursor("").unwrap(), (0, 0));
        for bad in ["c1.10", "p1.", "p1.zz.1", "p1.1", "p1.-1.2"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
        assert!(valid_schema_name("chevet"));
        assert!(!valid_schema_name("chevet; DROP TABLE x"));
        assert!(!valid_schema_name(""));
    }
}
