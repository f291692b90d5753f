//! The workspace folder: `roster.db` (SQLCipher, keyed with the data key as a raw key) and
//! `roster.key` (the data key, wrapped by the passphrase). Opening one unlocks it; dropping
//! the [`Workspace`] locks it.

use std::fs;
use std::path::{Path, PathBuf};

use roster_core::{
    Assembly, Change, Envelope, Snapshot, SnapshotPart, Timestamp, decide, expectations,
};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use zeroize::Zeroizing;

use crate::audit::{self, AuditEntry, AuditQuery, ChainReport, NewEntry};
use crate::creation::{CREATION_LOCK, Creation};
use crate::error::StoreError;
use crate::keychain;
use crate::keyfile::{DatabaseFormat, KeyFile};
use crate::migrate;
use crate::outbox;
use crate::search_index::{self, BuiltIndex};
use crate::secret::{DataKey, Passphrase};
use crate::state::SqlState;
use crate::threads::{joined, spawn_in_spare_time};
use crate::write;

pub const DATABASE_FILE: &str = "roster.db";
pub const KEY_FILE: &str = "roster.key";
/// Where a key file is written before it is renamed into place.
pub(crate) const KEY_FILE_TMP: &str = "roster.key.tmp";
/// Every file a workspace may have: the database, its key (and a key file a crash left
/// half-placed), and SQLite's journals.
const WORKSPACE_FILES: [&str; 6] = [
    DATABASE_FILE,
    KEY_FILE,
    KEY_FILE_TMP,
    "roster.db-wal",
    "roster.db-shm",
    "roster.db-journal",
];

/// A new workspace's data key with its sealed key file, made before the workspace is.
struct NewKey {
    workspace_id: String,
    key: DataKey,
    sealed: KeyFile,
    database: DatabaseFormat,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("workspace_id", &self.workspace_id)
            .finish_non_exhaustive()
    }
}

/// How to get the data key.
#[derive(Debug)]
pub enum Unlock<'a> {
    Passphrase(&'a Passphrase),
    /// From the OS keychain, if the workspace was remembered on this device.
    Keychain,
}

/// What a committed change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written, with its audit entry (sequence number) and queued for the server.
    Applied {
        audit_seq: i64,
        summary: String,
        changes: Vec<Change>,
    },
    /// The state already was as asked; nothing was written.
    Unchanged { summary: String },
}

/// Who wrote a system entry (creation, seeding) in the audit trail.
#[derive(Debug, Clone)]
pub struct SystemActor {
    pub label: String,
    pub device: String,
}

/// An unlocked workspace.
#[derive(Debug)]
pub struct Workspace {
    dir: PathBuf,
    id: String,
    key: DataKey,
    database: DatabaseFormat,
    pub(crate) conn: Connection,
}

impl Workspace {
    pub fn database_path(dir: &Path) -> PathBuf {
        dir.join(DATABASE_FILE)
    }

    /// Whether `dir` holds a workspace.
    pub fn exists(dir: &Path) -> bool {
        Self::database_path(dir).exists() && dir.join(KEY_FILE).exists()
    }

    /// The id of the workspace at `dir`, read from its key file; needs no secret.
    pub fn id_at(dir: &Path) -> Result<String, StoreError> {
        Self::require_exists(dir)?;
        Ok(KeyFile::read(&dir.join(KEY_FILE))?
            .workspace_id()
            .to_owned())
    }

    /// A fresh data key for a new workspace, wrapped by `passphrase` (Argon2id, about
    /// 0.15 s).
    fn new_key(workspace_id: &str, passphrase: &Passphrase) -> Result<NewKey, StoreError> {
        let key = DataKey::generate()?;
        let database = DatabaseFormat::NEW;
        let sealed = KeyFile::seal(workspace_id, &key, passphrase, database)?;
        Ok(NewKey {
            workspace_id: workspace_id.to_owned(),
            key,
            sealed,
            database,
        })
    }

    /// Creates a workspace in `dir` seeded with `snapshot`, encrypted under a fresh data key
    /// wrapped by `passphrase`. The snapshot and its audit entry are written in one
    /// transaction; on any failure the files are removed again.
    pub fn create(
        dir: &Path,
        workspace_id: &str,
        passphrase: &Passphrase,
        snapshot: &Snapshot,
        meta: &[(&str, &str)],
        creator: &SystemActor,
        at: Timestamp,
    ) -> Result<Self, StoreError> {
        let key = Self::new_key(workspace_id, passphrase)?;
        Self::create_with_key(dir, key, snapshot, meta, creator, at)
    }

