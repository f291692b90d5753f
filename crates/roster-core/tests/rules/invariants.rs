//! Rules 2, 3, 5 and 6 of SPEC.md, each refused with its own code, and ops that ask for
//! what already is: accepted, with nothing to write.

use roster_core::{
    Edition, Grant, Hosting, InfraId, Level, MemberKind, MemoryState, Op, RefusalCode, Timestamp,
};

use crate::fixture::{
    CA, ENV_USED, IA_X, MEMBER, PENDING, PENDING_EXPIRES, SELF_MANAGED, SUB_SENTRY, SUB_STANDARD,
    TARGET, TARGET_EMAIL, UNDER_SENTRY, X, apply_by, assert_refused, by, decide_at, decide_by,
    new_id, team_state,
};

/// A Company Admin invites `address` as an IT user or end user, with `member` on X and
/// Development permission on `dev`.
fn invite(address: &str, kind: MemberKind, dev: Vec<InfraId>) -> Op {
    Op::InviteMember {
        id: roster_core::MemberId::from_uuid(new_id(30)),
        invitation: roster_core::InvitationId::from_uuid(new_id(31)),
        email: address.to_owned(),
        name: None,
        kind,
        company_admin: false,
        grants: vec![Grant {
            infra: X,
            level: Level::Member,
        }],
        dev,
        roles: vec![],
    }
}

#[test]
fn an_email_already_taken_in_another_case_is_a_duplicate() {
    let state = team_state();
    for address in [TARGET_EMAIL.to_uppercase(), format!("  {TARGET_EMAIL}  ")] {
        assert_refused(
            &decide_by(&state, CA, invite(&address, MemberKind::ItUser, vec![])),
            RefusalCode::DuplicateEmail,
            &format!("e-mails are unique case-insensitively (rule 2): {address:?}"),
        );
    }
    assert_refused(
        &decide_by(
            &state,
            CA,
            invite("Penny.Pending@example.com", MemberKind::EndUser, vec![]),
        ),
        RefusalCode::DuplicateEmail,
        "a pending member's address is taken too (rule 2)",
    );
}

#[test]
fn a_malformed_email_is_invalid() {
    let state = team_state();
    for address in [
        "tess(at)example.com",
        "tess@example",
        "",
        "tess @example.com",
    ] {
        assert_refused(
            &decide_by(&state, CA, invite(address, MemberKind::ItUser, vec![])),
            RefusalCode::InvalidEmail,
            &format!("e-mail addresses must be valid (rule 2): {address:?}"),
        );
    }
    let case = Op::RegisterSupportCase {
        id: roster_core::CaseId::from_uuid(new_id(32)),
        infra: X,
        title: "Broken".to_owned(),
        cc: vec!["not an address".to_owned()],
    };
    assert_refused(
        &decide_by(&state, MEMBER, case),
        RefusalCode::InvalidEmail,
        "a support contact in cc needs a valid address too",
    );
}

#[test]
fn a_security_contact_phone_needs_the_international_form() {
    let state = team_state();
    for phone in ["0041 44 668 18 00", "41446681800", "+41 44", "+41 44 abc"] {
        let op = Op::SetSecurityContact {
            member: MEMBER,
            phone: phone.to_owned(),
        };
        assert_refused(
            &decide_by(&state, CA, op),
            RefusalCode::InvalidPhone,
            &format!("a security contact's phone is + and 8-15 digits (rule 6): {phone:?}"),
        );
    }
}

#[test]
fn development_permission_only_for_it_users_on_cloud_or_hybrid_outside_sentry() {
    let state = team_state();
    let refused = [
        (
            SELF_MANAGED,
            MemberKind::ItUser,
            "on a self_managed infrastructure",
        ),
        (
            UNDER_SENTRY,
            MemberKind::ItUser,
            "under a sentry subscription",
        ),
        (X, MemberKind::EndUser, "for an end user"),
    ];
    for (infra, kind, where_) in refused {
        assert_refused(
            &decide_by(&state, CA, invite("dev@example.com", kind, vec![infra])),
            RefusalCode::DevPermissionNotAllowed,
            &format!("no Development permission {where_} (rule 3)"),
        );
    }
    decide_by(
        &state,
        CA,
        invite("dev@example.com", MemberKind::ItUser, vec![X]),
    )
    .expect("an IT user may get Development permission on a cloud, standard infrastructure");
}

/// The team, with a developer holding Development permission on X.
fn with_developer_on_x() -> MemoryState {
    let mut state = team_state();
    apply_by(
        &mut state,
        CA,
        invite("dev@example.com", MemberKind::ItUser, vec![X]),
        "a Company Admin may add a developer on X",
    );
    state
}

