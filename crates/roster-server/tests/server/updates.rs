//! Publishing desktop releases with `roster-server release add`, and the two endpoints
//! tauri-plugin-updater calls. The keys are made here, per test, with the `minisign` crate
//! the Tauri CLI's signer is built on; the files are written as `cargo tauri signer` writes
//! them (base64 of minisign's text), so the server reads exactly what an operator has.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::fixture::Server;

/// An updater key pair, as `cargo tauri signer generate` makes one.
struct Key {
    public: minisign::PublicKey,
    secret: minisign::SecretKey,
}

impl Key {
    fn new() -> Self {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().expect("a key pair");
        Self {
            public: pair.pk,
            secret: pair.sk,
        }
    }

    /// The `.pub` file's text.
    fn public_file(&self) -> String {
        BASE64.encode(self.public.to_box().expect("key box").into_string())
    }

    /// A `.sig` file's text for `bytes`, naming `version` in the signed comment as the Tauri
    /// CLI does.
    fn sign(&self, bytes: &[u8], version: &str) -> String {
        let comment = format!("timestamp:1767225600\tfile:bundle\tversion:{version}");
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            bytes,
            Some(&comment),
            None,
        )
        .expect("signs");
        BASE64.encode(signature.into_string())
    }
}

/// A file that starts the way every .deb does.
fn deb_bytes(version: &str) -> Vec<u8> {
    let mut bytes =
        b"!<arch>\ndebian-binary   1767225600  0     0     100644  4         `\n2.0\n".to_vec();
    bytes.extend_from_slice(format!("roster {version} payload").as_bytes());
    bytes.extend(std::iter::repeat_n(0xA5_u8, 300_000));
    bytes
}

struct Publisher<'a> {
    server: &'a Server,
    dir: tempfile::TempDir,
}

impl<'a> Publisher<'a> {
    fn new(server: &'a Server) -> Self {
        Self {
            server,
            dir: tempfile::tempdir().expect("a folder"),
        }
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("written");
        path
    }

    /// Runs `roster-server release add`; answers (success, stdout + stderr).
    fn add(&self, file: &Path, signature: &str, version: &str, extra: &[&str]) -> (bool, String) {
        let sig = self.write("bundle.sig", signature);
        let output = Command::new(env!("CARGO_BIN_EXE_roster-server"))
            .args(["release", "add", "--data"])
            .arg(self.server.data())
            .arg("--file")
            .arg(file)
            .arg("--signature")
            .arg(&sig)
            .args(["--version", version])
            .args(extra)
            .output()
            .expect("roster-server release add runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    fn list(&self) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_roster-server"))
            .args(["release", "list", "--data"])
            .arg(self.server.data())
            .output()
            .expect("roster-server release list runs");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// Publishes a signed .deb of `version` for linux-x86_64 (for tests elsewhere that need one).
pub fn publish_example(server: &Server, version: &str) {
    let publisher = Publisher::new(server);
    let key = Key::new();
    let bytes = deb_bytes(version);
    let deb = publisher.write(&format!("Roster_{version}_amd64.deb"), &bytes);
    let (ok, out) = publisher.add(&deb, &key.sign(&bytes, version), version, &[]);
    assert!(ok, "{out}");
}

#[test]
fn a_published_release_is_offered_to_older_apps_of_its_platform_only() {
    let server = Server::start();
    let publisher = Publisher::new(&server);
    let key = Key::new();
    let bytes = deb_bytes("0.2.0");
    let deb = publisher.write("Roster_0.2.0_amd64.deb", &bytes);
    let pubkey = publisher.write("updater.pub", key.public_file());
    let (ok, out) = publisher.add(
        &deb,
        &key.sign(&bytes, "0.2.0"),
        "0.2.0",
        &[
            "--notes",
            "Faster search.",
            "--pubkey",
            pubkey.to_str().expect("utf-8"),
        ],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("linux-x86_64-deb") && out.contains("signature verified"),
        "{out}"
    );
    assert!(
        publisher
            .list()
            .contains("0.2.0\tlinux-x86_64-deb\tRoster_0.2.0_amd64.deb")
    );

    let anyone = server.anonymous();
    let offer = anyone.get("/api/v1/updates/linux/x86_64/0.1.0?bundle_type=deb");
    assert_eq!(offer.status, 200, "{}", offer.text);
    assert_eq!(offer.body["version"], "0.2.0");
    assert_eq!(offer.body["notes"], "Faster search.");
    assert!(
        offer.body["pub_date"]
            .as_str()
            .is_some_and(|d| d.starts_with("20"))
    );

    // The signature handed out is the one published, and it verifies the file handed out.
    let url = offer.body["url"].as_str().expect("url");
    let file = reqwest::blocking::get(url).expect("downloads");
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.headers()["content-length"].to_str().expect("length"),
        bytes.len().to_string()
    );
    let downloaded = file.bytes().expect("body");
    assert_eq!(downloaded.as_ref(), bytes.as_slice());
    let signature = String::from_utf8(
        BASE64
            .decode(offer.body["signature"].as_str().expect("signature"))
            .expect("base64"),
    )
    .expect("text");
    let public = String::from_utf8(BASE64.decode(key.public_file()).expect("b64")).expect("text");
    minisign_verify::PublicKey::decode(&public)
        .expect("key")
        .verify(
            &downloaded,
            &minisign_verify::Signature::decode(&signature).expect("sig"),
            true,
        )
        .expect("the served signature verifies the served file");

