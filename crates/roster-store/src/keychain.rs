//! A copy of the data key in the operating system's keychain, so a remembered workspace
//! unlocks without typing: the Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows.
//!
//! The backend is chosen explicitly: `keyring` without a platform backend silently keeps
//! secrets in memory, which would make "remember on this device" a lie.

use std::sync::Once;

use keyring::Entry;

use crate::error::StoreError;
use crate::secret::DataKey;

const SERVICE: &str = "dev.roster.workspace";

fn select_backend() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        keyring::set_default_credential_builder(
            keyring::secret_service::default_credential_builder(),
        );
        #[cfg(target_os = "macos")]
        keyring::set_default_credential_builder(keyring::macos::default_credential_builder());
        #[cfg(target_os = "windows")]
        keyring::set_default_credential_builder(keyring::windows::default_credential_builder());
    });
}

fn entry(workspace_id: &str) -> Result<Entry, StoreError> {
    select_backend();
    Entry::new(SERVICE, workspace_id).map_err(StoreError::keychain)
}

/// Keeps the data key of `workspace_id` in the keychain.
pub(crate) fn remember(workspace_id: &str, key: &DataKey) -> Result<(), StoreError> {
    entry(workspace_id)?
        .set_password(&key.to_hex())
        .map_err(StoreError::keychain)
}

/// The remembered data key, or `None` when the keychain holds none for this workspace.
pub(crate) fn recall(workspace_id: &str) -> Result<Option<DataKey>, StoreError> {
    match entry(workspace_id)?.get_password() {
        Ok(hex) => {
            let hex = zeroize::Zeroizing::new(hex);
            DataKey::from_hex(&hex)
                .map(Some)
                .ok_or(StoreError::KeychainCorrupt)
        }
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(err) => Err(StoreError::keychain(err)),
    }
}

/// Removes the remembered key; forgetting a key that is not there is not an error.
pub(crate) fn forget(workspace_id: &str) -> Result<(), StoreError> {
    match entry(workspace_id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(err) => Err(StoreError::keychain(err)),
    }
}

/// Where company-server session tokens are kept, one per workspace: never in the
/// workspace file, a log, or the WebView (ARCHITECTURE.md, Secrets).
const SESSION_SERVICE: &str = "dev.roster.session";

fn session_entry(workspace_id: &str) -> Result<Entry, StoreError> {
    select_backend();
    Entry::new(SESSION_SERVICE, workspace_id).map_err(StoreError::keychain)
}

/// Keeps the session token of the workspace's company-server account.
pub fn keep_session_token(workspace_id: &str, token: &str) -> Result<(), StoreError> {
    session_entry(workspace_id)?
        .set_password(token)
        .map_err(StoreError::keychain)
}

/// The kept session token, or `None` when the keychain holds none.
pub fn session_token(workspace_id: &str) -> Result<Option<zeroize::Zeroizing<String>>, StoreError> {
    match session_entry(workspace_id)?.get_password() {
        Ok(token) => Ok(Some(zeroize::Zeroizing::new(token))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(err) => Err(StoreError::keychain(err)),
    }
}

/// Removes the kept session token; removing none is not an error.
pub fn forget_session_token(workspace_id: &str) -> Result<(), StoreError> {
    match session_entry(workspace_id)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(err) => Err(StoreError::keychain(err)),
    }
}
