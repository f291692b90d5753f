//! Every error the API returns is an [`ErrorResponse`] with a status that fits it. Internal
//! failures are logged with their detail and answered with a generic message.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use roster_core::{Refusal, RefusalCode};
use roster_wire::ErrorResponse;

use crate::storage::StorageError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorResponse,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorResponse::new(code, message),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in first: send `Authorization: Bearer <token>` from POST /api/v1/auth/sign-in.",
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// An internal failure: logged in full, answered without detail.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on the server; it was logged. Try again.",
        )
    }
}

/// The HTTP status of each refusal code.
fn status_of(code: RefusalCode) -> StatusCode {
    match code {
        RefusalCode::Forbidden => StatusCode::FORBIDDEN,
        RefusalCode::NotFound => StatusCode::NOT_FOUND,
        RefusalCode::LastCompanyAdmin
        | RefusalCode::DuplicateEmail
        | RefusalCode::DuplicateName
        | RefusalCode::InvalidState
        | RefusalCode::EditConflict
        | RefusalCode::DevPermissionNotAllowed => StatusCode::CONFLICT,
        RefusalCode::InvitationExpired => StatusCode::GONE,
        RefusalCode::InvalidEmail
        | RefusalCode::InvalidPhone
        | RefusalCode::InvalidName
        | RefusalCode::WeakPassword
        | RefusalCode::NotItUser
        | RefusalCode::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        Self {
            status: status_of(refusal.code),
            body: refusal.into(),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Refused(refusal) => refusal.into(),
            StorageError::NotInitialised => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_initialised",
                "The server has not been initialised yet.",
            ),
            other => Self::internal(other),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            _ => "invalid_body",
        };
        // axum's text names the field and the problem ("unknown field `x`", "invalid type").
        Self::new(
            status,
            code,
            format!("The request body is not valid: {}", rejection.body_text()),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(format!(
            "The query string is not valid: {}",
            rejection.body_text()
        ))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(format!("The path is not valid: {}", rejection.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
