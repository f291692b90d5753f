//! The company, its subscriptions, infrastructures and environments.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_core::{EnvironmentId, InfraId, Op, Read, SubscriptionId, authorize_read};
use roster_wire::{
    ChangeResult, CompanyView, EditEnvironment, EditInfrastructure, EditName, EditSubscription,
    ErrorResponse, InfrastructureView, NewEnvironment, NewInfrastructure, NewSubscription,
    SubscriptionView,
};
use uuid::Uuid;

use super::change_result;
use crate::app::{AppState, SignedIn};
use crate::error::ApiError;
use crate::extract::{Body, Path};

/// The company.
#[utoipa::path(get, path = "/api/v1/company", tag = "company", security(("bearer" = [])),
    responses((status = 200, body = CompanyView), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn show(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Json<CompanyView>, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    let company = state
        .db
        .run(|db| db.company())
        .await?
        .ok_or_else(|| ApiError::not_found("No company yet."))?;
    Ok(Json(CompanyView {
        name: company.name.to_string(),
    }))
}

/// Rename the company.
#[utoipa::path(patch, path = "/api/v1/company", tag = "company", request_body = EditName, security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn edit(
    State(state): State<AppState>,
    me: SignedIn,
    Body(body): Body<EditName>,
) -> Result<Json<ChangeResult>, ApiError> {
    Ok(Json(change_result(
        me.run(&state, Op::EditCompany { name: body.name }, Vec::new())
            .await?,
        None,
    )))
}

