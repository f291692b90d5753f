//! Applying [`Change`]s to the database: each sets a record to its `after`, or removes it.
//! Statements are cached; a load of a whole company prepares those of its big tables once
//! ([`BigTables`]).
//!
//! `roster-server` keeps the same records in its own SQL (`storage/sqlite/`, same module
//! name): a change to the record tables or their queries belongs in both.

use std::collections::HashMap;

use roster_core::{
    App, CaseContact, Change, Company, DevPermission, Environment, Infrastructure, Invitation,
    Member, MemberId, MemberStatus, Permission, Record, RecordKey, Role, RoleAssignment, Snapshot,
    SnapshotPart, Subscription, SupportCase, SupportContact,
};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Statement, ToSql, params};
use uuid::Uuid;

use crate::error::StoreError;

/// Applies the changes in order. Call inside a transaction.
pub(crate) fn apply(conn: &Connection, changes: &[Change]) -> Result<(), StoreError> {
    for change in changes {
        match (&change.after, &change.before) {
            (Some(after), _) => put(conn, after)?,
            (None, Some(before)) => remove(conn, &before.key())?,
            (None, None) => {}
        }
    }
    Ok(())
}

fn bool_int(value: bool) -> i64 {
    i64::from(value)
}

/// An id as it is stored (hyphenated lowercase text), bound from the stack: a snapshot's
/// load binds half a million ids, and a `String` for each costs an allocation and the
/// formatting machinery.
struct IdText([u8; uuid::fmt::Hyphenated::LENGTH]);

impl IdText {
    fn of(id: &Uuid) -> Self {
        let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
        id.as_hyphenated().encode_lower(&mut text);
        Self(text)
    }
}

impl ToSql for IdText {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(&self.0)))
    }
}

/// Inserts or replaces one record.
pub(crate) fn put(conn: &Connection, record: &Record) -> Result<(), StoreError> {
    match record {
        Record::Company(c) => put_company(conn, c),
        Record::Subscription(s) => put_subscription(conn, s),
        Record::Infrastructure(i) => put_infrastructure(conn, i),
        Record::Environment(e) => put_environment(conn, e),
        Record::Member(m) => put_member(conn, m),
        Record::Permission(p) => put_permission(conn, p),
        Record::DevPermission(d) => put_dev_permission(conn, d),
        Record::App(a) => put_app(conn, a),
        Record::Role(r) => put_role(conn, r),
        Record::RoleAssignment(a) => put_role_assignment(conn, a),
        Record::Invitation(i) => put_invitation(conn, i),
        Record::SupportContact(c) => put_support_contact(conn, c),
        Record::SupportCase(c) => put_support_case(conn, c),
        Record::CaseContact(c) => put_case_contact(conn, c),
    }
}

fn put_company(conn: &Connection, c: &Company) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO company (id, name) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET name = excluded.name")?
        .execute([c.name.as_str()])?;
    Ok(())
}

fn put_subscription(conn: &Connection, s: &Subscription) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO subscriptions (id, name, name_key, edition) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, edition = excluded.edition",
    )?
    .execute(params![s.id.to_string(), s.name.as_str(), s.name.key(), s.edition.as_str()])?;
    Ok(())
}

fn put_infrastructure(conn: &Connection, i: &Infrastructure) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO infrastructures (id, name, name_key, subscription, hosting) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key,
             subscription = excluded.subscription, hosting = excluded.hosting",
    )?
    .execute(params![i.id.to_string(), i.name.as_str(), i.name.key(), i.subscription.to_string(), i.hosting.as_str()])?;
    Ok(())
}

fn put_environment(conn: &Connection, e: &Environment) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO environments (id, infra, name, name_key, slot_registered, licence_expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET infra = excluded.infra, name = excluded.name, name_key = excluded.name_key,
             slot_registered = excluded.slot_registered, licence_expires = excluded.licence_expires",
    )?
    .execute(params![
        e.id.to_string(),
        e.infra.to_string(),
        e.name.as_str(),
        e.name.key(),
        bool_int(e.slot_registered),
        e.licence_expires.map(|d| d.to_string()),
    ])?;
    Ok(())
}

