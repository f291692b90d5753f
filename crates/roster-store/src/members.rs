//! Reading members: full-text search (prefix, case- and accent-insensitive) combined with
//! filters, one page at a time; one member in detail; every member for export.
//!
//! `roster-server` keeps the same records in its own SQL (`storage/sqlite/`, same module
//! name): a change to the record tables or their queries belongs in both.

use std::collections::HashMap;

use roster_core::{InfraId, Invitation, Level, Member, MemberId, MemberStatus, State};
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
    /// Also count every match (costs a second pass over the matches).
    pub with_total: bool,
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
    /// How many members match, across all pages, when asked for.
    pub total: Option<u64>,
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

/// How a query finds its members; each has the index that serves it.
enum Source {
    /// Every member, walking `members_by_name` or `members_by_status_name` in order.
    All,
    /// One infrastructure's members, walking `permissions_listing` (status and name are
    /// copied into it, the level is its last column) or, for its Infra Admins alone,
    /// `permissions_infra_admins`, in order.
    Infra,
    /// Few full-text matches: gather them all from the index and sort them by name.
    FewMatches { fts: String },
    /// Many matches: walk members in name order and keep those in the match set, so the
    /// page is found after a few hundred rows instead of sorting tens of thousands.
    ManyMatches { fts: String },
}

/// A search matching more members than this is walked in name order; fewer are sorted.
/// At 2% of the company a page of 50 is found within ~2,500 rows of the name index,
/// about what sorting 2,000 matches costs.
fn walk_threshold(members: i64) -> i64 {
    (members / 50).max(1_000)
}

/// The SQL for a member query.
struct Plan {
    from: String,
    clauses: Vec<String>,
    args: Vec<String>,
    order: &'static str,
    /// What orders members of the same name: their `seq` (the name indexes end with it,
    /// as every index of a rowid table does), or their id where the permissions listing,
    /// which has no `seq`, serves the query. Either way, the order a page is cut in.
    tie: &'static str,
    /// The page's keys come from the index alone, and only its rows join `members`: an
    /// offset then skips index entries, not member rows.
    keys_first: bool,
    /// The permissions index an infrastructure's listing walks, when it walks one.
    listing: &'static str,
    /// The count, when the source knows it without another pass.
    known_total: Option<i64>,
    /// A separate count statement, if the total must be counted.
    count_sql: String,
}

impl Plan {
    fn build(conn: &Connection, query: &MemberQuery) -> Result<Self, StoreError> {
        let source = match query.search.as_deref().and_then(fts_query) {
            Some(fts) => {
                let matches: i64 = conn
                    .prepare_cached("SELECT count(*) FROM members_fts WHERE members_fts MATCH ?1")?
                    .query_row([&fts], |row| row.get(0))?;
                let members: i64 = conn
                    .prepare_cached("SELECT ifnull(max(seq), 0) FROM members")?
                    .query_row([], |row| row.get(0))?;
                let unfiltered = query.status.is_none()
                    && query.infra.is_none()
                    && query.level.is_none()
                    && query.company_admin.is_none();
                let source = if matches > walk_threshold(members) {
                    Source::ManyMatches { fts }
                } else {
                    Source::FewMatches { fts }
                };
                let mut plan = Self::for_source(source, query);
                if unfiltered {
                    plan.known_total = Some(matches);
                }
                return Ok(plan);
            }
            None if query.infra.is_some() => Source::Infra,
            None => Source::All,
        };
        Ok(Self::for_source(source, query))
    }

