//! The cases an admin working offline for a week runs into, each ending with every device
//! identical to the server and every op applied once or shown as a conflict.

use roster_client::ClientError;
use roster_core::Level;

use super::harness::{
    ADMIN, Device, Fault, MEMBER_PASSWORD, PASSWORD, Proxy, ServerProcess, normalized,
};

/// Acme with a subscription, infrastructures X and Y, and the admin's device.
fn company(url: &str) -> Device {
    let mut admin = Device::sign_in(url, ADMIN, PASSWORD);
    admin
        .session
        .add_subscription("Main", roster_core::Edition::Enterprise)
        .expect("subscription");
    for infra in ["X", "Y"] {
        admin
            .session
            .add_infrastructure(infra, "Main", roster_core::Hosting::Cloud)
            .expect("infrastructure");
    }
    admin.settle();
    admin
}

fn assert_converged(devices: &[&Device], truth: &Device) {
    let server = normalized(&truth.server_snapshot());
    for (i, device) in devices.iter().enumerate() {
        assert_eq!(
            normalized(&device.snapshot()),
            server,
            "device {i} must hold exactly what the server holds"
        );
    }
}

fn name_of(device: &Device, email: &str) -> String {
    device
        .snapshot()
        .members
        .iter()
        .find(|m| m.email.as_str() == email)
        .map(|m| m.name.to_string())
        .unwrap_or_default()
}

#[test]
fn two_admins_edit_different_members_offline_and_both_end_identical_to_the_server() {
    let server = ServerProcess::start();
    let (pa, pb) = (Proxy::to(server.addr), Proxy::to(server.addr));
    let mut a = company(&pa.url());
    server.member(&mut a, "cleo@acme.example", &[], true);
    for email in ["mia@acme.example", "noah@acme.example"] {
        server.member(&mut a, email, &[("X", Level::Member)], false);
    }
    let mut b = Device::sign_in(&pb.url(), "cleo@acme.example", MEMBER_PASSWORD);

    pa.set(Fault::Down);
    pb.set(Fault::Down);
    a.session
        .rename_member("mia@acme.example", "Mia from A")
        .expect("offline edit");
    a.session
        .grant("mia@acme.example", "Y", Level::InfraAdmin)
        .expect("offline grant");
    b.session
        .rename_member("noah@acme.example", "Noah from B")
        .expect("offline edit");
    b.session
        .revoke("noah@acme.example", "X")
        .expect("offline revoke");
    match a.sync() {
        Err(err @ ClientError::Offline { .. }) => assert!(
            err.to_string().contains("stay queued"),
            "the admin is told nothing is lost: {err}"
        ),
        other => panic!("with the network down sync must say so, got {other:?}"),
    }
    assert_eq!(
        a.session.workspace().outbox_len().expect("outbox"),
        2,
        "both changes stay queued"
    );

    pa.set(Fault::None);
    pb.set(Fault::None);
    a.settle();
    b.settle();
    a.settle();
    assert_converged(&[&a, &b], &a);
    assert_eq!(name_of(&b, "mia@acme.example"), "Mia from A");
    assert_eq!(name_of(&a, "noah@acme.example"), "Noah from B");
    assert!(a.session.conflicts().expect("conflicts").is_empty());
    assert!(b.session.conflicts().expect("conflicts").is_empty());
}

#[test]
fn both_edit_the_same_member_offline_the_server_order_decides_and_the_loser_sees_the_field() {
    let server = ServerProcess::start();
    let mut a = company(&server.url());
    server.member(&mut a, "cleo@acme.example", &[], true);
    server.member(&mut a, "mia@acme.example", &[("X", Level::Member)], false);
    let mut b = Device::sign_in(&server.url(), "cleo@acme.example", MEMBER_PASSWORD);

    a.session
        .rename_member("mia@acme.example", "Mia A")
        .expect("edit");
    b.session
        .rename_member("mia@acme.example", "Mia B")
        .expect("edit");
    // Another field of the same member merges: it is not a conflict.
    b.session
        .set_security_contact("mia@acme.example", Some("+4915112345678"))
        .expect("security contact");
    a.settle();
    let report = b.sync().expect("b syncs");
    assert_eq!((report.rejected, report.conflicts), (1, 1), "{report:?}");

    let conflicts = b.session.conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].code, "edit_conflict");
    assert!(
        conflicts[0]
            .message
            .contains("The name of member mia@acme.example")
            && conflicts[0].message.contains("“Mia A”")
            && conflicts[0].message.contains("“Mia B”"),
        "the conflict names the field, the value that won and the one that did not: {}",
        conflicts[0].message
    );
    assert_eq!(
        name_of(&b, "mia@acme.example"),
        "Mia A",
        "nothing silently overwritten"
    );
    a.settle();
    assert_converged(&[&a, &b], &a);
    let mia = b
        .snapshot()
        .members
        .into_iter()
        .find(|m| m.email.as_str() == "mia@acme.example")
        .expect("mia");
    assert!(mia.security_contact, "b's other edit of Mia landed");

    // The admin who lost decides: retry applies theirs over the server's on purpose.
    b.session.retry_conflict(conflicts[0].id).expect("retry");
    b.settle();
    a.settle();
    assert_eq!(name_of(&a, "mia@acme.example"), "Mia B");
    assert!(b.session.conflicts().expect("conflicts").is_empty());
    assert_converged(&[&a, &b], &a);
}