const UPSERT_MEMBER: &str =
    "INSERT INTO members (id, email, email_key, name, name_key, kind, status, company_admin,
         administrator, phone, security_contact, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
     ON CONFLICT (id) DO UPDATE SET email = excluded.email, email_key = excluded.email_key,
         name = excluded.name, name_key = excluded.name_key, kind = excluded.kind,
         status = excluded.status, company_admin = excluded.company_admin,
         administrator = excluded.administrator, phone = excluded.phone,
         security_contact = excluded.security_contact, created_at = excluded.created_at";

fn put_member(conn: &Connection, m: &Member) -> Result<(), StoreError> {
    write_member(&mut *conn.prepare_cached(UPSERT_MEMBER)?, m)
}

/// Writes `m` with `stmt`, which is [`UPSERT_MEMBER`].
fn write_member(stmt: &mut Statement<'_>, m: &Member) -> Result<(), StoreError> {
    stmt.execute(params![
        IdText::of(m.id.as_uuid()),
        m.email.as_str(),
        m.email.key(),
        m.name.as_str(),
        m.name.key(),
        m.kind.as_str(),
        m.status.as_str(),
        bool_int(m.company_admin),
        bool_int(m.administrator),
        m.phone.as_ref().map(|p| p.as_str()),
        bool_int(m.security_contact),
        m.created_at.unix_millis(),
    ])?;
    Ok(())
}

/// A permission copies its member's status and name key for the listing index, read from
/// the member's row.
fn put_permission(conn: &Connection, p: &Permission) -> Result<(), StoreError> {
    let written = conn
        .prepare_cached(
            "INSERT INTO permissions (member, infra, level, member_status, member_name_key)
             SELECT ?1, ?2, ?3, m.status, m.name_key FROM members m WHERE m.id = ?1
             ON CONFLICT (member, infra) DO UPDATE SET level = excluded.level",
        )?
        .execute(params![
            p.member.to_string(),
            p.infra.to_string(),
            p.level.as_str()
        ])?;
    if written == 0 {
        return Err(StoreError::corrupt(
            "a permission names a member that is not in the workspace",
        ));
    }
    Ok(())
}

const INSERT_PERMISSION: &str =
    "INSERT INTO permissions (member, infra, level, member_status, member_name_key)
     VALUES (?1, ?2, ?3, ?4, ?5)";

/// A new permission row whose member's copies (`member_status`, `member_name_key`) the
/// caller already holds: the bulk load's way, without a lookup of the member per row.
/// `stmt` is [`INSERT_PERMISSION`].
fn insert_permission(
    stmt: &mut Statement<'_>,
    p: &Permission,
    member_status: MemberStatus,
    member_name_key: &str,
) -> Result<(), StoreError> {
    stmt.execute(params![
        IdText::of(p.member.as_uuid()),
        IdText::of(p.infra.as_uuid()),
        p.level.as_str(),
        member_status.as_str(),
        member_name_key,
    ])?;
    Ok(())
}

const INSERT_DEV_PERMISSION: &str =
    "INSERT OR IGNORE INTO dev_permissions (member, infra) VALUES (?1, ?2)";

fn put_dev_permission(conn: &Connection, d: &DevPermission) -> Result<(), StoreError> {
    write_dev_permission(&mut *conn.prepare_cached(INSERT_DEV_PERMISSION)?, d)
}

fn write_dev_permission(stmt: &mut Statement<'_>, d: &DevPermission) -> Result<(), StoreError> {
    stmt.execute(params![
        IdText::of(d.member.as_uuid()),
        IdText::of(d.infra.as_uuid())
    ])?;
    Ok(())
}

fn put_app(conn: &Connection, a: &App) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO apps (id, name, name_key) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key",
    )?
    .execute(params![a.id.to_string(), a.name.as_str(), a.name.key()])?;
    Ok(())
}

fn put_role(conn: &Connection, r: &Role) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO roles (id, app, name, name_key) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET app = excluded.app, name = excluded.name, name_key = excluded.name_key",
    )?
    .execute(params![r.id.to_string(), r.app.to_string(), r.name.as_str(), r.name.key()])?;
    Ok(())
}

const INSERT_ROLE_ASSIGNMENT: &str =
    "INSERT OR IGNORE INTO role_assignments (member, role) VALUES (?1, ?2)";

