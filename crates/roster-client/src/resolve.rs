//! Finding records by the names people type: e-mails, infrastructure, subscription, app and
//! role names. An unknown name is `not_found`, with the names that do exist.

use roster_core::{App, Email, Infrastructure, Member, Name, Role, State, Subscription};

use crate::error::{ClientError, bad_input, not_found};
use crate::session::Session;

/// At most this many known names are suggested in a message.
const SUGGESTIONS: usize = 12;

fn known(names: Vec<String>) -> String {
    if names.is_empty() {
        return "there are none yet".to_owned();
    }
    let more = names.len().saturating_sub(SUGGESTIONS);
    let mut list = names
        .into_iter()
        .take(SUGGESTIONS)
        .map(|n| format!("“{n}”"))
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    format!("known: {list}")
}

impl Session {
    pub fn member_by_email(&self, email: &str) -> Result<Member, ClientError> {
        let email = Email::parse(email)?;
        self.workspace()
            .state()
            .member_by_email(&email)?
            .ok_or_else(|| not_found(format!("No member has the e-mail address {email}.")))
    }

    pub fn infrastructure_by_name(&self, name: &str) -> Result<Infrastructure, ClientError> {
        let name = Name::parse_as(name, "infrastructure name")?;
        if let Some(infra) = self.workspace().state().infrastructure_by_name(&name)? {
            return Ok(infra);
        }
        let names = self
            .workspace()
            .infrastructures()?
            .into_iter()
            .map(|i| i.infra.name.to_string())
            .collect();
        Err(not_found(format!(
            "No infrastructure is named “{name}”; {}.",
            known(names)
        )))
    }

    pub fn subscription_by_name(&self, name: &str) -> Result<Subscription, ClientError> {
        let name = Name::parse_as(name, "subscription name")?;
        if let Some(sub) = self.workspace().state().subscription_by_name(&name)? {
            return Ok(sub);
        }
        let names = self
            .workspace()
            .subscriptions()?
            .into_iter()
            .map(|s| s.name.to_string())
            .collect();
        Err(not_found(format!(
            "No subscription is named “{name}”; {}.",
            known(names)
        )))
    }

    pub fn app_by_name(&self, name: &str) -> Result<App, ClientError> {
        let name = Name::parse_as(name, "app name")?;
        if let Some(app) = self.workspace().state().app_by_name(&name)? {
            return Ok(app);
        }
        let names = self
            .workspace()
            .apps()?
            .into_iter()
            .map(|(app, _)| app.name.to_string())
            .collect();
        Err(not_found(format!(
            "No app is named “{name}”; {}.",
            known(names)
        )))
    }

    /// A role written `APP/ROLE`.
    pub fn role_by_path(&self, path: &str) -> Result<(App, Role), ClientError> {
        let Some((app, role)) = path.rsplit_once('/') else {
            return Err(bad_input(format!(
                "Write the role as APP/ROLE, e.g. “Customer Portal/viewer”; got “{}”.",
                path.chars().take(60).collect::<String>()
            )));
        };
        let app = self.app_by_name(app)?;
        let role_name = Name::parse_as(role, "role name")?;
        if let Some(found) = self.workspace().state().role_by_name(app.id, &role_name)? {
            return Ok((app, found));
        }
        let names = self
            .workspace()
            .apps()?
            .into_iter()
            .filter(|(a, _)| a.id == app.id)
            .flat_map(|(_, roles)| roles.into_iter().map(|r| r.name.to_string()))
            .collect();
        Err(not_found(format!(
            "App “{}” has no role named “{role_name}”; {}.",
            app.name,
            known(names)
        )))
    }
}