    // Current or newer apps, other platforms and other bundle kinds get nothing.
    for current in [
        "/api/v1/updates/linux/x86_64/0.2.0?bundle_type=deb",
        "/api/v1/updates/linux/x86_64/1.0.0?bundle_type=deb",
        "/api/v1/updates/linux/aarch64/0.1.0?bundle_type=deb",
        "/api/v1/updates/windows/x86_64/0.1.0?bundle_type=nsis",
        "/api/v1/updates/linux/x86_64/0.1.0?bundle_type=rpm",
    ] {
        let answer = anyone.get(current);
        assert_eq!(answer.status, 204, "{current}: {}", answer.text);
    }
    // A build that does not know how it was installed is still told a release exists.
    assert_eq!(
        anyone
            .get("/api/v1/updates/linux/x86_64/0.1.0?bundle_type=unknown")
            .status,
        200
    );
}

#[test]
fn bad_releases_are_refused_and_nothing_is_published() {
    let server = Server::start();
    let publisher = Publisher::new(&server);
    let key = Key::new();
    let other = Key::new();
    let bytes = deb_bytes("0.3.0");
    let deb = publisher.write("Roster_0.3.0_amd64.deb", &bytes);
    let pubkey = publisher.write("updater.pub", key.public_file());
    let pubkey = pubkey.to_str().expect("utf-8");

    let cases: Vec<(String, &str, Vec<&str>, &str)> = vec![
        (
            other.sign(&bytes, "0.3.0"),
            "0.3.0",
            vec!["--pubkey", pubkey],
            "does not verify",
        ),
        (
            key.sign(&bytes, "0.2.9"),
            "0.3.0",
            vec![],
            "made for version 0.2.9, not 0.3.0",
        ),
        (
            "bm90IGEgc2lnbmF0dXJl".into(),
            "0.3.0",
            vec![],
            "not a minisign signature",
        ),
        (
            key.sign(&bytes, "0.3.0"),
            "three",
            vec![],
            "three is not a version",
        ),
        (
            key.sign(&bytes, "0.3.0"),
            "0.3.0",
            vec!["--target", "linux-x86_64-rpm"],
            "is not an RPM package",
        ),
        (
            key.sign(&bytes, "0.3.0"),
            "0.3.0",
            vec!["--target", "plan9-x86_64-deb"],
            "is not a target",
        ),
    ];
    for (signature, version, extra, expected) in cases {
        let (ok, out) = publisher.add(&deb, &signature, version, &extra);
        assert!(
            !ok && out.contains(expected),
            "expected {expected:?}, got: {out}"
        );
    }
    let unknown = publisher.write("roster.bin", &bytes);
    let (ok, out) = publisher.add(&unknown, &key.sign(&bytes, "0.3.0"), "0.3.0", &[]);
    assert!(!ok && out.contains("pass --target"), "{out}");

    assert_eq!(publisher.list(), "", "nothing was published");
    assert!(
        !server.data().join("releases").exists()
            || std::fs::read_dir(server.data().join("releases"))
                .expect("dir")
                .next()
                .is_none(),
        "no file was kept"
    );
    assert_eq!(
        server
            .anonymous()
            .get("/api/v1/updates/linux/x86_64/0.1.0")
            .status,
        204
    );

    // The same version twice is refused; the first stays.
    let good = key.sign(&bytes, "0.3.0");
    assert!(publisher.add(&deb, &good, "0.3.0", &[]).0);
    let (ok, out) = publisher.add(&deb, &good, "v0.3.0", &[]);
    assert!(!ok && out.contains("already published"), "{out}");
    assert_eq!(publisher.list().lines().count(), 1);
}

#[test]
fn bad_update_requests_get_a_clear_400_or_404() {
    let server = Server::start();
    let anyone = server.anonymous();
    for (path, expected) in [
        (
            "/api/v1/updates/linux/x86_64/not-a-version",
            "not a version",
        ),
        ("/api/v1/updates/beos/x86_64/0.1.0", "not a target"),
        ("/api/v1/updates/linux/sparc/0.1.0", "not an architecture"),
        (
            "/api/v1/updates/linux/x86_64/0.1.0?bundle_type=zip",
            "not a bundle type",
        ),
    ] {
        let answer = anyone.get(path);
        assert_eq!(answer.status, 400, "{path}");
        assert!(
            answer.body["message"]
                .as_str()
                .is_some_and(|m| m.contains(expected)),
            "{path}: {}",
            answer.text
        );
    }
    let missing = anyone.get("/api/v1/updates/files/42/Roster_0.2.0_amd64.deb");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["code"], "not_found");
}
