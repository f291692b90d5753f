//! "Remember on this device": the data key in the OS keychain unlocks the workspace without
//! the passphrase, and forgetting it takes that away. These talk to a real Secret Service;
//! each workspace has a fresh id, so parallel tests never share an entry.

use roster_store::{StoreError, Unlock, Workspace};

use crate::fixture::{ALAN, Fixture};

/// Forgets the workspace's key when the test ends, even when it fails.
struct Remembered<'a>(&'a Workspace);

impl Drop for Remembered<'_> {
    fn drop(&mut self) {
        let _ = self.0.forget();
    }
}

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn a_remembered_workspace_opens_from_the_keychain() {
    let fixture = Fixture::new();
    fixture
        .workspace
        .remember()
        .expect("the keychain takes the data key");
    let _cleanup = Remembered(&fixture.workspace);
    assert!(
        fixture
            .workspace
            .is_remembered()
            .expect("the keychain reads"),
        "remember() stores the key where is_remembered() finds it"
    );
    assert!(
        Workspace::is_remembered_at(fixture.dir()).expect("key file reads"),
        "the key file records that this device remembers the key, so unlocking knows to ask the keychain"
    );

    let unlocked = fixture
        .folder
        .open(Unlock::Keychain)
        .expect("a remembered workspace opens without the passphrase");
    assert_eq!(
        unlocked.id(),
        fixture.workspace.id(),
        "the keychain entry of this workspace opened this workspace"
    );
    assert!(
        roster_core::State::member(&unlocked.state(), ALAN)
            .expect("the keychain's key decrypts the database")
            .is_some(),
        "the data is readable through the keychain's key"
    );
}

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn a_forgotten_workspace_no_longer_opens_from_the_keychain() {
    let fixture = Fixture::new();
    fixture
        .workspace
        .remember()
        .expect("the keychain takes the data key");
    let _cleanup = Remembered(&fixture.workspace);
    fixture
        .workspace
        .forget()
        .expect("the keychain drops the data key");
    assert!(
        !fixture
            .workspace
            .is_remembered()
            .expect("the keychain reads"),
        "forget() removes the key"
    );

    let result = fixture.folder.open(Unlock::Keychain);
    assert!(
        matches!(result, Err(StoreError::NotRemembered)),
        "without a remembered key the keychain cannot unlock, and says so; got {result:?}"
    );
    fixture
        .workspace
        .forget()
        .expect("forgetting a key that is not there is not an error");
    fixture.folder.open_with_passphrase();
}

#[test]
#[ignore = "needs the Secret Service: run under scripts/test (dbus-run-session + gnome-keyring)"]
fn a_workspace_never_remembered_does_not_open_from_the_keychain() {
    let fixture = Fixture::new();
    let result = fixture.folder.open(Unlock::Keychain);
    assert!(
        matches!(result, Err(StoreError::NotRemembered)),
        "a fresh workspace has no keychain entry; got {result:?}"
    );
}