    /// [`Workspace::create`] with a key made beforehand by [`Workspace::new_key`].
    fn create_with_key(
        dir: &Path,
        key: NewKey,
        snapshot: &Snapshot,
        meta: &[(&str, &str)],
        creator: &SystemActor,
        at: Timestamp,
    ) -> Result<Self, StoreError> {
        snapshot.check()?;
        let creation = Creation::begin(dir)?;
        let NewKey {
            workspace_id,
            key,
            sealed,
            database,
        } = key;
        let result = (|| {
            let mut workspace = Self::create_file(dir, &workspace_id, key, database)?;
            workspace.seed(snapshot, meta, creator, at)?;
            // Last: the key file makes the folder a workspace.
            sealed.write(&dir.join(KEY_FILE))?;
            use_write_ahead_log(&workspace.conn)?;
            Ok(workspace)
        })();
        creation.end(result.is_ok());
        result
    }

    /// Creates a workspace in `dir` from a snapshot that arrives in pieces (a first sync's
    /// stream), storing each piece as it comes instead of waiting for the whole company.
    /// The data key is sealed with `passphrase` (Argon2id) meanwhile, on a thread of its
    /// own at the lowest priority: it takes the CPU the load leaves idle (where the stream
    /// ends, and most of a core at the commit), not the stream's. At 100,000 members that
    /// made first syncs about 0.05 s faster on average; at 10,000, where the sealing
    /// outlasts the load, about 0.02 s slower. The load commits in one transaction with
    /// its audit entry, and the whole is checked (`Snapshot::check`) on the other core
    /// while it does: the stream and the index builds keep both cores busy, the commit
    /// (mostly encrypting pages) only one.
    /// The key file is written once the check and the sealing have succeeded: until then
    /// the folder holds no workspace (see `creation`). On any failure, from `parts` or
    /// here, the files are removed again and the error is returned as it came.
    pub fn create_streamed<E: From<StoreError>>(
        dir: &Path,
        workspace_id: &str,
        passphrase: &Passphrase,
        meta: &[(&str, &str)],
        creator: &SystemActor,
        at: Timestamp,
        parts: impl IntoIterator<Item = Result<SnapshotPart, E>>,
    ) -> Result<Self, E> {
        let creation = Creation::begin(dir)?;
        let key = DataKey::generate()?;
        let database = DatabaseFormat::NEW;
        let result = std::thread::scope(|scope| {
            let sealing = spawn_in_spare_time(scope, || {
                KeyFile::seal(workspace_id, &key, passphrase, database)
            });
            let mut workspace = Self::create_file(dir, workspace_id, key.clone(), database)?;
            let check = workspace.bulk(|tx| {
                let snapshot = load_streamed(tx, parts)?;
                record_creation(tx, &snapshot, meta, creator, at)?;
                // The check needs no database: it starts as the commit does, on the core
                // the commit leaves idle.
                let check = scope.spawn(move || snapshot.check());
                Ok::<_, E>(check)
            })?;
            joined(check).map_err(StoreError::Refused)?;
            joined(sealing)?.write(&dir.join(KEY_FILE))?;
            use_write_ahead_log(&workspace.conn)?;
            // FTS5 may keep a connection's reading of an index's structure until another
            // connection commits (SQLite 3.40 did; the bundled build reads it again), and
            // this one made the index, empty, in the migrations: a new one reads the copy.
            workspace.conn = connect(&Self::database_path(dir), &workspace.key, database, false)?;
            Ok(workspace)
        });
        creation.end(result.is_ok());
        result
    }

    /// A new, empty database file in `dir`, private to its user, keyed with `key`.
    fn create_file(
        dir: &Path,
        workspace_id: &str,
        key: DataKey,
        database: DatabaseFormat,
    ) -> Result<Self, StoreError> {
        // Made private before SQLite opens it: its -wal and -shm copy its mode.
        create_private_file(&Self::database_path(dir))?;
        let conn = connect(&Self::database_path(dir), &key, database, true)?;
        Ok(Self {
            dir: dir.to_owned(),
            id: workspace_id.to_owned(),
            key,
            database,
            conn,
        })
    }

