//! Sync: devices download a snapshot, push the ops they made (offline or not), and pull the
//! change log after their cursor. See `roster_wire::sync` for the protocol.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use roster_core::{Envelope, MemberId, Op, Read, authorize_read};
use roster_wire::{
    ChangesPage, ChangesQuery, ErrorResponse, MAX_PAGE, MAX_PUSH, OpOutcome, OpResult, PROTOCOL,
    PROTOCOL_HEADER, PushRequest, PushResponse, SNAPSHOT_FRAMES_MEDIA_TYPE, SNAPSHOT_MEDIA_TYPE,
    SnapshotLine, encode_frame,
};
use tokio::sync::mpsc;

use super::members::{company_name, invitation_effects};
use crate::app::{AppState, SignedIn, now};
use crate::encoding::quality;
use crate::error::ApiError;
use crate::extract::{Body, Query};
use crate::storage::{Applied, Caller, SideEffect, StorageError};

/// A push body may carry up to [`MAX_PUSH`] ops; other bodies stay small.
pub const MAX_PUSH_BODY: usize = 4 * 1024 * 1024;

/// A client that speaks this server's sync protocol. Checked from the headers before the
/// body is read, so a client of another version is told what to do about it rather than
/// that its body is malformed.
#[derive(Debug)]
pub struct SyncProtocol;

impl<S: Send + Sync> FromRequestParts<S> for SyncProtocol {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        require_protocol(&parts.headers).map(|()| Self)
    }
}

/// Refuses a client that speaks another sync protocol, with what to do about it.
fn require_protocol(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let sent = headers
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    match sent {
        Some(PROTOCOL) => Ok(()),
        Some(other) if other > PROTOCOL => Err(ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "server_outdated",
            format!(
                "This company server speaks sync protocol {PROTOCOL}, older than your Roster ({other}). Ask your administrator to update roster-server."
            ),
        )),
        _ => Err(ApiError::new(
            StatusCode::UPGRADE_REQUIRED,
            "update_required",
            format!(
                "This Roster is too old for the company server, which speaks sync protocol {PROTOCOL}: please update Roster. Your queued changes are kept."
            ),
        )),
    }
}

/// Everything the signed-in account may see, and the sequence number to pull from, as
/// `roster_wire::SnapshotLine`s sent as they are read: binary frames to a request that
/// accepts `application/x-roster-snapshot` (Roster's devices), JSON lines otherwise.
#[utoipa::path(get, path = "/api/v1/sync/snapshot", tag = "sync", security(("bearer" = [])),
    params(("roster-protocol" = u32, Header, description = "The sync protocol version, 3 (roster_wire::PROTOCOL)")),
    responses((status = 200,
            description = "The roster_wire::SnapshotLines: head, parts, audit, end. As JSON, one per line; as frames (roster_wire::frames), each a 4-byte little-endian length and that many bytes of postcard",
            content(("application/x-ndjson"), ("application/x-roster-snapshot"))),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse),
        (status = 426, body = ErrorResponse), (status = 503, body = ErrorResponse)))]
