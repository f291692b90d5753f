//! Roster's services, the one API every front end calls (the `roster` CLI now, the desktop
//! app next): create, open, unlock and lock a workspace; make changes by the names people
//! type; read members, infrastructures and the audit trail; export; fill a demo company;
//! sign in to the company server and sync with it.
//!
//! No rule is decided here: every change becomes a `roster_core::Op` that roster-core
//! decides and roster-store writes.

mod changes;
mod demo;
pub mod desktop;
mod error;
mod import;
mod queries;
mod remote;
mod resolve;
mod session;
mod sync;

pub use changes::InviteRequest;
pub use demo::{DEFAULT_MEMBERS as DEMO_DEFAULT_MEMBERS, company as demo_company};
pub use error::{ClientError, ErrorClass};
pub use import::{ImportSummary, ImportedRow, parse_grant};
pub use queries::{ExportFormat, Health, Status};
pub use remote::{Remote, RetryPolicy, SnapshotStream};
pub use roster_store::{
    AuditEntry, ChainReport, DATABASE_FILE, InfraListing, KEY_FILE, MemberCounts, MemberDetail,
    MemberListing, MemberPage, MemberQuery, Outcome, Passphrase, PermissionListing,
    SupportContactListing, Unlock,
};
pub use roster_store::{Conflict, SyncState};
pub use roster_wire::ChangesQuery;
pub use session::{CreateOptions, Session};
pub use sync::{LoginOptions, PULL_PAGE, PUSH_BATCH, SyncReport};
