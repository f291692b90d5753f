//! `roster login`, `roster sync` and `roster conflicts`: each parses, calls one
//! roster-client service on a small async runtime, and reports.

use std::io::IsTerminal;
use std::path::Path;

use roster_client::{LoginOptions, RetryPolicy, Session};
use serde_json::json;

use crate::args::{ConflictAction, LoginArgs};
use crate::report::{self, Report};
use crate::{Failure, Outcome, unlock};

const PASSWORD_VAR: &str = "ROSTER_PASSWORD";

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::Other(err.into()))
}

/// The account password: `ROSTER_PASSWORD`, else a prompt that does not echo.
fn password() -> Result<zeroize::Zeroizing<String>, Failure> {
    if let Ok(password) = std::env::var(PASSWORD_VAR)
        && !password.is_empty()
    {
        return Ok(zeroize::Zeroizing::new(password));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(format!(
            "no password: set {PASSWORD_VAR} or run in a terminal"
        )));
    }
    rpassword::prompt_password("Password for the company server: ")
        .map(zeroize::Zeroizing::new)
        .map_err(|err| Failure::usage(format!("could not read the password: {err}")))
}

pub fn login(dir: &Path, args: LoginArgs) -> Outcome {
    if Session::exists(dir) {
        return Err(Failure::usage(format!(
            "a workspace already exists at {}; choose another --workspace or remove it first",
            dir.display()
        )));
    }
    let password = password()?;
    let passphrase = unlock::new_passphrase(false)?;
    let options = LoginOptions {
        server: args.server,
        email: args.email,
        remember: args.remember,
    };
    let session = runtime()?.block_on(Session::login(dir, &passphrase, &options, &password))?;
    let status = session.status()?;
    let text = format!(
        "done: signed in to {} as {}; the workspace at {} holds {} with {} members, at change {}",
        options.server,
        status.acting_as,
        status.workspace,
        status.company,
        status.members.active + status.members.pending + status.members.deactivated,
        status.cursor
    );
    Ok(Report::new(
        text,
        json!({ "result": "applied", "status": status }),
    ))
}

pub fn sync(dir: &Path) -> Outcome {
    let mut session = unlock::open(dir)?;
    let remote = session.remote(RetryPolicy::default())?;
    let done = runtime()?.block_on(session.sync(&remote))?;
    Ok(report::sync(&done))
}

pub fn conflicts(dir: &Path, action: Option<ConflictAction>) -> Outcome {
    let mut session = unlock::open(dir)?;
    match action.unwrap_or(ConflictAction::List) {
        ConflictAction::List => Ok(report::conflicts(&session.conflicts()?)),
        ConflictAction::Retry { id } => {
            let outcome = session.retry_conflict(id)?;
            let mut done = report::outcome(&outcome);
            done.text
                .push_str("\nqueued again: `roster sync` sends it to the server");
            Ok(done)
        }
        ConflictAction::Discard { id } => {
            let conflict = session.discard_conflict(id)?;
            Ok(Report::new(
                format!("discarded: {}", conflict.summary),
                json!({ "result": "discarded", "id": id, "summary": conflict.summary }),
            ))
        }
    }
}
