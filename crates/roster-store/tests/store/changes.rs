//! ARCHITECTURE, "the path of one change": in one transaction the store writes the new state,
//! one audit entry and one outbox entry; a refused or no-op change writes nothing.

use roster_core::{
    AppId, Grant, InvitationId, Level, MemberId, MemberKind, Op, RefusalCode, RoleId, State,
};
use roster_store::{AuditQuery, Outcome, StoreError};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::fixture::{ALAN, CA, CA_EMAIL, Fixture, PROD, STAGING, envelope};

/// A hash of every row of every table (search index included): equal fingerprints
/// mean nothing was written in between.
fn fingerprint(fixture: &Fixture) -> String {
    let conn = fixture.workspace.conn();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut stmt| stmt.query_map([], |row| row.get(0))?.collect())
        .expect("the schema lists its tables");
    let mut hasher = Sha256::new();
    for table in tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("a table reads");
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).expect("a table reads");
        while let Some(row) = rows.next().expect("a row reads") {
            hasher.update(table.as_bytes());
            for i in 0..columns {
                let value: rusqlite::types::Value = row.get(i).expect("a value reads");
                hasher.update(format!("|{value:?}").as_bytes());
            }
            hasher.update(b"\n");
        }
    }
    hex::encode(hasher.finalize())
}