/// The company's subscriptions.
#[utoipa::path(get, path = "/api/v1/subscriptions", tag = "company", security(("bearer" = [])),
    responses((status = 200, body = [SubscriptionView]), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn subscriptions(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Json<Vec<SubscriptionView>>, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    Ok(Json(state.db.run(|db| db.subscriptions()).await?))
}

/// Add a subscription.
#[utoipa::path(post, path = "/api/v1/subscriptions", tag = "company", request_body = NewSubscription, security(("bearer" = [])),
    responses((status = 201, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn add_subscription(
    State(state): State<AppState>,
    me: SignedIn,
    Body(body): Body<NewSubscription>,
) -> Result<(StatusCode, Json<ChangeResult>), ApiError> {
    let id = SubscriptionId::from_uuid(Uuid::now_v7());
    let applied = me
        .run(
            &state,
            Op::AddSubscription {
                id,
                name: body.name,
                edition: body.edition,
            },
            Vec::new(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(change_result(applied, Some(*id.as_uuid()))),
    ))
}

/// Edit a subscription.
#[utoipa::path(patch, path = "/api/v1/subscriptions/{id}", tag = "company", params(("id" = Uuid, Path)),
    request_body = EditSubscription, security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub async fn edit_subscription(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
    Body(body): Body<EditSubscription>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::EditSubscription {
        id: SubscriptionId::from_uuid(id),
        name: body.name,
        edition: body.edition,
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

/// Infrastructures with their environments.
#[utoipa::path(get, path = "/api/v1/infrastructures", tag = "company", security(("bearer" = [])),
    responses((status = 200, body = [InfrastructureView]), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn infrastructures(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Json<Vec<InfrastructureView>>, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    Ok(Json(state.db.run(|db| db.infrastructures()).await?))
}

/// Add an infrastructure.
#[utoipa::path(post, path = "/api/v1/infrastructures", tag = "company", request_body = NewInfrastructure, security(("bearer" = [])),
    responses((status = 201, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub async fn add_infrastructure(
    State(state): State<AppState>,
    me: SignedIn,
    Body(body): Body<NewInfrastructure>,
) -> Result<(StatusCode, Json<ChangeResult>), ApiError> {
    let id = InfraId::from_uuid(Uuid::now_v7());
    let op = Op::AddInfrastructure {
        id,
        name: body.name,
        subscription: SubscriptionId::from_uuid(body.subscription),
        hosting: body.hosting,
    };
    Ok((
        StatusCode::CREATED,
        Json(change_result(
            me.run(&state, op, Vec::new()).await?,
            Some(*id.as_uuid()),
        )),
    ))
}

/// Edit an infrastructure.
#[utoipa::path(patch, path = "/api/v1/infrastructures/{id}", tag = "company", params(("id" = Uuid, Path)),
    request_body = EditInfrastructure, security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub async fn edit_infrastructure(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
    Body(body): Body<EditInfrastructure>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::EditInfrastructure {
        id: InfraId::from_uuid(id),
        name: body.name,
        subscription: body.subscription.map(SubscriptionId::from_uuid),
        hosting: body.hosting,
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

/// Add an environment to an infrastructure.
#[utoipa::path(post, path = "/api/v1/infrastructures/{id}/environments", tag = "company", params(("id" = Uuid, Path)),
    request_body = NewEnvironment, security(("bearer" = [])),
    responses((status = 201, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub async fn add_environment(
    State(state): State<AppState>,
    me: SignedIn,
    Path(infra): Path<Uuid>,
    Body(body): Body<NewEnvironment>,
) -> Result<(StatusCode, Json<ChangeResult>), ApiError> {
    let licence_expires = body
        .licence_expires
        .map(|text| {
            roster_core::Date::parse(
                &text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| {
                roster_core::Refusal::new(
                    roster_core::RefusalCode::InvalidInput,
                    "licence_expires must be a date YYYY-MM-DD.",
                )
            })
        })
        .transpose()?;
    let id = EnvironmentId::from_uuid(Uuid::now_v7());
    let op = Op::AddEnvironment {
        id,
        infra: InfraId::from_uuid(infra),
        name: body.name,
        licence_expires,
    };
    Ok((
        StatusCode::CREATED,
        Json(change_result(
            me.run(&state, op, Vec::new()).await?,
            Some(*id.as_uuid()),
        )),
    ))
}

/// Register the environment's licence slot.
#[utoipa::path(put, path = "/api/v1/environments/{id}/slot", tag = "company", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn register_slot(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::RegisterEnvironmentSlot {
        id: EnvironmentId::from_uuid(id),
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

/// Release the environment's licence slot.
#[utoipa::path(delete, path = "/api/v1/environments/{id}/slot", tag = "company", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn release_slot(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Json<ChangeResult>, ApiError> {
    let op = Op::ReleaseEnvironmentSlot {
        id: EnvironmentId::from_uuid(id),
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

/// Rename an environment or change its licence expiry.
#[utoipa::path(patch, path = "/api/v1/environments/{id}", tag = "company", params(("id" = Uuid, Path)),
    request_body = EditEnvironment, security(("bearer" = [])),
    responses((status = 200, body = ChangeResult), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub async fn edit_environment(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
    Body(body): Body<EditEnvironment>,
) -> Result<Json<ChangeResult>, ApiError> {
    let licence_expires = match body.licence_expires {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) => Some(Some(parse_date(&text)?)),
    };
    let op = Op::EditEnvironment {
        id: EnvironmentId::from_uuid(id),
        name: body.name,
        licence_expires,
    };
    Ok(Json(change_result(
        me.run(&state, op, Vec::new()).await?,
        None,
    )))
}

fn parse_date(text: &str) -> Result<roster_core::Date, roster_core::Refusal> {
    roster_core::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        roster_core::Refusal::new(
            roster_core::RefusalCode::InvalidInput,
            "licence_expires must be a date YYYY-MM-DD.",
        )
    })
}

/// Download an environment's licence file (Company Admins and its infrastructure's admins).
#[utoipa::path(get, path = "/api/v1/environments/{id}/licence", tag = "company", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/plain", body = String), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn licence(
    State(state): State<AppState>,
    me: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let found = state
        .db
        .run(move |db| {
            let Some(environment) = db.environment(EnvironmentId::from_uuid(id))? else {
                return Ok(None);
            };
            let infra = db.infrastructure(environment.infra)?;
            let company = db.company()?;
            Ok(Some((environment, infra, company)))
        })
        .await?;
    let Some((environment, Some(infra), Some(company))) = found else {
        return Err(ApiError::not_found("No environment with this id."));
    };
    roster_core::authorize_read(&me.rights, Read::DownloadLicence { infra: infra.id })?;
    let text = format!(
        "Roster environment licence\ncompany: {}\ninfrastructure: {} ({})\nenvironment: {}\nslot: {}\nexpires: {}\nissued: {}\n",
        company.name,
        infra.name,
        infra.hosting,
        environment.name,
        if environment.slot_registered {
            "registered"
        } else {
            "not registered"
        },
        environment
            .licence_expires
            .map_or_else(|| "never".to_owned(), |d| d.to_string()),
        crate::app::now(),
    );
    let disposition = format!("attachment; filename=\"licence-{}.txt\"", environment.id);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}
