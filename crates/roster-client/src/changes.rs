//! Changes by the names people type. Each resolves names to records and runs one op; the
//! rules themselves are roster-core's.

use roster_core::{
    AppId, Date, Edition, EnvironmentId, Grant, Hosting, InfraId, InvitationId, Level, MemberId,
    MemberKind, Name, Op, RoleId, State, SubscriptionId,
};
use roster_store::Outcome;
use uuid::Uuid;

use crate::error::{ClientError, not_found};
use crate::session::Session;

/// An invitation as typed: infrastructures by name, roles as `APP/ROLE`.
#[derive(Debug, Clone)]
pub struct InviteRequest {
    pub email: String,
    pub name: Option<String>,
    pub kind: MemberKind,
    pub company_admin: bool,
    pub grants: Vec<(String, Level)>,
    /// Infrastructures to get a Development permission on.
    pub dev: Vec<String>,
    pub roles: Vec<String>,
}

impl Session {
    pub fn add_subscription(
        &mut self,
        name: &str,
        edition: Edition,
    ) -> Result<Outcome, ClientError> {
        let id = SubscriptionId::from_uuid(Uuid::now_v7());
        self.run(Op::AddSubscription {
            id,
            name: name.to_owned(),
            edition,
        })
    }

    pub fn add_infrastructure(
        &mut self,
        name: &str,
        subscription: &str,
        hosting: Hosting,
    ) -> Result<Outcome, ClientError> {
        let subscription = self.subscription_by_name(subscription)?.id;
        let id = InfraId::from_uuid(Uuid::now_v7());
        self.run(Op::AddInfrastructure {
            id,
            name: name.to_owned(),
            subscription,
            hosting,
        })
    }

    pub fn add_environment(
        &mut self,
        infra: &str,
        name: &str,
        licence_expires: Option<Date>,
    ) -> Result<Outcome, ClientError> {
        let infra = self.infrastructure_by_name(infra)?.id;
        let id = EnvironmentId::from_uuid(Uuid::now_v7());
        self.run(Op::AddEnvironment {
            id,
            infra,
            name: name.to_owned(),
            licence_expires,
        })
    }

    pub fn set_environment_slot(
        &mut self,
        infra: &str,
        environment: &str,
        registered: bool,
    ) -> Result<Outcome, ClientError> {
        let infra = self.infrastructure_by_name(infra)?;
        let name = Name::parse_as(environment, "environment name")?;
        let environment = self
            .workspace()
            .state()
            .environment_by_name(infra.id, &name)?
            .ok_or_else(|| {
                not_found(format!(
                    "Infrastructure “{}” has no environment “{name}”.",
                    infra.name
                ))
            })?;
        let id = environment.id;
        self.run(if registered {
            Op::RegisterEnvironmentSlot { id }
        } else {
            Op::ReleaseEnvironmentSlot { id }
        })
    }

    pub fn invite(&mut self, request: &InviteRequest) -> Result<Outcome, ClientError> {
        let grants = request
            .grants
            .iter()
            .map(|(infra, level)| {
                Ok(Grant {
                    infra: self.infrastructure_by_name(infra)?.id,
                    level: *level,
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        let dev = request
            .dev
            .iter()
            .map(|infra| Ok(self.infrastructure_by_name(infra)?.id))
            .collect::<Result<Vec<_>, ClientError>>()?;
        let roles = request
            .roles
            .iter()
            .map(|path| Ok(self.role_by_path(path)?.1.id))
            .collect::<Result<Vec<RoleId>, ClientError>>()?;
        self.run(Op::InviteMember {
            id: MemberId::from_uuid(Uuid::now_v7()),
            invitation: InvitationId::from_uuid(Uuid::now_v7()),
            email: request.email.clone(),
            name: request.name.clone(),
            kind: request.kind,
            company_admin: request.company_admin,
            grants,
            dev,
            roles,
        })
    }

    pub fn resend_invitation(&mut self, email: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::ResendInvitation {
            member,
            invitation: InvitationId::from_uuid(Uuid::now_v7()),
        })
    }

    pub fn revoke_invitation(&mut self, email: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::RevokeInvitation { member })
    }

    pub fn grant(
        &mut self,
        email: &str,
        infra: &str,
        level: Level,
    ) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        let infra = self.infrastructure_by_name(infra)?.id;
        self.run(Op::GrantPermission {
            member,
            infra,
            level,
        })
    }

    pub fn revoke(&mut self, email: &str, infra: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        let infra = self.infrastructure_by_name(infra)?.id;
        self.run(Op::RevokePermission { member, infra })
    }

    pub fn set_company_admin(&mut self, email: &str, on: bool) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::SetCompanyAdmin { member, on })
    }

    pub fn set_administrator(&mut self, email: &str, on: bool) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::SetAdministrator { member, on })
    }

    /// Makes the member a security contact with `phone`, or clears it with `None`.
    pub fn set_security_contact(
        &mut self,
        email: &str,
        phone: Option<&str>,
    ) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(match phone {
            Some(phone) => Op::SetSecurityContact {
                member,
                phone: phone.to_owned(),
            },
            None => Op::ClearSecurityContact { member },
        })
    }

    pub fn rename_member(&mut self, email: &str, name: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::EditProfile {
            member,
            name: name.to_owned(),
        })
    }

    pub fn deactivate(&mut self, email: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::DeactivateMember { member })
    }

    pub fn reactivate(&mut self, email: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::ReactivateMember { member })
    }

    pub fn delete(&mut self, email: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        self.run(Op::DeleteMember { member })
    }

    pub fn add_app(&mut self, name: &str) -> Result<Outcome, ClientError> {
        self.run(Op::AddApp {
            id: AppId::from_uuid(Uuid::now_v7()),
            name: name.to_owned(),
        })
    }

    pub fn add_role(&mut self, app: &str, role: &str) -> Result<Outcome, ClientError> {
        let app = self.app_by_name(app)?.id;
        self.run(Op::AddRole {
            id: RoleId::from_uuid(Uuid::now_v7()),
            app,
            name: role.to_owned(),
        })
    }

    pub fn assign_role(&mut self, email: &str, role: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        let role = self.role_by_path(role)?.1.id;
        self.run(Op::AssignRole { member, role })
    }

    pub fn revoke_role(&mut self, email: &str, role: &str) -> Result<Outcome, ClientError> {
        let member = self.member_by_email(email)?.id;
        let role = self.role_by_path(role)?.1.id;
        self.run(Op::RevokeRole { member, role })
    }
}
