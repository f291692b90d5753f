//! SPEC rule 8: without the passphrase or the keychain's key the folder reveals nothing, not
//! even member names or e-mails; and the passphrase only wraps the key.

use std::collections::BTreeMap;
use std::path::Path;

use roster_core::{MemberKind, Op};
use roster_store::{DATABASE_FILE, KEY_FILE, Passphrase, StoreError, Unlock};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::fixture::{ALAN, ALAN_EMAIL, ALAN_NAME, CA_EMAIL, CA_NAME, Fixture, PASSPHRASE};

const INVITEE_NAME: &str = "Ottilie Quackenbush";
const INVITEE_EMAIL: &str = "ottilie.quackenbush@example.com";

/// Invites a member whose name and e-mail appear nowhere else, so a leak of the change just
/// committed (in the WAL) is told apart from a leak of the seed.
fn invite_ottilie(fixture: &mut Fixture) {
    fixture.apply(Op::InviteMember {
        id: roster_core::MemberId::from_uuid(Uuid::now_v7()),
        invitation: roster_core::InvitationId::from_uuid(Uuid::now_v7()),
        email: INVITEE_EMAIL.to_owned(),
        name: Some(INVITEE_NAME.to_owned()),
        kind: MemberKind::EndUser,
        company_admin: false,
        grants: Vec::new(),
        dev: Vec::new(),
        roles: Vec::new(),
    });
}

/// Names and e-mails as SQLite stores them, case-folded as the `*_key` columns hold them,
/// and their words as the search index holds them; only strings of six bytes or more, which
/// random ciphertext does not produce by chance.
fn secrets() -> Vec<String> {
    let mut secrets: Vec<String> = [
        CA_NAME,
        CA_EMAIL,
        ALAN_NAME,
        ALAN_EMAIL,
        INVITEE_NAME,
        INVITEE_EMAIL,
        "Example AG",
    ]
    .iter()
    .flat_map(|s| {
        let words = s.split([' ', '.', '@']).map(str::to_lowercase);
        [(*s).to_owned(), s.to_lowercase()].into_iter().chain(words)
    })
    .filter(|s| s.len() >= 6)
    .collect();
    secrets.sort();
    secrets.dedup();
    secrets
}

/// The secrets found in the bytes of any file of the folder, as `file: secret`.
fn leaks(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for (file, bytes) in files(dir) {
        for secret in secrets() {
            if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                found.push(format!("{file}: {secret}"));
            }
        }
    }
    found
}

/// Every file in `dir` by name, with the SHA-256 of its bytes.
fn file_hashes(dir: &Path) -> BTreeMap<String, String> {
    files(dir)
        .into_iter()
        .map(|(name, bytes)| (name, hex::encode(Sha256::digest(&bytes))))
        .collect()
}

