//! Sync with the company server: sign in and first sync (a workspace made from the
//! server's snapshot), then push the outbox and pull the change log, and the conflicts left
//! for the admin. The rules of what each step writes live in `roster_store`'s sync module;
//! this one talks to the server and keeps the order: push, then pull.

use std::path::Path;

use roster_core::{Actor, DeviceId, Envelope, OpId, SnapshotPart};
use roster_store::{
    Conflict, Outcome, Passphrase, PulledChange, ServerAnswer, SyncState, SystemActor, Workspace,
};
use roster_wire::{AuditEntryView, ChangesPage, ChangesQuery, MAX_PUSH, OpOutcome};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::error::{ClientError, bad_input};
use crate::remote::{Remote, RetryPolicy, SnapshotStream};
use crate::session::{META_ACTOR, META_DEVICE, Session, now};

/// Ops per push; the server takes up to `roster_wire::MAX_PUSH`.
pub const PUSH_BATCH: usize = 500;
/// Changes per pull page.
pub const PULL_PAGE: u32 = 2000;

/// How to sign in and where to make the workspace.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    pub server: String,
    pub email: String,
    /// Keep the workspace key in the OS keychain too.
    pub remember: bool,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    /// Ops pushed, and what became of them.
    pub pushed: u32,
    pub applied: u32,
    pub unchanged: u32,
    pub rejected: u32,
    /// Changes pulled from the server (ops of any device).
    pub pulled: u32,
    /// New conflicts, from rejections and from pulled changes.
    pub conflicts: u32,
    /// Whether the account's rights changed, so the whole company was downloaded again.
    pub resnapshot: bool,
    /// The change-log sequence number the workspace now holds.
    pub cursor: i64,
}

/// Snapshot parts read ahead of the thread that stores them: with 2,000 records a part,
/// enough to keep it busy, few enough to bound the memory.
const PARTS_IN_FLIGHT: usize = 16;

/// Hands the stream's parts to the thread that stores them as they come, and answers the
/// stream's audit entries. Closing `parts` after a clean `end` lets that thread commit; any
/// failure is handed on instead, so it stores nothing.
async fn feed(
    stream: &mut SnapshotStream,
    parts: &mpsc::Sender<Result<SnapshotPart, ClientError>>,
) -> Vec<AuditEntryView> {
    let failure = loop {
        match stream.next_part().await {
            Ok(Some(part)) => {
                if parts.send(Ok(part)).await.is_err() {
                    // The storing thread stopped; its error says why.
                    return Vec::new();
                }
            }
            Ok(None) => return stream.take_audit(),
            Err(err) => break err,
        }
    };
    let _ = parts.send(Err(failure)).await;
    Vec::new()
}

fn audit_rows(audit: &[AuditEntryView]) -> Result<Vec<(i64, String)>, ClientError> {
    audit
        .iter()
        .map(|entry| {
            serde_json::to_string(entry)
                .map(|json| (entry.seq, json))
                .map_err(|err| bad_input(format!("an audit entry from the server: {err}")))
        })
        .collect()
}

impl Session {
    /// Signs in to the company server, downloads everything the account may see into a new
    /// workspace at `dir` encrypted under `passphrase`, and keeps the session token in the
    /// OS keychain (never in the workspace).
    pub async fn login(
        dir: &Path,
        passphrase: &Passphrase,
        options: &LoginOptions,
        password: &str,
    ) -> Result<Self, ClientError> {
        if Workspace::exists(dir) {
            return Err(roster_store::StoreError::AlreadyExists {
                path: dir.to_owned(),
            }
            .into());
        }
        let mut remote = Remote::new(&options.server, RetryPolicy::default())?;
        remote.sign_in(&options.email, password).await?;
        let mut session = Self::connect(dir, passphrase, &remote, &options.email).await?;
        let token = remote
            .token()
            .ok_or_else(|| bad_input("the server granted no session"))?;
        let kept = roster_store::keep_session_token(session.workspace().id(), token)
            .map_err(ClientError::from)
            .and_then(|()| {
                if options.remember {
                    session.remember()
                } else {
                    Ok(())
                }
            });
        if let Err(err) = kept {
            // Without the token the workspace could never sync: do not leave it half made.
            session.into_workspace().discard()?;
            return Err(err);
        }
        session.sync(&remote).await?;
        Ok(session)
    }

