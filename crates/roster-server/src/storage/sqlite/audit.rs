//! The server's audit trail: every applied change and every refused attempt, who, when,
//! from where, what, before and after. Hash-chained: each entry's hash covers the previous
//! hash and the entry's stored columns, so an edited or removed entry breaks the chain.

use roster_core::{Change, InfraId, Timestamp};
use roster_wire::{AuditEntryView, MAX_PAGE};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::storage::{Caller, StorageError};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry to append.
pub(crate) struct Entry<'a> {
    pub caller: &'a Caller,
    pub at: Timestamp,
    /// `applied`, `refused` or `sign_in_failed`.
    pub outcome: &'a str,
    pub action: &'a str,
    pub summary: &'a str,
    pub infras: &'a [InfraId],
    /// The changes as JSON (`[]` for an attempt).
    pub changes: &'a str,
}

#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    at: i64,
    actor: &'a str,
    address: &'a str,
    outcome: &'a str,
    action: &'a str,
    summary: &'a str,
    infras: &'a str,
    changes: &'a str,
}

fn hash(prev: &str, entry: &Hashed<'_>) -> Result<String, StorageError> {
    let body = serde_json::to_vec(entry)
        .map_err(|e| StorageError::corrupt(format!("audit entry: {e}")))?;
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    Ok(hex::encode(hasher.finalize()))
}

/// Appends at the head of the chain; call inside the transaction of what it records.
pub(crate) fn append(conn: &Connection, entry: &Entry<'_>) -> Result<i64, StorageError> {
    let head: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (seq, prev) = head.map_or((1, GENESIS.to_owned()), |(seq, hash)| (seq + 1, hash));
    let infras =
        serde_json::to_string(entry.infras).map_err(|e| StorageError::corrupt(e.to_string()))?;
    let hashed = Hashed {
        seq,
        at: entry.at.unix_millis(),
        actor: &entry.caller.label,
        address: &entry.caller.address,
        outcome: entry.outcome,
        action: entry.action,
        summary: entry.summary,
        infras: &infras,
        changes: entry.changes,
    };
    let hash = hash(&prev, &hashed)?;
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, actor, address, outcome, action, summary, infras, changes, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        seq,
        hashed.at,
        hashed.actor,
        hashed.address,
        hashed.outcome,
        hashed.action,
        hashed.summary,
        infras,
        hashed.changes,
        prev,
        hash
    ])?;
    for infra in entry.infras {
        conn.prepare_cached("INSERT OR IGNORE INTO audit_infras (infra, seq) VALUES (?1, ?2)")?
            .execute(params![infra.to_string(), seq])?;
    }
    Ok(seq)
}

/// Whether the whole chain holds; the first broken sequence number otherwise.
pub(crate) fn verify(conn: &Connection) -> Result<Option<i64>, StorageError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, address, outcome, action, summary, infras, changes, prev_hash, hash FROM audit ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_owned();
    let mut expected = 1;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let text = |i: usize| row.get::<_, String>(i);
        let (actor, address, outcome, action, summary, infras, changes, prev_hash, stored) = (
            text(2)?,
            text(3)?,
            text(4)?,
            text(5)?,
            text(6)?,
            text(7)?,
            text(8)?,
            text(9)?,
            text(10)?,
        );
        let hashed = Hashed {
            seq,
            at: row.get(1)?,
            actor: &actor,
            address: &address,
            outcome: &outcome,
            action: &action,
            summary: &summary,
            infras: &infras,
            changes: &changes,
        };
        if seq != expected || prev_hash != prev || hash(&prev, &hashed)? != stored {
            return Ok(Some(seq));
        }
        prev = stored;
        expected += 1;
    }
    Ok(None)
}

/// Entries newest first, limited to `infras` when given.
pub(crate) fn list(
    conn: &Connection,
    infras: Option<&[InfraId]>,
    limit: u32,
    before: Option<i64>,
) -> Result<Vec<AuditEntryView>, StorageError> {
    let mut sql = String::from(
        "SELECT a.seq, a.at, a.actor, a.address, a.outcome, a.action, a.summary, a.changes FROM audit a WHERE a.seq < CAST(?1 AS INTEGER)",
    );
    let mut args: Vec<String> = vec![before.unwrap_or(i64::MAX).to_string()];
    if let Some(infras) = infras {
        sql.push_str(&scope_clause(infras, &mut args));
    }
    sql.push_str(&format!(
        " ORDER BY a.seq DESC LIMIT {}",
        limit.clamp(1, 1_000)
    ));
    query(conn, &sql, args)
}

