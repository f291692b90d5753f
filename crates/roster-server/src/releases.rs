//! Releases of the desktop app, handed to tauri-plugin-updater: which platform a bundle is
//! for, the checks made when an operator publishes one, and which release answers an app.
//!
//! The server never signs anything and holds no key. It checks at publish time what it can
//! (the file is the kind of bundle its name says, the signature is a minisign signature for
//! this version, and with `--pubkey` that it verifies), so a mistake shows up on the
//! operator's terminal rather than as a refusal on every admin's laptop. The app verifies
//! the signature again against the key built into it; that check is the one that matters.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use roster_core::Timestamp;
use semver::Version;
use sha2::{Digest, Sha256};

use crate::storage::{Storage, StorageError};

/// Why a release cannot be published or looked up; each says what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("{0} is not a version; give a semantic version such as 0.2.0")]
    BadVersion(String),
    #[error(
        "cannot tell which platform {file} is for; pass --target, e.g. linux-x86_64-deb, windows-x86_64-nsis or darwin-aarch64-app"
    )]
    UnknownPlatform { file: String },
    #[error("{0} is not a target; write OS-ARCH-BUNDLE, e.g. linux-x86_64-deb")]
    BadTarget(String),
    #[error(
        "{file} is not {kind} (its first bytes do not match); publish the file `cargo tauri build` made"
    )]
    WrongFormat { file: String, kind: &'static str },
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(
        "the signature is not a minisign signature as `cargo tauri signer sign` writes it ({0}); pass the .sig file made for this bundle"
    )]
    BadSignature(String),
    #[error(
        "the signature was made for version {signed}, not {given}; sign the bundle of version {given}"
    )]
    SignedForOtherVersion { signed: String, given: String },
    #[error(
        "the signature does not verify with the given public key; sign the bundle with the matching private key, or check --pubkey"
    )]
    SignatureMismatch,
    #[error(
        "the public key is not a minisign public key ({0}); pass the .pub file `cargo tauri signer generate` made"
    )]
    BadPublicKey(String),
    #[error(
        "version {version} for {platform} is already published; publish a newer version instead"
    )]
    AlreadyPublished { version: String, platform: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What an app runs on: the values tauri-plugin-updater puts in `{{target}}`, `{{arch}}`
/// and `{{bundle_type}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `linux`, `windows` or `darwin`.
    pub os: String,
    /// `x86_64`, `aarch64`, `i686`, `armv7` or `riscv64`.
    pub arch: String,
    /// `deb`, `rpm`, `appimage`, `msi`, `nsis` or `app`.
    pub bundle: String,
}

pub const OSES: &[&str] = &["linux", "windows", "darwin"];
pub const ARCHES: &[&str] = &["x86_64", "aarch64", "i686", "armv7", "riscv64"];
pub const BUNDLES: &[&str] = &["deb", "rpm", "appimage", "msi", "nsis", "app"];

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.os, self.arch, self.bundle)
    }
}

