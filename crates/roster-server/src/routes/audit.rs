//! Reading the audit trail: Company Admins all of it, Infra Admins the entries about the
//! infrastructures they administer, others nothing.

use axum::Json;
use axum::extract::State;
use roster_core::{AuditScope, InfraId};
use roster_wire::{AuditEntryView, ErrorResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::{AppState, SignedIn};
use crate::error::ApiError;
use crate::extract::Query;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// 1–1000, default 100.
    limit: Option<u32>,
    /// Entries before this sequence number (paging back in time).
    before: Option<i64>,
}

/// Audit entries, newest first, within the caller's scope.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, body = [AuditEntryView]), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse)))]
pub async fn list(
    State(state): State<AppState>,
    me: SignedIn,
    Query(params): Query<AuditParams>,
) -> Result<Json<Vec<AuditEntryView>>, ApiError> {
    let scope = AuditScope::of(&me.rights).ok_or_else(|| {
        roster_core::Refusal::forbidden(
            "Only Company Admins and Infra Admins may read the audit trail.",
        )
    })?;
    let infras: Option<Vec<InfraId>> = match scope {
        AuditScope::All => None,
        AuditScope::Infras(infras) => Some(infras.into_iter().collect()),
    };
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .db
        .run(move |db| db.audit(infras.as_deref(), limit, params.before))
        .await?;
    Ok(Json(entries))
}