fn put_role_assignment(conn: &Connection, a: &RoleAssignment) -> Result<(), StoreError> {
    write_role_assignment(&mut *conn.prepare_cached(INSERT_ROLE_ASSIGNMENT)?, a)
}

fn write_role_assignment(stmt: &mut Statement<'_>, a: &RoleAssignment) -> Result<(), StoreError> {
    stmt.execute(params![
        IdText::of(a.member.as_uuid()),
        IdText::of(a.role.as_uuid())
    ])?;
    Ok(())
}

const UPSERT_INVITATION: &str =
    "INSERT INTO invitations (member, id, state, sent_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (member) DO UPDATE SET id = excluded.id, state = excluded.state,
         sent_at = excluded.sent_at, expires_at = excluded.expires_at";

fn put_invitation(conn: &Connection, i: &Invitation) -> Result<(), StoreError> {
    write_invitation(&mut *conn.prepare_cached(UPSERT_INVITATION)?, i)
}

fn write_invitation(stmt: &mut Statement<'_>, i: &Invitation) -> Result<(), StoreError> {
    stmt.execute(params![
        IdText::of(i.member.as_uuid()),
        IdText::of(i.id.as_uuid()),
        i.state.as_str(),
        i.sent_at.unix_millis(),
        i.expires_at.unix_millis(),
    ])?;
    Ok(())
}

fn put_support_contact(conn: &Connection, c: &SupportContact) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO support_contacts (email_key, email, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (email_key) DO UPDATE SET email = excluded.email, name = excluded.name",
    )?
    .execute(params![
        c.email.key(),
        c.email.as_str(),
        c.name.as_ref().map(|n| n.as_str().to_owned())
    ])?;
    Ok(())
}

fn put_support_case(conn: &Connection, c: &SupportCase) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO support_cases (id, infra, reporter, title, needs_approval, opened_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET infra = excluded.infra, reporter = excluded.reporter,
             title = excluded.title, needs_approval = excluded.needs_approval, opened_at = excluded.opened_at",
    )?
    .execute(params![
        c.id.to_string(),
        c.infra.to_string(),
        c.reporter.to_string(),
        c.title.as_str(),
        bool_int(c.needs_approval),
        c.opened_at.unix_millis(),
    ])?;
    Ok(())
}

fn put_case_contact(conn: &Connection, c: &CaseContact) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO case_contacts (case_id, email_key, email) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        c.case.to_string(),
        c.contact.key(),
        c.contact.as_str()
    ])?;
    Ok(())
}

/// Removes the record named by `key`.
pub(crate) fn remove(conn: &Connection, key: &RecordKey) -> Result<(), StoreError> {
    let (sql, args): (&str, Vec<String>) = match key {
        RecordKey::Company => ("DELETE FROM company WHERE id = 1", vec![]),
        RecordKey::Subscription { id } => (
            "DELETE FROM subscriptions WHERE id = ?1",
            vec![id.to_string()],
        ),
        RecordKey::Infrastructure { id } => (
            "DELETE FROM infrastructures WHERE id = ?1",
            vec![id.to_string()],
        ),
        RecordKey::Environment { id } => (
            "DELETE FROM environments WHERE id = ?1",
            vec![id.to_string()],
        ),
        RecordKey::Member { id } => ("DELETE FROM members WHERE id = ?1", vec![id.to_string()]),
        RecordKey::Permission { member, infra } => (
            "DELETE FROM permissions WHERE member = ?1 AND infra = ?2",
            vec![member.to_string(), infra.to_string()],
        ),
        RecordKey::DevPermission { member, infra } => (
            "DELETE FROM dev_permissions WHERE member = ?1 AND infra = ?2",
            vec![member.to_string(), infra.to_string()],
        ),
        RecordKey::App { id } => ("DELETE FROM apps WHERE id = ?1", vec![id.to_string()]),
        RecordKey::Role { id } => ("DELETE FROM roles WHERE id = ?1", vec![id.to_string()]),
        RecordKey::RoleAssignment { member, role } => (
            "DELETE FROM role_assignments WHERE member = ?1 AND role = ?2",
            vec![member.to_string(), role.to_string()],
        ),
        RecordKey::Invitation { member } => (
            "DELETE FROM invitations WHERE member = ?1",
            vec![member.to_string()],
        ),
        RecordKey::SupportContact { email } => (
            "DELETE FROM support_contacts WHERE email_key = ?1",
            vec![email.clone()],
        ),
        RecordKey::SupportCase { id } => (
            "DELETE FROM support_cases WHERE id = ?1",
            vec![id.to_string()],
        ),
        RecordKey::CaseContact { case, email } => (
            "DELETE FROM case_contacts WHERE case_id = ?1 AND email_key = ?2",
            vec![case.to_string(), email.clone()],
        ),
    };
    conn.prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(args))?;
    Ok(())
}