    fn for_source(source: Source, query: &MemberQuery) -> Self {
        let mut plan = Self {
            from: String::new(),
            clauses: Vec::new(),
            args: Vec::new(),
            order: "m.name_key, m.seq",
            tie: "m.seq",
            keys_first: false,
            listing: "permissions p",
            known_total: None,
            count_sql: String::new(),
        };
        let mut permissions_probed = true;
        match source {
            Source::All | Source::ManyMatches { .. } => {
                let index = if query.status.is_some() {
                    "members_by_status_name"
                } else {
                    "members_by_name"
                };
                plan.from = format!("members m INDEXED BY {index}");
                if let Source::ManyMatches { fts } = source {
                    plan.push(
                        "m.seq IN (SELECT rowid FROM members_fts WHERE members_fts MATCH ?)",
                        fts,
                    );
                }
            }
            Source::FewMatches { fts } => {
                plan.from = "members_fts f JOIN members m ON m.seq = f.rowid".to_owned();
                plan.push("members_fts MATCH ?", fts);
            }
            Source::Infra => {
                permissions_probed = false;
                plan.listing = if query.level == Some(Level::InfraAdmin) {
                    "permissions p INDEXED BY permissions_infra_admins"
                } else {
                    "permissions p INDEXED BY permissions_listing"
                };
                plan.from = format!("{} JOIN members m ON m.id = p.member", plan.listing);
                plan.keys_first = true;
                plan.order = "p.member_name_key, p.member";
                plan.tie = "m.id";
                if let Some(infra) = query.infra {
                    plan.push("p.infra = ?", infra.to_string());
                }
                if let Some(status) = query.status {
                    plan.push("p.member_status = ?", status.as_str().to_owned());
                }
                if let Some(level) = query.level {
                    // A literal, not a parameter: SQLite uses a partial index only for a
                    // clause it can see implies the index's own.
                    plan.clauses.push(format!("p.level = '{}'", level.as_str()));
                }
                // Every clause so far is on the index: the count needs no member row.
                plan.count_sql = format!(
                    "SELECT count(*) FROM {}{}",
                    plan.listing,
                    where_sql(&plan.clauses)
                );
            }
        }
        if permissions_probed {
            if let Some(status) = query.status {
                plan.push("m.status = ?", status.as_str().to_owned());
            }
            let mut probe = Vec::new();
            if let Some(infra) = query.infra {
                plan.args.push(infra.to_string());
                probe.push(format!("q.infra = ?{}", plan.args.len()));
            }
            if let Some(level) = query.level {
                plan.args.push(level.as_str().to_owned());
                probe.push(format!("q.level = ?{}", plan.args.len()));
            }
            if !probe.is_empty() {
                plan.clauses.push(format!(
                    "EXISTS (SELECT 1 FROM permissions q WHERE q.member = m.id AND {})",
                    probe.join(" AND ")
                ));
            }
        }
        if let Some(company_admin) = query.company_admin {
            // A clause on the member row: the page cannot be chosen from the index alone.
            plan.keys_first = false;
            plan.clauses
                .push(format!("m.company_admin = {}", i32::from(company_admin)));
        }
        if plan.count_sql.is_empty() || query.company_admin.is_some() {
            plan.count_sql = format!(
                "SELECT count(*) FROM {}{}",
                plan.from,
                where_sql(&plan.clauses)
            );
        }
        plan
    }

    /// The statement that picks the page's members, in order. The page is chosen first;
    /// only its rows then gather their permissions.
    fn page_sql(&self, query: &MemberQuery) -> String {
        let limit = query.limit.clamp(1, MAX_PAGE);
        let columns = member_columns();
        if self.keys_first {
            format!(
                "SELECT {columns}, m.name_key AS sort_key, {} AS tie FROM (SELECT p.member, p.member_name_key FROM {}{} \
                 ORDER BY {} LIMIT {limit} OFFSET {}) p JOIN members m ON m.id = p.member",
                self.tie,
                self.listing,
                where_sql(&self.clauses),
                self.order,
                query.offset
            )
        } else {
            format!(
                "SELECT {columns}, m.name_key AS sort_key, {} AS tie FROM {}{} ORDER BY {} LIMIT {limit} OFFSET {}",
                self.tie,
                self.from,
                where_sql(&self.clauses),
                self.order,
                query.offset
            )
        }
    }

    /// Adds a clause with one `?`, numbered in order.
    fn push(&mut self, clause: &str, arg: String) {
        self.args.push(arg);
        self.clauses
            .push(clause.replace('?', &format!("?{}", self.args.len())));
    }
}

fn where_sql(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    }
}

/// One page of members matching `query`, ordered by name; with the total count when
/// `query.with_total`.
pub(crate) fn page(conn: &Connection, query: &MemberQuery) -> Result<MemberPage, StoreError> {
    let plan = Plan::build(conn, query)?;
    let page_sql = plan.page_sql(query);
    let sql = format!(
        "SELECT pg.*, {} FROM ({page_sql}) pg ORDER BY pg.sort_key, pg.tie",
        grants_column("pg.id")
    );
    let names = infra_names(conn)?;
    let mut members = Vec::new();
    {
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(&plan.args))?;
        while let Some(row) = rows.next()? {
            let grants: Option<String> = row.get("grants")?;
            members.push(MemberListing {
                member: rows::member(row)?,
                permissions: parse_grants(grants.as_deref(), &names)?,
            });
        }
    }
    let total = match (query.with_total, plan.known_total) {
        (false, _) => None,
        (true, Some(known)) => Some(known),
        (true, None) => Some(
            conn.prepare_cached(&plan.count_sql)?
                .query_row(params_from_iter(&plan.args), |row| row.get::<_, i64>(0))?,
        ),
    };
    Ok(MemberPage {
        total: total.map(|t| u64::try_from(t).unwrap_or(0)),
        offset: query.offset,
        members,
    })
}

