//! Roster's desktop app: the Tauri v2 shell over `roster_client::desktop`. It opens the
//! window on `ui/`, hands each command to one service, and runs two background duties:
//! the idle lock and the periodic sync. Updates come from the company server through
//! tauri-plugin-updater (`updates`).

mod commands;
mod error;
mod updates;

use std::path::PathBuf;
use std::time::Duration;

use roster_client::desktop::Desktop;
use tauri::Manager;

/// How often the app syncs in the background while unlocked and bound to a server.
const SYNC_EVERY: Duration = Duration::from_secs(30);
/// How often the idle lock looks at the clock.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(10);

/// Where the workspaces live: `ROSTER_HOME`, or the platform's data folder (the same one
/// the `roster` CLI uses, so the demo it makes opens here too).
fn home() -> PathBuf {
    std::env::var_os("ROSTER_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("roster")))
        .unwrap_or_else(|| PathBuf::from("roster"))
}

/// Builds and runs the app until its window closes.
pub fn run() -> Result<(), tauri::Error> {
    // reqwest is built without a TLS provider of its own; ring is the one we ship.
    let _ = rustls::crypto::ring::default_provider().install_default();
    tauri::Builder::default()
        // `ROSTER_DEMO=1` (scripts/run) opens the demo company at start.
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(updates::Updates::default())
        .manage(Desktop::new(home()).starting_with_demo(std::env::var_os("ROSTER_DEMO").is_some()))
        .setup(|app| {
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(open_demo_early(handle.clone()));
            tauri::async_runtime::spawn(background(handle));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::overview,
            commands::heartbeat,
            commands::touch,
            commands::open_demo,
            commands::create_workspace,
            commands::connect_server,
            commands::unlock,
            commands::lock,
            commands::save_settings,
            commands::status,
            commands::members,
            commands::member,
            commands::infrastructures,
            commands::infrastructure_names,
            commands::subscriptions,
            commands::apps,
            commands::support_contacts,
            commands::audit,
            commands::verify_audit,
            commands::apply,
            commands::apply_bulk,
            commands::conflicts,
            commands::retry_conflict,
            commands::discard_conflict,
            commands::sync_now,
            commands::app_version,
            commands::update_check,
            commands::update_install,
            commands::update_postpone,
        ])
        .run(tauri::generate_context!())
}

/// With `ROSTER_DEMO=1`, opens the demo company while WebKit starts rather than after.
async fn open_demo_early(app: tauri::AppHandle) {
    if let Err(err) = app.state::<Desktop>().open_demo_early().await {
        tracing::info!(code = err.code(), "the demo company did not open at start");
    }
}

/// The idle lock and the periodic sync. The window learns of both through `heartbeat`.
async fn background(app: tauri::AppHandle) {
    let mut idle = tokio::time::interval(IDLE_CHECK_EVERY);
    let mut sync = tokio::time::interval(SYNC_EVERY);
    loop {
        tokio::select! {
            _ = idle.tick() => {
                if app.state::<Desktop>().lock_if_idle().await {
                    tracing::info!("locked after the idle time");
                }
            }
            _ = sync.tick() => {
                if let Some(Err(err)) = app.state::<Desktop>().sync_in_background().await {
                    tracing::info!(code = err.code(), "background sync did not finish");
                }
            }
        }
    }
}
