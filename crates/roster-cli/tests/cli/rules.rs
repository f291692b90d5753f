//! The rules as an admin meets them through the CLI, and what they leave behind.

use crate::fixture::{ADMIN, Workspace};

#[test]
fn the_last_company_admin_cannot_be_demoted_but_can_hand_over() {
    let ws = Workspace::acme();
    let stderr = ws.fails(&["members", "company-admin", ADMIN, "off"], 1);
    assert!(
        stderr.starts_with(
            "refused (last_company_admin): admin@acme.example is the last active Company Admin"
        ),
        "{stderr}"
    );

    ws.ok(&["members", "invite", "bob@acme.example", "--company-admin"]);
    let stderr = ws.fails(&["members", "company-admin", ADMIN, "off"], 1);
    assert!(
        stderr.contains("last_company_admin"),
        "a pending Company Admin does not count: {stderr}"
    );
}

#[test]
fn every_change_is_audited_queued_and_shown() {
    let ws = Workspace::acme();
    ws.ok(&[
        "members",
        "invite",
        "grace@acme.example",
        "--name",
        "Grace Hopper",
        "--infra",
        "Web:member",
        "--dev",
        "Web",
    ]);
    ws.ok(&[
        "members",
        "grant",
        "grace@acme.example",
        "--infra",
        "Web",
        "--level",
        "infra_admin",
    ]);
    let unchanged = ws.ok(&[
        "members",
        "grant",
        "grace@acme.example",
        "--infra",
        "Web",
        "--level",
        "infra_admin",
    ]);
    assert!(
        unchanged.starts_with("unchanged:"),
        "granting twice changes nothing: {unchanged}"
    );
    ws.ok(&[
        "members",
        "security-contact",
        "grace@acme.example",
        "--phone",
        "+1 415 555 0100",
    ]);
    ws.ok(&["apps", "add", "Portal"]);
    ws.ok(&["roles", "add", "Portal", "viewer"]);
    ws.ok(&["roles", "assign", "grace@acme.example", "Portal/viewer"]);

    let show = ws.ok(&["members", "show", "GRACE@acme.example"]);
    for expected in [
        "Grace Hopper",
        "Web:infra_admin",
        "development     Web",
        "Portal/viewer",
        "+14155550100",
        "pending",
    ] {
        assert!(
            show.contains(expected),
            "members show lists {expected}: {show}"
        );
    }
    let status: serde_json::Value =
        serde_json::from_str(&ws.ok(&["status", "--json"])).expect("json");
    // 4 setup changes of the fixture + invite, grant, security contact, app, role, assign.
    assert_eq!(
        status["pending_changes"], 10,
        "each change is queued once for the server: {status}"
    );
    let audit: serde_json::Value =
        serde_json::from_str(&ws.ok(&["audit", "--member", "grace@acme.example", "--json"]))
            .expect("json");
    let summaries: Vec<&str> = audit
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["summary"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        summaries.len(),
        4,
        "invite, grant, security contact, role: {summaries:?}"
    );
    let grant = audit
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["action"] == "grant_permission")
        .expect("the grant");
    assert_eq!(
        grant["changes"][0]["before"]["level"], "member",
        "the audit keeps the permission before: {grant}"
    );
    assert_eq!(
        grant["changes"][0]["after"]["level"], "infra_admin",
        "and after: {grant}"
    );
    let verify = ws.ok(&["audit", "--verify"]);
    assert!(
        verify.starts_with("audit trail intact: 11 entries"),
        "{verify}"
    );
}

#[test]
fn search_is_prefix_case_and_accent_insensitive_and_combines_with_filters() {
    let ws = Workspace::demo();
    let page: serde_json::Value = serde_json::from_str(&ws.ok(&[
        "members", "list", "--search", "ZOE", "--json", "--limit", "1000",
    ]))
    .expect("json");
    let names: Vec<&str> = page["members"]
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["name"].as_str().unwrap_or(""))
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("Zoë")),
        "ZOE finds every Zoë: {names:?}"
    );
    assert_eq!(page["total"], names.len(), "total counts every match");

    let filtered: serde_json::Value = serde_json::from_str(&ws.ok(&[
        "members",
        "list",
        "--search",
        "zo",
        "--status",
        "active",
        "--infra",
        "Web Platform",
        "--json",
    ]))
    .expect("json");
    for member in filtered["members"].as_array().expect("array") {
        assert_eq!(member["status"], "active");
        let on_web = member["permissions"]
            .as_array()
            .expect("array")
            .iter()
            .any(|p| p["infra_name"] == "Web Platform");
        assert!(on_web, "the infrastructure filter holds: {member}");
    }
    let first: serde_json::Value =
        serde_json::from_str(&ws.ok(&["members", "list", "--limit", "10", "--json"]))
            .expect("json");
    let second: serde_json::Value = serde_json::from_str(&ws.ok(&[
        "members", "list", "--limit", "10", "--offset", "10", "--json",
    ]))
    .expect("json");
    let emails = |page: &serde_json::Value| -> Vec<String> {
        page["members"]
            .as_array()
            .expect("array")
            .iter()
            .map(|m| m["email"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(emails(&first).len(), 10);
    assert!(
        emails(&first).iter().all(|e| !emails(&second).contains(e)),
        "pages do not overlap"
    );
}

#[test]
fn export_writes_every_member_to_a_private_file() {
    let ws = Workspace::demo();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("members.csv");
    let said = ws.ok(&[
        "export",
        "members",
        "--format",
        "csv",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(said.starts_with("done: exported 300 members"), "{said}");
    let text = std::fs::read_to_string(&out).expect("export written");
    assert_eq!(
        text.lines().count(),
        301,
        "a header and one line per member"
    );
    assert!(
        text.starts_with("email,name,kind,status,company_admin"),
        "{}",
        &text[..80]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(
            mode, 0o600,
            "an export holds member data: only its owner may read it"
        );
    }
}
