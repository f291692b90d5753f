//! The sync protocol between a device's workspace and the company server.
//!
//! - `GET /api/v1/sync/snapshot`: everything the account may see, and the change-log
//!   sequence number it was taken at, streamed as [`SnapshotLine`]s so a device stores the
//!   first members while the server still reads the last: in binary frames
//!   ([`crate::encode_frame`]) to a device that asks for them, as JSON lines to anyone else.
//! - `POST /api/v1/sync/push`: a batch of ops made on the device; each is applied at most
//!   once by its id and answered `applied` (with its sequence number), `unchanged` or
//!   `rejected` (with the refusal's code and message). A push that says where the device's
//!   cursor stands (`pull`) is answered with the page of changes after it too, so one
//!   exchange both pushes and pulls: the usual sync of one edit is one round trip.
//! - `GET /api/v1/sync/changes?after=SEQ`: the changes after a cursor, in pages.
//!
//! Every sync request carries [`PROTOCOL_HEADER`] with [`PROTOCOL`]; a server that speaks
//! another version answers 426 with the code `update_required`, so an old client tells its
//! admin to update instead of reading data it does not understand.
//!
//! Bodies may be gzip-compressed both ways (`Content-Encoding: gzip`); the server answers
//! compressed when the request says `Accept-Encoding: gzip`.

use roster_core::{Change, Envelope, Snapshot, SnapshotPart};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AuditEntryView;

/// The sync protocol version this build speaks. Raise it for any change a client of the
/// previous version would misread.
///
/// - 1: snapshot, push, changes.
/// - 2: a push may carry the pull cursor and be answered with the changes after it; push
///   bodies may be gzip-compressed.
/// - 3: the snapshot is streamed as JSON lines ([`SnapshotLine`]).
pub const PROTOCOL: u32 = 3;

/// The request (and response) header that carries [`PROTOCOL`].
pub const PROTOCOL_HEADER: &str = "roster-protocol";

/// The most ops one push may carry.
pub const MAX_PUSH: usize = 1000;

/// The most changes one page of `/sync/changes` holds.
pub const MAX_PAGE: u32 = 5000;

/// A batch of ops, oldest first. The server applies them in this order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// `roster_core::Envelope`s: id (UUIDv7 made by the device), actor, device, at, op,
    /// expects. The server acts as the session's account, whatever `actor` says.
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<Envelope>,
    /// The device's pull cursor: when given, the answer carries the page of changes after
    /// it, read once the ops are written (so it holds them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull: Option<ChangesQuery>,
}

/// One answer per op pushed, in the same order, and the changes page the push asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    pub results: Vec<OpResult>,
    /// The changes after the push's `pull` cursor; absent when it gave none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<ChangesPage>,
}

/// What the server did with one op. A retried op gets its first answer again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpResult {
    pub id: Uuid,
    pub outcome: OpOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum OpOutcome {
    /// Written to the change log at `seq`.
    Applied { seq: i64 },
    /// The server's state already was as the op asked; nothing was written.
    Unchanged,
    /// The rules refused the op as the server knows them now; nothing was written.
    Rejected { code: String, message: String },
}

/// Which changes to send.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The last change-log sequence number the device holds.
    pub after: i64,
    /// The last server audit sequence number the device holds (admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_after: Option<i64>,
    /// 1–5000, default 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One op's changes as the server applied them, filtered to what the account may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoggedChange {
    pub seq: i64,
    pub op_id: Uuid,
    /// `roster_core::Change`s as `Change::replicated` makes them: each record after, and
    /// `before` only for a removal (an update's `before` is null; the device holds it).
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<Change>,
}

/// A page of the change log after the device's cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangesPage {
    pub changes: Vec<LoggedChange>,
    /// The cursor after this page: the last sequence number it covers.
    pub next: i64,
    /// Whether more changes, or more audit entries, follow.
    pub more: bool,
    /// The server's audit entries after `audit_after` that the account may read.
    pub audit: Vec<AuditEntryView>,
    /// The account's own rights changed in this range: what it may see changed too, so
    /// the device must take a fresh snapshot instead of applying these changes.
    pub resnapshot: bool,
}

/// The media type of the snapshot as JSON lines: one [`SnapshotLine`] per line. Roster's
/// devices ask for [`crate::SNAPSHOT_FRAMES_MEDIA_TYPE`] instead.
pub const SNAPSHOT_MEDIA_TYPE: &str = "application/x-ndjson";

/// The records a server reads and sends as one line of the snapshot stream.
pub const SNAPSHOT_PART_SIZE: usize = 2000;

/// One line of the streamed snapshot: `head` first, then the parts (the company first,
/// parents before children), then the audit entries, then `end`. A stream without its
/// `end`, or whose `end` counts other records than came, was cut and must not be kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotLine {
    Head {
        /// The last change-log sequence number the snapshot includes: pull from here.
        seq: i64,
        /// The signed-in member, who acts on the device.
        account: Uuid,
    },
    Part(SnapshotPart),
    /// Audit entries the account may read (admins only), oldest first.
    Audit(Vec<AuditEntryView>),
    End {
        /// How many records the parts held in all.
        records: u64,
    },
}

/// Everything the account may see, at one sequence number: the snapshot stream's lines
/// put together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SnapshotResponse {
    /// The last change-log sequence number the snapshot includes: pull from here.
    pub seq: i64,
    /// The signed-in member, who acts on the device.
    pub account: Uuid,
    /// A `roster_core::Snapshot`.
    #[schema(value_type = Object)]
    pub snapshot: Snapshot,
    /// The audit entries the account may read (admins only), oldest first.
    pub audit: Vec<AuditEntryView>,
}
