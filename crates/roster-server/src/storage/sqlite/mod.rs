//! The embedded SQLite backend: one database file in the data folder, WAL, foreign keys,
//! `synchronous=FULL`. One writer connection behind a mutex (SQLite serializes writers
//! anyway) and two pools of read-only connections ([`pool`]); [`crate::storage::Db`] keeps
//! the waiting off the async runtime.

mod audit;
mod batch;
mod members;
mod pool;
mod releases;
mod rows;
mod search_index;
mod state;
mod sync;
mod write;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use roster_core::{
    Actor, Change, Company, Decision, Email, Envelope, InfraId, Member, MemberId, Record, Refusal,
    RefusalCode, Rejection, Rights, Snapshot, State, Timestamp, decide_with,
};
use roster_wire::{
    AppView, AuditEntryView, ChangesPage, EnvironmentView, InfrastructureView, InvitationView,
    MemberDetailView, MemberPageView, RoleView, SnapshotLine, SubscriptionView,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use self::pool::{Pool, Pooled};
use self::state::SqlState;
use crate::releases::{Bundle, Release};
use crate::storage::{
    Applied, Caller, LinkToken, Mail, MemberQuery, Result, SessionMember, SideEffect, Storage,
    StorageError,
};

const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("../../../migrations/0001_init.sql")),
    (2, include_str!("../../../migrations/0002_sync.sql")),
    (3, include_str!("../../../migrations/0003_releases.sql")),
    (
        4,
        include_str!("../../../migrations/0004_one_listing_index.sql"),
    ),
    (
        5,
        include_str!("../../../migrations/0005_search_index_per_batch.sql"),
    ),
    (
        6,
        include_str!("../../../migrations/0006_checks_without_temporary_tables.sql"),
    ),
];
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// Brings the database's schema up to [`SCHEMA_VERSION`] in one write transaction, or
/// refuses a newer one.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StorageError::corrupt(format!(
            "this database has schema {found}; this roster-server knows up to {SCHEMA_VERSION}: update roster-server"
        )));
    }
    let mut migrated = false;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        migrated = true;
    }
    if migrated {
        // Schema 6 rewrites tables' SQL in `sqlite_schema`, which SQLite does not count
        // as a schema change by itself: a new cookie makes this connection, and any
        // other open on the file, parse the tables again.
        let cookie: i64 = tx.pragma_query_value(None, "schema_version", |row| row.get(0))?;
        tx.pragma_update(None, "schema_version", cookie + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// Read connections for requests' reads: one per core. Reads are CPU-bound (the pages are
/// mapped), so more readers than cores only interleave them and take the writer's turn:
/// on 2 cores, 4 readers cut writes under a read-heavy load from ~1,950/s to ~1,250/s.
fn readers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}
/// Read connections that only check sessions. Every request checks its session first, a
/// point lookup: on the readers' pool it would queue behind searches and pages, and every
/// write would wait for the reads ahead of it.
const SESSION_READERS: usize = 2;

/// The server's database: one writer connection that commits concurrent ops together
/// (group commit: one fsync for a batch), a small pool of readers, and a smaller one for
/// session checks.
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
    readers: Pool,
    sessions: Pool,
    batch: batch::Queue,
}

