//! The server's shared state, who is calling, and the one path every change takes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use roster_core::{Actor, DeviceId, Envelope, MemberId, Op, OpId, Rights, Timestamp};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::error::ApiError;
use crate::secrets;
use crate::storage::{Applied, Caller, Db, SideEffect};
use crate::throttle::Throttle;

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where people reach the server: invitation links start with it.
    pub public_url: String,
    /// How long a session lasts.
    pub session_days: i64,
    /// Where published release files are kept (`DATA/releases`).
    pub releases_dir: std::path::PathBuf,
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub throttle: Arc<Throttle>,
    /// Wakes the mail sender when mail is queued.
    pub mail_queued: Arc<Notify>,
}

/// Ops made through the API come from no client device; they are recorded as this one.
pub const API_DEVICE: DeviceId = DeviceId::from_uuid(Uuid::nil());

pub fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_unix_millis(i64::try_from(millis).unwrap_or(i64::MAX))
}

/// The client's address, for throttling and the audit trail.
pub fn address_of(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            |ConnectInfo(addr)| addr.ip().to_string(),
        )
}

/// A signed-in member, with their rights as the server knows them now.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub member: MemberId,
    pub rights: Rights,
    pub caller: Caller,
    pub token_hash: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let token_hash = secrets::token_hash(token);
        let address = address_of(parts);
        let hash = token_hash.clone();
        let found = state
            .db
            .run(move |db| db.session_member(&hash, now()))
            .await?;
        // A session of a member who is no longer active is as good as none.
        let Some(found) = found.filter(|found| found.rights.is_active_member()) else {
            return Err(ApiError::unauthorized());
        };
        Ok(Self {
            member: found.id,
            rights: found.rights,
            caller: Caller {
                actor: Actor::Member { id: found.id },
                label: found.email,
                address,
            },
            token_hash,
        })
    }
}

impl SignedIn {
    /// Runs one op as this member: decided with the rights the server holds now, written
    /// with its audit entry in one transaction.
    pub async fn run(
        &self,
        state: &AppState,
        op: Op,
        effects: Vec<SideEffect>,
    ) -> Result<Applied, ApiError> {
        run_as(state, self.caller.clone(), op, effects).await
    }
}

/// Runs one op for `caller`.
pub async fn run_as(
    state: &AppState,
    caller: Caller,
    op: Op,
    effects: Vec<SideEffect>,
) -> Result<Applied, ApiError> {
    let mails = effects.iter().any(|e| matches!(e, SideEffect::Mail(_)));
    let envelope = Envelope {
        id: OpId::from_uuid(Uuid::now_v7()),
        actor: caller.actor.clone(),
        device: API_DEVICE,
        at: now(),
        op,
        expects: Vec::new(),
    };
    let applied = state
        .db
        .run(move |db| db.apply(&envelope, &caller, &effects))
        .await?;
    if mails {
        state.mail_queued.notify_one();
    }
    Ok(applied)
}
