//! The audit trail: every change, who made it, from which device, online or offline, and
//! each record before and after. Entries are hash-chained: each holds the SHA-256 of the
//! previous entry's hash and its own content, so an edited, inserted or removed entry
//! breaks the chain at that point and [`verify`] names it.

use roster_core::{Change, InfraId, MemberId, OpId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::StoreError;

/// The `prev_hash` of the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What to record; the store adds the sequence number and the hashes.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub op_id: Option<OpId>,
    pub at: Timestamp,
    /// The actor as JSON (`roster_core::Actor`), or `system` for the workspace itself.
    pub actor: String,
    /// The actor's e-mail at the time, for people reading the trail.
    pub actor_label: String,
    pub device: String,
    pub online: bool,
    /// The op kind (`grant_permission`) or a system action (`workspace_created`).
    pub action: &'a str,
    pub summary: &'a str,
    pub members: Vec<MemberId>,
    pub infras: Vec<InfraId>,
    pub changes: &'a [Change],
}

/// One entry as read back.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub op_id: Option<String>,
    pub at: Timestamp,
    pub actor_label: String,
    pub device: String,
    pub online: bool,
    pub action: String,
    pub summary: String,
    pub members: Vec<MemberId>,
    pub infras: Vec<InfraId>,
    pub changes: Vec<Change>,
    pub hash: String,
}

/// The columns that the hash covers, in a fixed order, exactly as stored.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    op_id: Option<&'a str>,
    at: i64,
    actor: &'a str,
    actor_label: &'a str,
    device: &'a str,
    online: bool,
    action: &'a str,
    summary: &'a str,
    members: &'a str,
    infras: &'a str,
    changes: &'a str,
}

fn hash(prev_hash: &str, entry: &Hashed<'_>) -> Result<String, StoreError> {
    let body = serde_json::to_vec(entry)
        .map_err(|err| StoreError::corrupt(format!("audit entry: {err}")))?;
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    Ok(hex::encode(hasher.finalize()))
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|err| StoreError::corrupt(format!("audit entry: {err}")))
}

/// Appends an entry at the head of the chain. Call inside the change's transaction.
pub(crate) fn append(conn: &Connection, entry: &NewEntry<'_>) -> Result<i64, StoreError> {
    let head: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (seq, prev_hash) = match head {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let op_id = entry.op_id.map(|id| id.to_string());
    let members = to_json(&entry.members)?;
    let infras = to_json(&entry.infras)?;
    let changes = to_json(&entry.changes)?;
    let hashed = Hashed {
        seq,
        op_id: op_id.as_deref(),
        at: entry.at.unix_millis(),
        actor: &entry.actor,
        actor_label: &entry.actor_label,
        device: &entry.device,
        online: entry.online,
        action: entry.action,
        summary: entry.summary,
        members: &members,
        infras: &infras,
        changes: &changes,
    };
    let hash = hash(&prev_hash, &hashed)?;
    conn.prepare_cached(
        "INSERT INTO audit (seq, op_id, at, actor, actor_label, device, online, action, summary, members, infras,
             changes, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        seq,
        op_id,
        hashed.at,
        entry.actor,
        entry.actor_label,
        entry.device,
        entry.online,
        entry.action,
        entry.summary,
        members,
        infras,
        changes,
        prev_hash,
        hash
    ])?;
    for member in &entry.members {
        conn.prepare_cached("INSERT OR IGNORE INTO audit_members (member, seq) VALUES (?1, ?2)")?
            .execute(params![member.to_string(), seq])?;
    }
    for infra in &entry.infras {
        conn.prepare_cached("INSERT OR IGNORE INTO audit_infras (infra, seq) VALUES (?1, ?2)")?
            .execute(params![infra.to_string(), seq])?;
    }
    Ok(seq)
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub entries: u64,
    /// The first entry that does not verify, with why; `None` when the whole chain holds.
    pub broken_at: Option<(i64, String)>,
}

impl ChainReport {
    pub fn is_intact(&self) -> bool {
        self.broken_at.is_none()
    }
}