    /// Unlocks the workspace at `dir`.
    pub fn open(dir: &Path, unlock: Unlock<'_>) -> Result<Self, StoreError> {
        Self::require_exists(dir)?;
        let key_file = KeyFile::read(&dir.join(KEY_FILE))?;
        let id = key_file.workspace_id().to_owned();
        let database = key_file.database()?;
        let (key, from_keychain) = match unlock {
            Unlock::Passphrase(passphrase) => (key_file.open(passphrase)?, false),
            Unlock::Keychain => (
                keychain::recall(&id)?.ok_or(StoreError::NotRemembered)?,
                true,
            ),
        };
        let conn = connect(&Self::database_path(dir), &key, database, false).map_err(|err| match err {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                if from_keychain {
                    StoreError::KeychainCorrupt
                } else {
                    StoreError::corrupt(
                        "the database does not match its key file, or is not a Roster workspace",
                    )
                }
            }
            other => other,
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            id,
            key,
            database,
            conn,
        })
    }

    fn require_exists(dir: &Path) -> Result<(), StoreError> {
        if Self::exists(dir) {
            Ok(())
        } else {
            Err(StoreError::NoWorkspace {
                path: dir.to_owned(),
            })
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The connection, for queries. Writes go through [`Workspace::commit`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Another connection to the same database, read-only, keyed with the key already in
    /// memory (no key derivation): for readers that must not wait behind a writer.
    pub fn read_connection(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(Self::database_path(&self.dir), flags)?;
        apply_key(&conn, &self.key, self.database)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        set_cache(&conn)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(conn)
    }

    /// Re-wraps the data key under a new passphrase. The database is not rewritten.
    pub fn change_passphrase(&self, new: &Passphrase) -> Result<(), StoreError> {
        let path = self.dir.join(KEY_FILE);
        let remembered = KeyFile::read(&path)?.remembered();
        KeyFile::seal(&self.id, &self.key, new, self.database)?
            .with_remembered(remembered)
            .write(&path)
    }

    /// Keeps the data key in the OS keychain so the workspace unlocks without typing.
    pub fn remember(&self) -> Result<(), StoreError> {
        keychain::remember(&self.id, &self.key)?;
        self.set_remembered(true)
    }

    /// Removes the data key from the OS keychain.
    pub fn forget(&self) -> Result<(), StoreError> {
        keychain::forget(&self.id)?;
        self.set_remembered(false)
    }

    fn set_remembered(&self, remembered: bool) -> Result<(), StoreError> {
        let path = self.dir.join(KEY_FILE);
        KeyFile::read(&path)?
            .with_remembered(remembered)
            .write(&path)
    }

    /// Whether the OS keychain holds this workspace's key (asks the keychain).
    pub fn is_remembered(&self) -> Result<bool, StoreError> {
        Ok(keychain::recall(&self.id)?.is_some())
    }

    /// Whether the workspace at `dir` was remembered on this device (read from the key
    /// file; the keychain is not asked).
    pub fn is_remembered_at(dir: &Path) -> Result<bool, StoreError> {
        Self::require_exists(dir)?;
        Ok(KeyFile::read(&dir.join(KEY_FILE))?.remembered())
    }

    /// Closes the workspace and deletes its files: for a creation that must not stand.
    pub fn discard(self) -> Result<(), StoreError> {
        let dir = self.dir.clone();
        drop(self);
        remove_workspace_files(&dir)?;
        remove_file_if_there(&dir.join(CREATION_LOCK))
    }

    /// Decides `envelope` with roster-core against the current state and, if accepted,
    /// writes the changes, their audit entry and the outbox entry in one transaction.
    pub fn commit(
        &mut self,
        envelope: &Envelope,
        actor_label: &str,
    ) -> Result<Outcome, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcome = commit_in(&tx, envelope, actor_label)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Loads a whole company in one transaction, with one audit entry, and sets `meta`.
    fn seed(
        &mut self,
        snapshot: &Snapshot,
        meta: &[(&str, &str)],
        creator: &SystemActor,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.bulk(|tx| {
            write::load(tx, snapshot)?;
            record_creation(tx, snapshot, meta, creator, at)
        })
    }

    /// Runs `work` in one transaction with foreign-key enforcement off: for loading a whole
    /// company, where a check per row costs more than the row. What `work` writes must be
    /// checked another way: a snapshot by `Snapshot::check`, anything else by
    /// `write::check_references` before it returns. SQLite switches enforcement only
    /// between transactions.
    pub(crate) fn bulk<T, E: From<StoreError>>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn
            .pragma_update(None, "foreign_keys", "OFF")
            .map_err(StoreError::from)?;
        let result = (|| -> Result<T, E> {
            self.conn
                .pragma_update(None, "cache_size", -BULK_CACHE_KIB)
                .map_err(StoreError::from)?;
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)?;
            let value = work(&tx)?;
            tx.commit().map_err(StoreError::from)?;
            Ok(value)
        })();
        let restored = self
            .conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(StoreError::from)
            .and_then(|()| set_cache(&self.conn));
        let value = result?;
        restored?;
        Ok(value)
    }

    /// A value from the workspace's own settings (actor, device).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        outbox::len(&self.conn)
    }

    pub fn outbox(&self, limit: u32) -> Result<Vec<Envelope>, StoreError> {
        outbox::list(&self.conn, limit)
    }

    pub fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        audit::list(&self.conn, query)
    }

    pub fn verify_audit(&self) -> Result<ChainReport, StoreError> {
        audit::verify(&self.conn)
    }

    /// SQLite's own consistency check of the database file.
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
        let problems: Vec<String> = rows.collect::<Result<_, _>>()?;
        Ok(if problems == ["ok"] {
            Vec::new()
        } else {
            problems
        })
    }
}

