//! Loading a whole company (a first sync, a fresh snapshot) drops the record tables' indexes
//! and triggers and checks foreign keys once at the end, for speed. These tests hold it to
//! leaving the same workspace a row-by-row load would, and to refusing what it must. (That
//! the full-text index is rebuilt and its triggers work again, `search.rs` shows: every
//! fixture there is made by this load.)

use std::collections::BTreeSet;

use roster_core::{InfraId, Level};
use roster_store::{DATABASE_FILE, StoreError};
use rusqlite::Connection;
use uuid::Uuid;

use crate::fixture::{ALAN, Fixture, create, permission, team};

/// Every index and trigger a schema holds, by name, with its SQL.
fn structures(conn: &Connection) -> BTreeSet<(String, String)> {
    let mut stmt = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type IN ('index', 'trigger') AND sql IS NOT NULL",
        )
        .expect("read the schema");
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn a_loaded_workspace_has_every_index_and_trigger_of_its_schema() {
    let fixture = Fixture::with(&team());
    let fresh = Connection::open_in_memory().expect("an empty database");
    for sql in roster_store::schema_sql() {
        fresh.execute_batch(sql).expect("the schema applies");
    }
    assert_eq!(
        structures(fixture.workspace.conn()),
        structures(&fresh),
        "the indexes and triggers dropped for the load are all made again, unchanged"
    );
    let foreign_keys: i64 = fixture
        .workspace
        .conn()
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .expect("pragma");
    assert_eq!(
        foreign_keys, 1,
        "foreign keys are enforced again after the load"
    );
}

#[test]
fn a_snapshot_naming_a_missing_parent_is_refused_and_leaves_no_workspace() {
    let mut snapshot = team();
    let nowhere = InfraId::from_uuid(Uuid::now_v7());
    snapshot
        .permissions
        .push(permission(ALAN, nowhere, Level::Member));
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("workspace");
    let err = create(&dir, &snapshot)
        .expect_err("a permission on an infrastructure that is not there is refused");
    assert!(
        matches!(&err, StoreError::Corrupt(what) if what.contains("permissions") && what.contains("infrastructures")),
        "the error names the table and the missing parent: {err}"
    );
    assert!(
        !dir.join(DATABASE_FILE).exists(),
        "nothing is left behind: no half-loaded database"
    );
}
