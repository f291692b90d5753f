//! A remembered workspace opens from the OS keychain without the passphrase. These tests
//! need a real Secret Service; `scripts/test` runs them under `dbus-run-session` with an
//! unlocked gnome-keyring.

use crate::fixture::{Workspace, succeeds};

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn a_remembered_workspace_unlocks_from_the_keychain_until_forgotten() {
    let ws = Workspace::empty();
    ws.ok(&[
        "init",
        "--company",
        "Acme",
        "--admin",
        "admin@acme.example",
        "--remember",
    ]);

    // The keychain key opens the workspace.
    let status = succeeds(ws.command().env_remove("ROSTER_PASSPHRASE").arg("status"));
    assert!(
        status.contains("Acme") && status.contains("key in this device's keychain"),
        "{status}"
    );

    ws.ok(&["keychain", "forget"]);
    let out = ws
        .command()
        .env_remove("ROSTER_PASSPHRASE")
        .arg("status")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "forgotten: locked again");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ROSTER_PASSPHRASE"),
        "says how to unlock: {stderr}"
    );
}

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn the_keychain_holds_the_key_not_the_passphrase_and_not_in_the_workspace() {
    let ws = Workspace::empty();
    ws.ok(&[
        "init",
        "--company",
        "Acme",
        "--admin",
        "admin@acme.example",
        "--remember",
    ]);
    let id = std::fs::read_to_string(ws.dir.join("roster.key")).expect("key file");
    let id: serde_json::Value = serde_json::from_str(&id).expect("json");
    let workspace_id = id["workspace_id"].as_str().expect("workspace id");
    let out = std::process::Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "dev.roster.workspace",
            "username",
            workspace_id,
        ])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by scripts/test");
    let secret = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        secret.trim().len(),
        64,
        "the keychain holds the 256-bit data key as hex"
    );
    assert!(
        !secret.contains(crate::fixture::PASSPHRASE),
        "never the passphrase"
    );
    for (name, bytes) in crate::fixture::files(&ws.dir) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret.trim()),
            "{name} must not hold the data key"
        );
    }
    ws.ok(&["keychain", "forget"]);
}
