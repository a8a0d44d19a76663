//! Bookkeeping of the team mirror (`schema_v4.sql`): per mirror and table a cursor over
//! `(updated_at, id)`; every row at or before it has been confirmed by the server. Rows after
//! it are read in that order, with only the columns the mirror has. A cursor moves only by
//! compare-and-set from the value it was read at, so a rewind made meanwhile by a writer (a
//! row written at or behind the cursor) is never lost.

use rusqlite::{params, OptionalExtension};
use serde_json::{Map, Value};

use super::{Store, StoreResult};

/// A mirrored table: its local name (the mirror's name too), the columns sent, and the
/// expression that is its cursor id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MirrorTable {
    pub name: &'static str,
    /// Columns the mirror has; `updated_at` is never among them (the server keeps it).
    pub columns: &'static [&'static str],
    /// Columns kept as 0/1 locally and sent as booleans.
    pub booleans: &'static [&'static str],
    /// SQL for the row's cursor id.
    key: &'static str,
}

/// The mirrored tables, parents before children: users, CRSs, plans, jobs, pull requests,
/// then model usage.
pub const MIRROR_TABLES: &[MirrorTable] = &[
    MirrorTable {
        name: "users",
        columns: &[
            "id",
            "github_host",
            "github_id",
            "login",
            "name",
            "email",
            "avatar_url",
            "html_url",
            "auth_user_id",
            "last_login_at",
            "created_at",
            "deleted_at",
        ],
        booleans: &[],
        key: "id",
    },
    MirrorTable {
        name: "crs_records",
        columns: &[
            "id",
            "user_id",
            "github_host",
            "repo_full_name",
            "summary",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "tokens_used",
            "cost_usd",
            "processing_time_ms",
            "created_at",
            "deleted_at",
        ],
        booleans: &[],
        key: "id",
    },
    MirrorTable {
        name: "plan_records",
        columns: &[
            "id",
            "user_id",
            "github_host",
            "repo_full_name",
            "parent_id",
            "crs_id",
            "status",
            "task_summary",
            "complexity",
            "confidence",
            "steps_count",
            "processing_time_ms",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "tokens_used",
            "cost_usd",
            "created_at",
            "deleted_at",
        ],
        booleans: &[],
        key: "id",
    },
    MirrorTable {
        name: "job_records",
        columns: &[
            "id",
            "plan_id",
            "user_id",
            "github_host",
            "repo_full_name",
            "branch_name",
            "sandbox",
            "status",
            "base_commit",
            "commit_sha",
            "execution_time_ms",
            "files_changed",
            "lines_added",
            "lines_removed",
            "tokens_used",
            "model",
            "cost_usd",
            "error_message",
            "started_at",
            "finished_at",
            "created_at",
            "deleted_at",
        ],
        booleans: &[],
        key: "id",
    },
    MirrorTable {
        name: "pr_records",
        columns: &[
            "id",
            "job_id",
            "user_id",
            "github_host",
            "repo_full_name",
            "pr_number",
            "pr_url",
            "state",
            "draft",
            "title",
            "head_ref",
            "base_ref",
            "head_sha",
            "created_at",
            "deleted_at",
        ],
        booleans: &["draft"],
        key: "id",
    },
    MirrorTable {
        name: "usage_daily",
        columns: &["day", "model", "stage", "calls", "prompt_tokens", "completion_tokens", "cost_usd"],
        booleans: &[],
        key: "day || '|' || model || '|' || stage",
    },
];

/// A position in a table's `(updated_at, id)` order; the empty cursor is before every row.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncCursor {
    pub updated_at: String,
    pub id: String,
}

/// A row waiting to be mirrored: its mirror columns and its place in the order.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRow {
    pub cursor: SyncCursor,
    pub row: Map<String, Value>,
}

