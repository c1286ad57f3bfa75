//! Console accounts, their sessions and the sign-in failure counters. On SQLite.

use super::*;
use crate::backend::ConsoleStore;

impl ConsoleStore for SqliteTx<'_> {
    fn put_console_account(&mut self, row: &ConsoleRow) -> HubResult<()> {
        let taken: Option<Uuid> = self
            .tx
            .prepare_cached("SELECT id FROM console_accounts WHERE login = ?1")?
            .query_row([&row.login], |r| r.get(0))
            .optional()?;
        if taken.is_some_and(|id| id != row.id) {
            return Err(HubError::BadRequest("this login is taken".into()));
        }
        self.tx.execute(
            "INSERT INTO console_accounts (id, tenant_id, login, record) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, record = excluded.record",
            params![row.id, row.tenant_id, row.login, json(&row.record)?],
        )?;
        Ok(())
    }

    fn console_account_by_login(&mut self, login: &str) -> HubResult<Option<ConsoleRow>> {
        self.console_row("login = ?1", params![login])
    }

    fn console_account(&mut self, id: Uuid) -> HubResult<Option<ConsoleRow>> {
        self.console_row("id = ?1", params![id])
    }

    fn put_console_session(
        &mut self,
        hash: &[u8; 32],
        account: Uuid,
        expires_ms: i64,
        record: &Value,
    ) -> HubResult<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO console_sessions (token_hash, account_id, expires_ms, record) VALUES (?1, ?2, ?3, ?4)",
            params![&hash[..], account, expires_ms, json(record)?],
        )?;
        Ok(())
    }

    fn console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Value)>> {
        let row: Option<(Uuid, String)> = self
            .tx
            .prepare_cached(
                "SELECT account_id, record FROM console_sessions WHERE token_hash = ?1 AND expires_ms > ?2",
            )?
            .query_row(params![&hash[..], now_ms], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(account, record)| Ok((account, parse(&record)?))).transpose()
    }

    fn delete_console_sessions_of(&mut self, account: Uuid) -> HubResult<()> {
        self.tx.execute("DELETE FROM console_sessions WHERE account_id = ?1", [account])?;
        Ok(())
    }

    fn delete_console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<()> {
        self.tx.execute(
            "DELETE FROM console_sessions WHERE token_hash = ?1 OR expires_ms <= ?2",
            params![&hash[..], now_ms],
        )?;
        Ok(())
    }

    /// The transaction is IMMEDIATE and the connection the only one: already exclusive.
    fn sign_in_counter(&mut self, key: &[u8; 32]) -> HubResult<SignInCounter> {
        let row: Option<(i64, i64)> = self
            .tx
            .prepare_cached("SELECT failures, locked_until_ms FROM console_sign_in_failures WHERE key_hash = ?1")?
            .query_row([&key[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map_or_else(SignInCounter::default, |(failures, locked_until_ms)| SignInCounter {
            failures: failures.clamp(0, i64::from(u32::MAX)) as u32,
            locked_until_ms,
        }))
    }

    fn put_sign_in_counter(&mut self, key: &[u8; 32], c: SignInCounter, now_ms: i64) -> HubResult<()> {
        if c == SignInCounter::default() {
            self.tx.execute("DELETE FROM console_sign_in_failures WHERE key_hash = ?1", [&key[..]])?;
        } else {
            self.tx.execute(
                "INSERT OR REPLACE INTO console_sign_in_failures (key_hash, failures, locked_until_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![&key[..], c.failures, c.locked_until_ms, now_ms],
            )?;
        }
        self.tx.execute(
            "DELETE FROM console_sign_in_failures WHERE updated_ms < ?1 AND locked_until_ms < ?2",
            params![now_ms - DAY_MS, now_ms],
        )?;
        Ok(())
    }
}