/// Every file in `dir` by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("the workspace folder lists")
        .map(|entry| {
            let entry = entry.expect("a folder entry");
            let bytes = std::fs::read(entry.path()).expect("a workspace file reads");
            (entry.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

#[test]
fn the_database_file_does_not_start_with_the_sqlite_header() {
    let mut fixture = Fixture::new();
    invite_ottilie(&mut fixture);
    let folder = fixture.close();
    let bytes = std::fs::read(folder.dir.join(DATABASE_FILE)).expect("roster.db reads");
    assert!(
        bytes.len() >= 4096,
        "the database holds at least one page, so its header is there to inspect"
    );
    assert_ne!(
        &bytes[..16],
        b"SQLite format 3\0",
        "an encrypted database has no plaintext header: SQLCipher encrypts page 1 too"
    );
}

#[test]
fn no_member_name_or_email_appears_in_any_file_open_or_closed() {
    let mut fixture = Fixture::new();
    invite_ottilie(&mut fixture);

    let open = files(fixture.dir());
    assert!(
        open.get("roster.db-wal").is_some_and(|wal| !wal.is_empty()),
        "while open after a commit the WAL holds the change, so this scan covers it; files: {:?}",
        open.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        leaks(fixture.dir()),
        Vec::<String>::new(),
        "rule 8: no file of an open workspace (database, WAL, shared memory, key file) shows a name or e-mail"
    );

    let folder = fixture.close();
    assert_eq!(
        leaks(&folder.dir),
        Vec::<String>::new(),
        "rule 8: no file of a closed workspace shows a name or e-mail"
    );
}

#[test]
fn a_raw_open_without_the_key_cannot_read_the_database() {
    let folder = Fixture::new().close();
    let conn = rusqlite::Connection::open(folder.dir.join(DATABASE_FILE))
        .expect("SQLite opens any file lazily");
    let read = conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    });
    match read {
        Err(rusqlite::Error::SqliteFailure(err, _)) => assert_eq!(
            err.code,
            rusqlite::ErrorCode::NotADatabase,
            "without the key the file must look like no database at all"
        ),
        other => panic!("reading the database without its key must fail, got {other:?}"),
    }
}

#[test]
fn a_wrong_passphrase_is_refused_and_touches_no_file() {
    let mut fixture = Fixture::new();
    invite_ottilie(&mut fixture);
    let folder = fixture.close();
    let before = file_hashes(&folder.dir);

    let wrong = Passphrase::new("not the passphrase".to_owned());
    let result = folder.open(Unlock::Passphrase(&wrong));
    assert!(
        matches!(result, Err(StoreError::WrongPassphrase)),
        "a wrong passphrase fails the key file's authentication, got {result:?}"
    );
    assert_eq!(
        file_hashes(&folder.dir),
        before,
        "a refused unlock must neither change nor create any file in the folder"
    );
}

#[test]
fn changing_the_passphrase_rewraps_the_key_and_does_not_rewrite_the_database() {
    let mut fixture = Fixture::new();
    invite_ottilie(&mut fixture);
    // Closed, so the database is checkpointed and complete in roster.db.
    let folder = fixture.close();
    let before = file_hashes(&folder.dir);

    let new = Passphrase::new("a brand new passphrase 2025".to_owned());
    let workspace = folder.open_with_passphrase();
    workspace
        .change_passphrase(&new)
        .expect("changing the passphrase succeeds");
    drop(workspace);
    let after = file_hashes(&folder.dir);

    assert_eq!(
        after.get(DATABASE_FILE),
        before.get(DATABASE_FILE),
        "re-wrapping the key must not rewrite the database (ARCHITECTURE: it only re-wraps)"
    );
    assert_ne!(
        after.get(KEY_FILE),
        before.get(KEY_FILE),
        "the key file holds the key wrapped under the new passphrase"
    );
    let old = folder.open(Unlock::Passphrase(&Passphrase::new(PASSPHRASE.to_owned())));
    assert!(
        matches!(old, Err(StoreError::WrongPassphrase)),
        "the old passphrase no longer opens the workspace, got {old:?}"
    );
    let reopened = folder
        .open(Unlock::Passphrase(&new))
        .expect("the new passphrase opens the workspace");
    assert!(
        roster_core::State::member(&reopened.state(), ALAN)
            .expect("state reads")
            .is_some(),
        "the same data key still decrypts the same data"
    );
}

#[cfg(unix)]
#[test]
fn the_key_file_and_the_folder_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("metadata reads")
            .permissions()
            .mode()
            & 0o777
    };
    let fixture = Fixture::new();
    let dir = fixture.dir().to_owned();
    assert_eq!(
        mode(&dir),
        0o700,
        "only the owner may list or enter the folder"
    );
    assert_eq!(
        mode(&dir.join(KEY_FILE)),
        0o600,
        "only the owner may read the wrapped key"
    );
    assert_eq!(
        mode(&dir.join(DATABASE_FILE)),
        0o600,
        "only the owner may read the database"
    );
    fixture
        .workspace
        .change_passphrase(&Passphrase::new("another passphrase 77".to_owned()))
        .expect("changing the passphrase succeeds");
    assert_eq!(
        mode(&dir.join(KEY_FILE)),
        0o600,
        "the rewritten key file is as private as the first"
    );
}
