//! Turning rows back into records. Stored values were validated when written; one that no
//! longer parses means the file was damaged, and says which column.
//!
//! `roster-server` keeps the same records in its own SQL (`storage/sqlite/`, same module
//! name): a change to the record tables or their queries belongs in both.

use std::str::FromStr;

use roster_core::{
    App, CaseContact, Company, Date, Email, Environment, Infrastructure, Invitation, Member, Name,
    Permission, Phone, Role, Subscription, SupportCase, SupportContact, Timestamp,
};
use rusqlite::Row;
use rusqlite::types::Type;

pub(crate) const MEMBER_COLUMNS: &str = "id, email, name, kind, status, company_admin, administrator, phone, security_contact, created_at";

fn bad(column: &str, why: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        Type::Text,
        format!("column {column}: {why}").into(),
    )
}

/// A text column parsed by `FromStr` (ids, enums).
pub(crate) fn parsed<T>(row: &Row<'_>, column: &str) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = row.get(column)?;
    text.parse().map_err(|err| bad(column, err))
}

fn name(row: &Row<'_>, column: &str) -> rusqlite::Result<Name> {
    let text: String = row.get(column)?;
    Name::parse(&text).map_err(|err| bad(column, err))
}

fn email(row: &Row<'_>, column: &str) -> rusqlite::Result<Email> {
    let text: String = row.get(column)?;
    Email::parse(&text).map_err(|err| bad(column, err))
}

fn timestamp(row: &Row<'_>, column: &str) -> rusqlite::Result<Timestamp> {
    Ok(Timestamp::from_unix_millis(row.get(column)?))
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

pub(crate) fn member(row: &Row<'_>) -> rusqlite::Result<Member> {
    let phone: Option<String> = row.get("phone")?;
    Ok(Member {
        id: parsed(row, "id")?,
        email: email(row, "email")?,
        name: name(row, "name")?,
        kind: parsed(row, "kind")?,
        status: parsed(row, "status")?,
        company_admin: row.get("company_admin")?,
        administrator: row.get("administrator")?,
        phone: phone
            .map(|p| Phone::parse(&p))
            .transpose()
            .map_err(|err| bad("phone", err))?,
        security_contact: row.get("security_contact")?,
        created_at: timestamp(row, "created_at")?,
    })
}

pub(crate) fn permission(row: &Row<'_>) -> rusqlite::Result<Permission> {
    Ok(Permission {
        member: parsed(row, "member")?,
        infra: parsed(row, "infra")?,
        level: parsed(row, "level")?,
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

pub(crate) fn invitation(row: &Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        id: parsed(row, "id")?,
        member: parsed(row, "member")?,
        state: parsed(row, "state")?,
        sent_at: timestamp(row, "sent_at")?,
        expires_at: timestamp(row, "expires_at")?,
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
