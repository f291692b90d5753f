//! Request bodies.

use roster_core::{Edition, Hosting, Level, MemberKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub old_password: String,
    pub new_password: String,
}

/// A permission that comes with an invitation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    pub infra: Uuid,
    pub level: Level,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteMember {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "default_kind")]
    pub kind: MemberKind,
    #[serde(default)]
    pub company_admin: bool,
    #[serde(default)]
    pub grants: Vec<GrantBody>,
    /// Infrastructures to give a Development permission on (cloud or hybrid, not sentry).
    #[serde(default)]
    pub dev: Vec<Uuid>,
    #[serde(default)]
    pub roles: Vec<Uuid>,
}

/// Tells a field sent as `null` (`Some(None)`) from a field left out (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn default_kind() -> MemberKind {
    MemberKind::ItUser
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLevel {
    pub level: Level,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Toggle {
    pub on: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPhone {
    /// International form: `+` and 8–15 digits.
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditName {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    pub name: String,
    pub edition: Edition,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditSubscription {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub edition: Option<Edition>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInfrastructure {
    pub name: String,
    pub subscription: Uuid,
    pub hosting: Hosting,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInfrastructure {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub subscription: Option<Uuid>,
    #[serde(default)]
    pub hosting: Option<Hosting>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnvironment {
    pub name: String,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub licence_expires: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditEnvironment {
    #[serde(default)]
    pub name: Option<String>,
    /// `YYYY-MM-DD`, or `null` to clear; leave out to keep.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub licence_expires: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApp {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSupportCase {
    pub infra: Uuid,
    pub title: String,
    /// E-mail addresses of support contacts to put in cc.
    #[serde(default)]
    pub cc: Vec<String>,
}
