//! `roster-bench`: measures Roster where people wait.
//!
//! - `roster-bench [--members N] …`: the encrypted workspace (unlock, search, list pages)
//!   against raw SQL on the same file.
//! - `roster-bench server [--members N] [--clients C] [--seconds S]`: a company server
//!   seeded with N members under C concurrent HTTP clients mixing reads and writes.
//! - `roster-bench sync [--members N]`: first sync, a change's round trip and push
//!   throughput between a server and a device over loopback.

mod server;
mod stats;
mod sync;
mod workspace;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Measures Roster against baselines")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    workspace: workspace::Args,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Load a company server with concurrent clients
    Server(server::Args),
    /// First sync, one change's round trip, and push throughput over loopback
    Sync(sync::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // reqwest is built without a TLS provider of its own (see roster-client): use ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.mode {
        Some(Mode::Server(args)) => server::run(args),
        Some(Mode::Sync(args)) => sync::run(args),
        None => workspace::run(cli.workspace),
    }
}
