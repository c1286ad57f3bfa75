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

const SCHEMA_VERSION: i64 = 6;
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

impl Tx for PgTx<'_> {
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

    fn quarantine_count(&mut self, d: &DeviceAuth) -> HubResult<i64> {
        Ok(self
            .query_one(
                "SELECT COUNT(*) FROM quarantine WHERE tenant_id = $1 AND device_id = $2",
                &[&d.tenant_id, &d.device_id],
            )
            .map_err(pg)?
            .get(0))
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
        Ok(self
            .execute(
                "INSERT INTO facts (id, tenant_id, unit_id, payload, received_ms) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (tenant_id, id) DO NOTHING",
                &[&id, &tenant, &unit_id, payload, &now_ms],
            )
            .map_err(pg)?
            == 1)
    }

    fn insert_fact_logged(&mut self, tenant: Uuid, unit_id: Uuid, c: &Change, now_ms: i64) -> HubResult<bool> {
        let version = c.version.map(|v| v as i32);
        let row = self
            .query_one(
                "WITH f AS (
                    INSERT INTO facts (id, tenant_id, unit_id, payload, received_ms) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id),
                 c AS (
                    INSERT INTO changes (tenant_id, unit_id, entity, entity_id, version, origin, payload, committed_ms)
                    SELECT $2, $3, 'fact', f.id, $6, $7, $4, $5 FROM f RETURNING 1)
                 SELECT count(*) FROM c",
                &[&c.entity_id, &tenant, &unit_id, &c.payload, &now_ms, &version, &c.origin_device],
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
    ) -> HubResult<super::SnapshotPage> {
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

    fn add_blob_ref(&mut self, tenant: Uuid, hash: &str, unit_id: Uuid) -> HubResult<()> {
        self.execute(
            "INSERT INTO blob_refs (tenant_id, hash, unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&tenant, &hash, &unit_id],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn record_stored_blob(&mut self, tenant: Uuid, hash: &str, device: Uuid, bytes: u64, now_ms: i64) -> HubResult<()> {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        self.execute(
            "INSERT INTO stored_blobs (tenant_id, hash, device_id, bytes, published_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
            &[&tenant, &hash, &device, &bytes, &now_ms],
        )
        .map_err(pg)?;
        Ok(())
    }

    /// Under the device's row-level security the references it sees are its
    /// units': a blob named only elsewhere counts against it (a bound, not a loss).
    fn unclaimed_bytes(&mut self, tenant: Uuid, device: Uuid) -> HubResult<u64> {
        let row = self
            .query_one(
                "SELECT COALESCE(SUM(s.bytes), 0)::bigint FROM stored_blobs s WHERE s.tenant_id = $1 AND s.device_id = $2
                 AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)",
                &[&tenant, &device],
            )
            .map_err(pg)?;
        Ok(row.get::<_, i64>(0).max(0) as u64)
    }

    fn take_orphan_blobs(&mut self, before_ms: i64, limit: u32) -> HubResult<Vec<(Uuid, String)>> {
        let rows = self
            .query(
                "DELETE FROM stored_blobs WHERE (tenant_id, hash) IN (
                     SELECT s.tenant_id, s.hash FROM stored_blobs s WHERE s.published_ms < $1
                     AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)
                     LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING tenant_id, hash",
                &[&before_ms, &i64::from(limit)],
            )
            .map_err(pg)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn bind_blob_key(&mut self, tenant: Uuid, hash: &str, key: &Value) -> HubResult<Value> {
        self.execute(
            "INSERT INTO blob_keys (tenant_id, hash, content_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&tenant, &hash, key],
        )
        .map_err(pg)?;
        let row = self
            .query_one("SELECT content_key FROM blob_keys WHERE tenant_id = $1 AND hash = $2", &[&tenant, &hash])
            .map_err(pg)?;
        Ok(row.get(0))
    }

    fn blob_visible(&mut self, tenant: Uuid, units: &[Uuid], hash: &str) -> HubResult<bool> {
        let units = units.to_vec();
        let row = self
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE tenant_id = $1 AND hash = $2 AND unit_id = ANY ($3))",
                &[&tenant, &hash, &units],
            )
            .map_err(pg)?;
        Ok(row.get(0))
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

    fn device_label(&mut self, tenant: Uuid, device: Uuid) -> HubResult<Option<String>> {
        let rows = self
            .query("SELECT label FROM devices WHERE tenant_id = $1 AND id = $2", &[&tenant, &device])
            .map_err(pg)?;
        Ok(rows.first().map(|r| r.get(0)))
    }

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

    fn put_console_account(&mut self, row: &ConsoleRow) -> HubResult<()> {
        let taken = self.query("SELECT id FROM console_accounts WHERE login = $1", &[&row.login]).map_err(pg)?;
        if taken.first().is_some_and(|r| r.get::<_, Uuid>(0) != row.id) {
            return Err(HubError::BadRequest("this login is taken".into()));
        }
        self.execute(
            "INSERT INTO console_accounts (id, tenant_id, login, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, record = excluded.record",
            &[&row.id, &row.tenant_id, &row.login, &row.record],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn console_account_by_login(&mut self, login: &str) -> HubResult<Option<ConsoleRow>> {
        let rows = self
            .query("SELECT id, tenant_id, login, record FROM console_accounts WHERE login = $1", &[&login])
            .map_err(pg)?;
        Ok(rows.first().map(console_row))
    }

    fn console_account(&mut self, id: Uuid) -> HubResult<Option<ConsoleRow>> {
        let rows = self
            .query("SELECT id, tenant_id, login, record FROM console_accounts WHERE id = $1", &[&id])
            .map_err(pg)?;
        Ok(rows.first().map(console_row))
    }

    fn put_console_session(
        &mut self,
        hash: &[u8; 32],
        account: Uuid,
        expires_ms: i64,
        record: &Value,
    ) -> HubResult<()> {
        self.execute(
            "INSERT INTO console_sessions (token_hash, account_id, expires_ms, record) VALUES ($1, $2, $3, $4)
             ON CONFLICT (token_hash) DO UPDATE SET expires_ms = excluded.expires_ms, record = excluded.record",
            &[&&hash[..], &account, &expires_ms, record],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Value)>> {
        let rows = self
            .query(
                "SELECT account_id, record FROM console_sessions WHERE token_hash = $1 AND expires_ms > $2",
                &[&&hash[..], &now_ms],
            )
            .map_err(pg)?;
        Ok(rows.first().map(|r| (r.get(0), r.get(1))))
    }

    fn delete_console_sessions_of(&mut self, account: Uuid) -> HubResult<()> {
        self.execute("DELETE FROM console_sessions WHERE account_id = $1", &[&account]).map_err(pg)?;
        Ok(())
    }

    fn delete_console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<()> {
        self.execute("DELETE FROM console_sessions WHERE token_hash = $1 OR expires_ms <= $2", &[&&hash[..], &now_ms])
            .map_err(pg)?;
        Ok(())
    }

    /// READ COMMITTED reads whatever was last committed: the row is created if
    /// absent, then locked, so that a concurrent attempt waits for this one's
    /// count and reads it (not the value both started from).
    fn sign_in_counter(&mut self, key: &[u8; 32]) -> HubResult<SignInCounter> {
        self.execute(
            "INSERT INTO console_sign_in_failures (key_hash, failures, locked_until_ms, updated_ms)
             VALUES ($1, 0, 0, 0) ON CONFLICT (key_hash) DO NOTHING",
            &[&&key[..]],
        )
        .map_err(pg)?;
        let row = self
            .query_one(
                "SELECT failures, locked_until_ms FROM console_sign_in_failures WHERE key_hash = $1 FOR UPDATE",
                &[&&key[..]],
            )
            .map_err(pg)?;
        Ok(SignInCounter { failures: row.get::<_, i32>(0).max(0) as u32, locked_until_ms: row.get(1) })
    }

    fn put_sign_in_counter(&mut self, key: &[u8; 32], c: SignInCounter, now_ms: i64) -> HubResult<()> {
        if c == SignInCounter::default() {
            self.execute("DELETE FROM console_sign_in_failures WHERE key_hash = $1", &[&&key[..]]).map_err(pg)?;
        } else {
            let failures = i32::try_from(c.failures).unwrap_or(i32::MAX);
            self.execute(
                "UPDATE console_sign_in_failures SET failures = $2, locked_until_ms = $3, updated_ms = $4
                 WHERE key_hash = $1",
                &[&&key[..], &failures, &c.locked_until_ms, &now_ms],
            )
            .map_err(pg)?;
        }
        // Rows another attempt holds are left to a later sweep (no waiting on each other).
        self.execute(
            "DELETE FROM console_sign_in_failures WHERE key_hash IN (SELECT key_hash FROM console_sign_in_failures
             WHERE updated_ms < $1 AND locked_until_ms < $2 FOR UPDATE SKIP LOCKED)",
            &[&(now_ms - 24 * 3600 * 1000), &now_ms],
        )
        .map_err(pg)?;
        Ok(())
    }
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
