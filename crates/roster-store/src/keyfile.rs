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
use crate::workspace::{KEY_FILE_TMP, private_file_options};

/// 1: the database uses SQLCipher 4's defaults. 2: the file names the database's page
/// size and HMAC ([`DatabaseFormat`]). An older Roster refuses a format it does not know,
/// with "update Roster", instead of failing on the database.
const FORMAT: u32 = 2;
const FORMAT_DEFAULTS: u32 = 1;

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
    /// How the database is encrypted; absent in format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    database: Option<DatabaseFormat>,
    /// Whether a copy of the key was put in this device's OS keychain. Not a secret: it
    /// only spares a keychain query (which can take seconds without a keychain service)
    /// for workspaces that were never remembered.
    #[serde(default)]
    remembered: bool,
}

/// The SQLCipher settings a database was made with, which every connection to it must
/// repeat before its first read. Not secret: they say how, not with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DatabaseFormat {
    pub(crate) page_size: u32,
    pub(crate) hmac: Hmac,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Hmac {
    #[serde(rename = "HMAC_SHA512")]
    Sha512,
    #[serde(rename = "HMAC_SHA256")]
    Sha256,
}

impl DatabaseFormat {
    /// SQLCipher 4's defaults: the databases of format-1 key files.
    pub(crate) const SQLCIPHER_4: Self = Self {
        page_size: 4096,
        hmac: Hmac::Sha512,
    };

    /// What a new workspace gets. 16 KiB pages hold four times the rows per page, so a
    /// first sync of 100,000 members encrypts, authenticates and sorts a quarter as many
    /// pages (0.2–0.3 s of a 2.5 s load); HMAC-SHA256 runs on the CPU's SHA extensions
    /// where SHA-512 has none (a further 0.1 s at commit). Both are SQLCipher's supported
    /// settings; AES-256 and the page HMAC stay.
    pub(crate) const NEW: Self = Self {
        page_size: 16_384,
        hmac: Hmac::Sha256,
    };

