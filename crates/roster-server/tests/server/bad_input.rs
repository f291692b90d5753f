//! Bad input gets a 4xx `ErrorResponse` with a clear message, and changes nothing.

use serde_json::{Value, json};

use crate::fixture::{Client, Server};

fn state(admin: &Client) -> (Value, usize) {
    let members = admin.get("/api/v1/members?limit=1000").body;
    let applied = admin
        .get("/api/v1/audit?limit=1000")
        .body
        .as_array()
        .map_or(0, |e| {
            e.iter().filter(|e| e["outcome"] == "applied").count()
        });
    (members, applied)
}

#[test]
fn malformed_bodies_and_values_are_4xx_with_a_message_and_change_nothing() {
    let server = Server::start();
    let admin = server.admin();
    let before = state(&admin);
    let member_id = admin.member(crate::fixture::ADMIN)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cases: Vec<(&str, String, reqwest::blocking::RequestBuilder, u16, &str)> = vec![
        (
            "malformed JSON",
            "/api/v1/members".into(),
            admin
                .request(reqwest::Method::POST, "/api/v1/members")
                .header("content-type", "application/json")
                .body("{\"email\": "),
            400,
            "invalid_body",
        ),
        (
            "wrong type",
            "/api/v1/members".into(),
            admin
                .request(reqwest::Method::POST, "/api/v1/members")
                .json(&json!({ "email": 42 })),
            422,
            "invalid_body",
        ),
        (
            "unknown field",
            "/api/v1/members".into(),
            admin
                .request(reqwest::Method::POST, "/api/v1/members")
                .json(&json!({ "email": "a@acme.example", "admin": true })),
            422,
            "invalid_body",
        ),
        (
            "not JSON",
            "/api/v1/members".into(),
            admin
                .request(reqwest::Method::POST, "/api/v1/members")
                .body("email=a"),
            415,
            "unsupported_media_type",
        ),
        (
            "invalid e-mail",
            "/api/v1/members".into(),
            admin
                .request(reqwest::Method::POST, "/api/v1/members")
                .json(&json!({ "email": "not-an-address" })),
            422,
            "invalid_email",
        ),
        (
            "phone without +",
            format!("/api/v1/members/{member_id}/security-contact"),
            admin
                .request(
                    reqwest::Method::PUT,
                    &format!("/api/v1/members/{member_id}/security-contact"),
                )
                .json(&json!({ "phone": "0041446681800" })),
            422,
            "invalid_phone",
        ),
        (
            "bad path id",
            "/api/v1/members/not-a-uuid".into(),
            admin.request(reqwest::Method::GET, "/api/v1/members/not-a-uuid"),
            400,
            "bad_request",
        ),
        (
            "bad query",
            "/api/v1/members?limit=-1".into(),
            admin.request(reqwest::Method::GET, "/api/v1/members?limit=-1"),
            400,
            "bad_request",
        ),
        (
            "limit out of range",
            "/api/v1/members?limit=5000".into(),
            admin.request(reqwest::Method::GET, "/api/v1/members?limit=5000"),
            400,
            "bad_request",
        ),
        (
            "unknown member",
            format!("/api/v1/members/{}", uuid::Uuid::nil()),
            admin.request(
                reqwest::Method::GET,
                &format!("/api/v1/members/{}", uuid::Uuid::nil()),
            ),
            404,
            "not_found",
        ),
        (
            "last company admin",
            format!("/api/v1/members/{member_id}/company-admin"),
            admin
                .request(
                    reqwest::Method::PUT,
                    &format!("/api/v1/members/{member_id}/company-admin"),
                )
                .json(&json!({ "on": false })),
            409,
            "last_company_admin",
        ),
        (
            "unknown endpoint",
            "/api/v1/nothing".into(),
            admin.request(reqwest::Method::GET, "/api/v1/nothing"),
            404,
            "not_found",
        ),
    ];
    for (what, path, request, status, code) in cases {
        let answer = admin.send(request);
        assert_eq!(
            answer.status,
            status,
            "{what} ({path}): {}",
            answer.text.chars().take(300).collect::<String>()
        );
        assert_eq!(
            answer.body["code"],
            code,
            "{what}: {}",
            answer.text.chars().take(300).collect::<String>()
        );
        let message = answer.body["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && message.len() < 2_000,
            "{what}: a short message a person can act on: {message}"
        );
    }
    assert_eq!(
        state(&admin),
        before,
        "refused requests change nothing (a refusal is audited as refused, not applied)"
    );
}
