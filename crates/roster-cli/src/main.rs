//! `roster`: Roster's services from a terminal. Each command parses its arguments, calls one
//! roster-client service, and prints the result as text or, with `--json`, one JSON
//! document. No rule is decided here.

mod args;
mod report;
mod run;
mod sync;
mod unlock;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use roster_client::{ClientError, ErrorClass};

use crate::report::Report;

/// Why a command failed, and so which exit code it ends with.
#[derive(Debug)]
pub enum Failure {
    Client(ClientError),
    /// Bad usage the argument parser could not catch.
    Usage(String),
    NoPassphrase(unlock::NoPassphrase),
    Other(anyhow::Error),
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    fn exit_code(&self) -> u8 {
        match self {
            Self::Client(err) => match err.class() {
                ErrorClass::Refused => 1,
                ErrorClass::BadInput => 2,
                ErrorClass::Locked => 3,
                ErrorClass::Other => 4,
                ErrorClass::Offline => 5,
            },
            Self::Usage(_) => 2,
            Self::NoPassphrase(_) => 3,
            Self::Other(_) => 4,
        }
    }

    fn code(&self) -> &str {
        match self {
            Self::Client(err) => err.code(),
            Self::Usage(_) => "usage",
            Self::NoPassphrase(_) => "locked",
            Self::Other(_) => "io_error",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Client(ClientError::Refused(refusal)) => refusal.message.clone(),
            Self::Client(err) => err.to_string(),
            Self::Usage(message) => message.clone(),
            Self::NoPassphrase(err) => err.0.clone(),
            Self::Other(err) => format!("{err:#}"),
        }
    }

    /// `refused (code): …` for rules, `error (code): …` otherwise.
    fn line(&self) -> String {
        let word = match self {
            Self::Client(ClientError::Refused(_)) => "refused",
            Self::Client(ClientError::Locked(_)) | Self::NoPassphrase(_) => "locked",
            _ => "error",
        };
        format!("{word} ({}): {}", self.code(), self.message())
    }
}

impl From<ClientError> for Failure {
    fn from(err: ClientError) -> Self {
        Self::Client(err)
    }
}

impl From<unlock::NoPassphrase> for Failure {
    fn from(err: unlock::NoPassphrase) -> Self {
        Self::NoPassphrase(err)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Self::Other(err)
    }
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = cli.json;
    let result = run::run(cli);
    let mut stdout = std::io::stdout().lock();
    match result {
        Ok(report) => {
            let printed = if report.json.is_null() && report.text.is_empty() {
                Ok(())
            } else if json {
                writeln!(stdout, "{}", report.json)
            } else if report.text.is_empty() {
                Ok(())
            } else {
                writeln!(stdout, "{}", report.text.trim_end())
            };
            // A closed pipe (`roster members list | head`) is not an error worth a message.
            let _ = printed;
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if json {
                let doc = serde_json::json!({ "error": { "code": failure.code(), "message": failure.message() } });
                let _ = writeln!(stdout, "{doc}");
            } else {
                eprintln!("{}", failure.line());
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Prints progress lines as they happen (imports), so a reader sees each committed row.
#[allow(clippy::print_stdout)]
pub fn progress(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

pub(crate) type Outcome = Result<Report, Failure>;
