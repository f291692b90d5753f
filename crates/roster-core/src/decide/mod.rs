//! The one entry point for every change: [`decide`].
//!
//! The order of checks is the same for every op, so refusals are predictable: the actor
//! may act at all; the actor's rights allow this kind of change (checked before a named
//! member is looked up whenever the right does not depend on that member, so a refusal
//! does not reveal who exists); the records the op names exist; the input is valid; and
//! the invariants of SPEC.md hold for the state after the change; and last, an op made on a
//! device finds the fields it changes as it saw them ([`crate::expect`]).

mod apps;
mod company;
mod invitations;
mod members;
mod support;

use std::collections::BTreeSet;

use crate::ids::{InfraId, MemberId};
use crate::model::{Member, MemberStatus};
use crate::op::{Envelope, Op};
use crate::record::{Change, Record};
use crate::refusal::{Refusal, RefusalCode};
use crate::rights::{Actor, Rights};
use crate::state::State;
use crate::values::Timestamp;

/// What an accepted op does. An empty `changes` means the state already is as asked;
/// nothing needs writing.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Decision {
    pub changes: Vec<Change>,
    /// One line for the audit trail, e.g. `granted Infra Admin on “Prod” to ada@example.com`.
    pub summary: String,
    /// The infrastructures the change is about: who may read its audit entry (SPEC.md).
    pub infras: BTreeSet<InfraId>,
    /// The members the change is about, for `audit --member`.
    pub members: BTreeSet<MemberId>,
}

impl Decision {
    fn new(summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            ..Self::default()
        }
    }

    /// Nothing to do: the state already is what the op asks for.
    fn unchanged(summary: impl Into<String>) -> Self {
        Self::new(summary)
    }

    fn change(mut self, change: Change) -> Self {
        self.changes.push(change);
        self
    }

    fn about_infra(mut self, infra: InfraId) -> Self {
        self.infras.insert(infra);
        self
    }

    fn about_member(mut self, member: MemberId) -> Self {
        self.members.insert(member);
        self
    }

    pub fn is_noop(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Why [`decide`] did not produce a decision.
#[derive(Debug, thiserror::Error)]
pub enum Rejection<E> {
    /// The rules refuse the op; nothing may be written.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The state could not be read.
    #[error("could not read the state to decide")]
    State(E),
}

type Decided<E> = Result<Decision, Rejection<E>>;

/// Authorizes `envelope.op` for `envelope.actor` against `state`, validates it, checks every
/// invariant of SPEC.md, and returns the resulting changes or a refusal.
pub fn decide<S: State>(state: &S, envelope: &Envelope) -> Decided<S::Error> {
    let rights = Rights::load(state, &envelope.actor).map_err(Rejection::State)?;
    decide_with(state, envelope, rights)
}

/// [`decide`] with the actor's rights as [`Rights::load`] reads them from `state` now: a
/// server writing a batch of one account's ops reads them once, and again only after a
/// change [`Rights::rest_on`] names.
pub fn decide_with<S: State>(state: &S, envelope: &Envelope, rights: Rights) -> Decided<S::Error> {
    let ctx = Ctx {
        state,
        rights,
        at: envelope.at,
    };
    if !matches!(envelope.op, Op::AcceptInvitation { .. }) {
        ctx.require_active(&envelope.actor)?;
    }
    let decision = dispatch(&ctx, &envelope.op)?;
    ctx.check_company_admins_remain(&decision)?;
    crate::expect::check(&envelope.expects, &decision.changes)?;
    Ok(decision)
}

fn dispatch<S: State>(ctx: &Ctx<'_, S>, op: &Op) -> Decided<S::Error> {
    match op {
        Op::EditCompany { name } => company::edit_company(ctx, name),
        Op::AddSubscription { id, name, edition } => {
            company::add_subscription(ctx, *id, name, *edition)
        }
        Op::EditSubscription { id, name, edition } => {
            company::edit_subscription(ctx, *id, name.as_deref(), *edition)
        }
        Op::AddInfrastructure {
            id,
            name,
            subscription,
            hosting,
        } => company::add_infrastructure(ctx, *id, name, *subscription, *hosting),
        Op::EditInfrastructure {
            id,
            name,
            subscription,
            hosting,
        } => company::edit_infrastructure(ctx, *id, name.as_deref(), *subscription, *hosting),
        Op::AddEnvironment {
            id,
            infra,
            name,
            licence_expires,
        } => company::add_environment(ctx, *id, *infra, name, *licence_expires),
        Op::EditEnvironment {
            id,
            name,
            licence_expires,
        } => company::edit_environment(ctx, *id, name.as_deref(), *licence_expires),
        Op::RegisterEnvironmentSlot { id } => company::set_slot(ctx, *id, true),
        Op::ReleaseEnvironmentSlot { id } => company::set_slot(ctx, *id, false),
        Op::InviteMember { .. } => invitations::invite(ctx, op),
        Op::ResendInvitation { member, invitation } => {
            invitations::resend_invitation(ctx, *member, *invitation)
        }
        Op::RevokeInvitation { member } => invitations::revoke_invitation(ctx, *member),
        Op::AcceptInvitation { member } => invitations::accept_invitation(ctx, *member),
        Op::SetCompanyAdmin { member, on } => members::set_company_admin(ctx, *member, *on),
        Op::SetAdministrator { member, on } => members::set_administrator(ctx, *member, *on),
        Op::GrantPermission {
            member,
            infra,
            level,
        } => members::grant(ctx, *member, *infra, *level),
        Op::RevokePermission { member, infra } => members::revoke(ctx, *member, *infra),
        Op::SetSecurityContact { member, phone } => {
            members::set_security_contact(ctx, *member, phone)
        }
        Op::ClearSecurityContact { member } => members::clear_security_contact(ctx, *member),
        Op::EditProfile { member, name } => members::edit_profile(ctx, *member, name),
        Op::DeactivateMember { member } => members::deactivate(ctx, *member),
        Op::ReactivateMember { member } => members::reactivate(ctx, *member),
        Op::DeleteMember { member } => members::delete(ctx, *member),
        Op::AddApp { id, name } => apps::add_app(ctx, *id, name),
        Op::AddRole { id, app, name } => apps::add_role(ctx, *id, *app, name),
        Op::AssignRole { member, role } => apps::assign_role(ctx, *member, *role),
        Op::RevokeRole { member, role } => apps::revoke_role(ctx, *member, *role),
        Op::RegisterSupportCase {
            id,
            infra,
            title,
            cc,
        } => support::register_case(ctx, *id, *infra, title, cc),
        Op::ApproveSupportCase { id } => support::approve_case(ctx, *id),
        Op::RemoveSupportContact { email } => support::remove_contact(ctx, email),
    }
}

/// What every rule module needs: the state, the actor's rights, and the op's time.
pub(crate) struct Ctx<'a, S> {
    state: &'a S,
    rights: Rights,
    at: Timestamp,
}

