//! The `roster` process itself killed with SIGKILL:
//! - while it pulls a long change log: each page is applied with its cursor in one
//!   transaction, so the next `roster sync` resumes from the last page that committed, and
//!   the change queued on the device before the kill reaches the server exactly once;
//! - while `roster login` makes the workspace: the key file is written last, so the folder
//!   holds a database no one can open and no workspace, and the next `roster login` clears
//!   it and signs in.

use std::process::Stdio;
use std::time::Duration;

use roster_client::{DATABASE_FILE, KEY_FILE, Passphrase, Session, Unlock};

use super::harness::{ADMIN, Device, PASSPHRASE, PASSWORD, ServerProcess, normalized};
use crate::fixture::{Workspace, succeeds};

/// More than two pages of `roster_client::PULL_PAGE` changes, so a kill can land between
/// two page commits.
const EDITS: usize = 3 * roster_client::PULL_PAGE as usize + 500;

fn status(device: &Workspace) -> serde_json::Value {
    serde_json::from_str(&device.ok(&["status", "--json"])).expect("status is JSON")
}

fn cursor(device: &Workspace) -> i64 {
    status(device)["cursor"].as_i64().expect("cursor")
}

/// Opens the workspace `cli` made and compares what it holds with the server.
fn assert_holds_what_the_server_holds(cli: &Workspace, admin: &Device, opens: &str, holds: &str) {
    let session = Session::open(
        &cli.dir,
        Unlock::Passphrase(&Passphrase::new(PASSPHRASE.to_owned())),
    )
    .expect(opens);
    assert_eq!(
        normalized(&session.workspace().snapshot().expect("snapshot")),
        normalized(&admin.server_snapshot()),
        "{holds}"
    );
}

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn the_cli_killed_mid_pull_resumes_from_its_last_page_and_applies_its_queued_change_once() {
    let server = ServerProcess::start();
    let url = server.url();
    let mut admin = Device::sign_in(&url, ADMIN, PASSWORD);
    server.member(&mut admin, "mia@acme.example", &[], false);

    let cli = Workspace::empty();
    succeeds(cli.command().env("ROSTER_PASSWORD", PASSWORD).args([
        "login",
        "--server",
        url.as_str(),
        "--email",
        ADMIN,
    ]));
    let start = cursor(&cli);

    for i in 0..EDITS {
        admin
            .session
            .rename_member("mia@acme.example", &format!("Mia {i}"))
            .expect("edit");
    }
    admin.settle();
    let head = admin.session.sync_state().expect("state").cursor;
    cli.ok(&[
        "members",
        "invite",
        "offline@acme.example",
        "--name",
        "Olga Offline",
    ]);

    // Kill later each time until a kill lands after at least one page committed and before
    // the last: the cursor then stands strictly between where it started and the head.
    let mut killed_mid_pull = 0;
    for delay_ms in (1..=40).map(|step| step * 60) {
        let mut sync = cli
            .command()
            .arg("sync")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("roster sync starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = sync.kill();
        let _ = sync.wait();
        let now = status(&cli);
        assert_eq!(
            now["conflicts"], 0,
            "a kill makes no conflict out of a change the server accepts: {now}"
        );
        let at = now["cursor"].as_i64().expect("cursor");
        if at > start && at < head {
            killed_mid_pull += 1;
        }
        if at >= head || killed_mid_pull == 2 {
            break;
        }
    }
    assert!(
        killed_mid_pull > 0,
        "no kill landed between two pages of the pull; the log is too short for this machine"
    );

    cli.ok(&["sync"]);
    let done = status(&cli);
    assert_eq!(done["pending_changes"], 0, "{done}");
    assert_eq!(done["conflicts"], 0, "{done}");
    // Exits non-zero on a damaged file or a broken audit chain.
    cli.ok(&["check"]);

    assert_holds_what_the_server_holds(
        &cli,
        &admin,
        "the workspace opens after the kills",
        "the killed device ends holding exactly what the server holds",
    );
    let log = admin
        .block_on(admin.remote.changes(&roster_client::ChangesQuery {
            after: head,
            audit_after: None,
            limit: Some(5000),
        }))
        .expect("log");
    let invited = log
        .changes
        .iter()
        .filter(|logged| {
            logged.changes.iter().any(|change| {
                matches!(&change.after, Some(roster_core::Record::Member(m)) if m.email.as_str() == "offline@acme.example")
                    && change.before.is_none()
            })
        })
        .count();
    assert_eq!(
        invited, 1,
        "the change queued before the kills is applied once"
    );
}

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn a_login_killed_while_it_makes_the_workspace_runs_again_from_scratch() {
    let server = ServerProcess::start();
    let url = server.url();
    let mut admin = Device::sign_in(&url, ADMIN, PASSWORD);
    server.member(&mut admin, "mia@acme.example", &[], false);
    admin.settle();

    let cli = Workspace::empty();
    let login = || {
        let mut command = cli.command();
        command.env("ROSTER_PASSWORD", PASSWORD).args([
            "login",
            "--server",
            url.as_str(),
            "--email",
            ADMIN,
        ]);
        command
    };
    // Kill later each time until a kill lands after the database was made and before its
    // key file: the whole load lies between the two, and the key file also waits for the
    // key's sealing (Argon2id, 0.15 s), which begins with the load.
    let mut cut = false;
    for delay_ms in (1..=80).map(|step| step * 25) {
        let mut running = login()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("roster login starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = running.kill();
        let _ = running.wait();
        assert!(
            !cli.dir.join(KEY_FILE).exists(),
            "roster login finished within {delay_ms} ms before any kill landed mid-way"
        );
        if cli.dir.join(DATABASE_FILE).exists() {
            cut = true;
            break;
        }
    }
    assert!(cut, "no kill landed while the workspace was being made");

    let refused = cli.fails(&["status"], 2);
    assert!(
        refused.contains("no workspace"),
        "a database without its key file is no workspace: {refused}"
    );
    succeeds(&mut login());
    cli.ok(&["check"]);
    assert_holds_what_the_server_holds(
        &cli,
        &admin,
        "the workspace made by the second login opens",
        "the second login holds exactly what the server holds",
    );
}
