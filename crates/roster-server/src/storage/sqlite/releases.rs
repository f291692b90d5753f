//! Published releases of the desktop app.

use roster_core::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::releases::{Bundle, Platform, Release, parse_version};
use crate::storage::{Result, StorageError};

const COLUMNS: &str =
    "id, version, os, arch, bundle, file_name, size, sha256, signature, notes, published_at";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Release> {
    let version: String = row.get(1)?;
    let version = parse_version(&version).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(Release {
        id: row.get(0)?,
        published_at: row.get(10)?,
        bundle: Bundle {
            version,
            platform: Platform {
                os: row.get(2)?,
                arch: row.get(3)?,
                bundle: row.get(4)?,
            },
            file_name: row.get(5)?,
            size: row.get(6)?,
            sha256: row.get(7)?,
            signature: row.get(8)?,
            notes: row.get(9)?,
        },
    })
}

pub fn add(conn: &Connection, release: &Bundle, at: Timestamp) -> Result<Release> {
    let id = conn
        .prepare_cached(
            "INSERT INTO releases (version, os, arch, bundle, file_name, size, sha256, signature, notes, published_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
        )?
        .query_row(
            params![
                release.version.to_string(),
                release.platform.os,
                release.platform.arch,
                release.platform.bundle,
                release.file_name,
                release.size,
                release.sha256,
                release.signature,
                release.notes,
                at.unix_millis(),
            ],
            |row| row.get::<_, i64>(0),
        )?;
    one(conn, id)?.ok_or_else(|| StorageError::corrupt("a release vanished as it was written"))
}

pub fn all(conn: &Connection) -> Result<Vec<Release>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM releases ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn one(conn: &Connection, id: i64) -> Result<Option<Release>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM releases WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}