/// Takes changes back off, newest first: each record returns to its `before`.
pub(crate) fn undo(conn: &Connection, changes: &[Change]) -> Result<(), StoreError> {
    for change in changes.iter().rev() {
        match (&change.before, &change.after) {
            (Some(before), _) => put(conn, before)?,
            (None, Some(after)) => remove(conn, &after.key())?,
            (None, None) => {}
        }
    }
    Ok(())
}

/// Loads every record of `snapshot` in place of what the record tables hold (a first sync,
/// a fresh snapshot). See [`Load`]. Call inside a transaction, with the snapshot checked
/// (`Snapshot::check`).
pub(crate) fn load(conn: &Connection, snapshot: &Snapshot) -> Result<(), StoreError> {
    let load = Load::begin(conn)?;
    insert_all(conn, snapshot)?;
    load.finish(conn)
}

/// The full-text index's in-memory hash size while a whole company is indexed at once.
const REBUILD_HASH_SIZE: i64 = 16 * 1024 * 1024;
/// FTS5's own default (`FTS5_DEFAULT_HASHSIZE`), for the writes of one change at a time.
const FTS5_DEFAULT_HASH_SIZE: i64 = 1024 * 1024;

/// Rebuilds `members_fts` from the members table in `conn`.
pub(crate) fn rebuild_search_index(conn: &Connection) -> Result<(), StoreError> {
    // FTS5 gathers new entries in memory and writes them out as a segment each time they
    // pass its hash size, then merges the segments. With the default 1 MiB and the 1-4
    // letter prefixes, 100,000 members made hundreds of segments to merge; 16 MiB takes a
    // third off the rebuild. The setting is kept in the index's own config table, so it is
    // set back for the small writes that follow.
    conn.execute(
        "INSERT INTO members_fts (members_fts, rank) VALUES ('hashsize', ?1)",
        [REBUILD_HASH_SIZE],
    )?;
    conn.execute(
        "INSERT INTO members_fts (members_fts) VALUES ('rebuild')",
        [],
    )?;
    conn.execute(
        "INSERT INTO members_fts (members_fts, rank) VALUES ('hashsize', ?1)",
        [FTS5_DEFAULT_HASH_SIZE],
    )?;
    Ok(())
}

/// A load of whole tables: their own indexes and triggers are dropped first and made again
/// after, and the full-text index is rebuilt once. Building an index over rows already in
/// place is one sort, where keeping every index and the FTS5 index up row by row is a
/// random write per row and index (at 100,000 members, about 2× faster in all). The schema
/// changes commit or roll back with the rows, which are not checked one by one: the caller
/// checks the snapshot before it commits.
pub(crate) struct Load {
    /// The dropped indexes and triggers: (kind, name, SQL).
    deferred: Vec<(String, String, String)>,
}

impl Load {
    /// Empties the record tables and drops their indexes and triggers.
    pub(crate) fn begin(conn: &Connection) -> Result<Self, StoreError> {
        let tables = RECORD_TABLES
            .iter()
            .map(|table| format!("'{table}'"))
            .collect::<Vec<_>>()
            .join(", ");
        // Indexes made by UNIQUE and PRIMARY KEY constraints have no SQL; they stay.
        let deferred: Vec<(String, String, String)> = conn
            .prepare(&format!(
                "SELECT type, name, sql FROM sqlite_master
                 WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN ({tables})"
            ))?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (kind, name, _) in &deferred {
            conn.execute_batch(&format!("DROP {kind} \"{name}\""))?;
        }
        for table in RECORD_TABLES {
            conn.execute(&format!("DELETE FROM {table}"), [])?;
        }
        Ok(Self { deferred })
    }