/// Sets `meta` and writes the audit entry that says who made the workspace from `snapshot`.
fn record_creation(
    tx: &Transaction<'_>,
    snapshot: &Snapshot,
    meta: &[(&str, &str)],
    creator: &SystemActor,
    at: Timestamp,
) -> Result<(), StoreError> {
    for (key, value) in meta {
        tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
            .execute([key, value])?;
    }
    let summary = format!(
        "created the workspace for {} with {} members and {} infrastructures",
        snapshot.company.name,
        snapshot.members.len(),
        snapshot.infrastructures.len()
    );
    audit::append(
        tx,
        &NewEntry {
            op_id: None,
            at,
            actor: "system".to_owned(),
            actor_label: creator.label.clone(),
            device: creator.device.clone(),
            online: false,
            action: "workspace_created",
            summary: &summary,
            members: Vec::new(),
            infras: Vec::new(),
            changes: &[],
        },
    )?;
    Ok(())
}

/// Decides `envelope` against the state `tx` sees and, if accepted, writes its changes, its
/// audit entry and its outbox entry, which carries what the op expected to find
/// (`roster_core::expect`) so the server can tell an edit conflict from a plain edit.
pub(crate) fn commit_in(
    tx: &rusqlite::Transaction<'_>,
    envelope: &Envelope,
    actor_label: &str,
) -> Result<Outcome, StoreError> {
    let decision = decide(&SqlState::new(tx), envelope).map_err(|rejection| match rejection {
        roster_core::Rejection::Refused(refusal) => StoreError::Refused(refusal),
        roster_core::Rejection::State(err) => err,
    })?;
    if decision.is_noop() {
        return Ok(Outcome::Unchanged {
            summary: decision.summary,
        });
    }
    write::apply(tx, &decision.changes)?;
    let actor = serde_json::to_string(&envelope.actor)
        .map_err(|err| StoreError::corrupt(err.to_string()))?;
    let audit_seq = audit::append(
        tx,
        &NewEntry {
            op_id: Some(envelope.id),
            at: envelope.at,
            actor,
            actor_label: actor_label.to_owned(),
            device: envelope.device.to_string(),
            online: false,
            action: envelope.op.kind().as_str(),
            summary: &decision.summary,
            members: decision.members.iter().copied().collect(),
            infras: decision.infras.iter().copied().collect(),
            changes: &decision.changes,
        },
    )?;
    let queued = Envelope {
        expects: expectations(&decision.changes),
        ..envelope.clone()
    };
    outbox::push(
        tx,
        &queued,
        &decision.changes,
        &decision.summary,
        envelope.at,
    )?;
    Ok(Outcome::Applied {
        audit_seq,
        summary: decision.summary,
        changes: decision.changes,
    })
}

