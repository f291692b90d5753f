//! A [`Snapshot`] in pieces, as a first sync streams it: the company first, then runs of
//! records of one kind, parents before children. A device stores each piece as it arrives
//! instead of waiting for the whole company, and puts the pieces back together
//! ([`Assembly`]) to check the whole before it commits.

use serde::{Deserialize, Serialize};

use crate::model::{
    App, CaseContact, Company, DevPermission, Environment, Infrastructure, Invitation, Member,
    Permission, Role, RoleAssignment, Subscription, SupportCase, SupportContact,
};
use crate::refusal::{Refusal, RefusalCode};
use crate::snapshot::Snapshot;

/// One piece of a snapshot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotPart {
    Company(Company),
    Subscriptions(Vec<Subscription>),
    Infrastructures(Vec<Infrastructure>),
    Environments(Vec<Environment>),
    Members(Vec<Member>),
    Permissions(Vec<Permission>),
    DevPermissions(Vec<DevPermission>),
    Apps(Vec<App>),
    Roles(Vec<Role>),
    RoleAssignments(Vec<RoleAssignment>),
    Invitations(Vec<Invitation>),
    SupportContacts(Vec<SupportContact>),
    SupportCases(Vec<SupportCase>),
    CaseContacts(Vec<CaseContact>),
}

