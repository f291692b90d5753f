//! The company's setup as lists show it: subscriptions, infrastructures with their
//! environments and Infra Admins, apps with their roles.

use roster_core::{App, Edition, Environment, Infrastructure, Role, Subscription};
use rusqlite::Connection;
use serde::Serialize;

use crate::error::StoreError;
use crate::rows;

/// An infrastructure with its subscription, environments and who administers it.
#[derive(Debug, Clone, Serialize)]
pub struct InfraListing {
    #[serde(flatten)]
    pub infra: Infrastructure,
    pub subscription_name: String,
    pub edition: Edition,
    /// E-mails of its Infra Admins.
    pub admins: Vec<String>,
    pub members: u64,
    pub environments: Vec<Environment>,
    /// Why an IT user cannot get a Development permission here (rule 3), or `None`.
    pub no_development: Option<String>,
}

/// A support contact and how many cases they are on.
#[derive(Debug, Clone, Serialize)]
pub struct SupportContactListing {
    pub email: String,
    pub name: Option<String>,
    pub cases: u64,
}

pub(crate) fn infrastructures(conn: &Connection) -> Result<Vec<InfraListing>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.name, i.subscription, i.hosting, s.name AS subscription_name, s.edition,
                (SELECT count(*) FROM permissions p WHERE p.infra = i.id) AS members
         FROM infrastructures i JOIN subscriptions s ON s.id = i.subscription ORDER BY i.name_key",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            rows::infrastructure(row)?,
            row.get::<_, String>("subscription_name")?,
            rows::parsed(row, "edition")?,
            row.get::<_, i64>("members")?,
        ))
    })?;
    let mut listings = Vec::new();
    for row in rows {
        let (infra, subscription_name, edition, members) = row?;
        let mut admins_stmt = conn.prepare_cached(
            "SELECT m.email FROM permissions p JOIN members m ON m.id = p.member
             WHERE p.infra = ?1 AND p.level = 'infra_admin' ORDER BY m.email_key",
        )?;
        let admins = admins_stmt
            .query_map([infra.id.to_string()], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut env_stmt = conn.prepare_cached(
            "SELECT id, infra, name, slot_registered, licence_expires FROM environments WHERE infra = ?1 ORDER BY name_key",
        )?;
        let environments = env_stmt
            .query_map([infra.id.to_string()], rows::environment)?
            .collect::<Result<_, _>>()?;
        listings.push(InfraListing {
            no_development: infra.why_no_development(edition),
            infra,
            subscription_name,
            edition,
            admins,
            members: u64::try_from(members).unwrap_or(0),
            environments,
        });
    }
    Ok(listings)
}

pub(crate) fn infrastructure_names(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT name FROM infrastructures ORDER BY name_key")?;
    let names = stmt.query_map([], |row| row.get(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

pub(crate) fn counts(conn: &Connection) -> Result<(u64, u64, u64), StoreError> {
    let (subscriptions, infrastructures, apps): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM subscriptions), (SELECT count(*) FROM infrastructures),
                    (SELECT count(*) FROM apps)",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok((count(subscriptions), count(infrastructures), count(apps)))
}

pub(crate) fn support_contacts(
    conn: &Connection,
) -> Result<Vec<SupportContactListing>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT s.email, s.name, (SELECT count(*) FROM case_contacts c WHERE c.email_key = s.email_key)
         FROM support_contacts s ORDER BY s.email_key",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(SupportContactListing {
            email: row.get(0)?,
            name: row.get(1)?,
            cases: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn subscriptions(conn: &Connection) -> Result<Vec<Subscription>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, name, edition FROM subscriptions ORDER BY name_key")?;
    let rows = stmt.query_map([], rows::subscription)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Apps with their roles, by name.
pub(crate) fn apps(conn: &Connection) -> Result<Vec<(App, Vec<Role>)>, StoreError> {
    let apps: Vec<App> = {
        let mut stmt = conn.prepare("SELECT id, name FROM apps ORDER BY name_key")?;
        let rows = stmt.query_map([], rows::app)?;
        rows.collect::<Result<_, _>>()?
    };
    let mut stmt = conn.prepare("SELECT id, app, name FROM roles ORDER BY name_key")?;
    let roles: Vec<Role> = stmt.query_map([], rows::role)?.collect::<Result<_, _>>()?;
    Ok(apps
        .into_iter()
        .map(|app| {
            let of_app = roles.iter().filter(|r| r.app == app.id).cloned().collect();
            (app, of_app)
        })
        .collect())
}
