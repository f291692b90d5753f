//! An in-memory [`State`] that applies [`Change`]s: for tests, property tests and models of
//! sync. Lookups are linear where storage has indexes; it is not meant for large companies.

use std::collections::BTreeMap;
use std::convert::Infallible;

use crate::ids::{AppId, CaseId, EnvironmentId, InfraId, MemberId, RoleId, SubscriptionId};
use crate::model::{
    App, CaseContact, Company, DevPermission, Environment, Infrastructure, Invitation, Level,
    Member, Permission, Role, RoleAssignment, Subscription, SupportCase, SupportContact,
};
use crate::record::{Change, Record, RecordKey};
use crate::snapshot::Snapshot;
use crate::state::State;
use crate::values::{Email, Name};

/// Every record of a company, by key.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct MemoryState {
    records: BTreeMap<RecordKey, Record>,
}

impl MemoryState {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_snapshot(snapshot: &Snapshot) -> Self {
        let mut state = Self::new();
        for record in snapshot.records() {
            state.records.insert(record.key(), record);
        }
        state
    }

    /// Applies changes in order: each sets its record to `after`, or removes it.
    pub fn apply(&mut self, changes: &[Change]) {
        for change in changes {
            match (&change.after, change.key()) {
                (Some(after), _) => {
                    self.records.insert(after.key(), after.clone());
                }
                (None, Some(key)) => {
                    self.records.remove(&key);
                }
                (None, None) => {}
            }
        }
    }

    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values()
    }

    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.records.values().filter_map(|r| match r {
            Record::Member(m) => Some(m),
            _ => None,
        })
    }

    fn find<T>(&self, pick: impl Fn(&Record) -> Option<&T>) -> Option<T>
    where
        T: Clone,
    {
        self.records.values().find_map(|r| pick(r).cloned())
    }

    fn all<T>(&self, pick: impl Fn(&Record) -> Option<&T>) -> Vec<T>
    where
        T: Clone,
    {
        self.records
            .values()
            .filter_map(|r| pick(r).cloned())
            .collect()
    }

    fn get(&self, key: &RecordKey) -> Option<&Record> {
        self.records.get(key)
    }
}

macro_rules! by_key {
    ($self:ident, $key:expr, $variant:ident) => {
        Ok(match $self.get(&$key) {
            Some(Record::$variant(r)) => Some(r.clone()),
            _ => None,
        })
    };
}

impl State for MemoryState {
    type Error = Infallible;

    fn company(&self) -> Result<Option<Company>, Infallible> {
        by_key!(self, RecordKey::Company, Company)
    }

    fn member(&self, id: MemberId) -> Result<Option<Member>, Infallible> {
        by_key!(self, RecordKey::Member { id }, Member)
    }

    fn member_by_email(&self, email: &Email) -> Result<Option<Member>, Infallible> {
        Ok(self.members().find(|m| m.email.same_as(email)).cloned())
    }

    fn active_company_admins(&self) -> Result<u64, Infallible> {
        Ok(self
            .members()
            .filter(|m| m.is_active_company_admin())
            .count() as u64)
    }

    fn permission(&self, member: MemberId, infra: InfraId) -> Result<Option<Level>, Infallible> {
        Ok(match self.get(&RecordKey::Permission { member, infra }) {
            Some(Record::Permission(p)) => Some(p.level),
            _ => None,
        })
    }

    fn permissions_of(&self, member: MemberId) -> Result<Vec<Permission>, Infallible> {
        Ok(self.all(|r| match r {
            Record::Permission(p) if p.member == member => Some(p),
            _ => None,
        }))
    }

    fn dev_permissions_of(&self, member: MemberId) -> Result<Vec<DevPermission>, Infallible> {
        Ok(self.all(|r| match r {
            Record::DevPermission(d) if d.member == member => Some(d),
            _ => None,
        }))
    }

    fn has_dev_permissions(&self, infra: InfraId) -> Result<bool, Infallible> {
        Ok(self
            .records
            .values()
            .any(|r| matches!(r, Record::DevPermission(d) if d.infra == infra)))
    }

    fn subscription(&self, id: SubscriptionId) -> Result<Option<Subscription>, Infallible> {
        by_key!(self, RecordKey::Subscription { id }, Subscription)
    }

    fn subscription_by_name(&self, name: &Name) -> Result<Option<Subscription>, Infallible> {
        Ok(self.find(|r| match r {
            Record::Subscription(s) if s.name.key() == name.key() => Some(s),
            _ => None,
        }))
    }

    fn infrastructure(&self, id: InfraId) -> Result<Option<Infrastructure>, Infallible> {
        by_key!(self, RecordKey::Infrastructure { id }, Infrastructure)
    }

    fn infrastructure_by_name(&self, name: &Name) -> Result<Option<Infrastructure>, Infallible> {
        Ok(self.find(|r| match r {
            Record::Infrastructure(i) if i.name.key() == name.key() => Some(i),
            _ => None,
        }))
    }

    fn infrastructures_of(
        &self,
        subscription: SubscriptionId,
    ) -> Result<Vec<Infrastructure>, Infallible> {
        Ok(self.all(|r| match r {
            Record::Infrastructure(i) if i.subscription == subscription => Some(i),
            _ => None,
        }))
    }

    fn environment(&self, id: EnvironmentId) -> Result<Option<Environment>, Infallible> {
        by_key!(self, RecordKey::Environment { id }, Environment)
    }

    fn environment_by_name(
        &self,
        infra: InfraId,
        name: &Name,
    ) -> Result<Option<Environment>, Infallible> {
        Ok(self.find(|r| match r {
            Record::Environment(e) if e.infra == infra && e.name.key() == name.key() => Some(e),
            _ => None,
        }))
    }

    fn app(&self, id: AppId) -> Result<Option<App>, Infallible> {
        by_key!(self, RecordKey::App { id }, App)
    }

    fn app_by_name(&self, name: &Name) -> Result<Option<App>, Infallible> {
        Ok(self.find(|r| match r {
            Record::App(a) if a.name.key() == name.key() => Some(a),
            _ => None,
        }))
    }

    fn role(&self, id: RoleId) -> Result<Option<Role>, Infallible> {
        by_key!(self, RecordKey::Role { id }, Role)
    }

    fn role_by_name(&self, app: AppId, name: &Name) -> Result<Option<Role>, Infallible> {
        Ok(self.find(|r| match r {
            Record::Role(role) if role.app == app && role.name.key() == name.key() => Some(role),
            _ => None,
        }))
    }

    fn role_assignments_of(&self, member: MemberId) -> Result<Vec<RoleAssignment>, Infallible> {
        Ok(self.all(|r| match r {
            Record::RoleAssignment(a) if a.member == member => Some(a),
            _ => None,
        }))
    }

    fn invitation_of(&self, member: MemberId) -> Result<Option<Invitation>, Infallible> {
        by_key!(self, RecordKey::Invitation { member }, Invitation)
    }

    fn support_contact(&self, email: &Email) -> Result<Option<SupportContact>, Infallible> {
        by_key!(
            self,
            RecordKey::SupportContact { email: email.key() },
            SupportContact
        )
    }

    fn support_case(&self, id: CaseId) -> Result<Option<SupportCase>, Infallible> {
        by_key!(self, RecordKey::SupportCase { id }, SupportCase)
    }

    fn case_contacts_of(&self, email: &Email) -> Result<Vec<CaseContact>, Infallible> {
        Ok(self.all(|r| match r {
            Record::CaseContact(c) if c.contact.same_as(email) => Some(c),
            _ => None,
        }))
    }
}
