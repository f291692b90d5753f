//! The company, its subscriptions, infrastructures and environments: Company Admins edit
//! them; Infra Admins of an infrastructure register and release its environment slots.

use super::{Ctx, Decided, Decision, Rejection, quoted};
use crate::ids::{EnvironmentId, InfraId, SubscriptionId};
use crate::model::{Company, Edition, Environment, Hosting, Infrastructure, Subscription};
use crate::record::Change;
use crate::refusal::{Refusal, RefusalCode};
use crate::state::State;
use crate::values::{Date, Name};

const ONLY_COMPANY_ADMINS: &str = "Only a Company Admin may add or edit the company, its subscriptions, infrastructures and environments.";

impl<S: State> Ctx<'_, S> {
    fn require_company_admin_for_setup(&self) -> Result<(), Refusal> {
        self.require(self.rights.is_company_admin(), || {
            ONLY_COMPANY_ADMINS.to_owned()
        })
    }

    pub(super) fn subscription(
        &self,
        id: SubscriptionId,
    ) -> Result<Subscription, Rejection<S::Error>> {
        self.read(|s| s.subscription(id))?.ok_or_else(|| {
            Refusal::not_found(format!("No subscription with id {id} exists.")).into()
        })
    }

    pub(super) fn infrastructure(
        &self,
        id: InfraId,
    ) -> Result<Infrastructure, Rejection<S::Error>> {
        self.read(|s| s.infrastructure(id))?.ok_or_else(|| {
            Refusal::not_found(format!("No infrastructure with id {id} exists.")).into()
        })
    }

    fn environment(&self, id: EnvironmentId) -> Result<Environment, Rejection<S::Error>> {
        self.read(|s| s.environment(id))?.ok_or_else(|| {
            Refusal::not_found(format!("No environment with id {id} exists.")).into()
        })
    }

    /// Rule 3 for an infrastructure as it would be: refuses when it holds Development
    /// permissions and would no longer allow them.
    fn check_dev_permissions_still_allowed(
        &self,
        infra: &Infrastructure,
        hosting: Hosting,
        edition: Edition,
    ) -> Result<(), Rejection<S::Error>> {
        if hosting.allows_development() && edition.allows_development() {
            return Ok(());
        }
        if !self.read(|s| s.has_dev_permissions(infra.id))? {
            return Ok(());
        }
        let why = if hosting.allows_development() {
            "a sentry subscription".to_owned()
        } else {
            format!("{} hosting", hosting)
        };
        Err(Refusal::new(
            RefusalCode::DevPermissionNotAllowed,
            format!(
                "Infrastructure {} has members with a Development permission, which {why} does not allow. \
                 Delete or re-add those members without it first.",
                quoted(&infra.name)
            ),
        )
        .into())
    }
}

fn duplicate_name(what: &str, name: &Name) -> Refusal {
    Refusal::new(
        RefusalCode::DuplicateName,
        format!(
            "A {what} named {} already exists; choose another name.",
            quoted(name)
        ),
    )
}

fn already_exists(what: &str) -> Refusal {
    Refusal::invalid_state(format!(
        "This {what} was already added (same id); nothing to do twice."
    ))
}

pub(super) fn edit_company<S: State>(ctx: &Ctx<'_, S>, name: &str) -> Decided<S::Error> {
    ctx.require_company_admin_for_setup()?;
    let before = ctx
        .read(|s| s.company())?
        .ok_or_else(|| Refusal::not_found("This workspace has no company yet."))?;
    let name = Name::parse_as(name, "company name")?;
    if before.name == name {
        return Ok(Decision::unchanged("company name unchanged"));
    }
    let after = Company { name: name.clone() };
    Ok(
        Decision::new(format!("renamed the company to {}", quoted(&name)))
            .change(Change::update(before, after)),
    )
}

pub(super) fn add_subscription<S: State>(
    ctx: &Ctx<'_, S>,
    id: SubscriptionId,
    name: &str,
    edition: Edition,
) -> Decided<S::Error> {
    ctx.require_company_admin_for_setup()?;
    let name = Name::parse_as(name, "subscription name")?;
    if ctx.read(|s| s.subscription(id))?.is_some() {
        return Err(already_exists("subscription").into());
    }
    if ctx.read(|s| s.subscription_by_name(&name))?.is_some() {
        return Err(duplicate_name("subscription", &name).into());
    }
    let summary = format!("added {edition} subscription {}", quoted(&name));
    Ok(Decision::new(summary).change(Change::create(Subscription { id, name, edition })))
}

pub(super) fn edit_subscription<S: State>(
    ctx: &Ctx<'_, S>,
    id: SubscriptionId,
    name: Option<&str>,
    edition: Option<Edition>,
) -> Decided<S::Error> {
    ctx.require_company_admin_for_setup()?;
    let before = ctx.subscription(id)?;
    let mut after = before.clone();
    if let Some(name) = name {
        after.name = Name::parse_as(name, "subscription name")?;
        if after.name.key() != before.name.key()
            && ctx.read(|s| s.subscription_by_name(&after.name))?.is_some()
        {
            return Err(duplicate_name("subscription", &after.name).into());
        }
    }
    if let Some(edition) = edition {
        after.edition = edition;
        for infra in ctx.read(|s| s.infrastructures_of(id))? {
            ctx.check_dev_permissions_still_allowed(&infra, infra.hosting, edition)?;
        }
    }
    if after == before {
        return Ok(Decision::unchanged("subscription unchanged"));
    }
    let mut decision = Decision::new(format!("edited subscription {}", quoted(&after.name)));
    for infra in ctx.read(|s| s.infrastructures_of(id))? {
        decision = decision.about_infra(infra.id);
    }
    Ok(decision.change(Change::update(before, after)))
}

