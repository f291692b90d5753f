//! Bad input of every kind gets exit 2 (or 1 for a rule) with a message that says what to
//! do, and changes nothing.

use crate::fixture::{ADMIN, Workspace};

#[test]
fn bad_input_is_refused_with_a_clear_message_and_changes_nothing() {
    let ws = Workspace::acme();
    ws.ok(&[
        "members",
        "invite",
        "grace@acme.example",
        "--name",
        "Grace Hopper",
        "--infra",
        "Web:member",
    ]);
    let huge_name = "x".repeat(100 * 1024);
    let control = "Ada\u{7}Lovelace";
    let before = ws.observable_state();

    // (arguments, exit code, what stderr starts with)
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["members", "invite", "not-an-email"],
            2,
            "refused (invalid_email)",
        ),
        (
            vec!["members", "invite", "a@b"],
            2,
            "refused (invalid_email)",
        ),
        (
            vec!["members", "invite", "GRACE@ACME.EXAMPLE"],
            1,
            "refused (duplicate_email)",
        ),
        (
            vec![
                "members",
                "invite",
                "new@acme.example",
                "--infra",
                "Nowhere:member",
            ],
            2,
            "refused (not_found)",
        ),
        (
            vec![
                "members",
                "invite",
                "new@acme.example",
                "--infra",
                "Web:owner",
            ],
            2,
            "refused (invalid_input)",
        ),
        (
            vec!["members", "invite", "new@acme.example", "--infra", "Web"],
            2,
            "refused (invalid_input)",
        ),
        (
            vec!["members", "invite", "new@acme.example", "--dev", "Vault"],
            1,
            "refused (dev_permission_not_allowed)",
        ),
        (
            vec![
                "members",
                "invite",
                "new@acme.example",
                "--kind",
                "end_user",
                "--dev",
                "Web",
            ],
            1,
            "refused (dev_permission_not_allowed)",
        ),
        (
            vec![
                "members",
                "invite",
                "new@acme.example",
                "--name",
                &huge_name,
            ],
            2,
            "refused (invalid_name)",
        ),
        (
            vec!["members", "invite", "new@acme.example", "--name", control],
            2,
            "refused (invalid_name)",
        ),
        (
            vec![
                "members",
                "invite",
                "new@acme.example",
                "--role",
                "NoApp/none",
            ],
            2,
            "refused (not_found)",
        ),
        (
            vec![
                "members",
                "invite",
                "new@acme.example",
                "--role",
                "no-slash",
            ],
            2,
            "refused (invalid_input)",
        ),
        (
            vec![
                "members",
                "grant",
                "grace@acme.example",
                "--infra",
                "Nowhere",
                "--level",
                "member",
            ],
            2,
            "refused (not_found)",
        ),
        (
            vec![
                "members",
                "grant",
                "nobody@acme.example",
                "--infra",
                "Web",
                "--level",
                "member",
            ],
            2,
            "refused (not_found)",
        ),
        (
            vec![
                "members",
                "grant",
                "grace@acme.example",
                "--infra",
                "Web",
                "--level",
                "god",
            ],
            2,
            "error: invalid value",
        ),
        (
            vec![
                "members",
                "security-contact",
                "grace@acme.example",
                "--phone",
                "0041446681800",
            ],
            2,
            "refused (invalid_phone)",
        ),
        (
            vec![
                "members",
                "security-contact",
                "grace@acme.example",
                "--phone",
                "+12",
            ],
            2,
            "refused (invalid_phone)",
        ),
        (
            vec![
                "members",
                "security-contact",
                "grace@acme.example",
                "--phone",
                "+41 44 abc",
            ],
            2,
            "refused (invalid_phone)",
        ),
        (
            vec!["members", "security-contact", "grace@acme.example"],
            2,
            "error:",
        ),
        (
            vec!["members", "edit", "grace@acme.example", "--name", ""],
            2,
            "refused (invalid_name)",
        ),
        (
            vec![
                "members",
                "edit",
                "grace@acme.example",
                "--name",
                &huge_name,
            ],
            2,
            "refused (invalid_name)",
        ),
        (
            vec![
                "members",
                "edit",
                "grace@acme.example",
                "--name",
                "Grace\u{202E}reppoH",
            ],
            2,
            "refused (invalid_name)",
        ),
        (
            vec!["members", "company-admin", ADMIN, "off"],
            1,
            "refused (last_company_admin)",
        ),
        (
            vec!["members", "deactivate", ADMIN],
            1,
            "refused (last_company_admin)",
        ),
        (
            vec!["members", "delete", ADMIN],
            1,
            "refused (last_company_admin)",
        ),
        (
            vec!["members", "reactivate", "grace@acme.example"],
            1,
            "refused (invalid_state)",
        ),
        (
            vec!["members", "list", "--limit", "0"],
            2,
            "error: invalid value",
        ),
        (
            vec!["members", "list", "--infra", "Nowhere"],
            2,
            "refused (not_found)",
        ),
        (
            vec![
                "subscriptions",
                "add",
                "Acme enterprise",
                "--edition",
                "standard",
            ],
            1,
            "refused (duplicate_name)",
        ),
        (
            vec!["subscriptions", "add", "Gold", "--edition", "platinum"],
            2,
            "error: invalid value",
        ),
        (
            vec![
                "infras",
                "add",
                "web",
                "--subscription",
                "Acme Enterprise",
                "--hosting",
                "cloud",
            ],
            1,
            "refused (duplicate_name)",
        ),
        (
            vec![
                "infras",
                "add",
                "New",
                "--subscription",
                "Nope",
                "--hosting",
                "cloud",
            ],
            2,
            "refused (not_found)",
        ),
        (
            vec![
                "environments",
                "add",
                "Web",
                "Prod",
                "--licence-expires",
                "tomorrow",
            ],
            2,
            "error (usage)",
        ),
        (
            vec!["roles", "add", "NoApp", "viewer"],
            2,
            "refused (not_found)",
        ),
        (
            vec!["export", "members", "--format", "xml"],
            2,
            "error: invalid value",
        ),
        (
            vec!["init", "--company", "Again", "--admin", ADMIN],
            2,
            "error (usage)",
        ),
        (vec!["frobnicate"], 2, "error: unrecognized subcommand"),
    ];
    for (args, code, start) in &cases {
        let stderr = ws.fails(args, *code);
        assert!(
            stderr.starts_with(start),
            "roster {args:?}: stderr should start with {start:?}, got: {stderr}"
        );
        assert!(
            stderr.len() < 4_000,
            "the message must not echo a huge input back: {} bytes",
            stderr.len()
        );
        assert!(
            !stderr.contains("panicked"),
            "no panic is reachable from input: {stderr}"
        );
    }
    assert_eq!(
        ws.observable_state(),
        before,
        "refused commands must change nothing"
    );
}

