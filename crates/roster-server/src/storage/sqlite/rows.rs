//! Turning rows back into records. Stored values were validated when written; one that no
//! longer parses means the file was damaged, and says which column.
//!
//! This mirrors `roster-store`'s module of the same name: ARCHITECTURE.md lets the server
//! and the clients share only roster-core and the wire types, so the company's records are
//! kept in SQL twice. A change to the record tables or their queries belongs in both.

use std::str::FromStr;

use roster_core::{
    App, CaseContact, Company, Date, DevPermission, Email, Environment, Infrastructure, Invitation,
    Member, Name, Permission, Phone, Role, RoleAssignment, Subscription, SupportCase,
    SupportContact, Timestamp,
};
use rusqlite::Row;
use rusqlite::types::{FromSql, Type};

/// The columns `member` reads by position: every query it reads selects them first, in this
/// order.
pub(crate) const MEMBER_COLUMNS: &str = "id, email, name, kind, status, company_admin, administrator, phone, security_contact, created_at";
const MEMBER: [At; 10] = positions([
    "id",
    "email",
    "name",
    "kind",
    "status",
    "company_admin",
    "administrator",
    "phone",
    "security_contact",
    "created_at",
]);

/// The columns the other readers of a company's big tables read by position, first in every
/// query each reads.
const PERMISSION: [At; 3] = positions(["member", "infra", "level"]);
const DEV_PERMISSION: [At; 2] = positions(["member", "infra"]);
const ROLE_ASSIGNMENT: [At; 2] = positions(["member", "role"]);
const INVITATION: [At; 5] = positions(["member", "id", "state", "sent_at", "expires_at"]);

/// Where a field is in a row, and the name its errors give.
pub(crate) trait Column: Copy + std::fmt::Display {
    fn read<T: FromSql>(self, row: &Row<'_>) -> rusqlite::Result<T>;
}

/// By name: for the queries read a few rows at a time.
impl Column for &str {
    fn read<T: FromSql>(self, row: &Row<'_>) -> rusqlite::Result<T> {
        row.get(self)
    }
}

/// By position, for the rows of a company's big tables, which a snapshot reads a hundred
/// thousand at a time. rusqlite finds a column by name by comparing the name with each of the
/// statement's column names for every value read: a quarter of the instructions of the
/// server's snapshot read at 10,000 members (callgrind).
#[derive(Clone, Copy)]
struct At(usize, &'static str);

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.1)
    }
}

impl Column for At {
    fn read<T: FromSql>(self, row: &Row<'_>) -> rusqlite::Result<T> {
        // Tests run debug builds, so every query that reads by position is checked here.
        debug_assert_eq!(
            row.as_ref().column_name(self.0).ok(),
            Some(self.1),
            "a query read by position must select its columns in the order of rows.rs"
        );
        row.get(self.0)
    }
}

/// Each field at its index.
const fn positions<const N: usize>(fields: [&'static str; N]) -> [At; N] {
    let mut at = [At(0, ""); N];
    let mut i = 0;
    while i < N {
        at[i] = At(i, fields[i]);
        i += 1;
    }
    at
}

fn bad(column: impl Column, why: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        Type::Text,
        format!("column {column}: {why}").into(),
    )
}

/// A text column parsed by `FromStr` (ids, enums).
pub(crate) fn parsed<T>(row: &Row<'_>, column: impl Column) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = column.read(row)?;
    text.parse().map_err(|err| bad(column, err))
}

fn name(row: &Row<'_>, column: impl Column) -> rusqlite::Result<Name> {
    let text: String = column.read(row)?;
    Name::parse(&text).map_err(|err| bad(column, err))
}

fn email(row: &Row<'_>, column: impl Column) -> rusqlite::Result<Email> {
    let text: String = column.read(row)?;
    Email::parse(&text).map_err(|err| bad(column, err))
}

fn timestamp(row: &Row<'_>, column: impl Column) -> rusqlite::Result<Timestamp> {
    Ok(Timestamp::from_unix_millis(column.read(row)?))
}

pub(crate) fn company(row: &Row<'_>) -> rusqlite::Result<Company> {
    Ok(Company {
        name: name(row, "name")?,
    })
}

pub(crate) fn subscription(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        id: parsed(row, "id")?,
        name: name(row, "name")?,
        edition: parsed(row, "edition")?,
    })
}

pub(crate) fn infrastructure(row: &Row<'_>) -> rusqlite::Result<Infrastructure> {
    Ok(Infrastructure {
        id: parsed(row, "id")?,
        name: name(row, "name")?,
        subscription: parsed(row, "subscription")?,
        hosting: parsed(row, "hosting")?,
    })
}

