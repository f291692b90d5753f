//! Migrations: a new workspace is at the latest schema, an older one is brought up to it
//! on open, and a workspace written by a newer Roster is refused, never opened (STYLE,
//! "Storage").

use roster_core::{Level, MemberStatus};
use roster_store::{MemberQuery, SCHEMA_VERSION, StoreError, Unlock};

use crate::fixture::{ADAM, Fixture, STAGING, passphrase, team};

fn user_version(fixture: &Fixture) -> u32 {
    fixture
        .workspace
        .conn()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("user_version reads")
}

#[test]
fn a_new_workspace_is_at_the_latest_schema() {
    let fixture = Fixture::new();
    assert_eq!(
        user_version(&fixture),
        SCHEMA_VERSION,
        "create applies every migration this binary knows"
    );
    let fixture = fixture.reopen();
    assert_eq!(
        user_version(&fixture),
        SCHEMA_VERSION,
        "opening a current workspace migrates nothing"
    );
}

#[test]
fn a_workspace_from_a_newer_roster_is_refused_with_what_to_do() {
    let fixture = Fixture::new();
    fixture
        .workspace
        .conn()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("user_version writes");
    let folder = fixture.close();

    for attempt in ["first", "second"] {
        let result = folder.open(Unlock::Passphrase(&passphrase()));
        let Err(err) = result else {
            panic!("the {attempt} open of a newer schema must be refused, not opened");
        };
        assert!(
            matches!(
                err,
                StoreError::TooNew { found, supported }
                    if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
            ),
            "the {attempt} refusal names both schema versions (a refusal changes nothing), got {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("update Roster"),
            "the message tells the person what to do next: {message}"
        );
    }
}

#[test]
fn a_workspace_at_schema_4_gets_the_one_listing_index_and_lists_the_same() {
    let fixture = Fixture::with(&team());
    // Put back what schema 4 had: two full listing indexes.
    fixture
        .workspace
        .conn()
        .execute_batch(
            "DROP INDEX permissions_listing;
             DROP INDEX permissions_infra_admins;
             CREATE INDEX permissions_listing ON permissions (infra, member_status, member_name_key, member);
             CREATE INDEX permissions_listing_by_level ON permissions (infra, level, member_status, member_name_key, member);
             PRAGMA user_version = 4;",
        )
        .expect("schema 4's indexes");
    let fixture = fixture.reopen();
    assert_eq!(user_version(&fixture), SCHEMA_VERSION);
    let conn = fixture.workspace.conn();
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'permissions' ORDER BY name")
        .expect("schema")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    assert_eq!(indexes, ["permissions_infra_admins", "permissions_listing"]);
    let infra_admins = fixture
        .workspace
        .members(&MemberQuery {
            infra: Some(STAGING),
            level: Some(Level::InfraAdmin),
            limit: 50,
            with_total: true,
            ..MemberQuery::default()
        })
        .expect("the listing");
    assert_eq!(infra_admins.total, Some(1));
    assert_eq!(infra_admins.members[0].member.id, ADAM);
}

/// Two CHECK constraints schema 7 rewrote: (table, as schemas 1 to 6 had it, as schema 7
/// has it).
const IN_LIST_CHECKS: &[(&str, &str, &str)] = &[
    (
        "members",
        "CHECK (status IN ('pending', 'active', 'deactivated'))",
        "CHECK (status = 'pending' OR status = 'active' OR status = 'deactivated')",
    ),
    (
        "invitations",
        "CHECK (state IN ('pending', 'accepted', 'expired', 'revoked'))",
        "CHECK (state = 'pending' OR state = 'accepted' OR state = 'expired' OR state = 'revoked')",
    ),
];

fn table_sql(fixture: &Fixture, table: &str) -> String {
    fixture
        .workspace
        .conn()
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |row| row.get(0),
        )
        .expect("the table's SQL")
}

#[test]
fn an_encrypted_workspace_at_schema_6_is_opened_with_its_checks_rewritten_and_its_rows_kept() {
    let fixture = Fixture::with(&team());
    let members_before: i64 = fixture
        .workspace
        .conn()
        .query_row("SELECT count(*) FROM members", [], |row| row.get(0))
        .expect("count");
    // Put back what schema 6 had, the way schema 7 changed it: in the tables' SQL.
    {
        let conn = fixture.workspace.conn();
        conn.execute_batch("BEGIN IMMEDIATE; PRAGMA writable_schema = ON;")
            .expect("begin");
        for (table, then, now) in IN_LIST_CHECKS {
            conn.execute(
                "UPDATE sqlite_schema SET sql = replace(sql, ?2, ?1) WHERE type = 'table' AND name = ?3",
                [then, now, table],
            )
            .expect("schema 6's CHECK");
        }
        let cookie: i64 = conn
            .pragma_query_value(None, "schema_version", |row| row.get(0))
            .expect("cookie");
        conn.execute_batch(&format!(
            "PRAGMA writable_schema = OFF; PRAGMA schema_version = {}; PRAGMA user_version = 6; COMMIT;",
            cookie + 1
        ))
        .expect("schema 6 again");
    }
    assert!(table_sql(&fixture, "members").contains(IN_LIST_CHECKS[0].1));

    let fixture = fixture.reopen();
    assert_eq!(user_version(&fixture), SCHEMA_VERSION);
    for (table, then, now) in IN_LIST_CHECKS {
        let sql = table_sql(&fixture, table);
        assert!(
            sql.contains(now) && !sql.contains(then),
            "{table} is checked with comparisons now: {sql}"
        );
    }
    let conn = fixture.workspace.conn();
    let members_after: i64 = conn
        .query_row("SELECT count(*) FROM members", [], |row| row.get(0))
        .expect("count");
    assert_eq!(members_after, members_before, "every member is still there");
    let refused = conn
        .execute(
            "UPDATE members SET status = 'suspended' WHERE id = ?1",
            [ADAM.to_string()],
        )
        .expect_err("a status outside the three is still refused");
    assert!(
        refused.to_string().contains("CHECK constraint failed"),
        "{refused}"
    );
    let checked: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity check");
    assert_eq!(checked, "ok");
}

