//! The entities of SPEC.md, as records. Each field holds a validated value, so a record is
//! valid by construction; the relations between records are checked by [`crate::decide`].

use serde::{Deserialize, Serialize};

use crate::ids::{
    AppId, CaseId, EnvironmentId, InfraId, InvitationId, MemberId, RoleId, SubscriptionId,
};
use crate::values::{Date, Email, Name, Phone, Timestamp};

macro_rules! str_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize,
            strum::Display, strum::EnumString, strum::IntoStaticStr, strum::EnumIter,
        )]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}

str_enum!(
    /// A subscription's edition. `sentry` is the high-security edition: no Development
    /// permission on its infrastructures (rule 3).
    Edition { Standard, Enterprise, Sentry }
);
str_enum!(
    /// Where an infrastructure runs. Development permission needs `cloud` or `hybrid` (rule 3).
    Hosting { Cloud, Hybrid, SelfManaged }
);

impl Hosting {
    /// The hosting as people write it, for summaries a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::Cloud => "cloud",
            Self::Hybrid => "hybrid",
            Self::SelfManaged => "self-managed",
        }
    }
}
str_enum!(
    /// What a member is: an IT user administers and develops, an end user uses the apps.
    MemberKind { ItUser, EndUser }
);

impl MemberKind {
    /// The kind as people name it, for summaries a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::ItUser => "IT user",
            Self::EndUser => "end user",
        }
    }
}
str_enum!(
    /// Where a member stands. Deletion is not a state: a deleted member's records are removed
    /// and only the audit trail keeps them (SPEC.md: "gone").
    MemberStatus {
        /// Invited; has not created an account yet.
        Pending,
        Active,
        /// Kept, cannot sign in, holds no effective rights.
        Deactivated,
    }
);
str_enum!(
    /// A member's permission on one infrastructure.
    Level { InfraAdmin, Member }
);

impl Level {
    /// The level as SPEC.md and people name it, for summaries a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::InfraAdmin => "Infra Admin",
            Self::Member => "Member",
        }
    }
}
str_enum!(
    /// The stored state of an invitation. Expiry is a matter of time, see
    /// [`Invitation::state_at`].
    InvitationState { Pending, Accepted, Expired, Revoked }
);

impl Hosting {
    /// Rule 3: Development permission only on cloud or hybrid infrastructures.
    pub fn allows_development(self) -> bool {
        matches!(self, Self::Cloud | Self::Hybrid)
    }
}

impl Edition {
    /// Rule 3: never Development permission under a sentry subscription.
    pub fn allows_development(self) -> bool {
        !matches!(self, Self::Sentry)
    }
}

impl Infrastructure {
    /// Rule 3 for an IT user invited onto this infrastructure under a subscription of
    /// `edition`: why a Development permission cannot be granted here, or `None` when it
    /// can. Front ends show the reason next to the infrastructure they do not offer.
    pub fn why_no_development(&self, edition: Edition) -> Option<String> {
        if !self.hosting.allows_development() {
            Some(format!(
                "“{}” is {}; Development permission needs a cloud or hybrid infrastructure",
                self.name,
                self.hosting.to_string().replace('_', "-")
            ))
        } else if !edition.allows_development() {
            Some(format!(
                "“{}” is under a sentry subscription, which never allows Development permission",
                self.name
            ))
        } else {
            None
        }
    }
}

/// The company: one per server and per workspace.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Company {
    pub name: Name,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub name: Name,
    pub edition: Edition,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Infrastructure {
    pub id: InfraId,
    pub name: Name,
    pub subscription: SubscriptionId,
    pub hosting: Hosting,
}

/// A stage of an infrastructure. While `slot_registered` it occupies a licence slot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Environment {
    pub id: EnvironmentId,
    pub infra: InfraId,
    pub name: Name,
    pub slot_registered: bool,
    pub licence_expires: Option<Date>,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Member {
    pub id: MemberId,
    pub email: Email,
    pub name: Name,
    pub kind: MemberKind,
    pub status: MemberStatus,
    pub company_admin: bool,
    /// The organization permission "Administrator"; IT users only.
    pub administrator: bool,
    pub phone: Option<Phone>,
    /// Holds the role `security`; always has a phone (rule 6).
    pub security_contact: bool,
    pub created_at: Timestamp,
}

impl Member {
    /// The first Company Admin, set when a company is created (SPEC.md, Bootstrap): an
    /// active IT user.
    pub fn first_company_admin(id: MemberId, email: Email, name: Name, at: Timestamp) -> Self {
        Self {
            id,
            email,
            name,
            kind: MemberKind::ItUser,
            status: MemberStatus::Active,
            company_admin: true,
            administrator: false,
            phone: None,
            security_contact: false,
            created_at: at,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == MemberStatus::Active
    }

    /// Counts towards rule 1.
    pub fn is_active_company_admin(&self) -> bool {
        self.is_active() && self.company_admin
    }
}

/// A member's permission on an infrastructure. No record means no permission.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Permission {
    pub member: MemberId,
    pub infra: InfraId,
    pub level: Level,
}

/// A developer account on an infrastructure's console, granted only when the member was
/// added (rule 3).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct DevPermission {
    pub member: MemberId,
    pub infra: InfraId,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct App {
    pub id: AppId,
    pub name: Name,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Role {
    pub id: RoleId,
    pub app: AppId,
    pub name: Name,
}

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct RoleAssignment {
    pub member: MemberId,
    pub role: RoleId,
}

/// The state of a member's invitation. The token itself exists only on the server, hashed.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub member: MemberId,
    pub state: InvitationState,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Invitation {
    /// The state as seen at `now`: a pending invitation past its expiry is expired.
    pub fn state_at(&self, now: Timestamp) -> InvitationState {
        if self.state == InvitationState::Pending && now >= self.expires_at {
            InvitationState::Expired
        } else {
            self.state
        }
    }
}

/// A person in cc of support cases; not a member, may have no account. Identified by e-mail.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SupportContact {
    pub email: Email,
    pub name: Option<Name>,
}

/// A support case registered by a member on an infrastructure.
///
/// Decision: a case registered by someone who is not an Infra Admin of its infrastructure
/// is "unauthorized" and waits for an Infra Admin of that infrastructure to approve it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SupportCase {
    pub id: CaseId,
    pub infra: InfraId,
    pub reporter: MemberId,
    pub title: Name,
    pub needs_approval: bool,
    pub opened_at: Timestamp,
}

/// A support contact in cc of a case.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct CaseContact {
    pub case: CaseId,
    pub contact: Email,
}
