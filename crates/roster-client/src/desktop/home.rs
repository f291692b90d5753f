//! The folder that holds the app's workspaces, one sub-folder each, and the app's
//! settings file. Nothing here is secret: folder names are chosen from the company name or
//! the server's host, and the settings hold only the idle-lock time.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ClientError, bad_input};
use crate::session::Session;

/// The demo company's folder and passphrase. The demo is sample data; its passphrase is
/// public (the README prints it), unlike any real workspace's.
pub const DEMO_WORKSPACE: &str = "demo";
pub const DEMO_PASSPHRASE: &str = "Demo-Passphrase-2026!";

const SETTINGS_FILE: &str = "settings.json";
/// The longest idle lock the settings accept: a day.
const MAX_IDLE_MINUTES: u32 = 24 * 60;

/// One workspace the app can unlock.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceEntry {
    /// Its folder name, which is how the window names it.
    pub name: String,
    /// The key is kept in this device's keychain: it unlocks without a passphrase.
    pub remembered: bool,
    pub demo: bool,
}

/// The app's settings on this device.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Lock the workspace after this many minutes without use; 0 never locks.
    pub idle_lock_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            idle_lock_minutes: 15,
        }
    }
}

pub(crate) fn workspaces(home: &Path) -> Result<Vec<WorkspaceEntry>, ClientError> {
    let entries = match std::fs::read_dir(home) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(io(home, &err)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| io(home, &err))?;
        let dir = entry.path();
        let Some(name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !Session::exists(&dir) {
            continue;
        }
        // A keychain that cannot be asked just means "type the passphrase".
        let remembered = Session::is_remembered(&dir).unwrap_or(false);
        found.push(WorkspaceEntry {
            demo: name == DEMO_WORKSPACE,
            name,
            remembered,
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// The folder of workspace `name`, refusing anything that is not a plain folder name
/// holding a workspace.
pub(crate) fn workspace_dir(home: &Path, name: &str) -> Result<PathBuf, ClientError> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    let dir = home.join(name);
    if !plain || !Session::exists(&dir) {
        return Err(bad_input(format!(
            "There is no workspace named “{name}” on this device; pick one from the list."
        )));
    }
    Ok(dir)
}

/// A free folder name made from `label`: lower case, dashes, a number if taken.
pub(crate) fn new_workspace_name(home: &Path, label: &str) -> Result<String, ClientError> {
    let mut slug = String::new();
    for c in label.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(40).collect();
    if slug.is_empty() {
        return Err(bad_input(
            "Give the workspace a name with at least one letter or digit.",
        ));
    }
    let slug = if slug == DEMO_WORKSPACE {
        format!("{slug}-company")
    } else {
        slug
    };
    let free = (1..1000)
        .map(|n| {
            if n == 1 {
                slug.clone()
            } else {
                format!("{slug}-{n}")
            }
        })
        .find(|candidate| !home.join(candidate).exists());
    free.ok_or_else(|| bad_input("Too many workspaces share this name; remove some first."))
}

/// The label a server workspace is named after: the server's host and the account.
pub(crate) fn server_label(server: &str, email: &str) -> String {
    let host = url::Url::parse(server.trim())
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "server".to_owned());
    let user = email.split('@').next().unwrap_or_default();
    format!("{host} {user}")
}

/// The settings, or the defaults when the file is missing or unreadable: a bad settings
/// file must never keep an admin out of their workspace.
pub fn settings(home: &Path) -> Settings {
    std::fs::read(home.join(SETTINGS_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

pub(crate) fn save_settings(home: &Path, settings: &Settings) -> Result<Settings, ClientError> {
    if settings.idle_lock_minutes > MAX_IDLE_MINUTES {
        return Err(bad_input(format!(
            "The idle lock can be at most {MAX_IDLE_MINUTES} minutes (a day); 0 turns it off."
        )));
    }
    std::fs::create_dir_all(home).map_err(|err| io(home, &err))?;
    let path = home.join(SETTINGS_FILE);
    let temp = home.join(format!("{SETTINGS_FILE}.tmp"));
    let json = serde_json::to_vec_pretty(settings)
        .map_err(|err| bad_input(format!("the settings: {err}")))?;
    std::fs::write(&temp, json)
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|err| io(&path, &err))?;
    Ok(settings.clone())
}

fn io(path: &Path, err: &std::io::Error) -> ClientError {
    bad_input(format!("Cannot use {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_names_are_plain_and_free() {
        let home = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            new_workspace_name(home.path(), "  Acme Corp. (EU) ").expect("name"),
            "acme-corp-eu"
        );
        std::fs::create_dir(home.path().join("acme")).expect("mkdir");
        assert_eq!(
            new_workspace_name(home.path(), "Acme").expect("name"),
            "acme-2",
            "a taken folder is never reused"
        );
        assert_eq!(
            new_workspace_name(home.path(), "Demo").expect("name"),
            "demo-company",
            "only the demo company lives in the demo folder"
        );
        assert!(new_workspace_name(home.path(), "!!!").is_err());
    }

    #[test]
    fn a_workspace_name_cannot_leave_the_home_folder() {
        let home = tempfile::tempdir().expect("temp dir");
        for name in ["..", "../etc", "/tmp", "a/b", ".hidden", ""] {
            assert!(
                workspace_dir(home.path(), name).is_err(),
                "{name:?} must not name a folder outside the workspaces"
            );
        }
    }

    #[test]
    fn a_damaged_settings_file_falls_back_to_the_defaults() {
        let home = tempfile::tempdir().expect("temp dir");
        std::fs::write(home.path().join(SETTINGS_FILE), b"{not json").expect("write");
        assert_eq!(settings(home.path()), Settings::default());
        let saved = save_settings(
            home.path(),
            &Settings {
                idle_lock_minutes: 5,
            },
        )
        .expect("save");
        assert_eq!(settings(home.path()), saved);
        assert!(
            save_settings(
                home.path(),
                &Settings {
                    idle_lock_minutes: 100_000
                }
            )
            .is_err(),
            "an idle lock longer than a day is refused"
        );
    }
}
