//! Apps, their end-user roles, and support cases.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_core::{AppId, CaseId, InfraId, Op, Read, RoleId, authorize_read};
use roster_wire::{
    AppView, ChangeResult, EditName, ErrorResponse, NewApp, NewSupportCase, SupportCaseView,
};
use uuid::Uuid;

use super::change_result;
use crate::app::{AppState, SignedIn};
use crate::error::ApiError;
use crate::extract::{Body, Path};

/// Apps with their roles.
#[utoipa::path(get, path = "/api/v1/apps", tag = "apps", security(("bearer" = [])),
    responses((status = 200, body = [AppView]), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Json<Vec<AppView>>, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    Ok(Json(state.db.run(|db| db.apps()).await?))
}

/// Add an app.
#[utoipa::path(post, path = "/api/v1/apps", tag = "apps", request_body = NewApp, security(("bearer" = [])),
    responses((status = 201, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn add(
    State(state): State<AppState>,
    me: SignedIn,
    Body(body): Body<NewApp>,
) -> Result<(StatusCode, Json<ChangeResult>), ApiError> {
    let id = AppId::from_uuid(Uuid::now_v7());
    let applied = me
        .run(
            &state,
            Op::AddApp {
                id,
                name: body.name,
            },
            Vec::new(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(change_result(applied, Some(*id.as_uuid()))),
    ))
}

/// Add an end-user role to an app.
#[utoipa::path(post, path = "/api/v1/apps/{id}/roles", tag = "apps", params(("id" = Uuid, Path)), request_body = EditName,
    security(("bearer" = [])),
    responses((status = 201, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub async fn add_role(
    State(state): State<AppState>,
    me: SignedIn,
    Path(app): Path<Uuid>,
    Body(body): Body<EditName>,
) -> Result<(StatusCode, Json<ChangeResult>), ApiError> {
    let id = RoleId::from_uuid(Uuid::now_v7());
    let applied = me
        .run(
            &state,
            Op::AddRole {
                id,
                app: AppId::from_uuid(app),
                name: body.name,
            },
            Vec::new(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(change_result(applied, Some(*id.as_uuid()))),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseParams {
    /// The infrastructure whose cases to list.
    infra: Uuid,
}

/// The support cases of an infrastructure the caller may see: all of them for Company
/// Admins and its Infra Admins, one's own otherwise. Others' cases are simply not listed.
#[utoipa::path(get, path = "/api/v1/support-cases", tag = "support", params(CaseParams), security(("bearer" = [])),
    responses((status = 200, body = [SupportCaseView]), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn cases(
    State(state): State<AppState>,
    me: SignedIn,
    crate::extract::Query(params): crate::extract::Query<CaseParams>,
) -> Result<Json<Vec<SupportCaseView>>, ApiError> {
    let infra = InfraId::from_uuid(params.infra);
    roster_core::authorize_read(&me.rights, Read::SupportCases { infra })?;
    let cases = state.db.run(move |db| db.support_cases(infra)).await?;
    Ok(Json(
        cases
            .into_iter()
            .filter(|(case, contacts)| roster_core::can_view_case(&me.rights, case, contacts))
            .map(|(case, contacts)| SupportCaseView {
                id: *case.id.as_uuid(),
                infra: *case.infra.as_uuid(),
                reporter: *case.reporter.as_uuid(),
                title: case.title.to_string(),
                needs_approval: case.needs_approval,
                opened_at: case.opened_at.unix_millis(),
                contacts: contacts
                    .into_iter()
                    .map(|c| c.contact.to_string())
                    .collect(),
            })
            .collect(),
    ))
}

/// Register a support case on an infrastructure.
#[utoipa::path(post, path = "/api/v1/support-cases", tag = "support", request_body = NewSupportCase, security(("bearer" = [])),
    responses((status = 201, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn register_case(
    State(state): State<AppState>,
    me: SignedIn,
    Body(body): Body<NewSupportCase>,
) -> Result<(StatusCode, Json<ChangeResult>), ApiError> {
    let id = CaseId::from_uuid(Uuid::now_v7());
    let op = Op::RegisterSupportCase {
        id,
        infra: InfraId::from_uuid(body.infra),
        title: body.title,
        cc: body.cc,
    };
    Ok((
        StatusCode::CREATED,
        Json(change_result(
            me.run(&state, op, Vec::new()).await?,
            Some(*id.as_uuid()),
        )),
    ))
}

/// Approve a support case registered by someone who is not its infrastructure's admin.
#[utoipa::path(post, path = "/api/v1/support-cases/{id}/approve", tag = "support", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn approve_case(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<ChangeResult>, ApiError> {
    Ok(Json(change_result(
        me.run(
            &state,
            Op::ApproveSupportCase {
                id: CaseId::from_uuid(id),
            },
            Vec::new(),
        )
        .await?,
        None,
    )))
}

/// Remove a support contact from every case.
#[utoipa::path(delete, path = "/api/v1/support-contacts/{email}", tag = "support", params(("email" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn remove_contact(
    State(state): State<AppState>,
    me: SignedIn,
    Path(email): Path<String>,
) -> Result<Json<ChangeResult>, ApiError> {
    Ok(Json(change_result(
        me.run(&state, Op::RemoveSupportContact { email }, Vec::new())
            .await?,
        None,
    )))
}
