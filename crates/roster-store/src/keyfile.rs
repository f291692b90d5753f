//! The key file beside the database: the data key, wrapped (XChaCha20-Poly1305) with a key
//! derived from the passphrase by Argon2id. Changing the passphrase rewrites only this file.
//!
//! The file holds no secret in the clear: a salt, the Argon2id parameters, a nonce and the
//! sealed key. The workspace id is bound in as associated data, so a key file copied next
//! to another workspace's database does not open it.

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::secret::{DataKey, Passphrase, random_bytes};

const FORMAT: u32 = 1;

/// Argon2id cost: 64 MiB, 3 passes, 1 lane (SPEC: m ≥ 64 MiB, t ≥ 3). Stored in the file, so
/// raising them later leaves existing workspaces readable.
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 3;
const LANES: u32 = 1;

#[derive(Serialize, Deserialize)]
pub(crate) struct KeyFile {
    format: u32,
    workspace_id: String,
    kdf: Kdf,
    cipher: String,
    nonce: String,
    wrapped_key: String,
    /// Whether a copy of the key was put in this device's OS keychain. Not a secret: it
    /// only spares a keychain query (which can take seconds without a keychain service)
    /// for workspaces that were never remembered.
    #[serde(default)]
    remembered: bool,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    algorithm: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: String,
}

impl KeyFile {
    /// Wraps `key` with `passphrase` for the workspace `workspace_id`.
    pub(crate) fn seal(
        workspace_id: &str,
        key: &DataKey,
        passphrase: &Passphrase,
    ) -> Result<Self, StoreError> {
        let salt = random_bytes::<16>()?;
        let nonce = random_bytes::<24>()?;
        let kdf = Kdf {
            algorithm: "argon2id".to_owned(),
            memory_kib: MEMORY_KIB,
            passes: PASSES,
            lanes: LANES,
            salt: hex::encode(salt),
        };
        let wrapping = derive(&kdf, passphrase)?;
        let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: aad(workspace_id).as_bytes(),
                },
            )
            .map_err(|_| StoreError::Crypto("could not seal the data key"))?;
        Ok(Self {
            format: FORMAT,
            workspace_id: workspace_id.to_owned(),
            kdf,
            cipher: "xchacha20poly1305".to_owned(),
            nonce: hex::encode(nonce),
            wrapped_key: hex::encode(sealed),
            remembered: false,
        })
    }

    /// Unwraps the data key. A wrong passphrase fails the authentication tag:
    /// [`StoreError::WrongPassphrase`].
    pub(crate) fn open(&self, passphrase: &Passphrase) -> Result<DataKey, StoreError> {
        if self.format != FORMAT
            || self.kdf.algorithm != "argon2id"
            || self.cipher != "xchacha20poly1305"
        {
            return Err(StoreError::KeyFileUnsupported);
        }
        let nonce = hex::decode(&self.nonce).map_err(|_| StoreError::KeyFileCorrupt)?;
        let sealed = hex::decode(&self.wrapped_key).map_err(|_| StoreError::KeyFileCorrupt)?;
        if nonce.len() != 24 {
            return Err(StoreError::KeyFileCorrupt);
        }
        let wrapping = derive(&self.kdf, passphrase)?;
        let cipher = XChaCha20Poly1305::new(wrapping.as_ref().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &sealed,
                        aad: aad(&self.workspace_id).as_bytes(),
                    },
                )
                .map_err(|_| StoreError::WrongPassphrase)?,
        );
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::KeyFileCorrupt)?;
        Ok(DataKey::from_bytes(bytes))
    }

    pub(crate) fn workspace_id(&self) -> &str {
        &self.workspace_id
    }

    pub(crate) fn remembered(&self) -> bool {
        self.remembered
    }

    #[must_use]
    pub(crate) fn with_remembered(self, remembered: bool) -> Self {
        Self { remembered, ..self }
    }

    pub(crate) fn read(path: &Path) -> Result<Self, StoreError> {
        let text = fs::read_to_string(path)
            .map_err(|source| StoreError::io("read the key file", path, source))?;
        serde_json::from_str(&text).map_err(|_| StoreError::KeyFileCorrupt)
    }

    /// Writes the file atomically: a crash leaves either the old file or the new one.
    pub(crate) fn write(&self, path: &Path) -> Result<(), StoreError> {
        let text = serde_json::to_string_pretty(self).map_err(|_| StoreError::KeyFileCorrupt)?;
        let tmp = path.with_extension("key.tmp");
        let io = |source| StoreError::io("write the key file", path, source);
        {
            let mut options = fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&tmp).map_err(io)?;
            file.write_all(text.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent() {
            // Make the rename itself durable; not all platforms can open a directory.
            if let Ok(dir) = fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

fn aad(workspace_id: &str) -> String {
    format!("roster-workspace-key:v{FORMAT}:{workspace_id}")
}

fn derive(kdf: &Kdf, passphrase: &Passphrase) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let salt = hex::decode(&kdf.salt).map_err(|_| StoreError::KeyFileCorrupt)?;
    let params = Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32))
        .map_err(|_| StoreError::KeyFileCorrupt)?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.expose().as_bytes(), &salt, out.as_mut())
        .map_err(|_| StoreError::Crypto("could not derive the key from the passphrase"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_only() {
        let key = DataKey::generate().expect("random key");
        let file = KeyFile::seal("ws-1", &key, &Passphrase::new("Right-Passphrase-42".into()))
            .expect("seal");
        let opened = file
            .open(&Passphrase::new("Right-Passphrase-42".into()))
            .expect("open");
        assert_eq!(opened.as_bytes(), key.as_bytes());
        assert!(matches!(
            file.open(&Passphrase::new("wrong-passphrase".into())),
            Err(StoreError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_key_file_does_not_open_for_another_workspace() {
        let key = DataKey::generate().expect("random key");
        let mut file = KeyFile::seal("ws-1", &key, &Passphrase::new("Right-Passphrase-42".into()))
            .expect("seal");
        file.workspace_id = "ws-2".into();
        assert!(
            file.open(&Passphrase::new("Right-Passphrase-42".into()))
                .is_err()
        );
    }

    #[test]
    fn the_key_file_holds_no_key_in_the_clear() {
        let key = DataKey::generate().expect("random key");
        let file = KeyFile::seal("ws-1", &key, &Passphrase::new("Right-Passphrase-42".into()))
            .expect("seal");
        let text = serde_json::to_string(&file).expect("json");
        assert!(!text.contains(key.to_hex().as_str()));
        assert!(
            file.kdf.memory_kib >= 64 * 1024 && file.kdf.passes >= 3,
            "SPEC: m ≥ 64 MiB, t ≥ 3"
        );
    }
}
