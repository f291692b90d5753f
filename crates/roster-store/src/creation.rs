//! Making a workspace in a folder, safe against a second maker and against a maker killed
//! half way.
//!
//! A creation writes the key file last: until it is there, the folder holds no workspace
//! ([`crate::Workspace::exists`]), and a database cannot be opened without it. While it
//! works, the maker holds an OS lock on [`CREATION_LOCK`] and marks that file. So a
//! database without a key file is one of three things:
//! - being made right now: the lock is taken, and a second maker is refused;
//! - left by a maker that was killed: the lock is free and the file still marked. Its key
//!   was never written anywhere, so nothing can ever read it; the next creation removes it;
//! - a workspace that lost its key file (no mark): not ours to remove, so the folder is
//!   refused as holding a workspace, as before.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::workspace::{
    KEY_FILE, Workspace, private_file_options, remove_files, remove_workspace_files,
};

/// The file a maker locks, and marks, for as long as it makes a workspace in the folder.
/// It stays, empty, beside the workspace.
pub(crate) const CREATION_LOCK: &str = "roster.lock";

/// What the lock file holds while a creation is under way.
const MARK: &[u8] = b"creating\n";

/// A workspace being made in a folder: the folder's creation lock, taken and marked.
pub(crate) struct Creation {
    dir: PathBuf,
    /// `None` where the file system cannot lock files: the creation goes on, but a
    /// database found without its key file is then never taken for an abandoned one.
    lock: Option<fs::File>,
}

impl Creation {
    /// Readies `dir` for a new workspace: makes the folder (private to its user), takes
    /// its creation lock, and removes what a killed creation left. Refuses a folder that
    /// holds a workspace, or where another maker is at work.
    pub(crate) fn begin(dir: &Path) -> Result<Self, StoreError> {
        create_private_dir(dir)?;
        let lock = take_lock(dir)?;
        if Workspace::database_path(dir).exists() {
            let abandoned = !dir.join(KEY_FILE).exists()
                && match &lock {
                    Some(file) => is_marked(file, dir)?,
                    None => false,
                };
            if !abandoned {
                return Err(StoreError::AlreadyExists {
                    path: dir.to_owned(),
                });
            }
            remove_workspace_files(dir)?;
        }
        if let Some(file) = &lock {
            mark(file, dir)?;
        }
        Ok(Self {
            dir: dir.to_owned(),
            lock,
        })
    }

    /// Ends the creation: a failed one leaves no file of the workspace behind. The mark is
    /// cleared either way, and the lock let go.
    pub(crate) fn end(self, made: bool) {
        if !made {
            remove_files(&self.dir);
        }
        if let Some(file) = &self.lock {
            // A mark left beside a workspace with its key file is never read as abandoned,
            // so a failure here costs nothing.
            let _ = file.set_len(0);
        }
    }
}

fn lock_path(dir: &Path) -> PathBuf {
    dir.join(CREATION_LOCK)
}

fn lock_error(dir: &Path, source: std::io::Error) -> StoreError {
    StoreError::io("lock the workspace folder", &lock_path(dir), source)
}

/// The folder's creation lock, taken; `None` if its file system cannot lock.
fn take_lock(dir: &Path) -> Result<Option<fs::File>, StoreError> {
    let file = private_file_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path(dir))
        .map_err(|source| lock_error(dir, source))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(fs::TryLockError::WouldBlock) => Err(StoreError::CreationInProgress {
            path: dir.to_owned(),
        }),
        Err(fs::TryLockError::Error(err)) if err.kind() == std::io::ErrorKind::Unsupported => {
            Ok(None)
        }
        Err(fs::TryLockError::Error(source)) => Err(lock_error(dir, source)),
    }
}

/// Whether the lock file still says a creation is under way.
fn is_marked(mut file: &fs::File, dir: &Path) -> Result<bool, StoreError> {
    let mut content = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_end(&mut content))
        .map_err(|source| lock_error(dir, source))?;
    Ok(content == MARK)
}

/// Marks the creation under way, durably: a machine that loses power mid-way leaves a
/// folder the next creation can clear.
fn mark(mut file: &fs::File, dir: &Path) -> Result<(), StoreError> {
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(MARK))
        .and_then(|()| file.sync_data())
        .map_err(|source| lock_error(dir, source))
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(dir)
        .map_err(|source| StoreError::io("create the workspace folder", dir, source))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::DATABASE_FILE;

    fn folder() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let dir = tmp.path().join("workspace");
        (tmp, dir)
    }

    #[test]
    fn a_second_maker_is_refused_while_the_first_is_at_work() {
        let (_tmp, dir) = folder();
        let first = Creation::begin(&dir).expect("the first maker begins");
        let refused = Creation::begin(&dir).err().expect("the second is refused");
        assert!(
            matches!(refused, StoreError::CreationInProgress { .. }),
            "{refused}"
        );
        first.end(false);
        Creation::begin(&dir)
            .expect("the folder is free again")
            .end(false);
    }

    #[test]
    fn a_database_left_by_a_killed_maker_is_removed_and_one_without_the_mark_is_kept() {
        let (_tmp, dir) = folder();
        let creation = Creation::begin(&dir).expect("begins");
        fs::write(dir.join(DATABASE_FILE), b"a half-made database").expect("written");
        fs::write(dir.join("roster.db-journal"), b"its journal").expect("written");
        // Killed: the lock goes with the process, the mark stays.
        drop(creation);

        Creation::begin(&dir)
            .expect("the abandoned database is cleared")
            .end(false);
        assert!(!dir.join(DATABASE_FILE).exists());
        assert!(!dir.join("roster.db-journal").exists());

        // A database without its key file and without the mark may be a workspace that
        // lost its key file: it is refused, not removed.
        fs::write(dir.join(DATABASE_FILE), b"someone's workspace").expect("written");
        let refused = Creation::begin(&dir).err().expect("refused");
        assert!(
            matches!(refused, StoreError::AlreadyExists { .. }),
            "{refused}"
        );
        assert!(dir.join(DATABASE_FILE).exists(), "kept");
    }

    #[test]
    fn a_workspace_with_its_key_file_is_never_cleared_even_under_a_stale_mark() {
        let (_tmp, dir) = folder();
        let creation = Creation::begin(&dir).expect("begins");
        fs::write(dir.join(DATABASE_FILE), b"a workspace").expect("written");
        fs::write(dir.join(KEY_FILE), b"its key").expect("written");
        drop(creation);
        let refused = Creation::begin(&dir).err().expect("refused");
        assert!(
            matches!(refused, StoreError::AlreadyExists { .. }),
            "{refused}"
        );
        assert!(dir.join(DATABASE_FILE).exists() && dir.join(KEY_FILE).exists());
    }
}
