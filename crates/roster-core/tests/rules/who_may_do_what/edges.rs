//! The paths around the table's rules: what an Infra Admin may not do through a side door,
//! and the cases where one person holds two rows at once.

use roster_core::{Change, Grant, Level, Op, Record, RefusalCode};

use super::invite;
use crate::fixture::{
    ADMINISTRATOR, CA, CASE_BY_MEMBER, FORMER_CA, IA_X, IA_Y, MEMBER, PENDING, ROLE_2, TARGET, X,
    Y, apply_by, assert_refused, decide_by, new_id, permission, team_state,
};

fn grant(infra: roster_core::InfraId, level: Level) -> Grant {
    Grant { infra, level }
}

const FORBIDDEN: RefusalCode = RefusalCode::Forbidden;

#[test]
fn a_company_admin_approves_a_case_only_once_also_infra_admin_of_its_infra() {
    let mut state = team_state();
    let approve = || Op::ApproveSupportCase { id: CASE_BY_MEMBER };
    assert_refused(
        &decide_by(&state, CA, approve()),
        FORBIDDEN,
        "a Company Admin who is not IA of X may not approve a case on X",
    );
    state.apply(&[Change::create(permission(CA, X, Level::InfraAdmin))]);
    let decision = decide_by(&state, CA, approve())
        .expect("a Company Admin who is also IA of X may approve a case on X");
    assert!(
        !decision.is_noop(),
        "approving a waiting case must change it"
    );
}

#[test]
fn a_company_admin_associated_with_x_may_register_a_case_that_then_needs_approval() {
    let mut state = team_state();
    state.apply(&[Change::create(permission(CA, X, Level::Member))]);
    let decision = decide_by(
        &state,
        CA,
        Op::RegisterSupportCase {
            id: roster_core::CaseId::from_uuid(new_id(20)),
            infra: X,
            title: "VPN drops".to_owned(),
            cc: vec![],
        },
    )
    .expect("a Company Admin associated with X may register a case on X");
    let needs_approval = decision.changes.iter().find_map(|c| match &c.after {
        Some(Record::SupportCase(case)) => Some(case.needs_approval),
        _ => None,
    });
    assert_eq!(
        needs_approval,
        Some(true),
        "a case from someone who is not IA of X waits for an IA of X"
    );
}

#[test]
fn an_infra_admin_cannot_make_anyone_company_admin() {
    let state = team_state();
    assert_refused(
        &decide_by(
            &state,
            IA_X,
            invite(true, vec![grant(X, Level::Member)], vec![]),
        ),
        FORBIDDEN,
        "an Infra Admin may invite, but never as Company Admin",
    );
    assert_refused(
        &decide_by(
            &state,
            IA_X,
            Op::SetCompanyAdmin {
                member: TARGET,
                on: true,
            },
        ),
        FORBIDDEN,
        "an Infra Admin may not grant Company Admin, even to a member of their infra",
    );
    assert_refused(
        &decide_by(
            &state,
            IA_X,
            Op::SetCompanyAdmin {
                member: CA,
                on: false,
            },
        ),
        FORBIDDEN,
        "an Infra Admin may not revoke Company Admin",
    );
}

#[test]
fn an_infra_admin_invites_only_onto_infrastructures_they_administer() {
    let state = team_state();
    for (grants, dev) in [
        (vec![grant(Y, Level::Member)], vec![]),
        (
            vec![grant(X, Level::Member), grant(Y, Level::Member)],
            vec![],
        ),
        (vec![grant(X, Level::Member)], vec![Y]),
    ] {
        let op = invite(false, grants, dev);
        assert_refused(
            &decide_by(&state, IA_X, op.clone()),
            FORBIDDEN,
            &format!("IA of X may not give access to Y: {op:?}"),
        );
    }
    decide_by(
        &state,
        IA_X,
        invite(false, vec![grant(X, Level::InfraAdmin)], vec![]),
    )
    .expect("IA of X may invite another Infra Admin of X");
    decide_by(
        &state,
        IA_Y,
        invite(false, vec![grant(Y, Level::Member)], vec![]),
    )
    .expect("an Infra Admin elsewhere may invite onto their own infrastructure");
}

#[test]
fn an_infra_admin_may_invite_with_a_development_permission_on_their_infra() {
    let state = team_state();
    let decision = decide_by(
        &state,
        IA_X,
        invite(false, vec![grant(X, Level::Member)], vec![X]),
    )
    .expect("IA of X may grant Development permission on X while adding a member");
    let dev_on_x = decision
        .changes
        .iter()
        .any(|c| matches!(&c.after, Some(Record::DevPermission(d)) if d.infra == X));
    assert!(
        dev_on_x,
        "the invitation must carry the Development permission on X"
    );
}

#[test]
fn an_infra_admin_manages_only_invitations_they_could_have_sent() {
    let mut state = team_state();
    apply_by(
        &mut state,
        CA,
        invite(true, vec![], vec![]),
        "a Company Admin may invite a Company Admin",
    );
    let newcomer = roster_core::MemberId::from_uuid(new_id(4));
    let resend = Op::ResendInvitation {
        member: newcomer,
        invitation: roster_core::InvitationId::from_uuid(new_id(21)),
    };
    for op in [resend, Op::RevokeInvitation { member: newcomer }] {
        assert_refused(
            &decide_by(&state, IA_X, op.clone()),
            FORBIDDEN,
            &format!("an Infra Admin may not manage a Company Admin's invitation: {op:?}"),
        );
        decide_by(&state, CA, op).expect("a Company Admin manages any invitation");
    }
    // PENDING was invited with `member` on X: IA of Y could not have sent that.
    assert_refused(
        &decide_by(&state, IA_Y, Op::RevokeInvitation { member: PENDING }),
        FORBIDDEN,
        "an Infra Admin of Y may not revoke an invitation onto X",
    );
}

#[test]
fn end_user_roles_in_an_invitation_need_a_company_admin_or_administrator() {
    let state = team_state();
    let mut op = invite(false, vec![grant(X, Level::Member)], vec![]);
    if let Op::InviteMember { roles, .. } = &mut op {
        roles.push(ROLE_2);
    }
    assert_refused(
        &decide_by(&state, IA_X, op.clone()),
        FORBIDDEN,
        "an Infra Admin may invite onto X but may not assign end-user roles",
    );
    decide_by(&state, CA, op).expect("a Company Admin may invite with roles");
}

#[test]
fn every_active_member_edits_their_own_profile_name() {
    let state = team_state();
    for who in [MEMBER, IA_X, IA_Y, ADMINISTRATOR, TARGET] {
        let op = Op::EditProfile {
            member: who,
            name: "A New Name".to_owned(),
        };
        decide_by(&state, who, op).unwrap_or_else(|r| {
            panic!("every member may change their own profile name ({who:?}): {r}")
        });
    }
    for who in [FORMER_CA, PENDING] {
        let op = Op::EditProfile {
            member: who,
            name: "A New Name".to_owned(),
        };
        assert_refused(
            &decide_by(&state, who, op),
            FORBIDDEN,
            &format!(
                "a member who is not active may do nothing, not even rename themself ({who:?})"
            ),
        );
    }
}
