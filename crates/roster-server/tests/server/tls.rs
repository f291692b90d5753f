//! HTTPS: `serve --tls-cert --tls-key` with a certificate made here (rcgen), as an operator
//! gives one from their CA. Clients that trust it talk to the API; others are refused at
//! the handshake; a certificate that cannot be used stops the server before it listens.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::fixture::{ADMIN, ADMIN_PASSWORD, Client, Server, initialised_data};

/// A certificate for 127.0.0.1 and localhost, and its key, written to `dir`; answers the
/// two paths and the certificate's PEM.
fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("a certificate");
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&cert, made.cert.pem()).expect("write cert");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("write key");
    (cert, key, made.cert.pem())
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn the_server_serves_https_with_the_given_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key, pem) = certificate(dir.path(), "server");
    let server = Server::start_with(&["--tls-cert", path(&cert), "--tls-key", path(&key)]);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );

    let trusting = Client {
        http: reqwest::blocking::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).expect("pem")])
            .build()
            .expect("client"),
        base: server.url.clone(),
        token: None,
    };
    assert_eq!(trusting.get("/health").status, 200);
    let health = trusting
        .http
        .get(format!("{}/health", server.url))
        .send()
        .expect("answer");
    assert_eq!(
        health.version(),
        reqwest::Version::HTTP_2,
        "clients that speak it get HTTP/2, agreed in the TLS handshake"
    );
    let signed_in = trusting.post(
        "/api/v1/auth/sign-in",
        serde_json::json!({ "email": ADMIN, "password": ADMIN_PASSWORD }),
    );
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);

    // A client that does not trust the certificate never gets to send a request.
    let stranger = reqwest::blocking::Client::new()
        .get(format!("{}/health", server.url))
        .send();
    assert!(stranger.is_err(), "an untrusted certificate is refused");
    // Plain HTTP on the HTTPS port gets no API answer.
    let plain = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
        .get(format!(
            "{}/health",
            server.url.replace("https://", "http://")
        ))
        .send();
    assert!(plain.is_err() || plain.is_ok_and(|r| r.status() != 200));
}

/// Runs `serve` with these TLS options; answers whether it failed and what it said.
fn serve_fails_with(data: &Path, tls: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_roster-server"))
        .args(["serve", "--data", path(data), "--listen", "127.0.0.1:0"])
        .args(tls)
        .stdin(Stdio::null())
        .output()
        .expect("roster-server runs");
    assert!(
        !output.status.success(),
        "serve {tls:?} must stop, not serve"
    );
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("listening"),
        "it stopped before listening"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_certificate_that_cannot_be_used_stops_the_server_and_names_the_file() {
    let data = initialised_data();
    let dir = tempfile::tempdir().expect("dir");
    let (cert, key, _) = certificate(dir.path(), "one");
    let (_, other_key, _) = certificate(dir.path(), "two");
    let missing = dir.path().join("missing.pem");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").expect("write");

    let said = serve_fails_with(
        data.path(),
        &["--tls-cert", path(&missing), "--tls-key", path(&key)],
    );
    assert!(
        said.contains("cannot read the TLS certificate") && said.contains("missing.pem"),
        "{said}"
    );
    let said = serve_fails_with(
        data.path(),
        &["--tls-cert", path(&cert), "--tls-key", path(&other_key)],
    );
    assert!(said.contains("cannot be used together"), "{said}");
    let said = serve_fails_with(
        data.path(),
        &["--tls-cert", path(&garbage), "--tls-key", path(&key)],
    );
    assert!(
        said.contains("cannot be used together") && said.contains("garbage.pem"),
        "{said}"
    );
    let said = serve_fails_with(data.path(), &["--tls-cert", path(&cert)]);
    assert!(said.contains("--tls-key"), "{said}");
}
