//! Response bodies: records as the API shows them.

use roster_core::{Edition, Hosting, InvitationState, Level, MemberKind, MemberStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionGranted {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Unix milliseconds.
    pub expires_at: i64,
    pub member: MemberView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PermissionView {
    pub infra: Uuid,
    pub infra_name: String,
    pub level: Level,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub kind: MemberKind,
    pub status: MemberStatus,
    pub company_admin: bool,
    pub administrator: bool,
    pub phone: Option<String>,
    pub security_contact: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    pub permissions: Vec<PermissionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvitationView {
    pub state: InvitationState,
    pub sent_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberDetailView {
    #[serde(flatten)]
    pub member: MemberView,
    /// Infrastructures the member holds a Development permission on.
    pub dev_permissions: Vec<Uuid>,
    pub roles: Vec<Uuid>,
    pub invitation: Option<InvitationView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberPageView {
    /// Members matching, across all pages (when `total=true` was asked).
    pub total: Option<u64>,
    pub offset: u32,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompanyView {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub name: String,
    pub edition: Edition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EnvironmentView {
    pub id: Uuid,
    pub name: String,
    pub slot_registered: bool,
    /// `YYYY-MM-DD`
    pub licence_expires: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InfrastructureView {
    pub id: Uuid,
    pub name: String,
    pub subscription: Uuid,
    pub hosting: Hosting,
    pub environments: Vec<EnvironmentView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppView {
    pub id: Uuid,
    pub name: String,
    pub roles: Vec<RoleView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SupportCaseView {
    pub id: Uuid,
    pub infra: Uuid,
    pub reporter: Uuid,
    pub title: String,
    pub needs_approval: bool,
    pub opened_at: i64,
    pub contacts: Vec<String>,
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangeResult {
    /// `applied`, or `unchanged` when the state already was as asked.
    pub result: String,
    pub summary: String,
    /// The id of the record the change created, if any (a new member, infrastructure…).
    pub id: Option<Uuid>,
}

/// One entry of the server's audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: i64,
    /// Who: the actor's e-mail (or `anonymous` for a failed sign-in).
    pub actor: String,
    /// From where: the client's address.
    pub from: String,
    /// `applied`, `refused` or `sign_in_failed`.
    pub outcome: String,
    pub action: String,
    pub summary: String,
    /// What changed: a list of changes, each a record created (`before` null) or removed
    /// (`after` null) whole, or an update as the record's `key` with only the fields that
    /// changed, `before` and `after`. For a refused attempt, the op.
    #[serde(with = "crate::frames::json_value")]
    pub changes: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub api_version: u32,
}

/// The newest release for the asking app's platform, in the form tauri-plugin-updater reads
/// (its "dynamic server" format). The app refuses it unless `signature` verifies the file
/// at `url` against the public key built into the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UpdateManifest {
    /// Semantic version, e.g. `0.2.0`.
    pub version: String,
    /// What changed, for the admin to read before installing.
    pub notes: Option<String>,
    /// When the release was published, RFC 3339.
    pub pub_date: String,
    /// Where to download the bundle.
    pub url: String,
    /// The bundle's minisign signature, as `cargo tauri signer sign` writes it (base64).
    pub signature: String,
}
