//! A company server on HTTPS with a certificate from the company's own certificate
//! authority (made here with rcgen). With the authority trusted (`SSL_CERT_FILE`, as an
//! admin's machine would have it in its trust store), `roster login` and `sync` work; with
//! it not trusted, the CLI says the certificate is the problem, not the network.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

use super::harness::{ADMIN, PASSWORD, ServerProcess};
use crate::fixture::{Workspace, succeeds};

/// A certificate authority and a server certificate for 127.0.0.1 it issued; answers the
/// authority's certificate, the server's certificate and the server's key.
fn company_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let server_cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let paths = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).expect("write");
    std::fs::write(&paths.1, server_cert.pem()).expect("write");
    std::fs::write(&paths.2, server_key.serialize_pem()).expect("write");
    paths
}

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn login_and_sync_over_https_trust_the_companys_certificate_authority_only() {
    let dir = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = company_ca(dir.path());
    let server = ServerProcess::start_https(&cert, &key);
    let url = server.url();
    assert!(url.starts_with("https://"), "{url}");

    let ws = Workspace::empty();
    let login = ["login", "--server", url.as_str(), "--email", ADMIN];
    let out = ws
        .command()
        .env_remove("SSL_CERT_FILE")
        .env("ROSTER_PASSWORD", PASSWORD)
        .args(login)
        .output()
        .expect("roster runs");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{said}");
    assert!(
        said.contains("certificate is not trusted") && said.contains("certificate authority"),
        "the refusal names the certificate: {said}"
    );
    assert!(!ws.dir.exists(), "nothing was created");

    let trusted = |args: &[&str]| {
        succeeds(
            ws.command()
                .env("SSL_CERT_FILE", &ca)
                .env("ROSTER_PASSWORD", PASSWORD)
                .args(args),
        )
    };
    trusted(&login);
    trusted(&[
        "members",
        "invite",
        "new.hire@acme.example",
        "--name",
        "New Hire",
    ]);
    let synced = trusted(&["sync"]);
    assert!(
        synced.contains("1 applied") || synced.contains("pushed 1"),
        "{synced}"
    );
}