impl Platform {
    /// Parses `OS-ARCH-BUNDLE`, e.g. `linux-x86_64-deb`.
    pub fn parse(target: &str) -> Result<Self, ReleaseError> {
        let bad = || ReleaseError::BadTarget(target.to_owned());
        // The arch `x86_64` holds an underscore, never a dash, so splitting on dashes is safe.
        let mut parts = target.split('-');
        let (Some(os), Some(arch), Some(bundle), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if !OSES.contains(&os) || !ARCHES.contains(&arch) || !BUNDLES.contains(&bundle) {
            return Err(bad());
        }
        Ok(Self {
            os: os.into(),
            arch: arch.into(),
            bundle: bundle.into(),
        })
    }

    /// The platform of a bundle named as `cargo tauri build` names them, e.g.
    /// `Roster_0.2.0_amd64.deb`, `Roster-0.2.0-1.x86_64.rpm`, `Roster_0.2.0_x64-setup.exe`.
    pub fn of_file(file_name: &str) -> Result<Self, ReleaseError> {
        let lower = file_name.to_ascii_lowercase();
        let (os, bundle) = if lower.ends_with(".deb") {
            ("linux", "deb")
        } else if lower.ends_with(".rpm") {
            ("linux", "rpm")
        } else if lower.ends_with(".appimage") || lower.ends_with(".appimage.tar.gz") {
            ("linux", "appimage")
        } else if lower.ends_with(".msi") || lower.ends_with(".msi.zip") {
            ("windows", "msi")
        } else if lower.ends_with("-setup.exe") || lower.ends_with("-setup.nsis.zip") {
            ("windows", "nsis")
        } else if lower.ends_with(".app.tar.gz") {
            ("darwin", "app")
        } else {
            return Err(ReleaseError::UnknownPlatform {
                file: file_name.to_owned(),
            });
        };
        // `x86_64` holds the underscore the other names are split on.
        let arch = lower
            .replace("x86_64", "x64")
            .split(['_', '-', '.'])
            .find_map(arch_of_token)
            .ok_or_else(|| ReleaseError::UnknownPlatform {
                file: file_name.to_owned(),
            })?;
        Ok(Self {
            os: os.into(),
            arch: arch.into(),
            bundle: bundle.into(),
        })
    }

    /// The first bytes every file of this bundle kind starts with, and the kind's name.
    fn magic(&self) -> (&'static [&'static [u8]], &'static str) {
        match self.bundle.as_str() {
            "deb" => (&[b"!<arch>\ndebian-binary"], "a Debian package"),
            "rpm" => (&[b"\xED\xAB\xEE\xDB"], "an RPM package"),
            // An AppImage as built, or the .tar.gz the bundler makes for the updater.
            "appimage" => (&[b"\x7FELF", b"\x1F\x8B"], "an AppImage"),
            "msi" => (
                &[b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", b"PK\x03\x04"],
                "a Windows installer",
            ),
            "nsis" => (&[b"MZ", b"PK\x03\x04"], "a Windows setup program"),
            _ => (&[b"\x1F\x8B"], "a gzip-compressed macOS app"),
        }
    }
}

/// The updater's arch name for one piece of a bundle's file name.
fn arch_of_token(token: &str) -> Option<&'static str> {
    Some(match token {
        "amd64" | "x64" => "x86_64",
        "arm64" | "aarch64" => "aarch64",
        "i386" | "i686" | "x86" => "i686",
        "armhf" | "armhfp" | "armv7" => "armv7",
        "riscv64" => "riscv64",
        _ => return None,
    })
}

/// A semantic version as the updater compares them; a leading `v` is allowed.
pub fn parse_version(text: &str) -> Result<Version, ReleaseError> {
    Version::parse(text.trim().trim_start_matches('v'))
        .map_err(|_| ReleaseError::BadVersion(text.to_owned()))
}

/// A signed bundle of one version for one platform, checked and ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub version: Version,
    pub platform: Platform,
    /// The bundle's file name, without any folder.
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    /// The `.sig` file's text: base64 of the minisign signature.
    pub signature: String,
    pub notes: Option<String>,
}

/// What the operator gave `roster-server release add`.
#[derive(Debug)]
pub struct Publish<'a> {
    pub file: &'a Path,
    pub signature: &'a str,
    pub version: &'a str,
    pub notes: Option<&'a str>,
    pub target: Option<&'a str>,
    /// The `.pub` file's text, to verify the signature before publishing.
    pub pubkey: Option<&'a str>,
}