    /// Makes the indexes and triggers again and rebuilds the full-text index.
    pub(crate) fn finish(self, conn: &Connection) -> Result<(), StoreError> {
        self.finish_but_search(conn)?;
        rebuild_search_index(conn)
    }

    /// Makes the indexes and triggers again, leaving the full-text index to be built apart
    /// (`search_index`).
    pub(crate) fn finish_but_search(self, conn: &Connection) -> Result<(), StoreError> {
        for (_, _, sql) in &self.deferred {
            conn.execute_batch(sql)?;
        }
        Ok(())
    }
}

/// The statements a load inserts its big tables with, each prepared once. Through the
/// statement cache, every row would hash the statement's text twice, to take it out of the
/// cache and to put it back: about a sixth of a member's insert.
struct BigTables<'conn> {
    member: Statement<'conn>,
    permission: Statement<'conn>,
    dev_permission: Statement<'conn>,
    role_assignment: Statement<'conn>,
    invitation: Statement<'conn>,
}

impl<'conn> BigTables<'conn> {
    fn prepare(conn: &'conn Connection) -> Result<Self, StoreError> {
        Ok(Self {
            member: conn.prepare(UPSERT_MEMBER)?,
            permission: conn.prepare(INSERT_PERMISSION)?,
            dev_permission: conn.prepare(INSERT_DEV_PERMISSION)?,
            role_assignment: conn.prepare(INSERT_ROLE_ASSIGNMENT)?,
            invitation: conn.prepare(UPSERT_INVITATION)?,
        })
    }
}

/// Inserts pieces of a snapshot as they arrive, into tables a [`Load`] emptied. A
/// permission row copies its member's status and name key: from the members inserted
/// before it, or, for a permission that came before its member, once every piece is in.
pub(crate) struct PartWriter<'conn> {
    conn: &'conn Connection,
    tables: BigTables<'conn>,
    members: HashMap<MemberId, (MemberStatus, String)>,
    early: Vec<Permission>,
    /// Each member's rowid, in the order the members came: what the full-text index built
    /// apart refers to them by.
    rowids: Vec<i64>,
}

impl<'conn> PartWriter<'conn> {
    pub(crate) fn new(conn: &'conn Connection) -> Result<Self, StoreError> {
        Ok(Self {
            conn,
            tables: BigTables::prepare(conn)?,
            members: HashMap::new(),
            early: Vec::new(),
            rowids: Vec::new(),
        })
    }

    pub(crate) fn insert(&mut self, part: &SnapshotPart) -> Result<(), StoreError> {
        let conn = self.conn;
        let tables = &mut self.tables;
        match part {
            SnapshotPart::Company(c) => put_company(conn, c)?,
            SnapshotPart::Subscriptions(v) => each(conn, v, put_subscription)?,
            SnapshotPart::Infrastructures(v) => each(conn, v, put_infrastructure)?,
            SnapshotPart::Environments(v) => each(conn, v, put_environment)?,
            SnapshotPart::Members(v) => {
                self.members.reserve(v.len());
                self.rowids.reserve(v.len());
                for m in v {
                    write_member(&mut tables.member, m)?;
                    self.rowids.push(conn.last_insert_rowid());
                    self.members.insert(m.id, (m.status, m.name.key()));
                }
            }
            SnapshotPart::Permissions(v) => {
                for p in v {
                    match self.members.get(&p.member) {
                        Some((status, name_key)) => {
                            insert_permission(&mut tables.permission, p, *status, name_key)?;
                        }
                        None => self.early.push(p.clone()),
                    }
                }
            }
            SnapshotPart::DevPermissions(v) => v
                .iter()
                .try_for_each(|d| write_dev_permission(&mut tables.dev_permission, d))?,
            SnapshotPart::Apps(v) => each(conn, v, put_app)?,
            SnapshotPart::Roles(v) => each(conn, v, put_role)?,
            SnapshotPart::RoleAssignments(v) => v
                .iter()
                .try_for_each(|a| write_role_assignment(&mut tables.role_assignment, a))?,
            SnapshotPart::Invitations(v) => v
                .iter()
                .try_for_each(|i| write_invitation(&mut tables.invitation, i))?,
            SnapshotPart::SupportContacts(v) => each(conn, v, put_support_contact)?,
            SnapshotPart::SupportCases(v) => each(conn, v, put_support_case)?,
            SnapshotPart::CaseContacts(v) => each(conn, v, put_case_contact)?,
        }
        Ok(())
    }

