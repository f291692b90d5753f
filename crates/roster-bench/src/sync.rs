//! `roster-bench sync`: sync between a company server and a device over loopback.
//!
//! - First sync of an N-member company (snapshot download and the encrypted workspace
//!   made from it; the sign-in and the passphrase's Argon2id are reported apart), against
//!   a raw bulk insert of the same member and permission rows into the same kind of file
//!   (SQLCipher, same schema) measured in the same run.
//! - One change's round trip (a push answered with its page of changes, the usual sync)
//!   through a counting TCP proxy: latency and bytes on the wire, both ways, headers and
//!   TLS included.
//! - Push throughput: ops queued offline, pushed in batches.
//!
//! By default the server speaks HTTPS, as a company server is reached, so the client and
//! the server agree on HTTP/2 by ALPN; `--plain` measures plain HTTP/1.1 instead. For
//! HTTPS the bench makes a certificate authority and runs itself again trusting it
//! (`SSL_CERT_FILE`, read once by the platform's verifier): this crate forbids the unsafe
//! `set_var`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use roster_client::{Passphrase, Remote, RetryPolicy, Session};
use roster_core::Snapshot;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::server::{ADMIN, PASSWORD, seed, spawn_server};
use crate::stats::percentile_ms;

const PASSPHRASE: &str = "Bench-Device-Passphrase-2026!";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Members the server is seeded with
    #[arg(long, default_value_t = 100_000)]
    members: u32,
    /// Round trips to time
    #[arg(long, default_value_t = 200)]
    round_trips: usize,
    /// Ops to push
    #[arg(long, default_value_t = 5_000)]
    ops: u32,
    #[arg(long)]
    json: bool,
    /// Plain HTTP/1.1 instead of HTTPS
    #[arg(long)]
    plain: bool,
    /// Where the server's certificate and key are: set by the bench when it runs itself
    /// again trusting its own certificate authority.
    #[arg(long, hide = true)]
    tls_dir: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Report {
    members: u32,
    snapshot_rows: usize,
    first_sync_s: f64,
    /// The snapshot alone: the server reads it, sends it, the device decodes it.
    snapshot_download_s: f64,
    /// The snapshot's bytes on the wire (compressed, with TLS when over HTTPS), its parts'
    /// frames as the device reads them, and the same records as JSON.
    snapshot_bytes: u64,
    snapshot_frame_bytes: usize,
    snapshot_json_bytes: usize,
    sign_in_s: f64,
    raw_insert_s: f64,
    first_sync_vs_raw: f64,
    round_trip_p50_ms: f64,
    round_trip_p99_ms: f64,
    round_trip_bytes: u64,
    /// `HTTP/2 over TLS` or `HTTP/1.1`.
    transport: String,
    push_ops: u32,
    push_ops_per_s: f64,
}

/// Bytes through the proxy, both ways.
#[derive(Default)]
struct Wire(AtomicU64);

async fn proxy(target: std::net::SocketAddr, wire: Arc<Wire>, scheme: &str) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("{scheme}://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let wire = Arc::clone(&wire);
            tokio::spawn(async move {
                if let Ok(server) = TcpStream::connect(target).await {
                    // Relay at once: Nagle's wait here would be the proxy's latency, not ours.
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    relay(client, server, wire).await;
                }
            });
        }
    });
    Ok(url)
}

async fn relay(mut a: TcpStream, mut b: TcpStream, wire: Arc<Wire>) {
    let (mut ab, mut ba) = ([0u8; 65536], [0u8; 65536]);
    loop {
        let (n, to_b) = tokio::select! {
            r = a.read(&mut ab) => (r, true),
            r = b.read(&mut ba) => (r, false),
        };
        let Ok(n) = n else { return };
        if n == 0 {
            return;
        }
        wire.0.fetch_add(n as u64, Ordering::Relaxed);
        let written = if to_b {
            b.write_all(&ab[..n]).await
        } else {
            a.write_all(&ba[..n]).await
        };
        if written.is_err() {
            return;
        }
    }
}

