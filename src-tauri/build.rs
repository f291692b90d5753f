//! Registers the app's commands so each gets an `allow-…` permission; the window's
//! capability (capabilities/main.json) then grants exactly those, and nothing else.

/// Every `#[tauri::command]` of `src/commands.rs`, in the same order.
const COMMANDS: &[&str] = &[
    "overview",
    "heartbeat",
    "touch",
    "open_demo",
    "create_workspace",
    "connect_server",
    "unlock",
    "lock",
    "save_settings",
    "status",
    "members",
    "member",
    "infrastructures",
    "infrastructure_names",
    "subscriptions",
    "apps",
    "support_contacts",
    "audit",
    "verify_audit",
    "apply",
    "apply_bulk",
    "conflicts",
    "retry_conflict",
    "discard_conflict",
    "sync_now",
    "app_version",
    "update_check",
    "update_install",
    "update_postpone",
];

fn main() {
    // The UI is embedded in the binary: any change under ui/ must rebuild it.
    println!("cargo:rerun-if-changed=../ui");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build could not generate the app's permissions");
}
