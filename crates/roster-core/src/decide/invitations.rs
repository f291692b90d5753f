//! Invitations: who may invite whom with which grants, resending, revoking, accepting.

use std::collections::BTreeSet;

use super::{Ctx, Decided, Decision, Rejection, quoted};
use crate::INVITATION_VALIDITY_DAYS;
use crate::ids::{InfraId, InvitationId, MemberId};
use crate::model::{
    DevPermission, Invitation, InvitationState, Member, MemberKind, MemberStatus, Permission,
    RoleAssignment,
};
use crate::op::{Grant, Op};
use crate::record::Change;
use crate::refusal::{Refusal, RefusalCode};
use crate::state::State;
use crate::values::{Email, Name};

impl<S: State> Ctx<'_, S> {
    /// Whether the actor may invite, or manage the invitation of, a member with these
    /// grants: a Company Admin always; an Infra Admin only for grants on infrastructures they
    /// administer, and never for a Company Admin.
    fn check_may_invite(
        &self,
        company_admin: bool,
        infras: impl IntoIterator<Item = InfraId>,
    ) -> Result<(), Rejection<S::Error>> {
        if self.rights.is_company_admin() {
            return Ok(());
        }
        self.require(self.rights.is_infra_admin_anywhere(), || {
            "Only Company Admins and Infra Admins may invite members or manage invitations."
                .to_owned()
        })?;
        self.require(!company_admin, || {
            "An Infra Admin cannot make anyone Company Admin, nor manage a Company Admin's invitation; ask a Company Admin."
                .to_owned()
        })?;
        for infra in infras {
            if !self.rights.is_infra_admin_of(infra) {
                let name = self.infrastructure(infra)?.name;
                return Err(Refusal::forbidden(format!(
                    "You do not administer {}; an Infra Admin may give access only to infrastructures they administer.",
                    quoted(name)
                ))
                .into());
            }
        }
        Ok(())
    }

    fn invitee_infras(&self, member: MemberId) -> Result<BTreeSet<InfraId>, Rejection<S::Error>> {
        let mut infras: BTreeSet<InfraId> = self
            .read(|s| s.permissions_of(member))?
            .into_iter()
            .map(|p| p.infra)
            .collect();
        infras.extend(
            self.read(|s| s.dev_permissions_of(member))?
                .into_iter()
                .map(|d| d.infra),
        );
        Ok(infras)
    }

    /// Rule 3 for one infrastructure, at invitation time.
    fn check_dev_permission_allowed(
        &self,
        infra: InfraId,
        kind: MemberKind,
    ) -> Result<(), Rejection<S::Error>> {
        let infrastructure = self.infrastructure(infra)?;
        let edition = self.subscription(infrastructure.subscription)?.edition;
        let why = if kind == MemberKind::ItUser {
            infrastructure.why_no_development(edition)
        } else {
            Some("Development permission is a developer account, for IT users only".to_owned())
        };
        match why {
            None => Ok(()),
            Some(why) => {
                Err(Refusal::new(RefusalCode::DevPermissionNotAllowed, format!("{why}.")).into())
            }
        }
    }
}

pub(super) fn invite<S: State>(ctx: &Ctx<'_, S>, op: &Op) -> Decided<S::Error> {
    let Op::InviteMember {
        id,
        invitation,
        email,
        name,
        kind,
        company_admin,
        grants,
        dev,
        roles,
    } = op
    else {
        unreachable!("dispatch sends only InviteMember here");
    };
    let granted: Vec<InfraId> = grants
        .iter()
        .map(|g| g.infra)
        .chain(dev.iter().copied())
        .collect();
    ctx.check_may_invite(*company_admin, granted.iter().copied())?;
    ctx.require(roles.is_empty() || ctx.rights.manages_apps(), || {
        "Only Company Admins and Administrators may assign end-user roles.".to_owned()
    })?;
    let email = Email::parse(email)?;
    let name = match name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Name::parse_as(name, "member name")?,
        _ => Name::parse_as(email.local_part(), "member name")?,
    };
    if let Some(existing) = ctx.read(|s| s.member_by_email(&email))? {
        return Err(Refusal::new(
            RefusalCode::DuplicateEmail,
            format!(
                "{} is already a member ({}, {}).",
                email, existing.email, existing.status
            ),
        )
        .into());
    }
    if ctx.read(|s| s.member(*id))?.is_some() {
        return Err(Refusal::invalid_state("This member was already added (same id).").into());
    }
    check_unique_grants(grants)?;
    for infra in dev {
        ctx.check_dev_permission_allowed(*infra, *kind)?;
    }

    let member = Member {
        id: *id,
        email: email.clone(),
        name,
        kind: *kind,
        status: MemberStatus::Pending,
        company_admin: *company_admin,
        administrator: false,
        phone: None,
        security_contact: false,
        created_at: ctx.at,
    };
    let mut decision = Decision::new(format!("invited {email} as an {}", kind.label()))
        .about_member(*id)
        .change(Change::create(member));
    decision = decision.change(Change::create(Invitation {
        id: *invitation,
        member: *id,
        state: InvitationState::Pending,
        sent_at: ctx.at,
        expires_at: ctx.at.plus_days(INVITATION_VALIDITY_DAYS),
    }));
    for grant in grants {
        ctx.infrastructure(grant.infra)?;
        decision = decision
            .about_infra(grant.infra)
            .change(Change::create(Permission {
                member: *id,
                infra: grant.infra,
                level: grant.level,
            }));
    }
    let dev: BTreeSet<InfraId> = dev.iter().copied().collect();
    for infra in dev {
        decision = decision
            .about_infra(infra)
            .change(Change::create(DevPermission { member: *id, infra }));
    }
    let roles: BTreeSet<_> = roles.iter().copied().collect();
    for role in roles {
        ctx.read(|s| s.role(role))?.ok_or_else(|| {
            Refusal::not_found(format!("No end-user role with id {role} exists."))
        })?;
        decision = decision.change(Change::create(RoleAssignment { member: *id, role }));
    }
    Ok(decision)
}