/// The member columns, on the alias `m`.
fn member_columns() -> String {
    MEMBER_COLUMNS
        .split(", ")
        .map(|c| format!("m.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column `grants` gathering the member's permissions as `INFRA_ID=LEVEL;...`, read by
/// [`parse_grants`].
fn grants_column(member_id: &str) -> String {
    format!(
        "(SELECT group_concat(p.infra || '=' || p.level, ';') FROM permissions p WHERE p.member = {member_id}) AS grants"
    )
}

/// Infrastructure names by id (a company has a handful).
fn infra_names(conn: &Connection) -> Result<HashMap<String, String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM infrastructures")?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `INFRA_ID=LEVEL;...` as gathered by `group_concat`, into listings sorted by name.
fn parse_grants(
    grants: Option<&str>,
    names: &HashMap<String, String>,
) -> Result<Vec<PermissionListing>, StoreError> {
    let mut permissions = Vec::new();
    for grant in grants.unwrap_or("").split(';').filter(|g| !g.is_empty()) {
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
    permissions.sort_by_cached_key(|p| p.infra_name.to_lowercase());
    Ok(permissions)
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
    let names = infra_names(conn)?;
    let columns = member_columns();
    let sql = format!(
        "SELECT {columns}, {} FROM members m ORDER BY m.name_key, m.seq",
        grants_column("m.id")
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let grants: Option<String> = row.get("grants")?;
        each(MemberListing {
            member: rows::member(row)?,
            permissions: parse_grants(grants.as_deref(), &names)?,
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
    /// People on support cases; not members.
    pub support_contacts: u64,
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
    let support: i64 = conn
        .prepare_cached("SELECT count(*) FROM support_contacts")?
        .query_row([], |row| row.get(0))?;
    counts.support_contacts = u64::try_from(support).unwrap_or(0);
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use roster_core::MemberStatus;
    use rusqlite::Connection;

    use super::{MemberQuery, Plan, Source, fts_query};
    use crate::migrate::create_schema;

    /// What SQLite does to run `sql`, one step per line.
    fn query_plan(conn: &Connection, sql: &str, args: &[String]) -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("the page's statement compiles");
        stmt.query_map(rusqlite::params_from_iter(args), |row| row.get(3))
            .expect("a query plan")
            .collect::<Result<_, _>>()
            .expect("its steps")
    }

    /// A list of a hundred thousand members finds a page deep in it by walking a name
    /// index and skipping entries; a sort would read and order every member first. Ties
    /// ordered by id, which schema 9's name indexes no longer hold, would make SQLite sort.
    #[test]
    fn a_list_by_name_walks_a_name_index_in_its_order_without_a_sort() {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        create_schema(&conn).expect("the schema");
        let searched = || Source::ManyMatches {
            fts: fts_query("ada").expect("a search"),
        };
        for (what, source, status, index) in [
            ("the list", Source::All, None, "members_by_name"),
            (
                "the active members",
                Source::All,
                Some(MemberStatus::Active),
                "members_by_status_name",
            ),
            ("a search", searched(), None, "members_by_name"),
            (
                "a search of pending members",
                searched(),
                Some(MemberStatus::Pending),
                "members_by_status_name",
            ),
        ] {
            let query = MemberQuery {
                status,
                limit: 50,
                offset: 50_000,
                ..MemberQuery::default()
            };
            let plan = Plan::for_source(source, &query);
            let steps = query_plan(&conn, &plan.page_sql(&query), &plan.args);
            assert!(
                steps.iter().any(|step| step.contains(index)),
                "{what} walks {index}: {steps:?}"
            );
            assert!(
                !steps.iter().any(|step| step.contains("TEMP B-TREE")),
                "{what} sorts nothing: {steps:?}"
            );
        }
    }

    #[test]
    fn typed_text_becomes_prefix_words_without_fts_syntax() {
        assert_eq!(fts_query("Ada Love").as_deref(), Some("\"Ada\"* \"Love\"*"));
        assert_eq!(
            fts_query("ada.lovelace@exa").as_deref(),
            Some("\"ada\"* \"lovelace\"* \"exa\"*")
        );
        assert_eq!(
            fts_query("\" OR NEAR( * -"),
            Some("\"OR\"* \"NEAR\"*".to_owned()),
            "FTS5 punctuation is dropped; operator words become quoted words, searched as text"
        );
        assert_eq!(fts_query("\" * - ( ) : ^"), None, "nothing but syntax");
        assert_eq!(fts_query("   "), None);
    }
}
