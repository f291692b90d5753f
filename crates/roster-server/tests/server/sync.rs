//! The sync endpoints as a device sees them: a pushed op acts as the session's account and
//! is applied at most once, however often it is sent; a client of another protocol version
//! is told what to do; each account downloads only what it may see.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::fixture::{Client, Server, infra, link_in};

const PASSWORD: &str = "Quartz-Meadow-Lantern-8!";

/// An active member with `grants`, signed in.
fn active(server: &Server, admin: &Client, email: &str, grants: Value) -> (String, Client) {
    let answer = admin.post(
        "/api/v1/members",
        json!({ "email": email, "grants": grants }),
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    let link = link_in(&server.inbox.wait_for(email));
    let anonymous = server.anonymous();
    let accepted = anonymous.send(
        anonymous
            .http
            .post(&link)
            .form(&[("password", PASSWORD), ("confirm", PASSWORD)]),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let id = answer.body["id"].as_str().expect("id").to_owned();
    (id, server.sign_in(email, PASSWORD))
}

fn envelope(actor: &str, op: Value) -> Value {
    json!({
        "id": Uuid::now_v7(),
        "actor": { "type": "member", "id": actor },
        "device": Uuid::now_v7(),
        "at": 1_700_000_000_000_i64,
        "op": op,
    })
}

fn push(client: &Client, ops: &[Value]) -> Vec<Value> {
    let answer = client.post("/api/v1/sync/push", json!({ "ops": ops }));
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["results"].as_array().expect("results").clone()
}

/// The id of the member with this e-mail.
fn id_of(admin: &Client, email: &str) -> String {
    admin.member(email)["id"]
        .as_str()
        .expect("member id")
        .to_owned()
}

#[test]
fn a_pushed_op_acts_as_the_session_account_and_applies_once_however_often_it_is_sent() {
    let server = Server::start();
    let admin = server.admin();
    let x = infra(&admin, "X");
    let admin_id = id_of(&admin, crate::fixture::ADMIN);
    let (plain_id, plain) = active(
        &server,
        &admin,
        "pat@acme.example",
        json!([{ "infra": x, "level": "member" }]),
    );

    // Pat claims to be the Company Admin; the server acts as Pat and refuses.
    let forged = envelope(
        &admin_id,
        json!({ "op": "set_company_admin", "member": plain_id, "on": true }),
    );
    let first = push(&plain, std::slice::from_ref(&forged));
    assert_eq!(first[0]["outcome"]["result"], "rejected", "{first:?}");
    assert_eq!(first[0]["outcome"]["code"], "forbidden");
    let again = push(&plain, &[forged]);
    assert_eq!(again, first, "a retried refusal gets its first answer");

    let rename = envelope(
        &admin_id,
        json!({ "op": "edit_profile", "member": plain_id, "name": "Pat Renamed" }),
    );
    let applied = push(&admin, std::slice::from_ref(&rename));
    assert_eq!(applied[0]["outcome"]["result"], "applied", "{applied:?}");
    let seq = applied[0]["outcome"]["seq"].as_i64().expect("seq");
    for _ in 0..3 {
        assert_eq!(push(&admin, std::slice::from_ref(&rename)), applied);
    }
    let log = admin.get("/api/v1/sync/changes?after=0&limit=5000");
    let times = log.body["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["op_id"] == rename["id"])
        .count();
    assert_eq!(times, 1, "the op is in the change log once, at {seq}");

    // Another account cannot replay the id to learn its answer.
    let stolen = push(&plain, &[rename]);
    assert_eq!(stolen[0]["outcome"]["code"], "invalid_input", "{stolen:?}");

    let refused = admin.get("/api/v1/audit?limit=1000").body;
    let refusals = refused
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["outcome"] == "refused" && e["action"] == "set_company_admin")
        .count();
    assert_eq!(
        refusals, 1,
        "the refused attempt is audited once, not per retry"
    );
}

#[test]
fn a_client_of_another_protocol_version_is_told_to_update_and_nothing_is_read() {
    let server = Server::start();
    let admin = server.admin();
    let token = admin.token.clone().expect("token");
    let http = reqwest::blocking::Client::new();
    let url = format!("{}/api/v1/sync/snapshot", server.url);
    for (sent, code) in [
        (None, "update_required"),
        (Some("0"), "update_required"),
        (Some("1"), "update_required"),
        (Some("99"), "server_outdated"),
    ] {
        let mut request = http.get(&url).bearer_auth(&token);
        if let Some(sent) = sent {
            request = request.header("roster-protocol", sent);
        }
        let answer = request.send().expect("answer");
        assert_eq!(answer.status().as_u16(), 426);
        let body: Value = answer.json().expect("json");
        assert_eq!(body["code"], code, "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("update")),
            "{body}"
        );
    }
    // A newer client's push, whose body this server cannot read, is told the same first.
    let newer = http
        .post(format!("{}/api/v1/sync/push", server.url))
        .bearer_auth(&token)
        .header("roster-protocol", "99")
        .json(&json!({ "ops": [], "a_field_of_protocol_99": true }))
        .send()
        .expect("answer");
    assert_eq!(newer.status().as_u16(), 426);
    let body: Value = newer.json().expect("json");
    assert_eq!(body["code"], "server_outdated", "{body}");
}

#[test]
fn a_snapshot_comes_in_frames_only_to_a_request_that_names_them() {
    let server = Server::start();
    let admin = server.admin();
    let format = |accept: Option<&str>| {
        let mut request = admin.request(reqwest::Method::GET, "/api/v1/sync/snapshot");
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let answer = request.send().expect("the server answers");
        assert_eq!(answer.status().as_u16(), 200);
        answer.headers()["content-type"]
            .to_str()
            .expect("a media type")
            .to_owned()
    };
    let (frames, lines) = ("application/x-roster-snapshot", "application/x-ndjson");
    for (accept, expected) in [
        (None, lines),
        (Some("*/*"), lines),
        (Some("application/x-ndjson"), lines),
        (Some("application/x-roster-snapshot;q=0"), lines),
        (Some("application/x-roster-snapshot"), frames),
        (
            Some("application/x-roster-snapshot, application/x-ndjson;q=0.5"),
            frames,
        ),
        (Some("Application/X-Roster-Snapshot ; q=0.8"), frames),
    ] {
        assert_eq!(format(accept), expected, "Accept: {accept:?}");
    }
}

#[test]
fn each_account_downloads_only_the_cases_and_audit_entries_it_may_see() {
    let server = Server::start();
    let admin = server.admin();
    let x = infra(&admin, "X");
    let y = infra(&admin, "Y");
    let (_, plain) = active(
        &server,
        &admin,
        "pat@acme.example",
        json!([{ "infra": x, "level": "member" }]),
    );
    let (_, other) = active(
        &server,
        &admin,
        "oli@acme.example",
        json!([{ "infra": x, "level": "member" }]),
    );
    let (_, ia_x) = active(
        &server,
        &admin,
        "ian@acme.example",
        json!([{ "infra": x, "level": "infra_admin" }]),
    );
    let (_, ia_y) = active(
        &server,
        &admin,
        "yve@acme.example",
        json!([{ "infra": y, "level": "infra_admin" }]),
    );
    let case = plain.post(
        "/api/v1/support-cases",
        json!({ "infra": x, "title": "Pat's case", "cc": ["partner@vendor.example"] }),
    );
    assert_eq!(case.status, 201, "{}", case.text);

    let cases = |client: &Client| -> (usize, usize, usize) {
        let snapshot = client.snapshot();
        assert_eq!(
            client.snapshot_in_frames(),
            snapshot,
            "the frames a device reads carry what the JSON lines do, audit entries too"
        );
        let log = client
            .get("/api/v1/sync/changes?after=0&audit_after=0")
            .body;
        let logged_cases = log["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .flat_map(|c| c["changes"].as_array().cloned().unwrap_or_default())
            .filter(|c| {
                c["after"]["type"] == "support_case" || c["after"]["type"] == "case_contact"
            })
            .count();
        (
            snapshot["snapshot"]["support_cases"]
                .as_array()
                .map_or(0, Vec::len)
                + snapshot["snapshot"]["case_contacts"]
                    .as_array()
                    .map_or(0, Vec::len),
            logged_cases,
            snapshot["audit"].as_array().map_or(0, Vec::len),
        )
    };
    let (seen, logged, audit) = cases(&plain);
    assert_eq!(
        (seen, logged, audit),
        (2, 2, 0),
        "the reporter sees their case and its cc, no audit"
    );
    let (seen, logged, audit) = cases(&other);
    assert_eq!(
        (seen, logged, audit),
        (0, 0, 0),
        "another member of X sees neither"
    );
    let (seen, logged, audit) = cases(&ia_x);
    assert_eq!(
        (seen, logged),
        (2, 2),
        "the Infra Admin of X sees all cases of X"
    );
    assert!(audit > 0, "and the audit entries about X");
    let (seen, logged, audit_y) = cases(&ia_y);
    assert_eq!(
        (seen, logged),
        (0, 0),
        "the Infra Admin of Y does not see X's cases"
    );
    let (_, _, audit_all) = cases(&admin);
    assert!(
        audit_y < audit && audit < audit_all,
        "audit scopes: Y {audit_y} < X {audit} < company {audit_all}"
    );
}

#[test]
fn a_pull_asks_for_a_fresh_snapshot_when_the_account_own_rights_change() {
    let server = Server::start();
    let admin = server.admin();
    let x = infra(&admin, "X");
    let (id, plain) = active(
        &server,
        &admin,
        "pat@acme.example",
        json!([{ "infra": x, "level": "member" }]),
    );
    let head = plain.snapshot()["seq"].as_i64().expect("seq");
    let page = plain
        .get(&format!("/api/v1/sync/changes?after={head}"))
        .body;
    assert_eq!(page["resnapshot"], false, "{page}");
    let promoted = admin.call(
        "PUT",
        &format!("/api/v1/members/{id}/permissions/{x}"),
        Some(json!({ "level": "infra_admin" })),
    );
    assert_eq!(promoted.status, 200, "{}", promoted.text);
    let page = plain
        .get(&format!("/api/v1/sync/changes?after={head}"))
        .body;
    assert_eq!(
        page["resnapshot"], true,
        "Pat now may see X's cases and audit: only a snapshot shows them whole"
    );
}

#[test]
fn a_pulled_update_carries_the_record_after_only_and_a_removal_the_record_removed() {
    let server = Server::start();
    let admin = server.admin();
    let x = infra(&admin, "X");
    let (id, _pat) = active(
        &server,
        &admin,
        "pat@acme.example",
        json!([{ "infra": x, "level": "member" }]),
    );
    let head = admin.snapshot()["seq"].as_i64().expect("seq");
    let promoted = admin.call(
        "PUT",
        &format!("/api/v1/members/{id}/permissions/{x}"),
        Some(json!({ "level": "infra_admin" })),
    );
    assert_eq!(promoted.status, 200, "{}", promoted.text);
    let revoked = admin.call(
        "DELETE",
        &format!("/api/v1/members/{id}/permissions/{x}"),
        None,
    );
    assert!(revoked.status < 300, "{}", revoked.text);
    let page = admin
        .get(&format!("/api/v1/sync/changes?after={head}"))
        .body;
    let changes: Vec<&Value> = page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .flat_map(|logged| logged["changes"].as_array().expect("op changes"))
        .collect();
    assert_eq!(changes.len(), 2, "{page}");
    assert_eq!(
        changes[0]["before"],
        Value::Null,
        "the device holds the record before an update; it is not sent again"
    );
    assert_eq!(changes[0]["after"]["level"], "infra_admin", "{page}");
    assert_eq!(changes[1]["after"], Value::Null, "{page}");
    assert_eq!(
        changes[1]["before"]["infra"], x,
        "a removal names the record that goes"
    );
}

#[test]
fn a_push_that_gives_its_cursor_is_answered_with_the_changes_after_it() {
    let server = Server::start();
    let admin = server.admin();
    let admin_id = id_of(&admin, crate::fixture::ADMIN);
    let (pat, _) = active(&server, &admin, "pat@acme.example", json!([]));
    let name = admin.member("pat@acme.example")["name"].clone();
    let snapshot = admin.snapshot();
    let head = snapshot["seq"].as_i64().expect("seq");
    let audit_head = snapshot["audit"]
        .as_array()
        .and_then(|entries| entries.last())
        .and_then(|entry| entry["seq"].as_i64())
        .expect("audit seq");
    let rename = envelope(
        &admin_id,
        json!({ "op": "edit_profile", "member": pat, "name": "Pat Q. Smith" }),
    );
    let cursor = json!({ "after": head, "audit_after": audit_head });
    let answer = admin.post(
        "/api/v1/sync/push",
        json!({ "ops": [rename], "pull": cursor }),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["results"][0]["outcome"]["result"], "applied");

    let page = &answer.body["page"];
    assert_eq!(
        page["changes"][0]["op_id"], rename["id"],
        "the page holds the op just pushed: {page}"
    );
    assert_eq!(
        page["changes"][0]["changes"][0]["after"]["name"],
        "Pat Q. Smith"
    );
    assert_eq!(page["more"], false);
    let pulled = admin
        .get(&format!(
            "/api/v1/sync/changes?after={head}&audit_after={audit_head}"
        ))
        .body;
    assert_eq!(*page, pulled, "the same page a pull gets");

    let entry = &page["audit"][0];
    assert_eq!(entry["action"], "edit_profile", "{entry}");
    assert_eq!(
        entry["changes"][0],
        json!({
            "key": { "type": "member", "id": pat },
            "before": { "name": name },
            "after": { "name": "Pat Q. Smith" },
        }),
        "an update's audit entry shows only what changed"
    );

    // Without a cursor, no page: an older push stays as it was.
    let again = admin.post(
        "/api/v1/sync/push",
        json!({ "ops": [envelope(&admin_id, json!({ "op": "edit_profile", "member": pat, "name": "Pat" }))] }),
    );
    assert_eq!(again.status, 200, "{}", again.text);
    assert!(again.body.get("page").is_none(), "{}", again.text);
}

#[test]
fn a_push_whose_cursor_is_invalid_is_refused_whole_and_writes_nothing() {
    let server = Server::start();
    let admin = server.admin();
    let admin_id = id_of(&admin, crate::fixture::ADMIN);
    let (pat, _) = active(&server, &admin, "pat@acme.example", json!([]));
    let name = admin.member("pat@acme.example")["name"].clone();
    for (cursor, says) in [
        (json!({ "after": 0, "limit": 0 }), "limit"),
        (json!({ "after": -1 }), "sequence numbers"),
        (json!({ "after": 0, "since": 3 }), "unknown field"),
    ] {
        let rename = envelope(
            &admin_id,
            json!({ "op": "edit_profile", "member": pat, "name": "Renamed" }),
        );
        let answer = admin.post(
            "/api/v1/sync/push",
            json!({ "ops": [rename], "pull": cursor }),
        );
        assert!(
            matches!(answer.status, 400 | 422),
            "{cursor}: {}",
            answer.text
        );
        assert!(
            answer.body["message"]
                .as_str()
                .is_some_and(|m| m.contains(says)),
            "{cursor}: {}",
            answer.text
        );
    }
    assert_eq!(
        admin.member("pat@acme.example")["name"],
        name,
        "no op of a refused push was applied"
    );
}
