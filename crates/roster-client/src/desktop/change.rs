//! One change as the window sends it: records named the way the admin sees them (e-mails,
//! infrastructure names, `APP/ROLE`). Each becomes one call of the session's change API,
//! so the window and the CLI go through the same code and the same rules.

use roster_core::{Edition, Hosting, Level, MemberKind};
use roster_store::Outcome;
use serde::{Deserialize, Serialize};

use crate::changes::InviteRequest;
use crate::error::{ClientError, bad_input};
use crate::session::Session;

/// The most changes one bulk action makes; a selection larger than this is refused
/// before anything is written.
pub const MAX_BULK: usize = 5000;

/// A change the window asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    Invite {
        email: String,
        name: Option<String>,
        kind: MemberKind,
        #[serde(default)]
        company_admin: bool,
        /// Infrastructure name → level.
        #[serde(default)]
        grants: Vec<(String, Level)>,
        /// Infrastructures to get a Development permission on.
        #[serde(default)]
        dev: Vec<String>,
        /// Roles as `APP/ROLE`.
        #[serde(default)]
        roles: Vec<String>,
    },
    ResendInvitation {
        email: String,
    },
    RevokeInvitation {
        email: String,
    },
    Grant {
        email: String,
        infra: String,
        level: Level,
    },
    Revoke {
        email: String,
        infra: String,
    },
    CompanyAdmin {
        email: String,
        on: bool,
    },
    Administrator {
        email: String,
        on: bool,
    },
    /// `phone: None` clears the security contact.
    SecurityContact {
        email: String,
        phone: Option<String>,
    },
    Rename {
        email: String,
        name: String,
    },
    Deactivate {
        email: String,
    },
    Reactivate {
        email: String,
    },
    Delete {
        email: String,
    },
    AssignRole {
        email: String,
        role: String,
    },
    RevokeRole {
        email: String,
        role: String,
    },
    AddSubscription {
        name: String,
        edition: Edition,
    },
    AddInfrastructure {
        name: String,
        subscription: String,
        hosting: Hosting,
    },
    AddEnvironment {
        infra: String,
        name: String,
        /// `YYYY-MM-DD`, or none.
        licence_expires: Option<String>,
    },
    EnvironmentSlot {
        infra: String,
        environment: String,
        registered: bool,
    },
    AddApp {
        name: String,
    },
    AddRole {
        app: String,
        role: String,
    },
}

/// What became of one change of a bulk action.
#[derive(Debug, Clone, Serialize)]
pub struct BulkResult {
    /// The member the change was about, or what else it named.
    pub subject: String,
    pub ok: bool,
    pub summary: String,
    /// The refusal's code when not `ok`.
    pub code: Option<String>,
}

impl Change {
    pub(crate) fn apply_to(self, session: &mut Session) -> Result<Outcome, ClientError> {
        match self {
            Self::Invite {
                email,
                name,
                kind,
                company_admin,
                grants,
                dev,
                roles,
            } => session.invite(&InviteRequest {
                email,
                name: name.filter(|n| !n.trim().is_empty()),
                kind,
                company_admin,
                grants,
                dev,
                roles,
            }),
            Self::ResendInvitation { email } => session.resend_invitation(&email),
            Self::RevokeInvitation { email } => session.revoke_invitation(&email),
            Self::Grant {
                email,
                infra,
                level,
            } => session.grant(&email, &infra, level),
            Self::Revoke { email, infra } => session.revoke(&email, &infra),
            Self::CompanyAdmin { email, on } => session.set_company_admin(&email, on),
            Self::Administrator { email, on } => session.set_administrator(&email, on),
            Self::SecurityContact { email, phone } => {
                session.set_security_contact(&email, phone.as_deref())
            }
            Self::Rename { email, name } => session.rename_member(&email, &name),
            Self::Deactivate { email } => session.deactivate(&email),
            Self::Reactivate { email } => session.reactivate(&email),
            Self::Delete { email } => session.delete(&email),
            Self::AssignRole { email, role } => session.assign_role(&email, &role),
            Self::RevokeRole { email, role } => session.revoke_role(&email, &role),
            Self::AddSubscription { name, edition } => session.add_subscription(&name, edition),
            Self::AddInfrastructure {
                name,
                subscription,
                hosting,
            } => session.add_infrastructure(&name, &subscription, hosting),
            Self::AddEnvironment {
                infra,
                name,
                licence_expires,
            } => {
                let date = licence_expires
                    .filter(|d| !d.trim().is_empty())
                    .map(|text| parse_date(&text))
                    .transpose()?;
                session.add_environment(&infra, &name, date)
            }
            Self::EnvironmentSlot {
                infra,
                environment,
                registered,
            } => session.set_environment_slot(&infra, &environment, registered),
            Self::AddApp { name } => session.add_app(&name),
            Self::AddRole { app, role } => session.add_role(&app, &role),
        }
    }

    /// Applies the change and reports it instead of failing, for bulk actions.
    pub(crate) fn apply_reporting(self, session: &mut Session) -> BulkResult {
        let subject = self.subject();
        match self.apply_to(session) {
            Ok(Outcome::Applied { summary, .. } | Outcome::Unchanged { summary }) => BulkResult {
                subject,
                ok: true,
                summary,
                code: None,
            },
            Err(err) => BulkResult {
                subject,
                ok: false,
                summary: err.to_string(),
                code: Some(err.code().to_owned()),
            },
        }
    }

    fn subject(&self) -> String {
        match self {
            Self::Invite { email, .. }
            | Self::ResendInvitation { email }
            | Self::RevokeInvitation { email }
            | Self::Grant { email, .. }
            | Self::Revoke { email, .. }
            | Self::CompanyAdmin { email, .. }
            | Self::Administrator { email, .. }
            | Self::SecurityContact { email, .. }
            | Self::Rename { email, .. }
            | Self::Deactivate { email }
            | Self::Reactivate { email }
            | Self::Delete { email }
            | Self::AssignRole { email, .. }
            | Self::RevokeRole { email, .. } => email.clone(),
            Self::AddSubscription { name, .. }
            | Self::AddInfrastructure { name, .. }
            | Self::AddApp { name } => name.clone(),
            Self::AddEnvironment { infra, name, .. } => format!("{infra}/{name}"),
            Self::EnvironmentSlot {
                infra, environment, ..
            } => format!("{infra}/{environment}"),
            Self::AddRole { app, role } => format!("{app}/{role}"),
        }
    }
}

fn parse_date(text: &str) -> Result<roster_core::Date, ClientError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    roster_core::Date::parse(text.trim(), format).map_err(|_| {
        bad_input(format!(
            "The licence expiry must be a date YYYY-MM-DD, not “{text}”."
        ))
    })
}