    /// Makes a workspace at `dir` from the snapshot of a signed-in `remote`, bound to it and
    /// to the account `email`. The session token stays with the caller. The snapshot is
    /// stored as it streams in; a download cut mid-way leaves nothing behind and starts
    /// again, as any call is retried.
    pub async fn connect(
        dir: &Path,
        passphrase: &Passphrase,
        remote: &Remote,
        email: &str,
    ) -> Result<Self, ClientError> {
        roster_core::password::check(passphrase.expose(), &[email])?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Opening the stream retries on its own; an `Offline` after that is a cut.
            let stream = remote.snapshot_stream().await?;
            match Self::connect_from(dir, passphrase, remote, email, stream).await {
                Err(ClientError::Offline { reason, .. }) => {
                    remote.retry_after(attempt, reason).await?;
                }
                made => return made,
            }
        }
    }

    /// One try of [`Session::connect`] on an opened stream: the network reads it on this
    /// task while a blocking thread stores what came (the two use both cores of a small
    /// laptop).
    async fn connect_from(
        dir: &Path,
        passphrase: &Passphrase,
        remote: &Remote,
        email: &str,
        mut stream: SnapshotStream,
    ) -> Result<Self, ClientError> {
        let (seq, account) = stream.head().await?;
        let device = DeviceId::from_uuid(Uuid::now_v7());
        let at = now();
        let (parts, mut received) = mpsc::channel(PARTS_IN_FLIGHT);
        let writer = {
            let dir = dir.to_owned();
            let passphrase = Passphrase::new(passphrase.expose().to_owned());
            let meta = [
                (META_ACTOR, account.to_string()),
                (META_DEVICE, device.to_string()),
            ];
            let creator = SystemActor {
                label: email.to_owned(),
                device: device.to_string(),
            };
            tokio::task::spawn_blocking(move || {
                let meta: Vec<(&str, &str)> = meta.iter().map(|(k, v)| (*k, v.as_str())).collect();
                Workspace::create_streamed(
                    &dir,
                    &Uuid::now_v7().to_string(),
                    &passphrase,
                    &meta,
                    &creator,
                    at,
                    std::iter::from_fn(|| received.blocking_recv()),
                )
            })
        };
        let audit = feed(&mut stream, &parts).await;
        drop(parts);
        let mut workspace = writer
            .await
            .map_err(|err| ClientError::Interrupted(format!("storing the snapshot: {err}")))??;
        let bound = workspace.bind(remote.url(), email, seq, &audit_rows(&audit)?, at);
        if let Err(err) = bound {
            workspace.discard()?;
            return Err(err.into());
        }
        Self::from_workspace(workspace)
    }

    /// The company server this workspace syncs with, signed in with the token kept in the
    /// OS keychain.
    pub fn remote(&self, retry: RetryPolicy) -> Result<Remote, ClientError> {
        let state = self.sync_state()?;
        let server = state.server.ok_or(ClientError::NotConnected)?;
        let token = roster_store::session_token(self.workspace().id())?.ok_or_else(|| {
            ClientError::Server {
                code: "session_expired".into(),
                message: "No session with the company server is kept on this device. Sign in again with `roster login`; your queued changes are kept."
                    .into(),
            }
        })?;
        Ok(Remote::new(&server, retry)?.with_token(token))
    }

    pub fn sync_state(&self) -> Result<SyncState, ClientError> {
        Ok(self.workspace().sync_state()?)
    }

    /// Pushes every queued op, then pulls every change after the cursor. The last push
    /// carries the cursor and its answer the changes after it, so the usual sync (a few
    /// edits, a few changes from others) is one exchange. If the server cannot be reached
    /// the error says so and every change stays queued.
    pub async fn sync(&mut self, remote: &Remote) -> Result<SyncReport, ClientError> {
        let mut report = SyncReport::default();
        let first = match self.push(remote, &mut report).await? {
            Some(page) => page,
            None => remote.changes(&self.pull_query()?).await?,
        };
        self.pull(remote, first, &mut report).await?;
        report.cursor = self.sync_state()?.cursor;
        Ok(report)
    }

    /// Pushes the outbox in batches; answers the first page of changes to pull when the
    /// last push brought it.
    async fn push(
        &mut self,
        remote: &Remote,
        report: &mut SyncReport,
    ) -> Result<Option<ChangesPage>, ClientError> {
        loop {
            let batch = self
                .workspace()
                .outbox(u32::try_from(PUSH_BATCH.min(MAX_PUSH)).unwrap_or(500))?;
            if batch.is_empty() {
                return Ok(None);
            }
            // A full batch likely has more behind it: only the last asks for the page.
            let last = batch.len() < PUSH_BATCH;
            let pull = if last { Some(self.pull_query()?) } else { None };
            let response = remote.push(&batch, pull).await?;
            let answers = answers_for(&batch, response.results)?;
            for (_, answer) in &answers {
                match answer {
                    ServerAnswer::Applied { .. } => report.applied += 1,
                    ServerAnswer::Unchanged => report.unchanged += 1,
                    ServerAnswer::Rejected { .. } => report.rejected += 1,
                }
            }
            report.pushed += u32::try_from(batch.len()).unwrap_or(u32::MAX);
            let label = self.actor_label().to_owned();
            report.conflicts += self
                .workspace_mut()
                .record_answers(&answers, &label, now())?;
            if response.page.is_some() {
                return Ok(response.page);
            }
        }
    }

    /// Takes `first` and the pages after it. The next page is read while this one is
    /// applied, so the server's read and the device's write overlap; it is used only if
    /// it answers the query the applied page leaves, and read again otherwise.
    async fn pull(
        &mut self,
        remote: &Remote,
        first: ChangesPage,
        report: &mut SyncReport,
    ) -> Result<(), ClientError> {
        let mut page = first;
        loop {
            let ahead = if page.more && !page.resnapshot {
                Some(ReadAhead::start(remote, self.query_after(&page)?))
            } else {
                None
            };
            if !self.take_page(remote, page, report).await? {
                return Ok(());
            }
            let query = self.pull_query()?;
            page = match ahead {
                Some(ahead) if ahead.query == query => ahead.page().await?,
                _ => remote.changes(&query).await?,
            };
        }
    }

    /// The query that follows `page` once it is applied: its cursor, and the newest of its
    /// audit entries if it brought any.
    fn query_after(&self, page: &ChangesPage) -> Result<ChangesQuery, ClientError> {
        let audit_after = page
            .audit
            .iter()
            .map(|entry| entry.seq)
            .chain([self.sync_state()?.audit_cursor])
            .max();
        Ok(ChangesQuery {
            after: page.next,
            audit_after,
            limit: Some(PULL_PAGE),
        })
    }

    /// Where this workspace's cursors stand, as the server is asked for what follows.
    fn pull_query(&self) -> Result<ChangesQuery, ClientError> {
        let state = self.sync_state()?;
        Ok(ChangesQuery {
            after: state.cursor,
            audit_after: Some(state.audit_cursor),
            limit: Some(PULL_PAGE),
        })
    }

    /// Applies one page of changes (or, when the account's rights changed, a fresh
    /// snapshot); answers whether more are left to pull.
    async fn take_page(
        &mut self,
        remote: &Remote,
        page: ChangesPage,
        report: &mut SyncReport,
    ) -> Result<bool, ClientError> {
        let label = self.actor_label().to_owned();
        if page.resnapshot {
            let fresh = remote.snapshot().await?;
            report.resnapshot = true;
            report.conflicts += self.workspace_mut().replace_with_snapshot(
                &fresh.snapshot,
                fresh.seq,
                &audit_rows(&fresh.audit)?,
                &label,
                now(),
            )?;
            // The snapshot's own sequence number may be behind changes made since.
            return Ok(true);
        }
        let changes: Vec<PulledChange> = page
            .changes
            .into_iter()
            .map(|logged| PulledChange {
                seq: logged.seq,
                op: OpId::from_uuid(logged.op_id),
                changes: logged.changes,
            })
            .collect();
        report.pulled += u32::try_from(changes.len()).unwrap_or(u32::MAX);
        report.conflicts += self.workspace_mut().apply_pull(
            &changes,
            page.next,
            &audit_rows(&page.audit)?,
            &label,
            now(),
        )?;
        Ok(page.more)
    }

    /// The ops that did not land, with the reason.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, ClientError> {
        Ok(self.workspace().conflicts()?)
    }

    /// Makes a conflict's op again against the state as it is now, as a new op queued for
    /// the next sync; the admin has seen what changed, so it expects nothing. A refusal
    /// leaves the conflict in place.
    pub fn retry_conflict(&mut self, id: i64) -> Result<Outcome, ClientError> {
        let conflict = self.workspace().conflict(id)?;
        let envelope = Envelope {
            id: OpId::from_uuid(Uuid::now_v7()),
            actor: Actor::Member { id: self.actor() },
            device: self.device(),
            at: now(),
            op: conflict.envelope.op,
            expects: Vec::new(),
        };
        let label = self.actor_label().to_owned();
        Ok(self.workspace_mut().retry_conflict(id, &envelope, &label)?)
    }

    /// Drops a conflict for good.
    pub fn discard_conflict(&mut self, id: i64) -> Result<Conflict, ClientError> {
        let label = self.actor_label().to_owned();
        Ok(self.workspace_mut().discard_conflict(id, &label, now())?)
    }

    /// Signs out of the company server on this device: the token leaves the keychain.
    pub fn forget_session(&self) -> Result<(), ClientError> {
        Ok(roster_store::forget_session_token(self.workspace().id())?)
    }
}

