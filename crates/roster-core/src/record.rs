//! The unit of change: one record before and after. Storage applies changes; the audit
//! trail keeps them; sync ships them. A change with no `after` removes the record.

use serde::{Deserialize, Serialize};

use crate::ids::{AppId, CaseId, EnvironmentId, InfraId, MemberId, RoleId, SubscriptionId};
use crate::model::{
    App, CaseContact, Company, DevPermission, Environment, Infrastructure, Invitation, Member,
    Permission, Role, RoleAssignment, Subscription, SupportCase, SupportContact,
};

/// Any stored record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Company(Company),
    Subscription(Subscription),
    Infrastructure(Infrastructure),
    Environment(Environment),
    Member(Member),
    Permission(Permission),
    DevPermission(DevPermission),
    App(App),
    Role(Role),
    RoleAssignment(RoleAssignment),
    Invitation(Invitation),
    SupportContact(SupportContact),
    SupportCase(SupportCase),
    CaseContact(CaseContact),
}

/// What names a record: two records with the same key are versions of one record.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RecordKey {
    Company,
    Subscription {
        id: SubscriptionId,
    },
    Infrastructure {
        id: InfraId,
    },
    Environment {
        id: EnvironmentId,
    },
    Member {
        id: MemberId,
    },
    Permission {
        member: MemberId,
        infra: InfraId,
    },
    DevPermission {
        member: MemberId,
        infra: InfraId,
    },
    App {
        id: AppId,
    },
    Role {
        id: RoleId,
    },
    RoleAssignment {
        member: MemberId,
        role: RoleId,
    },
    /// A member has at most one invitation; a resend replaces it with a new id.
    Invitation {
        member: MemberId,
    },
    /// Support contacts are keyed by their e-mail, compared case-insensitively.
    SupportContact {
        email: String,
    },
    SupportCase {
        id: CaseId,
    },
    CaseContact {
        case: CaseId,
        email: String,
    },
}

impl Record {
    pub fn key(&self) -> RecordKey {
        match self {
            Self::Company(_) => RecordKey::Company,
            Self::Subscription(r) => RecordKey::Subscription { id: r.id },
            Self::Infrastructure(r) => RecordKey::Infrastructure { id: r.id },
            Self::Environment(r) => RecordKey::Environment { id: r.id },
            Self::Member(r) => RecordKey::Member { id: r.id },
            Self::Permission(r) => RecordKey::Permission {
                member: r.member,
                infra: r.infra,
            },
            Self::DevPermission(r) => RecordKey::DevPermission {
                member: r.member,
                infra: r.infra,
            },
            Self::App(r) => RecordKey::App { id: r.id },
            Self::Role(r) => RecordKey::Role { id: r.id },
            Self::RoleAssignment(r) => RecordKey::RoleAssignment {
                member: r.member,
                role: r.role,
            },
            Self::Invitation(r) => RecordKey::Invitation { member: r.member },
            Self::SupportContact(r) => RecordKey::SupportContact {
                email: r.email.key(),
            },
            Self::SupportCase(r) => RecordKey::SupportCase { id: r.id },
            Self::CaseContact(r) => RecordKey::CaseContact {
                case: r.case,
                email: r.contact.key(),
            },
        }
    }
}

/// One record before and after a change: `before: None` creates it, `after: None` removes it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Change {
    pub before: Option<Record>,
    pub after: Option<Record>,
}

impl Change {
    pub fn create(record: impl Into<Record>) -> Self {
        Self {
            before: None,
            after: Some(record.into()),
        }
    }

    pub fn update(before: impl Into<Record>, after: impl Into<Record>) -> Self {
        Self {
            before: Some(before.into()),
            after: Some(after.into()),
        }
    }

    pub fn remove(record: impl Into<Record>) -> Self {
        Self {
            before: Some(record.into()),
            after: None,
        }
    }

    /// The change as a replica needs it: the record after, or for a removal the record
    /// before (whose key names what goes). What an updated record was before is left out:
    /// the replica holds it already, and it is half the bytes of a pulled change.
    pub fn replicated(&self) -> Self {
        match &self.after {
            Some(after) => Self {
                before: None,
                after: Some(after.clone()),
            },
            None => self.clone(),
        }
    }

    /// The key of the record this change touches.
    pub fn key(&self) -> Option<RecordKey> {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .map(Record::key)
    }
}

macro_rules! into_record {
    ($($variant:ident),+) => {
        $(impl From<$variant> for Record {
            fn from(value: $variant) -> Self {
                Self::$variant(value)
            }
        })+
    };
}

into_record!(
    Company,
    Subscription,
    Infrastructure,
    Environment,
    Member,
    Permission,
    DevPermission,
    App,
    Role,
    RoleAssignment,
    Invitation,
    SupportContact,
    SupportCase,
    CaseContact
);
