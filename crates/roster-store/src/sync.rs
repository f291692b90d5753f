//! The workspace's side of sync: what the server answered to pushed ops, the changes
//! pulled after the cursor, a fresh snapshot, and the conflicts left for the admin.
//!
//! The workspace holds the server's state as of its cursor with the device's queued ops
//! applied on top. Every step below is one transaction that takes the queued ops off
//! (undoing their recorded changes, newest first), changes the base, and puts the ops that
//! are still queued back on, each decided again by roster-core against the new base. An op
//! the server rejected, or that the new base makes refused, becomes a [`Conflict`] with its
//! reason; nothing is dropped silently, and a crash at any point leaves the last commit.

use roster_core::{Change, Envelope, OpId, Refusal, Snapshot, Timestamp, decide};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::audit::{self, NewEntry};
use crate::error::StoreError;
use crate::outbox::{self, Queued};
use crate::state::SqlState;
use crate::workspace::{Outcome, Workspace, commit_in};
use crate::write;

const META_SERVER: &str = "sync_server";
const META_ACCOUNT: &str = "sync_account";
const META_CURSOR: &str = "sync_cursor";
const META_AUDIT_CURSOR: &str = "sync_audit_cursor";
const META_LAST_SYNC: &str = "sync_last";

/// What the server said about one pushed op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAnswer {
    Applied { seq: i64 },
    Unchanged,
    Rejected { code: String, message: String },
}

/// One op's changes from the server's change log, as [`Change::replicated`] sends them.
#[derive(Debug, Clone)]
pub struct PulledChange {
    pub seq: i64,
    pub op: OpId,
    pub changes: Vec<Change>,
}

/// Which server the workspace syncs with, and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncState {
    /// `None` for a local workspace that syncs with no server.
    pub server: Option<String>,
    pub account: Option<String>,
    /// The last change-log sequence number applied here.
    pub cursor: i64,
    pub audit_cursor: i64,
    pub last_sync: Option<Timestamp>,
}

/// An op that did not land, kept for the admin to retry or discard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    pub id: i64,
    pub envelope: Envelope,
    /// What the op did when it was made, e.g. `renamed ann@… to “Ann B”`.
    pub summary: String,
    pub code: String,
    pub message: String,
    /// `server` (rejected by the server) or `pull` (refused here after a pull).
    pub origin: String,
    pub found_at: Timestamp,
}

