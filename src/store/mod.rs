//! The local history: one SQLite file in `VIBE_HOME`, opened in WAL mode with a busy timeout
//! and foreign keys on, migrated to [`SCHEMA_VERSION`] on open. Typed query functions live in
//! one file per table group; commands never write SQL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use time::OffsetDateTime;

use crate::error::Error;

mod github;
mod metrics;
mod model;
mod queries;
mod records;
pub use metrics::*;
pub use queries::*;
pub use records::*;
mod jobs;
pub use jobs::*;
mod reviews;
mod sync;
pub use reviews::*;
pub use sync::*;

/// The schema this build writes. A database with a higher `user_version` was written by a
/// newer vibe and is refused rather than silently downgraded.
pub const SCHEMA_VERSION: i64 = 4;

/// Migrations in order; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
];

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file is from a newer vibe.
    #[error(
        "the database {path} has schema version {found}, newer than this vibe understands ({supported})"
    )]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    /// The file could not be created or opened.
    #[error("cannot open the database {path}: {message}")]
    Open { path: PathBuf, message: String },
    /// A row that should exist does not.
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
    /// An id prefix that matches several rows.
    #[error("id prefix {0} is ambiguous; give more characters")]
    Ambiguous(String),
    /// A row holds data that does not parse.
    #[error("corrupt {what} record {id}: {message}")]
    Corrupt { what: &'static str, id: String, message: String },
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::TooNew { .. } => Error::failure(e.to_string())
                .with_hint("upgrade vibe (cargo install --path . in a newer checkout), or set VIBE_HOME to another directory"),
            StoreError::NotFound { .. } | StoreError::Ambiguous(_) => {
                Error::failure(e.to_string()).with_hint("list ids with `vibe history`")
            }
            StoreError::Open { .. } => Error::failure(e.to_string())
                .with_hint("check that VIBE_HOME points to a writable directory"),
            _ => Error::failure(e.to_string()),
        }
    }
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// An open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> StoreResult<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Open { path: path.to_path_buf(), message: e.to_string() })?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Open { path: path.to_path_buf(), message: e.to_string() })?;
        let mut store = Store { conn, path: path.to_path_buf() };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    fn configure(&self) -> StoreResult<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        // Switching a new database to WAL takes an exclusive lock, and SQLite may answer BUSY
        // at once (without the busy handler) while another process opens the same new file.
        let mut attempts = 0;
        loop {
            match self.conn.pragma_update(None, "journal_mode", "wal") {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if attempts < 200
                        && matches!(
                            e.code,
                            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                        ) =>
                {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                other => break other?,
            }
        }
        self.conn.pragma_update(None, "synchronous", "normal")?;
        self.conn.pragma_update(None, "foreign_keys", "on")?;
        Ok(())
    }

    fn migrate(&mut self) -> StoreResult<()> {
        let found: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: self.path.clone(), found, supported: SCHEMA_VERSION });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        // One writer migrates; others wait on the lock and then see the new version.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> StoreResult<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The underlying connection, for the query modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in an immediate (write-locking) transaction.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// A new record id: a random UUID (v4), so the 8-character short ids shown to users differ
/// even for records made in the same second (time-ordered v7 ids would share their prefix).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Formats a timestamp the way the store keeps them: RFC 3339 UTC with milliseconds.
pub fn ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses a stored timestamp.
pub fn parse_ts(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/vibe.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        drop(store);
        let store = Store::open(&path).unwrap();
        let mode: String = store.conn().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vibe.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found, .. } if found == SCHEMA_VERSION + 1), "{err}");
        let shown: Error = err.into();
        assert!(shown.hint.unwrap().contains("upgrade vibe"));
    }

    #[test]
    fn ids_made_together_have_distinct_short_forms() {
        let ids: std::collections::HashSet<String> = (0..50).map(|_| new_id()[..8].to_string()).collect();
        assert_eq!(ids.len(), 50);
    }

    #[test]
    fn timestamps_sort_as_text() {
        let a = ts(time::macros::datetime!(2026-01-02 03:04:05.006 UTC));
        assert_eq!(a, "2026-01-02T03:04:05.006Z");
        assert_eq!(parse_ts(&a).map(ts), Some(a));
    }
}
