//! Every change SPEC.md allows, as one enum. An op says what was asked, with the raw text
//! a person typed (e-mails, names, phones): [`crate::decide`] validates it, so a refusal
//! carries the same stable code whether the op came from the CLI, the app or the wire.

use serde::{Deserialize, Serialize};

use crate::expect::Expect;
use crate::ids::{
    AppId, CaseId, DeviceId, EnvironmentId, InfraId, InvitationId, MemberId, OpId, RoleId,
    SubscriptionId,
};
use crate::model::{Edition, Hosting, Level, MemberKind};
use crate::rights::Actor;
use crate::values::{Date, Timestamp};

/// One op as made on one device: who, where, when, what. The id is made by the client
/// (UUIDv7) and lets the server apply the op at most once.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub id: OpId,
    pub actor: Actor,
    pub device: DeviceId,
    pub at: Timestamp,
    pub op: Op,
    /// What the op found when it was made on its device (see [`crate::expect`]); empty for
    /// an op decided where it is made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expects: Vec<Expect>,
}

/// A permission that comes with an invitation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Grant {
    pub infra: InfraId,
    pub level: Level,
}

/// Every change SPEC.md allows. Ids of records an op creates are chosen by the client.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize, strum::EnumDiscriminants)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[strum_discriminants(
    name(OpKind),
    derive(
        Hash,
        PartialOrd,
        Ord,
        Serialize,
        Deserialize,
        strum::EnumIter,
        strum::Display,
        strum::IntoStaticStr
    ),
    serde(rename_all = "snake_case"),
    strum(serialize_all = "snake_case")
)]
pub enum Op {
    EditCompany {
        name: String,
    },
    AddSubscription {
        id: SubscriptionId,
        name: String,
        edition: Edition,
    },
    EditSubscription {
        id: SubscriptionId,
        name: Option<String>,
        edition: Option<Edition>,
    },
    AddInfrastructure {
        id: InfraId,
        name: String,
        subscription: SubscriptionId,
        hosting: Hosting,
    },
    EditInfrastructure {
        id: InfraId,
        name: Option<String>,
        subscription: Option<SubscriptionId>,
        hosting: Option<Hosting>,
    },
    AddEnvironment {
        id: EnvironmentId,
        infra: InfraId,
        name: String,
        licence_expires: Option<Date>,
    },
    /// `licence_expires: Some(None)` clears the expiry.
    EditEnvironment {
        id: EnvironmentId,
        name: Option<String>,
        licence_expires: Option<Option<Date>>,
    },
    RegisterEnvironmentSlot {
        id: EnvironmentId,
    },
    ReleaseEnvironmentSlot {
        id: EnvironmentId,
    },
    /// Adds a pending member with the grants that come with the invitation.
    InviteMember {
        id: MemberId,
        invitation: InvitationId,
        email: String,
        name: Option<String>,
        kind: MemberKind,
        company_admin: bool,
        grants: Vec<Grant>,
        /// Infrastructures to get a Development permission on (only now, rule 3).
        dev: Vec<InfraId>,
        roles: Vec<RoleId>,
    },
    /// Sends a new link; the old one stops working (rule 5).
    ResendInvitation {
        member: MemberId,
        invitation: InvitationId,
    },
    RevokeInvitation {
        member: MemberId,
    },
    /// The invitee sets a password (checked by the server) and becomes active.
    AcceptInvitation {
        member: MemberId,
    },
    SetCompanyAdmin {
        member: MemberId,
        on: bool,
    },
    SetAdministrator {
        member: MemberId,
        on: bool,
    },
    GrantPermission {
        member: MemberId,
        infra: InfraId,
        level: Level,
    },
    RevokePermission {
        member: MemberId,
        infra: InfraId,
    },
    SetSecurityContact {
        member: MemberId,
        phone: String,
    },
    ClearSecurityContact {
        member: MemberId,
    },
    EditProfile {
        member: MemberId,
        name: String,
    },
    DeactivateMember {
        member: MemberId,
    },
    ReactivateMember {
        member: MemberId,
    },
    DeleteMember {
        member: MemberId,
    },
    AddApp {
        id: AppId,
        name: String,
    },
    AddRole {
        id: RoleId,
        app: AppId,
        name: String,
    },
    AssignRole {
        member: MemberId,
        role: RoleId,
    },
    RevokeRole {
        member: MemberId,
        role: RoleId,
    },
    RegisterSupportCase {
        id: CaseId,
        infra: InfraId,
        title: String,
        cc: Vec<String>,
    },
    ApproveSupportCase {
        id: CaseId,
    },
    RemoveSupportContact {
        email: String,
    },
}

impl Op {
    pub fn kind(&self) -> OpKind {
        self.into()
    }
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
