//! SPEC.md's "who may do what" table, row by row, for every [`OpKind`] and every actor of the
//! team fixture. [`allowed`] is an exhaustive `match` (no `_` arm) and so is [`sample`]:
//! adding an `Op` variant does not compile until it has a row and a sample.
//!
//! Decisions the SPEC leaves open, as tested here:
//! - Register a support case on X: association with X (any permission, or a Development
//!   one) or being its IA. The fixture's Company Admin holds nothing on X, so is refused.
//! - Approve a support case on X: IA of X only; a Company Admin only if also IA of X.
//! - Resend or revoke an invitation: whoever could have invited that member with its grants.
//! - Accept an invitation: only the pending invitee themself.
//! - Edit a profile: a Company Admin, or the member themself (SPEC: "every member may
//!   change their own … profile name").
//! - Apps, roles, role assignments and the Administrator toggle: Company Admins and
//!   Administrators; no one else, Infra Admins included.
//!
//! [`edges`] walks the paths around the rules (an Infra Admin and Company Admin, grants on
//! another infrastructure, Development permission); [`reads`] is the table's read rows.

mod edges;
mod reads;

use roster_core::{Actor, Edition, Grant, Hosting, Level, MemberKind, Op, OpKind, RefusalCode};
use strum::IntoEnumIterator;

use crate::fixture::{
    ADMINISTRATOR, APP, CA, CASE_BY_MEMBER, CONTACT, DORMANT, ENV_FREE, ENV_USED, FORMER_CA, IA_X,
    IA_Y, MEMBER, PENDING, ROLE_1, ROLE_2, SUB_STANDARD, T0, TARGET, X, by, decide_at, email,
    new_id, team_state,
};

/// The actors of the table, each one person of the team fixture.
#[derive(Clone, Copy, PartialEq, Eq, Debug, strum::EnumIter)]
pub enum Who {
    CompanyAdmin,
    InfraAdminOfX,
    /// Infra Admin of Y only.
    InfraAdminElsewhere,
    /// `member` on X.
    PlainMember,
    SupportContact,
    /// Deactivated, formerly Company Admin (and IA of X).
    Deactivated,
    /// IT user with the Administrator toggle; neither CA nor IA.
    Administrator,
    /// Invited, has not accepted: may only accept.
    PendingInvitee,
}

impl Who {
    pub fn actor(self) -> Actor {
        match self {
            Who::CompanyAdmin => by(CA),
            Who::InfraAdminOfX => by(IA_X),
            Who::InfraAdminElsewhere => by(IA_Y),
            Who::PlainMember => by(MEMBER),
            Who::SupportContact => Actor::SupportContact {
                email: email(CONTACT),
            },
            Who::Deactivated => by(FORMER_CA),
            Who::Administrator => by(ADMINISTRATOR),
            Who::PendingInvitee => by(PENDING),
        }
    }
}

/// One row of the table: who may, and the SPEC row that says so.
struct Row {
    allowed: &'static [Who],
    spec: &'static str,
}

const fn row(allowed: &'static [Who], spec: &'static str) -> Row {
    Row { allowed, spec }
}

/// Who may make each kind of op (on X, about a `member` of X). Everyone not listed must get
/// `forbidden`.
fn allowed(kind: OpKind) -> Row {
    use Who::*;
    match kind {
        OpKind::EditCompany
        | OpKind::AddSubscription
        | OpKind::EditSubscription
        | OpKind::AddInfrastructure
        | OpKind::EditInfrastructure
        | OpKind::AddEnvironment
        | OpKind::EditEnvironment => row(
            &[CompanyAdmin],
            "add or edit subscriptions, infrastructures and environments: Company Admin only",
        ),
        OpKind::RegisterEnvironmentSlot | OpKind::ReleaseEnvironmentSlot => row(
            &[CompanyAdmin, InfraAdminOfX],
            "register or release an environment slot on X: Company Admin and IA of X",
        ),
        OpKind::InviteMember => row(
            &[CompanyAdmin, InfraAdminOfX],
            "invite a member with a grant on X: Company Admin, IA of X (IA elsewhere: own infras only)",
        ),
        OpKind::ResendInvitation | OpKind::RevokeInvitation => row(
            &[CompanyAdmin, InfraAdminOfX],
            "manage an invitation: whoever could have invited that member with its grants on X",
        ),
        OpKind::AcceptInvitation => row(
            &[PendingInvitee],
            "accept an invitation: the invitee themself only",
        ),
        OpKind::SetCompanyAdmin => row(
            &[CompanyAdmin],
            "grant or revoke Company Admin: Company Admin only",
        ),
        OpKind::GrantPermission | OpKind::RevokePermission => row(
            &[CompanyAdmin, InfraAdminOfX],
            "grant or revoke a permission on X: Company Admin and IA of X",
        ),
        OpKind::SetSecurityContact | OpKind::ClearSecurityContact => row(
            &[CompanyAdmin, InfraAdminOfX, InfraAdminElsewhere],
            "set or clear a security contact: Company Admin and any Infra Admin",
        ),
        OpKind::EditProfile => row(
            &[CompanyAdmin],
            "edit another member's profile: Company Admin only (everyone may edit their own)",
        ),
        OpKind::DeactivateMember | OpKind::ReactivateMember | OpKind::DeleteMember => row(
            &[CompanyAdmin],
            "deactivate, reactivate, delete a member: Company Admin only",
        ),
        OpKind::SetAdministrator
        | OpKind::AddApp
        | OpKind::AddRole
        | OpKind::AssignRole
        | OpKind::RevokeRole => row(
            &[CompanyAdmin, Administrator],
            "toggle Administrator, create apps and roles, assign or revoke roles: Company Admins and Administrators",
        ),
        OpKind::RegisterSupportCase => row(
            &[InfraAdminOfX, PlainMember],
            "register a support case on X: IA of X, or anyone associated with X",
        ),
        OpKind::ApproveSupportCase => row(
            &[InfraAdminOfX],
            "approve a support case on X: IA of X (a Company Admin only if also IA of X)",
        ),
        OpKind::RemoveSupportContact => row(
            &[CompanyAdmin],
            "remove a support contact: Company Admin only",
        ),
    }
}