/// The members a search finds, by id.
fn found(fixture: &Fixture, typed: &str) -> Vec<String> {
    let page = fixture
        .workspace
        .members(&MemberQuery {
            search: Some(typed.to_owned()),
            limit: 50,
            ..MemberQuery::default()
        })
        .expect("a search");
    let mut ids: Vec<String> = page
        .members
        .iter()
        .map(|m| m.member.id.to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_workspace_at_schema_7_gets_a_search_index_without_token_counts_that_finds_the_same() {
    let fixture = Fixture::with(&team());
    let searches = ["a", "ad", "alan", "acme", "ada lov"];
    let before: Vec<Vec<String>> = searches
        .iter()
        .map(|typed| found(&fixture, typed))
        .collect();
    assert!(
        before.iter().any(|ids| ids.len() > 1),
        "the searches find members, so a lost index would show"
    );
    // Put back schema 7's index, which kept a token count per member.
    let definition = table_sql(&fixture, "members_fts");
    fixture
        .workspace
        .conn()
        .execute_batch(&format!(
            "DROP TABLE members_fts;
             {};
             INSERT INTO members_fts (members_fts) VALUES ('rebuild');
             PRAGMA user_version = 7;",
            definition.replace(",\n    columnsize = 0", "")
        ))
        .expect("schema 7's index");
    assert!(!table_sql(&fixture, "members_fts").contains("columnsize"));
    assert!(
        !table_sql(&fixture, "members_fts_docsize").is_empty(),
        "schema 7 kept token counts"
    );

    let fixture = fixture.reopen();
    assert_eq!(user_version(&fixture), SCHEMA_VERSION);
    let conn = fixture.workspace.conn();
    let docsize: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'members_fts_docsize'",
            [],
            |row| row.get(0),
        )
        .expect("schema");
    assert_eq!(docsize, 0, "no token counts are kept");
    conn.execute_batch("INSERT INTO members_fts (members_fts, rank) VALUES ('integrity-check', 1)")
        .expect("the index matches the members table");
    let after: Vec<Vec<String>> = searches
        .iter()
        .map(|typed| found(&fixture, typed))
        .collect();
    assert_eq!(after, before, "every search finds the same members");
}

/// The definitions of the two name indexes, by name.
fn name_indexes(fixture: &Fixture) -> Vec<String> {
    fixture
        .workspace
        .conn()
        .prepare(
            "SELECT sql FROM sqlite_schema
             WHERE name IN ('members_by_name', 'members_by_status_name') ORDER BY name",
        )
        .expect("schema")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("definitions")
}

/// The ids of the members `query` lists, in its order.
fn listed(fixture: &Fixture, query: MemberQuery) -> Vec<String> {
    fixture
        .workspace
        .members(&MemberQuery { limit: 50, ..query })
        .expect("a list")
        .members
        .iter()
        .map(|m| m.member.id.to_string())
        .collect()
}

#[test]
fn a_workspace_at_schema_8_gets_name_indexes_without_ids_and_lists_the_same() {
    let fixture = Fixture::with(&team());
    let queries = [
        MemberQuery::default(),
        MemberQuery {
            status: Some(MemberStatus::Active),
            ..MemberQuery::default()
        },
        MemberQuery {
            search: Some("a".to_owned()),
            ..MemberQuery::default()
        },
    ];
    let before: Vec<Vec<String>> = queries
        .iter()
        .map(|q| listed(&fixture, q.clone()))
        .collect();
    assert!(before[0].len() > 5, "the lists have members to reorder");
    // Put back schema 8's name indexes, which ended with the member's id.
    fixture
        .workspace
        .conn()
        .execute_batch(
            "DROP INDEX members_by_name;
             DROP INDEX members_by_status_name;
             CREATE INDEX members_by_name ON members (name_key, id);
             CREATE INDEX members_by_status_name ON members (status, name_key, id);
             PRAGMA user_version = 8;",
        )
        .expect("schema 8's indexes");

    let fixture = fixture.reopen();
    assert_eq!(user_version(&fixture), SCHEMA_VERSION);
    assert_eq!(
        name_indexes(&fixture),
        [
            "CREATE INDEX members_by_name ON members (name_key)",
            "CREATE INDEX members_by_status_name ON members (status, name_key)",
        ]
    );
    let after: Vec<Vec<String>> = queries
        .iter()
        .map(|q| listed(&fixture, q.clone()))
        .collect();
    assert_eq!(
        after, before,
        "every list shows the same members in the same order"
    );
}
