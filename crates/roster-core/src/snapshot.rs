//! A whole company at once: what a new workspace is seeded with (the bootstrap, the demo
//! company) and what a first sync downloads. [`Snapshot::check`] verifies the rules of
//! SPEC.md that hold between records, since a snapshot does not pass through
//! [`crate::decide`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{
    App, CaseContact, Company, DevPermission, Environment, Infrastructure, Invitation, Member,
    MemberKind, Permission, Role, RoleAssignment, Subscription, SupportCase, SupportContact,
};
use crate::record::Record;
use crate::refusal::{Refusal, RefusalCode};

#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub company: Company,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    #[serde(default)]
    pub infrastructures: Vec<Infrastructure>,
    #[serde(default)]
    pub environments: Vec<Environment>,
    #[serde(default)]
    pub members: Vec<Member>,
    #[serde(default)]
    pub permissions: Vec<Permission>,
    #[serde(default)]
    pub dev_permissions: Vec<DevPermission>,
    #[serde(default)]
    pub apps: Vec<App>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    #[serde(default)]
    pub support_contacts: Vec<SupportContact>,
    #[serde(default)]
    pub support_cases: Vec<SupportCase>,
    #[serde(default)]
    pub case_contacts: Vec<CaseContact>,
}

impl Snapshot {
    pub fn new(company: Company) -> Self {
        Self {
            company,
            subscriptions: Vec::new(),
            infrastructures: Vec::new(),
            environments: Vec::new(),
            members: Vec::new(),
            permissions: Vec::new(),
            dev_permissions: Vec::new(),
            apps: Vec::new(),
            roles: Vec::new(),
            role_assignments: Vec::new(),
            invitations: Vec::new(),
            support_contacts: Vec::new(),
            support_cases: Vec::new(),
            case_contacts: Vec::new(),
        }
    }

    /// Every record, parents before children, in the order storage must insert them.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        std::iter::once(Record::Company(self.company.clone()))
            .chain(self.subscriptions.iter().cloned().map(Record::from))
            .chain(self.infrastructures.iter().cloned().map(Record::from))
            .chain(self.environments.iter().cloned().map(Record::from))
            .chain(self.members.iter().cloned().map(Record::from))
            .chain(self.permissions.iter().cloned().map(Record::from))
            .chain(self.dev_permissions.iter().cloned().map(Record::from))
            .chain(self.apps.iter().cloned().map(Record::from))
            .chain(self.roles.iter().cloned().map(Record::from))
            .chain(self.role_assignments.iter().cloned().map(Record::from))
            .chain(self.invitations.iter().cloned().map(Record::from))
            .chain(self.support_contacts.iter().cloned().map(Record::from))
            .chain(self.support_cases.iter().cloned().map(Record::from))
            .chain(self.case_contacts.iter().cloned().map(Record::from))
    }

    /// Checks rules 1, 2 and 3 across the whole snapshot.
    pub fn check(&self) -> Result<(), Refusal> {
        if !self.members.iter().any(Member::is_active_company_admin) {
            return Err(Refusal::new(
                RefusalCode::LastCompanyAdmin,
                "The company has no active Company Admin; every company needs one.",
            ));
        }
        let mut emails = BTreeSet::new();
        for member in &self.members {
            if !emails.insert(member.email.key()) {
                return Err(Refusal::new(
                    RefusalCode::DuplicateEmail,
                    format!("{} appears twice among the members.", member.email),
                ));
            }
        }
        let editions: BTreeMap<_, _> = self
            .subscriptions
            .iter()
            .map(|s| (s.id, s.edition))
            .collect();
        let infras: BTreeMap<_, _> = self.infrastructures.iter().map(|i| (i.id, i)).collect();
        let kinds: BTreeMap<_, _> = self.members.iter().map(|m| (m.id, m.kind)).collect();
        for dev in &self.dev_permissions {
            let allowed = infras.get(&dev.infra).is_some_and(|infra| {
                infra.hosting.allows_development()
                    && editions
                        .get(&infra.subscription)
                        .is_some_and(|e| e.allows_development())
            }) && kinds.get(&dev.member) == Some(&MemberKind::ItUser);
            if !allowed {
                return Err(Refusal::new(
                    RefusalCode::DevPermissionNotAllowed,
                    "A Development permission is held where rule 3 forbids it.",
                ));
            }
        }
        Ok(())
    }
}
