//! Migrations: a new workspace is at the latest schema, and a workspace written by a newer
//! Roster is refused, never opened (STYLE, "Storage").

use roster_store::{SCHEMA_VERSION, StoreError, Unlock};

use crate::fixture::{Fixture, passphrase};

fn user_version(fixture: &Fixture) -> u32 {
    fixture
        .workspace
        .conn()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("user_version reads")
}

#[test]
fn a_new_workspace_is_at_the_latest_schema() {
    let fixture = Fixture::new();
    assert_eq!(
        user_version(&fixture),
        SCHEMA_VERSION,
        "create applies every migration this binary knows"
    );
    let fixture = fixture.reopen();
    assert_eq!(
        user_version(&fixture),
        SCHEMA_VERSION,
        "opening a current workspace migrates nothing"
    );
}

#[test]
fn a_workspace_from_a_newer_roster_is_refused_with_what_to_do() {
    let fixture = Fixture::new();
    fixture
        .workspace
        .conn()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("user_version writes");
    let folder = fixture.close();

    for attempt in ["first", "second"] {
        let result = folder.open(Unlock::Passphrase(&passphrase()));
        let Err(err) = result else {
            panic!("the {attempt} open of a newer schema must be refused, not opened");
        };
        assert!(
            matches!(
                err,
                StoreError::TooNew { found, supported }
                    if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION
            ),
            "the {attempt} refusal names both schema versions (a refusal changes nothing), got {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("update Roster"),
            "the message tells the person what to do next: {message}"
        );
    }
}
