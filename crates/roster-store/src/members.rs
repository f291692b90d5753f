//! Reading members: full-text search (prefix, case- and accent-insensitive) combined with
//! filters, one page at a time; one member in detail; every member for export.

use std::collections::HashMap;

use roster_core::{
    App, Environment, InfraId, Invitation, Level, Member, MemberId, MemberStatus, Role, State,
};
use rusqlite::{Connection, params_from_iter};
use serde::Serialize;

use crate::error::StoreError;
use crate::rows::{self, MEMBER_COLUMNS};
use crate::state::SqlState;

/// The most rows one page returns.
pub const MAX_PAGE: u32 = 1_000;

/// Which members to list. Every filter narrows; an empty query lists everyone by name.
#[derive(Debug, Clone, Default)]
pub struct MemberQuery {
    /// Words to find in names and e-mails; each matches as a prefix.
    pub search: Option<String>,
    pub status: Option<MemberStatus>,
    pub infra: Option<InfraId>,
    /// With `infra`: that level on it; alone: that level anywhere.
    pub level: Option<Level>,
    pub company_admin: Option<bool>,
    pub limit: u32,
    pub offset: u32,
}

/// A member with their permissions, as a list shows them.
#[derive(Debug, Clone, Serialize)]
pub struct MemberListing {
    #[serde(flatten)]
    pub member: Member,
    pub permissions: Vec<PermissionListing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PermissionListing {
    pub infra: InfraId,
    pub infra_name: String,
    pub level: Level,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberPage {
    /// How many members match, across all pages.
    pub total: u64,
    pub offset: u32,
    pub members: Vec<MemberListing>,
}

/// One member and everything they hold.
#[derive(Debug, Clone, Serialize)]
pub struct MemberDetail {
    #[serde(flatten)]
    pub member: Member,
    pub permissions: Vec<PermissionListing>,
    /// Infrastructures they hold a Development permission on, by name.
    pub dev_permissions: Vec<String>,
    /// `APP/ROLE` names.
    pub roles: Vec<String>,
    pub invitation: Option<Invitation>,
}

/// Turns what a person typed into an FTS5 query: every word a quoted prefix, all required.
/// Only letters and digits survive, so nothing typed can inject FTS5 syntax. `None` when
/// nothing searchable was typed.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{}\"*", w.chars().take(64).collect::<String>()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

struct Filter {
    from: &'static str,
    clauses: Vec<String>,
    args: Vec<String>,
}

impl Filter {
    fn build(query: &MemberQuery) -> Self {
        let mut filter = Self {
            from: "members m",
            clauses: Vec::new(),
            args: Vec::new(),
        };
        if let Some(fts) = query.search.as_deref().and_then(fts_query) {
            filter.from = "members_fts f JOIN members m ON m.seq = f.rowid";
            filter.push("members_fts MATCH ?", fts);
        }
        if let Some(status) = query.status {
            filter.push("m.status = ?", status.as_str().to_owned());
        }
        if let Some(company_admin) = query.company_admin {
            filter
                .clauses
                .push(format!("m.company_admin = {}", i32::from(company_admin)));
        }
        match (query.infra, query.level) {
            (Some(infra), Some(level)) => {
                filter.args.push(infra.to_string());
                let infra_arg = filter.args.len();
                filter.args.push(level.as_str().to_owned());
                filter.clauses.push(format!(
                    "EXISTS (SELECT 1 FROM permissions p WHERE p.member = m.id AND p.infra = ?{infra_arg} AND p.level = ?{})",
                    filter.args.len()
                ));
            }
            (Some(infra), None) => filter.push(
                "EXISTS (SELECT 1 FROM permissions p WHERE p.member = m.id AND p.infra = ?)",
                infra.to_string(),
            ),
            (None, Some(level)) => filter.push(
                "EXISTS (SELECT 1 FROM permissions p WHERE p.member = m.id AND p.level = ?)",
                level.as_str().to_owned(),
            ),
            (None, None) => {}
        }
        filter
    }

    /// Adds a clause with one `?`, numbered in order.
    fn push(&mut self, clause: &str, arg: String) {
        self.args.push(arg);
        self.clauses
            .push(clause.replace('?', &format!("?{}", self.args.len())));
    }

    fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// One page of members matching `query`, ordered by name, with the total count.
pub(crate) fn page(conn: &Connection, query: &MemberQuery) -> Result<MemberPage, StoreError> {
    let filter = Filter::build(query);
    let where_sql = filter.where_sql();
    let limit = query.limit.clamp(1, MAX_PAGE);
    let columns: String = MEMBER_COLUMNS
        .split(", ")
        .map(|c| format!("m.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM {}{where_sql} ORDER BY m.name_key, m.seq LIMIT {limit} OFFSET {}",
        filter.from, query.offset
    );
    let members: Vec<Member> = {
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(&filter.args), rows::member)?;
        rows.collect::<Result<_, _>>()?
    };
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {}{where_sql}", filter.from))?
        .query_row(params_from_iter(&filter.args), |row| row.get(0))?;
    let permissions = permissions_of(conn, members.iter().map(|m| m.id))?;
    Ok(MemberPage {
        total: u64::try_from(total).unwrap_or(0),
        offset: query.offset,
        members: attach(members, permissions),
    })
}

fn attach(
    members: Vec<Member>,
    mut permissions: HashMap<MemberId, Vec<PermissionListing>>,
) -> Vec<MemberListing> {
    members
        .into_iter()
        .map(|member| {
            let permissions = permissions.remove(&member.id).unwrap_or_default();
            MemberListing {
                member,
                permissions,
            }
        })
        .collect()
}

/// The permissions of these members, with infrastructure names, in one query.
fn permissions_of(
    conn: &Connection,
    members: impl Iterator<Item = MemberId>,
) -> Result<HashMap<MemberId, Vec<PermissionListing>>, StoreError> {
    let ids: Vec<String> = members.map(|id| id.to_string()).collect();
    let mut by_member: HashMap<MemberId, Vec<PermissionListing>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_member);
    }
    let marks = (1..=ids.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT p.member, p.infra, i.name, p.level FROM permissions p JOIN infrastructures i ON i.id = p.infra
         WHERE p.member IN ({marks}) ORDER BY i.name_key"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params_from_iter(&ids))?;
    while let Some(row) = rows.next()? {
        let member: MemberId = rows::parsed(row, "member")?;
        by_member
            .entry(member)
            .or_default()
            .push(PermissionListing {
                infra: rows::parsed(row, "infra")?,
                infra_name: row.get("name")?,
                level: rows::parsed(row, "level")?,
            });
    }
    Ok(by_member)
}

/// One member with everything they hold, or `None`.
pub(crate) fn detail(conn: &Connection, member: &Member) -> Result<MemberDetail, StoreError> {
    let permissions = permissions_of(conn, std::iter::once(member.id))?
        .remove(&member.id)
        .unwrap_or_default();
    let mut stmt = conn.prepare_cached(
        "SELECT i.name FROM dev_permissions d JOIN infrastructures i ON i.id = d.infra WHERE d.member = ?1 ORDER BY i.name_key",
    )?;
    let dev_permissions = stmt
        .query_map([member.id.to_string()], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT a.name || '/' || r.name FROM role_assignments x JOIN roles r ON r.id = x.role JOIN apps a ON a.id = r.app
         WHERE x.member = ?1 ORDER BY a.name_key, r.name_key",
    )?;
    let roles = stmt
        .query_map([member.id.to_string()], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let invitation = SqlState::new(conn).invitation_of(member.id)?;
    Ok(MemberDetail {
        member: member.clone(),
        permissions,
        dev_permissions,
        roles,
        invitation,
    })
}

/// Calls `each` for every member, by name, with their permissions; for export.
pub(crate) fn for_each(
    conn: &Connection,
    mut each: impl FnMut(MemberListing) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let names: HashMap<String, String> = {
        let mut stmt = conn.prepare("SELECT id, name FROM infrastructures")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let columns: String = MEMBER_COLUMNS
        .split(", ")
        .map(|c| format!("m.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns}, (SELECT group_concat(p.infra || '=' || p.level, ';') FROM permissions p WHERE p.member = m.id) AS grants
         FROM members m ORDER BY m.name_key, m.seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let member = rows::member(row)?;
        let grants: Option<String> = row.get("grants")?;
        let mut permissions = Vec::new();
        for grant in grants
            .as_deref()
            .unwrap_or("")
            .split(';')
            .filter(|g| !g.is_empty())
        {
            let (infra, level) = grant
                .split_once('=')
                .ok_or_else(|| StoreError::corrupt("permission row"))?;
            permissions.push(PermissionListing {
                infra: infra
                    .parse()
                    .map_err(|_| StoreError::corrupt("permission infra id"))?,
                infra_name: names.get(infra).cloned().unwrap_or_default(),
                level: level
                    .parse()
                    .map_err(|_| StoreError::corrupt("permission level"))?,
            });
        }
        permissions.sort_by(|a, b| {
            a.infra_name
                .to_lowercase()
                .cmp(&b.infra_name.to_lowercase())
        });
        each(MemberListing {
            member,
            permissions,
        })?;
    }
    Ok(())
}

/// Counts of members by status and role, for `status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MemberCounts {
    pub pending: u64,
    pub active: u64,
    pub deactivated: u64,
    pub company_admins: u64,
    pub security_contacts: u64,
}

pub(crate) fn counts(conn: &Connection) -> Result<MemberCounts, StoreError> {
    let mut counts = MemberCounts::default();
    let mut stmt = conn.prepare_cached("SELECT status, count(*) FROM members GROUP BY status")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let status: MemberStatus = rows::parsed(row, "status")?;
        let n = u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0);
        match status {
            MemberStatus::Pending => counts.pending = n,
            MemberStatus::Active => counts.active = n,
            MemberStatus::Deactivated => counts.deactivated = n,
        }
    }
    counts.company_admins = SqlState::new(conn).active_company_admins()?;
    let security: i64 = conn
        .prepare_cached("SELECT count(*) FROM members WHERE security_contact = 1")?
        .query_row([], |row| row.get(0))?;
    counts.security_contacts = u64::try_from(security).unwrap_or(0);
    Ok(counts)
}

/// An infrastructure with its subscription, environments and who administers it.
#[derive(Debug, Clone, Serialize)]
pub struct InfraListing {
    #[serde(flatten)]
    pub infra: roster_core::Infrastructure,
    pub subscription_name: String,
    pub edition: roster_core::Edition,
    /// E-mails of its Infra Admins.
    pub admins: Vec<String>,
    pub members: u64,
    pub environments: Vec<Environment>,
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

pub(crate) fn subscriptions(
    conn: &Connection,
) -> Result<Vec<roster_core::Subscription>, StoreError> {
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

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_text_becomes_prefix_words_without_fts_syntax() {
        assert_eq!(fts_query("Ada Love").as_deref(), Some("\"Ada\"* \"Love\"*"));
        assert_eq!(
            fts_query("ada.lovelace@exa").as_deref(),
            Some("\"ada\"* \"lovelace\"* \"exa\"*")
        );
        assert_eq!(
            fts_query("\" OR NEAR( * -"),
            None,
            "FTS5 operators are dropped"
        );
        assert_eq!(fts_query("   "), None);
    }
}
