//! [`roster_core::State`] over the server database. Used inside the write transaction,
//! so a decision sees exactly the state it will change.
//!
//! This mirrors `roster-store`'s module of the same name: ARCHITECTURE.md lets the server
//! and the clients share only roster-core and the wire types, so the company's records are
//! kept in SQL twice. A change to the record tables or their queries belongs in both.

use roster_core::{
    App, AppId, CaseContact, CaseId, Company, DevPermission, Email, Environment, EnvironmentId,
    InfraId, Infrastructure, Invitation, Level, Member, MemberId, Name, Permission, Role,
    RoleAssignment, RoleId, State, Subscription, SubscriptionId, SupportCase, SupportContact,
};
use rusqlite::{Connection, OptionalExtension, Params, Row};

use super::rows::{self, MEMBER_COLUMNS};
use crate::storage::StorageError as StoreError;

/// Reads records from a connection (or a transaction, which derefs to one).
#[derive(Debug, Clone, Copy)]
pub struct SqlState<'c> {
    conn: &'c Connection,
}

impl<'c> SqlState<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        Self { conn }
    }

    fn one<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(sql)?
            .query_row(params, map)
            .optional()?)
    }

    fn all<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, map)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl State for SqlState<'_> {
    type Error = StoreError;

    fn company(&self) -> Result<Option<Company>, StoreError> {
        self.one("SELECT name FROM company WHERE id = 1", [], rows::company)
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE id = ?1");
        self.one(&sql, [id.to_string()], rows::member)
    }

    fn member_by_email(&self, email: &Email) -> Result<Option<Member>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE email_key = ?1");
        self.one(&sql, [email.key()], rows::member)
    }

    fn active_company_admins(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM members WHERE company_admin = 1 AND status = 'active'",
            )?
            .query_row([], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn permission(&self, member: MemberId, infra: InfraId) -> Result<Option<Level>, StoreError> {
        self.one(
            "SELECT level FROM permissions WHERE member = ?1 AND infra = ?2",
            [member.to_string(), infra.to_string()],
            |row| rows::parsed(row, "level"),
        )
    }

    fn permissions_of(&self, member: MemberId) -> Result<Vec<Permission>, StoreError> {
        self.all(
            "SELECT member, infra, level FROM permissions WHERE member = ?1",
            [member.to_string()],
            rows::permission,
        )
    }

    fn dev_permissions_of(&self, member: MemberId) -> Result<Vec<DevPermission>, StoreError> {
        self.all(
            "SELECT member, infra FROM dev_permissions WHERE member = ?1",
            [member.to_string()],
            rows::dev_permission,
        )
    }

    fn has_dev_permissions(&self, infra: InfraId) -> Result<bool, StoreError> {
        Ok(self
            .one(
                "SELECT 1 FROM dev_permissions WHERE infra = ?1 LIMIT 1",
                [infra.to_string()],
                |_| Ok(()),
            )?
            .is_some())
    }

    fn subscription(&self, id: SubscriptionId) -> Result<Option<Subscription>, StoreError> {
        self.one(
            "SELECT id, name, edition FROM subscriptions WHERE id = ?1",
            [id.to_string()],
            rows::subscription,
        )
    }

    fn subscription_by_name(&self, name: &Name) -> Result<Option<Subscription>, StoreError> {
        self.one(
            "SELECT id, name, edition FROM subscriptions WHERE name_key = ?1",
            [name.key()],
            rows::subscription,
        )
    }

    fn infrastructure(&self, id: InfraId) -> Result<Option<Infrastructure>, StoreError> {
        self.one(
            "SELECT id, name, subscription, hosting FROM infrastructures WHERE id = ?1",
            [id.to_string()],
            rows::infrastructure,
        )
    }

    fn infrastructure_by_name(&self, name: &Name) -> Result<Option<Infrastructure>, StoreError> {
        self.one(
            "SELECT id, name, subscription, hosting FROM infrastructures WHERE name_key = ?1",
            [name.key()],
            rows::infrastructure,
        )
    }

    fn infrastructures_of(
        &self,
        subscription: SubscriptionId,
    ) -> Result<Vec<Infrastructure>, StoreError> {
        self.all(
            "SELECT id, name, subscription, hosting FROM infrastructures WHERE subscription = ?1",
            [subscription.to_string()],
            rows::infrastructure,
        )
    }

    fn environment(&self, id: EnvironmentId) -> Result<Option<Environment>, StoreError> {
        self.one(
            "SELECT id, infra, name, slot_registered, licence_expires FROM environments WHERE id = ?1",
            [id.to_string()],
            rows::environment,
        )
    }

    fn environment_by_name(
        &self,
        infra: InfraId,
        name: &Name,
    ) -> Result<Option<Environment>, StoreError> {
        self.one(
            "SELECT id, infra, name, slot_registered, licence_expires FROM environments WHERE infra = ?1 AND name_key = ?2",
            [infra.to_string(), name.key()],
            rows::environment,
        )
    }

    fn app(&self, id: AppId) -> Result<Option<App>, StoreError> {
        self.one(
            "SELECT id, name FROM apps WHERE id = ?1",
            [id.to_string()],
            rows::app,
        )
    }

    fn app_by_name(&self, name: &Name) -> Result<Option<App>, StoreError> {
        self.one(
            "SELECT id, name FROM apps WHERE name_key = ?1",
            [name.key()],
            rows::app,
        )
    }

    fn role(&self, id: RoleId) -> Result<Option<Role>, StoreError> {
        self.one(
            "SELECT id, app, name FROM roles WHERE id = ?1",
            [id.to_string()],
            rows::role,
        )
    }

    fn role_by_name(&self, app: AppId, name: &Name) -> Result<Option<Role>, StoreError> {
        self.one(
            "SELECT id, app, name FROM roles WHERE app = ?1 AND name_key = ?2",
            [app.to_string(), name.key()],
            rows::role,
        )
    }

    fn role_assignments_of(&self, member: MemberId) -> Result<Vec<RoleAssignment>, StoreError> {
        self.all(
            "SELECT member, role FROM role_assignments WHERE member = ?1",
            [member.to_string()],
            rows::role_assignment,
        )
    }

    fn invitation_of(&self, member: MemberId) -> Result<Option<Invitation>, StoreError> {
        self.one(
            "SELECT member, id, state, sent_at, expires_at FROM invitations WHERE member = ?1",
            [member.to_string()],
            rows::invitation,
        )
    }

    fn support_contact(&self, email: &Email) -> Result<Option<SupportContact>, StoreError> {
        self.one(
            "SELECT email, name FROM support_contacts WHERE email_key = ?1",
            [email.key()],
            rows::support_contact,
        )
    }

    fn support_case(&self, id: CaseId) -> Result<Option<SupportCase>, StoreError> {
        self.one(
            "SELECT id, infra, reporter, title, needs_approval, opened_at FROM support_cases WHERE id = ?1",
            [id.to_string()],
            rows::support_case,
        )
    }

    fn case_contacts_of(&self, email: &Email) -> Result<Vec<CaseContact>, StoreError> {
        self.all(
            "SELECT case_id, email FROM case_contacts WHERE email_key = ?1",
            [email.key()],
            rows::case_contact,
        )
    }
}
