//! Numbered migrations, applied in order; see `migrations/README.md`.

use rusqlite::Connection;

use crate::error::StoreError;

/// Every migration this binary knows, in order. Append; never edit a released one.
const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (
        2,
        include_str!("../migrations/0002_search_prefix_index.sql"),
    ),
    (3, include_str!("../migrations/0003_sync.sql")),
    (4, include_str!("../migrations/0004_status_counts.sql")),
    (5, include_str!("../migrations/0005_one_listing_index.sql")),
    (
        6,
        include_str!("../migrations/0006_member_triggers_on_change.sql"),
    ),
];

/// The schema's SQL, in order: for baselines that build the same kind of file by hand.
pub fn schema_sql() -> impl Iterator<Item = &'static str> {
    MIGRATIONS.iter().map(|(_, sql)| *sql)
}

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// Brings the database up to [`SCHEMA_VERSION`], or refuses one that is newer.
/// Reads and migrates in one write transaction, so two processes opening the same
/// workspace cannot both apply a migration.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > found) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}