pub async fn snapshot(
    State(state): State<AppState>,
    _: SyncProtocol,
    me: SignedIn,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    let format = SnapshotFormat::asked(&headers);
    let (rights, account) = (me.rights.clone(), me.member);
    // A few lines in flight: the reader stays a little ahead of the network, no more.
    let (lines, mut sent) = mpsc::channel::<Result<Bytes, StorageError>>(8);
    state.db.spawn(move |db| {
        let streamed = db.snapshot(&rights, account, &mut |line| {
            let bytes = format.encode(&line)?;
            lines
                .blocking_send(Ok(bytes))
                .map_err(|_| StorageError::Task("the device stopped reading the snapshot".into()))
        });
        if let Err(err) = streamed {
            // Before the first line this becomes the answer; after it, the cut stream
            // tells the device (no `end` line) and the log tells the operator.
            tracing::warn!(%err, "a snapshot stream ended early");
            let _ = lines.blocking_send(Err(err));
        }
    });
    // The head comes first, once the read transaction is open: a failure before it (no
    // company yet) is answered as an error, not as a cut stream.
    let head = match sent.recv().await {
        Some(Ok(head)) => head,
        Some(Err(err)) => return Err(err.into()),
        None => return Err(StorageError::Task("the snapshot was not read".into()).into()),
    };
    // `poll_recv` keeps answering `None` once the channel is done: the body may be polled
    // again after its end (for trailers), which `stream::unfold` would panic at.
    let rest = futures_util::stream::poll_fn(move |cx| {
        sent.poll_recv(cx)
            .map(|line| line.map(|line| line.map_err(std::io::Error::other)))
    });
    let body = futures_util::stream::once(async move { Ok(head) }).chain(rest);
    Ok((
        [(header::CONTENT_TYPE, format.media_type())],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// How a snapshot is sent: binary frames to a device that asks for them, JSON lines to
/// anyone else (older devices, scripts, a person with curl).
#[derive(Debug, Clone, Copy)]
enum SnapshotFormat {
    JsonLines,
    Frames,
}

impl SnapshotFormat {
    /// Frames when the request names their media type with a quality above zero; `*/*`
    /// alone gets JSON lines, which anyone can read.
    fn asked(headers: &HeaderMap) -> Self {
        let frames = quality(headers, &header::ACCEPT, SNAPSHOT_FRAMES_MEDIA_TYPE)
            .is_some_and(|quality| quality > 0.0);
        if frames {
            Self::Frames
        } else {
            Self::JsonLines
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Self::JsonLines => SNAPSHOT_MEDIA_TYPE,
            Self::Frames => SNAPSHOT_FRAMES_MEDIA_TYPE,
        }
    }

    fn encode(self, line: &SnapshotLine) -> Result<Bytes, StorageError> {
        let bytes = match self {
            Self::JsonLines => serde_json::to_vec(line)
                .map(|mut bytes| {
                    bytes.push(b'\n');
                    bytes
                })
                .map_err(|err| err.to_string()),
            Self::Frames => encode_frame(line).map_err(|err| err.to_string()),
        };
        bytes.map(Bytes::from).map_err(StorageError::corrupt)
    }
}

/// The change log after `after`, filtered to what the account may see.
#[utoipa::path(get, path = "/api/v1/sync/changes", tag = "sync", params(ChangesQuery,
        ("roster-protocol" = u32, Header, description = "The sync protocol version, 3 (roster_wire::PROTOCOL)")),
    security(("bearer" = [])),
    responses((status = 200, body = ChangesPage), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse), (status = 426, body = ErrorResponse)))]
pub async fn changes(
    State(state): State<AppState>,
    _: SyncProtocol,
    me: SignedIn,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<ChangesPage>, ApiError> {
    authorize_read(&me.rights, Read::Members)?;
    let limit = page_size(&query)?;
    Ok(Json(page(&state, &me, query, limit).await?))
}

/// How many changes `query` asks for, or why it cannot be served.
fn page_size(query: &ChangesQuery) -> Result<u32, ApiError> {
    let limit = query.limit.unwrap_or(1000);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_PAGE}."
        )));
    }
    if query.after < 0 || query.audit_after.is_some_and(|a| a < 0) {
        return Err(ApiError::bad_request(
            "after and audit_after are sequence numbers: 0 or more.",
        ));
    }
    Ok(limit)
}

/// The page of changes after `query`'s cursor, as `me` may see them.
async fn page(
    state: &AppState,
    me: &SignedIn,
    query: ChangesQuery,
    limit: u32,
) -> Result<ChangesPage, ApiError> {
    let (rights, account) = (me.rights.clone(), me.member);
    Ok(state
        .db
        .run(move |db| db.changes(&rights, account, query.after, query.audit_after, limit))
        .await?)
}

/// Apply a batch of ops made on a device, in order, each at most once by its id.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", request_body = PushRequest,
    params(("roster-protocol" = u32, Header, description = "The sync protocol version, 3 (roster_wire::PROTOCOL)")),
    security(("bearer" = [])),
    responses((status = 200, body = PushResponse), (status = 400, body = ErrorResponse),
        (status = 401, body = ErrorResponse), (status = 413, body = ErrorResponse), (status = 415, body = ErrorResponse),
        (status = 422, body = ErrorResponse), (status = 426, body = ErrorResponse)))]