#[test]
fn an_infra_admin_demoted_while_offline_sees_each_queued_grant_come_back_forbidden() {
    let server = ServerProcess::start();
    let mut a = company(&server.url());
    server.member(
        &mut a,
        "ian@acme.example",
        &[("X", Level::InfraAdmin)],
        false,
    );
    for email in ["mia@acme.example", "noah@acme.example"] {
        server.member(&mut a, email, &[], false);
    }
    let mut ia = Device::sign_in(&server.url(), "ian@acme.example", MEMBER_PASSWORD);

    ia.session
        .grant("mia@acme.example", "X", Level::Member)
        .expect("allowed locally");
    ia.session
        .grant("noah@acme.example", "X", Level::InfraAdmin)
        .expect("allowed locally");
    a.session
        .grant("ian@acme.example", "X", Level::Member)
        .expect("demote");
    a.settle();

    let report = ia.sync().expect("ia syncs");
    assert_eq!((report.rejected, report.conflicts), (2, 2), "{report:?}");
    let conflicts = ia.session.conflicts().expect("conflicts");
    assert!(
        conflicts
            .iter()
            .all(|c| c.code == "forbidden" && c.origin == "server"),
        "{conflicts:?}"
    );
    assert_converged(&[&ia, &a], &a);
    assert!(
        a.snapshot()
            .permissions
            .iter()
            .all(|p| p.level == Level::Member),
        "no grant of the demoted admin landed"
    );
}

#[test]
fn two_offline_company_admins_demoting_each_other_leave_one_company_admin() {
    let server = ServerProcess::start();
    let mut a = company(&server.url());
    server.member(&mut a, "cleo@acme.example", &[], true);
    let mut b = Device::sign_in(&server.url(), "cleo@acme.example", MEMBER_PASSWORD);

    a.session
        .set_company_admin("cleo@acme.example", false)
        .expect("allowed locally: two CAs");
    b.session
        .set_company_admin(ADMIN, false)
        .expect("allowed locally: two CAs");
    a.settle();
    let report = b.sync().expect("b syncs");
    assert_eq!(report.rejected, 1, "{report:?}");
    a.settle();
    let admins = a
        .server_snapshot()
        .members
        .into_iter()
        .filter(|m| m.is_active_company_admin())
        .count();
    assert_eq!(
        admins, 1,
        "rule 1: the company keeps an active Company Admin"
    );
    assert_eq!(
        b.session.conflicts().expect("conflicts")[0].code,
        "forbidden"
    );
}

#[test]
fn a_batch_applied_whose_answer_is_lost_is_applied_once_when_retried() {
    let server = ServerProcess::start();
    let proxy = Proxy::to(server.addr);
    let mut a = company(&proxy.url());
    server.member(&mut a, "mia@acme.example", &[], false);
    let head = a.sync().expect("sync").cursor;
    for i in 0..3 {
        a.session
            .rename_member("mia@acme.example", &format!("Mia {i}"))
            .expect("edit");
    }
    proxy.set(Fault::LoseAnswer);
    assert!(
        matches!(a.sync(), Err(ClientError::Offline { .. })),
        "no answer, no ack"
    );
    assert!(
        *proxy.cut.lock().expect("cut") >= 1,
        "the proxy cut an answer"
    );
    assert_eq!(
        a.session.workspace().outbox_len().expect("outbox"),
        3,
        "the ops stay queued"
    );
    proxy.set(Fault::None);
    a.settle();

    let log = a
        .block_on(a.remote.changes(&roster_client::ChangesQuery {
            after: head,
            audit_after: None,
            limit: Some(5000),
        }))
        .expect("log");
    let mut ids: Vec<_> = log.changes.iter().map(|c| c.op_id).collect();
    assert_eq!(ids.len(), 3, "three ops, three entries: {ids:?}");
    ids.dedup();
    assert_eq!(ids.len(), 3, "no op applied twice");
    assert_eq!(name_of(&a, "mia@acme.example"), "Mia 2");
    assert_converged(&[&a], &a);
}

