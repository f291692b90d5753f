//! What the sync tests run against: the real `roster-server` binary on loopback (stopped,
//! killed and restarted on the same data), a fault-injecting TCP proxy between it and the
//! devices, and devices that are real encrypted workspaces driven through roster-client.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use mailin_embedded::{Handler, Response, SslConfig, response};
use roster_client::{InviteRequest, Passphrase, Remote, RetryPolicy, Session, Unlock};
use roster_core::Snapshot;
use roster_core::{Level, MemberKind};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const ADMIN: &str = "admin@acme.example";
pub const PASSWORD: &str = "Tq8#vW2m@Lp5zR-admin";
pub const MEMBER_PASSWORD: &str = "Quartz-Meadow-Lantern-8!";
pub const PASSPHRASE: &str = "Correct-Horse-7-Battery!";

/// The built `roster-server`, next to the `roster` binary under test.
pub fn server_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_roster")).with_file_name("roster-server");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build -p roster-server` (cargo test --workspace does)",
        path.display()
    );
    path
}

/// Mail caught by a real SMTP receiver.
#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Vec<String>>>);

#[derive(Clone)]
struct Catcher {
    inbox: Inbox,
    current: Vec<u8>,
}

impl Handler for Catcher {
    fn data_start(&mut self, _: &str, _: &str, _: bool, _: &[String]) -> Response {
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
    fn start() -> (Self, u16) {
        let inbox = Self::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
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

    /// The accept link of the invitation mailed to `recipient`.
    pub fn link_for(&self, recipient: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let found = self
                .0
                .lock()
                .expect("inbox")
                .iter()
                .find(|m| m.contains(recipient))
                .map(|m| m.replace("=\r\n", "").replace("=3D", "="));
            if let Some(mail) = found {
                let start = mail.find("http://").expect("a link in the mail");
                return mail[start..]
                    .split_whitespace()
                    .next()
                    .expect("link")
                    .to_owned();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no mail to {recipient}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// A company server process over a data folder that outlives restarts.
pub struct ServerProcess {
    child: Option<Child>,
    pub inbox: Inbox,
    smtp_port: u16,
    pub data: TempDir,
    /// Where the server listens; stable across restarts.
    pub addr: SocketAddr,
    /// `--tls-cert FILE --tls-key FILE` when it serves HTTPS.
    tls: Vec<PathBuf>,
}

impl ServerProcess {
    /// Initialises Acme with its Company Admin and starts serving.
    pub fn start() -> Self {
        Self::start_serving(Vec::new())
    }

    /// As [`ServerProcess::start`], serving HTTPS with this certificate and key.
    pub fn start_https(cert: &Path, key: &Path) -> Self {
        Self::start_serving(vec![cert.to_owned(), key.to_owned()])
    }

    fn start_serving(tls: Vec<PathBuf>) -> Self {
        // reqwest is built without a TLS provider of its own (see roster-client): use ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let data = tempfile::tempdir().expect("data folder");
        let status = Command::new(server_binary())
            .args(["init", "--data"])
            .arg(data.path())
            .args(["--company", "Acme", "--admin", ADMIN, "--name", "Ada Admin"])
            .env("ROSTER_ADMIN_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .status()
            .expect("roster-server init runs");
        assert!(status.success(), "init succeeds");
        let (inbox, smtp_port) = Inbox::start();
        let mut server = Self {
            child: None,
            inbox,
            smtp_port,
            data,
            addr: "127.0.0.1:0".parse().expect("addr"),
            tls,
        };
        server.serve();
        server
    }

    fn serve(&mut self) {
        let mut child = Command::new(server_binary())
            .args(["serve", "--data"])
            .arg(self.data.path())
            .args(["--listen", &self.addr.to_string()])
            .args(["--smtp", &format!("smtp://127.0.0.1:{}", self.smtp_port)])
            .args(match self.tls.as_slice() {
                [cert, key] => vec![
                    "--tls-cert".as_ref(),
                    cert.as_os_str(),
                    "--tls-key".as_ref(),
                    key.as_os_str(),
                ],
                _ => Vec::new(),
            })
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
            .strip_prefix(&format!("listening on {}://", self.scheme()))
            .unwrap_or_else(|| panic!("listening line: {first:?}"));
        self.addr = url.parse().expect("listen address");
        self.child = Some(child);
    }

    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme(), self.addr)
    }

    fn scheme(&self) -> &'static str {
        if self.tls.is_empty() { "http" } else { "https" }
    }

    /// Invites `email` from `admin`'s device with `grants` (infrastructure name, level),
    /// syncs, follows the mailed link and sets a password: an active member.
    pub fn member(
        &self,
        admin: &mut Device,
        email: &str,
        grants: &[(&str, Level)],
        company_admin: bool,
    ) {
        admin
            .session
            .invite(&InviteRequest {
                email: email.to_owned(),
                name: None,
                kind: MemberKind::ItUser,
                company_admin,
                grants: grants.iter().map(|(i, l)| ((*i).to_owned(), *l)).collect(),
                dev: Vec::new(),
                roles: Vec::new(),
            })
            .expect("the admin may invite");
        admin.settle();
        let link = self.inbox.link_for(email);
        let accepted = admin.block_on(async {
            reqwest::Client::new()
                .post(&link)
                .form(&[("password", MEMBER_PASSWORD), ("confirm", MEMBER_PASSWORD)])
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
        assert_eq!(accepted.ok(), Some(200), "{email} accepts the invitation");
        admin.settle();
    }

    /// SIGKILL: no graceful shutdown, like a power cut.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same data and port.
    pub fn restart(&mut self) {
        self.kill();
        self.serve();
    }

    /// Starts again after [`Self::kill`], on the same data and port.
    pub fn start_again(&mut self) {
        self.serve();
    }

    /// How many changes the server's log holds, read from its database file: while it runs
    /// or while it is down.
    pub fn logged_changes(&self) -> i64 {
        let conn = rusqlite::Connection::open(self.data.path().join("server.db"))
            .expect("the server's database opens");
        conn.query_row("SELECT count(*) FROM change_log", [], |row| row.get(0))
            .expect("the change log counts")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the proxy does to the next connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Pass bytes both ways.
    None = 0,
    /// Refuse: the network is down.
    Down = 1,
    /// Forward the request, then cut the connection as the answer starts: the server did
    /// the work, the device never hears of it.
    LoseAnswer = 2,
    /// Hold each piece of an answer for [`SLOW_GAP`] before passing it on, an answer's
    /// HTTP head apart from the body after it: a slow link that never goes quiet for long.
    Slow = 3,
    /// Pass on the first [`STALL_AFTER`] bytes of what the server answers on each
    /// connection from now on, then nothing, with the connection left open: a server or
    /// link that hangs mid-answer.
    Stall = 4,
}

pub const SLOW_GAP: std::time::Duration = std::time::Duration::from_millis(600);
pub const STALL_AFTER: usize = 100;

/// A TCP proxy in front of the server that can drop the network or lose answers.
pub struct Proxy {
    pub addr: SocketAddr,
    fault: Arc<AtomicU8>,
    /// How many answers were cut.
    pub cut: Arc<Mutex<u32>>,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    pub fn to(target: SocketAddr) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("proxy runtime");
        let fault = Arc::new(AtomicU8::new(Fault::None as u8));
        let cut = Arc::new(Mutex::new(0));
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("proxy binds");
        let addr = listener.local_addr().expect("proxy addr");
        let (f, c) = (Arc::clone(&fault), Arc::clone(&cut));
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (f, c) = (Arc::clone(&f), Arc::clone(&c));
                tokio::spawn(relay(client, target, f, c));
            }
        });
        Self {
            addr,
            fault,
            cut,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }
}

async fn relay(
    mut client: TcpStream,
    target: SocketAddr,
    fault: Arc<AtomicU8>,
    cut: Arc<Mutex<u32>>,
) {
    if fault.load(Ordering::SeqCst) == Fault::Down as u8 {
        return;
    }
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    let mut from_client = [0u8; 64 * 1024];
    let mut from_server = [0u8; 64 * 1024];
    // How much `Stall` has let through on this connection.
    let mut answered = 0;
    loop {
        tokio::select! {
            read = client.read(&mut from_client) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if fault.load(Ordering::SeqCst) == Fault::Down as u8
                        || server.write_all(&from_client[..n]).await.is_err()
                    {
                        return;
                    }
                }
            },
            read = server.read(&mut from_server) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let answer = &from_server[..n];
                    let passed = match fault.load(Ordering::SeqCst) {
                        f if f == Fault::LoseAnswer as u8 => {
                            *cut.lock().expect("cut count") += 1;
                            return;
                        }
                        f if f == Fault::Down as u8 => return,
                        f if f == Fault::Slow as u8 => slowly(&mut client, answer).await,
                        f if f == Fault::Stall as u8 => {
                            let head = &answer[..n.min(STALL_AFTER.saturating_sub(answered))];
                            answered += head.len();
                            client.write_all(head).await
                        }
                        _ => client.write_all(answer).await,
                    };
                    if passed.is_err() {
                        return;
                    }
                }
            },
        }
    }
}