/// Opens the database with the data key and the settings every connection needs.
fn connect(
    path: &Path,
    key: &DataKey,
    database: DatabaseFormat,
    create: bool,
) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let mut conn = Connection::open_with_flags(path, flags)?;
    apply_key(&conn, key, database)?;
    // The first read fails with NotADatabase when the key is wrong.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // A new database is filled in one transaction first, which a rollback journal writes
    // straight into the file; through the write-ahead log every page would be written twice
    // (the log, then the checkpoint). `Workspace::create` switches to WAL after it.
    if !create {
        use_write_ahead_log(&conn)?;
    }
    // Temp tables and sort spills stay in memory, so nothing in the folder is plaintext.
    // FULL makes every acknowledged commit durable.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    set_cache(&conn)?;
    conn.set_prepared_statement_cache_capacity(64);
    migrate::migrate(&mut conn)?;
    Ok(conn)
}

/// Keys `conn` with the data key as a raw key, in the database's format. Nothing is read:
/// a wrong key shows at the first read.
fn apply_key(conn: &Connection, key: &DataKey, database: DatabaseFormat) -> Result<(), StoreError> {
    // SQLCipher logs "hmac check failed" to stderr on a wrong key; we report it ourselves.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()));
    conn.execute_batch(&pragma)?;
    conn.execute_batch(&database.pragmas())?;
    Ok(())
}

/// Readers never wait for the writer, and a commit is one append. WAL pages are encrypted
/// like the database's.
fn use_write_ahead_log(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    Ok(())
}

/// A bulk load's page cache. With the loaded pages kept in memory until the commit, each is
/// encrypted and written once; the usual cache would spill them to the file mid-load and
/// decrypt them again to build the indexes and the full-text index (at 100,000 members,
/// about 0.3 s of a 3 s load). Taken only as pages are used, and given back after.
const BULK_CACHE_KIB: i64 = 256 * 1024;

/// SQLCipher decrypts and authenticates a page each time it is read from the file; a page
/// cache of 64 MiB holds a 100,000-member company whole, so a list or a search never pays
/// for decryption twice. The memory is taken only as pages are read.
fn set_cache(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(())
}

/// Stores a snapshot's parts as they come, into the tables a `Load` empties, then makes
/// their indexes: the full-text one apart, on the other core (`search_index`), while this
/// thread makes the others. Answers the snapshot the parts make up, not yet checked.
fn load_streamed<E: From<StoreError>>(
    tx: &Transaction<'_>,
    parts: impl IntoIterator<Item = Result<SnapshotPart, E>>,
) -> Result<Snapshot, E> {
    let load = write::Load::begin(tx)?;
    let mut writer = write::PartWriter::new(tx)?;
    let mut assembly = Assembly::new();
    for part in parts {
        let part = part?;
        writer.insert(&part)?;
        assembly.add(part).map_err(StoreError::Refused)?;
    }
    let snapshot = assembly.finish().map_err(StoreError::Refused)?;
    let rowids = writer.take_member_rowids();
    let search = search_index::definition(tx)?;
    let (built, written) = std::thread::scope(|apart| {
        let index = apart.spawn(|| build_search_index(&search, &rowids, &snapshot));
        let written = writer.finish().and_then(|()| load.finish_but_search(tx));
        (joined(index), written)
    });
    match written.and_then(|()| search_index::install(tx, &built?)) {
        Ok(()) => Ok(snapshot),
        // A snapshot naming a member it does not hold fails the writer too; the check's
        // refusal says what is wrong with it.
        Err(err) => Err(snapshot
            .check()
            .map_or_else(StoreError::Refused, |()| err)
            .into()),
    }
}

/// The full-text index of `snapshot`'s members, who were stored with `rowids` in the order
/// they came.
fn build_search_index(
    definition: &str,
    rowids: &[i64],
    snapshot: &Snapshot,
) -> Result<BuiltIndex, StoreError> {
    if rowids.len() != snapshot.members.len() {
        return Err(StoreError::corrupt(
            "the members stored and the members streamed do not match",
        ));
    }
    let members = rowids
        .iter()
        .zip(&snapshot.members)
        .map(|(rowid, m)| (*rowid, m.name.as_str(), m.email.as_str()));
    search_index::build(definition, members)
}

/// Removes whatever a failed creation left in `dir`.
pub(crate) fn remove_files(dir: &Path) {
    for file in WORKSPACE_FILES {
        let _ = fs::remove_file(dir.join(file));
    }
}

/// Removes every file of the workspace at `dir`, saying which one could not go.
pub(crate) fn remove_workspace_files(dir: &Path) -> Result<(), StoreError> {
    WORKSPACE_FILES
        .iter()
        .try_for_each(|file| remove_file_if_there(&dir.join(file)))
}