pub(super) fn add_infrastructure<S: State>(
    ctx: &Ctx<'_, S>,
    id: InfraId,
    name: &str,
    subscription: SubscriptionId,
    hosting: Hosting,
) -> Decided<S::Error> {
    ctx.require_company_admin_for_setup()?;
    let name = Name::parse_as(name, "infrastructure name")?;
    let sub = ctx.subscription(subscription)?;
    if ctx.read(|s| s.infrastructure(id))?.is_some() {
        return Err(already_exists("infrastructure").into());
    }
    if ctx.read(|s| s.infrastructure_by_name(&name))?.is_some() {
        return Err(duplicate_name("infrastructure", &name).into());
    }
    let summary = format!(
        "added {} infrastructure {} under {}",
        hosting.label(),
        quoted(&name),
        quoted(&sub.name)
    );
    Ok(Decision::new(summary)
        .about_infra(id)
        .change(Change::create(Infrastructure {
            id,
            name,
            subscription,
            hosting,
        })))
}

pub(super) fn edit_infrastructure<S: State>(
    ctx: &Ctx<'_, S>,
    id: InfraId,
    name: Option<&str>,
    subscription: Option<SubscriptionId>,
    hosting: Option<Hosting>,
) -> Decided<S::Error> {
    ctx.require_company_admin_for_setup()?;
    let before = ctx.infrastructure(id)?;
    let mut after = before.clone();
    if let Some(name) = name {
        after.name = Name::parse_as(name, "infrastructure name")?;
        if after.name.key() != before.name.key()
            && ctx
                .read(|s| s.infrastructure_by_name(&after.name))?
                .is_some()
        {
            return Err(duplicate_name("infrastructure", &after.name).into());
        }
    }
    if let Some(subscription) = subscription {
        after.subscription = subscription;
    }
    if let Some(hosting) = hosting {
        after.hosting = hosting;
    }
    let edition = ctx.subscription(after.subscription)?.edition;
    ctx.check_dev_permissions_still_allowed(&before, after.hosting, edition)?;
    if after == before {
        return Ok(Decision::unchanged("infrastructure unchanged"));
    }
    Ok(
        Decision::new(format!("edited infrastructure {}", quoted(&after.name)))
            .about_infra(id)
            .change(Change::update(before, after)),
    )
}

pub(super) fn add_environment<S: State>(
    ctx: &Ctx<'_, S>,
    id: EnvironmentId,
    infra: InfraId,
    name: &str,
    licence_expires: Option<Date>,
) -> Decided<S::Error> {
    ctx.require_company_admin_for_setup()?;
    let name = Name::parse_as(name, "environment name")?;
    let infrastructure = ctx.infrastructure(infra)?;
    if ctx.read(|s| s.environment(id))?.is_some() {
        return Err(already_exists("environment").into());
    }
    if ctx.read(|s| s.environment_by_name(infra, &name))?.is_some() {
        return Err(duplicate_name(
            &format!("environment of {}", quoted(&infrastructure.name)),
            &name,
        )
        .into());
    }
    let summary = format!(
        "added environment {} to {}",
        quoted(&name),
        quoted(&infrastructure.name)
    );
    let environment = Environment {
        id,
        infra,
        name,
        slot_registered: false,
        licence_expires,
    };
    Ok(Decision::new(summary)
        .about_infra(infra)
        .change(Change::create(environment)))
}

pub(super) fn edit_environment<S: State>(
    ctx: &Ctx<'_, S>,
    id: EnvironmentId,
    name: Option<&str>,
    licence_expires: Option<Option<Date>>,
) -> Decided<S::Error> {
    ctx.require_company_admin_for_setup()?;
    let before = ctx.environment(id)?;
    let mut after = before.clone();
    if let Some(name) = name {
        after.name = Name::parse_as(name, "environment name")?;
        if after.name.key() != before.name.key()
            && ctx
                .read(|s| s.environment_by_name(before.infra, &after.name))?
                .is_some()
        {
            return Err(duplicate_name("environment", &after.name).into());
        }
    }
    if let Some(expiry) = licence_expires {
        after.licence_expires = expiry;
    }
    if after == before {
        return Ok(Decision::unchanged("environment unchanged"));
    }
    Ok(
        Decision::new(format!("edited environment {}", quoted(&after.name)))
            .about_infra(before.infra)
            .change(Change::update(before, after)),
    )
}

pub(super) fn set_slot<S: State>(
    ctx: &Ctx<'_, S>,
    id: EnvironmentId,
    registered: bool,
) -> Decided<S::Error> {
    let before = ctx.environment(id)?;
    let infra = ctx.infrastructure(before.infra)?;
    ctx.require(ctx.rights.manages(infra.id), || {
        format!(
            "Only a Company Admin or an Infra Admin of {} may register or release its environment slots.",
            quoted(&infra.name)
        )
    })?;
    let verb = if registered { "registered" } else { "released" };
    if before.slot_registered == registered {
        return Ok(Decision::unchanged(format!(
            "slot of {} already {verb}",
            quoted(&before.name)
        )));
    }
    let after = Environment {
        slot_registered: registered,
        ..before.clone()
    };
    let summary = format!(
        "{verb} the slot of environment {} on {}",
        quoted(&before.name),
        quoted(&infra.name)
    );
    Ok(Decision::new(summary)
        .about_infra(infra.id)
        .change(Change::update(before, after)))
}
