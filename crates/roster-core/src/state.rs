//! The read-only view of a company that [`crate::decide`] needs. Storage implements it over
//! its database (inside the write transaction, so the view cannot change under a decision);
//! [`crate::MemoryState`] implements it in memory.

use crate::ids::{AppId, CaseId, EnvironmentId, InfraId, MemberId, RoleId, SubscriptionId};
use crate::model::{
    App, CaseContact, Company, DevPermission, Environment, Infrastructure, Invitation, Level,
    Member, Permission, Role, RoleAssignment, Subscription, SupportCase, SupportContact,
};
use crate::values::{Email, Name};

/// Lookups by id return `None` for a record that does not exist. Lookups by name or e-mail
/// compare case-insensitively.
pub trait State {
    /// Why a lookup failed (I/O, corruption); never a rule.
    type Error;

    fn company(&self) -> Result<Option<Company>, Self::Error>;

    fn member(&self, id: MemberId) -> Result<Option<Member>, Self::Error>;
    fn member_by_email(&self, email: &Email) -> Result<Option<Member>, Self::Error>;
    /// How many members are active Company Admins (rule 1).
    fn active_company_admins(&self) -> Result<u64, Self::Error>;

    fn permission(&self, member: MemberId, infra: InfraId) -> Result<Option<Level>, Self::Error>;
    fn permissions_of(&self, member: MemberId) -> Result<Vec<Permission>, Self::Error>;
    fn dev_permissions_of(&self, member: MemberId) -> Result<Vec<DevPermission>, Self::Error>;
    /// Whether any member holds a Development permission on the infrastructure.
    fn has_dev_permissions(&self, infra: InfraId) -> Result<bool, Self::Error>;

    fn subscription(&self, id: SubscriptionId) -> Result<Option<Subscription>, Self::Error>;
    fn subscription_by_name(&self, name: &Name) -> Result<Option<Subscription>, Self::Error>;
    fn infrastructure(&self, id: InfraId) -> Result<Option<Infrastructure>, Self::Error>;
    fn infrastructure_by_name(&self, name: &Name) -> Result<Option<Infrastructure>, Self::Error>;
    fn infrastructures_of(
        &self,
        subscription: SubscriptionId,
    ) -> Result<Vec<Infrastructure>, Self::Error>;
    fn environment(&self, id: EnvironmentId) -> Result<Option<Environment>, Self::Error>;
    fn environment_by_name(
        &self,
        infra: InfraId,
        name: &Name,
    ) -> Result<Option<Environment>, Self::Error>;

    fn app(&self, id: AppId) -> Result<Option<App>, Self::Error>;
    fn app_by_name(&self, name: &Name) -> Result<Option<App>, Self::Error>;
    fn role(&self, id: RoleId) -> Result<Option<Role>, Self::Error>;
    fn role_by_name(&self, app: AppId, name: &Name) -> Result<Option<Role>, Self::Error>;
    fn role_assignments_of(&self, member: MemberId) -> Result<Vec<RoleAssignment>, Self::Error>;

    /// The member's latest invitation, if they were ever invited.
    fn invitation_of(&self, member: MemberId) -> Result<Option<Invitation>, Self::Error>;

    fn support_contact(&self, email: &Email) -> Result<Option<SupportContact>, Self::Error>;
    fn support_case(&self, id: CaseId) -> Result<Option<SupportCase>, Self::Error>;
    fn case_contacts_of(&self, email: &Email) -> Result<Vec<CaseContact>, Self::Error>;
}