async fn slowly(client: &mut TcpStream, answer: &[u8]) -> std::io::Result<()> {
    let head_end = answer
        .starts_with(b"HTTP/1.1 ")
        .then(|| answer.windows(4).position(|w| w == b"\r\n\r\n"))
        .flatten()
        .map_or(answer.len(), |at| at + 4);
    for piece in [&answer[..head_end], &answer[head_end..]] {
        if !piece.is_empty() {
            tokio::time::sleep(SLOW_GAP).await;
            client.write_all(piece).await?;
        }
    }
    Ok(())
}

/// A device: a workspace of its own, signed in to the server through `url`.
pub struct Device {
    pub session: Session,
    pub remote: Remote,
    pub dir: TempDir,
    runtime: tokio::runtime::Runtime,
}

/// Retries fast: the tests cut the network on purpose.
pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: std::time::Duration::from_millis(20),
        max_delay: std::time::Duration::from_millis(100),
        timeout: std::time::Duration::from_secs(20),
    }
}

impl Device {
    /// Signs in as `email` and makes the workspace from the server's snapshot.
    pub fn sign_in(url: &str, email: &str, password: &str) -> Self {
        Self::first_sync(url, email, password, quick_retry(), || {})
            .unwrap_or_else(|err| panic!("{email}'s first sync: {err}"))
    }

