//! Support cases and the support contacts in their cc.

use std::collections::BTreeMap;

use super::{Ctx, Decided, Decision, quoted};
use crate::ids::{CaseId, InfraId};
use crate::model::{CaseContact, SupportCase, SupportContact};
use crate::record::Change;
use crate::refusal::{Refusal, RefusalCode};
use crate::state::State;
use crate::values::{Email, Name};

/// Registering needs an association with the infrastructure (any permission on it, or being
/// its Infra Admin). A case from someone who is not its Infra Admin needs an Infra Admin's
/// approval.
pub(super) fn register_case<S: State>(
    ctx: &Ctx<'_, S>,
    id: CaseId,
    infra: InfraId,
    title: &str,
    cc: &[String],
) -> Decided<S::Error> {
    let infrastructure = ctx.infrastructure(infra)?;
    let is_admin = ctx.rights.is_infra_admin_of(infra);
    ctx.require(is_admin || ctx.rights.is_associated_with(infra), || {
        format!(
            "You can register support cases only on infrastructures you are associated with; you have no permission on {}.",
            quoted(&infrastructure.name)
        )
    })?;
    let title = Name::parse_as(title, "case title")?;
    if ctx.read(|s| s.support_case(id))?.is_some() {
        return Err(
            Refusal::invalid_state("This support case was already registered (same id).").into(),
        );
    }
    let mut contacts = BTreeMap::new();
    for raw in cc {
        let email = Email::parse(raw)?;
        contacts.entry(email.key()).or_insert(email);
    }
    let Some(reporter) = ctx.rights.member else {
        return Err(Refusal::forbidden("Only members may register support cases.").into());
    };
    let case = SupportCase {
        id,
        infra,
        reporter,
        title: title.clone(),
        needs_approval: !is_admin,
        opened_at: ctx.at,
    };
    let mut decision = Decision::new(format!(
        "registered support case {} on {}",
        quoted(&title),
        quoted(&infrastructure.name)
    ))
    .about_infra(infra)
    .about_member(reporter)
    .change(Change::create(case));
    for email in contacts.into_values() {
        if ctx.read(|s| s.support_contact(&email))?.is_none() {
            decision = decision.change(Change::create(SupportContact {
                email: email.clone(),
                name: None,
            }));
        }
        decision = decision.change(Change::create(CaseContact {
            case: id,
            contact: email,
        }));
    }
    Ok(decision)
}

pub(super) fn approve_case<S: State>(ctx: &Ctx<'_, S>, id: CaseId) -> Decided<S::Error> {
    let before = ctx
        .read(|s| s.support_case(id))?
        .ok_or_else(|| Refusal::not_found(format!("No support case with id {id} exists.")))?;
    let infrastructure = ctx.infrastructure(before.infra)?;
    ctx.require(ctx.rights.is_infra_admin_of(before.infra), || {
        format!(
            "Only an Infra Admin of {} may approve its support cases (a Company Admin must also be its Infra Admin).",
            quoted(&infrastructure.name)
        )
    })?;
    if !before.needs_approval {
        return Ok(Decision::unchanged(format!(
            "case {} needs no approval",
            quoted(&before.title)
        )));
    }
    let after = SupportCase {
        needs_approval: false,
        ..before.clone()
    };
    Ok(
        Decision::new(format!("approved support case {}", quoted(&before.title)))
            .about_infra(before.infra)
            .change(Change::update(before, after)),
    )
}

pub(super) fn remove_contact<S: State>(ctx: &Ctx<'_, S>, email: &str) -> Decided<S::Error> {
    ctx.require(ctx.rights.is_company_admin(), || {
        "Only a Company Admin may remove a support contact.".to_owned()
    })?;
    let email = Email::parse(email)?;
    let contact = ctx.read(|s| s.support_contact(&email))?.ok_or_else(|| {
        Refusal::new(
            RefusalCode::NotFound,
            format!("{email} is not a support contact."),
        )
    })?;
    let mut decision = Decision::new(format!("removed support contact {email}"));
    for link in ctx.read(|s| s.case_contacts_of(&email))? {
        if let Some(case) = ctx.read(|s| s.support_case(link.case))? {
            decision = decision.about_infra(case.infra);
        }
        decision = decision.change(Change::remove(link));
    }
    Ok(decision.change(Change::remove(contact)))
}
