//! The workspace benchmark: builds (or reuses) a workspace of N demo members and measures
//! what an admin waits for, each against a raw SQL query on the same file and connection as the
//! baseline: unlock+open, search by prefix, a list page filtered by infrastructure.
//!
//! Prints a table, or with `--json` one object per metric
//! (`metric`, `n`, `p50_ms`, `p99_ms`, `baseline_p50_ms`, `baseline_p99_ms`, `ratio`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use roster_client::{CreateOptions, MemberQuery, Passphrase, Session, Unlock};
use roster_core::MemberStatus;
use serde::Serialize;

use crate::stats::percentile_ms;

const PASSPHRASE: &str = "Bench-Passphrase-2026!";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Members in the demo company
    #[arg(long, default_value_t = 100_000)]
    members: u32,
    /// Samples per metric
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Samples for unlock+open (each runs Argon2id)
    #[arg(long, default_value_t = 15)]
    unlock_samples: usize,
    /// Reuse (or create) the workspace in DIR instead of a temporary one
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Metric {
    metric: &'static str,
    n: u32,
    p50_ms: f64,
    p99_ms: f64,
    baseline_p50_ms: f64,
    baseline_p99_ms: f64,
    /// Ours over the baseline, at p50.
    ratio: f64,
}

/// Runs `ours` and `baseline` alternately on the same inputs so both see the same cache.
fn measure<I>(
    metric: &'static str,
    n: u32,
    inputs: &[I],
    mut ours: impl FnMut(&I) -> Result<()>,
    mut baseline: impl FnMut(&I) -> Result<()>,
) -> Result<Metric> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for input in inputs.iter().take(3) {
        ours(input)?;
        baseline(input)?;
    }
    for input in inputs {
        let start = Instant::now();
        ours(input)?;
        a.push(start.elapsed());
        let start = Instant::now();
        baseline(input)?;
        b.push(start.elapsed());
    }
    let (p50, base50) = (percentile_ms(&mut a, 0.5), percentile_ms(&mut b, 0.5));
    Ok(Metric {
        metric,
        n,
        p50_ms: p50,
        p99_ms: percentile_ms(&mut a, 0.99),
        baseline_p50_ms: base50,
        baseline_p99_ms: percentile_ms(&mut b, 0.99),
        ratio: if base50 > 0.0 { p50 / base50 } else { f64::NAN },
    })
}