fn remove_file_if_there(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::io("remove the workspace", path, source)),
    }
}

/// Options for a file of the workspace folder: readable and writable by its user only,
/// from the moment it is made (on Unix; elsewhere the folder's own access rules hold).
pub(crate) fn private_file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn create_private_file(path: &Path) -> Result<(), StoreError> {
    private_file_options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| StoreError::io("create the workspace database", path, source))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use roster_core::{Company, Email, Member, MemberId, MemberKind, MemberStatus, Name};

    use super::*;

    /// A company of one Company Admin.
    fn snapshot() -> Snapshot {
        let mut snapshot = Snapshot::new(Company {
            name: Name::parse("Example AG").expect("a valid name"),
        });
        snapshot.members.push(Member {
            id: MemberId::from_uuid(uuid::Uuid::from_u128(1)),
            email: Email::parse("grace.hopper@example.com").expect("a valid e-mail"),
            name: Name::parse("Grace Hopper").expect("a valid name"),
            kind: MemberKind::ItUser,
            status: MemberStatus::Active,
            company_admin: true,
            administrator: false,
            phone: None,
            security_contact: false,
            created_at: Timestamp::from_unix_millis(0),
        });
        snapshot
    }

    fn create_as(dir: &Path, passphrase: &Passphrase, database: DatabaseFormat) -> Workspace {
        let key = DataKey::generate().expect("random key");
        let sealed = KeyFile::seal("ws-1", &key, passphrase, database).expect("seal");
        let new = NewKey {
            workspace_id: "ws-1".to_owned(),
            key,
            sealed,
            database,
        };
        let creator = SystemActor {
            label: "test".to_owned(),
            device: "test-device".to_owned(),
        };
        Workspace::create_with_key(
            dir,
            new,
            &snapshot(),
            &[],
            &creator,
            Timestamp::from_unix_millis(0),
        )
        .expect("create")
    }

    /// The page size SQLCipher reads the file with (it answers as text).
    fn page_size(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA cipher_page_size", [], |row| row.get::<_, String>(0))
            .expect("page size")
            .parse()
            .expect("a number")
    }

    #[test]
    fn a_new_workspace_uses_sixteen_kib_pages_on_every_connection() {
        let folder = tempfile::tempdir().expect("temp dir");
        let dir = folder.path().join("w");
        let passphrase = Passphrase::new("Right-Passphrase-42".into());
        drop(
            Workspace::create(
                &dir,
                "ws-1",
                &passphrase,
                &snapshot(),
                &[],
                &SystemActor {
                    label: "test".to_owned(),
                    device: "test-device".to_owned(),
                },
                Timestamp::from_unix_millis(0),
            )
            .expect("create"),
        );
        let workspace = Workspace::open(&dir, Unlock::Passphrase(&passphrase)).expect("open");
        assert_eq!(page_size(workspace.conn()), 16_384);
        assert_eq!(
            page_size(&workspace.read_connection().expect("reader")),
            16_384
        );
        assert_eq!(workspace.snapshot().expect("snapshot"), snapshot());
    }

    /// Workspaces made before key-file format 2 use SQLCipher 4's defaults, and keep them
    /// through a passphrase change.
    #[test]
    fn a_workspace_of_sqlcipher_defaults_opens_and_keeps_its_format_through_a_passphrase_change() {
        let folder = tempfile::tempdir().expect("temp dir");
        let dir = folder.path().join("w");
        let first = Passphrase::new("Right-Passphrase-42".into());
        drop(create_as(&dir, &first, DatabaseFormat::SQLCIPHER_4));

        let workspace = Workspace::open(&dir, Unlock::Passphrase(&first)).expect("open");
        assert_eq!(page_size(workspace.conn()), 4096);
        let second = Passphrase::new("Second-Passphrase-43".into());
        workspace
            .change_passphrase(&second)
            .expect("change the passphrase");
        drop(workspace);

        let text = fs::read_to_string(dir.join(KEY_FILE)).expect("key file");
        assert!(text.contains("\"format\": 1"), "{text}");
        let workspace = Workspace::open(&dir, Unlock::Passphrase(&second)).expect("reopen");
        assert_eq!(
            page_size(&workspace.read_connection().expect("reader")),
            4096
        );
        assert_eq!(workspace.snapshot().expect("snapshot"), snapshot());
    }
}