/// What `decide` must answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// `Ok`, with at least one change.
    Allowed,
    /// `Err(Refused(r))` with `r.code == forbidden`.
    Forbidden,
}

/// The expected outcome of the sample op of `kind` made by `who`.
fn expected(kind: OpKind, who: Who) -> Outcome {
    if allowed(kind).allowed.contains(&who) {
        Outcome::Allowed
    } else {
        Outcome::Forbidden
    }
}

/// An op of `kind` that is valid apart from who makes it, on X, about [`TARGET`] (`member`
/// on X) or the record the kind needs; for an allowed actor it changes something.
pub fn sample(kind: OpKind) -> Op {
    let text = |s: &str| s.to_owned();
    match kind {
        OpKind::EditCompany => Op::EditCompany {
            name: text("Example Group AG"),
        },
        OpKind::AddSubscription => Op::AddSubscription {
            id: roster_core::SubscriptionId::from_uuid(new_id(1)),
            name: text("Extra plan"),
            edition: Edition::Standard,
        },
        OpKind::EditSubscription => Op::EditSubscription {
            id: SUB_STANDARD,
            name: Some(text("Standard plan 2025")),
            edition: None,
        },
        OpKind::AddInfrastructure => Op::AddInfrastructure {
            id: roster_core::InfraId::from_uuid(new_id(2)),
            name: text("Z"),
            subscription: SUB_STANDARD,
            hosting: Hosting::Cloud,
        },
        OpKind::EditInfrastructure => Op::EditInfrastructure {
            id: X,
            name: Some(text("X prime")),
            subscription: None,
            hosting: None,
        },
        OpKind::AddEnvironment => Op::AddEnvironment {
            id: roster_core::EnvironmentId::from_uuid(new_id(3)),
            infra: X,
            name: text("Staging"),
            licence_expires: None,
        },
        OpKind::EditEnvironment => Op::EditEnvironment {
            id: ENV_FREE,
            name: Some(text("Dev")),
            licence_expires: None,
        },
        OpKind::RegisterEnvironmentSlot => Op::RegisterEnvironmentSlot { id: ENV_FREE },
        OpKind::ReleaseEnvironmentSlot => Op::ReleaseEnvironmentSlot { id: ENV_USED },
        OpKind::InviteMember => invite(
            false,
            vec![Grant {
                infra: X,
                level: Level::Member,
            }],
            vec![],
        ),
        OpKind::ResendInvitation => Op::ResendInvitation {
            member: PENDING,
            invitation: roster_core::InvitationId::from_uuid(new_id(5)),
        },
        OpKind::RevokeInvitation => Op::RevokeInvitation { member: PENDING },
        OpKind::AcceptInvitation => Op::AcceptInvitation { member: PENDING },
        OpKind::SetCompanyAdmin => Op::SetCompanyAdmin {
            member: TARGET,
            on: true,
        },
        OpKind::SetAdministrator => Op::SetAdministrator {
            member: TARGET,
            on: true,
        },
        OpKind::GrantPermission => Op::GrantPermission {
            member: TARGET,
            infra: X,
            level: Level::InfraAdmin,
        },
        OpKind::RevokePermission => Op::RevokePermission {
            member: TARGET,
            infra: X,
        },
        OpKind::SetSecurityContact => Op::SetSecurityContact {
            member: TARGET,
            phone: text("+41 44 668 18 01"),
        },
        OpKind::ClearSecurityContact => Op::ClearSecurityContact { member: TARGET },
        OpKind::EditProfile => Op::EditProfile {
            member: TARGET,
            name: text("Tess Target-Smith"),
        },
        OpKind::DeactivateMember => Op::DeactivateMember { member: TARGET },
        OpKind::ReactivateMember => Op::ReactivateMember { member: DORMANT },
        OpKind::DeleteMember => Op::DeleteMember { member: TARGET },
        OpKind::AddApp => Op::AddApp {
            id: roster_core::AppId::from_uuid(new_id(6)),
            name: text("Payroll"),
        },
        OpKind::AddRole => Op::AddRole {
            id: roster_core::RoleId::from_uuid(new_id(7)),
            app: APP,
            name: text("Auditor"),
        },
        OpKind::AssignRole => Op::AssignRole {
            member: TARGET,
            role: ROLE_2,
        },
        OpKind::RevokeRole => Op::RevokeRole {
            member: TARGET,
            role: ROLE_1,
        },
        OpKind::RegisterSupportCase => Op::RegisterSupportCase {
            id: roster_core::CaseId::from_uuid(new_id(8)),
            infra: X,
            title: text("Backups fail"),
            cc: vec![text("ops@partner.example.org")],
        },
        OpKind::ApproveSupportCase => Op::ApproveSupportCase { id: CASE_BY_MEMBER },
        OpKind::RemoveSupportContact => Op::RemoveSupportContact {
            email: text(CONTACT),
        },
    }
}

