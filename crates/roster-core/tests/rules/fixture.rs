//! The company the tests start from, and small helpers to decide ops on it.
//!
//! Every id is `Uuid::from_u128(n)`, so failures name the same records on every run. The
//! "team" company has one person per row of SPEC.md's "who may do what" table:
//!
//! | who | what they hold |
//! |---|---|
//! | [`CA`] | active Company Admin; no permission on any infrastructure (so not IA of X) |
//! | [`IA_X`] | `infra_admin` on [`X`] |
//! | [`IA_Y`] | `infra_admin` on [`Y`] only ("IA elsewhere") |
//! | [`MEMBER`] | `member` on [`X`] |
//! | [`CONTACT`] | support contact in cc of [`CASE_BY_MEMBER`]; not a member |
//! | [`FORMER_CA`] | deactivated; still flagged Company Admin and `infra_admin` on X |
//! | [`ADMINISTRATOR`] | IT user with the Administrator toggle; not CA, not IA |
//! | [`PENDING`] | invited with `member` on X; has not accepted yet |
//!
//! and the records ops act on: [`TARGET`] (`member` on X, security contact, holds
//! [`ROLE_1`]), [`DORMANT`] (deactivated, `member` on X), environments, an app, cases.

use roster_core::{
    Actor, App, CaseContact, CaseId, Company, Decision, DeviceId, Edition, Email, Environment,
    EnvironmentId, Hosting, InfraId, Infrastructure, Invitation, InvitationId, InvitationState,
    Level, Member, MemberId, MemberKind, MemberStatus, MemoryState, Name, Op, OpId, Permission,
    Phone, Refusal, RefusalCode, Rejection, Role, RoleAssignment, RoleId, Snapshot, Subscription,
    SubscriptionId, SupportCase, SupportContact, Timestamp, decide,
};
use uuid::Uuid;

/// When every op of the tests is made, unless a test says otherwise: 2025-01-01T00:00:00Z.
pub const T0: Timestamp = Timestamp::from_unix_millis(1_735_689_600_000);

const fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub const SUB_STANDARD: SubscriptionId = SubscriptionId::from_uuid(uuid(0x100));
pub const SUB_SENTRY: SubscriptionId = SubscriptionId::from_uuid(uuid(0x101));

/// Cloud hosting, standard edition: Development permission allowed (rule 3).
pub const X: InfraId = InfraId::from_uuid(uuid(0x200));
/// Another cloud infrastructure of the standard subscription.
pub const Y: InfraId = InfraId::from_uuid(uuid(0x201));
/// Self-managed, standard edition: no Development permission (rule 3).
pub const SELF_MANAGED: InfraId = InfraId::from_uuid(uuid(0x202));
/// Cloud, under the sentry subscription: no Development permission (rule 3).
pub const UNDER_SENTRY: InfraId = InfraId::from_uuid(uuid(0x203));

pub const ENV_FREE: EnvironmentId = EnvironmentId::from_uuid(uuid(0x210));
pub const ENV_USED: EnvironmentId = EnvironmentId::from_uuid(uuid(0x211));

pub const CA: MemberId = MemberId::from_uuid(uuid(0x301));
pub const IA_X: MemberId = MemberId::from_uuid(uuid(0x302));
pub const IA_Y: MemberId = MemberId::from_uuid(uuid(0x303));
pub const MEMBER: MemberId = MemberId::from_uuid(uuid(0x304));
pub const FORMER_CA: MemberId = MemberId::from_uuid(uuid(0x305));
pub const ADMINISTRATOR: MemberId = MemberId::from_uuid(uuid(0x306));
pub const PENDING: MemberId = MemberId::from_uuid(uuid(0x307));
pub const TARGET: MemberId = MemberId::from_uuid(uuid(0x308));
pub const DORMANT: MemberId = MemberId::from_uuid(uuid(0x309));

pub const CONTACT: &str = "contact@partner.example.org";
pub const TARGET_EMAIL: &str = "tess.target@example.com";

pub const PENDING_INVITATION: InvitationId = InvitationId::from_uuid(uuid(0x400));
/// [`PENDING`]'s invitation was sent a day before [`T0`] and expires six days after it.
pub const PENDING_EXPIRES: Timestamp = T0.plus_days(6);