    /// The pragmas that select this format, to run right after `PRAGMA key`.
    /// `roster_store::new_database_pragmas` gives a new workspace's to baselines.
    pub(crate) fn pragmas(self) -> String {
        let hmac = match self.hmac {
            Hmac::Sha512 => "HMAC_SHA512",
            Hmac::Sha256 => "HMAC_SHA256",
        };
        format!(
            "PRAGMA cipher_page_size = {}; PRAGMA cipher_hmac_algorithm = {hmac};",
            self.page_size
        )
    }
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
    /// Wraps `key` with `passphrase` for the workspace `workspace_id`, whose database is
    /// (or will be) encrypted as `database` says.
    pub(crate) fn seal(
        workspace_id: &str,
        key: &DataKey,
        passphrase: &Passphrase,
        database: DatabaseFormat,
    ) -> Result<Self, StoreError> {
        let format = if database == DatabaseFormat::SQLCIPHER_4 {
            FORMAT_DEFAULTS
        } else {
            FORMAT
        };
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
                    aad: aad(format, workspace_id).as_bytes(),
                },
            )
            .map_err(|_| StoreError::Crypto("could not seal the data key"))?;
        Ok(Self {
            format,
            workspace_id: workspace_id.to_owned(),
            kdf,
            cipher: "xchacha20poly1305".to_owned(),
            nonce: hex::encode(nonce),
            wrapped_key: hex::encode(sealed),
            database: (format == FORMAT).then_some(database),
            remembered: false,
        })
    }

    /// Unwraps the data key. A wrong passphrase fails the authentication tag:
    /// [`StoreError::WrongPassphrase`].
    pub(crate) fn open(&self, passphrase: &Passphrase) -> Result<DataKey, StoreError> {
        self.database()?;
        if self.kdf.algorithm != "argon2id" || self.cipher != "xchacha20poly1305" {
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
                        aad: aad(self.format, &self.workspace_id).as_bytes(),
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

    /// How the database is encrypted, or why this Roster cannot tell.
    pub(crate) fn database(&self) -> Result<DatabaseFormat, StoreError> {
        match (self.format, self.database) {
            (FORMAT_DEFAULTS, None) => Ok(DatabaseFormat::SQLCIPHER_4),
            (FORMAT, Some(database))
                if database.page_size.is_power_of_two()
                    && (512..=65_536).contains(&database.page_size) =>
            {
                Ok(database)
            }
            (FORMAT_DEFAULTS | FORMAT, _) => Err(StoreError::KeyFileCorrupt),
            _ => Err(StoreError::KeyFileUnsupported),
        }
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

    /// Writes the file atomically: a crash leaves either the old file or the new one (and
    /// perhaps the new one under [`KEY_FILE_TMP`], which the workspace's removal takes
    /// along). A write that fails removes its temporary file.
    pub(crate) fn write(&self, path: &Path) -> Result<(), StoreError> {
        let text = serde_json::to_string_pretty(self).map_err(|_| StoreError::KeyFileCorrupt)?;
        let tmp = path.with_file_name(KEY_FILE_TMP);
        let io = |source| StoreError::io("write the key file", path, source);
        let written = (|| {
            let mut file = private_file_options()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            drop(file);
            fs::rename(&tmp, path)
        })();
        if let Err(source) = written {
            // A wrapped copy of the key must not linger beside the workspace.
            let _ = fs::remove_file(&tmp);
            return Err(io(source));
        }
        if let Some(dir) = path.parent() {
            // Make the rename itself durable; not all platforms can open a directory.
            if let Ok(dir) = fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

fn aad(format: u32, workspace_id: &str) -> String {
    format!("roster-workspace-key:v{format}:{workspace_id}")
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
    fn a_key_file_that_cannot_be_written_leaves_no_temporary_copy() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A non-empty folder where the key file goes: the rename over it fails.
        let path = dir.path().join("roster.key");
        fs::create_dir(&path).expect("folder");
        fs::write(path.join("inside"), "x").expect("file in the folder");
        let key = DataKey::generate().expect("random key");
        assert!(matches!(
            sealed(&key).write(&path),
            Err(StoreError::Io { .. })
        ));
        assert!(
            !dir.path().join(KEY_FILE_TMP).exists(),
            "the temporary key file was removed"
        );
    }

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_only() {
        let key = DataKey::generate().expect("random key");
        let file = sealed(&key);
        let opened = file
            .open(&Passphrase::new("Right-Passphrase-42".into()))
            .expect("open");
        assert_eq!(opened.as_bytes(), key.as_bytes());
        assert!(matches!(
            file.open(&Passphrase::new("wrong-passphrase".into())),
            Err(StoreError::WrongPassphrase)
        ));
    }

    /// `key` sealed for "ws-1" under "Right-Passphrase-42", for a new workspace.
    fn sealed(key: &DataKey) -> KeyFile {
        KeyFile::seal(
            "ws-1",
            key,
            &Passphrase::new("Right-Passphrase-42".into()),
            DatabaseFormat::NEW,
        )
        .expect("seal")
    }

    fn round_trip(file: &KeyFile) -> KeyFile {
        serde_json::from_str(&serde_json::to_string(file).expect("json")).expect("key file")
    }

    #[test]
    fn a_new_key_file_names_its_database_format_and_an_old_one_means_sqlcipher_defaults() {
        let key = DataKey::generate().expect("random key");
        let passphrase = Passphrase::new("Right-Passphrase-42".into());
        let new = round_trip(
            &KeyFile::seal("ws-1", &key, &passphrase, DatabaseFormat::NEW).expect("seal"),
        );
        assert_eq!(new.format, 2);
        assert_eq!(new.database().expect("format"), DatabaseFormat::NEW);
        assert_eq!(
            new.open(&passphrase).expect("open").as_bytes(),
            key.as_bytes()
        );

        // A workspace made before format 2 keeps its file as it was, and its passphrase
        // change must not claim a format its database does not have.
        let old = round_trip(
            &KeyFile::seal("ws-1", &key, &passphrase, DatabaseFormat::SQLCIPHER_4).expect("seal"),
        );
        let text = serde_json::to_string(&old).expect("json");
        assert!(
            text.contains("\"format\":1") && !text.contains("database"),
            "{text}"
        );
        assert_eq!(old.database().expect("format"), DatabaseFormat::SQLCIPHER_4);
        assert_eq!(
            old.open(&passphrase).expect("open").as_bytes(),
            key.as_bytes()
        );
    }

    #[test]
    fn a_key_file_with_a_format_this_roster_does_not_know_is_refused() {
        let key = DataKey::generate().expect("random key");
        let passphrase = Passphrase::new("Right-Passphrase-42".into());
        let mut newer =
            KeyFile::seal("ws-1", &key, &passphrase, DatabaseFormat::NEW).expect("seal");
        newer.format = 3;
        assert!(matches!(
            newer.open(&passphrase),
            Err(StoreError::KeyFileUnsupported)
        ));

        let mut missing =
            KeyFile::seal("ws-1", &key, &passphrase, DatabaseFormat::NEW).expect("seal");
        missing.database = None;
        assert!(matches!(
            missing.database(),
            Err(StoreError::KeyFileCorrupt)
        ));

        let mut odd = KeyFile::seal("ws-1", &key, &passphrase, DatabaseFormat::NEW).expect("seal");
        odd.database = Some(DatabaseFormat {
            page_size: 5000,
            hmac: Hmac::Sha256,
        });
        assert!(matches!(odd.database(), Err(StoreError::KeyFileCorrupt)));
    }

    #[test]
    fn a_key_file_does_not_open_for_another_workspace() {
        let key = DataKey::generate().expect("random key");
        let mut file = sealed(&key);
        file.workspace_id = "ws-2".into();
        assert!(
            file.open(&Passphrase::new("Right-Passphrase-42".into()))
                .is_err()
        );
    }

    #[test]
    fn the_key_file_holds_no_key_in_the_clear() {
        let key = DataKey::generate().expect("random key");
        let file = sealed(&key);
        let text = serde_json::to_string(&file).expect("json");
        assert!(!text.contains(key.to_hex().as_str()));
        assert!(
            file.kdf.memory_kib >= 64 * 1024 && file.kdf.passes >= 3,
            "SPEC: m ≥ 64 MiB, t ≥ 3"
        );
    }
}
