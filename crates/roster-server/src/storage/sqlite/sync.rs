//! What devices download: a snapshot of the company at one change-log sequence number, and
//! pages of the change log after a cursor, each filtered to what the account may see
//! (`roster_core::can_replicate`), with the audit entries of the account's scope.

use std::collections::HashSet;

use roster_core::{
    AuditScope, CaseContact, CaseId, Change, InfraId, MemberId, Record, Rights, SnapshotPart,
    State, SupportCase, can_replicate,
};
use roster_wire::{AuditEntryView, ChangesPage, LoggedChange, SNAPSHOT_PART_SIZE, SnapshotLine};
use rusqlite::{Connection, Row};

use super::rows::{self, MEMBER_COLUMNS};
use super::state::SqlState;
use super::{audit, json_error};
use crate::storage::{Result, StorageError};

/// The newest audit entries a snapshot carries; older ones stay readable on the server.
const SNAPSHOT_AUDIT: u32 = 1000;

fn all<T>(
    conn: &Connection,
    sql: &str,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], map)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Everything `rights` may see, read in one transaction so it matches `seq` exactly, as the
/// lines of the snapshot stream: each is handed to `emit` as soon as it is read, so the
/// device stores the first members while the last are still being read. An error from
/// `emit` (the device went away) ends the read.
///
/// Each kind is read in the order its table keeps it, so no row costs a second lookup.
/// For most that is their key, the order a device's tables keep them in. Members and
/// invitations are kept in the order they were stored, which is close to their members'
/// id order, since a UUIDv7 id is made when its member is: a device's id index still grows
/// at its end. Reading them by id took a b-tree lookup per row, about a quarter of the
/// snapshot read at 100,000 members.
pub(crate) fn snapshot(
    conn: &Connection,
    rights: &Rights,
    account: MemberId,
    emit: &mut dyn FnMut(SnapshotLine) -> Result<()>,
) -> Result<()> {
    // One read transaction: every table and the sequence number from the same moment.
    let tx = conn.unchecked_transaction()?;
    let company = SqlState::new(&tx)
        .company()?
        .ok_or(StorageError::NotInitialised)?;
    let seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |row| {
        row.get(0)
    })?;
    emit(SnapshotLine::Head {
        seq,
        account: *account.as_uuid(),
    })?;
    let mut records = 0_u64;
    let mut part = |part: SnapshotPart| {
        records += part.len() as u64;
        emit(SnapshotLine::Part(part))
    };
    part(SnapshotPart::Company(company))?;
    runs(
        &tx,
        "SELECT id, name, edition FROM subscriptions ORDER BY id",
        rows::subscription,
        SnapshotPart::Subscriptions,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT id, name, subscription, hosting FROM infrastructures ORDER BY id",
        rows::infrastructure,
        SnapshotPart::Infrastructures,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT id, infra, name, slot_registered, licence_expires FROM environments ORDER BY id",
        rows::environment,
        SnapshotPart::Environments,
        &mut part,
    )?;
    runs(
        &tx,
        &format!("SELECT {MEMBER_COLUMNS} FROM members ORDER BY seq"),
        rows::member,
        SnapshotPart::Members,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT member, infra, level FROM permissions ORDER BY member, infra",
        rows::permission,
        SnapshotPart::Permissions,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT member, infra FROM dev_permissions ORDER BY member, infra",
        rows::dev_permission,
        SnapshotPart::DevPermissions,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT id, name FROM apps ORDER BY id",
        rows::app,
        SnapshotPart::Apps,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT id, app, name FROM roles ORDER BY id",
        rows::role,
        SnapshotPart::Roles,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT member, role FROM role_assignments ORDER BY member, role",
        rows::role_assignment,
        SnapshotPart::RoleAssignments,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT member, id, state, sent_at, expires_at FROM invitations ORDER BY rowid",
        rows::invitation,
        SnapshotPart::Invitations,
        &mut part,
    )?;
    runs(
        &tx,
        "SELECT email, name FROM support_contacts ORDER BY email_key",
        rows::support_contact,
        SnapshotPart::SupportContacts,
        &mut part,
    )?;
    // Support cases are few, and only some are the account's to see.
    let cases: Vec<SupportCase> = all(
        &tx,
        "SELECT id, infra, reporter, title, needs_approval, opened_at FROM support_cases ORDER BY id",
        rows::support_case,
    )?
    .into_iter()
    .filter(|case| can_replicate(rights, &Record::SupportCase(case.clone()), None))
    .collect();
    let visible: HashSet<CaseId> = cases.iter().map(|case| case.id).collect();
    let contacts: Vec<CaseContact> = all(
        &tx,
        "SELECT case_id, email FROM case_contacts ORDER BY case_id, email_key",
        rows::case_contact,
    )?
    .into_iter()
    .filter(|contact: &CaseContact| visible.contains(&contact.case))
    .collect();
    if !cases.is_empty() {
        part(SnapshotPart::SupportCases(cases))?;
    }
    if !contacts.is_empty() {
        part(SnapshotPart::CaseContacts(contacts))?;
    }
    if let Some(scope) = AuditScope::of(rights) {
        let mut newest = audit::list(&tx, scope_infras(&scope).as_deref(), SNAPSHOT_AUDIT, None)?;
        newest.reverse();
        emit(SnapshotLine::Audit(newest))?;
    }
    emit(SnapshotLine::End { records })?;
    tx.commit()?;
    Ok(())
}