impl Bundle {
    /// Reads and checks the bundle and its signature.
    pub fn check(publish: &Publish<'_>) -> Result<(Self, Vec<u8>), ReleaseError> {
        let version = parse_version(publish.version)?;
        let file_name = publish
            .file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| ReleaseError::Unreadable {
                path: publish.file.display().to_string(),
                reason: "it has no file name".into(),
            })?
            .to_owned();
        let platform = match publish.target {
            Some(target) => Platform::parse(target)?,
            None => Platform::of_file(&file_name)?,
        };
        let bytes = std::fs::read(publish.file).map_err(|e| ReleaseError::Unreadable {
            path: publish.file.display().to_string(),
            reason: e.to_string(),
        })?;
        let (magics, kind) = platform.magic();
        if !magics.iter().any(|m| bytes.starts_with(m)) {
            return Err(ReleaseError::WrongFormat {
                file: file_name,
                kind,
            });
        }
        let signature = publish.signature.trim().to_owned();
        check_signature(&signature, &version, &bytes, publish.pubkey)?;
        let release = Self {
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(&bytes)),
            version,
            platform,
            file_name,
            signature,
            notes: publish
                .notes
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        };
        Ok((release, bytes))
    }
}

/// The signature decodes, names this version if it names one (the Tauri CLI writes
/// `version:` into the signed trusted comment), and verifies with `pubkey` when given.
fn check_signature(
    signature_b64: &str,
    version: &Version,
    bytes: &[u8],
    pubkey: Option<&str>,
) -> Result<(), ReleaseError> {
    let text = decode_base64_text(signature_b64).map_err(ReleaseError::BadSignature)?;
    let signature = minisign_verify::Signature::decode(&text)
        .map_err(|e| ReleaseError::BadSignature(e.to_string()))?;
    let signed = signature
        .trusted_comment()
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"));
    if let Some(signed) = signed
        && parse_version(signed).ok().as_ref() != Some(version)
    {
        return Err(ReleaseError::SignedForOtherVersion {
            signed: signed.to_owned(),
            given: version.to_string(),
        });
    }
    if let Some(pubkey) = pubkey {
        let text = decode_base64_text(pubkey.trim()).map_err(ReleaseError::BadPublicKey)?;
        let key = minisign_verify::PublicKey::decode(&text)
            .map_err(|e| ReleaseError::BadPublicKey(e.to_string()))?;
        key.verify(bytes, &signature, true)
            .map_err(|_| ReleaseError::SignatureMismatch)?;
    }
    Ok(())
}

/// Tauri's key and signature files hold the minisign text in base64.
fn decode_base64_text(b64: &str) -> Result<String, String> {
    let bytes = BASE64
        .decode(b64)
        .map_err(|_| "it is not base64".to_owned())?;
    String::from_utf8(bytes).map_err(|_| "it does not decode to text".to_owned())
}

/// A published release as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub id: i64,
    /// Unix milliseconds.
    pub published_at: i64,
    pub bundle: Bundle,
}

/// The release an app should move to: the newest for its OS and arch, of its bundle kind
/// when it knows it (a `.deb` install takes a `.deb`), and only if newer than `current`.
pub fn newest_for<'a>(
    releases: &'a [Release],
    os: &str,
    arch: &str,
    bundle: Option<&str>,
    current: &Version,
) -> Option<&'a Release> {
    releases
        .iter()
        .filter(|r| r.bundle.platform.os == os && r.bundle.platform.arch == arch)
        .filter(|r| bundle.is_none_or(|b| r.bundle.platform.bundle == b))
        .filter(|r| r.bundle.version > *current)
        .max_by(|a, b| a.bundle.version.cmp(&b.bundle.version))
}

/// Where a release's file is kept: under its content hash, so two bundles with the same
/// name never overwrite each other and the folder is known before the row is written.
pub fn file_path(releases_dir: &Path, sha256: &str, file_name: &str) -> PathBuf {
    releases_dir.join(sha256).join(file_name)
}

