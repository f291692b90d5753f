//! Self-update from the company server the workspace syncs with, through
//! tauri-plugin-updater: check, download with progress, verify the signature against the
//! public key built into the app (`plugins.updater.pubkey` in tauri.conf.json), install,
//! restart.
//!
//! Nothing is installed unless the signature verifies and names the version offered
//! (`requireSignedVersion`). Every refusal says why, and the running version stays.

use roster_client::desktop::Desktop;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::utils::platform::bundle_type;
use tauri::{AppHandle, Manager};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};
use tokio::sync::Mutex;

use crate::error::AppError;

/// The update the last check offered, kept for "Install".
#[derive(Default)]
pub struct Updates {
    offered: Mutex<Option<Update>>,
}

impl std::fmt::Debug for Updates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Updates")
    }
}

/// What a check found.
#[derive(Debug, Serialize)]
pub struct UpdateCheck {
    /// The running version.
    pub current: String,
    pub offer: Option<Offer>,
}

/// A newer version the company server offers.
#[derive(Debug, Serialize)]
pub struct Offer {
    pub version: String,
    pub notes: Option<String>,
    /// RFC 3339.
    pub published: Option<String>,
    /// The admin chose "Later" for this version less than a day ago.
    pub postponed: bool,
    /// Whether this copy can replace itself: only one installed from a package can.
    pub installable: bool,
}

/// How far an install has got, streamed to the window.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Progress {
    Downloading { received: u64, total: Option<u64> },
    Verified,
    Installing,
}

/// The running version.
pub fn current(app: &AppHandle) -> String {
    app.package_info().version.to_string()
}

fn error(code: &str, message: String) -> AppError {
    AppError {
        code: code.to_owned(),
        message,
    }
}

impl Updates {
    /// Asks the company server whether a newer version exists for this platform.
    pub async fn check(&self, app: &AppHandle) -> Result<UpdateCheck, AppError> {
        let desktop = app.state::<Desktop>();
        // An offer from an earlier check (maybe of another workspace's server) is stale now.
        *self.offered.lock().await = None;
        let endpoint = desktop.update_endpoint().await?;
        let current = current(app);
        let updater = app
            .updater_builder()
            .endpoints(vec![endpoint])
            .and_then(|b| b.timeout(std::time::Duration::from_secs(30)).build())
            .map_err(|e| refused(&e, None, &current))?;
        let found = updater
            .check()
            .await
            .map_err(|e| refused(&e, None, &current))?;
        let offer = found.as_ref().map(|update| Offer {
            version: update.version.clone(),
            notes: update.body.clone(),
            published: update.date.and_then(|d| {
                d.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
            postponed: desktop.update_postponed(&update.version),
            installable: bundle_type().is_some(),
        });
        *self.offered.lock().await = found;
        Ok(UpdateCheck { current, offer })
    }

    /// Downloads the offered version, verifies it, installs it and restarts into it.
    /// Answers only when something stopped it; the running version then stays.
    pub async fn install(
        &self,
        app: &AppHandle,
        progress: Channel<Progress>,
    ) -> Result<(), AppError> {
        let current = current(app);
        let update = self.offered.lock().await.clone().ok_or_else(|| {
            error(
                "no_update",
                "Check for updates first; no newer version is on offer.".into(),
            )
        })?;
        let version = update.version.clone();
        let mut received = 0_u64;
        let bytes = update
            .download(
                |chunk, total| {
                    received += chunk as u64;
                    let _ = progress.send(Progress::Downloading { received, total });
                },
                || {},
            )
            .await
            .map_err(|e| refused(&e, Some(&version), &current))?;
        let _ = progress.send(Progress::Verified);
        if bundle_type().is_none() {
            return Err(error(
                "not_installable",
                format!(
                    "Roster {version} was downloaded and its signature verified, but this copy of Roster was not installed from a package, so it cannot replace itself. Install the {version} package instead; Roster stays at {current}."
                ),
            ));
        }
        let _ = progress.send(Progress::Installing);
        tracing::info!(%version, "installing an update");
        let installed = tokio::task::spawn_blocking(move || update.install(bytes))
            .await
            .map_err(|e| error("interrupted", format!("The install stopped: {e}")))?;
        installed.map_err(|e| refused(&e, Some(&version), &current))?;
        // Close the workspace cleanly before the new version opens it.
        app.state::<Desktop>().lock().await;
        app.restart()
    }
}

/// Why the updater stopped, in words an admin can act on.
fn refused(err: &UpdaterError, version: Option<&str>, current: &str) -> AppError {
    let offered = version.map_or_else(|| "the update".to_owned(), |v| format!("version {v}"));
    let stays = format!("Nothing was installed; Roster stays at {current}.");
    let tell = "Tell whoever runs your company server.";
    match err {
        UpdaterError::Minisign(minisign_verify::Error::UnexpectedKeyId) => error(
            "bad_signature",
            format!(
                "Roster refused {offered}: it was signed with a key other than your company's update key. {stays} {tell}"
            ),
        ),
        UpdaterError::Minisign(minisign_verify::Error::InvalidSignature) => error(
            "bad_signature",
            format!(
                "Roster refused {offered}: the downloaded file does not match its signature, so it was changed after it was signed. {stays} {tell}"
            ),
        ),
        UpdaterError::Minisign(_) | UpdaterError::Base64(_) | UpdaterError::SignatureUtf8(_) => {
            error(
                "bad_signature",
                format!(
                    "Roster refused {offered}: its signature is not a valid update signature. {stays} {tell}"
                ),
            )
        }
        UpdaterError::SignedVersionMismatch { signed, announced } => error(
            "bad_signature",
            format!(
                "Roster refused the update: the server offered version {announced}, but the file was signed as version {signed}. {stays} {tell}"
            ),
        ),
        UpdaterError::MissingSignedVersion => error(
            "bad_signature",
            format!(
                "Roster refused {offered}: its signature does not say which version it was made for (sign with `cargo tauri signer sign --app-version`). {stays} {tell}"
            ),
        ),
        UpdaterError::Serialization(detail) if detail.to_string().contains("signature") => error(
            "unsigned_update",
            format!(
                "Roster refused the update: the company server offered it without a signature, and Roster installs only signed updates. {stays} {tell}"
            ),
        ),
        UpdaterError::Serialization(detail) => error(
            "bad_update_offer",
            format!(
                "The company server's update offer could not be read ({detail}). {stays} {tell}"
            ),
        ),
        UpdaterError::ReleaseNotFound => error(
            "update_unavailable",
            "The company server did not answer the update check; it may run an older roster-server. Try again later.".into(),
        ),
        UpdaterError::Reqwest(_) | UpdaterError::Network(_) => error(
            "offline",
            format!("Cannot reach the company server for updates ({err}). {stays} Try again later."),
        ),
        UpdaterError::InsecureTransportProtocol => error(
            "insecure_update_server",
            format!(
                "Roster takes updates only over https, and your company server is reached over plain http. {stays} Ask whoever runs the server to serve https."
            ),
        ),
        UpdaterError::InvalidUpdaterFormat => error(
            "bad_update_offer",
            format!(
                "Roster refused {offered}: the file is not a package of the kind this copy was installed from. {stays} {tell}"
            ),
        ),
        UpdaterError::AuthenticationFailed
        | UpdaterError::PackageInstallFailed
        | UpdaterError::DebInstallFailed => error(
            "install_failed",
            format!(
                "The update was verified but could not be installed: installing a package needs an administrator's password ({err}). Roster stays at {current}."
            ),
        ),
        other => error(
            "update_failed",
            format!("The update stopped: {other}. Roster stays at {current}."),
        ),
    }
}
