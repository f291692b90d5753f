//! The server's storage, behind [`Storage`] so another backend (PostgreSQL) can follow
//! without touching handlers. Calls are blocking; handlers reach them through [`Db`], which
//! runs each on tokio's blocking pool so the async runtime never waits on the database.

pub mod sqlite;

use std::sync::Arc;

use crate::releases::{Bundle, Release};
use roster_core::{
    Actor, Company, Email, Envelope, InfraId, Member, MemberId, Refusal, Rights, Snapshot,
    Timestamp,
};
use roster_wire::{
    AppView, AuditEntryView, ChangesPage, InfrastructureView, MemberDetailView, MemberPageView,
    SnapshotLine, SubscriptionView,
};

/// Why storage failed. Refusals are the rules speaking; everything else is internal and is
/// logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the server has not been initialised; run `roster-server init`")]
    NotInitialised,
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("storage task failed: {0}")]
    Task(String),
}

impl StorageError {
    pub fn corrupt(what: impl Into<String>) -> Self {
        Self::Corrupt(what.into())
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// Who is asking and from where, for the audit trail.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    /// The actor's e-mail, or `anonymous`.
    pub label: String,
    pub address: String,
}

/// Who a live session belongs to, read at one moment.
#[derive(Debug, Clone)]
pub struct SessionMember {
    pub id: MemberId,
    pub rights: Rights,
    /// Their e-mail, for the audit trail.
    pub email: String,
}

/// Work that must happen in the same transaction as an op, and only if it is applied.
#[derive(Debug, Clone)]
pub enum SideEffect {
    /// Keep a link token (its hash) for a member.
    LinkToken {
        token_hash: String,
        purpose: LinkPurpose,
        member: MemberId,
        invitation: Option<String>,
        expires_at: Timestamp,
    },
    /// Mark a link token used.
    UseLinkToken { token_hash: String },
    /// Queue an e-mail.
    Mail(Mail),
    /// Set the member's password hash and end their sessions.
    SetPassword {
        member: MemberId,
        password_hash: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Invitation,
    PasswordReset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// An e-mail to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// What an op did.
#[derive(Debug, Clone)]
pub enum Applied {
    /// Written at this change-log sequence number (or earlier, for a retried op).
    Changed {
        seq: i64,
        summary: String,
        changes: Vec<roster_core::Change>,
    },
    /// The state already was as asked.
    Unchanged { summary: String },
}

/// A link token as stored.
#[derive(Debug, Clone)]
pub struct LinkToken {
    pub purpose: String,
    pub member: MemberId,
    pub invitation: Option<String>,
    pub expires_at: Timestamp,
    pub used: bool,
}

/// Which members to list.
#[derive(Debug, Clone, Default)]
pub struct MemberQuery {
    pub search: Option<String>,
    pub status: Option<roster_core::MemberStatus>,
    pub infra: Option<InfraId>,
    pub level: Option<roster_core::Level>,
    pub limit: u32,
    pub offset: u32,
    pub with_total: bool,
}

/// Everything the server keeps.
pub trait Storage: Send + Sync + 'static {
    /// Creates the company with its first Company Admin (and password), if not done yet.
    fn initialise(
        &self,
        snapshot: &Snapshot,
        admin: MemberId,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<()>;

    /// Decides the op with the rights the server knows now, and if accepted writes its
    /// changes, the side effects, the change log and the audit entry in one transaction.
    /// A retried op (same id) returns its first result. A refusal is audited.
    fn apply(
        &self,
        envelope: &Envelope,
        caller: &Caller,
        effects: &[SideEffect],
    ) -> Result<Applied>;

    /// Writes side effects that go with no op (a password-reset link and its mail) with
    /// their audit entry, in one transaction.
    fn commit_effects(
        &self,
        caller: &Caller,
        at: Timestamp,
        action: &str,
        summary: &str,
        effects: &[SideEffect],
    ) -> Result<()>;

    /// Records an attempt that is not an op (a failed sign-in) in the audit trail.
    fn audit_attempt(
        &self,
        caller: &Caller,
        at: Timestamp,
        outcome: &str,
        action: &str,
        summary: &str,
    ) -> Result<()>;

    /// Applies ops pushed by one device, in order, in one transaction, each at most once by
    /// its id (a retried op gets its first answer), as [`Storage::apply`] does one.
    fn push(&self, ops: &[(Envelope, Caller, Vec<SideEffect>)]) -> Result<Vec<Result<Applied>>>;

    /// Everything `rights` may see, at one change-log sequence number, handed to `emit` line
    /// by line as it is read. An error from `emit` ends the read.
    fn snapshot(
        &self,
        rights: &Rights,
        account: MemberId,
        emit: &mut dyn FnMut(SnapshotLine) -> Result<()>,
    ) -> Result<()>;

    /// The change log after `after`, filtered to what `rights` may see, with the audit
    /// entries of their scope after `audit_after`.
    fn changes(
        &self,
        rights: &Rights,
        account: MemberId,
        after: i64,
        audit_after: Option<i64>,
        limit: u32,
    ) -> Result<ChangesPage>;

    fn rights(&self, actor: &Actor) -> Result<Rights>;
    fn company(&self) -> Result<Option<Company>>;
    fn member(&self, id: MemberId) -> Result<Option<Member>>;
    fn member_by_email(&self, email: &Email) -> Result<Option<Member>>;
    /// The member's current invitation.
    fn invitation(&self, member: MemberId) -> Result<Option<roster_core::Invitation>>;
    fn member_page(&self, query: &MemberQuery) -> Result<MemberPageView>;
    fn member_detail(&self, id: MemberId) -> Result<Option<MemberDetailView>>;
    fn subscriptions(&self) -> Result<Vec<SubscriptionView>>;
    fn infrastructures(&self) -> Result<Vec<InfrastructureView>>;
    fn apps(&self) -> Result<Vec<AppView>>;
    fn environment(
        &self,
        id: roster_core::EnvironmentId,
    ) -> Result<Option<roster_core::Environment>>;
    fn infrastructure(&self, id: InfraId) -> Result<Option<roster_core::Infrastructure>>;
    /// The support cases of an infrastructure, with the contacts in their cc.
    fn support_cases(
        &self,
        infra: InfraId,
    ) -> Result<Vec<(roster_core::SupportCase, Vec<roster_core::CaseContact>)>>;
    /// Audit entries newest first; `infras` limits them to an Infra Admin's scope.
    fn audit(
        &self,
        infras: Option<&[InfraId]>,
        limit: u32,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntryView>>;

    fn password_hash(&self, member: MemberId) -> Result<Option<String>>;
    fn set_password(&self, member: MemberId, password_hash: &str, at: Timestamp) -> Result<()>;
    fn create_session(
        &self,
        token_hash: &str,
        member: MemberId,
        at: Timestamp,
        expires_at: Timestamp,
        address: &str,
    ) -> Result<()>;
    /// The member a live session belongs to, with their rights and e-mail as of now.
    fn session_member(&self, token_hash: &str, now: Timestamp) -> Result<Option<SessionMember>>;
    fn end_session(&self, token_hash: &str) -> Result<()>;
    fn link_token(&self, token_hash: &str) -> Result<Option<LinkToken>>;

    /// Records a published release of the desktop app (its file is already in place).
    fn add_release(&self, release: &Bundle, at: Timestamp) -> Result<Release>;
    /// Every published release, oldest first.
    fn releases(&self) -> Result<Vec<Release>>;
    fn release(&self, id: i64) -> Result<Option<Release>>;

    fn due_mail(&self, now: Timestamp, limit: u32) -> Result<Vec<Mail>>;
    fn mail_sent(&self, id: i64, at: Timestamp) -> Result<()>;
    fn mail_failed(&self, id: i64, error: &str, next_attempt: Timestamp) -> Result<()>;
}

/// The storage, reached from async handlers: every call runs on the blocking pool.
#[derive(Clone)]
pub struct Db(Arc<dyn Storage>);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

impl Db {
    pub fn new(storage: impl Storage) -> Self {
        Self(Arc::new(storage))
    }

    /// Runs `call` against the storage on the blocking pool.
    pub async fn run<T, F>(&self, call: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Storage) -> Result<T> + Send + 'static,
    {
        let storage = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || call(storage.as_ref()))
            .await
            .map_err(|err| StorageError::Task(err.to_string()))?
    }

    /// Starts `call` on the blocking pool without waiting for it: for a call that hands
    /// its answer on as it goes.
    pub fn spawn<F>(&self, call: F)
    where
        F: FnOnce(&dyn Storage) + Send + 'static,
    {
        let storage = Arc::clone(&self.0);
        drop(tokio::task::spawn_blocking(move || call(storage.as_ref())));
    }
}
