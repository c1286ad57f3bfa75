//! Schema migrations keyed on `PRAGMA user_version`.
//!
//! Each migration runs in the same transaction as the version bump, so a
//! crash mid-migration leaves the previous schema intact. A store written
//! by a newer build is refused rather than misread.

use rusqlite::Connection;

use crate::error::{CoreError, Result};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 7;

const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // v1: the first schema. Plaintext columns are routing only: ids, kinds,
    // times, versions, sync state and blind-index terms.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
    CREATE TABLE key_slots (
        key_id INTEGER PRIMARY KEY,
        wrapped BLOB NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE device_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_seq INTEGER NOT NULL,
        hlc INTEGER NOT NULL,
        audit_seq INTEGER NOT NULL,
        audit_head BLOB NOT NULL
    ) STRICT;
    INSERT INTO device_state (id, device_seq, hlc, audit_seq, audit_head) VALUES (1, 0, 0, 0, zeroblob(32));

    CREATE TABLE establishments (id BLOB PRIMARY KEY, version INTEGER NOT NULL, envelope BLOB NOT NULL) STRICT;
    CREATE TABLE units (
        id BLOB PRIMARY KEY, establishment_id BLOB NOT NULL,
        version INTEGER NOT NULL, envelope BLOB NOT NULL
    ) STRICT;
    CREATE TABLE staff (
        id BLOB PRIMARY KEY, version INTEGER NOT NULL, envelope BLOB NOT NULL,
        pin_verifier BLOB, failed_pins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER
    ) STRICT;

    CREATE TABLE residents (
        id BLOB PRIMARY KEY, unit_id BLOB NOT NULL,
        version INTEGER NOT NULL, envelope BLOB NOT NULL,
        server_version INTEGER
    ) STRICT;
    CREATE INDEX residents_unit ON residents (unit_id);
    CREATE TABLE resident_terms (
        term BLOB NOT NULL, resident_id BLOB NOT NULL,
        PRIMARY KEY (term, resident_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX resident_terms_resident ON resident_terms (resident_id);

    CREATE TABLE planned_acts (
        id BLOB PRIMARY KEY, resident_id BLOB NOT NULL,
        version INTEGER NOT NULL, active INTEGER NOT NULL, envelope BLOB NOT NULL,
        server_version INTEGER
    ) STRICT;
    CREATE INDEX planned_acts_resident ON planned_acts (resident_id);
    CREATE TABLE wounds (
        id BLOB PRIMARY KEY, resident_id BLOB NOT NULL,
        version INTEGER NOT NULL, envelope BLOB NOT NULL,
        server_version INTEGER
    ) STRICT;
    CREATE INDEX wounds_resident ON wounds (resident_id);
    CREATE TABLE rounds (
        id BLOB PRIMARY KEY, unit_id BLOB NOT NULL, day INTEGER NOT NULL,
        version INTEGER NOT NULL, envelope BLOB NOT NULL,
        server_version INTEGER
    ) STRICT;
    CREATE INDEX rounds_unit_day ON rounds (unit_id, day);

    CREATE TABLE facts (
        id BLOB PRIMARY KEY,
        kind TEXT NOT NULL,
        resident_id BLOB NOT NULL,
        planned_act_id BLOB,
        occurrence INTEGER,
        code_tag BLOB,
        clinical_time INTEGER NOT NULL,
        entered_in_error INTEGER NOT NULL DEFAULT 0,
        envelope BLOB NOT NULL
    ) STRICT;
    CREATE INDEX facts_resident_time ON facts (resident_id, clinical_time);
    CREATE INDEX facts_answers ON facts (planned_act_id, occurrence) WHERE planned_act_id IS NOT NULL;
    CREATE INDEX facts_code ON facts (resident_id, code_tag, clinical_time) WHERE code_tag IS NOT NULL;

    CREATE TABLE outbox (
        device_seq INTEGER PRIMARY KEY,
        op_id BLOB NOT NULL UNIQUE,
        entity TEXT NOT NULL,
        entity_id BLOB NOT NULL,
        base_version INTEGER,
        hlc INTEGER NOT NULL,
        clinical_time INTEGER NOT NULL,
        payload BLOB,
        state TEXT NOT NULL DEFAULT 'pending',
        answer TEXT
    ) STRICT;
    CREATE INDEX outbox_entity ON outbox (entity_id, state);
    -- Pulled document changes waiting for a local operation's answer.
    CREATE TABLE deferred_changes (
        entity_id BLOB NOT NULL, version INTEGER NOT NULL, change BLOB NOT NULL,
        PRIMARY KEY (entity_id, version)
    ) STRICT;
    CREATE INDEX outbox_pending ON outbox (state, device_seq);

    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor BLOB,
        device BLOB NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id BLOB NOT NULL,
        prev BLOB NOT NULL,
        mac BLOB NOT NULL
    ) STRICT;
    "#,
    // v2: wound photos. Their encrypted files are named by the BLAKE3 of
    // their bytes; this table says which photo each file belongs to and
    // where it stands (to upload, uploaded, still on the hub), so files
    // without a row are orphans of an interrupted ingest.
    r#"
    CREATE TABLE media_blobs (
        hash TEXT PRIMARY KEY,
        photo_id BLOB NOT NULL,
        role INTEGER NOT NULL,
        state TEXT NOT NULL
    ) STRICT;
    CREATE INDEX media_blobs_photo ON media_blobs (photo_id);
    CREATE INDEX media_blobs_state ON media_blobs (state);
    "#,
    // v3: a PIN verifier is sealed under its own version, bumped at each
    // change, so an old verifier copied back does not open. Deferred pulled
    // changes are now sealed like every other record: the plain ones an
    // earlier build left are dropped and the pull starts over, which brings
    // them again (applying a change twice changes nothing). The audit
    // chain's head gets its own MAC (`audit_seal`, set by the store when it
    // opens a store this migration just upgraded), so truncating the chain
    // and rewriting the head shows.
    r#"
    ALTER TABLE staff ADD COLUMN pin_version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE device_state ADD COLUMN audit_seal BLOB;
    DELETE FROM deferred_changes;
    DELETE FROM meta WHERE key = 'pull_cursor';
    "#,
    // v4: the journal goes to the hub. How far it has gone, and the public
    // link of the last entry sent (the next one chains from it).
    r#"
    ALTER TABLE device_state ADD COLUMN audit_sent_seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE device_state ADD COLUMN audit_sent_link BLOB;
    "#,
    // v5: a budget of wrong PINs for the whole tablet, whoever they are
    // tried for, and the lock-out it sets (see `session::TABLET_MAX_PIN_ATTEMPTS`).
    r#"
    ALTER TABLE device_state ADD COLUMN failed_pins INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE device_state ADD COLUMN pins_locked_until INTEGER;
    "#,
    // v6: what a fact is and what the journal says are no longer in clear
    // columns (which resident had a wound assessed or an emergency
    // transfer, who opened whose file, when). A fact's kind becomes a keyed
    // tag; a journal entry's fields go into an envelope. The new places are
    // made here; the store fills them and drops the old ones when it opens,
    // with its keys, in one transaction (`Store::seal_metadata`).
    r#"
    ALTER TABLE facts ADD COLUMN kind_tag BLOB;
    CREATE TABLE audit_sealed (
        seq INTEGER PRIMARY KEY,
        envelope BLOB NOT NULL,
        prev BLOB NOT NULL,
        mac BLOB NOT NULL
    ) STRICT;
    "#,
    // v7: the round looks a week back for occurrences nobody answered
    // (« non tracé »). Whether one was answered is read from this index
    // alone — the answer's occurrence and whether it was voided — without
    // touching a row.
    r#"
    CREATE INDEX IF NOT EXISTS facts_answered ON facts (planned_act_id, occurrence, entered_in_error)
        WHERE planned_act_id IS NOT NULL;
    "#,
];

/// The first version whose audit head is sealed: a store found below it
/// gets its head sealed once, as it is upgraded.
pub const AUDIT_SEAL_VERSION: i64 = 3;

/// Brings the schema to [`SCHEMA_VERSION`]; returns the version found.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(CoreError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        log::info!("store schema migrated to version {}", i + 1);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut c).unwrap(), 0);
        assert_eq!(migrate(&mut c).unwrap(), SCHEMA_VERSION);
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        assert!(matches!(migrate(&mut c), Err(CoreError::SchemaTooNew { .. })));
    }
}