/// The same member and permission rows, inserted by hand into a new SQLCipher file with
/// the workspace's schema, in one transaction.
fn raw_insert(dir: &std::path::Path, snapshot: &Snapshot) -> Result<Duration> {
    let start = Instant::now();
    let conn = rusqlite::Connection::open(dir.join("raw.db"))?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", "ab".repeat(32)))?;
    conn.execute_batch(&roster_store::new_database_pragmas())?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // The page cache a workspace has: without it the baseline would thrash and flatter us.
    conn.pragma_update(None, "cache_size", -65_536)?;
    roster_store::create_schema(&conn)?;
    // The baseline inserts only the bulk rows, so their parents are not there to check.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let tx = conn.unchecked_transaction()?;
    {
        let mut member = tx.prepare(
            "INSERT INTO members (id, email, email_key, name, name_key, kind, status, company_admin, administrator, phone, security_contact, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for m in &snapshot.members {
            member.execute(rusqlite::params![
                m.id.to_string(),
                m.email.as_str(),
                m.email.key(),
                m.name.as_str(),
                m.name.key(),
                m.kind.as_str(),
                m.status.as_str(),
                m.company_admin,
                m.administrator,
                m.phone.as_ref().map(|p| p.as_str().to_owned()),
                m.security_contact,
                m.created_at.unix_millis()
            ])?;
        }
        let mut permission = tx.prepare(
            "INSERT INTO permissions (member, infra, level, member_status, member_name_key)
             SELECT ?1, ?2, ?3, m.status, m.name_key FROM members m WHERE m.id = ?1",
        )?;
        for p in &snapshot.permissions {
            permission.execute(rusqlite::params![
                p.member.to_string(),
                p.infra.to_string(),
                p.level.as_str()
            ])?;
        }
    }
    tx.commit()?;
    Ok(start.elapsed())
}

/// A certificate authority, and a certificate for 127.0.0.1 it issued, written to `dir`.
fn certificate_authority(dir: &Path) -> Result<PathBuf> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate()?;
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&key, &issuer)?;
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ca_cert.pem())?;
    std::fs::write(dir.join("server.pem"), cert.pem())?;
    std::fs::write(dir.join("server.key"), key.serialize_pem())?;
    Ok(ca)
}

/// Runs this bench again with the same arguments, trusting a certificate authority made
/// for it.
fn run_over_tls() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let ca = certificate_authority(dir.path())?;
    let status = Command::new(std::env::current_exe()?)
        .args(std::env::args_os().skip(1))
        .arg("--tls-dir")
        .arg(dir.path())
        .env("SSL_CERT_FILE", ca)
        .status()?;
    anyhow::ensure!(status.success(), "the bench over HTTPS failed: {status}");
    Ok(())
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args) -> Result<()> {
    if !args.plain && args.tls_dir.is_none() {
        return run_over_tls();
    }
    let temp = tempfile::tempdir()?;
    let started = Instant::now();
    let storage = seed(&temp.path().join("server"), args.members)?;
    eprintln!(
        "seeded a server with {} members in {:.1} s",
        args.members,
        started.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(measure(storage, &args, temp.path()))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "sync, {} members\n  first sync        {:>7.2} s   ({} rows; sign-in {:.2} s apart; of which the snapshot's download and decoding {:.2} s, {:.1} MB on the wire for {:.1} MB of frames, {:.1} MB as JSON)\n  raw bulk insert   {:>7.2} s   (same rows, same kind of file)\n  first sync / raw  {:>7.2}×\n  round trip        p50 {:.2} ms   p99 {:.2} ms   {} bytes on the wire ({})\n  push              {:>7.0} ops/s ({} ops)",
            report.members,
            report.first_sync_s,
            report.snapshot_rows,
            report.sign_in_s,
            report.snapshot_download_s,
            report.snapshot_bytes as f64 / 1e6,
            report.snapshot_frame_bytes as f64 / 1e6,
            report.snapshot_json_bytes as f64 / 1e6,
            report.raw_insert_s,
            report.first_sync_vs_raw,
            report.round_trip_p50_ms,
            report.round_trip_p99_ms,
            report.round_trip_bytes,
            report.transport,
            report.push_ops_per_s,
            report.push_ops
        );
    }
    Ok(())
}

