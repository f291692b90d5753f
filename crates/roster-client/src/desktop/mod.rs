//! The desktop app's services: one [`Desktop`] holds the workspaces folder, the unlocked
//! session (if any), the idle lock and the sync status, so each Tauri command is one call.
//!
//! Every database call runs on tokio's blocking pool: SQLite and Argon2 never stall the
//! runtime that carries the window's IPC. The session sits behind an async mutex so a sync
//! (network, then one transaction) and the window's reads take turns instead of racing.

mod change;
mod home;
mod status;
mod updates;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex, MutexGuard};
use std::time::{Duration, Instant};

use roster_store::{
    AuditEntry, AuditQuery, ChainReport, InfraListing, MemberDetail, MemberPage, MemberQuery,
    Outcome, Passphrase, SupportContactListing, Unlock,
};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::error::{ClientError, bad_input};
use crate::remote::RetryPolicy;
use crate::session::{CreateOptions, Session};
use crate::sync::{LoginOptions, SyncReport};
use crate::{Conflict, Status};

pub use change::{BulkResult, Change};
pub use home::{DEMO_PASSPHRASE, DEMO_WORKSPACE, Settings, WorkspaceEntry};
pub use status::SyncStatus;

/// How the app tries the server: quick to say "offline" so the header stays honest, and
/// the next background sync tries again anyway.
const APP_RETRY: RetryPolicy = RetryPolicy {
    attempts: 2,
    base_delay: Duration::from_millis(300),
    max_delay: Duration::from_secs(2),
    timeout: Duration::from_secs(20),
};

/// What the window needs to draw its first screen.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub workspaces: Vec<WorkspaceEntry>,
    /// The workspace unlocked now, by folder name.
    pub unlocked: Option<String>,
    pub settings: Settings,
    /// The public passphrase of the demo company, shown on its unlock screen.
    pub demo_passphrase: &'static str,
    /// Open the demo company without asking: true once, on the first overview of an app
    /// started for the demo (`scripts/run`).
    pub start_with_demo: bool,
}

/// What a change did, for the window: a sentence, and whether anything was written.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeResult {
    pub summary: String,
    /// `false` when the state already was as asked.
    pub changed: bool,
}

impl From<Outcome> for ChangeResult {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Applied { summary, .. } => Self {
                summary,
                changed: true,
            },
            Outcome::Unchanged { summary } => Self {
                summary,
                changed: false,
            },
        }
    }
}

/// A new local workspace, as the first-run form sends it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    pub company: String,
    pub email: String,
    pub name: Option<String>,
    pub passphrase: String,
    #[serde(default)]
    pub remember: bool,
}

/// A workspace made from a company server, as the first-run form sends it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerLogin {
    pub server: String,
    pub email: String,
    pub password: String,
    /// Encrypts the local replica; not the server password.
    pub passphrase: String,
    #[serde(default)]
    pub remember: bool,
}

/// A page of the team list, as the window asks for it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFilter {
    pub search: Option<String>,
    pub status: Option<roster_core::MemberStatus>,
    /// An infrastructure by name.
    pub infra: Option<String>,
    pub level: Option<roster_core::Level>,
    pub company_admin: Option<bool>,
    #[serde(default)]
    pub offset: u32,
    pub limit: Option<u32>,
    /// Count every match too (for the list's scroll height); costs a second query.
    #[serde(default)]
    pub with_total: bool,
}

/// A filter of the audit trail view.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    pub member: Option<String>,
    pub infra: Option<String>,
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// The desktop app's state and services.
#[derive(Debug)]
pub struct Desktop {
    home: PathBuf,
    session: Arc<Mutex<Option<Unlocked>>>,
    last_activity: StdMutex<Instant>,
    sync: StdMutex<SyncStatus>,
    start_with_demo: AtomicBool,
}

/// An unlocked session and the folder name of its workspace.
#[derive(Debug)]
struct Unlocked {
    name: String,
    session: Session,
}

