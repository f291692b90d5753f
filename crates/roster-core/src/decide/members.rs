//! Members: Company Admin and Administrator, permissions, security contacts, profile and
//! status.

use super::{Ctx, Decided, Decision, quoted};
use crate::ids::{InfraId, MemberId};
use crate::model::{Level, Member, MemberKind, MemberStatus, Permission};
use crate::record::Change;
use crate::refusal::{Refusal, RefusalCode};
use crate::state::State;
use crate::values::{Name, Phone};

/// Grants, roles and company-admin status may not be given to a deactivated member: they
/// would hold no effective rights, and reactivation should be a visible decision.
pub(super) fn require_not_deactivated(member: &Member) -> Result<(), Refusal> {
    if member.status == MemberStatus::Deactivated {
        return Err(Refusal::invalid_state(format!(
            "{} is deactivated; reactivate them first.",
            member.email
        )));
    }
    Ok(())
}

pub(super) fn set_company_admin<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    on: bool,
) -> Decided<S::Error> {
    ctx.require(ctx.rights.is_company_admin(), || {
        "Only a Company Admin may grant or revoke Company Admin.".to_owned()
    })?;
    let before = ctx.member(member)?;
    if on {
        require_not_deactivated(&before)?;
    }
    if before.company_admin == on {
        return Ok(Decision::unchanged(format!(
            "{} already {}",
            before.email,
            if on {
                "Company Admin"
            } else {
                "not Company Admin"
            }
        )));
    }
    let summary = format!(
        "{} Company Admin {} {}",
        if on { "granted" } else { "revoked" },
        if on { "to" } else { "from" },
        before.email
    );
    let after = Member {
        company_admin: on,
        ..before.clone()
    };
    Ok(Decision::new(summary)
        .about_member(member)
        .change(Change::update(before, after)))
}

pub(super) fn set_administrator<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    on: bool,
) -> Decided<S::Error> {
    ctx.require(ctx.rights.manages_apps(), || {
        "Only Company Admins and Administrators may toggle Administrator.".to_owned()
    })?;
    let before = ctx.member(member)?;
    if before.kind != MemberKind::ItUser {
        return Err(Refusal::new(
            RefusalCode::NotItUser,
            format!(
                "{} is an end user; Administrator is an organization permission for IT users.",
                before.email
            ),
        )
        .into());
    }
    if on {
        require_not_deactivated(&before)?;
    }
    if before.administrator == on {
        return Ok(Decision::unchanged(format!(
            "Administrator already {} for {}",
            if on { "on" } else { "off" },
            before.email
        )));
    }
    let summary = format!(
        "turned Administrator {} for {}",
        if on { "on" } else { "off" },
        before.email
    );
    let after = Member {
        administrator: on,
        ..before.clone()
    };
    Ok(Decision::new(summary)
        .about_member(member)
        .change(Change::update(before, after)))
}

pub(super) fn grant<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    infra: InfraId,
    level: Level,
) -> Decided<S::Error> {
    let infrastructure = ctx.infrastructure(infra)?;
    ctx.require(ctx.rights.manages(infra), || {
        format!(
            "Only a Company Admin or an Infra Admin of {} may grant permissions on it.",
            quoted(&infrastructure.name)
        )
    })?;
    let target = ctx.member(member)?;
    require_not_deactivated(&target)?;
    let after = Permission {
        member,
        infra,
        level,
    };
    let summary = format!(
        "granted {} on {} to {}",
        level.label(),
        quoted(&infrastructure.name),
        target.email
    );
    let change = match ctx.read(|s| s.permission(member, infra))? {
        Some(current) if current == level => {
            return Ok(Decision::unchanged(format!(
                "{} already {} on {}",
                target.email,
                level.label(),
                quoted(&infrastructure.name)
            )));
        }
        Some(current) => Change::update(
            Permission {
                member,
                infra,
                level: current,
            },
            after,
        ),
        None => Change::create(after),
    };
    Ok(Decision::new(summary)
        .about_infra(infra)
        .about_member(member)
        .change(change))
}

pub(super) fn revoke<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    infra: InfraId,
) -> Decided<S::Error> {
    let infrastructure = ctx.infrastructure(infra)?;
    ctx.require(ctx.rights.manages(infra), || {
        format!(
            "Only a Company Admin or an Infra Admin of {} may revoke permissions on it.",
            quoted(&infrastructure.name)
        )
    })?;
    let target = ctx.member(member)?;
    let Some(level) = ctx.read(|s| s.permission(member, infra))? else {
        return Ok(Decision::unchanged(format!(
            "{} has no permission on {}",
            target.email,
            quoted(&infrastructure.name)
        )));
    };
    let summary = format!(
        "revoked {} on {} from {}",
        level.label(),
        quoted(&infrastructure.name),
        target.email
    );
    Ok(Decision::new(summary)
        .about_infra(infra)
        .about_member(member)
        .change(Change::remove(Permission {
            member,
            infra,
            level,
        })))
}

