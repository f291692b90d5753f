//! The server benchmark: a company server seeded with N demo members, served over loopback,
//! under C concurrent clients that each loop for S seconds. Readers read (a member's
//! detail, a page of one infrastructure, a search as typed); writers write (changing a
//! permission level, so every write changes something and goes to disk). By default half
//! the clients read and half write, as a company's load is: people browsing, and devices
//! and admins pushing changes. `--per-request` instead makes every client pick read or write
//! at random for each request, so each client's writes queue behind its own reads.
//! Reports throughput and p50/p99 latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use axum_server::tls_rustls::RustlsConfig;
use rand::{Rng, SeedableRng};
use roster_core::{Company, Email, Member, MemberId, Name, Timestamp};
use roster_server::app::Config;
use roster_server::storage::sqlite::SqliteStorage;
use roster_server::storage::{Db, Storage};
use roster_server::{secrets, server};
use serde::Serialize;
use serde_json::{Value, json};

use crate::stats::percentile_ms;

pub(crate) const ADMIN: &str = "admin@northwind.example";
pub(crate) const PASSWORD: &str = "Bench-Server-Passphrase-2026!";

/// Searches as people type them: three to five letters of first names, surnames, e-mails.
const SEARCHES: &[&str] = &[
    "ada", "zoe", "mull", "garc", "lind", "nakam", "oka", "hopp", "sven", "moni", "tana", "kowa",
];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Members the server is seeded with
    #[arg(long, default_value_t = 100_000)]
    members: u32,
    /// Concurrent clients
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// How long the clients run
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Keep the server's database in DIR (a new one is seeded when it holds none)
    #[arg(long, value_name = "DIR")]
    data: Option<std::path::PathBuf>,
    /// Share of the clients that write (0 to 1); with `--per-request`, share of each
    /// client's requests
    #[arg(long, default_value_t = 0.5)]
    write_share: f64,
    /// Every client mixes reads and writes, picking at random for each request
    #[arg(long)]
    per_request: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    members: u32,
    clients: usize,
    /// How the clients mix reads and writes (`--per-request` or not)
    mix: &'static str,
    seconds: f64,
    reads_per_s: f64,
    writes_per_s: f64,
    read_p50_ms: f64,
    read_p99_ms: f64,
    write_p50_ms: f64,
    write_p99_ms: f64,
    errors: u64,
}

#[derive(Default)]
struct Samples {
    reads: Vec<Duration>,
    writes: Vec<Duration>,
    errors: u64,
}

fn now() -> Timestamp {
    roster_server::app::now()
}

/// Seeds the server's database with the demo company.
pub(crate) fn seed(dir: &std::path::Path, members: u32) -> Result<SqliteStorage> {
    let admin = Member::first_company_admin(
        MemberId::from_uuid(uuid::Uuid::now_v7()),
        Email::parse(ADMIN).map_err(|r| anyhow::anyhow!(r))?,
        Name::parse("Bench Admin").map_err(|r| anyhow::anyhow!(r))?,
        now(),
    );
    let company = Company {
        name: Name::parse("Northwind Systems").map_err(|r| anyhow::anyhow!(r))?,
    };
    let snapshot = roster_client::demo_company(company, admin.clone(), members as usize, now());
    let storage = SqliteStorage::open(dir)?;
    let hash = secrets::hash_password(PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;
    storage.initialise(&snapshot, admin.id, &hash, now())?;
    Ok(storage)
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = args.data.clone().unwrap_or_else(|| temp.path().to_owned());
    let storage = if dir.join("server.db").exists() {
        SqliteStorage::open(&dir)?
    } else {
        let start = Instant::now();
        let storage = seed(&dir, args.members)?;
        eprintln!(
            "seeded a server with {} members in {:.1} s",
            args.members,
            start.elapsed().as_secs_f64()
        );
        storage
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(load(storage, &args))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "server, {} members, {} clients ({}), {:.1} s\n  reads   {:>8.0}/s   p50 {:>7.2} ms   p99 {:>7.2} ms\n  writes  {:>8.0}/s   p50 {:>7.2} ms   p99 {:>7.2} ms\n  errors  {}",
            report.members,
            report.clients,
            report.mix,
            report.seconds,
            report.reads_per_s,
            report.read_p50_ms,
            report.read_p99_ms,
            report.writes_per_s,
            report.write_p50_ms,
            report.write_p99_ms,
            report.errors
        );
    }
    if report.errors > 0 {
        bail!("{} requests failed", report.errors);
    }
    Ok(())
}

/// Serves `storage` on a free loopback port in this process (no mail, no TLS, no
/// releases); answers its address.
/// A server on loopback, over HTTPS when given `tls`.
pub async fn spawn_server(
    storage: SqliteStorage,
    tls: Option<RustlsConfig>,
) -> Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let config = Config {
        public_url: format!("{scheme}://{addr}"),
        session_days: 1,
        releases_dir: std::env::temp_dir().join("roster-bench-no-releases"),
    };
    tokio::spawn(server::serve(listener, Db::new(storage), config, None, tls));
    Ok(addr)
}

