//! Roster's workspace on disk: one SQLCipher database keyed with a random 256-bit data key,
//! the key wrapped by Argon2id(passphrase) in a key file beside it and optionally kept in
//! the OS keychain; numbered migrations; every change decided by roster-core and written
//! with its hash-chained audit entry and its outbox entry in one transaction; full-text
//! search over members.

mod audit;
mod catalog;
mod creation;
mod error;
mod keychain;
mod keyfile;
mod members;
mod migrate;
mod outbox;
mod rows;
mod search_index;
mod secret;
mod snapshot;
mod state;
mod sync;
mod threads;
mod workspace;
mod write;

pub use audit::{AuditEntry, AuditQuery, ChainReport};
pub use catalog::{InfraListing, SupportContactListing};
pub use error::StoreError;
pub use keychain::{forget_session_token, keep_session_token, session_token};
pub use members::{
    MAX_PAGE, MemberCounts, MemberDetail, MemberListing, MemberPage, MemberQuery,
    PermissionListing, fts_query,
};
pub use migrate::{SCHEMA_VERSION, create_schema};
pub use secret::Passphrase;
pub use state::SqlState;
pub use sync::{Conflict, PulledChange, ServerAnswer, SyncState};
pub use workspace::{DATABASE_FILE, KEY_FILE, Outcome, SystemActor, Unlock, Workspace};

use roster_core::{App, Member, Role, Subscription};

/// The SQLCipher settings of a new workspace's database, to run after `PRAGMA key`: for
/// baselines that build the same kind of file by hand.
pub fn new_database_pragmas() -> String {
    keyfile::DatabaseFormat::NEW.pragmas()
}

/// Queries over an unlocked workspace.
impl Workspace {
    pub fn members(&self, query: &MemberQuery) -> Result<MemberPage, StoreError> {
        members::page(self.conn(), query)
    }

    pub fn member_detail(&self, member: &Member) -> Result<MemberDetail, StoreError> {
        members::detail(self.conn(), member)
    }

    pub fn for_each_member(
        &self,
        each: impl FnMut(MemberListing) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        members::for_each(self.conn(), each)
    }

    pub fn member_counts(&self) -> Result<MemberCounts, StoreError> {
        members::counts(self.conn())
    }

    pub fn infrastructures(&self) -> Result<Vec<InfraListing>, StoreError> {
        catalog::infrastructures(self.conn())
    }

    /// Infrastructure names, for filters: far cheaper than `infrastructures()`, which
    /// counts every permission.
    pub fn infrastructure_names(&self) -> Result<Vec<String>, StoreError> {
        catalog::infrastructure_names(self.conn())
    }

    /// How many subscriptions, infrastructures and apps there are, without listing them.
    pub fn catalog_counts(&self) -> Result<(u64, u64, u64), StoreError> {
        catalog::counts(self.conn())
    }

    pub fn support_contacts(&self) -> Result<Vec<SupportContactListing>, StoreError> {
        catalog::support_contacts(self.conn())
    }

    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        catalog::subscriptions(self.conn())
    }

    pub fn apps(&self) -> Result<Vec<(App, Vec<Role>)>, StoreError> {
        catalog::apps(self.conn())
    }

    /// The read-only state view roster-core decides against, for lookups by name.
    pub fn state(&self) -> SqlState<'_> {
        SqlState::new(self.conn())
    }
}