#[test]
fn an_infrastructure_holding_development_permissions_cannot_stop_allowing_them() {
    let state = with_developer_on_x();
    let refused = [
        (
            Op::EditSubscription {
                id: SUB_STANDARD,
                name: None,
                edition: Some(Edition::Sentry),
            },
            "X's subscription may not become sentry",
        ),
        (
            Op::EditInfrastructure {
                id: X,
                name: None,
                subscription: None,
                hosting: Some(Hosting::SelfManaged),
            },
            "X may not become self_managed",
        ),
        (
            Op::EditInfrastructure {
                id: X,
                name: None,
                subscription: Some(SUB_SENTRY),
                hosting: None,
            },
            "X may not move under a sentry subscription",
        ),
    ];
    for (op, why) in refused {
        assert_refused(
            &decide_by(&state, CA, op),
            RefusalCode::DevPermissionNotAllowed,
            &format!("{why} while a member holds Development permission on it (rule 3)"),
        );
    }
    for (op, why) in [
        (
            Op::EditSubscription {
                id: SUB_STANDARD,
                name: None,
                edition: Some(Edition::Enterprise),
            },
            "enterprise still allows Development permission",
        ),
        (
            Op::EditInfrastructure {
                id: X,
                name: None,
                subscription: None,
                hosting: Some(Hosting::Hybrid),
            },
            "hybrid still allows Development permission",
        ),
    ] {
        decide_by(&state, CA, op).unwrap_or_else(|r| panic!("{why}: {r}"));
    }
    let sentry_without_developers = Op::EditSubscription {
        id: SUB_STANDARD,
        name: None,
        edition: Some(Edition::Sentry),
    };
    decide_by(&team_state(), CA, sentry_without_developers)
        .expect("with no Development permission on its infrastructures, a plan may become sentry");
}

#[test]
fn an_expired_invitation_cannot_be_accepted() {
    let state = team_state();
    let accept_at = |at: Timestamp| {
        decide_at(
            &state,
            &by(PENDING),
            at,
            Op::AcceptInvitation { member: PENDING },
        )
    };
    let just_before = Timestamp::from_unix_millis(PENDING_EXPIRES.unix_millis() - 1);
    accept_at(just_before).expect("an invitation is valid until it expires (rule 5)");
    for at in [PENDING_EXPIRES, PENDING_EXPIRES.plus_days(30)] {
        assert_refused(
            &accept_at(at),
            RefusalCode::InvitationExpired,
            &format!("an invitation past its expiry may not be used (rule 5), at {at}"),
        );
    }
}

#[test]
fn a_resent_invitation_gets_a_new_expiry() {
    let mut state = team_state();
    let later = PENDING_EXPIRES.plus_days(1);
    let resend = Op::ResendInvitation {
        member: PENDING,
        invitation: roster_core::InvitationId::from_uuid(new_id(33)),
    };
    let decision = decide_at(&state, &by(CA), later, resend)
        .expect("a Company Admin may resend an expired invitation");
    state.apply(&decision.changes);
    decide_at(
        &state,
        &by(PENDING),
        later,
        Op::AcceptInvitation { member: PENDING },
    )
    .expect("a resent invitation is valid again for 7 days (rule 5)");
}

#[test]
fn granting_the_same_level_twice_changes_nothing_the_second_time() {
    let mut state = team_state();
    let grant = Op::GrantPermission {
        member: TARGET,
        infra: X,
        level: Level::InfraAdmin,
    };
    let first = apply_by(&mut state, IA_X, grant.clone(), "IA of X may grant on X");
    assert!(
        !first.is_noop(),
        "the first grant makes TARGET an Infra Admin of X"
    );
    let second = decide_by(&state, IA_X, grant).expect("asking for what already is is accepted");
    assert!(
        second.changes.is_empty(),
        "the second grant has nothing to write: {second:?}"
    );
}

#[test]
fn ops_that_ask_for_what_already_is_have_no_changes() {
    let state = team_state();
    let already = [
        Op::GrantPermission {
            member: MEMBER,
            infra: X,
            level: Level::Member,
        },
        Op::SetCompanyAdmin {
            member: CA,
            on: true,
        },
        Op::SetAdministrator {
            member: MEMBER,
            on: false,
        },
        Op::RevokePermission {
            member: CA,
            infra: X,
        },
        Op::ClearSecurityContact { member: MEMBER },
        Op::RegisterEnvironmentSlot { id: ENV_USED },
        Op::ReactivateMember { member: MEMBER },
    ];
    for op in already {
        let decision = decide_by(&state, CA, op.clone())
            .unwrap_or_else(|r| panic!("{op:?} asks for what already is, so is accepted: {r}"));
        assert!(
            decision.is_noop(),
            "{op:?} must have nothing to write, got {:?}",
            decision.changes
        );
    }
}

#[test]
fn summaries_name_kinds_and_levels_as_people_do() {
    let mut state = team_state();
    let invited = apply_by(
        &mut state,
        CA,
        invite("new.hire@example.com", MemberKind::ItUser, vec![]),
        "a Company Admin may invite an IT user",
    );
    assert_eq!(
        invited.summary, "invited new.hire@example.com as an IT user",
        "the audit line and the app's toast read as a sentence, not wire names"
    );
    let granted = apply_by(
        &mut state,
        IA_X,
        Op::GrantPermission {
            member: TARGET,
            infra: X,
            level: Level::InfraAdmin,
        },
        "IA of X may grant on X",
    );
    assert!(
        granted.summary.starts_with("granted Infra Admin on "),
        "{}",
        granted.summary
    );
}