/// A page of changes being read on another task; dropping it stops the read, so an
/// error while applying the page before it leaves nothing running.
struct ReadAhead {
    query: ChangesQuery,
    task: tokio::task::JoinHandle<Result<ChangesPage, ClientError>>,
}

impl ReadAhead {
    fn start(remote: &Remote, query: ChangesQuery) -> Self {
        let remote = remote.clone();
        let asked = query.clone();
        let task = tokio::spawn(async move { remote.changes(&asked).await });
        Self { query, task }
    }

    async fn page(mut self) -> Result<ChangesPage, ClientError> {
        match (&mut self.task).await {
            Ok(page) => page,
            Err(err) => Err(ClientError::Interrupted(format!(
                "reading the next page of changes: {err}"
            ))),
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Pairs the server's results with the ops pushed, refusing an answer that does not match
/// the batch (then nothing is recorded and the ops stay queued).
fn answers_for(
    batch: &[Envelope],
    results: Vec<roster_wire::OpResult>,
) -> Result<Vec<(OpId, ServerAnswer)>, ClientError> {
    if results.len() != batch.len()
        || batch
            .iter()
            .zip(&results)
            .any(|(op, result)| *op.id.as_uuid() != result.id)
    {
        return Err(ClientError::Server {
            code: "bad_response".into(),
            message: "the server's answer to a push does not match the ops sent; nothing was recorded and the ops stay queued".into(),
        });
    }
    Ok(batch
        .iter()
        .zip(results)
        .map(|(op, result)| {
            let answer = match result.outcome {
                OpOutcome::Applied { seq } => ServerAnswer::Applied { seq },
                OpOutcome::Unchanged => ServerAnswer::Unchanged,
                OpOutcome::Rejected { code, message } => ServerAnswer::Rejected { code, message },
            };
            (op.id, answer)
        })
        .collect())
}