fn lock_std<T>(mutex: &StdMutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these plain values leaves nothing half-written.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Desktop {
    /// The app over the workspaces kept in `home` (one folder each).
    pub fn new(home: PathBuf) -> Self {
        Self {
            home,
            session: Arc::new(Mutex::new(None)),
            last_activity: StdMutex::new(Instant::now()),
            sync: StdMutex::new(SyncStatus::default()),
            start_with_demo: AtomicBool::new(false),
        }
    }

    /// Makes the first overview ask the window to open the demo company at once.
    #[must_use]
    pub fn starting_with_demo(self, yes: bool) -> Self {
        self.start_with_demo.store(yes, Ordering::Relaxed);
        self
    }

    /// Opens the demo company while the window is still starting, when it was asked to
    /// start with it: the keychain and the database are read while WebKit boots, and the
    /// page finds the workspace open. If it cannot be opened now, the first overview still
    /// asks the window to open it, and the window shows why it cannot.
    pub async fn open_demo_early(&self) -> Result<(), ClientError> {
        if !self.start_with_demo.load(Ordering::Relaxed) {
            return Ok(());
        }
        self.open_demo().await?;
        self.start_with_demo.store(false, Ordering::Relaxed);
        Ok(())
    }

    pub async fn overview(&self) -> Result<Overview, ClientError> {
        let unlocked = self.session.lock().await.as_ref().map(|u| u.name.clone());
        let home = self.home.clone();
        let (workspaces, settings) =
            blocking(move || Ok((home::workspaces(&home)?, home::settings(&home)))).await?;
        Ok(Overview {
            workspaces,
            unlocked,
            settings,
            demo_passphrase: DEMO_PASSPHRASE,
            start_with_demo: self.start_with_demo.swap(false, Ordering::Relaxed),
        })
    }

    /// Unlocks the workspace in folder `name` with its passphrase, or from the OS keychain
    /// when `passphrase` is `None`.
    pub async fn unlock(
        &self,
        name: &str,
        passphrase: Option<String>,
    ) -> Result<Status, ClientError> {
        let dir = home::workspace_dir(&self.home, name)?;
        let name = name.to_owned();
        self.start(move || {
            let session = match passphrase {
                Some(text) => Session::open(&dir, Unlock::Passphrase(&Passphrase::new(text)))?,
                None => Session::open(&dir, Unlock::Keychain)?,
            };
            Ok(Unlocked { name, session })
        })
        .await
    }

    /// Opens the demo company, creating it (300 members) the first time.
    pub async fn open_demo(&self) -> Result<Status, ClientError> {
        let dir = self.home.join(DEMO_WORKSPACE);
        self.start(move || {
            let passphrase = Passphrase::new(DEMO_PASSPHRASE.to_owned());
            let session = if Session::exists(&dir) {
                // A remembered demo opens from the keychain, without the Argon2 wait.
                let remembered = Session::is_remembered(&dir).unwrap_or(false);
                match remembered.then(|| Session::open(&dir, Unlock::Keychain)) {
                    Some(Ok(session)) => session,
                    _ => Session::open(&dir, Unlock::Passphrase(&passphrase))?,
                }
            } else {
                Session::create(
                    &dir,
                    &passphrase,
                    &CreateOptions {
                        company: "Northwind".to_owned(),
                        admin_email: "admin@northwind.example".to_owned(),
                        admin_name: Some("Alex Admin".to_owned()),
                        demo_members: Some(crate::DEMO_DEFAULT_MEMBERS),
                        remember: false,
                    },
                )?
            };
            Ok(Unlocked {
                name: DEMO_WORKSPACE.to_owned(),
                session,
            })
        })
        .await
    }

    /// Creates a local workspace, not bound to any server, and unlocks it.
    pub async fn create_workspace(&self, new: NewWorkspace) -> Result<Status, ClientError> {
        let name = home::new_workspace_name(&self.home, &new.company)?;
        let dir = self.home.join(&name);
        self.start(move || {
            let session = Session::create(
                &dir,
                &Passphrase::new(new.passphrase),
                &CreateOptions {
                    company: new.company,
                    admin_email: new.email,
                    admin_name: new.name.filter(|n| !n.trim().is_empty()),
                    demo_members: None,
                    remember: new.remember,
                },
            )?;
            Ok(Unlocked { name, session })
        })
        .await
    }

    /// Signs in to a company server and makes a workspace from everything the account may
    /// see (the first sync), then unlocks it.
    pub async fn connect_server(&self, login: ServerLogin) -> Result<Status, ClientError> {
        let name =
            home::new_workspace_name(&self.home, &home::server_label(&login.server, &login.email))?;
        let dir = self.home.join(&name);
        let mut guard = self.session.lock().await;
        *guard = None;
        self.set_sync(|s| s.begin("Signing in and downloading the company…"));
        let result = Session::login(
            &dir,
            &Passphrase::new(login.passphrase),
            &LoginOptions {
                server: login.server,
                email: login.email,
                remember: login.remember,
            },
            &login.password,
        )
        .await;
        let session = match result {
            Ok(session) => session,
            Err(err) => {
                self.set_sync(|s| s.failed(&err));
                return Err(err);
            }
        };
        self.set_sync(|s| s.succeeded(None));
        *guard = Some(Unlocked { name, session });
        drop(guard);
        self.status().await
    }

    /// Locks the workspace: the connection closes and the key leaves memory.
    pub async fn lock(&self) {
        if let Some(unlocked) = self.session.lock().await.take() {
            unlocked.session.lock();
        }
        *lock_std(&self.sync) = SyncStatus::default();
    }

    /// Locks when nobody has used the window for the idle time the admin set. Returns
    /// whether it locked just now.
    pub async fn lock_if_idle(&self) -> bool {
        let minutes = home::settings(&self.home).idle_lock_minutes;
        if minutes == 0 {
            return false;
        }
        let idle = lock_std(&self.last_activity).elapsed();
        if idle < Duration::from_secs(u64::from(minutes) * 60) {
            return false;
        }
        let mut guard = self.session.lock().await;
        match guard.take() {
            Some(unlocked) => {
                unlocked.session.lock();
                true
            }
            None => false,
        }
    }

    pub async fn save_settings(&self, settings: Settings) -> Result<Settings, ClientError> {
        let home = self.home.clone();
        blocking(move || home::save_settings(&home, &settings)).await
    }

    /// Whether a workspace is unlocked. Never waits: a session busy with a sync or a write
    /// is an unlocked one.
    pub fn is_unlocked(&self) -> bool {
        self.session
            .try_lock()
            .map_or(true, |guard| guard.is_some())
    }

    /// Marks the window as in use, for the idle lock.
    pub fn touch(&self) {
        *lock_std(&self.last_activity) = Instant::now();
    }

    pub async fn status(&self) -> Result<Status, ClientError> {
        self.read(Session::status).await
    }

    pub fn sync_status(&self) -> SyncStatus {
        lock_std(&self.sync).clone()
    }

    pub async fn members(&self, filter: MemberFilter) -> Result<MemberPage, ClientError> {
        self.read(move |s| {
            let infra = given(filter.infra.as_deref())
                .map(|name| s.infrastructure_by_name(name))
                .transpose()?;
            s.members(&MemberQuery {
                search: given(filter.search.as_deref()).map(str::to_owned),
                status: filter.status,
                infra: infra.map(|i| i.id),
                level: filter.level,
                company_admin: filter.company_admin,
                limit: filter.limit.unwrap_or(100),
                offset: filter.offset,
                with_total: filter.with_total,
            })
        })
        .await
    }

    pub async fn member(&self, email: String) -> Result<MemberDetail, ClientError> {
        self.read(move |s| s.member(&email)).await
    }

    pub async fn infrastructures(&self) -> Result<Vec<InfraListing>, ClientError> {
        self.read(Session::infrastructures).await
    }

    pub async fn infrastructure_names(&self) -> Result<Vec<String>, ClientError> {
        self.read(|s| Ok(s.workspace().infrastructure_names()?))
            .await
    }

    pub async fn subscriptions(&self) -> Result<Vec<roster_core::Subscription>, ClientError> {
        self.read(Session::subscriptions).await
    }

    pub async fn apps(
        &self,
    ) -> Result<Vec<(roster_core::App, Vec<roster_core::Role>)>, ClientError> {
        self.read(Session::apps).await
    }

    pub async fn support_contacts(&self) -> Result<Vec<SupportContactListing>, ClientError> {
        self.read(|s| Ok(s.workspace().support_contacts()?)).await
    }

    pub async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>, ClientError> {
        self.read(move |s| {
            let member = given(filter.member.as_deref())
                .map(|email| s.member_by_email(email))
                .transpose()?;
            let infra = given(filter.infra.as_deref())
                .map(|name| s.infrastructure_by_name(name))
                .transpose()?;
            Ok(s.workspace().audit(&AuditQuery {
                member: member.map(|m| m.id),
                infras: infra.map(|i| vec![i.id]),
                limit: filter.limit.unwrap_or(200).clamp(1, 1000),
                before: filter.before,
            })?)
        })
        .await
    }

    pub async fn verify_audit(&self) -> Result<ChainReport, ClientError> {
        self.read(Session::verify_audit).await
    }

    /// Makes one change: decided by roster-core, written and queued in one transaction.
    pub async fn apply(&self, change: Change) -> Result<ChangeResult, ClientError> {
        self.write(move |s| change.apply_to(s).map(ChangeResult::from))
            .await
    }

    /// Makes each change on its own: one refused change stops none of the others, and
    /// each result says what became of its change.
    pub async fn apply_bulk(&self, changes: Vec<Change>) -> Result<Vec<BulkResult>, ClientError> {
        if changes.len() > change::MAX_BULK {
            return Err(bad_input(format!(
                "A bulk action takes at most {} changes at a time; select fewer members.",
                change::MAX_BULK
            )));
        }
        self.write(move |s| Ok(changes.into_iter().map(|c| c.apply_reporting(s)).collect()))
            .await
    }

    pub async fn conflicts(&self) -> Result<Vec<Conflict>, ClientError> {
        self.read(Session::conflicts).await
    }

    pub async fn retry_conflict(&self, id: i64) -> Result<ChangeResult, ClientError> {
        self.write(move |s| s.retry_conflict(id).map(ChangeResult::from))
            .await
    }

    pub async fn discard_conflict(&self, id: i64) -> Result<Conflict, ClientError> {
        self.write(move |s| s.discard_conflict(id)).await
    }

    /// Pushes the queued changes and pulls the server's. Records whether the server
    /// answered, for the header.
    pub async fn sync_now(&self) -> Result<SyncReport, ClientError> {
        let mut guard = self.session.lock().await;
        let unlocked = guard.as_mut().ok_or(ClientError::NotUnlocked)?;
        let remote = unlocked.session.remote(APP_RETRY)?;
        self.set_sync(|s| s.begin("Syncing…"));
        let result = unlocked.session.sync(&remote).await;
        match &result {
            Ok(report) => self.set_sync(|s| s.succeeded(Some(report.clone()))),
            Err(err) => self.set_sync(|s| s.failed(err)),
        }
        result
    }

    /// Where the updater asks for a newer app: the company server this workspace syncs
    /// with. A local or demo workspace has none.
    pub async fn update_endpoint(&self) -> Result<url::Url, ClientError> {
        let server = self
            .read(|s| Ok(s.workspace().sync_state()?.server))
            .await?
            .ok_or(ClientError::NotConnected)?;
        updates::endpoint(&server)
    }

    /// "Later": the start-up check does not offer `version` again for a day.
    pub async fn postpone_update(&self, version: String) -> Result<(), ClientError> {
        let home = self.home.clone();
        blocking(move || updates::postpone(&home, &version)).await
    }

    pub fn update_postponed(&self, version: &str) -> bool {
        updates::is_postponed(&self.home, version)
    }

    /// A background sync: only when unlocked, bound to a server and not syncing already.
    pub async fn sync_in_background(&self) -> Option<Result<SyncReport, ClientError>> {
        let bound = {
            let Ok(guard) = self.session.try_lock() else {
                return None;
            };
            let unlocked = guard.as_ref()?;
            unlocked
                .session
                .workspace()
                .sync_state()
                .map(|s| s.server.is_some())
                .unwrap_or(false)
        };
        if !bound {
            return None;
        }
        Some(self.sync_now().await)
    }

    async fn start(
        &self,
        open: impl FnOnce() -> Result<Unlocked, ClientError> + Send + 'static,
    ) -> Result<Status, ClientError> {
        let mut guard = self.session.lock().await;
        *guard = None;
        *lock_std(&self.sync) = SyncStatus::default();
        let (unlocked, status) = blocking(move || {
            let unlocked = open()?;
            let status = unlocked.session.status()?;
            Ok((unlocked, status))
        })
        .await?;
        *guard = Some(unlocked);
        self.touch();
        Ok(status)
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Session) -> Result<T, ClientError> + Send + 'static,
    ) -> Result<T, ClientError> {
        self.touch();
        let guard = Arc::clone(&self.session).lock_owned().await;
        blocking(move || f(&guard.as_ref().ok_or(ClientError::NotUnlocked)?.session)).await
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, ClientError> + Send + 'static,
    ) -> Result<T, ClientError> {
        self.touch();
        let mut guard = Arc::clone(&self.session).lock_owned().await;
        blocking(move || f(&mut guard.as_mut().ok_or(ClientError::NotUnlocked)?.session)).await
    }

    fn set_sync(&self, update: impl FnOnce(&mut SyncStatus)) {
        update(&mut lock_std(&self.sync));
    }
}

/// A filter field the window sent, or `None` when it is missing or blank.
fn given(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ClientError> + Send + 'static,
) -> Result<T, ClientError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|err| ClientError::Interrupted(err.to_string()))?
}

#[cfg(test)]
mod tests;
