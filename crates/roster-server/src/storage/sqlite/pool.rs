//! Fixed pools of read-only connections. WAL lets them read while the writer writes; a
//! fixed size keeps concurrent requests from opening connections of their own.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use rusqlite::Connection;

use crate::storage::Result;

#[derive(Debug)]
pub(super) struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Signalled when a connection goes back to the pool.
    returned: Condvar,
}

impl Pool {
    /// `size` read-only connections to the database at `path`.
    pub(super) fn open(path: &Path, size: usize) -> Result<Self> {
        let idle = (0..size).map(|_| reader(path)).collect::<Result<_>>()?;
        Ok(Self {
            path: path.to_owned(),
            idle: Mutex::new(idle),
            returned: Condvar::new(),
        })
    }

    /// A read-only connection of its own, outside the pool, set up as the pool's are: for
    /// a reader that may take long.
    pub(super) fn fresh(&self) -> Result<Connection> {
        reader(&self.path)
    }

    /// A connection, waiting for one when all are busy; it goes back on drop.
    pub(super) fn checkout(&self) -> Pooled<'_> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if let Some(conn) = idle.pop() {
                return Pooled {
                    conn: Some(conn),
                    pool: self,
                };
            }
            idle = self
                .returned
                .wait(idle)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

fn reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "cache_size", -32_768)?;
    // A write elsewhere resets a reader's page cache at its next read; mapped pages cost
    // nothing to read again.
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// A connection out of its pool.
pub(super) struct Pooled<'a> {
    conn: Option<Connection>,
    pool: &'a Pool,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(conn);
            self.pool.returned.notify_one();
        }
    }
}
