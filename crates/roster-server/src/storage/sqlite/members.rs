//! Listing members: full-text search (prefix, case- and accent-insensitive) combined with
//! filters, one page at a time. The same plans as the desktop workspace's, on the server's
//! own schema: a broad search walks the name index, one infrastructure's members are a
//! range of `permissions_listing`.
//!
//! This mirrors `roster-store`'s module of the same name: ARCHITECTURE.md lets the server
//! and the clients share only roster-core and the wire types, so the company's records are
//! kept in SQL twice. A change to the record tables or their queries belongs in both.

use std::collections::HashMap;

use roster_core::{Level, Member};
use roster_wire::{MemberPageView, MemberView, PermissionView};
use rusqlite::{Connection, params_from_iter};

use super::rows::{self, MEMBER_COLUMNS};
use crate::storage::{MemberQuery, StorageError as StoreError};

/// The most rows one page returns.
pub const MAX_PAGE: u32 = 1_000;

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
                let unfiltered =
                    query.status.is_none() && query.infra.is_none() && query.level.is_none();
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
            order: "m.name_key, m.id",
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
        if plan.count_sql.is_empty() {
            plan.count_sql = format!(
                "SELECT count(*) FROM {}{}",
                plan.from,
                where_sql(&plan.clauses)
            );
        }
        plan
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
pub(crate) fn page(conn: &Connection, query: &MemberQuery) -> Result<MemberPageView, StoreError> {
    let plan = Plan::build(conn, query)?;
    let limit = query.limit.clamp(1, MAX_PAGE);
    let columns = member_columns();
    // The page is chosen first; only its rows then gather their permissions.
    let page_sql = if plan.keys_first {
        format!(
            "SELECT {columns}, m.name_key AS sort_key FROM (SELECT p.member, p.member_name_key FROM {}{} \
             ORDER BY {} LIMIT {limit} OFFSET {}) p JOIN members m ON m.id = p.member",
            plan.listing,
            where_sql(&plan.clauses),
            plan.order,
            query.offset
        )
    } else {
        format!(
            "SELECT {columns}, m.name_key AS sort_key FROM {}{} ORDER BY {} LIMIT {limit} OFFSET {}",
            plan.from,
            where_sql(&plan.clauses),
            plan.order,
            query.offset
        )
    };
    let sql = format!(
        "SELECT pg.*, {} FROM ({page_sql}) pg ORDER BY pg.sort_key, pg.id",
        grants_column("pg.id")
    );
    let names = infra_names(conn)?;
    let mut members = Vec::new();
    {
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(&plan.args))?;
        while let Some(row) = rows.next()? {
            let grants: Option<String> = row.get("grants")?;
            members.push(view(
                rows::member(row)?,
                parse_grants(grants.as_deref(), &names)?,
            ));
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
    Ok(MemberPageView {
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
) -> Result<Vec<PermissionView>, StoreError> {
    let mut permissions = Vec::new();
    for grant in grants.unwrap_or("").split(';').filter(|g| !g.is_empty()) {
        let (infra, level) = grant
            .split_once('=')
            .ok_or_else(|| StoreError::corrupt("permission row"))?;
        permissions.push(PermissionView {
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

/// A member as the API shows them.
pub(crate) fn view(member: Member, permissions: Vec<PermissionView>) -> MemberView {
    MemberView {
        id: *member.id.as_uuid(),
        email: member.email.to_string(),
        name: member.name.to_string(),
        kind: member.kind,
        status: member.status,
        company_admin: member.company_admin,
        administrator: member.administrator,
        phone: member.phone.map(|p| p.to_string()),
        security_contact: member.security_contact,
        created_at: member.created_at.unix_millis(),
        permissions,
    }
}

/// One member's permissions, with infrastructure names.
pub(crate) fn permissions_of(
    conn: &Connection,
    member: &Member,
) -> Result<Vec<PermissionView>, StoreError> {
    let names = infra_names(conn)?;
    let grants: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT {} FROM members m WHERE m.id = ?1",
            grants_column("m.id")
        ))?
        .query_row([member.id.to_string()], |row| row.get(0))?;
    parse_grants(grants.as_deref(), &names)
}
