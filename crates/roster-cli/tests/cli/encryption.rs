//! SPEC rule 8: without the passphrase or the keychain key, the workspace reveals nothing.

use crate::fixture::{Workspace, files, succeeds};

#[test]
fn no_member_name_email_or_phone_appears_in_any_file_of_the_demo_workspace() {
    let ws = Workspace::demo();
    // A few changes so the file has seen writes after the bulk load.
    ws.ok(&[
        "members",
        "invite",
        "secret.person@northwind.example",
        "--name",
        "Séverine Secretperson",
    ]);
    ws.ok(&[
        "members",
        "security-contact",
        "secret.person@northwind.example",
        "--phone",
        "+41 79 555 12 34",
    ]);

    let mut needles: Vec<String> = vec![
        "Séverine Secretperson".into(),
        "secret.person@northwind.example".into(),
        "+41795551234".into(),
    ];
    for member in ws.members() {
        needles.push(member["email"].as_str().expect("email").to_owned());
        needles.push(member["name"].as_str().expect("name").to_owned());
        if let Some(phone) = member["phone"].as_str() {
            needles.push(phone.to_owned());
        }
    }
    assert!(
        needles.len() > 600,
        "the demo company has hundreds of members to look for"
    );

    let files = files(&ws.dir);
    assert!(
        files.contains_key("roster.db") && files.contains_key("roster.key"),
        "files: {:?}",
        files.keys()
    );
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for needle in &needles {
            assert!(
                !text.contains(needle.as_str()),
                "{name} reveals {needle:?} in the clear"
            );
        }
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{name} is a plaintext SQLite file"
        );
    }
}

#[test]
fn a_wrong_passphrase_exits_3_and_changes_nothing() {
    let ws = Workspace::acme();
    let before = files(&ws.dir);
    for args in [
        &["status"][..],
        &["members", "invite", "x@acme.example"],
        &["audit", "--verify"],
    ] {
        let out = ws
            .command()
            .env("ROSTER_PASSPHRASE", "Wrong-Passphrase-1!")
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(3),
            "a wrong passphrase is exit 3 for {args:?}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("locked (wrong_passphrase)"),
            "says why: {stderr}"
        );
        assert!(
            !stderr.contains("hmac"),
            "SQLCipher's own log stays off the screen: {stderr}"
        );
    }
    assert_eq!(
        files(&ws.dir),
        before,
        "no file of the workspace may change on a failed unlock"
    );
}

#[test]
fn changing_the_passphrase_rewraps_the_key_without_rewriting_the_database() {
    let ws = Workspace::acme();
    let db_before = std::fs::read(ws.dir.join("roster.db")).expect("db");
    let key_before = std::fs::read(ws.dir.join("roster.key")).expect("key");
    let new = "Another-Strong-Phrase-42!";
    succeeds(
        ws.command()
            .env("ROSTER_NEW_PASSPHRASE", new)
            .args(["passphrase", "change"]),
    );
    assert_eq!(
        std::fs::read(ws.dir.join("roster.db")).expect("db"),
        db_before,
        "the database is not rewritten"
    );
    assert_ne!(
        std::fs::read(ws.dir.join("roster.key")).expect("key"),
        key_before,
        "the key file is re-sealed"
    );

    ws.fails(&["status"], 3);
    let out = ws
        .command()
        .env("ROSTER_PASSPHRASE", new)
        .arg("status")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "the new passphrase opens the workspace"
    );
}

#[test]
fn a_weak_new_passphrase_is_refused_naming_every_failed_rule() {
    let ws = Workspace::empty();
    let out = ws
        .command()
        .env("ROSTER_PASSPHRASE", "short")
        .args(["init", "--company", "Acme", "--admin", "a@acme.example"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "a weak passphrase is bad input");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for rule in [
        "weak_password",
        "12 characters",
        "upper-case",
        "digit",
        "special",
    ] {
        assert!(stderr.contains(rule), "the refusal names {rule}: {stderr}");
    }
    assert!(!ws.dir.join("roster.db").exists(), "nothing is created");
}
