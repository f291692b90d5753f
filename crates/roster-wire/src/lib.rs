//! What crosses the wire between Roster's company server and its clients: request and
//! response bodies, [`ErrorResponse`], and the API version. The server and the client
//! (sync) both use these types, so a body is defined once; each derives its OpenAPI schema.
//!
//! Ids are UUIDs, times are Unix milliseconds, enums are snake_case strings (in JSON; the
//! snapshot's binary frames carry the same values in postcard, see [`encode_frame`]).
//! Request bodies refuse unknown fields, so a typo is an error rather than a silent no-op.

mod frames;
mod requests;
mod sync;
mod views;

pub use frames::{FrameError, MAX_FRAME, SNAPSHOT_FRAMES_MEDIA_TYPE, decode_frame, encode_frame};
pub use requests::*;
pub use sync::*;
pub use views::*;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The version of this API; it is in every path (`/api/v1`).
pub const API_VERSION: u32 = 1;

/// Every error the API returns: a stable code to branch on and a message for a person.
/// Internals (SQL, stack traces) are logged by the server, never returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    /// e.g. `forbidden`, `last_company_admin`, `invalid_email`, `unauthorized`, `rate_limited`.
    pub code: String,
    pub message: String,
}

impl ErrorResponse {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<roster_core::Refusal> for ErrorResponse {
    fn from(refusal: roster_core::Refusal) -> Self {
        Self {
            code: refusal.code.to_string(),
            message: refusal.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_crosses_the_wire_with_its_stable_code() {
        let refusal =
            roster_core::Refusal::new(roster_core::RefusalCode::LastCompanyAdmin, "keep one");
        let json = serde_json::to_value(ErrorResponse::from(refusal)).expect("json");
        assert_eq!(
            json,
            serde_json::json!({ "code": "last_company_admin", "message": "keep one" })
        );
    }

    #[test]
    fn request_bodies_refuse_unknown_fields_and_wrong_types() {
        let typo =
            serde_json::from_str::<InviteMember>(r#"{"email":"a@b.example","company_admn":true}"#);
        assert!(
            typo.is_err(),
            "a misspelt field must not silently invite a plain member"
        );
        let wrong = serde_json::from_str::<Toggle>(r#"{"on":"yes"}"#);
        assert!(wrong.is_err());
        let invite: InviteMember =
            serde_json::from_str(r#"{"email":"a@b.example"}"#).expect("defaults");
        assert_eq!(invite.kind, roster_core::MemberKind::ItUser);
        assert!(!invite.company_admin && invite.grants.is_empty());
    }
}
