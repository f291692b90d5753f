//! One infrastructure's members, as the web console and `roster members --infra` list them:
//! by name, filtered by status and level, with the count. The listing walks one index, or
//! for Infra Admins a partial index of its own (schema 4); these tests hold both to the
//! same answers a filter over every member would give.

use serde_json::{Value, json};

use crate::fixture::{Client, Server, infra};

/// The e-mails of a page, in order, and its total.
fn listed(admin: &Client, query: &str) -> (Vec<String>, u64) {
    let answer = admin.get(&format!("/api/v1/members?{query}&total=true"));
    assert_eq!(answer.status, 200, "{query}: {}", answer.text);
    let emails = answer.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["email"].as_str().expect("email").to_owned())
        .collect();
    (emails, answer.body["total"].as_u64().expect("total"))
}

fn invite(admin: &Client, email: &str, grants: Value) {
    let answer = admin.post(
        "/api/v1/members",
        json!({ "email": email, "name": email.split('@').next(), "grants": grants }),
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
}

#[test]
fn an_infrastructures_members_are_listed_by_name_filtered_by_level_and_status() {
    let server = Server::start();
    let admin = server.admin();
    let x = infra(&admin, "X");
    let y = infra(&admin, "Y");
    for (email, grants) in [
        (
            "dora@acme.example",
            json!([{ "infra": x, "level": "infra_admin" }]),
        ),
        (
            "abel@acme.example",
            json!([{ "infra": x, "level": "member" }]),
        ),
        (
            "cleo@acme.example",
            json!([{ "infra": x, "level": "infra_admin" }, { "infra": y, "level": "member" }]),
        ),
        (
            "bert@acme.example",
            json!([{ "infra": x, "level": "member" }, { "infra": y, "level": "infra_admin" }]),
        ),
        (
            "erin@acme.example",
            json!([{ "infra": y, "level": "infra_admin" }]),
        ),
    ] {
        invite(&admin, email, grants);
    }
    let emails = |list: &[&str]| {
        list.iter()
            .map(|e| format!("{e}@acme.example"))
            .collect::<Vec<_>>()
    };

    assert_eq!(
        listed(&admin, &format!("infra={x}")),
        (emails(&["abel", "bert", "cleo", "dora"]), 4)
    );
    assert_eq!(
        listed(&admin, &format!("infra={x}&level=infra_admin")),
        (emails(&["cleo", "dora"]), 2),
        "the Infra Admins of X, not those of Y"
    );
    assert_eq!(
        listed(&admin, &format!("infra={x}&level=member")),
        (emails(&["abel", "bert"]), 2)
    );
    assert_eq!(
        listed(
            &admin,
            &format!("infra={y}&level=infra_admin&status=pending")
        ),
        (emails(&["bert", "erin"]), 2),
        "level and status at once"
    );
    assert_eq!(
        listed(
            &admin,
            &format!("infra={y}&level=infra_admin&status=active")
        ),
        (vec![], 0)
    );
    assert_eq!(
        listed(
            &admin,
            &format!("infra={x}&level=infra_admin&limit=1&offset=1")
        ),
        (emails(&["dora"]), 2),
        "a page past the first"
    );
}
