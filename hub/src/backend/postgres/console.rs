//! Console accounts, their sessions and the sign-in failure counters. On PostgreSQL.

use super::*;
use crate::backend::ConsoleStore;

impl ConsoleStore for PgTx<'_> {
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
