//! Killing `roster` with SIGKILL at random moments during a loop of writes loses nothing it
//! reported done, and never leaves a damaged file or a broken audit chain.
//!
//! `ROSTER_CRASH_RUNS` sets the number of kills (default 200); `ROSTER_CRASH_SEED` replays a
//! failing run (the seed is printed).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use rand::{Rng, SeedableRng};

use crate::fixture::Workspace;

const ROWS_PER_RUN: usize = 120;

#[test]
#[allow(clippy::print_stderr)] // the seed, to replay a failure
fn sigkill_during_writes_loses_nothing_reported_done() {
    let runs: usize = std::env::var("ROSTER_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("ROSTER_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    eprintln!("crash loop: {runs} runs, ROSTER_CRASH_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let ws = Workspace::acme();
    let csv_dir = tempfile::tempdir().expect("temp dir");
    let mut reported = BTreeSet::new();
    let mut killed_mid_run = 0;
    for run in 0..runs {
        let csv = csv_dir.path().join(format!("run{run}.csv"));
        let mut body = String::from("email,name,permissions\n");
        for row in 0..ROWS_PER_RUN {
            body.push_str(&format!(
                "r{run}x{row}@acme.example,Run {run} Row {row},Web:member\n"
            ));
        }
        std::fs::write(&csv, body).expect("write csv");

        let mut child = ws
            .command()
            .args([
                "members",
                "import",
                "--csv",
                csv.to_str().expect("utf-8 path"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("roster starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        std::thread::sleep(Duration::from_millis(rng.random_range(0..320)));
        let finished = child.try_wait().expect("wait").is_some();
        child.kill().ok();
        child.wait().expect("reaped");
        if !finished {
            killed_mid_run += 1;
        }
        for line in reader.join().expect("reader") {
            // "done: line N EMAIL" is printed only after the row's transaction committed.
            if let Some(rest) = line.strip_prefix("done: line ") {
                let email = rest
                    .split_whitespace()
                    .nth(1)
                    .expect("an e-mail after the line number");
                reported.insert(email.to_owned());
            }
        }
    }
    assert!(
        killed_mid_run * 2 >= runs,
        "most runs must be killed before they finish ({killed_mid_run}/{runs})"
    );

    let check = ws.ok(&["check"]);
    assert!(
        check.contains("integrity check ok") && check.contains("audit trail intact"),
        "{check}"
    );
    let present: BTreeSet<String> = ws
        .members()
        .iter()
        .map(|m| m["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    let lost: Vec<&String> = reported.difference(&present).collect();
    assert!(
        lost.is_empty(),
        "changes reported done were lost after SIGKILL: {lost:?} (seed {seed})"
    );

    // The change, its audit entry and its outbox entry commit together or not at all.
    let audit: serde_json::Value =
        serde_json::from_str(&ws.ok(&["audit", "--limit", "1000000", "--json"])).expect("json");
    let invited: BTreeSet<String> = audit
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["action"] == "invite_member")
        .filter_map(|e| {
            e["summary"]
                .as_str()?
                .strip_prefix("invited ")?
                .split_whitespace()
                .next()
                .map(str::to_owned)
        })
        .collect();
    let members_invited: BTreeSet<String> = present
        .iter()
        .filter(|e| e.starts_with('r'))
        .cloned()
        .collect();
    assert_eq!(
        invited, members_invited,
        "every member has exactly its audit entry, and no entry lacks its member"
    );
    let ops = audit
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| !e["op_id"].is_null())
        .count();
    let status: serde_json::Value =
        serde_json::from_str(&ws.ok(&["status", "--json"])).expect("json");
    assert_eq!(
        status["pending_changes"], ops,
        "every audited change is queued for the server exactly once"
    );
}
