//! gzip both ways: a compressed push is read, a compressed bomb is refused as too large,
//! an encoding the server cannot read gets a `{code, message}`, and JSON answers come
//! compressed to a client that asks for it, small ones with their length.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

use crate::fixture::{Answer, Client, Server};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("compress")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

/// A push whose body is `body`, sent with `encoding`.
fn push_encoded(admin: &Client, encoding: &str, body: Vec<u8>) -> Answer {
    admin.send(
        admin
            .request(reqwest::Method::POST, "/api/v1/sync/push")
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(body),
    )
}

#[test]
fn a_gzip_push_is_read_and_a_gzip_bomb_is_refused_as_too_large() {
    let server = Server::start();
    let admin = server.admin();

    let empty = push_encoded(&admin, "gzip", gzip(br#"{"ops":[]}"#));
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(empty.body, json!({ "results": [] }));

    // 8 MiB of blanks inside a valid body, twice the push limit, compressed to some 8 KiB:
    // the limit counts what it decompresses to.
    let mut bomb = b"{\"ops\":[".to_vec();
    bomb.resize(8 << 20, b' ');
    bomb.extend_from_slice(b"]}");
    let compressed = gzip(&bomb);
    assert!(compressed.len() < 64 << 10, "{}", compressed.len());
    let refused = push_encoded(&admin, "gzip", compressed);
    assert_eq!(refused.status, 413, "{}", refused.text);
    assert_eq!(
        refused.body["code"], "payload_too_large",
        "{}",
        refused.text
    );

    let garbled = push_encoded(&admin, "gzip", b"not gzip at all".to_vec());
    assert_eq!(garbled.status, 400, "{}", garbled.text);
    assert_eq!(garbled.body["code"], "invalid_body", "{}", garbled.text);

    let brotli = push_encoded(&admin, "br", br#"{"ops":[]}"#.to_vec());
    assert_eq!(brotli.status, 415, "{}", brotli.text);
    assert_eq!(brotli.body["code"], "unsupported_media_type");
    assert!(
        brotli.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("gzip") && m.contains("br")),
        "the refusal says what the server reads: {}",
        brotli.text
    );
}

/// The subscriptions in a snapshot stream's lines, which must each be JSON.
fn subscriptions(stream: &[u8]) -> usize {
    stream
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice::<Value>(line).expect("a JSON line"))
        .filter_map(|line| line["part"]["subscriptions"].as_array().map(Vec::len))
        .sum()
}

#[test]
fn json_answers_are_gzipped_for_a_client_that_asks_small_ones_with_their_length() {
    let server = Server::start();
    let admin = server.admin();
    // A client that decodes nothing itself, to see the bytes as they came.
    let raw = reqwest::blocking::Client::builder()
        .no_gzip()
        .no_zstd()
        .build()
        .expect("client");
    let get = |path: &str, accept: Option<&str>| {
        let mut request = raw
            .get(format!("{}{path}", server.url))
            .header(
                roster_wire::PROTOCOL_HEADER,
                roster_wire::PROTOCOL.to_string(),
            )
            .bearer_auth(admin.token.as_deref().expect("token"));
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        request.send().expect("answer")
    };
    let encoding = |answer: &reqwest::blocking::Response| {
        answer
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().expect("ascii").to_owned())
    };

    let ops: Vec<Value> = (0..500)
        .map(|i| {
            json!({
                "id": uuid::Uuid::now_v7(),
                "actor": { "type": "member", "id": uuid::Uuid::nil() },
                "device": uuid::Uuid::now_v7(),
                "at": 1_700_000_000_000_i64,
                "op": { "op": "add_subscription", "id": uuid::Uuid::now_v7(),
                        "name": format!("Subscription {i} of a company that has many"), "edition": "enterprise" },
            })
        })
        .collect();
    let pushed = admin.post("/api/v1/sync/push", json!({ "ops": ops }));
    assert_eq!(pushed.status, 200, "{}", pushed.text);
    // A page of five changes: a kilobyte or two, compressed whole.
    let small = get("/api/v1/sync/changes?after=0&limit=5", Some("gzip"));
    assert_eq!(small.status(), 200);
    assert_eq!(encoding(&small).as_deref(), Some("gzip"));
    let length = small
        .content_length()
        .expect("a small answer keeps its length");
    let body = small.bytes().expect("body");
    assert_eq!(length, body.len() as u64);
    let page = gunzip(&body);
    assert!(page.len() > 256, "big enough to compress");
    let page: Value = serde_json::from_slice(&page).expect("json");
    assert!(page["next"].is_i64(), "{page}");

    // The snapshot streams its lines, compressed as they go.
    let large = get("/api/v1/sync/snapshot", Some("gzip"));
    assert_eq!(encoding(&large).as_deref(), Some("gzip"));
    assert_eq!(large.content_length(), None, "a snapshot streams");
    assert_eq!(
        subscriptions(&gunzip(&large.bytes().expect("body"))),
        500,
        "the whole snapshot came"
    );

    // A client that takes zstd too gets the snapshot in zstd, a small answer still
    // gzipped whole.
    let zstd = get("/api/v1/sync/snapshot", Some("gzip, zstd"));
    assert_eq!(encoding(&zstd).as_deref(), Some("zstd"));
    assert_eq!(
        subscriptions(&zstd::decode_all(&zstd.bytes().expect("body")[..]).expect("zstd")),
        500
    );
    let small = get("/api/v1/sync/changes?after=0&limit=1", Some("gzip, zstd"));
    assert_eq!(small.status(), 200);
    assert_eq!(encoding(&small).as_deref(), Some("gzip"));
    assert!(small.content_length().is_some());

    for refused in [None, Some("gzip;q=0"), Some("br")] {
        let plain = get("/api/v1/sync/snapshot", refused);
        assert_eq!(encoding(&plain), None, "{refused:?}");
        assert_eq!(subscriptions(&plain.bytes().expect("body")), 500);
    }
}
