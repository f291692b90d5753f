//! Members: list, show, invite, and every change to one member.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_core::{
    Grant, InfraId, InvitationId, Level, MemberId, MemberStatus, Op, Read, RoleId, authorize_read,
};
use roster_wire::{
    ChangeResult, EditName, ErrorResponse, InviteMember, MemberDetailView, MemberPageView,
    SetLevel, SetPhone, Toggle,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::change_result;
use crate::app::{AppState, SignedIn, now};
use crate::error::ApiError;
use crate::extract::{Body, Path, Query};
use crate::secrets;
use crate::storage::{LinkPurpose, Mail, MemberQuery, SideEffect};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words to find in names and e-mails (prefixes; case and accents ignored).
    search: Option<String>,
    status: Option<MemberStatus>,
    /// Only members with a permission on this infrastructure.
    infra: Option<Uuid>,
    /// Only members with this level (on `infra`, or anywhere).
    level: Option<Level>,
    /// 1–1000, default 50.
    limit: Option<u32>,
    offset: Option<u32>,
    /// Also count every match.
    total: Option<bool>,
}

/// Members by name, searched, filtered and paged.
#[utoipa::path(get, path = "/api/v1/members", tag = "members", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = MemberPageView), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    Query(params): Query<ListParams>,
) -> Result<Json<MemberPageView>, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 1000."));
    }
    let query = MemberQuery {
        search: params.search.map(|s| s.chars().take(200).collect()),
        status: params.status,
        infra: params.infra.map(InfraId::from_uuid),
        level: params.level,
        limit,
        offset: params.offset.unwrap_or(0).min(10_000_000),
        with_total: params.total.unwrap_or(false),
    };
    Ok(Json(state.db.run(move |db| db.member_page(&query)).await?))
}

/// One member and everything they hold.
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "members", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = MemberDetailView), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<MemberDetailView>, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    let detail = state
        .db
        .run(move |db| db.member_detail(MemberId::from_uuid(id)))
        .await?;
    detail
        .map(Json)
        .ok_or_else(|| ApiError::not_found("No member with this id."))
}

/// The invitation mail for a member: a link token and the message, both written only if
/// the op that invites (or re-invites) them is applied.
pub(crate) fn invitation_effects(
    state: &AppState,
    member: MemberId,
    invitation: InvitationId,
    email: &str,
    company: &str,
) -> Result<Vec<SideEffect>, ApiError> {
    let token = secrets::new_token().map_err(ApiError::internal)?;
    let link = format!(
        "{}/invite/{}",
        state.config.public_url.trim_end_matches('/'),
        token.as_str()
    );
    let expires_at = now().plus_days(roster_core::INVITATION_VALIDITY_DAYS);
    Ok(vec![
        SideEffect::LinkToken {
            token_hash: secrets::token_hash(&token),
            purpose: LinkPurpose::Invitation,
            member,
            invitation: Some(invitation.to_string()),
            expires_at,
        },
        SideEffect::Mail(Mail {
            id: 0,
            recipient: email.to_owned(),
            subject: format!("You are invited to {company} on Roster"),
            body: format!(
                "Hello,\n\nYou have been invited to join {company} on Roster. Choose your password here:\n\n{link}\n\n\
                 The link works once and expires in {} days.\n",
                roster_core::INVITATION_VALIDITY_DAYS
            ),
            attempts: 0,
        }),
    ])
}

pub(crate) async fn company_name(state: &AppState) -> Result<String, ApiError> {
    Ok(state
        .db
        .run(|db| db.company())
        .await?
        .map(|c| c.name.to_string())
        .unwrap_or_else(|| "your company".into()))
}

