//! The audit trail is hash-chained: an entry edited, removed or re-hashed behind the store's
//! back (here through the open connection) breaks the chain at that entry.

use roster_core::{Level, Op};
use roster_store::ChainReport;

use crate::fixture::{ALAN, CA, Fixture, PROD, STAGING};

/// Creation plus four changes: entries 1 to 5.
const ENTRIES: i64 = 5;

fn with_history() -> Fixture {
    let mut fixture = Fixture::new();
    let ops = [
        Op::GrantPermission {
            member: ALAN,
            infra: STAGING,
            level: Level::Member,
        },
        Op::GrantPermission {
            member: ALAN,
            infra: PROD,
            level: Level::InfraAdmin,
        },
        Op::SetAdministrator {
            member: CA,
            on: true,
        },
        Op::RevokePermission {
            member: ALAN,
            infra: STAGING,
        },
    ];
    for (i, op) in (2..).zip(ops) {
        assert_eq!(
            fixture.apply(op),
            i,
            "entries are numbered from 1 without gaps"
        );
    }
    fixture
}

fn tamper(fixture: &Fixture, sql: &str) {
    let changed = fixture
        .workspace
        .conn()
        .execute(sql, [])
        .expect("the tampering statement runs");
    assert_eq!(
        changed, 1,
        "the tampering statement hits exactly one entry: {sql}"
    );
}

fn verify(fixture: &Fixture) -> ChainReport {
    fixture
        .workspace
        .verify_audit()
        .expect("walking the chain reads every entry")
}

#[test]
fn an_untouched_chain_is_intact_with_every_entry_counted() {
    let fixture = with_history();
    let report = verify(&fixture);
    assert_eq!(
        report.broken_at, None,
        "every entry written by the store verifies"
    );
    assert_eq!(
        report.entries, ENTRIES as u64,
        "the walk covers creation and every change"
    );
    let fixture = fixture.reopen();
    assert!(
        verify(&fixture).is_intact(),
        "the chain verifies the same after the workspace is closed and reopened"
    );
}

#[test]
fn an_edited_summary_breaks_the_chain_at_that_entry() {
    let fixture = with_history();
    tamper(
        &fixture,
        "UPDATE audit SET summary = 'granted nothing to anyone' WHERE seq = 3",
    );
    let report = verify(&fixture);
    let (seq, why) = report
        .broken_at
        .expect("an edited entry no longer matches its hash");
    assert_eq!(seq, 3, "the report names the edited entry");
    assert!(
        why.contains("changed"),
        "the reason says the entry was changed: {why}"
    );
    assert_eq!(report.entries, 2, "the entries before it still verify");
}

#[test]
fn a_removed_middle_entry_breaks_the_chain_at_the_next_one() {
    let fixture = with_history();
    // The index rows refer to the entry; remove them first as a careful forger would.
    for table in ["audit_members", "audit_infras"] {
        fixture
            .workspace
            .conn()
            .execute(&format!("DELETE FROM {table} WHERE seq = 3"), [])
            .expect("the index rows of entry 3 are removed");
    }
    tamper(&fixture, "DELETE FROM audit WHERE seq = 3");
    let report = verify(&fixture);
    let (seq, why) = report
        .broken_at
        .expect("a gap in the sequence breaks the chain");
    assert_eq!(seq, 4, "the report names the entry after the gap");
    assert!(
        why.contains("missing"),
        "the reason says an entry is missing: {why}"
    );
    assert!(
        why.contains('3'),
        "the reason names the missing entry: {why}"
    );
}

#[test]
fn a_tampered_hash_of_the_last_entry_breaks_the_chain() {
    let fixture = with_history();
    tamper(
        &fixture,
        &format!(
            "UPDATE audit SET hash = '{}' WHERE seq = {ENTRIES}",
            "ab".repeat(32)
        ),
    );
    let report = verify(&fixture);
    assert_eq!(
        report.broken_at.map(|(seq, _)| seq),
        Some(ENTRIES),
        "the head of the chain is checked too, not only the links between entries"
    );
    assert_eq!(
        report.entries,
        (ENTRIES - 1) as u64,
        "every entry before the head verifies"
    );
}