/// Inviting newcomer@example.com, an IT user, with these grants and Development permissions.
pub fn invite(company_admin: bool, grants: Vec<Grant>, dev: Vec<roster_core::InfraId>) -> Op {
    Op::InviteMember {
        id: roster_core::MemberId::from_uuid(new_id(4)),
        invitation: roster_core::InvitationId::from_uuid(new_id(9)),
        email: "newcomer@example.com".to_owned(),
        name: None,
        kind: MemberKind::ItUser,
        company_admin,
        grants,
        dev,
        roles: vec![],
    }
}

#[test]
fn every_op_kind_is_allowed_exactly_to_its_row_of_the_table() {
    let state = team_state();
    for kind in OpKind::iter() {
        let op = sample(kind);
        assert_eq!(op.kind(), kind, "sample({kind}) must build a {kind} op");
        let row = allowed(kind);
        for who in Who::iter() {
            let result = decide_at(&state, &who.actor(), T0, op.clone());
            if expected(kind, who) == Outcome::Allowed {
                let decision = result.unwrap_or_else(|r| {
                    panic!("{kind} by {who:?} must be allowed ({}), got {r}", row.spec)
                });
                assert!(
                    !decision.is_noop(),
                    "{kind} by {who:?}: the sample must change something, or the row proves nothing"
                );
            } else {
                let refusal = result.err().unwrap_or_else(|| {
                    panic!(
                        "{kind} by {who:?} must be forbidden ({}), but was accepted",
                        row.spec
                    )
                });
                assert_eq!(
                    refusal.code,
                    RefusalCode::Forbidden,
                    "{kind} by {who:?} must be refused as forbidden ({}), not for another reason: {refusal}",
                    row.spec
                );
            }
        }
    }
}

#[test]
fn the_table_is_about_the_people_it_names() {
    // Guards the fixture the table relies on: the Company Admin is not IA of X, the plain
    // member and the target hold `member` on X, X is cloud hosting under a standard plan.
    let snapshot = crate::fixture::team();
    let level = |member, infra| {
        snapshot
            .permissions
            .iter()
            .find(|p| p.member == member && p.infra == infra)
            .map(|p| p.level)
    };
    assert_eq!(
        level(CA, X),
        None,
        "the fixture's Company Admin must hold nothing on X"
    );
    assert_eq!(
        level(MEMBER, X),
        Some(Level::Member),
        "the plain member is `member` on X"
    );
    assert_eq!(
        level(TARGET, X),
        Some(Level::Member),
        "ops target a `member` of X"
    );
    assert_eq!(level(IA_Y, X), None, "IA elsewhere holds nothing on X");
    let x = snapshot
        .infrastructures
        .iter()
        .find(|i| i.id == X)
        .expect("X exists");
    assert_eq!(x.hosting, Hosting::Cloud, "X is cloud hosted");
    assert_eq!(x.subscription, SUB_STANDARD, "X is under the standard plan");
}
