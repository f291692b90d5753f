//! What the app's updater needs from the workspace: where to ask (the company server the
//! workspace syncs with) and whether the admin put an offered version off.
//!
//! The download itself, the signature check and the install are tauri-plugin-updater's,
//! in the app; nothing here trusts a file.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{ClientError, bad_input};

const POSTPONED_FILE: &str = "update-postponed.json";

/// How long "Later" keeps an offered version from being offered again at start.
const POSTPONE_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// The updater's endpoint on `server`, with the placeholders tauri-plugin-updater fills in.
///
/// Plain `http` is refused except to this computer: the bundle is signed, but the offer
/// (version, notes, where to download) is not, and nobody on the network should be able to
/// show an admin made-up release notes or stall their updates. (A release build's updater
/// refuses plain http even to this computer unless its configuration allows it, as the
/// tests' builds do.)
pub fn endpoint(server: &str) -> Result<Url, ClientError> {
    let base =
        Url::parse(server).map_err(|_| bad_input(format!("“{server}” is not a server address")))?;
    let loopback = match base.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if base.scheme() != "https" && !(base.scheme() == "http" && loopback) {
        return Err(bad_input(format!(
            "Roster takes updates only over https; the company server is at {server}. Ask whoever runs it to serve https (or install new versions by hand)."
        )));
    }
    let path = format!(
        "{}/api/v1/updates/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
        base.path().trim_end_matches('/')
    );
    let mut url = base;
    url.set_path(&path);
    url.set_query(Some("bundle_type={{bundle_type}}"));
    Ok(url)
}

#[derive(Debug, Serialize, Deserialize)]
struct Postponed {
    version: String,
    /// Unix milliseconds.
    until: u64,
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Puts `version` off until [`POSTPONE_FOR`] from now.
pub(crate) fn postpone(home: &Path, version: &str) -> Result<(), ClientError> {
    let record = Postponed {
        version: version.to_owned(),
        until: now_millis() + u64::try_from(POSTPONE_FOR.as_millis()).unwrap_or(u64::MAX),
    };
    let json = serde_json::to_vec(&record).map_err(|e| bad_input(e.to_string()))?;
    let path = home.join(POSTPONED_FILE);
    let temp = home.join(format!("{POSTPONED_FILE}.tmp"));
    std::fs::create_dir_all(home)
        .and_then(|()| std::fs::write(&temp, json))
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| bad_input(format!("Cannot use {}: {e}", path.display())))
}

/// Whether the admin put `version` off and the time has not run out. A missing or damaged
/// file means no.
pub(crate) fn is_postponed(home: &Path, version: &str) -> bool {
    std::fs::read(home.join(POSTPONED_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Postponed>(&bytes).ok())
        .is_some_and(|p| p.version == version && p.until > now_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_on_the_bound_server_with_the_updaters_placeholders() {
        let url = endpoint("https://roster.example.com/company/").expect("https");
        assert_eq!(
            url.as_str(),
            "https://roster.example.com/company/api/v1/updates/%7B%7Btarget%7D%7D/%7B%7Barch%7D%7D/%7B%7Bcurrent_version%7D%7D?bundle_type={{bundle_type}}"
        );
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:9",
            "http://[::1]:80",
        ] {
            assert!(endpoint(local).is_ok(), "{local}");
        }
        let refused = endpoint("http://roster.example.com").expect_err("plain http");
        assert!(refused.to_string().contains("only over https"), "{refused}");
        assert!(endpoint("not a url").is_err());
    }

    #[test]
    fn a_postponed_version_is_not_offered_again_but_a_newer_one_is() {
        let home = tempfile::tempdir().expect("home");
        assert!(!is_postponed(home.path(), "0.2.0"));
        postpone(home.path(), "0.2.0").expect("saved");
        assert!(is_postponed(home.path(), "0.2.0"));
        assert!(!is_postponed(home.path(), "0.3.0"));
        std::fs::write(home.path().join(POSTPONED_FILE), "{damaged").expect("write");
        assert!(!is_postponed(home.path(), "0.2.0"));
    }
}
