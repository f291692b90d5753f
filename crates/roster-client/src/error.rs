//! Errors of the services, each with a stable code for front ends and a class that says
//! what kind of trouble it is (the CLI turns the class into its exit code).

use roster_core::{Refusal, RefusalCode};
use roster_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The rules refused the change or the input; nothing was written.
    #[error(transparent)]
    Refused(#[from] Refusal),

    /// The workspace could not be unlocked: wrong passphrase, or no remembered key.
    #[error("{0}")]
    Locked(StoreError),

    #[error(transparent)]
    Store(StoreError),

    /// The company server could not be reached; nothing was lost.
    #[error(
        "cannot reach the company server at {server} ({reason}); your changes stay queued and go out with the next sync"
    )]
    Offline { server: String, reason: String },

    /// The company server answered with an error.
    #[error("{message}")]
    Server { code: String, message: String },

    #[error(
        "this workspace is not connected to a company server; `roster login --server URL --email EMAIL` makes one that is"
    )]
    NotConnected,

    /// The window asked for something that needs an unlocked workspace.
    #[error("the workspace is locked; unlock it to go on")]
    NotUnlocked,

    /// A background task stopped before it finished; nothing it was writing was kept.
    #[error("an operation stopped unexpectedly ({0}); nothing was changed, try again")]
    Interrupted(String),

    #[error("could not write the export to {path}: {source}")]
    Export {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What kind of trouble an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// A rule refused the change (e.g. the last Company Admin).
    Refused,
    /// The input is malformed or names nothing that exists.
    BadInput,
    /// The workspace is locked: wrong passphrase, not remembered.
    Locked,
    /// The company server cannot be reached; try again later.
    Offline,
    /// Anything else: I/O, a damaged file, the keychain.
    Other,
}

impl ClientError {
    /// The stable code a front end branches on.
    pub fn code(&self) -> &str {
        match self {
            Self::Refused(refusal) => refusal.code.into(),
            Self::Locked(StoreError::WrongPassphrase) => "wrong_passphrase",
            Self::Locked(_) => "locked",
            Self::Store(StoreError::NoWorkspace { .. }) => "no_workspace",
            Self::Store(StoreError::AlreadyExists { .. }) => "workspace_exists",
            Self::Store(StoreError::CreationInProgress { .. }) => "workspace_busy",
            Self::Store(StoreError::TooNew { .. } | StoreError::KeyFileUnsupported) => {
                "workspace_too_new"
            }
            Self::Store(StoreError::Keychain { .. } | StoreError::KeychainCorrupt) => {
                "keychain_unavailable"
            }
            Self::Store(StoreError::Corrupt(_) | StoreError::KeyFileCorrupt) => "workspace_damaged",
            Self::Store(StoreError::NoConflict { .. }) => "not_found",
            Self::Offline { .. } => "offline",
            Self::Server { code, .. } => code,
            Self::NotConnected => "not_connected",
            Self::NotUnlocked => "locked",
            Self::Interrupted(_) => "interrupted",
            Self::Store(_) | Self::Export { .. } => "io_error",
        }
    }

    pub fn class(&self) -> ErrorClass {
        match self {
            Self::Refused(refusal) => match refusal.code {
                RefusalCode::InvalidEmail
                | RefusalCode::InvalidPhone
                | RefusalCode::InvalidName
                | RefusalCode::InvalidInput
                | RefusalCode::WeakPassword
                | RefusalCode::NotFound => ErrorClass::BadInput,
                _ => ErrorClass::Refused,
            },
            Self::Locked(_) | Self::NotUnlocked => ErrorClass::Locked,
            Self::Store(StoreError::NoWorkspace { .. } | StoreError::AlreadyExists { .. }) => {
                ErrorClass::BadInput
            }
            Self::Store(StoreError::NoConflict { .. }) | Self::NotConnected => ErrorClass::BadInput,
            Self::Offline { .. } => ErrorClass::Offline,
            Self::Server { code, .. } if code == "session_expired" || code == "unauthorized" => {
                ErrorClass::Locked
            }
            Self::Server { code, .. } if code == "forbidden" => ErrorClass::Refused,
            Self::Store(_) | Self::Export { .. } | Self::Server { .. } | Self::Interrupted(_) => {
                ErrorClass::Other
            }
        }
    }
}

impl From<StoreError> for ClientError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Refused(refusal) => Self::Refused(refusal),
            StoreError::WrongPassphrase | StoreError::NotRemembered => Self::Locked(err),
            other => Self::Store(other),
        }
    }
}

pub(crate) fn bad_input(message: impl Into<String>) -> ClientError {
    ClientError::Refused(Refusal::new(RefusalCode::InvalidInput, message))
}

pub(crate) fn not_found(message: impl Into<String>) -> ClientError {
    ClientError::Refused(Refusal::not_found(message))
}