    /// Signs in as `email` with `retry`, runs `before_snapshot` (to change the network
    /// under it, say), then makes the workspace from the server's snapshot.
    pub fn first_sync(
        url: &str,
        email: &str,
        password: &str,
        retry: RetryPolicy,
        before_snapshot: impl FnOnce(),
    ) -> Result<Self, roster_client::ClientError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("device runtime");
        let dir = tempfile::tempdir().expect("device folder");
        let mut remote = Remote::new(url, retry).expect("server address");
        runtime
            .block_on(remote.sign_in(email, password))
            .unwrap_or_else(|err| panic!("{email} signs in: {err}"));
        before_snapshot();
        let session = runtime.block_on(Session::connect(
            &dir.path().join("ws"),
            &Passphrase::new(PASSPHRASE.to_owned()),
            &remote,
            email,
        ))?;
        Ok(Self {
            session,
            remote,
            dir,
            runtime,
        })
    }

    pub fn sync(&mut self) -> Result<roster_client::SyncReport, roster_client::ClientError> {
        self.runtime.block_on(self.session.sync(&self.remote))
    }

    /// Syncs until a round pushes nothing (a lost answer may need another round).
    pub fn settle(&mut self) {
        let mut last = String::new();
        for _ in 0..5 {
            match self.sync() {
                Ok(report) if report.pushed == 0 => return,
                Ok(report) => last = format!("{report:?}"),
                Err(err) => last = err.to_string(),
            }
        }
        panic!("sync does not settle: {last}");
    }

    /// Locks and unlocks again: what is on disk is all there is.
    pub fn reopen(&mut self) {
        let path = self.dir.path().join("ws");
        let placeholder = Session::open(
            &path,
            Unlock::Passphrase(&Passphrase::new(PASSPHRASE.to_owned())),
        )
        .expect("reopens");
        let old = std::mem::replace(&mut self.session, placeholder);
        drop(old);
    }

    pub fn snapshot(&self) -> Snapshot {
        self.session.workspace().snapshot().expect("snapshot")
    }

    /// What the server holds now, as a fresh device would download it.
    pub fn server_snapshot(&self) -> Snapshot {
        self.runtime
            .block_on(self.remote.snapshot())
            .expect("server snapshot")
            .snapshot
    }

    pub fn block_on<T>(&self, future: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }
}

/// A snapshot with every list in one order, so two holding the same records compare equal.
pub fn normalized(snapshot: &Snapshot) -> serde_json::Value {
    let mut value = serde_json::to_value(snapshot).expect("json");
    if let Some(object) = value.as_object_mut() {
        for list in object.values_mut() {
            if let Some(items) = list.as_array_mut() {
                items.sort_by_key(|item| item.to_string());
            }
        }
    }
    value
}