fn meta(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

fn number(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    Ok(meta(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or_default())
}

/// Takes every queued op's changes off the state, newest first.
fn take_off(tx: &Connection) -> Result<(), StoreError> {
    for queued in outbox::all(tx)?.iter().rev() {
        write::undo(tx, &queued.changes)?;
    }
    Ok(())
}

/// Decides every queued op again against the new base and applies it. An op the server
/// has not answered that is now refused becomes a conflict; one the server applied stays
/// (its changes arrive with the pull that reaches its sequence number).
fn put_back(tx: &Connection, label: &str, at: Timestamp) -> Result<u32, StoreError> {
    let mut conflicts = 0;
    for queued in outbox::all(tx)? {
        match decide(&SqlState::new(tx), &queued.envelope) {
            Ok(decision) => {
                write::apply(tx, &decision.changes)?;
                outbox::set_changes(tx, queued.seq, &decision.changes)?;
            }
            Err(roster_core::Rejection::Refused(refusal)) if queued.applied_seq.is_none() => {
                outbox::remove(tx, queued.seq)?;
                add_conflict(
                    tx,
                    &queued,
                    &refusal.code.to_string(),
                    &refusal.message,
                    "pull",
                    label,
                    at,
                )?;
                conflicts += 1;
            }
            Err(roster_core::Rejection::Refused(_)) => {
                outbox::set_changes(tx, queued.seq, &[])?;
            }
            Err(roster_core::Rejection::State(err)) => return Err(err),
        }
    }
    Ok(conflicts)
}

fn add_conflict(
    tx: &Connection,
    queued: &Queued,
    code: &str,
    message: &str,
    origin: &str,
    label: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    let envelope = serde_json::to_string(&queued.envelope)
        .map_err(|err| StoreError::corrupt(format!("conflict: {err}")))?;
    tx.prepare_cached(
        "INSERT INTO conflicts (op_id, envelope, summary, code, message, origin, found_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (op_id) DO UPDATE SET code = excluded.code, message = excluded.message,
             origin = excluded.origin, found_at = excluded.found_at",
    )?
    .execute(params![
        queued.envelope.id.to_string(),
        envelope,
        queued.summary,
        code,
        message,
        origin,
        at.unix_millis()
    ])?;
    let why = if origin == "server" {
        "the company server rejected it"
    } else {
        "after syncing it no longer applies"
    };
    record(
        tx,
        &queued.envelope,
        label,
        "conflict",
        &format!(
            "not applied: {} — {why} ({code}): {message}",
            queued.summary
        ),
        at,
    )
}

/// A local audit entry about a queued op's fate.
fn record(
    tx: &Connection,
    envelope: &Envelope,
    label: &str,
    action: &str,
    summary: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    let actor = serde_json::to_string(&envelope.actor)
        .map_err(|err| StoreError::corrupt(err.to_string()))?;
    audit::append(
        tx,
        &NewEntry {
            op_id: Some(envelope.id),
            at,
            actor,
            actor_label: label.to_owned(),
            device: envelope.device.to_string(),
            online: true,
            action,
            summary,
            members: Vec::new(),
            infras: Vec::new(),
            changes: &[],
        },
    )?;
    Ok(())
}

/// Whether `page` holds exactly the oldest queued ops, in order, with the very changes
/// they made here, and no other op the server applied up to `next` is queued.
fn echoes_own_ops(tx: &Connection, page: &[&PulledChange], next: i64) -> Result<bool, StoreError> {
    let head = outbox::head_answered(tx, page.len())?;
    if head.len() != page.len() || outbox::applied_through(tx, next)? != page.len() as u64 {
        return Ok(false);
    }
    for (queued, pulled) in head.iter().zip(page) {
        if queued.op != pulled.op.to_string() || queued.applied_seq != Some(pulled.seq) {
            return Ok(false);
        }
        let same = queued
            .changes()?
            .iter()
            .map(Change::replicated)
            .eq(pulled.changes.iter().map(Change::replicated));
        if !same {
            return Ok(false);
        }
    }
    Ok(true)
}

fn store_server_audit(tx: &Connection, audit: &[(i64, String)]) -> Result<(), StoreError> {
    let mut newest = number(tx, META_AUDIT_CURSOR)?;
    for (seq, entry) in audit {
        tx.prepare_cached("INSERT OR REPLACE INTO server_audit (seq, entry) VALUES (?1, ?2)")?
            .execute(params![seq, entry])?;
        newest = newest.max(*seq);
    }
    set_meta(tx, META_AUDIT_CURSOR, &newest.to_string())
}

impl Workspace {
    fn begin(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Which server this workspace syncs with and how far it got.
    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        let conn = &self.conn;
        Ok(SyncState {
            server: meta(conn, META_SERVER)?,
            account: meta(conn, META_ACCOUNT)?,
            cursor: number(conn, META_CURSOR)?,
            audit_cursor: number(conn, META_AUDIT_CURSOR)?,
            last_sync: meta(conn, META_LAST_SYNC)?
                .and_then(|v| v.parse().ok())
                .map(Timestamp::from_unix_millis),
        })
    }

    /// Binds the workspace to a company server and account, at the snapshot's `cursor`.
    pub fn bind(
        &mut self,
        server: &str,
        account: &str,
        cursor: i64,
        audit: &[(i64, String)],
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.begin()?;
        set_meta(&tx, META_SERVER, server)?;
        set_meta(&tx, META_ACCOUNT, account)?;
        set_meta(&tx, META_CURSOR, &cursor.to_string())?;
        set_meta(&tx, META_LAST_SYNC, &at.unix_millis().to_string())?;
        store_server_audit(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Records the server's answers to pushed ops in one transaction: applied ops wait for
    /// the pull that brings their changes back; rejected ones become conflicts and their
    /// changes come off. Answers the number of new conflicts.
    pub fn record_answers(
        &mut self,
        answers: &[(OpId, ServerAnswer)],
        label: &str,
        at: Timestamp,
    ) -> Result<u32, StoreError> {
        let tx = self.begin()?;
        let rejected = answers
            .iter()
            .any(|(_, answer)| matches!(answer, ServerAnswer::Rejected { .. }));
        if !rejected {
            // Nothing comes off: the state already shows every applied op.
            for (op, answer) in answers {
                let seq = match answer {
                    ServerAnswer::Applied { seq } => *seq,
                    _ => 0,
                };
                outbox::set_applied(&tx, *op, seq)?;
            }
            tx.commit()?;
            return Ok(0);
        }
        take_off(&tx)?;
        let mut conflicts = 0;
        for (op, answer) in answers {
            match answer {
                ServerAnswer::Applied { seq } => {
                    outbox::set_applied(&tx, *op, *seq)?;
                }
                // Already so on the server: it leaves with the next pull.
                ServerAnswer::Unchanged => {
                    outbox::set_applied(&tx, *op, 0)?;
                }
                ServerAnswer::Rejected { code, message } => {
                    if let Some(queued) = outbox::take(&tx, *op)? {
                        add_conflict(&tx, &queued, code, message, "server", label, at)?;
                        conflicts += 1;
                    }
                }
            }
        }
        conflicts += put_back(&tx, label, at)?;
        tx.commit()?;
        Ok(conflicts)
    }

    /// Applies one page of the server's change log and advances the cursor to `next`, in
    /// one transaction, with the queued ops rebased on top. Answers the new conflicts.
    pub fn apply_pull(
        &mut self,
        page: &[PulledChange],
        next: i64,
        audit: &[(i64, String)],
        label: &str,
        at: Timestamp,
    ) -> Result<u32, StoreError> {
        let tx = self.begin()?;
        let cursor = number(&tx, META_CURSOR)?;
        if next < cursor {
            return Err(StoreError::corrupt(format!(
                "the server sent changes up to {next}, but this workspace already holds {cursor}; \
                 the server's data may have been restored from an older backup"
            )));
        }
        let page: Vec<&PulledChange> = page.iter().filter(|p| p.seq > cursor).collect();
        let conflicts = if echoes_own_ops(&tx, &page, next)? {
            // The page is this device's own ops coming back exactly as they are applied
            // here: the state already is the new base with the rest on top.
            outbox::remove_applied_through(&tx, next)?;
            0
        } else {
            take_off(&tx)?;
            for pulled in &page {
                write::apply(&tx, &pulled.changes)?;
            }
            outbox::remove_applied_through(&tx, next)?;
            put_back(&tx, label, at)?
        };
        set_meta(&tx, META_CURSOR, &next.to_string())?;
        set_meta(&tx, META_LAST_SYNC, &at.unix_millis().to_string())?;
        store_server_audit(&tx, audit)?;
        tx.commit()?;
        Ok(conflicts)
    }

    /// Replaces the whole company with a fresh snapshot taken at `seq` (after the account's
    /// own rights changed, what it may see changed too), queued ops rebased on top.
    pub fn replace_with_snapshot(
        &mut self,
        snapshot: &Snapshot,
        seq: i64,
        audit: &[(i64, String)],
        label: &str,
        at: Timestamp,
    ) -> Result<u32, StoreError> {
        snapshot.check()?;
        self.bulk(|tx| {
            take_off(tx)?;
            write::load(tx, snapshot)?;
            outbox::remove_applied_through(tx, seq)?;
            let conflicts = put_back(tx, label, at)?;
            // The ops put back were decided against the new records; checking every
            // reference again (a fifth of a second at 100,000 members) is the guard
            // against a decision that let one dangle.
            write::check_references(tx)?;
            set_meta(tx, META_CURSOR, &seq.to_string())?;
            set_meta(tx, META_LAST_SYNC, &at.unix_millis().to_string())?;
            store_server_audit(tx, audit)?;
            Ok(conflicts)
        })
    }

    /// The ops that did not land, oldest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, StoreError> {
        self.read_conflicts("", [])
    }

    /// One conflict by its id.
    pub fn conflict(&self, id: i64) -> Result<Conflict, StoreError> {
        self.read_conflicts("WHERE id = ?1", [id])?
            .pop()
            .ok_or(StoreError::NoConflict { id })
    }

    fn read_conflicts(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Conflict>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, envelope, summary, code, message, origin, found_at FROM conflicts {filter} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params, |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, i64>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, envelope, summary, code, message, origin, found_at) = row?;
            Ok(Conflict {
                id,
                envelope: serde_json::from_str(&envelope)
                    .map_err(|err| StoreError::corrupt(format!("conflict {id}: {err}")))?,
                summary,
                code,
                message,
                origin,
                found_at: Timestamp::from_unix_millis(found_at),
            })
        })
        .collect()
    }

    pub fn conflict_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM conflicts")?
            .query_row([], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Drops a conflict for good; the audit trail records that the admin discarded it.
    pub fn discard_conflict(
        &mut self,
        id: i64,
        label: &str,
        at: Timestamp,
    ) -> Result<Conflict, StoreError> {
        let conflict = self.conflict(id)?;
        let tx = self.begin()?;
        tx.execute("DELETE FROM conflicts WHERE id = ?1", [id])?;
        record(
            &tx,
            &conflict.envelope,
            label,
            "conflict_discarded",
            &format!("discarded: {}", conflict.summary),
            at,
        )?;
        tx.commit()?;
        Ok(conflict)
    }

    /// Makes a conflict's op again as `envelope` (a new id, the admin's time, and no
    /// expectations: the admin has seen the state and wants theirs), decided against the
    /// state as it is now. The conflict leaves in the same transaction, only if the op is
    /// accepted; a refusal leaves it in place.
    pub fn retry_conflict(
        &mut self,
        id: i64,
        envelope: &Envelope,
        label: &str,
    ) -> Result<Outcome, StoreError> {
        self.conflict(id)?;
        let tx = self.begin()?;
        let outcome = commit_in(&tx, envelope, label)?;
        tx.execute("DELETE FROM conflicts WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(outcome)
    }

    /// The company server's audit entries held here (JSON), newest first.
    pub fn server_audit(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT entry FROM server_audit ORDER BY seq DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl From<Refusal> for ServerAnswer {
    fn from(refusal: Refusal) -> Self {
        Self::Rejected {
            code: refusal.code.to_string(),
            message: refusal.message,
        }
    }
}