pub const APP: roster_core::AppId = roster_core::AppId::from_uuid(uuid(0x500));
/// Held by [`TARGET`].
pub const ROLE_1: RoleId = RoleId::from_uuid(uuid(0x501));
/// Held by nobody.
pub const ROLE_2: RoleId = RoleId::from_uuid(uuid(0x502));

/// On X, reported by [`MEMBER`], [`CONTACT`] in cc, waiting for approval.
pub const CASE_BY_MEMBER: CaseId = CaseId::from_uuid(uuid(0x600));
/// On X, reported by [`IA_X`].
pub const CASE_BY_IA_X: CaseId = CaseId::from_uuid(uuid(0x601));
/// On X, reported by [`IA_Y`] back when they still had a permission on X.
pub const CASE_BY_IA_Y: CaseId = CaseId::from_uuid(uuid(0x602));

/// A fresh id for a record an op creates; `n` keeps them apart within one test.
pub const fn new_id(n: u128) -> Uuid {
    uuid(0x1000 + n)
}

pub fn email(raw: &str) -> Email {
    Email::parse(raw).expect("fixture e-mails are valid")
}

fn name(raw: &str) -> Name {
    Name::parse(raw).expect("fixture names are valid")
}

/// An active IT user with no rights, created a month before [`T0`].
pub fn person(id: MemberId, address: &str) -> Member {
    let address = email(address);
    Member {
        id,
        name: name(address.local_part()),
        email: address,
        kind: MemberKind::ItUser,
        status: MemberStatus::Active,
        company_admin: false,
        administrator: false,
        phone: None,
        security_contact: false,
        created_at: T0.plus_days(-30),
    }
}

pub fn permission(member: MemberId, infra: InfraId, level: Level) -> Permission {
    Permission {
        member,
        infra,
        level,
    }
}

/// The company with its subscriptions and infrastructures, and no members yet.
pub fn setup() -> Snapshot {
    let mut snapshot = Snapshot::new(Company {
        name: name("Example AG"),
    });
    snapshot.subscriptions = vec![
        Subscription {
            id: SUB_STANDARD,
            name: name("Standard plan"),
            edition: Edition::Standard,
        },
        Subscription {
            id: SUB_SENTRY,
            name: name("Sentry plan"),
            edition: Edition::Sentry,
        },
    ];
    let infra = |id, label: &str, subscription, hosting| Infrastructure {
        id,
        name: name(label),
        subscription,
        hosting,
    };
    snapshot.infrastructures = vec![
        infra(X, "X", SUB_STANDARD, Hosting::Cloud),
        infra(Y, "Y", SUB_STANDARD, Hosting::Cloud),
        infra(
            SELF_MANAGED,
            "On premises",
            SUB_STANDARD,
            Hosting::SelfManaged,
        ),
        infra(UNDER_SENTRY, "Vault", SUB_SENTRY, Hosting::Cloud),
    ];
    snapshot
}

