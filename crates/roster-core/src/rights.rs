//! Who is acting, and what they may do right now, read from the state at the moment of the
//! decision: the server decides with the rights it knows now, not those the client had.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{InfraId, MemberId};
use crate::model::{Level, Member, MemberKind, MemberStatus};
use crate::record::RecordKey;
use crate::state::State;
use crate::values::Email;

/// The person making a change or a read.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    Member {
        id: MemberId,
    },
    /// A support contact signed in to follow their cases; not a member.
    SupportContact {
        email: Email,
    },
}

/// An actor's effective rights. A member who is not active holds none (SPEC.md: "a
/// deactivated or deleted member may do nothing").
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Rights {
    pub member: Option<MemberId>,
    pub kind: Option<MemberKind>,
    pub status: Option<MemberStatus>,
    pub company_admin: bool,
    pub administrator: bool,
    /// Infrastructures the actor administers.
    pub infra_admin: BTreeSet<InfraId>,
    /// Infrastructures the actor is associated with: any permission or a Development one.
    pub associated: BTreeSet<InfraId>,
    pub support_contact: Option<Email>,
}

impl Rights {
    /// Reads the actor's rights from the state. An unknown member has none.
    pub fn load<S: State>(state: &S, actor: &Actor) -> Result<Self, S::Error> {
        let id = match actor {
            Actor::SupportContact { email } => {
                let known = state.support_contact(email)?.is_some();
                return Ok(Self {
                    support_contact: known.then(|| email.clone()),
                    ..Self::default()
                });
            }
            Actor::Member { id } => *id,
        };
        let Some(member) = state.member(id)? else {
            return Ok(Self::default());
        };
        Self::of_member(state, &member)
    }

    /// Whether a change to the record `key` names can change what [`Rights::load`] reads
    /// for `actor`: their member record, permissions and dev permissions, or their support
    /// contact record. Rights kept across ops must be read again after such a change; keep
    /// this in step with `load`.
    pub fn rest_on(actor: &Actor, key: &RecordKey) -> bool {
        match (actor, key) {
            (Actor::Member { id }, RecordKey::Member { id: member })
            | (
                Actor::Member { id },
                RecordKey::Permission { member, .. } | RecordKey::DevPermission { member, .. },
            ) => member == id,
            (Actor::SupportContact { email }, RecordKey::SupportContact { email: contact }) => {
                *contact == email.key()
            }
            _ => false,
        }
    }

    fn of_member<S: State>(state: &S, member: &Member) -> Result<Self, S::Error> {
        let mut rights = Self {
            member: Some(member.id),
            kind: Some(member.kind),
            status: Some(member.status),
            ..Self::default()
        };
        if !member.is_active() {
            return Ok(rights);
        }
        rights.company_admin = member.company_admin;
        rights.administrator = member.administrator && member.kind == MemberKind::ItUser;
        for permission in state.permissions_of(member.id)? {
            rights.associated.insert(permission.infra);
            if permission.level == Level::InfraAdmin {
                rights.infra_admin.insert(permission.infra);
            }
        }
        for dev in state.dev_permissions_of(member.id)? {
            rights.associated.insert(dev.infra);
        }
        Ok(rights)
    }

    pub fn is_active_member(&self) -> bool {
        self.status == Some(MemberStatus::Active)
    }

    pub fn is_company_admin(&self) -> bool {
        self.is_active_member() && self.company_admin
    }

    pub fn is_infra_admin_of(&self, infra: InfraId) -> bool {
        self.is_active_member() && self.infra_admin.contains(&infra)
    }

    pub fn is_infra_admin_anywhere(&self) -> bool {
        self.is_active_member() && !self.infra_admin.is_empty()
    }

    /// Company Admin or Infra Admin of `infra`: may grant and revoke on it.
    pub fn manages(&self, infra: InfraId) -> bool {
        self.is_company_admin() || self.is_infra_admin_of(infra)
    }

    /// Company Admins and Administrators: apps, roles, and the Administrator toggle.
    pub fn manages_apps(&self) -> bool {
        self.is_active_member() && (self.company_admin || self.administrator)
    }

    pub fn is_associated_with(&self, infra: InfraId) -> bool {
        self.is_active_member() && self.associated.contains(&infra)
    }

    pub fn is(&self, member: MemberId) -> bool {
        self.member == Some(member)
    }
}