async fn load(storage: SqliteStorage, args: &Args) -> Result<Report> {
    let base = format!("http://{}", spawn_server(storage, None).await?);

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    let token = sign_in(&http, &base).await?;
    let infra = first_infra(&http, &base, &token).await?;
    let members = active_members(&http, &base, &token, args.clients * 20).await?;
    if members.len() < args.clients {
        bail!(
            "only {} active members to write to; seed more",
            members.len()
        );
    }
    let members = Arc::new(members);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let clients = args.clients;
    let write_share = args.write_share.clamp(0.0, 1.0);
    // Without --per-request, the first `writers` clients write and the others read.
    let writers = (write_share * clients as f64).round() as usize;
    let per_request = args.per_request;
    for client in 0..clients {
        let (http, base, token, infra, members) = (
            http.clone(),
            base.clone(),
            token.clone(),
            infra.clone(),
            Arc::clone(&members),
        );
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(client as u64);
            let mut samples = Samples::default();
            // Each client writes to its own members, so every write changes a level.
            let mine: Vec<&String> = members.iter().skip(client).step_by(clients).collect();
            let mut admin_level = false;
            while Instant::now() < deadline {
                let begin = Instant::now();
                let writes = if per_request {
                    rng.random_bool(write_share)
                } else {
                    client < writers
                };
                let ok = if !writes {
                    // What an admin reads: a member's detail, a page of one infrastructure's
                    // members, a search as typed (three to five letters of a name).
                    let roll: f64 = rng.random();
                    let request = if roll < 0.4 {
                        http.get(format!("{base}/api/v1/members/{}", members[rng.random_range(0..members.len())]))
                    } else if roll < 0.7 {
                        let offset = rng.random_range(0..20) * 50;
                        http.get(format!("{base}/api/v1/members?infra={infra}&status=active&limit=50&offset={offset}"))
                    } else {
                        let prefix = SEARCHES[rng.random_range(0..SEARCHES.len())];
                        http.get(format!("{base}/api/v1/members?search={prefix}&limit=50"))
                    };
                    let ok = request.bearer_auth(&token).send().await.is_ok_and(|r| r.status().is_success());
                    samples.reads.push(begin.elapsed());
                    ok
                } else {
                    let member = mine[rng.random_range(0..mine.len())];
                    admin_level = !admin_level;
                    let level = if admin_level { "infra_admin" } else { "member" };
                    let response = http
                        .put(format!("{base}/api/v1/members/{member}/permissions/{infra}"))
                        .bearer_auth(&token)
                        .json(&json!({ "level": level }))
                        .send()
                        .await;
                    samples.writes.push(begin.elapsed());
                    response.is_ok_and(|r| r.status().is_success())
                };
                if !ok {
                    samples.errors += 1;
                }
            }
            samples
        }));
    }
    let mut all = Samples::default();
    for task in tasks {
        let samples = task.await?;
        all.reads.extend(samples.reads);
        all.writes.extend(samples.writes);
        all.errors += samples.errors;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Report {
        members: args.members,
        clients: args.clients,
        mix: if per_request {
            "every client mixes, per request"
        } else {
            "readers and writers"
        },
        seconds,
        reads_per_s: all.reads.len() as f64 / seconds,
        writes_per_s: all.writes.len() as f64 / seconds,
        read_p50_ms: percentile_ms(&mut all.reads, 0.5),
        read_p99_ms: percentile_ms(&mut all.reads, 0.99),
        write_p50_ms: percentile_ms(&mut all.writes, 0.5),
        write_p99_ms: percentile_ms(&mut all.writes, 0.99),
        errors: all.errors,
    })
}

async fn sign_in(http: &reqwest::Client, base: &str) -> Result<String> {
    let body: Value = http
        .post(format!("{base}/api/v1/auth/sign-in"))
        .json(&json!({ "email": ADMIN, "password": PASSWORD }))
        .send()
        .await?
        .json()
        .await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("sign-in answered no token")
}

async fn first_infra(http: &reqwest::Client, base: &str, token: &str) -> Result<String> {
    let body: Value = http
        .get(format!("{base}/api/v1/infrastructures"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    body[0]["id"]
        .as_str()
        .map(str::to_owned)
        .context("the demo company has infrastructures")
}

async fn active_members(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    wanted: usize,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut offset = 0;
    while ids.len() < wanted {
        let page: Value = http
            .get(format!(
                "{base}/api/v1/members?status=active&limit=1000&offset={offset}"
            ))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        let members = page["members"].as_array().context("a page of members")?;
        if members.is_empty() {
            break;
        }
        ids.extend(
            members
                .iter()
                .filter(|m| m["company_admin"] == false)
                .filter_map(|m| m["id"].as_str().map(str::to_owned)),
        );
        offset += 1000;
    }
    Ok(ids)
}
