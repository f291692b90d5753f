//! Loading a whole company (a first sync, a fresh snapshot) drops the record tables' indexes
//! and triggers and loads with foreign keys off, for speed; the snapshot's references are
//! checked before a row is written (`Snapshot::check`). These tests hold it to leaving the
//! same workspace a row-by-row load would, and to refusing what it must. (That
//! the full-text index is rebuilt and its triggers work again, `search.rs` shows: every
//! fixture there is made by this load.)

use std::collections::BTreeSet;

use roster_core::{InfraId, Level, RefusalCode, SnapshotPart};
use roster_store::{DATABASE_FILE, KEY_FILE, StoreError, Unlock, Workspace};
use rusqlite::Connection;
use uuid::Uuid;

use crate::fixture::{
    ALAN, Fixture, STAGING, create, create_streamed, passphrase, permission, team,
};

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
    roster_store::create_schema(&fresh).expect("the schema applies");
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
    let cache: i64 = fixture
        .workspace
        .conn()
        .query_row("PRAGMA cache_size", [], |row| row.get(0))
        .expect("pragma");
    assert_eq!(
        cache, -65_536,
        "the load's larger page cache is given back: 64 MiB again"
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
        matches!(&err, StoreError::Refused(refusal)
            if refusal.code == RefusalCode::NotFound
                && refusal.message.contains("a permission names an infrastructure")),
        "the error names the record and the missing parent: {err}"
    );
    assert!(
        !dir.join(DATABASE_FILE).exists(),
        "nothing is left behind: no half-loaded database"
    );
}

/// Every record of a snapshot, each as its JSON, whatever order the lists are in.
fn records(snapshot: &roster_core::Snapshot) -> BTreeSet<String> {
    snapshot
        .records()
        .map(|record| serde_json::to_string(&record).expect("a record serializes"))
        .collect()
}

#[test]
fn the_load_keeps_every_record_and_the_listing_copies_of_each_member() {
    let mut snapshot = team();
    // The load sorts the big tables by key; give it lists that are not sorted.
    snapshot.members.reverse();
    snapshot.permissions.reverse();
    let fixture = Fixture::with(&snapshot);
    assert_eq!(
        records(&fixture.workspace.snapshot().expect("read back")),
        records(&snapshot)
    );
    assert_eq!(
        stale_copies(fixture.workspace.conn()),
        0,
        "each permission row copies its member's status and name key"
    );
}

/// Permission rows whose copies of their member's status or name key differ from the
/// member's.
fn stale_copies(conn: &Connection) -> i64 {
    conn.query_row(
        "SELECT count(*) FROM permissions p JOIN members m ON m.id = p.member
         WHERE p.member_status IS NOT m.status OR p.member_name_key IS NOT m.name_key",
        [],
        |row| row.get(0),
    )
    .expect("count")
}

#[test]
fn a_streamed_snapshot_makes_the_same_workspace_whatever_order_its_parts_come_in() {
    let snapshot = team();
    let mut parts = snapshot.clone().into_parts(1);
    // Children before their parents (after the company): permissions wait for members.
    parts[1..].reverse();
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("workspace");
    let workspace = create_streamed(&dir, parts.into_iter().map(Ok).collect()).expect("made");
    assert_eq!(
        records(&workspace.snapshot().expect("read back")),
        records(&snapshot)
    );
    let created = workspace
        .audit(&roster_store::AuditQuery::default())
        .expect("audit");
    assert_eq!(created.len(), 1, "one creation entry");
    assert_eq!(
        stale_copies(workspace.conn()),
        0,
        "a permission that came before its member copies it all the same"
    );
    drop(workspace);
    let reopened = Workspace::open(&dir, Unlock::Passphrase(&passphrase())).expect("reopens");
    assert_eq!(
        reopened.integrity_check().expect("checked"),
        Vec::<String>::new()
    );
}

#[test]
fn a_stream_that_fails_or_names_a_missing_parent_leaves_no_workspace() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("workspace");

    // The network fails after the members came: that error comes back, nothing stays.
    let mut parts: Vec<Result<SnapshotPart, StoreError>> =
        team().into_parts(1).into_iter().map(Ok).take(6).collect();
    parts.push(Err(StoreError::corrupt("the download was cut")));
    let err = create_streamed(&dir, parts).expect_err("the failure stops the load");
    assert!(err.to_string().contains("the download was cut"), "{err}");
    assert!(!dir.join(DATABASE_FILE).exists(), "no half-loaded database");
    assert!(!dir.join(KEY_FILE).exists(), "no key file");

    // A permission naming a record that is not in the stream is refused at the end. One
    // for a member who never comes also fails the writer, which cannot copy the member's
    // name into it; the check's refusal is the one returned.
    let nowhere = InfraId::from_uuid(Uuid::now_v7());
    let nobody = roster_core::MemberId::from_uuid(Uuid::now_v7());
    for (dangling, why) in [
        (
            permission(ALAN, nowhere, Level::Member),
            "an unknown infrastructure",
        ),
        (
            permission(nobody, STAGING, Level::Member),
            "an unknown member: the check's refusal, not the writer's",
        ),
    ] {
        let mut snapshot = team();
        snapshot.permissions.push(dangling);
        let parts = snapshot.into_parts(2).into_iter().map(Ok).collect();
        let err = create_streamed(&dir, parts).expect_err("refused");
        assert!(
            matches!(&err, StoreError::Refused(refusal) if refusal.code == RefusalCode::NotFound),
            "{why}: {err}"
        );
        assert!(
            !dir.join(DATABASE_FILE).exists(),
            "{why}: no half-loaded database"
        );
    }

    // Records before the company are refused too.
    let mut parts: Vec<_> = team().into_parts(2).into_iter().map(Ok).collect();
    parts.swap(0, 1);
    assert!(create_streamed(&dir, parts).is_err());
    assert!(!dir.join(DATABASE_FILE).exists());
}
