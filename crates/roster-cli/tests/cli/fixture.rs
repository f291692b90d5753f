//! A temporary workspace and a way to run `roster` against it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub const PASSPHRASE: &str = "Correct-Horse-7-Battery!";
pub const ADMIN: &str = "admin@acme.example";

/// A folder holding one workspace, deleted at the end of the test.
pub struct Workspace {
    _root: TempDir,
    pub dir: PathBuf,
}

impl Workspace {
    /// An empty folder; nothing is created yet.
    pub fn empty() -> Self {
        let root = tempfile::tempdir().expect("a temporary folder");
        let dir = root.path().join("ws");
        Self { _root: root, dir }
    }

    /// A workspace for Acme with its first Company Admin, one subscription and two
    /// infrastructures (cloud `Web`, sentry `Vault`).
    pub fn acme() -> Self {
        let ws = Self::empty();
        ws.ok(&[
            "init",
            "--company",
            "Acme",
            "--admin",
            ADMIN,
            "--name",
            "Ada Admin",
        ]);
        ws.ok(&[
            "subscriptions",
            "add",
            "Acme Enterprise",
            "--edition",
            "enterprise",
        ]);
        ws.ok(&["subscriptions", "add", "Acme Sentry", "--edition", "sentry"]);
        ws.ok(&[
            "infras",
            "add",
            "Web",
            "--subscription",
            "Acme Enterprise",
            "--hosting",
            "cloud",
        ]);
        ws.ok(&[
            "infras",
            "add",
            "Vault",
            "--subscription",
            "Acme Sentry",
            "--hosting",
            "cloud",
        ]);
        ws
    }

    /// The demo company.
    pub fn demo() -> Self {
        let ws = Self::empty();
        ws.ok(&["init", "--demo"]);
        ws
    }

    /// `roster` with this workspace and the passphrase in the environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_roster"));
        cmd.env("ROSTER_WORKSPACE", &self.dir)
            .env("ROSTER_PASSPHRASE", PASSPHRASE)
            .env_remove("ROSTER_NEW_PASSPHRASE")
            .stdin(std::process::Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("roster runs")
    }

    /// Runs and expects exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        succeeds(self.command().args(args))
    }

    /// Runs and expects exit `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "roster {args:?} should exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Every member as `roster export members --format json` gives them.
    pub fn members(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["export", "members", "--format", "json"]))
            .expect("export is JSON")
    }

    /// The whole observable state: every member with their permissions, and the audit head.
    pub fn observable_state(&self) -> (String, String) {
        (
            self.ok(&["export", "members", "--format", "json"]),
            self.ok(&["audit", "--limit", "1", "--json"]),
        )
    }
}

/// The bytes of every file in `dir`, by name.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("workspace folder")
        .map(|entry| {
            let entry = entry.expect("entry");
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).expect("readable"),
            )
        })
        .collect()
}

/// Runs `cmd` (a [`Workspace::command`] given its own environment) and expects exit 0;
/// returns stdout.
pub fn succeeds(cmd: &mut Command) -> String {
    let out = cmd.output().expect("roster runs");
    assert!(
        out.status.success(),
        "roster {:?} should succeed; exit {:?}\nstdout: {}\nstderr: {}",
        cmd.get_args().collect::<Vec<_>>(),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
