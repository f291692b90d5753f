//! An invitation goes out by e-mail through the outbox; the invitee follows the link, sets a
//! password that passes the policy, becomes active and signs in. The link works once.

use serde_json::json;

use crate::fixture::{Server, link_in};

const BOB_PASSWORD: &str = "Plum-Kettle-42-Harbour!";

#[test]
fn an_invited_member_follows_the_mailed_link_sets_a_password_and_signs_in() {
    let server = Server::start();
    let admin = server.admin();
    let invited = admin.post(
        "/api/v1/members",
        json!({ "email": "bob@acme.example", "name": "Bob Builder" }),
    );
    assert_eq!(invited.status, 201, "{}", invited.text);
    assert_eq!(
        admin.member("bob@acme.example")["status"],
        "pending",
        "invited members are pending"
    );

    let mail = server.inbox.wait_for("bob@acme.example");
    assert!(mail.contains("You are invited to Acme"), "{mail}");
    let link = link_in(&mail);
    assert!(
        link.starts_with(&format!("{}/invite/", server.url)),
        "{link}"
    );
    let token = link.rsplit('/').next().expect("token");
    assert!(token.len() >= 43, "at least 256 bits of token in the link");

    let anonymous = server.anonymous();
    let page = anonymous.send(anonymous.http.get(&link));
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("bob@acme.example") && page.text.contains("At least 12 characters"),
        "the page shows the policy"
    );

    let weak = anonymous.send(
        anonymous
            .http
            .post(&link)
            .form(&[("password", "short1!"), ("confirm", "short1!")]),
    );
    assert_eq!(weak.status, 422, "a weak password is refused on submit");
    assert!(
        weak.text.contains("12 characters") && weak.text.contains("upper-case"),
        "every failed rule is named"
    );
    assert_eq!(
        admin.member("bob@acme.example")["status"],
        "pending",
        "a refused password changes nothing"
    );

    let accepted = anonymous.send(
        anonymous
            .http
            .post(&link)
            .form(&[("password", BOB_PASSWORD), ("confirm", BOB_PASSWORD)]),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(
        admin.member("bob@acme.example")["status"],
        "active",
        "accepting makes the member active"
    );

    let bob = server.sign_in("bob@acme.example", BOB_PASSWORD);
    let me = bob.get("/api/v1/members");
    assert_eq!(me.status, 200, "the new member browses the team");

    let again = anonymous.send(
        anonymous
            .http
            .post(&link)
            .form(&[("password", BOB_PASSWORD), ("confirm", BOB_PASSWORD)]),
    );
    assert_eq!(again.status, 410, "the link is single-use");
    let audit = admin.get("/api/v1/audit");
    let actions: Vec<&str> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"accept_invitation") && actions.contains(&"invite_member"),
        "{actions:?}"
    );
}

#[test]
fn a_resent_or_revoked_invitation_invalidates_the_old_link() {
    let server = Server::start();
    let admin = server.admin();
    let invited = admin.post("/api/v1/members", json!({ "email": "carol@acme.example" }));
    let id = invited.body["id"]
        .as_str()
        .expect("new member id")
        .to_owned();
    let first = link_in(&server.inbox.wait_for("carol@acme.example"));

    let resent = admin.post(&format!("/api/v1/members/{id}/invitation"), json!({}));
    assert_eq!(resent.status, 200, "{}", resent.text);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while server.inbox.count_to("carol@acme.example") < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the resent mail arrives"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let anonymous = server.anonymous();
    assert_eq!(
        anonymous.send(anonymous.http.get(&first)).status,
        410,
        "the first link stops working on resend"
    );

    let revoked = admin.call("DELETE", &format!("/api/v1/members/{id}/invitation"), None);
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    let second = link_in(
        &server
            .inbox
            .last_to("carol@acme.example")
            .expect("the resent mail"),
    );
    assert_eq!(
        anonymous.send(anonymous.http.get(&second)).status,
        410,
        "a revoked invitation's link does not work"
    );
}
