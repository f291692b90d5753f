//! The window's commands: each calls one service of `roster_client::desktop::Desktop` and
//! maps its error. No rule, no SQL, no loop here.

use roster_client::desktop::{
    AuditFilter, BulkResult, Change, ChangeResult, Desktop, MemberFilter, NewWorkspace, Overview,
    ServerLogin, Settings, SyncStatus,
};
use roster_client::{
    AuditEntry, ChainReport, Conflict, InfraListing, MemberDetail, MemberPage, Status,
    SupportContactListing, SyncReport,
};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::Answer;
use crate::updates::{self, Progress, UpdateCheck, Updates};

/// What the window polls every few seconds: whether it is still unlocked, and the link to
/// the server. Polling does not count as use for the idle lock.
#[derive(Debug, Serialize)]
pub struct Heartbeat {
    pub unlocked: bool,
    pub sync: SyncStatus,
}

#[tauri::command]
pub async fn overview(desktop: State<'_, Desktop>) -> Answer<Overview> {
    Ok(desktop.overview().await?)
}

#[tauri::command]
pub async fn heartbeat(desktop: State<'_, Desktop>) -> Answer<Heartbeat> {
    Ok(Heartbeat {
        unlocked: desktop.is_unlocked(),
        sync: desktop.sync_status(),
    })
}

#[tauri::command]
pub fn touch(desktop: State<'_, Desktop>) {
    desktop.touch();
}

#[tauri::command]
pub async fn open_demo(desktop: State<'_, Desktop>) -> Answer<Status> {
    Ok(desktop.open_demo().await?)
}

#[tauri::command]
pub async fn create_workspace(desktop: State<'_, Desktop>, new: NewWorkspace) -> Answer<Status> {
    Ok(desktop.create_workspace(new).await?)
}

#[tauri::command]
pub async fn connect_server(desktop: State<'_, Desktop>, login: ServerLogin) -> Answer<Status> {
    Ok(desktop.connect_server(login).await?)
}

#[tauri::command]
pub async fn unlock(
    desktop: State<'_, Desktop>,
    name: String,
    passphrase: Option<String>,
) -> Answer<Status> {
    Ok(desktop.unlock(&name, passphrase).await?)
}

#[tauri::command]
pub async fn lock(desktop: State<'_, Desktop>) -> Answer<()> {
    desktop.lock().await;
    Ok(())
}

#[tauri::command]
pub async fn save_settings(desktop: State<'_, Desktop>, settings: Settings) -> Answer<Settings> {
    Ok(desktop.save_settings(settings).await?)
}

#[tauri::command]
pub async fn status(desktop: State<'_, Desktop>) -> Answer<Status> {
    Ok(desktop.status().await?)
}

#[tauri::command]
pub async fn members(desktop: State<'_, Desktop>, filter: MemberFilter) -> Answer<MemberPage> {
    Ok(desktop.members(filter).await?)
}

#[tauri::command]
pub async fn member(desktop: State<'_, Desktop>, email: String) -> Answer<MemberDetail> {
    Ok(desktop.member(email).await?)
}

#[tauri::command]
pub async fn infrastructures(desktop: State<'_, Desktop>) -> Answer<Vec<InfraListing>> {
    Ok(desktop.infrastructures().await?)
}

#[tauri::command]
pub async fn infrastructure_names(desktop: State<'_, Desktop>) -> Answer<Vec<String>> {
    Ok(desktop.infrastructure_names().await?)
}

#[tauri::command]
pub async fn subscriptions(desktop: State<'_, Desktop>) -> Answer<Vec<roster_core::Subscription>> {
    Ok(desktop.subscriptions().await?)
}

#[tauri::command]
pub async fn apps(
    desktop: State<'_, Desktop>,
) -> Answer<Vec<(roster_core::App, Vec<roster_core::Role>)>> {
    Ok(desktop.apps().await?)
}

#[tauri::command]
pub async fn support_contacts(desktop: State<'_, Desktop>) -> Answer<Vec<SupportContactListing>> {
    Ok(desktop.support_contacts().await?)
}

#[tauri::command]
pub async fn audit(desktop: State<'_, Desktop>, filter: AuditFilter) -> Answer<Vec<AuditEntry>> {
    Ok(desktop.audit(filter).await?)
}

#[tauri::command]
pub async fn verify_audit(desktop: State<'_, Desktop>) -> Answer<ChainReport> {
    Ok(desktop.verify_audit().await?)
}

#[tauri::command]
pub async fn apply(desktop: State<'_, Desktop>, change: Change) -> Answer<ChangeResult> {
    Ok(desktop.apply(change).await?)
}

#[tauri::command]
pub async fn apply_bulk(
    desktop: State<'_, Desktop>,
    changes: Vec<Change>,
) -> Answer<Vec<BulkResult>> {
    Ok(desktop.apply_bulk(changes).await?)
}

#[tauri::command]
pub async fn conflicts(desktop: State<'_, Desktop>) -> Answer<Vec<Conflict>> {
    Ok(desktop.conflicts().await?)
}

#[tauri::command]
pub async fn retry_conflict(desktop: State<'_, Desktop>, id: i64) -> Answer<ChangeResult> {
    Ok(desktop.retry_conflict(id).await?)
}

#[tauri::command]
pub async fn discard_conflict(desktop: State<'_, Desktop>, id: i64) -> Answer<Conflict> {
    Ok(desktop.discard_conflict(id).await?)
}

#[tauri::command]
pub async fn sync_now(desktop: State<'_, Desktop>) -> Answer<SyncReport> {
    Ok(desktop.sync_now().await?)
}

#[tauri::command]
pub fn app_version(app: AppHandle) -> String {
    updates::current(&app)
}

#[tauri::command]
pub async fn update_check(app: AppHandle, updates: State<'_, Updates>) -> Answer<UpdateCheck> {
    updates.check(&app).await
}

#[tauri::command]
pub async fn update_install(
    app: AppHandle,
    updates: State<'_, Updates>,
    progress: Channel<Progress>,
) -> Answer<()> {
    updates.install(&app, progress).await
}

#[tauri::command]
pub async fn update_postpone(desktop: State<'_, Desktop>, version: String) -> Answer<()> {
    Ok(desktop.postpone_update(version).await?)
}
