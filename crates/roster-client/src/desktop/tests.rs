//! The desktop services on real encrypted workspaces in a temporary folder.

use std::time::{Duration, Instant};

use roster_core::{Edition, Level, MemberKind};

use super::*;

const PASSPHRASE: &str = "Harbour-Lantern-Quilt-42!";

fn local(company: &str) -> NewWorkspace {
    NewWorkspace {
        company: company.to_owned(),
        email: "ada@acme.example".to_owned(),
        name: Some("Ada Admin".to_owned()),
        passphrase: PASSPHRASE.to_owned(),
        remember: false,
    }
}

/// A desktop over a new temporary folder, with the local workspace "acme" unlocked.
async fn acme() -> (tempfile::TempDir, Desktop) {
    let home = tempfile::tempdir().expect("temp dir");
    let desktop = Desktop::new(home.path().to_owned());
    desktop
        .create_workspace(local("Acme"))
        .await
        .expect("create");
    (home, desktop)
}

/// Adds subscription `subscription` of `edition` and a cloud infrastructure `infra` on it.
async fn add_infra(desktop: &Desktop, subscription: &str, edition: Edition, infra: &str) {
    for change in [
        Change::AddSubscription {
            name: subscription.into(),
            edition,
        },
        Change::AddInfrastructure {
            name: infra.into(),
            subscription: subscription.into(),
            hosting: roster_core::Hosting::Cloud,
        },
    ] {
        desktop.apply(change).await.expect("set up the company");
    }
}

fn invite(email: &str) -> Change {
    Change::Invite {
        email: email.to_owned(),
        name: None,
        kind: MemberKind::ItUser,
        company_admin: false,
        grants: vec![("Web".to_owned(), Level::Member)],
        dev: vec![],
        roles: vec![],
    }
}

#[tokio::test]
async fn a_workspace_unlocks_only_with_its_passphrase_and_locks_on_demand() {
    let home = tempfile::tempdir().expect("temp dir");
    let desktop = Desktop::new(home.path().to_owned());
    let status = desktop
        .create_workspace(local("Acme"))
        .await
        .expect("create");
    assert_eq!(status.company, "Acme");

    desktop.lock().await;
    let locked = desktop.status().await.expect_err("locked");
    assert_eq!(
        locked.code(),
        "locked",
        "a locked workspace answers nothing"
    );

    let wrong = desktop
        .unlock("acme", Some("Not-The-Passphrase-1!".into()))
        .await
        .expect_err("wrong passphrase");
    assert_eq!(wrong.code(), "wrong_passphrase");
    let outside = desktop
        .unlock("../acme", Some(PASSPHRASE.into()))
        .await
        .expect_err("a path is not a workspace name");
    assert_eq!(outside.code(), "invalid_input");

    desktop
        .unlock("acme", Some(PASSPHRASE.into()))
        .await
        .expect("unlock");
    let overview = desktop.overview().await.expect("overview");
    assert_eq!(overview.unlocked.as_deref(), Some("acme"));
    assert_eq!(overview.workspaces.len(), 1);
}

#[tokio::test]
async fn a_refused_change_is_explained_and_nothing_is_queued() {
    let (_home, desktop) = acme().await;
    let before = desktop.status().await.expect("status").pending_changes;

    let refused = desktop
        .apply(Change::CompanyAdmin {
            email: "ada@acme.example".into(),
            on: false,
        })
        .await
        .expect_err("the last Company Admin stays");
    assert_eq!(refused.code(), "last_company_admin");
    assert!(
        refused.to_string().contains("last active Company Admin"),
        "the window shows this message as it is: {refused}"
    );
    assert_eq!(
        desktop.status().await.expect("status").pending_changes,
        before,
        "a refused change queues nothing for the server"
    );
}

#[tokio::test]
async fn a_bulk_action_reports_each_member_and_one_refusal_stops_no_other() {
    let (_home, desktop) = acme().await;
    add_infra(&desktop, "Main", Edition::Enterprise, "Web").await;
    for email in ["bo@acme.example", "cy@acme.example"] {
        desktop.apply(invite(email)).await.expect("invite");
    }

    let results = desktop
        .apply_bulk(
            ["bo@acme.example", "nobody@acme.example", "cy@acme.example"]
                .into_iter()
                .map(|email| Change::Revoke {
                    email: email.into(),
                    infra: "Web".into(),
                })
                .collect(),
        )
        .await
        .expect("bulk");
    let oks: Vec<bool> = results.iter().map(|r| r.ok).collect();
    assert_eq!(oks, [true, false, true], "{results:?}");
    assert_eq!(results[1].code.as_deref(), Some("not_found"));

    let bo = desktop.member("bo@acme.example".into()).await.expect("bo");
    assert!(
        bo.permissions.is_empty(),
        "the revoke before the refusal landed"
    );
    let cy = desktop.member("cy@acme.example".into()).await.expect("cy");
    assert!(
        cy.permissions.is_empty(),
        "the revoke after the refusal landed"
    );
}

#[tokio::test]
async fn development_is_offered_with_the_reason_where_it_is_not() {
    let (_home, desktop) = acme().await;
    add_infra(&desktop, "Main", Edition::Enterprise, "Web").await;
    add_infra(&desktop, "Vault", Edition::Sentry, "Payments").await;

    let infras = desktop.infrastructures().await.expect("infras");
    let reason = |name: &str| {
        infras
            .iter()
            .find(|i| i.infra.name.as_str() == name)
            .map(|i| i.no_development.clone())
            .expect("listed")
    };
    assert_eq!(reason("Web"), None);
    assert!(
        reason("Payments").is_some_and(|why| why.contains("sentry")),
        "the window says why Payments offers no Development permission"
    );
}

#[tokio::test]
async fn an_idle_workspace_locks_after_the_time_the_admin_set() {
    let (_home, desktop) = acme().await;
    desktop
        .save_settings(Settings {
            idle_lock_minutes: 1,
        })
        .await
        .expect("settings");

    assert!(!desktop.lock_if_idle().await, "just used: stays unlocked");
    *lock_std(&desktop.last_activity) = Instant::now()
        .checked_sub(Duration::from_secs(61))
        .expect("a minute ago");
    assert!(desktop.lock_if_idle().await, "a minute idle: locks");
    assert_eq!(desktop.status().await.expect_err("locked").code(), "locked");
}

#[tokio::test]
async fn a_local_workspace_does_not_sync_in_the_background() {
    let (_home, desktop) = acme().await;
    assert!(
        desktop.sync_in_background().await.is_none(),
        "no server to talk to: nothing is tried"
    );
    let err = desktop.sync_now().await.expect_err("not connected");
    assert_eq!(err.code(), "not_connected");
}
