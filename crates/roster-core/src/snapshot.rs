//! A whole company at once: what a new workspace is seeded with (the bootstrap, the demo
//! company) and what a first sync downloads. [`Snapshot::check`] verifies the rules of
//! SPEC.md that hold between records, since a snapshot does not pass through
//! [`crate::decide`], and that every record it names is in it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::Hash;

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

    /// Checks rules 1, 2 and 3 across the whole snapshot, and that every record it names
    /// is in it.
    pub fn check(&self) -> Result<(), Refusal> {
        self.check_references()?;
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

    /// Every id is unique within its kind and every reference names a record of the
    /// snapshot: storage loads a snapshot whole with its per-row foreign-key checks off, so
    /// this is the check those rows owe.
    fn check_references(&self) -> Result<(), Refusal> {
        let subscriptions = unique(self.subscriptions.iter().map(|s| s.id), "subscription")?;
        let infras = unique(self.infrastructures.iter().map(|i| i.id), "infrastructure")?;
        unique(self.environments.iter().map(|e| e.id), "environment")?;
        let members = unique(self.members.iter().map(|m| m.id), "member")?;
        let apps = unique(self.apps.iter().map(|a| a.id), "app")?;
        let roles = unique(self.roles.iter().map(|r| r.id), "role")?;
        let cases = unique(self.support_cases.iter().map(|c| c.id), "support case")?;
        let contacts = unique(
            self.support_contacts.iter().map(|c| c.email.key()),
            "support contact",
        )?;
        unique(
            self.permissions.iter().map(|p| (p.member, p.infra)),
            "member's permission on an infrastructure",
        )?;
        unique(
            self.invitations.iter().map(|i| i.member),
            "member's invitation",
        )?;
        let named = |present: bool, what: &str, whom: &str| {
            if present {
                Ok(())
            } else {
                Err(Refusal::new(
                    RefusalCode::NotFound,
                    format!("The snapshot is incomplete: {what} names {whom} that is not in it."),
                ))
            }
        };
        for i in &self.infrastructures {
            named(
                subscriptions.contains(&i.subscription),
                "an infrastructure",
                "a subscription",
            )?;
        }
        for e in &self.environments {
            named(
                infras.contains(&e.infra),
                "an environment",
                "an infrastructure",
            )?;
        }
        for p in &self.permissions {
            named(members.contains(&p.member), "a permission", "a member")?;
            named(
                infras.contains(&p.infra),
                "a permission",
                "an infrastructure",
            )?;
        }
        for d in &self.dev_permissions {
            named(
                members.contains(&d.member),
                "a Development permission",
                "a member",
            )?;
            named(
                infras.contains(&d.infra),
                "a Development permission",
                "an infrastructure",
            )?;
        }
        for r in &self.roles {
            named(apps.contains(&r.app), "a role", "an app")?;
        }
        for a in &self.role_assignments {
            named(members.contains(&a.member), "a role assignment", "a member")?;
            named(roles.contains(&a.role), "a role assignment", "a role")?;
        }
        for i in &self.invitations {
            named(members.contains(&i.member), "an invitation", "a member")?;
        }
        for c in &self.support_cases {
            named(
                infras.contains(&c.infra),
                "a support case",
                "an infrastructure",
            )?;
        }
        for c in &self.case_contacts {
            named(cases.contains(&c.case), "a case contact", "a support case")?;
            named(
                contacts.contains(&c.contact.key()),
                "a case contact",
                "a support contact",
            )?;
        }
        Ok(())
    }
}

/// The ids, or a refusal naming the kind that holds one twice.
fn unique<K: Eq + Hash>(ids: impl Iterator<Item = K>, kind: &str) -> Result<HashSet<K>, Refusal> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(Refusal::new(
                RefusalCode::InvalidInput,
                format!("The snapshot holds one {kind} twice."),
            ));
        }
    }
    Ok(seen)
}
