//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Roster: your company's team access, offline, encrypted, from a terminal.",
    after_help = "The passphrase comes from ROSTER_PASSPHRASE, else the OS keychain if the workspace was \
                  remembered, else a prompt.\nExit codes: 0 done, 1 refused by a rule, 2 bad usage or input, \
                  3 locked, wrong passphrase or signed out, 4 other error, 5 company server unreachable."
)]
pub struct Cli {
    /// The workspace folder [default: the platform's data directory]
    #[arg(long, global = true, env = "ROSTER_WORKSPACE", value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Print one JSON document instead of text
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a workspace with its first Company Admin, or the demo company
    Init(InitArgs),
    /// Sign in to the company server and download what your account may see into a new workspace
    Login(LoginArgs),
    /// Push the changes made here, then pull everyone else's
    Sync,
    /// Changes that did not land, with the reason; retry or discard each
    Conflicts {
        #[command(subcommand)]
        action: Option<ConflictAction>,
    },
    /// Change the workspace passphrase (the database is not rewritten)
    Passphrase {
        #[command(subcommand)]
        action: PassphraseAction,
    },
    /// Keep or forget the workspace key in the OS keychain
    Keychain {
        #[command(subcommand)]
        action: KeychainAction,
    },
    /// The workspace at a glance
    Status,
    /// Check the database file and the audit chain
    Check,
    /// Subscriptions the company holds
    Subscriptions {
        #[command(subcommand)]
        action: SubscriptionAction,
    },
    /// Infrastructures
    Infras {
        #[command(subcommand)]
        action: InfraAction,
    },
    /// Environments of an infrastructure and their licence slots
    Environments {
        #[command(subcommand)]
        action: EnvironmentAction,
    },
    /// Members, their permissions and status
    Members {
        #[command(subcommand)]
        action: MemberAction,
    },
    /// Apps the company builds
    Apps {
        #[command(subcommand)]
        action: AppAction,
    },
    /// End-user roles of apps
    Roles {
        #[command(subcommand)]
        action: RoleAction,
    },
    /// Read or verify the audit trail
    Audit(AuditArgs),
    /// Export data
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The company's name [default: "Northwind Systems" with --demo]
    #[arg(long)]
    pub company: Option<String>,
    /// The first Company Admin's e-mail; you act as this member [default with --demo: admin@northwind.example]
    #[arg(long, value_name = "EMAIL")]
    pub admin: Option<String>,
    /// The first Company Admin's name
    #[arg(long)]
    pub name: Option<String>,
    /// Fill the workspace with a realistic demo company
    #[arg(long)]
    pub demo: bool,
    /// Scale the demo company to N members (implies --demo)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=2_000_000))]
    pub members: Option<u32>,
    /// Keep the key in the OS keychain so the workspace unlocks without the passphrase
    #[arg(long)]
    pub remember: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The company server, e.g. https://roster.example.com
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// Your account's e-mail; the password comes from ROSTER_PASSWORD or a prompt
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Keep the workspace key in the OS keychain so it unlocks without the passphrase
    #[arg(long)]
    pub remember: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConflictAction {
    /// List them (the default)
    List,
    /// Make the change again against the state as it is now, queued for the next sync
    Retry { id: i64 },
    /// Drop the change for good (the audit trail keeps that you did)
    Discard { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum PassphraseAction {
    /// Asks for the new passphrase twice (or reads ROSTER_NEW_PASSPHRASE)
    Change,
}

#[derive(Debug, Subcommand)]
pub enum KeychainAction {
    Remember,
    Forget,
}

#[derive(Debug, Subcommand)]
pub enum SubscriptionAction {
    Add {
        name: String,
        #[arg(long)]
        edition: Edition,
    },
    List,
}

#[derive(Debug, Subcommand)]
pub enum InfraAction {
    Add {
        name: String,
        #[arg(long, value_name = "NAME")]
        subscription: String,
        #[arg(long)]
        hosting: Hosting,
    },
    List,
}

#[derive(Debug, Subcommand)]
pub enum EnvironmentAction {
    Add {
        infra: String,
        name: String,
        /// The licence's expiry date, YYYY-MM-DD
        #[arg(long, value_name = "DATE")]
        licence_expires: Option<String>,
    },
    /// Register the environment's licence slot
    Register { infra: String, name: String },
    /// Release the environment's licence slot
    Release { infra: String, name: String },
}

#[derive(Debug, Subcommand)]
pub enum MemberAction {
    /// List members by name, filtered and paged
    List(ListArgs),
    /// One member and everything they hold
    Show {
        email: String,
    },
    /// Add a pending member and send the invitation
    Invite(InviteArgs),
    /// Send a new invitation link; the old one stops working
    Resend {
        email: String,
    },
    /// Revoke a pending invitation
    RevokeInvitation {
        email: String,
    },
    /// Grant (or change) a permission on an infrastructure
    Grant {
        email: String,
        #[arg(long, value_name = "NAME")]
        infra: String,
        #[arg(long)]
        level: Level,
    },
    /// Revoke a permission on an infrastructure
    Revoke {
        email: String,
        #[arg(long, value_name = "NAME")]
        infra: String,
    },
    /// Grant or revoke Company Admin
    CompanyAdmin {
        email: String,
        state: OnOff,
    },
    /// Turn the Administrator organization permission on or off (IT users)
    Administrator {
        email: String,
        state: OnOff,
    },
    /// Make a member a security contact with a phone number, or clear it
    SecurityContact {
        email: String,
        #[arg(
            long,
            value_name = "NUMBER",
            required_unless_present = "clear",
            conflicts_with = "clear"
        )]
        phone: Option<String>,
        #[arg(long)]
        clear: bool,
    },
    /// Edit a member's profile
    Edit {
        email: String,
        #[arg(long)]
        name: String,
    },
    Deactivate {
        email: String,
    },
    Reactivate {
        email: String,
    },
    /// Delete a member; only the audit trail keeps them
    Delete {
        email: String,
    },
    /// Invite every member of a CSV file (columns: email, name, kind, permissions as INFRA:LEVEL;...)
    Import {
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub status: Option<Status>,
    /// Only members with a permission on this infrastructure
    #[arg(long, value_name = "NAME")]
    pub infra: Option<String>,
    /// Only members with this level (on --infra, or anywhere)
    #[arg(long)]
    pub level: Option<Level>,
    /// Words to find in names and e-mails (prefixes; case and accents ignored)
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub limit: u32,
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    pub email: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, default_value = "it_user")]
    pub kind: Kind,
    #[arg(long)]
    pub company_admin: bool,
    /// A permission that comes with the invitation, NAME:infra_admin or NAME:member
    #[arg(long = "infra", value_name = "NAME:LEVEL")]
    pub grants: Vec<String>,
    /// A Development permission on this infrastructure (cloud or hybrid, not sentry)
    #[arg(long = "dev", value_name = "INFRA")]
    pub dev: Vec<String>,
    /// An end-user role, APP/ROLE
    #[arg(long = "role", value_name = "APP/ROLE")]
    pub roles: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum AppAction {
    Add { name: String },
    List,
}

#[derive(Debug, Subcommand)]
pub enum RoleAction {
    Add { app: String, role: String },
    Assign { email: String, role: String },
    Revoke { email: String, role: String },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only entries about this member
    #[arg(long, value_name = "EMAIL")]
    pub member: Option<String>,
    /// Walk the whole hash chain and report whether it holds
    #[arg(long)]
    pub verify: bool,
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    Members {
        #[arg(long)]
        format: Format,
        /// Write to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

macro_rules! value_enum {
    ($name:ident => $target:path { $($variant:ident = $alias:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, ValueEnum)]
        pub enum $name { $(#[value(name = $alias)] $variant),+ }

        impl From<$name> for $target {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => Self::$variant),+ }
            }
        }
    };
}

value_enum!(Edition => roster_core::Edition { Standard = "standard", Enterprise = "enterprise", Sentry = "sentry" });
value_enum!(Hosting => roster_core::Hosting { Cloud = "cloud", Hybrid = "hybrid", SelfManaged = "self_managed" });
value_enum!(Level => roster_core::Level { InfraAdmin = "infra_admin", Member = "member" });
value_enum!(Kind => roster_core::MemberKind { ItUser = "it_user", EndUser = "end_user" });
value_enum!(Status => roster_core::MemberStatus { Pending = "pending", Active = "active", Deactivated = "deactivated" });

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

impl OnOff {
    pub fn is_on(self) -> bool {
        matches!(self, Self::On)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}