impl SnapshotPart {
    /// How many records the piece holds.
    pub fn len(&self) -> usize {
        match self {
            Self::Company(_) => 1,
            Self::Subscriptions(v) => v.len(),
            Self::Infrastructures(v) => v.len(),
            Self::Environments(v) => v.len(),
            Self::Members(v) => v.len(),
            Self::Permissions(v) => v.len(),
            Self::DevPermissions(v) => v.len(),
            Self::Apps(v) => v.len(),
            Self::Roles(v) => v.len(),
            Self::RoleAssignments(v) => v.len(),
            Self::Invitations(v) => v.len(),
            Self::SupportContacts(v) => v.len(),
            Self::SupportCases(v) => v.len(),
            Self::CaseContacts(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Snapshot {
    /// The snapshot as pieces of at most `size` records (at least one), company first, each
    /// kind in the order it is held, parents before children.
    pub fn into_parts(self, size: usize) -> Vec<SnapshotPart> {
        fn runs<T>(
            parts: &mut Vec<SnapshotPart>,
            records: Vec<T>,
            size: usize,
            wrap: fn(Vec<T>) -> SnapshotPart,
        ) {
            let mut records = records.into_iter().peekable();
            while records.peek().is_some() {
                parts.push(wrap(records.by_ref().take(size).collect()));
            }
        }
        let size = size.max(1);
        let mut parts = vec![SnapshotPart::Company(self.company)];
        runs(
            &mut parts,
            self.subscriptions,
            size,
            SnapshotPart::Subscriptions,
        );
        runs(
            &mut parts,
            self.infrastructures,
            size,
            SnapshotPart::Infrastructures,
        );
        runs(
            &mut parts,
            self.environments,
            size,
            SnapshotPart::Environments,
        );
        runs(&mut parts, self.members, size, SnapshotPart::Members);
        runs(
            &mut parts,
            self.permissions,
            size,
            SnapshotPart::Permissions,
        );
        runs(
            &mut parts,
            self.dev_permissions,
            size,
            SnapshotPart::DevPermissions,
        );
        runs(&mut parts, self.apps, size, SnapshotPart::Apps);
        runs(&mut parts, self.roles, size, SnapshotPart::Roles);
        runs(
            &mut parts,
            self.role_assignments,
            size,
            SnapshotPart::RoleAssignments,
        );
        runs(
            &mut parts,
            self.invitations,
            size,
            SnapshotPart::Invitations,
        );
        runs(
            &mut parts,
            self.support_contacts,
            size,
            SnapshotPart::SupportContacts,
        );
        runs(
            &mut parts,
            self.support_cases,
            size,
            SnapshotPart::SupportCases,
        );
        runs(
            &mut parts,
            self.case_contacts,
            size,
            SnapshotPart::CaseContacts,
        );
        parts
    }
}

/// Pieces put back together into a [`Snapshot`]. The company must come first; the rest
/// may come in any order and any number of pieces.
#[derive(Debug, Default)]
pub struct Assembly {
    snapshot: Option<Snapshot>,
}

impl Assembly {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a piece. Refuses a second company, and records before the company.
    pub fn add(&mut self, part: SnapshotPart) -> Result<(), Refusal> {
        let Some(snapshot) = &mut self.snapshot else {
            return match part {
                SnapshotPart::Company(company) => {
                    self.snapshot = Some(Snapshot::new(company));
                    Ok(())
                }
                _ => Err(Refusal::new(
                    RefusalCode::InvalidInput,
                    "The snapshot's records came before its company.",
                )),
            };
        };
        match part {
            SnapshotPart::Company(_) => {
                return Err(Refusal::new(
                    RefusalCode::InvalidInput,
                    "The snapshot holds its company twice.",
                ));
            }
            SnapshotPart::Subscriptions(v) => snapshot.subscriptions.extend(v),
            SnapshotPart::Infrastructures(v) => snapshot.infrastructures.extend(v),
            SnapshotPart::Environments(v) => snapshot.environments.extend(v),
            SnapshotPart::Members(v) => snapshot.members.extend(v),
            SnapshotPart::Permissions(v) => snapshot.permissions.extend(v),
            SnapshotPart::DevPermissions(v) => snapshot.dev_permissions.extend(v),
            SnapshotPart::Apps(v) => snapshot.apps.extend(v),
            SnapshotPart::Roles(v) => snapshot.roles.extend(v),
            SnapshotPart::RoleAssignments(v) => snapshot.role_assignments.extend(v),
            SnapshotPart::Invitations(v) => snapshot.invitations.extend(v),
            SnapshotPart::SupportContacts(v) => snapshot.support_contacts.extend(v),
            SnapshotPart::SupportCases(v) => snapshot.support_cases.extend(v),
            SnapshotPart::CaseContacts(v) => snapshot.case_contacts.extend(v),
        }
        Ok(())
    }

    /// The snapshot, unchecked; refused if no company came.
    pub fn finish(self) -> Result<Snapshot, Refusal> {
        self.snapshot.ok_or_else(|| {
            Refusal::new(
                RefusalCode::NotFound,
                "The snapshot is incomplete: it names no company.",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Name;

    fn company() -> Company {
        Company {
            name: Name::parse("Example AG").expect("a valid name"),
        }
    }

    #[test]
    fn pieces_put_back_together_are_the_snapshot() {
        let mut snapshot = Snapshot::new(company());
        snapshot.apps = (0..5)
            .map(|i| App {
                id: crate::AppId::from_uuid(uuid::Uuid::from_u128(i)),
                name: Name::parse(&format!("App {i}")).expect("a valid name"),
            })
            .collect();
        let parts = snapshot.clone().into_parts(2);
        assert_eq!(
            parts.iter().map(SnapshotPart::len).collect::<Vec<_>>(),
            [1, 2, 2, 1],
            "the company, then runs of at most two apps"
        );
        let mut assembly = Assembly::new();
        for part in parts {
            assembly.add(part).expect("in order");
        }
        assert_eq!(assembly.finish().expect("whole"), snapshot);
    }

    #[test]
    fn records_before_the_company_or_a_second_company_are_refused() {
        let mut assembly = Assembly::new();
        let early = assembly
            .add(SnapshotPart::Apps(Vec::new()))
            .expect_err("no company yet");
        assert_eq!(early.code, RefusalCode::InvalidInput);
        assembly
            .add(SnapshotPart::Company(company()))
            .expect("the company");
        let twice = assembly
            .add(SnapshotPart::Company(company()))
            .expect_err("twice");
        assert_eq!(twice.code, RefusalCode::InvalidInput);
        assert_eq!(
            Assembly::new().finish().expect_err("nothing came").code,
            RefusalCode::NotFound
        );
    }
}
