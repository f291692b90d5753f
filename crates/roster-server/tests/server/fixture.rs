//! A running server with its own data folder and SMTP receiver, and an HTTP client.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{Handler, Response, SslConfig, response};
use roster_core::Assembly;
use roster_wire::{SnapshotLine, SnapshotResponse};
use serde_json::{Value, json};
use tempfile::TempDir;

pub const ADMIN: &str = "admin@acme.example";
pub const ADMIN_PASSWORD: &str = "Tq8#vW2m@Lp5zR-admin";

/// Mail caught by the SMTP receiver, as raw messages.
#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Vec<String>>>);

#[derive(Clone)]
struct Catcher {
    inbox: Inbox,
    current: Vec<u8>,
}

impl Handler for Catcher {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.current.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = String::from_utf8_lossy(&self.current).into_owned();
        self.inbox.0.lock().expect("inbox").push(message);
        response::OK
    }
}

impl Inbox {
    /// Starts a real SMTP server on a free loopback port; answers its port.
    pub fn start() -> (Self, u16) {
        let inbox = Self::default();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("addr").port();
        let mut server = mailin_embedded::Server::new(Catcher {
            inbox: inbox.clone(),
            current: Vec::new(),
        });
        server
            .with_name("smtp.test")
            .with_ssl(SslConfig::None)
            .expect("no TLS")
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (inbox, port)
    }

