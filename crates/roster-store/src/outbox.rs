//! Ops waiting for the company server. An op enters in the same transaction as the change
//! it made, with those changes, and leaves only when a pull has brought back the server's
//! version of it (or the admin resolved it as a conflict).

use roster_core::{Change, Envelope, OpId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;

/// One queued op.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub seq: i64,
    pub envelope: Envelope,
    pub changes: Vec<Change>,
    pub summary: String,
    /// Where the server applied it, once it said so.
    pub applied_seq: Option<i64>,
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|err| StoreError::corrupt(format!("queued op: {err}")))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|err| StoreError::corrupt(format!("queued op: {err}")))
}

pub(crate) fn push(
    conn: &Connection,
    envelope: &Envelope,
    changes: &[Change],
    summary: &str,
    queued_at: Timestamp,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO outbox (op_id, envelope, queued_at, changes, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        envelope.id.to_string(),
        json(envelope)?,
        queued_at.unix_millis(),
        json(&changes)?,
        summary,
    ])?;
    Ok(())
}

pub(crate) fn len(conn: &Connection) -> Result<u64, StoreError> {
    let count: i64 = conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE applied_seq IS NULL")?
        .query_row([], |row| row.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Ops the server has not answered yet, oldest first.
pub(crate) fn list(conn: &Connection, limit: u32) -> Result<Vec<Envelope>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT envelope FROM outbox WHERE applied_seq IS NULL ORDER BY seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |row| row.get::<_, String>(0))?;
    rows.map(|row| parse(&row?)).collect()
}

const COLUMNS: &str = "seq, envelope, changes, summary, applied_seq";

type Row = (i64, String, String, String, Option<i64>);

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn decode((seq, envelope, changes, summary, applied_seq): Row) -> Result<Queued, StoreError> {
    Ok(Queued {
        seq,
        envelope: parse(&envelope)?,
        changes: parse(&changes)?,
        summary,
        applied_seq,
    })
}

/// Every queued op, answered or not, oldest first: what a rebase takes off and puts back.
pub(crate) fn all(conn: &Connection) -> Result<Vec<Queued>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM outbox ORDER BY seq"))?;
    let rows = stmt.query_map([], row)?;
    rows.map(|r| decode(r?)).collect()
}

/// One of the oldest queued ops, as much of it as a pulled page is compared with.
pub(crate) struct Answered {
    pub op: String,
    pub applied_seq: Option<i64>,
    /// The changes, as JSON: decoded only when the id and sequence number match.
    pub changes: String,
}

impl Answered {
    pub(crate) fn changes(&self) -> Result<Vec<Change>, StoreError> {
        parse(&self.changes)
    }
}

/// The `n` oldest queued ops without their envelopes: decoding each op made up half of
/// applying a page of this device's own ops coming back.
pub(crate) fn head_answered(conn: &Connection, n: usize) -> Result<Vec<Answered>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT op_id, applied_seq, changes FROM outbox ORDER BY seq LIMIT ?1")?;
    let rows = stmt.query_map([i64::try_from(n).unwrap_or(i64::MAX)], |row| {
        Ok(Answered {
            op: row.get(0)?,
            applied_seq: row.get(1)?,
            changes: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many queued ops the server applied at or before `seq`.
pub(crate) fn applied_through(conn: &Connection, seq: i64) -> Result<u64, StoreError> {
    let count: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM outbox WHERE applied_seq IS NOT NULL AND applied_seq <= ?1",
        )?
        .query_row([seq], |row| row.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) fn set_changes(
    conn: &Connection,
    seq: i64,
    changes: &[Change],
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE outbox SET changes = ?2 WHERE seq = ?1")?
        .execute(params![seq, json(&changes)?])?;
    Ok(())
}

/// Marks an op applied by the server at `applied_seq`; false if it is not queued.
pub(crate) fn set_applied(
    conn: &Connection,
    op: OpId,
    applied_seq: i64,
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("UPDATE outbox SET applied_seq = ?2 WHERE op_id = ?1")?
        .execute(params![op.to_string(), applied_seq])?
        == 1)
}

/// Removes a queued op and answers it.
pub(crate) fn take(conn: &Connection, op: OpId) -> Result<Option<Queued>, StoreError> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE op_id = ?1"))?
        .query_row([op.to_string()], row)
        .optional()?;
    let Some(found) = found else { return Ok(None) };
    let queued = decode(found)?;
    remove(conn, queued.seq)?;
    Ok(Some(queued))
}

pub(crate) fn remove(conn: &Connection, seq: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
        .execute([seq])?;
    Ok(())
}

/// Drops the ops the pulled change log now holds.
pub(crate) fn remove_applied_through(conn: &Connection, cursor: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM outbox WHERE applied_seq IS NOT NULL AND applied_seq <= ?1")?
        .execute([cursor])?;
    Ok(())
}