#[test]
fn a_malformed_import_file_writes_nothing_and_a_refused_row_is_reported() {
    let ws = Workspace::acme();
    let before = ws.observable_state();
    let dir = tempfile::tempdir().expect("temp dir");
    let bad_header = dir.path().join("bad.csv");
    std::fs::write(&bad_header, "email,password\nx@acme.example,secret\n").expect("write");
    let stderr = ws.fails(
        &[
            "members",
            "import",
            "--csv",
            bad_header.to_str().expect("utf-8 path"),
        ],
        2,
    );
    assert!(stderr.contains("Unknown column “password”"), "{stderr}");
    assert_eq!(
        ws.observable_state(),
        before,
        "an unreadable file invites nobody"
    );

    let mixed = dir.path().join("mixed.csv");
    std::fs::write(
        &mixed,
        "email,name,permissions\nok@acme.example,Ok Person,Web:member\nbroken-address,Broken,\n",
    )
    .expect("write");
    let out = ws.run(&[
        "members",
        "import",
        "--csv",
        mixed.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a refused row makes the import fail"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("done: line 2 ok@acme.example"), "{stdout}");
    assert!(
        stdout.contains("refused (invalid_email): line 3 broken-address"),
        "{stdout}"
    );
    let emails: Vec<String> = ws
        .members()
        .iter()
        .map(|m| m["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        emails.contains(&"ok@acme.example".to_owned()),
        "the good row is in"
    );
}
