//! The members' full-text index, brought up to date once per write transaction.
//!
//! FTS5 writes what it has pending as a new segment of the index at every savepoint, and a
//! pushed batch runs each op in a savepoint of its own: updating the index from triggers
//! made one segment per op (each with every prefix of every word), then merged them. The
//! triggers (schema 5) only note the members whose entry is out of date, in
//! `members_fts_pending`, with what the index holds for them; [`catch_up`] rewrites those
//! entries in two statements, one segment's worth. Every transaction that may write
//! members calls it before it commits, so readers never see the index behind.

use rusqlite::Connection;

use crate::storage::Result;

/// Rewrites the index entries of the members written since the last catch-up. Call inside
/// the transaction that wrote them, before it commits.
pub(crate) fn catch_up(conn: &Connection) -> Result<()> {
    let pending: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM members_fts_pending)")?
        .query_row([], |row| row.get(0))?;
    if !pending {
        return Ok(());
    }
    // What the index holds comes out first: an external-content FTS5 table deletes an
    // entry by the very values it indexed.
    conn.prepare_cached(
        "INSERT INTO members_fts (members_fts, rowid, name, email)
         SELECT 'delete', seq, old_name, old_email FROM members_fts_pending WHERE old_name IS NOT NULL",
    )?
    .execute([])?;
    conn.prepare_cached(
        "INSERT INTO members_fts (rowid, name, email)
         SELECT m.seq, m.name, m.email FROM members_fts_pending p JOIN members m ON m.seq = p.seq",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM members_fts_pending")?
        .execute([])?;
    Ok(())
}
