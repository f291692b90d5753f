//! The whole company as this workspace holds it, as one [`Snapshot`]: what a device compares
//! with the server's to prove they converged, and a full backup in one value.
//!
//! `roster-server` reads its snapshot the same way (`storage/sqlite/sync.rs`); the record
//! tables are mirrored between the two, so a change to them belongs in both.

use roster_core::{DevPermission, RoleAssignment, Snapshot, State};
use rusqlite::{Connection, Row};

use crate::error::StoreError;
use crate::rows::{self, MEMBER_COLUMNS};
use crate::state::SqlState;
use crate::workspace::Workspace;

fn all<T>(
    conn: &Connection,
    sql: &str,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], map)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl Workspace {
    /// Every record, read in one transaction, each kind in a stable order.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let tx = self.conn().unchecked_transaction()?;
        let company = SqlState::new(&tx)
            .company()?
            .ok_or_else(|| StoreError::corrupt("the workspace holds no company"))?;
        let snapshot = Snapshot {
            company,
            subscriptions: all(
                &tx,
                "SELECT id, name, edition FROM subscriptions ORDER BY id",
                rows::subscription,
            )?,
            infrastructures: all(
                &tx,
                "SELECT id, name, subscription, hosting FROM infrastructures ORDER BY id",
                rows::infrastructure,
            )?,
            environments: all(
                &tx,
                "SELECT id, infra, name, slot_registered, licence_expires FROM environments ORDER BY id",
                rows::environment,
            )?,
            members: all(
                &tx,
                &format!("SELECT {MEMBER_COLUMNS} FROM members ORDER BY id"),
                rows::member,
            )?,
            permissions: all(
                &tx,
                "SELECT member, infra, level FROM permissions ORDER BY member, infra",
                rows::permission,
            )?,
            dev_permissions: all(
                &tx,
                "SELECT member, infra FROM dev_permissions ORDER BY member, infra",
                |row| {
                    Ok(DevPermission {
                        member: rows::parsed(row, "member")?,
                        infra: rows::parsed(row, "infra")?,
                    })
                },
            )?,
            apps: all(&tx, "SELECT id, name FROM apps ORDER BY id", rows::app)?,
            roles: all(
                &tx,
                "SELECT id, app, name FROM roles ORDER BY id",
                rows::role,
            )?,
            role_assignments: all(
                &tx,
                "SELECT member, role FROM role_assignments ORDER BY member, role",
                |row| {
                    Ok(RoleAssignment {
                        member: rows::parsed(row, "member")?,
                        role: rows::parsed(row, "role")?,
                    })
                },
            )?,
            invitations: all(
                &tx,
                "SELECT member, id, state, sent_at, expires_at FROM invitations ORDER BY member",
                rows::invitation,
            )?,
            support_contacts: all(
                &tx,
                "SELECT email, name FROM support_contacts ORDER BY email_key",
                rows::support_contact,
            )?,
            support_cases: all(
                &tx,
                "SELECT id, infra, reporter, title, needs_approval, opened_at FROM support_cases ORDER BY id",
                rows::support_case,
            )?,
            case_contacts: all(
                &tx,
                "SELECT case_id, email FROM case_contacts ORDER BY case_id, email_key",
                rows::case_contact,
            )?,
        };
        tx.commit()?;
        Ok(snapshot)
    }
}