/// The rows `sql` reads, handed to `part` in runs of [`SNAPSHOT_PART_SIZE`].
fn runs<T>(
    conn: &Connection,
    sql: &str,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    wrap: fn(Vec<T>) -> SnapshotPart,
    part: &mut dyn FnMut(SnapshotPart) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    let mut run = Vec::with_capacity(SNAPSHOT_PART_SIZE);
    while let Some(row) = rows.next()? {
        run.push(map(row)?);
        if run.len() == SNAPSHOT_PART_SIZE {
            part(wrap(std::mem::replace(
                &mut run,
                Vec::with_capacity(SNAPSHOT_PART_SIZE),
            )))?;
        }
    }
    if !run.is_empty() {
        part(wrap(run))?;
    }
    Ok(())
}

fn scope_infras(scope: &AuditScope) -> Option<Vec<InfraId>> {
    match scope {
        AuditScope::All => None,
        AuditScope::Infras(infras) => Some(infras.iter().copied().collect()),
    }
}

/// The changes after `after`, up to `limit` ops, filtered to what `rights` may see. When
/// one of them changes the account's own rights the page says `resnapshot` instead: what
/// the account may see has changed, and only a fresh snapshot shows it whole.
pub(crate) fn changes(
    conn: &Connection,
    rights: &Rights,
    account: MemberId,
    after: i64,
    audit_after: Option<i64>,
    limit: u32,
) -> Result<ChangesPage> {
    let tx = conn.unchecked_transaction()?;
    let mut logged: Vec<(i64, String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, op_id, changes FROM change_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(rusqlite::params![after, i64::from(limit) + 1], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let more = logged.len() > limit as usize;
    logged.truncate(limit as usize);
    let next = logged.last().map_or(after, |(seq, _, _)| *seq);
    let state = SqlState::new(&tx);
    let mut changes = Vec::with_capacity(logged.len());
    let mut resnapshot = false;
    for (seq, op_id, text) in logged {
        let all: Vec<Change> = serde_json::from_str(&text).map_err(json_error)?;
        resnapshot |= all.iter().any(|change| changes_rights_of(change, account));
        let mut visible = Vec::with_capacity(all.len());
        for change in all {
            if change_visible(&state, rights, &change)? {
                visible.push(change.replicated());
            }
        }
        if !visible.is_empty() {
            changes.push(LoggedChange {
                seq,
                op_id: op_id
                    .parse()
                    .map_err(|_| StorageError::corrupt("change-log op id"))?,
                changes: visible,
            });
        }
    }
    let (audit, more_audit) = match (AuditScope::of(rights), audit_after) {
        (Some(scope), Some(audit_after)) => {
            audit_page(&tx, scope_infras(&scope).as_deref(), audit_after, limit)?
        }
        _ => (Vec::<AuditEntryView>::new(), false),
    };
    tx.commit()?;
    Ok(ChangesPage {
        changes,
        next,
        // The audit has more entries than the change log has changes (refusals, sign-ins),
        // so its page can be full when the changes are done: the device asks again.
        more: more || more_audit,
        audit,
        resnapshot,
    })
}

/// Up to `limit` audit entries after `after`, and whether more follow.
fn audit_page(
    conn: &Connection,
    infras: Option<&[InfraId]>,
    after: i64,
    limit: u32,
) -> Result<(Vec<AuditEntryView>, bool)> {
    let mut entries = audit::list_after(conn, infras, after, limit.saturating_add(1))?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    Ok((entries, more))
}

fn change_visible(state: &SqlState<'_>, rights: &Rights, change: &Change) -> Result<bool> {
    let Some(record) = change.after.as_ref().or(change.before.as_ref()) else {
        return Ok(false);
    };
    let case = match record {
        Record::CaseContact(contact) => state.support_case(contact.case)?,
        _ => None,
    };
    Ok(can_replicate(rights, record, case.as_ref()))
}

/// Whether `change` alters what `account` may do or see: their own status or levels.
fn changes_rights_of(change: &Change, account: MemberId) -> bool {
    let rights_part = |record: &Option<Record>| match record {
        Some(Record::Member(m)) if m.id == account => {
            Some((m.status, m.company_admin, m.administrator))
        }
        _ => None,
    };
    match change.after.as_ref().or(change.before.as_ref()) {
        Some(Record::Member(m)) if m.id == account => {
            rights_part(&change.before) != rights_part(&change.after)
        }
        Some(Record::Permission(p)) => p.member == account,
        _ => false,
    }
}