#[test]
fn a_committed_op_writes_its_change_one_audit_entry_and_one_outbox_entry() {
    let mut fixture = Fixture::new();
    assert_eq!(fixture.audit_len(), 1, "creation is audited once");
    assert_eq!(
        fixture.workspace.outbox_len().ok(),
        Some(0),
        "a new workspace has nothing to push"
    );

    let grant = envelope(Op::GrantPermission {
        member: ALAN,
        infra: STAGING,
        level: Level::Member,
    });
    let outcome = fixture
        .workspace
        .commit(&grant, CA_EMAIL)
        .expect("a Company Admin may grant on any infrastructure");
    let Outcome::Applied {
        audit_seq, changes, ..
    } = outcome
    else {
        panic!("a new permission is a change, got {outcome:?}");
    };

    let state = fixture.workspace.state();
    assert_eq!(
        state.permission(ALAN, STAGING).expect("state reads"),
        Some(Level::Member),
        "the new state is written"
    );
    let entries = fixture
        .workspace
        .audit(&AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .expect("the audit trail reads");
    assert_eq!(entries.len(), 2, "exactly one audit entry per change");
    let entry = &entries[0];
    assert_eq!(entry.seq, audit_seq, "the outcome names the entry it wrote");
    assert_eq!(
        entry.op_id.as_deref(),
        Some(grant.id.to_string().as_str()),
        "the entry names the op, so the trail and the server's log can be matched"
    );
    assert_eq!(
        entry.action, "grant_permission",
        "the entry says what kind of change it was"
    );
    assert_eq!(
        entry.members,
        vec![ALAN],
        "the entry is found by `audit --member`"
    );
    assert_eq!(
        entry.infras,
        vec![STAGING],
        "the entry is visible to Staging's Infra Admins"
    );
    assert_eq!(
        entry.changes, changes,
        "the entry keeps each record before and after"
    );
    let queued = roster_core::Envelope {
        expects: roster_core::expectations(&changes),
        ..grant
    };
    assert_eq!(
        fixture.workspace.outbox(10).expect("the outbox reads"),
        vec![queued],
        "exactly the committed op waits to be pushed, with what it expected to find"
    );

    let fixture = fixture.reopen();
    assert_eq!(
        fixture.workspace.outbox_len().ok(),
        Some(1),
        "an acknowledged change stays queued after the workspace is closed"
    );
    assert_eq!(
        fixture
            .workspace
            .state()
            .permission(ALAN, STAGING)
            .expect("state reads"),
        Some(Level::Member),
        "an acknowledged change survives closing the workspace"
    );
}

#[test]
fn a_refused_op_writes_nothing() {
    let mut fixture = Fixture::new();
    let before = fingerprint(&fixture);

    let result = fixture.commit(Op::SetCompanyAdmin {
        member: CA,
        on: false,
    });
    match &result {
        Err(StoreError::Refused(refusal)) => assert_eq!(
            refusal.code,
            RefusalCode::LastCompanyAdmin,
            "rule 1: the only Company Admin cannot be demoted"
        ),
        other => panic!("demoting the last Company Admin must be refused, got {other:?}"),
    }
    assert_eq!(
        fixture.audit_len(),
        1,
        "a refused change leaves no audit entry"
    );
    assert_eq!(
        fixture.workspace.outbox_len().ok(),
        Some(0),
        "a refused change is not queued"
    );
    assert_eq!(
        fingerprint(&fixture),
        before,
        "a refused change writes no row anywhere"
    );
    let ca = fixture.workspace.state().member(CA).expect("state reads");
    assert!(
        ca.is_some_and(|ca| ca.company_admin),
        "the Company Admin is still one"
    );
}

#[test]
fn a_no_op_returns_unchanged_and_writes_nothing() {
    let mut fixture = Fixture::new();
    let op = Op::GrantPermission {
        member: ALAN,
        infra: STAGING,
        level: Level::InfraAdmin,
    };
    fixture.apply(op.clone());
    let before = fingerprint(&fixture);

    let again = fixture
        .commit(op)
        .expect("granting what is held is not an error");
    assert!(
        matches!(again, Outcome::Unchanged { .. }),
        "the state already is as asked, got {again:?}"
    );
    assert_eq!(
        fixture.audit_len(),
        2,
        "creation and the first grant only: a no-op is not audited"
    );
    assert_eq!(
        fixture.workspace.outbox_len().ok(),
        Some(1),
        "a no-op is not queued for the server"
    );
    assert_eq!(
        fingerprint(&fixture),
        before,
        "a no-op writes no row anywhere"
    );
}

#[test]
fn deleting_a_member_removes_everything_they_held_and_keeps_their_audit_trail() {
    let mut fixture = Fixture::new();
    let app = AppId::from_uuid(Uuid::now_v7());
    let role = RoleId::from_uuid(Uuid::now_v7());
    fixture.apply(Op::AddApp {
        id: app,
        name: "Ledger".to_owned(),
    });
    fixture.apply(Op::AddRole {
        id: role,
        app,
        name: "Viewer".to_owned(),
    });
    let invitee = MemberId::from_uuid(Uuid::now_v7());
    fixture.apply(Op::InviteMember {
        id: invitee,
        invitation: InvitationId::from_uuid(Uuid::now_v7()),
        email: "new.hire@example.com".to_owned(),
        name: Some("New Hire".to_owned()),
        kind: MemberKind::ItUser,
        company_admin: false,
        grants: vec![
            Grant {
                infra: PROD,
                level: Level::Member,
            },
            Grant {
                infra: STAGING,
                level: Level::InfraAdmin,
            },
        ],
        dev: vec![PROD],
        roles: vec![role],
    });
    let held = |fixture: &Fixture| {
        let who = format!("member = '{invitee}'");
        [
            ("permissions", fixture.count("permissions", &who)),
            ("dev_permissions", fixture.count("dev_permissions", &who)),
            ("role_assignments", fixture.count("role_assignments", &who)),
            ("invitations", fixture.count("invitations", &who)),
            (
                "members",
                fixture.count("members", &format!("id = '{invitee}'")),
            ),
        ]
    };
    assert_eq!(
        held(&fixture).map(|(_, n)| n),
        [2, 1, 1, 1, 1],
        "the invitation wrote every kind of row a member can hold, so deleting has each to remove"
    );

    for member in [invitee, ALAN] {
        let deleted = fixture.commit(Op::DeleteMember { member });
        assert!(
            matches!(deleted, Ok(Outcome::Applied { .. })),
            "deleting {member:?} removes its rows children first, without a foreign key error; got {deleted:?}"
        );
        assert_eq!(
            fixture
                .workspace
                .state()
                .member(member)
                .expect("state reads"),
            None,
            "a deleted member is gone"
        );
    }
    for (table, rows) in held(&fixture) {
        assert_eq!(rows, 0, "no {table} row of the deleted member remains");
    }
    assert_eq!(
        fixture.count("permissions", &format!("member = '{ALAN}'")),
        0,
        "an active member's permissions go with them"
    );
    let dangling: i64 = fixture
        .workspace
        .conn()
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .expect("the foreign key check runs");
    assert_eq!(dangling, 0, "no row refers to a deleted member");

    let trail = fixture
        .workspace
        .audit(&AuditQuery {
            member: Some(invitee),
            limit: 100,
            ..AuditQuery::default()
        })
        .expect("the audit trail reads");
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["delete_member", "invite_member"],
        "SPEC: a deleted member is gone, only the audit trail remains"
    );
}