impl SqliteStorage {
    /// Opens (creating if needed) `server.db` in `dir` and brings its schema up to date.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::corrupt(format!("cannot create {}: {e}", dir.display())))?;
        let mut conn = Connection::open(dir.join("server.db"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.set_prepared_statement_cache_capacity(128);
        migrate(&mut conn)?;
        let path = dir.join("server.db");
        Ok(Self {
            conn: Mutex::new(conn),
            readers: Pool::open(&path, readers())?,
            sessions: Pool::open(&path, SESSION_READERS)?,
            batch: batch::Queue::default(),
        })
    }

    /// A read connection from the pool for requests' reads.
    fn reader(&self) -> Result<Pooled<'_>> {
        Ok(self.readers.checkout())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no transaction open (rusqlite rolls back on
        // drop), so the connection is still sound.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether every audit hash verifies; the first broken entry otherwise.
    pub fn verify_audit(&self) -> Result<Option<i64>> {
        audit::verify(&self.conn())
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(json_error)
}

fn json_error(err: serde_json::Error) -> StorageError {
    StorageError::corrupt(err.to_string())
}

fn apply_effects(conn: &Connection, effects: &[SideEffect], at: Timestamp) -> Result<()> {
    for effect in effects {
        match effect {
            SideEffect::LinkToken {
                token_hash,
                purpose,
                member,
                invitation,
                expires_at,
            } => {
                conn.prepare_cached(
                    "INSERT INTO link_tokens (token_hash, purpose, member, invitation, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![token_hash, purpose.as_str(), member.to_string(), invitation, expires_at.unix_millis()])?;
            }
            SideEffect::UseLinkToken { token_hash } => {
                conn.prepare_cached("UPDATE link_tokens SET used_at = ?2 WHERE token_hash = ?1")?
                    .execute(params![token_hash, at.unix_millis()])?;
            }
            SideEffect::Mail(mail) => {
                conn.prepare_cached(
                    "INSERT INTO mail_outbox (recipient, subject, body, next_attempt) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![mail.recipient, mail.subject, mail.body, at.unix_millis()])?;
            }
            SideEffect::SetPassword {
                member,
                password_hash,
            } => set_password(conn, *member, password_hash, at)?,
        }
    }
    Ok(())
}

fn set_password(conn: &Connection, member: MemberId, hash: &str, at: Timestamp) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO accounts (member, password_hash, changed_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (member) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at",
    )?
    .execute(params![member.to_string(), hash, at.unix_millis()])?;
    // A new password ends every session made with the old one.
    conn.prepare_cached("DELETE FROM sessions WHERE member = ?1")?
        .execute([member.to_string()])?;
    Ok(())
}

/// Members who can no longer act lose their sessions in the same transaction.
fn end_sessions_of_inactive(conn: &Connection, changes: &[roster_core::Change]) -> Result<()> {
    for change in changes {
        let Some(Record::Member(before)) = &change.before else {
            continue;
        };
        let still_active =
            matches!(&change.after, Some(Record::Member(after)) if after.is_active());
        if !still_active {
            conn.prepare_cached("DELETE FROM sessions WHERE member = ?1")?
                .execute([before.id.to_string()])?;
        }
    }
    Ok(())
}

impl SqliteStorage {
    /// Writes a batch of ops from concurrent requests and answers each once committed.
    fn write_batch(&self, jobs: &[batch::Job]) {
        let ops: Vec<_> = jobs
            .iter()
            .map(|job| (&job.envelope, &job.caller, job.effects.as_slice()))
            .collect();
        match self.write_ops(&ops) {
            Ok(results) => jobs
                .iter()
                .zip(results)
                .for_each(|(job, result)| job.answer(result)),
            Err(err) => {
                let message = err.to_string();
                jobs.iter()
                    .for_each(|job| job.answer(Err(StorageError::Task(message.clone()))));
            }
        }
    }

    /// Writes ops in order in one transaction and answers each once it commits. An op seen
    /// before gets its first answer again; a refusal writes nothing but its audit entry and
    /// its remembered answer. The batch is written without savepoints first: copying
    /// every page an op touches, to be able to undo that op alone, was a twelfth of the
    /// writing (callgrind). Only if an op fails after it began to write is that attempt
    /// rolled back and the batch written again with a savepoint per op, so the failure
    /// stays that op's and the others still apply.
    fn write_ops(
        &self,
        ops: &[(&Envelope, &Caller, &[SideEffect])],
    ) -> Result<Vec<Result<Applied>>> {
        let mut conn = self.conn();
        let outcome = match write_batch(&mut conn, ops, Isolation::Shared) {
            Ok(None) => write_batch(&mut conn, ops, Isolation::PerOp),
            attempt => attempt,
        }
        .and_then(|results| {
            // Only a shared attempt gives up; one with a savepoint per op always answers.
            results.ok_or_else(|| StorageError::Task("the batch could not be written".into()))
        });
        if let Err(err) = &outcome {
            let message = err.to_string();
            tracing::error!(%message, ops = ops.len(), "a batch of ops could not be written");
        }
        outcome
    }
}

/// How a batch keeps one op's failed write from the others.
#[derive(Clone, Copy)]
enum Isolation {
    /// No savepoints: an op that fails while writing ends the attempt, which rolls back.
    Shared,
    /// A savepoint per op: a failed write is undone alone and answered as that op's error.
    PerOp,
}

/// One attempt at a batch in one transaction: the answers, or `None` when an op failed
/// while writing under [`Isolation::Shared`] and nothing was committed.
fn write_batch(
    conn: &mut Connection,
    ops: &[(&Envelope, &Caller, &[SideEffect])],
    isolation: Isolation,
) -> Result<Option<Vec<Result<Applied>>>> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(ops.len());
    let mut known = KnownRights::default();
    for (envelope, caller, effects) in ops {
        if let Some(first) = first_answer(&tx, envelope)? {
            results.push(first);
            continue;
        }
        let decision = match decide_one(&tx, envelope, &mut known) {
            Ok(decision) => decision,
            Err(err) => {
                if let StorageError::Refused(refusal) = &err {
                    audit_refusal(&tx, envelope, caller, refusal)?;
                }
                results.push(Err(err));
                continue;
            }
        };
        known.forget_if_touched(&decision.changes);
        let result = match isolation {
            Isolation::Shared => match write_one(&tx, envelope, caller, effects, decision) {
                Ok(applied) => Ok(applied),
                Err(_) => return Ok(None),
            },
            Isolation::PerOp => {
                let savepoint = tx.savepoint()?;
                let result = write_one(&savepoint, envelope, caller, effects, decision);
                if result.is_ok() {
                    savepoint.commit()?;
                }
                result
            }
        };
        if let Err(StorageError::Refused(refusal)) = &result {
            audit_refusal(&tx, envelope, caller, refusal)?;
        }
        results.push(result);
    }
    search_index::catch_up(&tx)?;
    tx.commit()?;
    Ok(Some(results))
}

/// The answer an op got the first time it was sent, if it was: applied ops are in the
/// change log, unchanged and refused ones in `op_results`. An id another account used is
/// refused, so nobody learns another account's results by guessing ids.
fn first_answer(conn: &Connection, envelope: &Envelope) -> Result<Option<Result<Applied>>> {
    let op_id = envelope.id.to_string();
    let actor = json(&envelope.actor)?;
    let reused = || {
        Refusal::new(
            RefusalCode::InvalidInput,
            "This op id was already used by another account; make the change again.",
        )
    };
    let logged: Option<(i64, String, String, String)> = conn
        .prepare_cached("SELECT seq, summary, changes, actor FROM change_log WHERE op_id = ?1")?
        .query_row([&op_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    if let Some((seq, summary, changes, by)) = logged {
        if by != actor {
            return Ok(Some(Err(reused().into())));
        }
        let changes = serde_json::from_str(&changes).map_err(json_error)?;
        return Ok(Some(Ok(Applied::Changed {
            seq,
            summary,
            changes,
        })));
    }
    let answered: Option<StoredAnswer> = conn
        .prepare_cached(
            "SELECT actor, outcome, summary, code, message FROM op_results WHERE op_id = ?1",
        )?
        .query_row([&op_id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .optional()?;
    Ok(answered.map(|(by, outcome, summary, code, message)| {
        if by != actor {
            return Err(reused().into());
        }
        match outcome.as_str() {
            "unchanged" => Ok(Applied::Unchanged { summary }),
            _ => Err(Refusal::new(
                code.and_then(|c| c.parse().ok())
                    .unwrap_or(RefusalCode::InvalidInput),
                message.unwrap_or(summary),
            )
            .into()),
        }
    }))
}

/// A row of `op_results`: actor, outcome, summary, code, message.
type StoredAnswer = (String, String, String, Option<String>, Option<String>);

/// Keeps the answer to an op that was not applied, for its retries.
fn remember_answer(
    conn: &Connection,
    envelope: &Envelope,
    summary: &str,
    refusal: Option<&Refusal>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO op_results (op_id, actor, outcome, summary, code, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        envelope.id.to_string(),
        json(&envelope.actor)?,
        if refusal.is_some() { "refused" } else { "unchanged" },
        summary,
        refusal.map(|r| r.code.to_string()),
        refusal.map(|r| r.message.clone()),
    ])?;
    Ok(())
}

/// One op decided against the state as it is now. Reads only.
fn decide_one(conn: &Connection, envelope: &Envelope, known: &mut KnownRights) -> Result<Decision> {
    let state = SqlState::new(conn);
    let rights = known.of(&state, &envelope.actor)?;
    decide_with(&state, envelope, rights).map_err(|rejection| match rejection {
        Rejection::State(err) => err,
        Rejection::Refused(refusal) => refusal.into(),
    })
}

/// The rights of the last actor a batch decided for, kept until an op changes what they
/// rest on. A push is mostly one account's ops, and reading its rights again for each was
/// an eighth of deciding them (perf, a push of 5,000 renames).
#[derive(Default)]
struct KnownRights(Option<(Actor, Rights)>);

impl KnownRights {
    fn of(&mut self, state: &SqlState<'_>, actor: &Actor) -> Result<Rights> {
        if let Some((known, rights)) = &self.0
            && known == actor
        {
            return Ok(rights.clone());
        }
        let rights = Rights::load(state, actor)?;
        self.0 = Some((actor.clone(), rights.clone()));
        Ok(rights)
    }

    /// Called with every decision before it is written, whoever made it: one admin's op
    /// can change another's rights in the same batch.
    fn forget_if_touched(&mut self, changes: &[Change]) {
        let touched = self.0.as_ref().is_some_and(|(actor, _)| {
            changes
                .iter()
                .filter_map(Change::key)
                .any(|key| Rights::rest_on(actor, &key))
        });
        if touched {
            self.0 = None;
        }
    }
}

/// One decided op, written with its side effects, change-log row and audit entry; an op
/// that changes nothing only has its answer remembered.
fn write_one(
    conn: &Connection,
    envelope: &Envelope,
    caller: &Caller,
    effects: &[SideEffect],
    decision: Decision,
) -> Result<Applied> {
    if decision.is_noop() {
        remember_answer(conn, envelope, &decision.summary, None)?;
        return Ok(Applied::Unchanged {
            summary: decision.summary,
        });
    }
    write::apply(conn, &decision.changes)?;
    end_sessions_of_inactive(conn, &decision.changes)?;
    apply_effects(conn, effects, envelope.at)?;
    let changes = json(&decision.changes)?;
    conn.prepare_cached("INSERT INTO change_log (op_id, actor, at, op, summary, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![
            envelope.id.to_string(),
            json(&envelope.actor)?,
            envelope.at.unix_millis(),
            json(&envelope.op)?,
            decision.summary,
            changes
        ])?;
    let seq = conn.last_insert_rowid();
    let infras: Vec<InfraId> = decision.infras.iter().copied().collect();
    audit::append(
        conn,
        &audit::Entry {
            caller,
            at: envelope.at,
            outcome: "applied",
            action: envelope.op.kind().as_str(),
            summary: &decision.summary,
            infras: &infras,
            changes: &changes,
        },
    )?;
    Ok(Applied::Changed {
        seq,
        summary: decision.summary,
        changes: decision.changes,
    })
}

/// A refused op, in the audit trail: who tried what, and why not.
fn audit_refusal(
    conn: &Connection,
    envelope: &Envelope,
    caller: &Caller,
    refusal: &Refusal,
) -> Result<()> {
    audit::append(
        conn,
        &audit::Entry {
            caller,
            at: envelope.at,
            outcome: "refused",
            action: envelope.op.kind().as_str(),
            summary: &format!("refused ({}): {}", refusal.code, refusal.message),
            infras: &op_infras(envelope),
            changes: &json(&envelope.op)?,
        },
    )?;
    remember_answer(conn, envelope, &refusal.message, Some(refusal))
}

impl Storage for SqliteStorage {
    fn initialise(
        &self,
        snapshot: &Snapshot,
        admin: MemberId,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<()> {
        snapshot.check()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if SqlState::new(&tx).company()?.is_some() {
            return Err(StorageError::corrupt(
                "this server already holds a company; nothing was changed",
            ));
        }
        for record in snapshot.records() {
            write::put(&tx, &record)?;
        }
        search_index::catch_up(&tx)?;
        set_password(&tx, admin, password_hash, at)?;
        let caller = Caller {
            actor: Actor::Member { id: admin },
            label: "roster-server init".into(),
            address: "local".into(),
        };
        let summary = format!("initialised the server for {}", snapshot.company.name);
        audit::append(
            &tx,
            &audit::Entry {
                caller: &caller,
                at,
                outcome: "applied",
                action: "initialise",
                summary: &summary,
                infras: &[],
                changes: "[]",
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    fn apply(
        &self,
        envelope: &Envelope,
        caller: &Caller,
        effects: &[SideEffect],
    ) -> Result<Applied> {
        self.batch
            .submit(envelope.clone(), caller.clone(), effects.to_vec(), |jobs| {
                self.write_batch(jobs)
            })
    }

    fn commit_effects(
        &self,
        caller: &Caller,
        at: Timestamp,
        action: &str,
        summary: &str,
        effects: &[SideEffect],
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        apply_effects(&tx, effects, at)?;
        audit::append(
            &tx,
            &audit::Entry {
                caller,
                at,
                outcome: "applied",
                action,
                summary,
                infras: &[],
                changes: "[]",
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    fn audit_attempt(
        &self,
        caller: &Caller,
        at: Timestamp,
        outcome: &str,
        action: &str,
        summary: &str,
    ) -> Result<()> {
        let conn = self.conn();
        audit::append(
            &conn,
            &audit::Entry {
                caller,
                at,
                outcome,
                action,
                summary,
                infras: &[],
                changes: "[]",
            },
        )?;
        Ok(())
    }

    fn push(&self, ops: &[(Envelope, Caller, Vec<SideEffect>)]) -> Result<Vec<Result<Applied>>> {
        let ops: Vec<_> = ops
            .iter()
            .map(|(envelope, caller, effects)| (envelope, caller, effects.as_slice()))
            .collect();
        self.write_ops(&ops)
    }

    fn snapshot(
        &self,
        rights: &Rights,
        account: MemberId,
        emit: &mut dyn FnMut(SnapshotLine) -> Result<()>,
    ) -> Result<()> {
        // A connection of its own: the stream holds its read transaction for as long as
        // the device takes to read, which must not hold up the pool's other readers.
        sync::snapshot(&self.readers.fresh()?, rights, account, emit)
    }

    fn changes(
        &self,
        rights: &Rights,
        account: MemberId,
        after: i64,
        audit_after: Option<i64>,
        limit: u32,
    ) -> Result<ChangesPage> {
        sync::changes(&*self.reader()?, rights, account, after, audit_after, limit)
    }

    fn rights(&self, actor: &Actor) -> Result<Rights> {
        let conn = self.reader()?;
        Rights::load(&SqlState::new(&conn), actor)
    }

    fn company(&self) -> Result<Option<Company>> {
        SqlState::new(&*self.reader()?).company()
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>> {
        SqlState::new(&*self.reader()?).member(id)
    }

    fn member_by_email(&self, email: &Email) -> Result<Option<Member>> {
        SqlState::new(&*self.reader()?).member_by_email(email)
    }

    fn invitation(&self, member: MemberId) -> Result<Option<roster_core::Invitation>> {
        SqlState::new(&*self.reader()?).invitation_of(member)
    }

    fn member_page(&self, query: &MemberQuery) -> Result<MemberPageView> {
        members::page(&*self.reader()?, query)
    }

    fn member_detail(&self, id: MemberId) -> Result<Option<MemberDetailView>> {
        let conn = self.reader()?;
        let state = SqlState::new(&conn);
        let Some(member) = state.member(id)? else {
            return Ok(None);
        };
        let permissions = members::permissions_of(&conn, &member)?;
        let dev_permissions = state
            .dev_permissions_of(id)?
            .into_iter()
            .map(|d| *d.infra.as_uuid())
            .collect();
        let roles = state
            .role_assignments_of(id)?
            .into_iter()
            .map(|a| *a.role.as_uuid())
            .collect();
        let invitation = state.invitation_of(id)?.map(|i| InvitationView {
            state: i.state,
            sent_at: i.sent_at.unix_millis(),
            expires_at: i.expires_at.unix_millis(),
        });
        Ok(Some(MemberDetailView {
            member: members::view(member, permissions),
            dev_permissions,
            roles,
            invitation,
        }))
    }

    fn subscriptions(&self) -> Result<Vec<SubscriptionView>> {
        let conn = self.reader()?;
        let mut stmt =
            conn.prepare_cached("SELECT id, name, edition FROM subscriptions ORDER BY name_key")?;
        let rows = stmt.query_map([], rows::subscription)?;
        rows.map(|row| {
            let s = row?;
            Ok(SubscriptionView {
                id: *s.id.as_uuid(),
                name: s.name.to_string(),
                edition: s.edition,
            })
        })
        .collect()
    }

    fn infrastructures(&self) -> Result<Vec<InfrastructureView>> {
        let conn = self.reader()?;
        let infras: Vec<roster_core::Infrastructure> = {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, subscription, hosting FROM infrastructures ORDER BY name_key",
            )?;
            let rows = stmt.query_map([], rows::infrastructure)?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut stmt = conn.prepare_cached(
            "SELECT id, infra, name, slot_registered, licence_expires FROM environments WHERE infra = ?1 ORDER BY name_key",
        )?;
        infras
            .into_iter()
            .map(|infra| {
                let environments = stmt
                    .query_map([infra.id.to_string()], rows::environment)?
                    .map(|env| {
                        let env = env?;
                        Ok(EnvironmentView {
                            id: *env.id.as_uuid(),
                            name: env.name.to_string(),
                            slot_registered: env.slot_registered,
                            licence_expires: env.licence_expires.map(|d| d.to_string()),
                        })
                    })
                    .collect::<Result<_>>()?;
                Ok(InfrastructureView {
                    id: *infra.id.as_uuid(),
                    name: infra.name.to_string(),
                    subscription: *infra.subscription.as_uuid(),
                    hosting: infra.hosting,
                    environments,
                })
            })
            .collect()
    }

    fn apps(&self) -> Result<Vec<AppView>> {
        let conn = self.reader()?;
        let apps: Vec<roster_core::App> = {
            let mut stmt = conn.prepare_cached("SELECT id, name FROM apps ORDER BY name_key")?;
            let rows = stmt.query_map([], rows::app)?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut stmt = conn
            .prepare_cached("SELECT id, app, name FROM roles WHERE app = ?1 ORDER BY name_key")?;
        apps.into_iter()
            .map(|app| {
                let roles = stmt
                    .query_map([app.id.to_string()], rows::role)?
                    .map(|role| {
                        role.map(|r| RoleView {
                            id: *r.id.as_uuid(),
                            name: r.name.to_string(),
                        })
                    })
                    .collect::<std::result::Result<_, _>>()?;
                Ok(AppView {
                    id: *app.id.as_uuid(),
                    name: app.name.to_string(),
                    roles,
                })
            })
            .collect()
    }

    fn environment(
        &self,
        id: roster_core::EnvironmentId,
    ) -> Result<Option<roster_core::Environment>> {
        SqlState::new(&*self.reader()?).environment(id)
    }

    fn infrastructure(&self, id: InfraId) -> Result<Option<roster_core::Infrastructure>> {
        SqlState::new(&*self.reader()?).infrastructure(id)
    }

    fn support_cases(
        &self,
        infra: InfraId,
    ) -> Result<Vec<(roster_core::SupportCase, Vec<roster_core::CaseContact>)>> {
        let conn = self.reader()?;
        let cases: Vec<roster_core::SupportCase> = {
            let mut stmt = conn.prepare_cached(
                "SELECT id, infra, reporter, title, needs_approval, opened_at FROM support_cases WHERE infra = ?1 ORDER BY opened_at DESC",
            )?;
            let rows = stmt.query_map([infra.to_string()], rows::support_case)?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut stmt = conn.prepare_cached(
            "SELECT case_id, email FROM case_contacts WHERE case_id = ?1 ORDER BY email_key",
        )?;
        cases
            .into_iter()
            .map(|case| {
                let contacts = stmt
                    .query_map([case.id.to_string()], rows::case_contact)?
                    .collect::<std::result::Result<_, _>>()?;
                Ok((case, contacts))
            })
            .collect()
    }

    fn audit(
        &self,
        infras: Option<&[InfraId]>,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntryView>> {
        audit::list(&*self.reader()?, infras, limit, before)
    }

    fn password_hash(&self, member: MemberId) -> Result<Option<String>> {
        Ok(self
            .reader()?
            .prepare_cached("SELECT password_hash FROM accounts WHERE member = ?1")?
            .query_row([member.to_string()], |row| row.get(0))
            .optional()?)
    }

    fn set_password(&self, member: MemberId, password_hash: &str, at: Timestamp) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        set_password(&tx, member, password_hash, at)?;
        tx.commit()?;
        Ok(())
    }

    fn create_session(
        &self,
        token_hash: &str,
        member: MemberId,
        at: Timestamp,
        expires_at: Timestamp,
        address: &str,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO sessions (token_hash, member, created_at, expires_at, address) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![token_hash, member.to_string(), at.unix_millis(), expires_at.unix_millis(), address])?;
        Ok(())
    }

    /// Every request asks this, reads and writes, so it has its own small pool: it never
    /// waits behind a batch of writes committing on the writer, nor behind searches on the
    /// readers. A session ended in a committed batch is gone for the next request already.
    fn session_member(&self, token_hash: &str, now: Timestamp) -> Result<Option<SessionMember>> {
        let conn = self.sessions.checkout();
        // One read transaction: the session, the rights and the e-mail as of one moment.
        let tx = conn.unchecked_transaction()?;
        let member: Option<String> = tx
            .prepare_cached(
                "SELECT member FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
            )?
            .query_row(params![token_hash, now.unix_millis()], |row| row.get(0))
            .optional()?;
        let Some(member) = member else {
            return Ok(None);
        };
        let id: MemberId = member
            .parse()
            .map_err(|_| StorageError::corrupt("session member id"))?;
        let state = SqlState::new(&tx);
        let rights = Rights::load(&state, &Actor::Member { id })?;
        let email = state
            .member(id)?
            .map(|m| m.email.to_string())
            .unwrap_or_default();
        Ok(Some(SessionMember { id, rights, email }))
    }

    fn end_session(&self, token_hash: &str) -> Result<()> {
        self.conn()
            .prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
            .execute([token_hash])?;
        Ok(())
    }

    fn link_token(&self, token_hash: &str) -> Result<Option<LinkToken>> {
        self.reader()?
            .prepare_cached(
                "SELECT purpose, member, invitation, expires_at, used_at FROM link_tokens WHERE token_hash = ?1",
            )?
            .query_row([token_hash], |row| {
                Ok(LinkToken {
                    purpose: row.get(0)?,
                    member: rows::parsed(row, "member")?,
                    invitation: row.get(2)?,
                    expires_at: Timestamp::from_unix_millis(row.get(3)?),
                    used: row.get::<_, Option<i64>>(4)?.is_some(),
                })
            })
            .optional()
            .map_err(Into::into)
    }

    fn add_release(&self, release: &Bundle, at: Timestamp) -> Result<Release> {
        releases::add(&self.conn(), release, at)
    }

    fn releases(&self) -> Result<Vec<Release>> {
        releases::all(&*self.reader()?)
    }

    fn release(&self, id: i64) -> Result<Option<Release>> {
        releases::one(&*self.reader()?, id)
    }

    fn due_mail(&self, now: Timestamp, limit: u32) -> Result<Vec<Mail>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, recipient, subject, body, attempts FROM mail_outbox
             WHERE sent_at IS NULL AND next_attempt <= ?1 ORDER BY next_attempt LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now.unix_millis(), limit], |row| {
            Ok(Mail {
                id: row.get(0)?,
                recipient: row.get(1)?,
                subject: row.get(2)?,
                body: row.get(3)?,
                attempts: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn mail_sent(&self, id: i64, at: Timestamp) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1")?
            .execute(params![id, at.unix_millis()])?;
        Ok(())
    }

    fn mail_failed(&self, id: i64, error: &str, next_attempt: Timestamp) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3 WHERE id = ?1")?
            .execute(params![id, error, next_attempt.unix_millis()])?;
        Ok(())
    }
}

/// The infrastructures an op names, so a refused attempt shows in the right scope.
fn op_infras(envelope: &Envelope) -> Vec<InfraId> {
    use roster_core::Op;
    match &envelope.op {
        Op::GrantPermission { infra, .. }
        | Op::RevokePermission { infra, .. }
        | Op::RegisterSupportCase { infra, .. }
        | Op::AddEnvironment { infra, .. } => vec![*infra],
        Op::EditInfrastructure { id, .. } => vec![*id],
        Op::InviteMember { grants, dev, .. } => grants
            .iter()
            .map(|g| g.infra)
            .chain(dev.iter().copied())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use roster_core::{Email, Name};

    use super::*;

    /// A server with its first Company Admin signed in; answers the admin and the session's
    /// token hash.
    fn signed_in(dir: &Path) -> (SqliteStorage, MemberId, &'static str) {
        signed_in_beside(dir, Vec::new())
    }

    /// [`signed_in`], with `others` in the company too.
    fn signed_in_beside(
        dir: &Path,
        others: Vec<Member>,
    ) -> (SqliteStorage, MemberId, &'static str) {
        let storage = SqliteStorage::open(dir).expect("open");
        let at = crate::app::now();
        let admin = MemberId::from_uuid(uuid::Uuid::now_v7());
        let mut snapshot = Snapshot::new(Company {
            name: Name::parse("Acme").expect("name"),
        });
        snapshot.members.push(Member::first_company_admin(
            admin,
            Email::parse("ada@acme.example").expect("email"),
            Name::parse("Ada").expect("name"),
            at,
        ));
        snapshot.members.extend(others);
        storage
            .initialise(&snapshot, admin, "not a real hash", at)
            .expect("initialise");
        let expires = Timestamp::from_unix_millis(at.unix_millis() + 60_000);
        storage
            .create_session("session-hash", admin, at, expires, "127.0.0.1")
            .expect("session");
        (storage, admin, "session-hash")
    }

    /// The admin, as a request of theirs from the loopback address.
    fn caller(admin: MemberId) -> Caller {
        Caller {
            actor: Actor::Member { id: admin },
            label: "ada@acme.example".into(),
            address: "127.0.0.1".into(),
        }
    }

    #[test]
    fn no_table_builds_a_temporary_table_to_check_a_row_and_checks_still_refuse() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (storage, admin, _) = signed_in(dir.path());
        let conn = storage.conn();
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table'
                 AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%'",
            )
            .expect("read the schema")
            .query_map([], |row| row.get(0))
            .expect("query")
            .collect::<std::result::Result<_, _>>()
            .expect("rows");
        assert!(tables.iter().any(|t| t == "invitations"), "{tables:?}");
        for table in &tables {
            // The program SQLite compiles to insert a row, with every CHECK, read unrun.
            let opcodes: Vec<String> = conn
                .prepare(&format!("EXPLAIN INSERT INTO \"{table}\" DEFAULT VALUES"))
                .expect("explain")
                .query_map([], |row| row.get(1))
                .expect("query")
                .collect::<std::result::Result<_, _>>()
                .expect("rows");
            assert!(
                !opcodes.iter().any(|op| op == "OpenEphemeral"),
                "writing a row of {table} builds a temporary b-tree: a CHECK lists three or more values with IN"
            );
        }
        let refused = conn
            .execute(
                "UPDATE members SET status = 'suspended' WHERE id = ?1",
                [admin.to_string()],
            )
            .expect_err("a status outside the three is refused");
        assert!(
            refused.to_string().contains("CHECK constraint failed"),
            "{refused}"
        );
    }

    #[test]
    fn a_session_is_checked_while_every_reader_is_busy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (storage, admin, token) = signed_in(dir.path());
        let (done, answer) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            // Every reader held, as by long searches: a write's session check must not wait.
            // Held inside the scope, so a failed assertion frees them and the check ends.
            let held: Vec<_> = (0..readers()).map(|_| storage.readers.checkout()).collect();
            scope.spawn(|| {
                let found = storage.session_member(token, crate::app::now());
                done.send(found.map(|f| f.map(|f| (f.id, f.email))))
                    .expect("send");
            });
            let found = answer
                .recv_timeout(std::time::Duration::from_secs(5))
                .expect("the session check answers without a free reader");
            assert_eq!(
                found.expect("no error"),
                Some((admin, "ada@acme.example".to_owned()))
            );
            drop(held);
        });
    }

    #[test]
    fn a_page_full_of_audit_entries_says_more_follow_even_with_no_changes_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (storage, admin, _) = signed_in(dir.path());
        let caller = caller(admin);
        for _ in 0..4 {
            storage
                .audit_attempt(
                    &caller,
                    crate::app::now(),
                    "refused",
                    "sign_in",
                    "wrong password",
                )
                .expect("audit");
        }
        let rights = storage.rights(&caller.actor).expect("rights");
        // Initialisation's entry and the four attempts, in pages of two.
        let mut seen = Vec::new();
        let mut audit_after = 0;
        let mut pages = 0;
        loop {
            let page = storage
                .changes(&rights, admin, 0, Some(audit_after), 2)
                .expect("page");
            pages += 1;
            assert!(page.changes.is_empty(), "the change log is empty");
            seen.extend(page.audit.iter().map(|entry| entry.seq));
            audit_after = seen.last().copied().unwrap_or(audit_after);
            if !page.more {
                break;
            }
            assert!(pages < 10, "the pages end");
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 5, "every entry arrives: {seen:?}");
        assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
    }

    #[test]
    fn the_search_index_follows_a_batch_that_adds_renames_and_deletes_members() {
        use roster_core::{DeviceId, InvitationId, MemberKind, Op, OpId};
        let dir = tempfile::tempdir().expect("tempdir");
        let (storage, admin, _) = signed_in(dir.path());
        let caller = caller(admin);
        let new_id = || uuid::Uuid::now_v7();
        let (grace, alan) = (MemberId::from_uuid(new_id()), MemberId::from_uuid(new_id()));
        let invite = |id, email: &str, name: &str| Op::InviteMember {
            id,
            invitation: InvitationId::from_uuid(new_id()),
            email: email.to_owned(),
            name: Some(name.to_owned()),
            kind: MemberKind::ItUser,
            company_admin: false,
            grants: Vec::new(),
            dev: Vec::new(),
            roles: Vec::new(),
        };
        let rename = |member, name: &str| Op::EditProfile {
            member,
            name: name.to_owned(),
        };
        let ops = [
            invite(grace, "grace@acme.example", "Grace Hopper"),
            invite(alan, "alan@acme.example", "Alan Turing"),
            rename(admin, "Ada King"),
            rename(grace, "Grace Brewster"),
            rename(admin, "Ada Byron"),
            Op::DeleteMember { member: alan },
        ];
        let batch: Vec<_> = ops
            .into_iter()
            .map(|op| {
                let envelope = Envelope {
                    id: OpId::from_uuid(new_id()),
                    actor: caller.actor.clone(),
                    device: DeviceId::from_uuid(new_id()),
                    at: crate::app::now(),
                    op,
                    expects: Vec::new(),
                };
                (envelope, caller.clone(), Vec::new())
            })
            .collect();
        for (i, result) in storage.push(&batch).expect("push").into_iter().enumerate() {
            assert!(
                matches!(result, Ok(Applied::Changed { .. })),
                "op {i}: {result:?}"
            );
        }

        // FTS5 compares its index with the members table, entry by entry.
        storage
            .conn()
            .execute_batch(
                "INSERT INTO members_fts (members_fts, rank) VALUES ('integrity-check', 1)",
            )
            .expect("the search index matches the members");
        let found = |text: &str| -> Vec<String> {
            storage
                .member_page(&MemberQuery {
                    search: Some(text.to_owned()),
                    limit: 50,
                    ..MemberQuery::default()
                })
                .expect("search")
                .members
                .into_iter()
                .map(|member| member.name)
                .collect()
        };
        assert_eq!(found("byron"), ["Ada Byron"], "the last name of the batch");
        assert!(found("king").is_empty(), "a name between is gone");
        assert_eq!(
            found("brewster"),
            ["Grace Brewster"],
            "a member added, then renamed"
        );
        assert!(found("hopper").is_empty());
        assert_eq!(
            found("grace"),
            ["Grace Brewster"],
            "found by e-mail too, once"
        );
        assert!(found("turing").is_empty(), "a member added, then deleted");
        let pending: i64 = storage
            .conn()
            .query_row("SELECT count(*) FROM members_fts_pending", [], |row| {
                row.get(0)
            })
            .expect("count");
        assert_eq!(pending, 0, "nothing waits after the commit");
    }

    #[test]
    fn an_admin_who_demotes_themself_is_refused_what_follows_in_the_same_batch() {
        use roster_core::{DeviceId, Op, OpId};
        let dir = tempfile::tempdir().expect("tempdir");
        let bea = MemberId::from_uuid(uuid::Uuid::now_v7());
        let other_admin = Member::first_company_admin(
            bea,
            Email::parse("bea@acme.example").expect("email"),
            Name::parse("Bea").expect("name"),
            crate::app::now(),
        );
        let (storage, ada, _) = signed_in_beside(dir.path(), vec![other_admin]);
        let by = |member: MemberId, label: &str, op: Op| {
            let caller = Caller {
                actor: Actor::Member { id: member },
                label: label.into(),
                address: "127.0.0.1".into(),
            };
            let envelope = Envelope {
                id: OpId::from_uuid(uuid::Uuid::now_v7()),
                actor: caller.actor.clone(),
                device: DeviceId::from_uuid(uuid::Uuid::now_v7()),
                at: crate::app::now(),
                op,
                expects: Vec::new(),
            };
            (envelope, caller, Vec::new())
        };
        let rename = |name: &str| Op::EditCompany { name: name.into() };
        let demote = |member| Op::SetCompanyAdmin { member, on: false };
        let batch = vec![
            by(ada, "ada", rename("Acme One")),
            by(ada, "ada", demote(ada)),
            // Ada's rights were read for the first op; the second changed them.
            by(ada, "ada", rename("Acme Two")),
            by(
                bea,
                "bea",
                Op::SetCompanyAdmin {
                    member: ada,
                    on: true,
                },
            ),
            by(ada, "ada", rename("Acme Three")),
        ];
        let answers: Vec<String> = storage
            .push(&batch)
            .expect("the batch is answered")
            .iter()
            .map(|result| match result {
                Ok(Applied::Changed { .. }) => "changed".to_owned(),
                Ok(Applied::Unchanged { .. }) => "unchanged".to_owned(),
                Err(StorageError::Refused(refusal)) => refusal.code.to_string(),
                Err(err) => err.to_string(),
            })
            .collect();
        assert_eq!(
            answers,
            ["changed", "changed", "forbidden", "changed", "changed"]
        );
        let name: String = storage
            .conn()
            .query_row("SELECT name FROM company", [], |row| row.get(0))
            .expect("the company");
        assert_eq!(name, "Acme Three");
    }

    #[test]
    fn an_op_that_fails_while_writing_fails_alone_and_leaves_no_trace() {
        use roster_core::{DeviceId, Op, OpId};
        let dir = tempfile::tempdir().expect("tempdir");
        let (storage, admin, _) = signed_in(dir.path());
        // A failure decide cannot foresee, after the op has written its member row: as a
        // full disk or a damaged page would be, planted here on its change-log row.
        storage
            .conn()
            .execute_batch(
                "CREATE TRIGGER planted_failure BEFORE INSERT ON change_log WHEN new.op LIKE '%Boom%'
                 BEGIN SELECT RAISE(ABORT, 'planted failure'); END;",
            )
            .expect("plant a failure");
        let caller = caller(admin);
        let batch: Vec<_> = ["Ada King", "Boom", "Ada King"]
            .iter()
            .map(|name| {
                let envelope = Envelope {
                    id: OpId::from_uuid(uuid::Uuid::now_v7()),
                    actor: caller.actor.clone(),
                    device: DeviceId::from_uuid(uuid::Uuid::now_v7()),
                    at: crate::app::now(),
                    op: Op::EditProfile {
                        member: admin,
                        name: (*name).to_owned(),
                    },
                    expects: Vec::new(),
                };
                (envelope, caller.clone(), Vec::new())
            })
            .collect();
        let answers = |results: &[Result<Applied>]| -> Vec<String> {
            results
                .iter()
                .map(|result| match result {
                    Ok(Applied::Changed { .. }) => "changed".to_owned(),
                    Ok(Applied::Unchanged { .. }) => "unchanged".to_owned(),
                    Err(err) => err.to_string(),
                })
                .collect()
        };
        let failed = "database: planted failure";
        assert_eq!(
            answers(&storage.push(&batch).expect("the batch is answered")),
            // The third op finds the name the first gave: the second's rename was undone.
            ["changed", failed, "unchanged"]
        );
        let count = |sql: &str| -> i64 {
            storage
                .conn()
                .query_row(sql, [], |row| row.get(0))
                .expect("count")
        };
        assert_eq!(count("SELECT count(*) FROM change_log"), 1);
        assert_eq!(
            count("SELECT count(*) FROM audit WHERE action = 'edit_profile'"),
            1,
            "the failed op left no audit entry"
        );
        let name: String = storage
            .conn()
            .query_row(
                "SELECT name FROM members WHERE id = ?1",
                [admin.to_string()],
                |row| row.get(0),
            )
            .expect("the admin");
        assert_eq!(name, "Ada King");

        assert_eq!(
            answers(&storage.push(&batch).expect("a retry is answered")),
            ["changed", failed, "unchanged"],
            "a retry gets the first answers, and the failed op is tried again"
        );
        assert_eq!(
            count("SELECT count(*) FROM change_log"),
            1,
            "nothing applied twice"
        );
    }

    #[test]
    fn an_expired_or_unknown_session_is_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (storage, _, token) = signed_in(dir.path());
        let later = Timestamp::from_unix_millis(crate::app::now().unix_millis() + 120_000);
        assert!(
            storage
                .session_member(token, later)
                .expect("read")
                .is_none()
        );
        assert!(
            storage
                .session_member("another-hash", crate::app::now())
                .expect("read")
                .is_none()
        );
    }
}