fn require_may_set_security_contacts<S: State>(ctx: &Ctx<'_, S>) -> Result<(), Refusal> {
    ctx.require(
        ctx.rights.is_company_admin() || ctx.rights.is_infra_admin_anywhere(),
        || "Only Company Admins and Infra Admins may set or clear security contacts.".to_owned(),
    )
}

pub(super) fn set_security_contact<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    phone: &str,
) -> Decided<S::Error> {
    require_may_set_security_contacts(ctx)?;
    let before = ctx.member(member)?;
    require_not_deactivated(&before)?;
    let phone = Phone::parse(phone)?;
    let after = Member {
        security_contact: true,
        phone: Some(phone.clone()),
        ..before.clone()
    };
    if after == before {
        return Ok(Decision::unchanged(format!(
            "{} already security contact at {phone}",
            before.email
        )));
    }
    Ok(
        Decision::new(format!("made {} a security contact", before.email))
            .about_member(member)
            .change(Change::update(before, after)),
    )
}

pub(super) fn clear_security_contact<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
) -> Decided<S::Error> {
    require_may_set_security_contacts(ctx)?;
    let before = ctx.member(member)?;
    if !before.security_contact {
        return Ok(Decision::unchanged(format!(
            "{} is not a security contact",
            before.email
        )));
    }
    let after = Member {
        security_contact: false,
        ..before.clone()
    };
    Ok(
        Decision::new(format!("cleared security contact {}", before.email))
            .about_member(member)
            .change(Change::update(before, after)),
    )
}

pub(super) fn edit_profile<S: State>(
    ctx: &Ctx<'_, S>,
    member: MemberId,
    name: &str,
) -> Decided<S::Error> {
    ctx.require(ctx.rights.is_company_admin() || ctx.rights.is(member), || {
        "Only a Company Admin may edit another member's profile; everyone may edit their own name.".to_owned()
    })?;
    let before = ctx.member(member)?;
    let name = Name::parse_as(name, "member name")?;
    if before.name == name {
        return Ok(Decision::unchanged("name unchanged"));
    }
    let after = Member {
        name,
        ..before.clone()
    };
    Ok(Decision::new(format!("renamed {}", before.email))
        .about_member(member)
        .change(Change::update(before, after)))
}

fn require_company_admin_for_status<S: State>(ctx: &Ctx<'_, S>) -> Result<(), Refusal> {
    ctx.require(ctx.rights.is_company_admin(), || {
        "Only a Company Admin may deactivate, reactivate or delete members.".to_owned()
    })
}

pub(super) fn deactivate<S: State>(ctx: &Ctx<'_, S>, member: MemberId) -> Decided<S::Error> {
    require_company_admin_for_status(ctx)?;
    let before = ctx.member(member)?;
    match before.status {
        MemberStatus::Deactivated => {
            return Ok(Decision::unchanged(format!(
                "{} already deactivated",
                before.email
            )));
        }
        MemberStatus::Pending => {
            return Err(Refusal::invalid_state(format!(
                "{} has not accepted their invitation; revoke the invitation or delete them instead.",
                before.email
            ))
            .into());
        }
        MemberStatus::Active => {}
    }
    let after = Member {
        status: MemberStatus::Deactivated,
        ..before.clone()
    };
    Ok(Decision::new(format!("deactivated {}", before.email))
        .about_member(member)
        .change(Change::update(before, after)))
}

pub(super) fn reactivate<S: State>(ctx: &Ctx<'_, S>, member: MemberId) -> Decided<S::Error> {
    require_company_admin_for_status(ctx)?;
    let before = ctx.member(member)?;
    match before.status {
        MemberStatus::Active => {
            return Ok(Decision::unchanged(format!(
                "{} already active",
                before.email
            )));
        }
        MemberStatus::Pending => {
            return Err(Refusal::invalid_state(format!(
                "{} is pending, not deactivated; resend their invitation instead.",
                before.email
            ))
            .into());
        }
        MemberStatus::Deactivated => {}
    }
    let after = Member {
        status: MemberStatus::Active,
        ..before.clone()
    };
    Ok(Decision::new(format!("reactivated {}", before.email))
        .about_member(member)
        .change(Change::update(before, after)))
}

/// Removes the member and everything that hangs off them; the audit trail keeps the record.
pub(super) fn delete<S: State>(ctx: &Ctx<'_, S>, member: MemberId) -> Decided<S::Error> {
    require_company_admin_for_status(ctx)?;
    let before = ctx.member(member)?;
    let mut decision = Decision::new(format!("deleted {}", before.email)).about_member(member);
    for permission in ctx.read(|s| s.permissions_of(member))? {
        decision = decision
            .about_infra(permission.infra)
            .change(Change::remove(permission));
    }
    for dev in ctx.read(|s| s.dev_permissions_of(member))? {
        decision = decision.about_infra(dev.infra).change(Change::remove(dev));
    }
    for assignment in ctx.read(|s| s.role_assignments_of(member))? {
        decision = decision.change(Change::remove(assignment));
    }
    if let Some(invitation) = ctx.read(|s| s.invitation_of(member))? {
        decision = decision.change(Change::remove(invitation));
    }
    Ok(decision.change(Change::remove(before)))
}