#[allow(clippy::print_stderr)] // progress while the workspace is built
pub fn run(args: Args) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = args
        .workspace
        .clone()
        .unwrap_or_else(|| temp.path().join("bench"));
    let passphrase = Passphrase::new(PASSPHRASE.to_owned());
    if !Session::exists(&dir) {
        let start = Instant::now();
        Session::create(
            &dir,
            &passphrase,
            &CreateOptions {
                company: "Bench Company".into(),
                admin_email: "admin@northwind.example".into(),
                admin_name: None,
                demo_members: Some(args.members as usize),
                remember: false,
            },
        )
        .context("creating the bench workspace")?;
        eprintln!(
            "built a workspace of {} members in {:.1} s",
            args.members,
            start.elapsed().as_secs_f64()
        );
    }
    let session = Session::open(&dir, Unlock::Passphrase(&passphrase))?;
    let n = u32::try_from(
        session.status()?.members.active
            + session.status()?.members.pending
            + session.status()?.members.deactivated,
    )?;
    let mut metrics = Vec::new();

    // unlock+open: Argon2id, SQLCipher key, schema check, first page; the baseline opens the
    // same file with the raw key already in memory (so the ratio is the price of the KDF).
    let opens: Vec<()> = vec![(); args.unlock_samples];
    metrics.push(measure(
        "unlock_open",
        n,
        &opens,
        |()| {
            let s = Session::open(&dir, Unlock::Passphrase(&passphrase))?;
            s.members(&MemberQuery {
                limit: 50,
                ..MemberQuery::default()
            })?;
            Ok(())
        },
        |()| {
            let conn = session.workspace().read_connection()?;
            let mut stmt = conn.prepare(
                "SELECT id, email, name, status FROM members ORDER BY name_key, seq LIMIT 50",
            )?;
            let _ = stmt.query_map([], |r| r.get::<_, String>(0))?.count();
            Ok(())
        },
    )?);

    let prefixes = search_prefixes(&session, args.samples)?;
    let conn = session.workspace().conn();
    let raw_search = |prefix: &String| -> Result<()> {
        let mut stmt = conn.prepare_cached(
            "SELECT m.id, m.email, m.name, m.kind, m.status, m.company_admin, m.administrator, m.phone,
                    m.security_contact, m.created_at FROM members_fts f JOIN members m ON m.seq = f.rowid
             WHERE members_fts MATCH ?1 ORDER BY m.name_key, m.seq LIMIT 50",
        )?;
        let rows = stmt.query_map([format!("\"{prefix}\"*")], |r| r.get::<_, String>(0))?;
        let _ = rows.count();
        Ok(())
    };
    // Search as you type: the first page, with each member's permissions.
    metrics.push(measure(
        "search_prefix",
        n,
        &prefixes,
        |prefix| {
            session.members(&MemberQuery {
                search: Some(prefix.clone()),
                limit: 50,
                ..MemberQuery::default()
            })?;
            Ok(())
        },
        raw_search,
    )?);
    // The same with the number of matches, as `roster members list --search` shows it; the
    // baseline counts the matches with a second raw query.
    metrics.push(measure(
        "search_prefix_counted",
        n,
        &prefixes,
        |prefix| {
            let query = MemberQuery {
                search: Some(prefix.clone()),
                limit: 50,
                with_total: true,
                ..MemberQuery::default()
            };
            session.members(&query)?;
            Ok(())
        },
        |prefix| {
            raw_search(prefix)?;
            conn.prepare_cached("SELECT count(*) FROM members_fts WHERE members_fts MATCH ?1")?
                .query_row([format!("\"{prefix}\"*")], |r| r.get::<_, i64>(0))?;
            Ok(())
        },
    )?);

    let infras = session.infrastructures()?;
    // A page of one infrastructure's active members with their total, as the team list
    // shows it; the baseline is the same page and count in raw SQL.
    let pages: Vec<(String, u32)> = (0..args.samples)
        .map(|i| {
            (
                infras[i % infras.len()].infra.id.to_string(),
                (i as u32 % 20) * 50,
            )
        })
        .collect();
    metrics.push(measure(
        "list_page_by_infra",
        n,
        &pages,
        |(infra, offset)| {
            session.members(&MemberQuery {
                infra: Some(infra.parse()?),
                status: Some(MemberStatus::Active),
                limit: 50,
                offset: *offset,
                with_total: true,
                ..MemberQuery::default()
            })?;
            Ok(())
        },
        |(infra, offset)| {
            let mut stmt = conn.prepare_cached(
                "SELECT m.id, m.email, m.name, m.kind, m.status, m.company_admin, m.administrator, m.phone,
                        m.security_contact, m.created_at FROM permissions p JOIN members m ON m.id = p.member
                 WHERE p.infra = ?1 AND p.member_status = 'active'
                 ORDER BY p.member_name_key, p.member LIMIT 50 OFFSET ?2",
            )?;
            let rows = stmt.query_map(rusqlite::params![infra, offset], |r| r.get::<_, String>(0))?;
            let _ = rows.count();
            conn.prepare_cached("SELECT count(*) FROM permissions p WHERE p.infra = ?1 AND p.member_status = 'active'")?
                .query_row([infra], |r| r.get::<_, i64>(0))?;
            Ok(())
        },
    )?);

    print(&metrics, args.json)
}

/// Realistic prefixes: the first 1–4 letters of names and e-mails in the workspace.
fn search_prefixes(session: &Session, count: usize) -> Result<Vec<String>> {
    let page = session.members(&MemberQuery {
        limit: 1000,
        offset: 0,
        ..MemberQuery::default()
    })?;
    let mut prefixes = Vec::new();
    for (i, listing) in page.members.iter().enumerate().take(count) {
        let words: Vec<&str> = listing.member.name.as_str().split_whitespace().collect();
        let word = words[i % words.len()];
        let len = 1 + i % 4;
        prefixes.push(word.chars().take(len).collect::<String>().to_lowercase());
    }
    Ok(prefixes)
}

#[allow(clippy::print_stdout)]
fn print(metrics: &[Metric], json: bool) -> Result<()> {
    if json {
        for metric in metrics {
            println!("{}", serde_json::to_string(metric)?);
        }
        return Ok(());
    }
    println!(
        "{:<20} {:>8} {:>9} {:>9} {:>12} {:>12} {:>7}",
        "metric", "n", "p50 ms", "p99 ms", "base p50 ms", "base p99 ms", "ratio"
    );
    for m in metrics {
        println!(
            "{:<20} {:>8} {:>9.3} {:>9.3} {:>12.3} {:>12.3} {:>6.2}x",
            m.metric, m.n, m.p50_ms, m.p99_ms, m.baseline_p50_ms, m.baseline_p99_ms, m.ratio
        );
    }
    Ok(())
}