/// The team described at the top of this file. It passes [`Snapshot::check`].
pub fn team() -> Snapshot {
    let mut s = setup();
    s.environments = vec![
        Environment {
            id: ENV_FREE,
            infra: X,
            name: name("Development"),
            slot_registered: false,
            licence_expires: None,
        },
        Environment {
            id: ENV_USED,
            infra: X,
            name: name("Production"),
            slot_registered: true,
            licence_expires: Some(T0.plus_days(365).date()),
        },
    ];
    s.members = vec![
        Member {
            company_admin: true,
            ..person(CA, "carla.admin@example.com")
        },
        person(IA_X, "ian.x@example.com"),
        person(IA_Y, "yara.y@example.com"),
        person(MEMBER, "mo.member@example.com"),
        Member {
            status: MemberStatus::Deactivated,
            company_admin: true,
            ..person(FORMER_CA, "fred.former@example.com")
        },
        Member {
            administrator: true,
            ..person(ADMINISTRATOR, "ada.ministrator@example.com")
        },
        Member {
            status: MemberStatus::Pending,
            created_at: T0.plus_days(-1),
            ..person(PENDING, "penny.pending@example.com")
        },
        Member {
            phone: Some(Phone::parse("+41 44 668 18 00").expect("valid phone")),
            security_contact: true,
            ..person(TARGET, TARGET_EMAIL)
        },
        Member {
            status: MemberStatus::Deactivated,
            ..person(DORMANT, "dora.dormant@example.com")
        },
    ];
    s.permissions = vec![
        permission(IA_X, X, Level::InfraAdmin),
        permission(IA_Y, Y, Level::InfraAdmin),
        permission(MEMBER, X, Level::Member),
        permission(FORMER_CA, X, Level::InfraAdmin),
        permission(PENDING, X, Level::Member),
        permission(TARGET, X, Level::Member),
        permission(DORMANT, X, Level::Member),
    ];
    s.apps = vec![App {
        id: APP,
        name: name("Billing"),
    }];
    s.roles = vec![
        Role {
            id: ROLE_1,
            app: APP,
            name: name("Viewer"),
        },
        Role {
            id: ROLE_2,
            app: APP,
            name: name("Editor"),
        },
    ];
    s.role_assignments = vec![RoleAssignment {
        member: TARGET,
        role: ROLE_1,
    }];
    s.invitations = vec![Invitation {
        id: PENDING_INVITATION,
        member: PENDING,
        state: InvitationState::Pending,
        sent_at: T0.plus_days(-1),
        expires_at: PENDING_EXPIRES,
    }];
    s.support_contacts = vec![SupportContact {
        email: email(CONTACT),
        name: None,
    }];
    let case = |id, reporter, title: &str, needs_approval| SupportCase {
        id,
        infra: X,
        reporter,
        title: name(title),
        needs_approval,
        opened_at: T0.plus_days(-2),
    };
    s.support_cases = vec![
        case(CASE_BY_MEMBER, MEMBER, "Login page is slow", true),
        case(CASE_BY_IA_X, IA_X, "Disk almost full", false),
        case(CASE_BY_IA_Y, IA_Y, "Certificate renewal", true),
    ];
    s.case_contacts = vec![CaseContact {
        case: CASE_BY_MEMBER,
        contact: email(CONTACT),
    }];
    s.check()
        .expect("the team fixture obeys the rules of SPEC.md");
    s
}

pub fn team_state() -> MemoryState {
    MemoryState::from_snapshot(&team())
}

pub fn by(member: MemberId) -> Actor {
    Actor::Member { id: member }
}

/// Decides `op` made by `actor` at `at`, with the refusal unwrapped: [`MemoryState`] never
/// fails to read.
pub fn decide_at(
    state: &MemoryState,
    actor: &Actor,
    at: Timestamp,
    op: Op,
) -> Result<Decision, Refusal> {
    let envelope = roster_core::Envelope {
        id: OpId::from_uuid(uuid(0xF000)),
        actor: actor.clone(),
        device: DeviceId::from_uuid(uuid(0xF001)),
        at,
        op,
        expects: Vec::new(),
    };
    match decide(state, &envelope) {
        Ok(decision) => Ok(decision),
        Err(Rejection::Refused(refusal)) => Err(refusal),
        Err(Rejection::State(never)) => match never {},
    }
}

/// Decides `op` made by member `actor` at [`T0`].
pub fn decide_by(state: &MemoryState, actor: MemberId, op: Op) -> Result<Decision, Refusal> {
    decide_at(state, &by(actor), T0, op)
}

/// Decides and applies an op the test needs to succeed; `why` says why it must.
pub fn apply_by(state: &mut MemoryState, actor: MemberId, op: Op, why: &str) -> Decision {
    let decision = decide_by(state, actor, op).unwrap_or_else(|r| panic!("{why}: {r}"));
    state.apply(&decision.changes);
    decision
}

/// The refusal code of a result, `None` when the op was accepted.
pub fn code(result: &Result<Decision, Refusal>) -> Option<RefusalCode> {
    result.as_ref().err().map(|r| r.code)
}

/// Asserts the op was refused with `expected`; `why` is the rule that demands it.
pub fn assert_refused(result: &Result<Decision, Refusal>, expected: RefusalCode, why: &str) {
    assert_eq!(code(result), Some(expected), "{why}; got {result:#?}");
}
