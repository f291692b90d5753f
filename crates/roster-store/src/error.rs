//! What can go wrong with a workspace on disk, each with what to do about it.

use std::path::{Path, PathBuf};

use roster_core::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The rules refused the change; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),

    #[error("wrong passphrase for this workspace")]
    WrongPassphrase,

    #[error("this workspace is not remembered on this device; unlock it with its passphrase")]
    NotRemembered,

    #[error(
        "no workspace at {path}; create one with `roster init` or point to it with --workspace or ROSTER_WORKSPACE"
    )]
    NoWorkspace { path: PathBuf },

    #[error("a workspace already exists at {path}; choose another folder or remove it first")]
    AlreadyExists { path: PathBuf },

    #[error(
        "another Roster is making a workspace at {path} right now; wait for it to finish, or choose another folder"
    )]
    CreationInProgress { path: PathBuf },

    #[error(
        "this workspace was written by a newer Roster (schema {found}, this version knows up to {supported}); update Roster to open it"
    )]
    TooNew { found: u32, supported: u32 },

    #[error(
        "the key file is damaged; restore roster.key from a backup, or unlock from the keychain if remembered"
    )]
    KeyFileCorrupt,

    #[error("the key file was written by a newer Roster; update Roster to open this workspace")]
    KeyFileUnsupported,

    #[error(
        "the key in the OS keychain does not open this workspace; forget it and unlock with the passphrase"
    )]
    KeychainCorrupt,

    #[error("the OS keychain is not available ({reason}); unlock with the passphrase instead")]
    Keychain { reason: String },

    #[error("cryptography failed: {0}")]
    Crypto(&'static str),

    #[error("the workspace database is damaged: {0}")]
    Corrupt(String),

    #[error("could not {action} at {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("no conflict with id {id}; `roster conflicts` lists them")]
    NoConflict { id: i64 },

    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn keychain(err: keyring::Error) -> Self {
        // keyring's messages name the backend and the failure, never the secret.
        Self::Keychain {
            reason: err.to_string(),
        }
    }

    pub fn corrupt(what: impl Into<String>) -> Self {
        Self::Corrupt(what.into())
    }
}
