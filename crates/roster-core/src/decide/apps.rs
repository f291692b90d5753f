//! Apps, their end-user roles, and who holds them: Company Admins and Administrators.

use super::{Ctx, Decided, Decision, quoted};
use crate::ids::{AppId, MemberId, RoleId};
use crate::model::{App, Role, RoleAssignment};
use crate::record::Change;
use crate::refusal::{Refusal, RefusalCode};
use crate::state::State;
use crate::values::Name;

fn require_manages_apps<S: State>(ctx: &Ctx<'_, S>) -> Result<(), Refusal> {
    ctx.require(ctx.rights.manages_apps(), || {
        "Only Company Admins and Administrators may create apps and roles or assign end-user roles."
            .to_owned()
    })
}

fn role<S: State>(ctx: &Ctx<'_, S>, id: RoleId) -> Result<Role, super::Rejection<S::Error>> {
    ctx.read(|s| s.role(id))?
        .ok_or_else(|| Refusal::not_found(format!("No end-user role with id {id} exists.")).into())
}

pub(super) fn add_app<S: State>(ctx: &Ctx<'_, S>, id: AppId, name: &str) -> Decided<S::Error> {
    require_manages_apps(ctx)?;
    let name = Name::parse_as(name, "app name")?;
    if ctx.read(|s| s.app(id))?.is_some() {
        return Err(Refusal::invalid_state("This app was already added (same id).").into());
    }
    if ctx.read(|s| s.app_by_name(&name))?.is_some() {
        return Err(Refusal::new(
            RefusalCode::DuplicateName,
            format!(
                "An app named {} already exists; choose another name.",
                quoted(&name)
            ),
        )
        .into());
    }
    Ok(Decision::new(format!("added app {}", quoted(&name)))
        .change(Change::create(App { id, name })))
}

pub(super) fn add_role<S: State>(
    ctx: &Ctx<'_, S>,
    id: RoleId,
    app: AppId,
    name: &str,
) -> Decided<S::Error> {
    require_manages_apps(ctx)?;
    let name = Name::parse_as(name, "role name")?;
    let app = ctx
        .read(|s| s.app(app))?
        .ok_or_else(|| Refusal::not_found(format!("No app with id {app} exists.")))?;
    if ctx.read(|s| s.role(id))?.is_some() {
        return Err(Refusal::invalid_state("This role was already added (same id).").into());
    }
    if ctx.read(|s| s.role_by_name(app.id, &name))?.is_some() {
        return Err(Refusal::new(
            RefusalCode::DuplicateName,
            format!(
                "App {} already has a role named {}.",
                quoted(&app.name),
                quoted(&name)
            ),
        )
        .into());
    }
    let summary = format!("added role {} to app {}", quoted(&name), quoted(&app.name));
    Ok(Decision::new(summary).change(Change::create(Role {
        id,
        app: app.id,
        name,
    })))
}

pub(super) fn assign_role<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    role_id: RoleId,
) -> Decided<S::Error> {
    require_manages_apps(ctx)?;
    let target = ctx.member(member)?;
    super::members::require_not_deactivated(&target)?;
    let role = role(ctx, role_id)?;
    if ctx
        .read(|s| s.role_assignments_of(member))?
        .iter()
        .any(|a| a.role == role_id)
    {
        return Ok(Decision::unchanged(format!(
            "{} already holds {}",
            target.email,
            quoted(&role.name)
        )));
    }
    Ok(Decision::new(format!(
        "assigned role {} to {}",
        quoted(&role.name),
        target.email
    ))
    .about_member(member)
    .change(Change::create(RoleAssignment {
        member,
        role: role_id,
    })))
}

pub(super) fn revoke_role<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    role_id: RoleId,
) -> Decided<S::Error> {
    require_manages_apps(ctx)?;
    let target = ctx.member(member)?;
    let role = role(ctx, role_id)?;
    if !ctx
        .read(|s| s.role_assignments_of(member))?
        .iter()
        .any(|a| a.role == role_id)
    {
        return Ok(Decision::unchanged(format!(
            "{} does not hold {}",
            target.email,
            quoted(&role.name)
        )));
    }
    Ok(Decision::new(format!(
        "revoked role {} from {}",
        quoted(&role.name),
        target.email
    ))
    .about_member(member)
    .change(Change::remove(RoleAssignment {
        member,
        role: role_id,
    })))
}