#[test]
fn the_server_killed_mid_push_and_mid_pull_resumes_and_everyone_converges() {
    let mut server = ServerProcess::start();
    let mut a = company(&server.url());
    server.member(&mut a, "mia@acme.example", &[], false);
    let mut b = Device::sign_in(&server.url(), ADMIN, PASSWORD);
    // Kill, until a kill lands after some of the pushed ops were applied and before all
    // were (counted in the server's file while it is down): later when none were, sooner
    // when all were.
    let before = server.logged_changes();
    let mut killed_mid_push = false;
    let mut renamed: i64 = 0;
    let mut delay_ms: u64 = 120;
    for _ in 0..8 {
        let logged = server.logged_changes();
        for _ in 0..1200 {
            a.session
                .rename_member("mia@acme.example", &format!("Mia {renamed}"))
                .expect("edit");
            renamed += 1;
        }
        std::thread::scope(|scope| {
            let pushing = scope.spawn(|| a.sync());
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            server.kill();
            let applied = server.logged_changes() - logged;
            killed_mid_push = (1..1200).contains(&applied);
            delay_ms = match applied {
                0 => delay_ms * 8 / 5,
                1200.. => (delay_ms * 3 / 5).max(5),
                _ => delay_ms,
            };
            server.start_again();
            let _ = pushing.join().expect("push thread");
        });
        a.settle();
        if killed_mid_push {
            break;
        }
    }
    assert!(
        killed_mid_push,
        "no kill landed between the first and the last pushed op; the push is too short for this machine"
    );
    std::thread::scope(|scope| {
        let pulling = scope.spawn(|| b.sync());
        std::thread::sleep(std::time::Duration::from_millis(100));
        server.restart();
        let _ = pulling.join().expect("pull thread");
    });
    b.settle();
    a.settle();
    assert_eq!(
        server.logged_changes() - before,
        renamed,
        "every pushed op is in the server's log exactly once: none lost, none applied twice"
    );
    assert_eq!(
        name_of(&b, "mia@acme.example"),
        format!("Mia {}", renamed - 1)
    );
    assert_converged(&[&a, &b], &a);
}

/// A big company on a slow link takes longer to download than any one call may: the
/// snapshot stream is bounded by its silences, not its length. One that goes silent is
/// given up on.
#[test]
fn a_first_sync_may_outlast_the_call_timeout_while_bytes_flow_and_gives_up_when_they_stop() {
    use std::time::Instant;

    use super::harness::{SLOW_GAP, quick_retry};

    let server = ServerProcess::start();
    let proxy = Proxy::to(server.addr);
    let admin = company(&proxy.url());
    // Every piece comes within the timeout; the head and the body together do not.
    let timeout = SLOW_GAP * 5 / 3;
    let once = roster_client::RetryPolicy {
        attempts: 1,
        timeout,
        ..quick_retry()
    };

    let started = Instant::now();
    let slow = Device::first_sync(&proxy.url(), ADMIN, PASSWORD, once, || {
        proxy.set(Fault::Slow)
    })
    .expect("a first sync that keeps receiving is not cut short");
    let took = started.elapsed();
    proxy.set(Fault::None);
    assert!(
        took > timeout,
        "the download must outlast the timeout for this to show anything (took {took:?})"
    );
    assert_eq!(
        normalized(&slow.snapshot()),
        normalized(&admin.server_snapshot()),
        "the slow device holds what the server holds"
    );

    let started = Instant::now();
    let stalled = Device::first_sync(&proxy.url(), ADMIN, PASSWORD, once, || {
        proxy.set(Fault::Stall)
    })
    .map(|_| "a workspace");
    let took = started.elapsed();
    proxy.set(Fault::None);
    assert!(
        matches!(stalled, Err(ClientError::Offline { .. })),
        "a stalled download is reported as the server not answering: {stalled:?}"
    );
    assert!(
        took < timeout * 10,
        "given up on after a silence of about the timeout (took {took:?})"
    );
}
