//! A snapshot is loaded whole, without the per-row checks of a decided op: `check` is what
//! stands between a damaged or incomplete download and the workspace.

use roster_core::{
    CaseContact, Email, InfraId, Invitation, InvitationId, InvitationState, Level, MemberId,
    RefusalCode, RoleAssignment, RoleId,
};

use crate::fixture::{
    CA, CASE_BY_IA_X, MEMBER, PENDING_EXPIRES, T0, X, new_id, permission, person, team,
};

/// A way to damage a snapshot, and what the refusal then says.
type Damage = (&'static str, Box<dyn Fn(&mut roster_core::Snapshot)>);

fn refusal(snapshot: &roster_core::Snapshot) -> (RefusalCode, String) {
    let refusal = snapshot
        .check()
        .expect_err("the snapshot should be refused");
    (refusal.code, refusal.message)
}

#[test]
fn a_permission_naming_a_member_not_in_the_snapshot_is_refused() {
    let mut snapshot = team();
    let stranger = MemberId::from_uuid(new_id(90));
    snapshot
        .permissions
        .push(permission(stranger, X, Level::Member));
    assert_eq!(
        refusal(&snapshot),
        (
            RefusalCode::NotFound,
            "The snapshot is incomplete: a permission names a member that is not in it.".into()
        )
    );
}

#[test]
fn every_kind_of_reference_is_checked() {
    let missing_infra = InfraId::from_uuid(new_id(91));
    let cases: Vec<Damage> = vec![
        (
            "a permission names an infrastructure",
            Box::new(move |s| {
                s.permissions
                    .push(permission(MEMBER, missing_infra, Level::Member))
            }),
        ),
        (
            "a role assignment names a role",
            Box::new(|s| {
                s.role_assignments.push(RoleAssignment {
                    member: MEMBER,
                    role: RoleId::from_uuid(new_id(92)),
                });
            }),
        ),
        (
            "an invitation names a member",
            Box::new(|s| {
                s.invitations.push(Invitation {
                    id: InvitationId::from_uuid(new_id(93)),
                    member: MemberId::from_uuid(new_id(94)),
                    state: InvitationState::Pending,
                    sent_at: T0,
                    expires_at: PENDING_EXPIRES,
                });
            }),
        ),
        (
            "a case contact names a support contact",
            Box::new(|s| {
                s.case_contacts.push(CaseContact {
                    case: CASE_BY_IA_X,
                    contact: Email::parse("nobody@partner.example.org").expect("valid"),
                });
            }),
        ),
    ];
    for (what, damage) in cases {
        let mut snapshot = team();
        damage(&mut snapshot);
        let (code, message) = refusal(&snapshot);
        assert_eq!(code, RefusalCode::NotFound, "{what}");
        assert!(message.contains(what), "{what}: {message}");
    }
}

#[test]
fn a_member_twice_is_refused_rather_than_merged() {
    let mut snapshot = team();
    let mut twin = person(CA, "twin@example.com");
    twin.company_admin = false;
    snapshot.members.push(twin);
    assert_eq!(
        refusal(&snapshot),
        (
            RefusalCode::InvalidInput,
            "The snapshot holds one member twice.".into()
        )
    );
}

#[test]
fn a_permission_twice_is_refused_rather_than_one_level_winning() {
    let mut snapshot = team();
    let first = snapshot.permissions[0].clone();
    let level = if first.level == Level::Member {
        Level::InfraAdmin
    } else {
        Level::Member
    };
    snapshot
        .permissions
        .push(permission(first.member, first.infra, level));
    assert_eq!(
        refusal(&snapshot),
        (
            RefusalCode::InvalidInput,
            "The snapshot holds one member's permission on an infrastructure twice.".into()
        )
    );
}