pub(crate) fn environment(row: &Row<'_>) -> rusqlite::Result<Environment> {
    let expires: Option<String> = row.get("licence_expires")?;
    let licence_expires = expires
        .map(|text| {
            Date::parse(
                &text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
        })
        .transpose()
        .map_err(|err| bad("licence_expires", err))?;
    Ok(Environment {
        id: parsed(row, "id")?,
        infra: parsed(row, "infra")?,
        name: name(row, "name")?,
        slot_registered: row.get("slot_registered")?,
        licence_expires,
    })
}

/// A member from a row that starts with `MEMBER_COLUMNS`.
pub(crate) fn member(row: &Row<'_>) -> rusqlite::Result<Member> {
    let [
        id,
        email_at,
        name_at,
        kind,
        status,
        company_admin,
        administrator,
        phone_at,
        security_contact,
        created_at,
    ] = MEMBER;
    let phone: Option<String> = phone_at.read(row)?;
    Ok(Member {
        id: parsed(row, id)?,
        email: email(row, email_at)?,
        name: name(row, name_at)?,
        kind: parsed(row, kind)?,
        status: parsed(row, status)?,
        company_admin: company_admin.read(row)?,
        administrator: administrator.read(row)?,
        phone: phone
            .map(|p| Phone::parse(&p))
            .transpose()
            .map_err(|err| bad(phone_at, err))?,
        security_contact: security_contact.read(row)?,
        created_at: timestamp(row, created_at)?,
    })
}

/// A permission from a row that starts with `member, infra, level`.
pub(crate) fn permission(row: &Row<'_>) -> rusqlite::Result<Permission> {
    let [member, infra, level] = PERMISSION;
    Ok(Permission {
        member: parsed(row, member)?,
        infra: parsed(row, infra)?,
        level: parsed(row, level)?,
    })
}

/// A developer permission from a row that starts with `member, infra`.
pub(crate) fn dev_permission(row: &Row<'_>) -> rusqlite::Result<DevPermission> {
    let [member, infra] = DEV_PERMISSION;
    Ok(DevPermission {
        member: parsed(row, member)?,
        infra: parsed(row, infra)?,
    })
}

pub(crate) fn app(row: &Row<'_>) -> rusqlite::Result<App> {
    Ok(App {
        id: parsed(row, "id")?,
        name: name(row, "name")?,
    })
}

pub(crate) fn role(row: &Row<'_>) -> rusqlite::Result<Role> {
    Ok(Role {
        id: parsed(row, "id")?,
        app: parsed(row, "app")?,
        name: name(row, "name")?,
    })
}

/// A role assignment from a row that starts with `member, role`.
pub(crate) fn role_assignment(row: &Row<'_>) -> rusqlite::Result<RoleAssignment> {
    let [member, role] = ROLE_ASSIGNMENT;
    Ok(RoleAssignment {
        member: parsed(row, member)?,
        role: parsed(row, role)?,
    })
}

/// An invitation from a row that starts with `member, id, state, sent_at, expires_at`.
pub(crate) fn invitation(row: &Row<'_>) -> rusqlite::Result<Invitation> {
    let [member, id, state, sent_at, expires_at] = INVITATION;
    Ok(Invitation {
        id: parsed(row, id)?,
        member: parsed(row, member)?,
        state: parsed(row, state)?,
        sent_at: timestamp(row, sent_at)?,
        expires_at: timestamp(row, expires_at)?,
    })
}

pub(crate) fn support_contact(row: &Row<'_>) -> rusqlite::Result<SupportContact> {
    let contact_name: Option<String> = row.get("name")?;
    Ok(SupportContact {
        email: email(row, "email")?,
        name: contact_name
            .map(|n| Name::parse(&n))
            .transpose()
            .map_err(|err| bad("name", err))?,
    })
}

pub(crate) fn support_case(row: &Row<'_>) -> rusqlite::Result<SupportCase> {
    Ok(SupportCase {
        id: parsed(row, "id")?,
        infra: parsed(row, "infra")?,
        reporter: parsed(row, "reporter")?,
        title: name(row, "title")?,
        needs_approval: row.get("needs_approval")?,
        opened_at: timestamp(row, "opened_at")?,
    })
}

pub(crate) fn case_contact(row: &Row<'_>) -> rusqlite::Result<CaseContact> {
    Ok(CaseContact {
        case: parsed(row, "case_id")?,
        contact: email(row, "email")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_member_columns_are_the_fields_member_reads_in_order() {
        assert_eq!(MEMBER_COLUMNS, MEMBER.map(|at| at.1).join(", "));
    }
}