impl Store {
    /// How far the mirror at `target` has got in `table` (the empty cursor when never synced).
    pub fn sync_cursor(&self, target: &str, table: &str) -> StoreResult<SyncCursor> {
        Ok(self
            .conn()
            .query_row(
                "select updated_at, id from sync_cursors where target = ?1 and tbl = ?2",
                params![target, table],
                |r| Ok(SyncCursor { updated_at: r.get(0)?, id: r.get(1)? }),
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Up to `limit` rows of `table` after `after`, in cursor order.
    pub fn rows_after(
        &self,
        table: &MirrorTable,
        after: &SyncCursor,
        limit: usize,
    ) -> StoreResult<Vec<PendingRow>> {
        self.rows_where(table, after, "?4 is null", &None::<String>, limit)
    }

    fn rows_where(
        &self,
        table: &MirrorTable,
        after: &SyncCursor,
        extra: &str,
        arg: &dyn rusqlite::ToSql,
        limit: usize,
    ) -> StoreResult<Vec<PendingRow>> {
        let sql = format!(
            "select updated_at, {key} as k, {cols} from {name} \
             where (updated_at, {key}) > (?1, ?2) and {extra} order by updated_at, k limit ?3",
            key = table.key,
            cols = table.columns.join(", "),
            name = table.name,
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params![after.updated_at, after.id, limit as i64, arg], |r| {
            let mut row = Map::new();
            for (i, col) in table.columns.iter().enumerate() {
                let v = match r.get_ref(i + 2)? {
                    rusqlite::types::ValueRef::Null => Value::Null,
                    rusqlite::types::ValueRef::Integer(n) if table.booleans.contains(col) => {
                        Value::Bool(n != 0)
                    }
                    rusqlite::types::ValueRef::Integer(n) => Value::from(n),
                    rusqlite::types::ValueRef::Real(f) => Value::from(f),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        Value::from(String::from_utf8_lossy(t).into_owned())
                    }
                };
                row.insert((*col).to_string(), v);
            }
            Ok(PendingRow { cursor: SyncCursor { updated_at: r.get(0)?, id: r.get(1)? }, row })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The rows of `table` with these ids that come after `after` (pending rows), any order.
    pub fn pending_by_id(
        &self,
        table: &MirrorTable,
        after: &SyncCursor,
        ids: &[String],
    ) -> StoreResult<Vec<PendingRow>> {
        let mut out = Vec::new();
        for id in ids {
            let mut rows = self.rows_where(table, after, &format!("{} = ?4", table.key), id, 1)?;
            out.append(&mut rows);
        }
        Ok(out)
    }

    /// Forgets how far the mirror at `target` has got, so every row goes again.
    pub fn reset_sync_cursors(&mut self, target: &str) -> StoreResult<()> {
        self.conn().execute("delete from sync_cursors where target = ?1", [target])?;
        Ok(())
    }

    /// How many rows of `table` come after the mirror's cursor.
    pub fn pending_count(&self, target: &str, table: &MirrorTable) -> StoreResult<i64> {
        let c = self.sync_cursor(target, table.name)?;
        let sql = format!(
            "select count(*) from {name} where (updated_at, {key}) > (?1, ?2)",
            key = table.key,
            name = table.name
        );
        Ok(self.conn().query_row(&sql, params![c.updated_at, c.id], |r| r.get(0))?)
    }

    /// Moves the cursor of `table` at `target` from `from` (the value it was read at) to
    /// `to`; false, leaving it alone, when it is no longer at `from` (a writer rewound it).
    pub fn advance_sync_cursor(
        &mut self,
        target: &str,
        table: &str,
        from: &SyncCursor,
        to: &SyncCursor,
        now: &str,
    ) -> StoreResult<bool> {
        self.write(|tx| {
            let current: Option<(String, String)> = tx
                .query_row(
                    "select updated_at, id from sync_cursors where target = ?1 and tbl = ?2",
                    params![target, table],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (at, id) = current.unwrap_or_default();
            if at != from.updated_at || id != from.id {
                return Ok(false);
            }
            tx.execute(
                "insert into sync_cursors (target, tbl, updated_at, id, synced_at) values (?1, ?2, ?3, ?4, ?5) \
                 on conflict (target, tbl) do update set updated_at = excluded.updated_at, id = excluded.id, \
                 synced_at = excluded.synced_at",
                params![target, table, to.updated_at, to.id, now],
            )?;
            Ok(true)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{PrRecord, UserRecord};

    const TARGET: &str = "https://abc.supabase.co";

    fn table(name: &str) -> &'static MirrorTable {
        MIRROR_TABLES.iter().find(|t| t.name == name).unwrap()
    }

    fn user(n: i64, at: &str) -> UserRecord {
        UserRecord {
            id: format!("00000000-0000-5000-8000-{n:012}"),
            github_host: "github.com".into(),
            github_id: n,
            login: format!("user{n}"),
            name: None,
            email: None,
            avatar_url: None,
            html_url: None,
            last_login_at: None,
            created_at: at.into(),
            updated_at: at.into(),
        }
    }

    /// Syncs `table` in batches of `batch`, confirming each; the ids sent, in order.
    fn drain(store: &mut Store, t: &MirrorTable, batch: usize) -> Vec<String> {
        let mut sent = Vec::new();
        loop {
            let from = store.sync_cursor(TARGET, t.name).unwrap();
            let rows = store.rows_after(t, &from, batch).unwrap();
            let Some(last) = rows.last() else { return sent };
            sent.extend(rows.iter().map(|r| r.row["id"].as_str().unwrap().to_string()));
            let to = last.cursor.clone();
            store.advance_sync_cursor(TARGET, t.name, &from, &to, "now").unwrap();
        }
    }

    #[test]
    fn rows_go_once_in_cursor_order_and_a_standing_clock_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("vibe.db")).unwrap();
        let t = table("users");
        for n in [3, 1, 2] {
            store.upsert_user(&user(n, "2026-03-01T00:00:00.000Z")).unwrap();
        }
        store.upsert_user(&user(4, "2026-02-01T00:00:00.000Z")).unwrap();
        let first = drain(&mut store, t, 2);
        assert_eq!(first.len(), 4);
        assert!(first[0].ends_with("000000000004"), "oldest first: {first:?}");
        assert!(first[1..].windows(2).all(|w| w[0] < w[1]), "ids break ties: {first:?}");
        assert_eq!(store.pending_count(TARGET, t).unwrap(), 0);
        assert!(drain(&mut store, t, 2).is_empty(), "a second sync sends nothing");

        // Written with the same (frozen) time as the cursor, or an older one: still sent.
        let mut changed = user(1, "2026-03-01T00:00:00.000Z");
        changed.name = Some("One".into());
        store.upsert_user(&changed).unwrap();
        store.upsert_user(&user(5, "2026-01-01T00:00:00.000Z")).unwrap();
        let again = drain(&mut store, t, 10);
        assert!(
            again.contains(&changed.id) && again.iter().any(|i| i.ends_with("000000000005")),
            "{again:?}"
        );
        // Other mirrors keep their own cursors.
        assert_eq!(store.pending_count("https://other.supabase.co", t).unwrap(), 5);
    }

    #[test]
    fn a_cursor_rewound_meanwhile_is_not_moved_past_the_rewind() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("vibe.db")).unwrap();
        let t = table("users");
        store.upsert_user(&user(1, "2026-03-01T00:00:00.000Z")).unwrap();
        store.upsert_user(&user(2, "2026-03-02T00:00:00.000Z")).unwrap();
        drain(&mut store, t, 10);
        // A sync reads a batch; meanwhile a writer lands a row behind the cursor.
        let from = store.sync_cursor(TARGET, "users").unwrap();
        store.upsert_user(&user(3, "2026-03-03T00:00:00.000Z")).unwrap();
        let batch = store.rows_after(t, &from, 10).unwrap();
        store.upsert_user(&user(4, "2026-02-15T00:00:00.000Z")).unwrap();
        let to = batch.last().unwrap().cursor.clone();
        assert!(!store.advance_sync_cursor(TARGET, "users", &from, &to, "now").unwrap());
        let rest = drain(&mut store, t, 10);
        assert!(rest.iter().any(|i| i.ends_with("000000000004")), "{rest:?}");
    }

    #[test]
    fn only_mirror_columns_are_read_with_booleans_as_booleans() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("vibe.db")).unwrap();
        store
            .upsert_pr(&PrRecord {
                id: "00000000-0000-5000-8000-000000000001".into(),
                job_id: None,
                user_id: None,
                github_host: "github.com".into(),
                repo_full_name: "acme/web".into(),
                pr_number: 7,
                pr_url: "https://github.com/acme/web/pull/7".into(),
                state: "open".into(),
                draft: true,
                title: None,
                head_ref: None,
                base_ref: None,
                head_sha: None,
                created_at: "2026-03-01T00:00:00.000Z".into(),
                updated_at: "2026-03-01T00:00:00.000Z".into(),
            })
            .unwrap();
        let rows = store.rows_after(table("pr_records"), &SyncCursor::default(), 10).unwrap();
        assert_eq!(rows[0].row["draft"], Value::Bool(true));
        assert!(!rows[0].row.contains_key("updated_at"), "the server keeps updated_at");
        store.record_usage("2026-03-01", "gpt-4.1", "plan", 10, 5, 0.01).unwrap();
        let usage = store.rows_after(table("usage_daily"), &SyncCursor::default(), 10).unwrap();
        assert_eq!(usage[0].cursor.id, "2026-03-01|gpt-4.1|plan");
        assert!(usage[0].cursor.updated_at.ends_with('Z') && usage[0].cursor.updated_at.len() == 24);
        // Local-only columns (prompts, plan documents, paths, process ids) never leave.
        for t in MIRROR_TABLES {
            for local in
                ["prompt", "crs_json", "plan_json", "result_json", "repo_path", "pid", "heartbeat_at"]
            {
                assert!(!t.columns.contains(&local), "{} sends {local}", t.name);
            }
        }
    }
}