pub async fn push(
    State(state): State<AppState>,
    _: SyncProtocol,
    me: SignedIn,
    Body(body): Body<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if body.ops.len() > MAX_PUSH {
        return Err(ApiError::bad_request(format!(
            "A push carries at most {MAX_PUSH} ops; this one has {}. Send them in batches.",
            body.ops.len()
        )));
    }
    // Checked before anything is written: a push is refused whole or served whole.
    let pull = match body.pull {
        Some(query) => {
            authorize_read(&me.rights, Read::Members)?;
            let limit = page_size(&query)?;
            Some((query, limit))
        }
        None => None,
    };
    // Only invitations need the company's name (for their mail).
    let mails_invitations = body.ops.iter().any(|envelope| {
        matches!(
            envelope.op,
            Op::InviteMember { .. } | Op::ResendInvitation { .. }
        )
    });
    let company = if mails_invitations {
        company_name(&state).await?
    } else {
        String::new()
    };
    let received = now();
    let mut ops = Vec::with_capacity(body.ops.len());
    let mut early: Vec<Option<OpOutcome>> = Vec::with_capacity(body.ops.len());
    for envelope in body.ops {
        let (envelope, caller, effects, refused) =
            prepare(&state, &me, &company, envelope, received).await?;
        early.push(refused);
        ops.push((envelope, caller, effects));
    }
    let mails = ops
        .iter()
        .any(|(_, _, effects)| effects.iter().any(|e| matches!(e, SideEffect::Mail(_))));
    let ids: Vec<_> = ops.iter().map(|(envelope, _, _)| envelope.id).collect();
    // Ops refused before storage are not written; the others go in one transaction.
    let writable: Vec<(Envelope, Caller, Vec<SideEffect>)> = ops
        .into_iter()
        .zip(&early)
        .filter(|(_, refused)| refused.is_none())
        .map(|(op, _)| op)
        .collect();
    let mut written = state
        .db
        .run(move |db| db.push(&writable))
        .await?
        .into_iter();
    let mut results = Vec::with_capacity(ids.len());
    for (id, refused) in ids.into_iter().zip(early) {
        let outcome = match refused {
            Some(outcome) => outcome,
            None => match written.next() {
                Some(result) => outcome_of(result)?,
                None => return Err(ApiError::internal("the push lost an answer")),
            },
        };
        results.push(OpResult {
            id: *id.as_uuid(),
            outcome,
        });
    }
    if mails {
        state.mail_queued.notify_one();
    }
    // Read after the ops are written, so the page holds them: the device needs no pull.
    let page = match pull {
        Some((query, limit)) => Some(page(&state, &me, query, limit).await?),
        None => None,
    };
    Ok(Json(PushResponse { results, page }))
}

/// Makes a pushed op the server's own: the session's account acts, at the server's time
/// (so an invitation made offline a week ago still gets its full seven days), with the side
/// effects its kind needs. The audit trail's "from" names the device and when the op was
/// made there. Ops that may never come by sync are refused here.
async fn prepare(
    state: &AppState,
    me: &SignedIn,
    company: &str,
    mut envelope: Envelope,
    received: roster_core::Timestamp,
) -> Result<(Envelope, Caller, Vec<SideEffect>, Option<OpOutcome>), ApiError> {
    let caller = Caller {
        address: format!(
            "{}, device {}, made at {} (synced)",
            me.caller.address,
            envelope.device,
            envelope.at.unix_millis()
        ),
        ..me.caller.clone()
    };
    envelope.actor = me.caller.actor.clone();
    envelope.at = received;
    let effects = match &envelope.op {
        Op::InviteMember {
            id,
            invitation,
            email,
            ..
        } => invitation_effects(state, *id, *invitation, email.trim(), company)?,
        Op::ResendInvitation { member, invitation } => {
            let (member, invitation) = (*member, *invitation);
            let email = member_email(state, member).await?;
            invitation_effects(state, member, invitation, &email, company)?
        }
        Op::AcceptInvitation { .. } => {
            let refused = OpOutcome::Rejected {
                code: "forbidden".into(),
                message: "An invitation is accepted through the link in its e-mail, not by sync."
                    .into(),
            };
            return Ok((envelope, caller, Vec::new(), Some(refused)));
        }
        _ => Vec::new(),
    };
    Ok((envelope, caller, effects, None))
}

async fn member_email(state: &AppState, member: MemberId) -> Result<String, ApiError> {
    Ok(state
        .db
        .run(move |db| db.member(member))
        .await?
        .map(|m| m.email.to_string())
        .unwrap_or_default())
}

/// An op's answer; a refusal is an answer, a storage failure fails the whole push so the
/// device retries it (every op is idempotent by its id).
fn outcome_of(result: crate::storage::Result<Applied>) -> Result<OpOutcome, ApiError> {
    match result {
        Ok(Applied::Changed { seq, .. }) => Ok(OpOutcome::Applied { seq }),
        Ok(Applied::Unchanged { .. }) => Ok(OpOutcome::Unchanged),
        Err(StorageError::Refused(refusal)) => Ok(OpOutcome::Rejected {
            code: refusal.code.to_string(),
            message: refusal.message,
        }),
        Err(other) => Err(other.into()),
    }
}
