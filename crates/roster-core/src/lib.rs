//! Roster's domain, written once: the entities of SPEC.md, who may do what, and the rules
//! that must always hold.
//!
//! Every change to a company goes through [`decide`]: given a read-only view of the current
//! [`State`] and an [`Envelope`] (an [`Op`] with its actor, device and time), it authorizes
//! the op for the actor, validates its input, checks every invariant of SPEC.md, and returns
//! either the resulting [`Change`]s or a [`Refusal`] with a stable [`RefusalCode`]. The desktop
//! app runs it before a change is queued; the company server runs it again as the authority.
//!
//! This crate does no I/O, no async and no SQL, and imports no other crate of Roster. Storage
//! implements [`State`] over its own database; [`MemoryState`] implements it in memory for
//! tests and models.

mod account;
mod decide;
pub mod expect;
mod ids;
mod memory;
mod model;
mod op;
pub mod password;
mod read;
mod record;
mod refusal;
mod rights;
mod snapshot;
mod snapshot_parts;
mod state;
mod values;

pub use account::authorize_password_reset;
pub use decide::{Decision, Rejection, decide, decide_with};
pub use expect::{Expect, expectations};
pub use ids::{
    AppId, CaseId, DeviceId, EnvironmentId, InfraId, InvitationId, MemberId, OpId, RoleId,
    SubscriptionId,
};
pub use memory::MemoryState;
pub use model::{
    App, CaseContact, Company, DevPermission, Edition, Environment, Hosting, Infrastructure,
    Invitation, InvitationState, Level, Member, MemberKind, MemberStatus, Permission, Role,
    RoleAssignment, Subscription, SupportCase, SupportContact,
};
pub use op::{Envelope, Grant, Op, OpKind};
pub use read::{AuditScope, Read, ReadKind, authorize_read, can_replicate, can_view_case};
pub use record::{Change, Record, RecordKey};
pub use refusal::{Refusal, RefusalCode};
pub use rights::{Actor, Rights};
pub use snapshot::Snapshot;
pub use snapshot_parts::{Assembly, SnapshotPart};
pub use state::State;
pub use values::{Date, Email, Name, Phone, Timestamp};

/// How long an invitation link stays valid unless it is resent (SPEC.md rule 5).
pub const INVITATION_VALIDITY_DAYS: i64 = 7;