/// Limits a listing to entries about `infras`, binding them after `args`.
fn scope_clause(infras: &[InfraId], args: &mut Vec<String>) -> String {
    let marks: Vec<String> = infras
        .iter()
        .map(|infra| {
            args.push(infra.to_string());
            format!("?{}", args.len())
        })
        .collect();
    let list = if marks.is_empty() {
        "NULL".to_owned()
    } else {
        marks.join(", ")
    };
    format!(" AND a.seq IN (SELECT seq FROM audit_infras WHERE infra IN ({list}))")
}

fn query(
    conn: &Connection,
    sql: &str,
    args: Vec<String>,
) -> Result<Vec<AuditEntryView>, StorageError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |row| {
        let changes: String = row.get(7)?;
        Ok(AuditEntryView {
            seq: row.get(0)?,
            at: row.get(1)?,
            actor: row.get(2)?,
            from: row.get(3)?,
            outcome: row.get(4)?,
            action: row.get(5)?,
            summary: row.get(6)?,
            changes: changes_view(&changes),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Entries after `after`, oldest first, limited to `infras` when given: what a device
/// pulls into its copy of the trail.
pub(crate) fn list_after(
    conn: &Connection,
    infras: Option<&[InfraId]>,
    after: i64,
    limit: u32,
) -> Result<Vec<AuditEntryView>, StorageError> {
    let mut sql = String::from(
        "SELECT a.seq, a.at, a.actor, a.address, a.outcome, a.action, a.summary, a.changes FROM audit a WHERE a.seq > CAST(?1 AS INTEGER)",
    );
    let mut args: Vec<String> = vec![after.to_string()];
    if let Some(infras) = infras {
        sql.push_str(&scope_clause(infras, &mut args));
    }
    // One more than the route's largest page says whether that page is the last.
    sql.push_str(&format!(
        " ORDER BY a.seq LIMIT {}",
        limit.clamp(1, MAX_PAGE + 1)
    ));
    query(conn, &sql, args)
}

/// An entry's changes as people (and devices) read them: a record created or removed
/// whole; for an update, the record's key and only the fields that changed, before and
/// after. An update that showed both records whole was mostly the same record twice. A
/// refused attempt's entry holds its op, shown as stored.
fn changes_view(stored: &str) -> Value {
    match serde_json::from_str::<Vec<Change>>(stored) {
        Ok(changes) => changes.iter().map(change_view).collect(),
        Err(_) => serde_json::from_str(stored).unwrap_or(Value::Null),
    }
}

fn change_view(change: &Change) -> Value {
    let whole = || serde_json::to_value(change).unwrap_or(Value::Null);
    let (Some(before), Some(after)) = (&change.before, &change.after) else {
        return whole();
    };
    let (Ok(Value::Object(mut before)), Ok(Value::Object(mut after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return whole();
    };
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|field| before.get(*field) != after.get(*field))
        .cloned()
        .collect();
    let only_changed = |record: &mut Map<String, Value>| {
        record.retain(|field, _| changed.contains(field));
        Value::Object(std::mem::take(record))
    };
    json!({
        "key": change.key(),
        "before": only_changed(&mut before),
        "after": only_changed(&mut after),
    })
}

#[cfg(test)]
mod tests {
    use roster_core::{Email, Member, MemberId, MemberKind, MemberStatus, Name};

    use super::*;

    fn member(name: &str) -> Member {
        Member {
            id: MemberId::from_uuid(uuid::Uuid::from_u128(7)),
            email: Email::parse("ada@acme.example").expect("email"),
            name: Name::parse(name).expect("name"),
            kind: MemberKind::ItUser,
            status: MemberStatus::Active,
            company_admin: false,
            administrator: false,
            phone: None,
            security_contact: false,
            created_at: Timestamp::from_unix_millis(1),
        }
    }

    #[test]
    fn an_update_shows_the_key_and_only_the_fields_that_changed() {
        let stored =
            serde_json::to_string(&[Change::update(member("Ada"), member("Ada Lovelace"))])
                .expect("json");
        assert_eq!(
            changes_view(&stored),
            json!([{
                "key": {"type": "member", "id": "00000000-0000-0000-0000-000000000007"},
                "before": {"name": "Ada"},
                "after": {"name": "Ada Lovelace"},
            }])
        );
    }

    #[test]
    fn a_created_record_and_a_refused_op_show_whole() {
        let created = [Change::create(member("Ada"))];
        let stored = serde_json::to_string(&created).expect("json");
        assert_eq!(
            changes_view(&stored),
            serde_json::to_value(created).expect("json")
        );
        let refused =
            r#"{"op":"deactivate_member","member":"00000000-0000-0000-0000-000000000007"}"#;
        assert_eq!(
            changes_view(refused),
            serde_json::from_str::<Value>(refused).expect("json")
        );
    }
}
