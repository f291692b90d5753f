//! Sign-in, sessions and passwords.

use serde_json::json;

use crate::fixture::{ADMIN, ADMIN_PASSWORD, Server, link_in};

#[test]
fn a_wrong_password_and_an_unknown_account_get_the_same_answer_and_are_audited() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let wrong = anonymous.post(
        "/api/v1/auth/sign-in",
        json!({ "email": ADMIN, "password": "Not-The-Password-1" }),
    );
    let unknown = anonymous.post(
        "/api/v1/auth/sign-in",
        json!({ "email": "nobody@acme.example", "password": "Whatever-Pass-1!" }),
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(
        (wrong.status, &wrong.body),
        (unknown.status, &unknown.body),
        "no way to tell which accounts exist"
    );

    let audit = server.admin().get("/api/v1/audit");
    let failures: Vec<&serde_json::Value> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["outcome"] == "sign_in_failed")
        .collect();
    assert_eq!(failures.len(), 2, "both failures are audited");
    assert!(
        !audit.text.contains("Not-The-Password-1"),
        "the password never reaches the audit trail"
    );
}

#[test]
fn sign_in_is_throttled_per_account_after_five_failures() {
    let server = Server::start();
    let anonymous = server.anonymous();
    for _ in 0..5 {
        assert_eq!(
            anonymous
                .post(
                    "/api/v1/auth/sign-in",
                    json!({ "email": ADMIN, "password": "Wrong-Password-99" })
                )
                .status,
            401
        );
    }
    let blocked = anonymous.post(
        "/api/v1/auth/sign-in",
        json!({ "email": ADMIN, "password": ADMIN_PASSWORD }),
    );
    assert_eq!(
        blocked.status, 429,
        "even the right password waits: {}",
        blocked.text
    );
    assert_eq!(blocked.body["code"], "rate_limited");
}

#[test]
fn requests_without_a_live_session_are_unauthorized() {
    let server = Server::start();
    let anonymous = server.anonymous();
    let none = anonymous.get("/api/v1/members");
    assert_eq!(
        (none.status, none.body["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let mut forged = server.anonymous();
    forged.token = Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    assert_eq!(forged.get("/api/v1/members").status, 401);

    let admin = server.admin();
    assert_eq!(admin.post("/api/v1/auth/sign-out", json!({})).status, 204);
    assert_eq!(
        admin.get("/api/v1/members").status,
        401,
        "a signed-out token is dead"
    );
}

#[test]
fn deactivating_a_member_ends_their_sessions_at_once() {
    let server = Server::start();
    let admin = server.admin();
    let invited = admin.post("/api/v1/members", json!({ "email": "dave@acme.example" }));
    let id = invited.body["id"].as_str().expect("id").to_owned();
    let link = link_in(&server.inbox.wait_for("dave@acme.example"));
    let anonymous = server.anonymous();
    let password = "Lantern-Orchard-77!";
    assert_eq!(
        anonymous
            .send(
                anonymous
                    .http
                    .post(&link)
                    .form(&[("password", password), ("confirm", password)])
            )
            .status,
        200
    );
    let dave = server.sign_in("dave@acme.example", password);
    assert_eq!(dave.get("/api/v1/members").status, 200);

    assert_eq!(
        admin
            .post(&format!("/api/v1/members/{id}/deactivate"), json!({}))
            .status,
        200
    );
    assert_eq!(
        dave.get("/api/v1/members").status,
        401,
        "a deactivated member's session ends at once"
    );
    let again = anonymous.post(
        "/api/v1/auth/sign-in",
        json!({ "email": "dave@acme.example", "password": password }),
    );
    assert_eq!(again.status, 401, "and they cannot sign in");
}

#[test]
fn changing_ones_password_needs_the_old_one_and_passes_the_policy() {
    let server = Server::start();
    let admin = server.admin();
    let wrong_old = admin.post(
        "/api/v1/auth/password",
        json!({ "old_password": "nope", "new_password": "Brand-New-Pass-2026!" }),
    );
    assert_eq!(wrong_old.status, 403);
    let weak = admin.post(
        "/api/v1/auth/password",
        json!({ "old_password": ADMIN_PASSWORD, "new_password": "weak" }),
    );
    assert_eq!(
        (weak.status, weak.body["code"].as_str()),
        (422, Some("weak_password"))
    );
    let changed = admin.post(
        "/api/v1/auth/password",
        json!({ "old_password": ADMIN_PASSWORD, "new_password": "Brand-New-Pass-2026!" }),
    );
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert_eq!(
        admin.get("/api/v1/members").status,
        401,
        "a new password ends old sessions"
    );
    server.sign_in(ADMIN, "Brand-New-Pass-2026!");
}

#[test]
fn an_admin_sends_a_reset_link_but_never_chooses_the_password() {
    let server = Server::start();
    let admin = server.admin();
    let me = admin.member(ADMIN);
    let id = me["id"].as_str().expect("id");
    assert_eq!(
        admin
            .post(&format!("/api/v1/members/{id}/password-reset"), json!({}))
            .status,
        202
    );
    let link = link_in(&server.inbox.wait_for("Choose a new Roster password"));
    let anonymous = server.anonymous();
    let new = "Reset-Harbour-Quilt-9!";
    assert_eq!(
        anonymous
            .send(
                anonymous
                    .http
                    .post(&link)
                    .form(&[("password", new), ("confirm", new)])
            )
            .status,
        200
    );
    assert_eq!(
        anonymous
            .send(
                anonymous
                    .http
                    .post(&link)
                    .form(&[("password", new), ("confirm", new)])
            )
            .status,
        410,
        "single use"
    );
    server.sign_in(ADMIN, new);
}