    /// Waits for a message to `recipient` and answers it (quoted-printable soft breaks undone).
    pub fn wait_for(&self, recipient: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(found) = self
                .0
                .lock()
                .expect("inbox")
                .iter()
                .find(|m| m.contains(recipient))
            {
                return found.replace("=\r\n", "").replace("=3D", "=");
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {recipient} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The latest message to `recipient`, if any.
    pub fn last_to(&self, recipient: &str) -> Option<String> {
        self.0
            .lock()
            .expect("inbox")
            .iter()
            .rev()
            .find(|m| m.contains(recipient))
            .map(|m| m.replace("=\r\n", "").replace("=3D", "="))
    }

    pub fn count_to(&self, recipient: &str) -> usize {
        self.0
            .lock()
            .expect("inbox")
            .iter()
            .filter(|m| m.contains(recipient))
            .count()
    }
}

/// A running `roster-server` for Acme with its first Company Admin.
pub struct Server {
    child: Child,
    pub url: String,
    pub inbox: Inbox,
    data: TempDir,
}

/// A data folder with Acme and its first Company Admin (`roster-server init`).
pub fn initialised_data() -> TempDir {
    // reqwest takes its TLS provider from the process (roster-client builds it without
    // one); ring is the one the workspace builds.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let data = tempfile::tempdir().expect("data folder");
    let status = Command::new(env!("CARGO_BIN_EXE_roster-server"))
        .args(["init", "--data"])
        .arg(data.path())
        .args(["--company", "Acme", "--admin", ADMIN, "--name", "Ada Admin"])
        .env("ROSTER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdout(Stdio::null())
        .status()
        .expect("roster-server init runs");
    assert!(status.success(), "init succeeds");
    data
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts the server with more `serve` options (e.g. `--tls-cert`).
    pub fn start_with(extra: &[&str]) -> Self {
        let data = initialised_data();
        let (inbox, smtp_port) = Inbox::start();
        let mut child = Command::new(env!("CARGO_BIN_EXE_roster-server"))
            .args(["serve", "--data"])
            .arg(data.path())
            .args([
                "--listen",
                "127.0.0.1:0",
                "--smtp",
                &format!("smtp://127.0.0.1:{smtp_port}"),
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("roster-server serve starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("the listening line");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .expect("listening on URL")
            .to_owned();
        Self {
            child,
            url,
            inbox,
            data,
        }
    }

    pub fn anonymous(&self) -> Client {
        Client {
            http: reqwest::blocking::Client::new(),
            base: self.url.clone(),
            token: None,
        }
    }

    /// Signs in and answers a client carrying the session.
    pub fn sign_in(&self, email: &str, password: &str) -> Client {
        let mut client = self.anonymous();
        let response = client.post(
            "/api/v1/auth/sign-in",
            json!({ "email": email, "password": password }),
        );
        assert_eq!(response.status, 200, "{email} signs in: {}", response.body);
        client.token = Some(response.body["token"].as_str().expect("token").to_owned());
        client
    }

    /// The server's data folder, for the operator's commands (`roster-server release …`).
    pub fn data(&self) -> &std::path::Path {
        self.data.path()
    }

    pub fn admin(&self) -> Client {
        self.sign_in(ADMIN, ADMIN_PASSWORD)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status and JSON body (`Null` when there is none or it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

pub struct Client {
    pub http: reqwest::blocking::Client,
    pub base: String,
    pub token: Option<String>,
}

impl Client {
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::blocking::RequestBuilder {
        // Sync endpoints need the protocol version; the others ignore it.
        let builder = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(
                roster_wire::PROTOCOL_HEADER,
                roster_wire::PROTOCOL.to_string(),
            );
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub fn send(&self, builder: reqwest::blocking::RequestBuilder) -> Answer {
        let response = builder.send().expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().unwrap_or_default();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send(self.request(reqwest::Method::GET, path))
    }

    pub fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.request(reqwest::Method::POST, path).json(&body))
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let builder = self.request(method, path);
        self.send(match body {
            Some(body) => builder.json(&body),
            None => builder,
        })
    }

    /// The snapshot stream read whole as JSON lines, put together as a
    /// `roster_wire::SnapshotResponse`; fails unless it ends with an `end` line that counts
    /// the records that came.
    pub fn snapshot(&self) -> Value {
        let answer = self.get("/api/v1/sync/snapshot");
        assert_eq!(answer.status, 200, "{}", answer.text);
        assembled(
            answer
                .text
                .lines()
                .map(|line| serde_json::from_str::<SnapshotLine>(line).expect("a snapshot line")),
        )
    }

    /// The snapshot stream read whole as binary frames (`roster_wire::frames`), as Roster's
    /// devices ask for it, put together as [`Client::snapshot`] does.
    pub fn snapshot_in_frames(&self) -> Value {
        let response = self
            .request(reqwest::Method::GET, "/api/v1/sync/snapshot")
            .header("accept", roster_wire::SNAPSHOT_FRAMES_MEDIA_TYPE)
            .send()
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"],
            roster_wire::SNAPSHOT_FRAMES_MEDIA_TYPE
        );
        let body = response.bytes().expect("a body");
        let mut rest = &body[..];
        let mut lines = Vec::new();
        while !rest.is_empty() {
            let (line, used) = roster_wire::decode_frame(rest)
                .expect("a readable frame")
                .expect("whole frames only");
            lines.push(line);
            rest = &rest[used..];
        }
        assembled(lines.into_iter())
    }

    /// The member with this e-mail, from the member list.
    pub fn member(&self, email: &str) -> Value {
        let page = self.get(&format!(
            "/api/v1/members?search={}&limit=10",
            email.split('@').next().unwrap_or(email)
        ));
        page.body["members"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["email"] == email).cloned())
            .unwrap_or(Value::Null)
    }
}

/// The accept link in an invitation mail.
pub fn link_in(mail: &str) -> String {
    let start = mail.find("http://").expect("a link in the mail");
    mail[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned()
}

/// A new cloud infrastructure named `name`, on a subscription of its own; its id.
pub fn infra(admin: &Client, name: &str) -> String {
    let subscription = admin.post(
        "/api/v1/subscriptions",
        json!({ "name": format!("{name} plan"), "edition": "enterprise" }),
    );
    let infra = admin.post(
        "/api/v1/infrastructures",
        json!({ "name": name, "subscription": subscription.body["id"], "hosting": "cloud" }),
    );
    assert_eq!(infra.status, 201, "{}", infra.text);
    infra.body["id"].as_str().expect("infra id").to_owned()
}

/// Snapshot lines put together as a `roster_wire::SnapshotResponse`; fails unless they
/// begin with the head and end with an `end` line that counts the records that came.
fn assembled(mut lines: impl Iterator<Item = SnapshotLine>) -> Value {
    let Some(SnapshotLine::Head { seq, account }) = lines.next() else {
        panic!("the snapshot begins with its head");
    };
    let (mut assembly, mut audit, mut counted) = (Assembly::new(), Vec::new(), 0);
    for line in lines.by_ref() {
        match line {
            SnapshotLine::Part(part) => {
                counted += part.len() as u64;
                assembly.add(part).expect("the company first");
            }
            SnapshotLine::Audit(entries) => audit.extend(entries),
            SnapshotLine::End { records } => {
                assert_eq!(records, counted, "the end counts the records that came");
                break;
            }
            SnapshotLine::Head { .. } => panic!("one head"),
        }
    }
    assert!(lines.next().is_none(), "nothing after the end");
    serde_json::to_value(SnapshotResponse {
        seq,
        account,
        snapshot: assembly.finish().expect("a company"),
        audit,
    })
    .expect("json")
}