/// Walks the whole chain from the first entry and recomputes every hash.
pub(crate) fn verify(conn: &Connection) -> Result<ChainReport, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, op_id, at, actor, actor_label, device, online, action, summary, members, infras, changes,
                prev_hash, hash
         FROM audit ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut entries = 0u64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let op_id: Option<String> = row.get(1)?;
        let strings: Vec<String> = [3, 4, 5, 7, 8, 9, 10, 11, 12, 13]
            .iter()
            .map(|i| row.get::<_, String>(*i))
            .collect::<Result<_, _>>()?;
        let [
            actor,
            actor_label,
            device,
            action,
            summary,
            members,
            infras,
            changes,
            prev_hash,
            stored,
        ] = <[String; 10]>::try_from(strings).map_err(|_| StoreError::corrupt("audit row"))?;
        let broken = |why: &str| {
            Ok(ChainReport {
                entries,
                broken_at: Some((seq, why.to_owned())),
            })
        };
        if seq != expected_seq {
            return broken(&format!("entry {expected_seq} is missing"));
        }
        if prev_hash != expected_prev {
            return broken(
                "its link to the previous entry does not match (an entry before it was changed or removed)",
            );
        }
        let hashed = Hashed {
            seq,
            op_id: op_id.as_deref(),
            at: row.get(2)?,
            actor: &actor,
            actor_label: &actor_label,
            device: &device,
            online: row.get(6)?,
            action: &action,
            summary: &summary,
            members: &members,
            infras: &infras,
            changes: &changes,
        };
        if hash(&prev_hash, &hashed)? != stored {
            return broken("its content does not match its hash (the entry was changed)");
        }
        entries += 1;
        expected_seq += 1;
        expected_prev = stored;
    }
    Ok(ChainReport {
        entries,
        broken_at: None,
    })
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub member: Option<MemberId>,
    /// Only entries about these infrastructures (an Infra Admin's scope); `None` for all.
    pub infras: Option<Vec<InfraId>>,
    pub limit: u32,
    /// Entries before this sequence number (newest first paging).
    pub before: Option<i64>,
}

/// Entries newest first.
pub(crate) fn list(conn: &Connection, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
    let mut sql = String::from(
        "SELECT a.seq, a.op_id, a.at, a.actor_label, a.device, a.online, a.action, a.summary, a.members, a.infras,
                a.changes, a.hash
         FROM audit a WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    if let Some(member) = query.member {
        args.push(member.to_string());
        sql.push_str(&format!(
            " AND a.seq IN (SELECT seq FROM audit_members WHERE member = ?{})",
            args.len()
        ));
    }
    if let Some(infras) = &query.infras {
        let mut marks = Vec::new();
        for infra in infras {
            args.push(infra.to_string());
            marks.push(format!("?{}", args.len()));
        }
        sql.push_str(&format!(
            " AND a.seq IN (SELECT seq FROM audit_infras WHERE infra IN ({}))",
            if marks.is_empty() {
                "NULL".to_owned()
            } else {
                marks.join(", ")
            }
        ));
    }
    if let Some(before) = query.before {
        args.push(before.to_string());
        sql.push_str(&format!(" AND a.seq < CAST(?{} AS INTEGER)", args.len()));
    }
    sql.push_str(&format!(
        " ORDER BY a.seq DESC LIMIT {}",
        query.limit.clamp(1, 1_000_000)
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |row| {
        let members: String = row.get(8)?;
        let infras: String = row.get(9)?;
        let changes: String = row.get(10)?;
        Ok((
            AuditEntry {
                seq: row.get(0)?,
                op_id: row.get(1)?,
                at: Timestamp::from_unix_millis(row.get(2)?),
                actor_label: row.get(3)?,
                device: row.get(4)?,
                online: row.get(5)?,
                action: row.get(6)?,
                summary: row.get(7)?,
                members: Vec::new(),
                infras: Vec::new(),
                changes: Vec::new(),
                hash: row.get(11)?,
            },
            members,
            infras,
            changes,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (mut entry, members, infras, changes) = row?;
        let parse = |what: &str, err: serde_json::Error| {
            StoreError::corrupt(format!("audit entry {} {what}: {err}", entry.seq))
        };
        entry.members = serde_json::from_str(&members).map_err(|e| parse("members", e))?;
        entry.infras = serde_json::from_str(&infras).map_err(|e| parse("infras", e))?;
        entry.changes = serde_json::from_str(&changes).map_err(|e| parse("changes", e))?;
        entries.push(entry);
    }
    Ok(entries)
}