/// Invite a member: adds them as pending with the grants that come with the invitation,
/// and e-mails them a link to set their password.
#[utoipa::path(post, path = "/api/v1/members", tag = "members", request_body = InviteMember, security(("bearer" = [])),
    responses((status = 201, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 413, body = ErrorResponse), (status = 415, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn invite(
    State(state): State<AppState>,
    me: SignedIn,
    Body(body): Body<InviteMember>,
) -> Result<(StatusCode, Json<ChangeResult>), ApiError> {
    let id = MemberId::from_uuid(Uuid::now_v7());
    let invitation = InvitationId::from_uuid(Uuid::now_v7());
    let effects = invitation_effects(
        &state,
        id,
        invitation,
        body.email.trim(),
        &company_name(&state).await?,
    )?;
    let op = Op::InviteMember {
        id,
        invitation,
        email: body.email,
        name: body.name,
        kind: body.kind,
        company_admin: body.company_admin,
        grants: body
            .grants
            .into_iter()
            .map(|g| Grant {
                infra: InfraId::from_uuid(g.infra),
                level: g.level,
            })
            .collect(),
        dev: body.dev.into_iter().map(InfraId::from_uuid).collect(),
        roles: body.roles.into_iter().map(RoleId::from_uuid).collect(),
    };
    let applied = me.run(&state, op, effects).await?;
    Ok((
        StatusCode::CREATED,
        Json(change_result(applied, Some(*id.as_uuid()))),
    ))
}

/// Send a new invitation link; the previous one stops working.
#[utoipa::path(post, path = "/api/v1/members/{id}/invitation", tag = "members", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn resend_invitation(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<ChangeResult>, ApiError> {
    let member = MemberId::from_uuid(id);
    let invitation = InvitationId::from_uuid(Uuid::now_v7());
    let email = state
        .db
        .run(move |db| db.member(member))
        .await?
        .map(|m| m.email.to_string())
        .unwrap_or_default();
    let effects = invitation_effects(
        &state,
        member,
        invitation,
        &email,
        &company_name(&state).await?,
    )?;
    let applied = me
        .run(&state, Op::ResendInvitation { member, invitation }, effects)
        .await?;
    Ok(Json(change_result(applied, None)))
}

macro_rules! member_change {
    ($(#[$doc:meta])* $name:ident, $method:ident, $path:literal, $body:ty, |$member:ident, $b:ident| $op:expr) => {
        $(#[$doc])*
        #[utoipa::path($method, path = $path, tag = "members", params(("id" = Uuid, Path)), request_body = $body,
            security(("bearer" = [])),
            responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse),
                (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
                (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
        pub async fn $name(State(state): State<AppState>, me: SignedIn, Path(id): Path<Uuid>, Body($b): Body<$body>) -> Result<Json<ChangeResult>, ApiError> {
            let $member = MemberId::from_uuid(id);
            let applied = me.run(&state, $op, Vec::new()).await?;
            Ok(Json(change_result(applied, None)))
        }
    };
    ($(#[$doc:meta])* $name:ident, $method:ident, $path:literal, |$member:ident| $op:expr) => {
        $(#[$doc])*
        #[utoipa::path($method, path = $path, tag = "members", params(("id" = Uuid, Path)), security(("bearer" = [])),
            responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse),
                (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
                (status = 409, body = ErrorResponse)))]
        pub async fn $name(State(state): State<AppState>, me: SignedIn, Path(id): Path<Uuid>) -> Result<Json<ChangeResult>, ApiError> {
            let $member = MemberId::from_uuid(id);
            let applied = me.run(&state, $op, Vec::new()).await?;
            Ok(Json(change_result(applied, None)))
        }
    };
}

member_change!(
    /// Revoke a pending invitation.
    revoke_invitation, delete, "/api/v1/members/{id}/invitation", |member| Op::RevokeInvitation { member });
member_change!(
    /// Grant or revoke Company Admin.
    set_company_admin, put, "/api/v1/members/{id}/company-admin", Toggle, |member, body| Op::SetCompanyAdmin { member, on: body.on });
member_change!(
    /// Turn the Administrator organization permission on or off (IT users).
    set_administrator, put, "/api/v1/members/{id}/administrator", Toggle, |member, body| Op::SetAdministrator { member, on: body.on });
member_change!(
    /// Make the member a security contact with this phone number.
    set_security_contact, put, "/api/v1/members/{id}/security-contact", SetPhone, |member, body| Op::SetSecurityContact { member, phone: body.phone });
member_change!(
    /// Clear the member's security-contact role.
    clear_security_contact, delete, "/api/v1/members/{id}/security-contact", |member| Op::ClearSecurityContact { member });
member_change!(
    /// Edit the member's profile name (Company Admins, or the member themself).
    edit, patch, "/api/v1/members/{id}", EditName, |member, body| Op::EditProfile { member, name: body.name });
member_change!(
    /// Deactivate a member: kept, cannot sign in, holds no effective rights.
    deactivate, post, "/api/v1/members/{id}/deactivate", |member| Op::DeactivateMember { member });
member_change!(
    /// Reactivate a deactivated member.
    reactivate, post, "/api/v1/members/{id}/reactivate", |member| Op::ReactivateMember { member });
member_change!(
    /// Delete a member; only the audit trail keeps them.
    delete, delete, "/api/v1/members/{id}", |member| Op::DeleteMember { member });

/// Grant (or change) a permission on an infrastructure.
#[utoipa::path(put, path = "/api/v1/members/{id}/permissions/{infra}", tag = "members",
    params(("id" = Uuid, Path), ("infra" = Uuid, Path)), request_body = SetLevel, security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn grant(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, infra)): Path<(Uuid, Uuid)>,
    Body(body): Body<SetLevel>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::GrantPermission {
        member: MemberId::from_uuid(id),
        infra: InfraId::from_uuid(infra),
        level: body.level,
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

/// Revoke a permission on an infrastructure.
#[utoipa::path(delete, path = "/api/v1/members/{id}/permissions/{infra}", tag = "members",
    params(("id" = Uuid, Path), ("infra" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn revoke(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, infra)): Path<(Uuid, Uuid)>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::RevokePermission {
        member: MemberId::from_uuid(id),
        infra: InfraId::from_uuid(infra),
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

/// Assign an end-user role.
#[utoipa::path(put, path = "/api/v1/members/{id}/roles/{role}", tag = "members",
    params(("id" = Uuid, Path), ("role" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn assign_role(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, role)): Path<(Uuid, Uuid)>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::AssignRole {
        member: MemberId::from_uuid(id),
        role: RoleId::from_uuid(role),
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

/// Revoke an end-user role.
#[utoipa::path(delete, path = "/api/v1/members/{id}/roles/{role}", tag = "members",
    params(("id" = Uuid, Path), ("role" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn revoke_role(
    State(state): State<AppState>,
    me: SignedIn,
    Path((id, role)): Path<(Uuid, Uuid)>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::RevokeRole {
        member: MemberId::from_uuid(id),
        role: RoleId::from_uuid(role),
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}
