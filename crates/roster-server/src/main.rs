//! `roster-server`: create a company's server database, then serve it.
//!
//! ```text
//! roster-server init  --data DIR --company NAME --admin EMAIL   (password: ROSTER_ADMIN_PASSWORD or a prompt)
//! roster-server serve --data DIR --listen ADDR [--public-url URL] [--smtp URL] [--mail-from ADDR] [--tls-cert FILE --tls-key FILE]
//! roster-server release add  --data DIR --file BUNDLE --signature SIG --version V [--notes TEXT] [--target T] [--pubkey KEY.pub]
//! roster-server release list --data DIR
//! ```

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use roster_core::{Company, Email, Member, MemberId, Name, Snapshot, password};
use roster_server::app::{Config, now};
use roster_server::mailer::Mailer;
use roster_server::releases::{self, Bundle, Publish};
use roster_server::storage::sqlite::SqliteStorage;
use roster_server::storage::{Db, Storage};
use roster_server::{secrets, server};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(name = "roster-server", version, about = "Roster's company server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the server's database with the company and its first Company Admin
    Init {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        #[arg(long)]
        company: String,
        #[arg(long, value_name = "EMAIL")]
        admin: String,
        /// The first Company Admin's name
        #[arg(long)]
        name: Option<String>,
    },
    /// Serve the API, the invitation pages and the mail outbox
    Serve(ServeArgs),
    /// Publish and list releases of the desktop app, which apps bound to this server update to
    #[command(subcommand)]
    Release(ReleaseCommand),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Where people reach this server; invitation links start with it
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// SMTP relay for invitation mail, e.g. smtp://mail.example.com:587?tls=required
    #[arg(long, value_name = "URL")]
    smtp: Option<String>,
    #[arg(
        long,
        value_name = "ADDRESS",
        default_value = "Roster <roster@localhost>"
    )]
    mail_from: String,
    /// Days a session lasts
    #[arg(long, default_value_t = 14)]
    session_days: i64,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ReleaseCommand {
    /// Publish a signed bundle; apps of its platform that run an older version are offered it
    Add {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The bundle `cargo tauri build` made, e.g. Roster_0.2.0_amd64.deb
        #[arg(long, value_name = "BUNDLE")]
        file: PathBuf,
        /// Its signature file from `cargo tauri signer sign` (BUNDLE.sig)
        #[arg(long, value_name = "SIG")]
        signature: PathBuf,
        /// The version inside the bundle, e.g. 0.2.0
        #[arg(long, value_name = "V")]
        version: String,
        /// What changed, shown to the admin before they install
        #[arg(long, value_name = "TEXT")]
        notes: Option<String>,
        /// OS-ARCH-BUNDLE when the file name does not tell, e.g. darwin-aarch64-app
        #[arg(long, value_name = "T")]
        target: Option<String>,
        /// The updater's public key file; the signature must verify with it before publishing
        #[arg(long, value_name = "KEY.pub")]
        pubkey: Option<PathBuf>,
    },
    /// List what is published
    List {
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
}

fn read_text(path: &std::path::Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading the {what} {}", path.display()))
}

fn release(command: ReleaseCommand) -> Result<()> {
    match command {
        ReleaseCommand::Add {
            data,
            file,
            signature,
            version,
            notes,
            target,
            pubkey,
        } => {
            let signature = read_text(&signature, "signature")?;
            let pubkey = pubkey.map(|p| read_text(&p, "public key")).transpose()?;
            let (checked, bytes) = Bundle::check(&Publish {
                file: &file,
                signature: &signature,
                version: &version,
                notes: notes.as_deref(),
                target: target.as_deref(),
                pubkey: pubkey.as_deref(),
            })?;
            let storage = open_initialised(&data)?;
            let published =
                releases::publish(&storage, &data.join("releases"), &checked, &bytes, now())?;
            #[allow(clippy::print_stdout)]
            {
                println!(
                    "published {} {} for {} ({} bytes{})",
                    published.bundle.file_name,
                    published.bundle.version,
                    published.bundle.platform,
                    published.bundle.size,
                    if pubkey.is_some() {
                        ", signature verified"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        ReleaseCommand::List { data } => {
            let storage = open_initialised(&data)?;
            #[allow(clippy::print_stdout)]
            for r in storage.releases()? {
                let b = r.bundle;
                println!(
                    "{}\t{}\t{}\t{} bytes\t{}",
                    b.version,
                    b.platform,
                    b.file_name,
                    b.size,
                    b.notes.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}

/// The server's storage in `data`, which `init` must have made.
fn open_initialised(data: &std::path::Path) -> Result<SqliteStorage> {
    let storage =
        SqliteStorage::open(data).with_context(|| format!("opening {}", data.display()))?;
    if storage.company()?.is_none() {
        bail!(
            "{} holds no company yet; run `roster-server init --data {}` first",
            data.display(),
            data.display()
        );
    }
    Ok(storage)
}

fn admin_password() -> Result<zeroize::Zeroizing<String>> {
    if let Ok(password) = std::env::var("ROSTER_ADMIN_PASSWORD") {
        return Ok(zeroize::Zeroizing::new(password));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password: set ROSTER_ADMIN_PASSWORD or run in a terminal");
    }
    let first = zeroize::Zeroizing::new(rpassword::prompt_password(
        "First Company Admin's password: ",
    )?);
    let second = zeroize::Zeroizing::new(rpassword::prompt_password("Repeat it: ")?);
    if *first != *second {
        bail!("the two passwords differ; nothing was created");
    }
    Ok(first)
}

fn init(data: PathBuf, company: String, admin: String, name: Option<String>) -> Result<()> {
    let company = Company {
        name: Name::parse_as(&company, "company name").map_err(|r| anyhow::anyhow!(r))?,
    };
    let email = Email::parse(&admin).map_err(|r| anyhow::anyhow!(r))?;
    let name = Name::parse_as(name.as_deref().unwrap_or(email.local_part()), "admin name")
        .map_err(|r| anyhow::anyhow!(r))?;
    let password = admin_password()?;
    password::check(&password, &[email.as_str(), name.as_str()]).map_err(|r| anyhow::anyhow!(r))?;
    let hash = secrets::hash_password(&password)
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    let at = now();
    let id = MemberId::from_uuid(Uuid::now_v7());
    let mut snapshot = Snapshot::new(company);
    snapshot
        .members
        .push(Member::first_company_admin(id, email.clone(), name, at));
    let storage =
        SqliteStorage::open(&data).with_context(|| format!("opening {}", data.display()))?;
    storage.initialise(&snapshot, id, &hash, at)?;
    #[allow(clippy::print_stdout)]
    {
        println!(
            "initialised {} in {} with Company Admin {email}",
            snapshot.company.name,
            data.display()
        );
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> Result<()> {
    let storage = open_initialised(&args.data)?;
    let mailer = args
        .smtp
        .as_deref()
        .map(|url| Mailer::new(url, &args.mail_from))
        .transpose()?;
    // A bad certificate stops the server before it listens, with the file to fix.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            server::load_tls(cert, key)
                .await
                .map_err(anyhow::Error::msg)?,
        ),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let public_url = args
        .public_url
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    #[allow(clippy::print_stdout)]
    {
        // Tests and scripts read the address from this first line.
        println!("listening on {scheme}://{addr}");
    }
    let config = Config {
        public_url,
        session_days: args.session_days,
        releases_dir: args.data.join("releases"),
    };
    server::serve(listener, Db::new(storage), config, mailer, tls).await?;
    Ok(())
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "roster_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // lettre's TLS and the HTTPS listener need a process-wide rustls provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().command {
        Command::Init {
            data,
            company,
            admin,
            name,
        } => init(data, company, admin, name),
        Command::Serve(args) => tokio::runtime::Runtime::new()?.block_on(serve(args)),
        Command::Release(command) => release(command),
    }
}