    /// The rowid of each member inserted, in the order they came.
    pub(crate) fn take_member_rowids(&mut self) -> Vec<i64> {
        std::mem::take(&mut self.rowids)
    }

    /// Inserts the permissions that came before their members. Call once every piece is
    /// in.
    pub(crate) fn finish(mut self) -> Result<(), StoreError> {
        for p in &self.early {
            let (status, name_key) = self.members.get(&p.member).ok_or_else(|| {
                StoreError::corrupt("a permission names a member that is not in the snapshot")
            })?;
            insert_permission(&mut self.tables.permission, p, *status, name_key)?;
        }
        Ok(())
    }
}

fn each<T>(
    conn: &Connection,
    records: &[T],
    put: fn(&Connection, &T) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    records.iter().try_for_each(|record| put(conn, record))
}

/// Inserts the snapshot's records into empty tables, parents first. The big tables go in
/// the order of the key their constraint index keeps (ids sort as their text does), so
/// each row lands at the end of that index instead of at a random page of it.
fn insert_all(conn: &Connection, snapshot: &Snapshot) -> Result<(), StoreError> {
    let mut tables = BigTables::prepare(conn)?;
    put_company(conn, &snapshot.company)?;
    for s in &snapshot.subscriptions {
        put_subscription(conn, s)?;
    }
    for i in &snapshot.infrastructures {
        put_infrastructure(conn, i)?;
    }
    for e in &snapshot.environments {
        put_environment(conn, e)?;
    }
    let members: HashMap<MemberId, &Member> = snapshot.members.iter().map(|m| (m.id, m)).collect();
    for m in in_order(&snapshot.members, |m| m.id) {
        write_member(&mut tables.member, m)?;
    }
    for p in in_order(&snapshot.permissions, |p| (p.member, p.infra)) {
        let member = members.get(&p.member).ok_or_else(|| {
            StoreError::corrupt("a permission names a member that is not in the snapshot")
        })?;
        insert_permission(&mut tables.permission, p, member.status, &member.name.key())?;
    }
    for d in in_order(&snapshot.dev_permissions, |d| (d.member, d.infra)) {
        write_dev_permission(&mut tables.dev_permission, d)?;
    }
    for a in &snapshot.apps {
        put_app(conn, a)?;
    }
    for r in &snapshot.roles {
        put_role(conn, r)?;
    }
    for a in in_order(&snapshot.role_assignments, |a| (a.member, a.role)) {
        write_role_assignment(&mut tables.role_assignment, a)?;
    }
    for i in in_order(&snapshot.invitations, |i| i.member) {
        write_invitation(&mut tables.invitation, i)?;
    }
    for c in &snapshot.support_contacts {
        put_support_contact(conn, c)?;
    }
    for c in &snapshot.support_cases {
        put_support_case(conn, c)?;
    }
    for c in &snapshot.case_contacts {
        put_case_contact(conn, c)?;
    }
    Ok(())
}

/// The records sorted by `key`, borrowed.
fn in_order<T, K: Ord>(records: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let mut sorted: Vec<&T> = records.iter().collect();
    sorted.sort_unstable_by_key(|r| key(r));
    sorted
}

/// Fails if any row names a parent that is not there: the check a bulk load made with
/// foreign keys off owes the rows it wrote.
pub(crate) fn check_references(conn: &Connection) -> Result<(), StoreError> {
    let dangling: Option<(String, String)> = conn
        .query_row("PRAGMA foreign_key_check", [], |row| {
            Ok((row.get(0)?, row.get(2)?))
        })
        .optional()?;
    match dangling {
        None => Ok(()),
        Some((table, parent)) => Err(StoreError::corrupt(format!(
            "a row of {table} names a record of {parent} that is not there"
        ))),
    }
}

/// Every record table, children before parents: the order to empty them in.
pub(crate) const RECORD_TABLES: &[&str] = &[
    "case_contacts",
    "support_cases",
    "support_contacts",
    "invitations",
    "role_assignments",
    "roles",
    "apps",
    "dev_permissions",
    "permissions",
    "members",
    "environments",
    "infrastructures",
    "subscriptions",
    "company",
];
