//! Signing in and out, changing one's own password, and sending someone a reset link.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use roster_core::{Email, Timestamp, password};
use roster_wire::{ChangePassword, ErrorResponse, SessionGranted, SignIn};

use crate::app::{AppState, SignedIn, address_of, now};
use crate::error::ApiError;
use crate::extract::Body;
use crate::secrets;
use crate::storage::{Caller, LinkPurpose, Mail, SideEffect};

/// How long a password-reset link stays valid.
const RESET_LINK_HOURS: i64 = 24;

/// The client's address, as an extractor.
#[derive(Debug)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(address_of(parts)))
    }
}

fn wrong_credentials() -> ApiError {
    // The same answer for an unknown account and a wrong password.
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "wrong_credentials",
        "The e-mail address or the password is wrong.",
    )
}

/// Sign in with e-mail and password; answers a session token.
#[utoipa::path(post, path = "/api/v1/auth/sign-in", tag = "auth", request_body = SignIn,
    responses((status = 200, body = SessionGranted), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 429, body = ErrorResponse)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Body(body): Body<SignIn>,
) -> Result<Json<SessionGranted>, ApiError> {
    let account = body.email.trim().to_ascii_lowercase();
    if state.throttle.retry_after(&account, &address).is_some() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many failed sign-ins for this account or from this address; wait 15 minutes and try again.",
        ));
    }
    let email = Email::parse(&body.email).ok();
    let password = zeroize::Zeroizing::new(body.password);
    let session_days = state.config.session_days;
    let addr = address.clone();
    let granted = state
        .db
        .run(move |db| {
            let member = match &email {
                Some(email) => db.member_by_email(email)?,
                None => None,
            };
            let hash = match &member {
                Some(m) => db.password_hash(m.id)?,
                None => None,
            };
            // Verify against a decoy when there is no account, so both failures take as long.
            let matches = secrets::verify_password(
                &password,
                hash.as_deref().unwrap_or(secrets::decoy_hash()),
            );
            let Some(member) = member.filter(|m| matches && hash.is_some() && m.is_active()) else {
                let caller = Caller {
                    actor: roster_core::Actor::Member {
                        id: roster_core::MemberId::from_uuid(uuid::Uuid::nil()),
                    },
                    label: "anonymous".into(),
                    address: addr.clone(),
                };
                let summary = format!(
                    "failed sign-in for {}",
                    email
                        .as_ref()
                        .map_or("an invalid address".to_owned(), ToString::to_string)
                );
                db.audit_attempt(&caller, now(), "sign_in_failed", "sign_in", &summary)?;
                return Ok(None);
            };
            let token = secrets::new_token()
                .map_err(|e| crate::storage::StorageError::corrupt(e.to_string()))?;
            let at = now();
            let expires_at = at.plus_days(session_days);
            db.create_session(
                &secrets::token_hash(&token),
                member.id,
                at,
                expires_at,
                &addr,
            )?;
            let view = db
                .member_detail(member.id)?
                .map(|d| d.member)
                .ok_or_else(|| crate::storage::StorageError::corrupt("member vanished"))?;
            Ok(Some(SessionGranted {
                token: token.to_string(),
                expires_at: expires_at.unix_millis(),
                member: view,
            }))
        })
        .await?;
    match granted {
        Some(granted) => {
            state.throttle.succeeded(&account);
            Ok(Json(granted))
        }
        None => {
            state.throttle.failed(&account, &address);
            Err(wrong_credentials())
        }
    }
}

/// End this session.
#[utoipa::path(post, path = "/api/v1/auth/sign-out", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorResponse)))]
pub async fn sign_out(State(state): State<AppState>, me: SignedIn) -> Result<StatusCode, ApiError> {
    state
        .db
        .run(move |db| db.end_session(&me.token_hash))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change one's own password; the old one is required. Ends every session.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePassword, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub async fn change_password(
    State(state): State<AppState>,
    me: SignedIn,
    Body(body): Body<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    let old = zeroize::Zeroizing::new(body.old_password);
    let new = zeroize::Zeroizing::new(body.new_password);
    let member = me.member;
    let caller = me.caller.clone();
    state
        .db
        .run(move |db| {
            let hash = db.password_hash(member)?.unwrap_or_default();
            if !secrets::verify_password(&old, &hash) {
                return Err(roster_core::Refusal::forbidden(
                    "The current password is wrong; nothing was changed.",
                )
                .into());
            }
            let profile = db
                .member(member)?
                .ok_or_else(|| crate::storage::StorageError::corrupt("member vanished"))?;
            password::check(&new, &[profile.email.as_str(), profile.name.as_str()])?;
            let new_hash = secrets::hash_password(&new)
                .map_err(|e| crate::storage::StorageError::corrupt(e.to_string()))?;
            db.set_password(member, &new_hash, now())?;
            db.audit_attempt(
                &caller,
                now(),
                "applied",
                "change_password",
                &format!("{} changed their password", profile.email),
            )
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a member a link to choose a new password. Company Admins only; nobody ever
/// chooses another person's password.
#[utoipa::path(post, path = "/api/v1/members/{id}/password-reset", tag = "auth", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "member id")),
    responses((status = 202), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn send_password_reset(
    State(state): State<AppState>,
    me: SignedIn,
    crate::extract::Path(id): crate::extract::Path<uuid::Uuid>,
) -> Result<StatusCode, ApiError> {
    roster_core::authorize_password_reset(&me.rights, None)?;
    let token = secrets::new_token().map_err(ApiError::internal)?;
    let link = format!(
        "{}/reset/{}",
        state.config.public_url.trim_end_matches('/'),
        token.as_str()
    );
    let token_hash = secrets::token_hash(&token);
    let caller = me.caller.clone();
    let rights = me.rights.clone();
    state
        .db
        .run(move |db| {
            let member = db
                .member(roster_core::MemberId::from_uuid(id))?
                .ok_or_else(|| roster_core::Refusal::not_found("No such member."))?;
            roster_core::authorize_password_reset(&rights, Some(&member))?;
            let at = now();
            let effects = [
                SideEffect::LinkToken {
                    token_hash,
                    purpose: LinkPurpose::PasswordReset,
                    member: member.id,
                    invitation: None,
                    expires_at: Timestamp::from_unix_millis(at.unix_millis() + RESET_LINK_HOURS * 3_600_000),
                },
                SideEffect::Mail(Mail {
                    id: 0,
                    recipient: member.email.to_string(),
                    subject: "Choose a new Roster password".into(),
                    body: format!(
                        "Hello {},\n\nAn administrator sent you a link to choose a new password for Roster:\n\n{link}\n\nThe link works once, for {RESET_LINK_HOURS} hours. If you did not expect it, ignore this mail.\n",
                        member.name
                    ),
                    attempts: 0,
                }),
            ];
            db.commit_effects(&caller, at, "send_password_reset", &format!("sent a password-reset link to {}", member.email), &effects)
        })
        .await?;
    state.mail_queued.notify_one();
    Ok(StatusCode::ACCEPTED)
}
