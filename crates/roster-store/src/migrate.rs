//! Numbered migrations, applied in order; see `migrations/README.md`.

use rusqlite::Connection;

use crate::error::StoreError;

/// Every migration this binary knows, in order. Append; never edit a released one.
const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (
        2,
        include_str!("../migrations/0002_search_prefix_index.sql"),
    ),
    (3, include_str!("../migrations/0003_sync.sql")),
    (4, include_str!("../migrations/0004_status_counts.sql")),
    (5, include_str!("../migrations/0005_one_listing_index.sql")),
    (
        6,
        include_str!("../migrations/0006_member_triggers_on_change.sql"),
    ),
    (
        7,
        include_str!("../migrations/0007_checks_without_temporary_tables.sql"),
    ),
    (
        8,
        include_str!("../migrations/0008_search_without_column_sizes.sql"),
    ),
    (
        9,
        include_str!("../migrations/0009_name_indexes_by_seq.sql"),
    ),
];

/// Makes a new workspace's whole schema in `conn`: for baselines and tests that build the
/// same kind of file by hand.
pub fn create_schema(conn: &Connection) -> Result<(), StoreError> {
    for (_, sql) in MIGRATIONS {
        conn.execute_batch(sql)?;
    }
    renew_schema_cookie(conn)
}

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// Brings the database up to [`SCHEMA_VERSION`], or refuses one that is newer.
/// Reads and migrates in one write transaction, so two processes opening the same
/// workspace cannot both apply a migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let mut migrated = false;
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > found) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        migrated = true;
    }
    if migrated {
        renew_schema_cookie(&tx)?;
    }
    tx.commit()?;
    Ok(())
}

/// Moves the schema cookie on. A migration may rewrite a table's SQL in `sqlite_schema`
/// (schema 7 does, as SQLite documents for CHECK constraints), which SQLite does not
/// count as a schema change by itself: without a new cookie, a connection would go on
/// using the table as it parsed it before.
fn renew_schema_cookie(conn: &Connection) -> Result<(), StoreError> {
    let cookie: i64 = conn.pragma_query_value(None, "schema_version", |row| row.get(0))?;
    conn.pragma_update(None, "schema_version", cookie + 1)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema's ordinary tables (not the full-text index's virtual table).
    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_schema
                 WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'
                 AND name NOT LIKE 'sqlite_%'",
            )
            .expect("read the schema");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    /// Whether writing one row of `table` builds a temporary b-tree: SQLite's program for
    /// an insert with every constraint check, read without running it.
    fn insert_builds_a_temporary_table(conn: &Connection, table: &str) -> bool {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN INSERT INTO \"{table}\" DEFAULT VALUES"))
            .expect("explain an insert");
        let opcodes: Vec<String> = stmt
            .query_map([], |row| row.get(1))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        opcodes.iter().any(|op| op == "OpenEphemeral")
    }

    fn insert_member(conn: &Connection, id: &str, status: &str) -> rusqlite::Result<usize> {
        conn.execute(
            "INSERT INTO members (id, email, email_key, name, name_key, kind, status,
                 company_admin, administrator, security_contact, created_at)
             VALUES (?1, ?1, ?1, 'Ada', 'ada', 'it_user', ?2, 0, 0, 0, 0)",
            [id, status],
        )
    }

    fn insert_invitation(conn: &Connection, member: &str, state: &str) -> rusqlite::Result<usize> {
        conn.execute(
            "INSERT INTO invitations (member, id, state, sent_at, expires_at)
             VALUES (?1, ?1, ?2, 0, 1)",
            [member, state],
        )
    }

    #[test]
    fn no_table_builds_a_temporary_table_to_check_a_row() {
        let mut conn = Connection::open_in_memory().expect("a database");
        migrate(&mut conn).expect("the schema applies");
        let tables = tables(&conn);
        assert!(tables.iter().any(|t| t == "members"), "{tables:?}");
        for table in &tables {
            assert!(
                !insert_builds_a_temporary_table(&conn, table),
                "writing a row of {table} builds a temporary b-tree: a CHECK lists three or more values with IN"
            );
        }
    }

    #[test]
    fn schema_7_keeps_accepting_and_refusing_the_same_values_in_the_connection_that_migrated() {
        let mut conn = Connection::open_in_memory().expect("a database");
        for (version, sql) in &MIGRATIONS[..6] {
            conn.execute_batch(sql).expect("an older schema applies");
            conn.pragma_update(None, "user_version", version)
                .expect("version");
        }
        assert!(
            insert_builds_a_temporary_table(&conn, "members"),
            "schema 6 checked a member's status with a temporary b-tree: this test sees the difference"
        );
        insert_member(&conn, "before", "active").expect("a member written under schema 6");

        migrate(&mut conn).expect("schema 7 applies");
        insert_member(&conn, "after", "deactivated").expect("a valid status is accepted");
        for table in ["subscriptions", "infrastructures", "members", "invitations"] {
            assert!(
                !insert_builds_a_temporary_table(&conn, table),
                "{table} is checked without a temporary b-tree once migrated"
            );
        }
        let refused = insert_member(&conn, "bad", "deleted").expect_err("an unknown status");
        assert!(
            refused.to_string().contains("CHECK constraint failed"),
            "{refused}"
        );
        insert_invitation(&conn, "after", "revoked").expect("a valid state is accepted");
        let refused = insert_invitation(&conn, "before", "lost").expect_err("an unknown state");
        assert!(
            refused.to_string().contains("CHECK constraint failed"),
            "{refused}"
        );
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("integrity check");
        assert_eq!(ok, "ok");
    }
}