/// The bytes of `snapshot`'s parts in frames, as the server cuts and sends them.
fn frame_bytes(snapshot: Snapshot) -> Result<usize> {
    snapshot
        .into_parts(roster_wire::SNAPSHOT_PART_SIZE)
        .into_iter()
        .map(|part| Ok(roster_wire::encode_frame(&roster_wire::SnapshotLine::Part(part))?.len()))
        .sum()
}

async fn measure(
    storage: roster_server::storage::sqlite::SqliteStorage,
    args: &Args,
    dir: &std::path::Path,
) -> Result<Report> {
    let tls = match &args.tls_dir {
        Some(dir) => Some(
            roster_server::server::load_tls(&dir.join("server.pem"), &dir.join("server.key"))
                .await
                .map_err(anyhow::Error::msg)?,
        ),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let target = spawn_server(storage, tls).await?;
    let wire = Arc::new(Wire::default());
    let proxied = proxy(target, Arc::clone(&wire), scheme).await?;
    let passphrase = Passphrase::new(PASSPHRASE.to_owned());

    let started = Instant::now();
    let mut remote = Remote::new(&proxied, RetryPolicy::default())?;
    remote.sign_in(ADMIN, PASSWORD).await?;
    let sign_in = started.elapsed();
    let started = Instant::now();
    let before = wire.0.load(Ordering::Relaxed);
    let downloaded = remote.snapshot().await.context("snapshot")?;
    let download = started.elapsed();
    let snapshot_bytes = wire.0.load(Ordering::Relaxed) - before;
    let snapshot_json_bytes = serde_json::to_vec(&downloaded)?.len();
    let snapshot_frame_bytes = frame_bytes(downloaded.snapshot)?;
    let started = Instant::now();
    let mut device = Session::connect(&dir.join("device"), &passphrase, &remote, ADMIN)
        .await
        .context("first sync")?;
    let first_sync = started.elapsed();
    let snapshot = device.workspace().snapshot()?;
    let rows = snapshot.members.len() + snapshot.permissions.len();
    let raw = raw_insert(dir, &snapshot)?;

    // One change, pushed and pulled back, as an admin's edit is.
    let member = snapshot
        .members
        .iter()
        .find(|m| m.email.as_str() != ADMIN)
        .context("a member to edit")?
        .email
        .to_string();
    let mut trips = Vec::with_capacity(args.round_trips);
    let mut bytes = 0;
    for i in 0..args.round_trips {
        device.rename_member(&member, &format!("Renamed {i}"))?;
        let before = wire.0.load(Ordering::Relaxed);
        let started = Instant::now();
        device.sync(&remote).await?;
        trips.push(started.elapsed());
        bytes = wire.0.load(Ordering::Relaxed) - before;
    }

    for i in 0..args.ops {
        device.rename_member(&member, &format!("Pushed {i}"))?;
    }
    let started = Instant::now();
    let pushed = device.sync(&remote).await?;
    let push = started.elapsed();
    anyhow::ensure!(pushed.applied == args.ops, "every op applied: {pushed:?}");

    Ok(Report {
        members: args.members,
        snapshot_rows: rows,
        first_sync_s: first_sync.as_secs_f64(),
        snapshot_download_s: download.as_secs_f64(),
        snapshot_bytes,
        snapshot_frame_bytes,
        snapshot_json_bytes,
        sign_in_s: sign_in.as_secs_f64(),
        raw_insert_s: raw.as_secs_f64(),
        first_sync_vs_raw: first_sync.as_secs_f64() / raw.as_secs_f64(),
        round_trip_p50_ms: percentile_ms(&mut trips, 0.5),
        round_trip_p99_ms: percentile_ms(&mut trips, 0.99),
        round_trip_bytes: bytes,
        transport: if args.tls_dir.is_some() {
            "HTTP/2 over TLS".into()
        } else {
            "HTTP/1.1".into()
        },
        push_ops: args.ops,
        push_ops_per_s: f64::from(args.ops) / push.as_secs_f64(),
    })
}