/// Publishes a checked release: the file goes into `releases_dir` first (written to a
/// temporary name and renamed, so a crash leaves no half file under the real name), then
/// the row. If the row cannot be written, the file is removed again.
pub fn publish(
    storage: &dyn Storage,
    releases_dir: &Path,
    release: &Bundle,
    bytes: &[u8],
    at: Timestamp,
) -> Result<Release, ReleaseError> {
    let already = storage
        .releases()?
        .into_iter()
        .any(|r| r.bundle.platform == release.platform && r.bundle.version == release.version);
    if already {
        return Err(ReleaseError::AlreadyPublished {
            version: release.version.to_string(),
            platform: release.platform.to_string(),
        });
    }
    let path = file_path(releases_dir, &release.sha256, &release.file_name);
    let folder = path.parent().unwrap_or(releases_dir);
    let io = |e: std::io::Error| ReleaseError::Unreadable {
        path: folder.display().to_string(),
        reason: e.to_string(),
    };
    // The same bytes under the same name may already serve another release: never remove
    // a file this call did not create.
    let created = !path.exists();
    std::fs::create_dir_all(folder).map_err(io)?;
    let mut temp = tempfile::NamedTempFile::new_in(folder).map_err(io)?;
    temp.write_all(bytes).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(&path).map_err(|e| io(e.error))?;
    match storage.add_release(release, at) {
        Ok(stored) => Ok(stored),
        Err(err) => {
            if created {
                let _ = std::fs::remove_file(&path);
            }
            Err(err.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_come_from_the_names_the_bundler_gives() {
        for (name, want) in [
            ("Roster_0.2.0_amd64.deb", "linux-x86_64-deb"),
            ("Roster_0.2.0_arm64.deb", "linux-aarch64-deb"),
            ("Roster-0.2.0-1.x86_64.rpm", "linux-x86_64-rpm"),
            (
                "Roster_0.2.0_amd64.AppImage.tar.gz",
                "linux-x86_64-appimage",
            ),
            ("Roster_0.2.0_x64_en-US.msi", "windows-x86_64-msi"),
            ("Roster_0.2.0_x64-setup.exe", "windows-x86_64-nsis"),
            ("Roster_aarch64.app.tar.gz", "darwin-aarch64-app"),
        ] {
            assert_eq!(Platform::of_file(name).expect(name).to_string(), want);
        }
        assert!(matches!(
            Platform::of_file("Roster.app.tar.gz"),
            Err(ReleaseError::UnknownPlatform { .. })
        ));
        assert!(matches!(
            Platform::of_file("notes.txt"),
            Err(ReleaseError::UnknownPlatform { .. })
        ));
    }

    #[test]
    fn targets_must_name_a_known_os_arch_and_bundle() {
        assert_eq!(
            Platform::parse("darwin-aarch64-app").expect("valid").os,
            "darwin"
        );
        for bad in [
            "linux",
            "linux-x86_64",
            "linux-sparc-deb",
            "bsd-x86_64-deb",
            "linux-x86_64-deb-x",
        ] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }

    fn release(id: i64, version: &str, target: &str) -> Release {
        Release {
            id,
            published_at: 0,
            bundle: Bundle {
                version: parse_version(version).expect("version"),
                platform: Platform::parse(target).expect("target"),
                file_name: "f".into(),
                size: 1,
                sha256: String::new(),
                signature: String::new(),
                notes: None,
            },
        }
    }

    #[test]
    fn the_newest_release_of_the_same_platform_and_bundle_answers() {
        let all = [
            release(1, "0.2.0", "linux-x86_64-deb"),
            release(2, "0.10.0", "linux-x86_64-deb"),
            release(3, "0.11.0", "linux-x86_64-rpm"),
            release(4, "0.12.0", "windows-x86_64-nsis"),
            release(5, "0.13.0", "linux-aarch64-deb"),
        ];
        let v = |s| parse_version(s).expect("version");
        let pick = |bundle, current| {
            newest_for(&all, "linux", "x86_64", bundle, &v(current)).map(|r| r.id)
        };
        // Versions compare as versions, not as text: 0.10.0 is newer than 0.2.0.
        assert_eq!(pick(Some("deb"), "0.1.0"), Some(2));
        assert_eq!(pick(Some("rpm"), "0.1.0"), Some(3));
        assert_eq!(pick(None, "0.1.0"), Some(3));
        assert_eq!(pick(Some("deb"), "0.10.0"), None, "current is not offered");
        assert_eq!(pick(Some("deb"), "1.0.0"), None, "never a downgrade");
        assert_eq!(pick(Some("appimage"), "0.1.0"), None);
    }
}
