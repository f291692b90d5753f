//! Ops waiting for the company server. An op enters in the same transaction as the change
//! it made, and leaves only when the server has acknowledged it (the sync issue).

use roster_core::{Envelope, Timestamp};
use rusqlite::{Connection, params};

use crate::error::StoreError;

pub(crate) fn push(
    conn: &Connection,
    envelope: &Envelope,
    queued_at: Timestamp,
) -> Result<(), StoreError> {
    let json =
        serde_json::to_string(envelope).map_err(|err| StoreError::corrupt(format!("op: {err}")))?;
    conn.prepare_cached("INSERT INTO outbox (op_id, envelope, queued_at) VALUES (?1, ?2, ?3)")?
        .execute(params![
            envelope.id.to_string(),
            json,
            queued_at.unix_millis()
        ])?;
    Ok(())
}

pub(crate) fn len(conn: &Connection) -> Result<u64, StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM outbox")?
        .query_row([], |row| row.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The queued ops, oldest first.
pub(crate) fn list(conn: &Connection, limit: u32) -> Result<Vec<Envelope>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT envelope FROM outbox ORDER BY seq LIMIT ?1")?;
    let rows = stmt.query_map([limit], |row| row.get::<_, String>(0))?;
    rows.map(|row| {
        let text = row?;
        serde_json::from_str(&text).map_err(|err| StoreError::corrupt(format!("queued op: {err}")))
    })
    .collect()
}