impl<S: State> Ctx<'_, S> {
    /// Runs a state lookup, turning its error into a [`Rejection::State`].
    fn read<T>(
        &self,
        lookup: impl FnOnce(&S) -> Result<T, S::Error>,
    ) -> Result<T, Rejection<S::Error>> {
        lookup(self.state).map_err(Rejection::State)
    }

    fn require_active(&self, actor: &Actor) -> Result<(), Refusal> {
        if self.rights.is_active_member() {
            return Ok(());
        }
        let why = match (actor, self.rights.status) {
            (Actor::SupportContact { .. }, _) => {
                "Support contacts can follow their support cases but cannot change anything."
            }
            (_, Some(MemberStatus::Deactivated)) => {
                "Your account is deactivated; a deactivated member may do nothing. Ask a Company Admin to reactivate it."
            }
            (_, Some(MemberStatus::Pending)) => {
                "Your account is not active yet; accept your invitation first."
            }
            _ => "Your account is not a member of this company (it may have been deleted).",
        };
        Err(Refusal::forbidden(why))
    }

    fn require(&self, allowed: bool, why: impl FnOnce() -> String) -> Result<(), Refusal> {
        if allowed {
            Ok(())
        } else {
            Err(Refusal::forbidden(why()))
        }
    }

    fn member(&self, id: MemberId) -> Result<Member, Rejection<S::Error>> {
        self.read(|s| s.member(id))?.ok_or_else(|| {
            Refusal::not_found(format!(
                "No member with id {id} exists; they may have been deleted. Refresh and try again."
            ))
            .into()
        })
    }

    /// Rule 1, checked on the state after the change, whatever the op: no change may leave
    /// the company without an active Company Admin.
    fn check_company_admins_remain(&self, decision: &Decision) -> Result<(), Rejection<S::Error>> {
        let mut lost = 0u64;
        let mut gained = 0u64;
        let mut last_named = None;
        for change in &decision.changes {
            let was =
                as_member(change.before.as_ref()).is_some_and(Member::is_active_company_admin);
            let is = as_member(change.after.as_ref()).is_some_and(Member::is_active_company_admin);
            match (was, is) {
                (true, false) => {
                    lost += 1;
                    last_named = as_member(change.before.as_ref()).map(|m| m.email.to_string());
                }
                (false, true) => gained += 1,
                _ => {}
            }
        }
        if lost <= gained {
            return Ok(());
        }
        let remaining = self.read(|s| s.active_company_admins())? + gained;
        if remaining > lost {
            return Ok(());
        }
        let who = last_named.unwrap_or_else(|| "this member".to_owned());
        Err(Refusal::new(
            RefusalCode::LastCompanyAdmin,
            format!(
                "{who} is the last active Company Admin; the company must always have one. \
                 Make another active member Company Admin first."
            ),
        )
        .into())
    }
}

fn as_member(record: Option<&Record>) -> Option<&Member> {
    match record {
        Some(Record::Member(member)) => Some(member),
        _ => None,
    }
}

/// Quotes a name for a message.
fn quoted(name: impl std::fmt::Display) -> String {
    format!("“{name}”")
}
