//! Where the passphrase comes from: `ROSTER_PASSPHRASE`, else the OS keychain if the
//! workspace was remembered, else a prompt that does not echo.

use std::io::IsTerminal;
use std::path::Path;

use roster_client::{ErrorClass, Passphrase, Session, Unlock};

const PASSPHRASE_VAR: &str = "ROSTER_PASSPHRASE";
const NEW_PASSPHRASE_VAR: &str = "ROSTER_NEW_PASSPHRASE";

/// Why no passphrase could be had.
#[derive(Debug)]
pub struct NoPassphrase(pub String);

fn from_env(var: &str) -> Option<Passphrase> {
    std::env::var(var)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Passphrase::new)
}

fn prompt(label: &str) -> Result<Passphrase, NoPassphrase> {
    if !std::io::stdin().is_terminal() {
        return Err(NoPassphrase(format!(
            "no passphrase: set {PASSPHRASE_VAR}, remember the workspace in the keychain, or run in a terminal"
        )));
    }
    rpassword::prompt_password(label)
        .map(Passphrase::new)
        .map_err(|err| NoPassphrase(format!("could not read the passphrase: {err}")))
}

/// Opens the workspace with the first source of the key that is available.
pub fn open(dir: &Path) -> Result<Session, crate::Failure> {
    if let Some(passphrase) = from_env(PASSPHRASE_VAR) {
        return Ok(Session::open(dir, Unlock::Passphrase(&passphrase))?);
    }
    if Session::is_remembered(dir)? {
        match Session::open(dir, Unlock::Keychain) {
            Ok(session) => return Ok(session),
            // Forgotten elsewhere, or no keychain right now: fall back to asking.
            Err(err)
                if err.class() == ErrorClass::Locked || err.code() == "keychain_unavailable" => {}
            Err(other) => return Err(other.into()),
        }
    }
    let passphrase = prompt("Workspace passphrase: ")?;
    Ok(Session::open(dir, Unlock::Passphrase(&passphrase))?)
}

/// A new passphrase: from `var`, or asked twice.
pub fn new_passphrase(var_is_new: bool) -> Result<Passphrase, crate::Failure> {
    let var = if var_is_new {
        NEW_PASSPHRASE_VAR
    } else {
        PASSPHRASE_VAR
    };
    if let Some(passphrase) = from_env(var) {
        return Ok(passphrase);
    }
    let first = prompt("New passphrase (12+ characters, upper, lower, digit, special): ")?;
    let second = prompt("Repeat the new passphrase: ")?;
    if first.expose() != second.expose() {
        return Err(crate::Failure::usage(
            "the two passphrases differ; nothing was changed",
        ));
    }
    Ok(first)
}