fn check_unique_grants(grants: &[Grant]) -> Result<(), Refusal> {
    let mut seen = BTreeSet::new();
    for grant in grants {
        if !seen.insert(grant.infra) {
            return Err(Refusal::new(
                RefusalCode::InvalidInput,
                "The same infrastructure is listed twice; give one level per infrastructure.",
            ));
        }
    }
    Ok(())
}

fn pending_invitee<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
) -> Result<Member, Rejection<S::Error>> {
    let member = ctx.member(member)?;
    if member.status != MemberStatus::Pending {
        return Err(Refusal::invalid_state(format!(
            "{} is {}, not pending; only a pending member has an invitation to manage.",
            member.email, member.status
        ))
        .into());
    }
    let infras = ctx.invitee_infras(member.id)?;
    ctx.check_may_invite(member.company_admin, infras)?;
    Ok(member)
}

pub(super) fn resend_invitation<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    invitation: InvitationId,
) -> Decided<S::Error> {
    let member = pending_invitee(ctx, member)?;
    let after = Invitation {
        id: invitation,
        member: member.id,
        state: InvitationState::Pending,
        sent_at: ctx.at,
        expires_at: ctx.at.plus_days(INVITATION_VALIDITY_DAYS),
    };
    let change = match ctx.read(|s| s.invitation_of(member.id))? {
        Some(before) => Change::update(before, after),
        None => Change::create(after),
    };
    Ok(
        Decision::new(format!("resent the invitation of {}", member.email))
            .about_member(member.id)
            .change(change),
    )
}

pub(super) fn revoke_invitation<S: State>(ctx: &Ctx<'_, S>, member: MemberId) -> Decided<S::Error> {
    let member = pending_invitee(ctx, member)?;
    let Some(before) = ctx.read(|s| s.invitation_of(member.id))? else {
        return Ok(Decision::unchanged(format!(
            "{} has no invitation to revoke",
            member.email
        )));
    };
    if before.state == InvitationState::Revoked {
        return Ok(Decision::unchanged(format!(
            "invitation of {} already revoked",
            member.email
        )));
    }
    let after = Invitation {
        state: InvitationState::Revoked,
        ..before.clone()
    };
    Ok(
        Decision::new(format!("revoked the invitation of {}", member.email))
            .about_member(member.id)
            .change(Change::update(before, after)),
    )
}

pub(super) fn accept_invitation<S: State>(ctx: &Ctx<'_, S>, member: MemberId) -> Decided<S::Error> {
    ctx.require(ctx.rights.is(member), || {
        "Only the invited person may accept their invitation.".to_owned()
    })?;
    let before = ctx.member(member)?;
    if before.status != MemberStatus::Pending {
        return Err(Refusal::invalid_state(format!(
            "{} has already accepted or is {}.",
            before.email, before.status
        ))
        .into());
    }
    let invitation = ctx.read(|s| s.invitation_of(member))?.ok_or_else(|| {
        Refusal::invalid_state("There is no invitation to accept; ask for a new one.")
    })?;
    match invitation.state_at(ctx.at) {
        InvitationState::Pending => {}
        InvitationState::Expired => {
            return Err(Refusal::new(
                RefusalCode::InvitationExpired,
                "This invitation has expired; ask your administrator to resend it.",
            )
            .into());
        }
        state => {
            return Err(Refusal::invalid_state(format!(
                "This invitation was {state}; ask for a new one."
            ))
            .into());
        }
    }
    let after = Member {
        status: MemberStatus::Active,
        ..before.clone()
    };
    let accepted = Invitation {
        state: InvitationState::Accepted,
        ..invitation.clone()
    };
    Ok(
        Decision::new(format!("{} accepted their invitation", before.email))
            .about_member(member)
            .change(Change::update(before, after))
            .change(Change::update(invitation, accepted)),
    )
}
