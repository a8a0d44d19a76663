//! Listings for `vibe history` and `vibe admin users|jobs|plans|prs`: filtered, newest first,
//! bounded. The SQL is built from the filters actually given so each query can walk the
//! `created_at` (or user) index instead of testing every row.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension};
use serde::Serialize;

use super::{CrsRecord, JobRecord};
use super::{
    PlanRecord, PrRecord, Store, StoreResult, UserRecord, CRS_COLS, JOB_COLS, PLAN_COLS, PR_COLS, USER_COLS,
};

/// Statuses a plan can have.
pub const PLAN_STATUSES: &[&str] = &["draft", "approved", "rejected", "superseded"];
/// Statuses a job can have.
pub const JOB_STATUSES: &[&str] = &[
    "queued",
    "provisioning",
    "running",
    "testing",
    "committing",
    "done",
    "failed",
    "cancelled",
    "interrupted",
];
/// States a pull request can have.
pub const PR_STATES: &[&str] = &["open", "closed", "merged"];

/// Which rows a listing shows. Empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    /// At most this many rows.
    pub limit: u32,
    /// Only rows created at or after this stored timestamp (see [`super::ts`]).
    pub since: Option<String>,
    /// Only rows of this repository: `owner/name` (any case) or a local repository path.
    pub repo: Option<String>,
    /// Only rows with this status (state, for pull requests).
    pub status: Option<String>,
    /// Only rows of this user.
    pub user_id: Option<String>,
    /// With `user_id`: also rows recorded while nobody was logged in.
    pub include_unowned: bool,
}

/// The kinds of records a history shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryKind {
    /// A change request spec.
    Crs,
    /// A plan.
    Plan,
    /// A job.
    Job,
    /// A pull request.
    Pr,
}

impl HistoryKind {
    /// The word shown in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::Crs => "crs",
            HistoryKind::Plan => "plan",
            HistoryKind::Job => "job",
            HistoryKind::Pr => "pr",
        }
    }
}

/// One line of the merged timeline of CRSs, plans, jobs and pull requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// What the record is.
    pub kind: HistoryKind,
    /// Its full id.
    pub id: String,
    /// Its status (CRSs have none).
    pub status: Option<String>,
    /// `owner/name`, or the local path for records of a repository without a GitHub remote.
    pub repo: Option<String>,
    /// One line saying what it is about.
    pub summary: Option<String>,
    /// The pull request's web address.
    pub url: Option<String>,
    /// Who made it (none when nobody was logged in).
    pub user_id: Option<String>,
    /// When it was made.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
}

/// A user with the number of their records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserSummary {
    /// The profile.
    #[serde(flatten)]
    pub user: UserRecord,
    /// Plans made by the user.
    pub plans: i64,
    /// Jobs run by the user.
    pub jobs: i64,
    /// Pull requests opened by the user.
    pub prs: i64,
}

/// A listed record with the GitHub login of its user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed<T> {
    /// The record.
    #[serde(flatten)]
    pub record: T,
    /// Login of the record's user, when it has one.
    pub user_login: Option<String>,
}

/// Builds the `where` clause of a listing from the filters a table supports.
struct Filter {
    clauses: Vec<String>,
    params: Vec<Value>,
}

/// Which filterable columns a table has.
struct Columns {
    /// Table alias used in the query.
    alias: &'static str,
    status: Option<&'static str>,
    repo_path: bool,
}

impl Filter {
    fn new(q: &ListQuery, cols: &Columns) -> Self {
        let a = cols.alias;
        let mut f = Filter { clauses: vec![format!("{a}.deleted_at is null")], params: Vec::new() };
        if let Some(since) = &q.since {
            f.push(format!("{a}.created_at >= ?"), since.clone());
        }
        if let Some(repo) = &q.repo {
            if cols.repo_path {
                f.push(format!("({a}.repo_full_name = ? collate nocase or {a}.repo_path = ?)"), repo.clone());
                f.params.push(Value::Text(repo.clone()));
            } else {
                f.push(format!("{a}.repo_full_name = ? collate nocase"), repo.clone());
            }
        }
        if let Some(status) = &q.status {
            match cols.status {
                Some(col) => f.push(format!("{a}.{col} = ?"), status.clone()),
                // A status filter excludes records that have no status.
                None => f.clauses.push("0".to_string()),
            }
        }
        if let Some(user) = &q.user_id {
            if q.include_unowned {
                f.push(format!("({a}.user_id = ? or {a}.user_id is null)"), user.clone());
            } else {
                f.push(format!("{a}.user_id = ?"), user.clone());
            }
        }
        f
    }

    fn push(&mut self, clause: String, param: String) {
        self.clauses.push(clause);
        self.params.push(Value::Text(param));
    }

    fn sql(&self) -> String {
        self.clauses.join(" and ")
    }
}

const CRS: Columns = Columns { alias: "c", status: None, repo_path: true };
const PLANS: Columns = Columns { alias: "p", status: Some("status"), repo_path: true };
const JOBS: Columns = Columns { alias: "j", status: Some("status"), repo_path: true };
const PRS: Columns = Columns { alias: "r", status: Some("state"), repo_path: false };

/// Prefixes each column of a column list with a table alias.
fn aliased(alias: &str, cols: &str) -> String {
    cols.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// The merged timeline of CRSs, plans, jobs and pull requests matching `q`, newest first.
    pub fn history(&self, q: &ListQuery) -> StoreResult<Vec<HistoryEntry>> {
        let mut entries = Vec::new();
        let parts: [(HistoryKind, &Columns, &str); 4] = [
            (
                HistoryKind::Crs,
                &CRS,
                "select c.id, null, coalesce(c.repo_full_name, c.repo_path), coalesce(c.summary, c.prompt), \
                 null, c.user_id, c.created_at, c.updated_at from crs_records c",
            ),
            (
                HistoryKind::Plan,
                &PLANS,
                "select p.id, p.status, coalesce(p.repo_full_name, p.repo_path), p.task_summary, null, \
                 p.user_id, p.created_at, p.updated_at from plan_records p",
            ),
            (
                HistoryKind::Job,
                &JOBS,
                "select j.id, j.status, coalesce(j.repo_full_name, j.repo_path), \
                 coalesce(pl.task_summary, j.branch_name), null, j.user_id, j.created_at, j.updated_at \
                 from job_records j left join plan_records pl on pl.id = j.plan_id",
            ),
            (
                HistoryKind::Pr,
                &PRS,
                "select r.id, r.state, r.repo_full_name, '#' || r.pr_number || coalesce(' ' || r.title, ''), \
                 r.pr_url, r.user_id, r.created_at, r.updated_at from pr_records r",
            ),
        ];
        for (kind, cols, select) in parts {
            let f = Filter::new(q, cols);
            let sql = format!(
                "{select} where {} order by {a}.created_at desc, {a}.id desc limit {}",
                f.sql(),
                q.limit,
                a = cols.alias
            );
            let mut stmt = self.conn().prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(f.params.iter()), |r| {
                Ok(HistoryEntry {
                    kind,
                    id: r.get(0)?,
                    status: r.get(1)?,
                    repo: r.get(2)?,
                    summary: r.get(3)?,
                    url: r.get(4)?,
                    user_id: r.get(5)?,
                    created_at: r.get(6)?,
                    updated_at: r.get(7)?,
                })
            })?;
            for row in rows {
                entries.push(row?);
            }
        }
        entries.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
        entries.truncate(q.limit as usize);
        Ok(entries)
    }

    /// CRS records matching `q`, newest first.
    pub fn list_crs(&self, q: &ListQuery) -> StoreResult<Vec<CrsRecord>> {
        let f = Filter::new(q, &CRS);
        let sql = format!(
            "select {} from crs_records c where {} order by c.created_at desc, c.id desc limit {}",
            aliased("c", CRS_COLS),
            f.sql(),
            q.limit
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(f.params.iter()), CrsRecord::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Plan records matching `q`, newest first, with their users' logins.
    pub fn list_plans(&self, q: &ListQuery) -> StoreResult<Vec<Listed<PlanRecord>>> {
        self.listed(q, &PLANS, "plan_records", PLAN_COLS, PlanRecord::from_row)
    }

    /// Job records matching `q`, newest first, with their users' logins.
    pub fn list_jobs(&self, q: &ListQuery) -> StoreResult<Vec<Listed<JobRecord>>> {
        self.listed(q, &JOBS, "job_records", JOB_COLS, JobRecord::from_row)
    }

    /// Pull-request records matching `q`, newest first, with their users' logins.
    pub fn list_prs(&self, q: &ListQuery) -> StoreResult<Vec<Listed<PrRecord>>> {
        self.listed(q, &PRS, "pr_records", PR_COLS, PrRecord::from_row)
    }

    fn listed<T>(
        &self,
        q: &ListQuery,
        cols: &Columns,
        table: &str,
        columns: &str,
        from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Vec<Listed<T>>> {
        let f = Filter::new(q, cols);
        let a = cols.alias;
        let n = columns.split(',').count();
        let sql = format!(
            "select {}, u.login from {table} {a} left join users u on u.id = {a}.user_id \
             where {} order by {a}.created_at desc, {a}.id desc limit {}",
            aliased(a, columns),
            f.sql(),
            q.limit
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(f.params.iter()), |r| {
            Ok(Listed { record: from_row(r)?, user_login: r.get(n)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Users (newest first) created since `q.since`, with the number of their records.
    pub fn list_users(&self, q: &ListQuery) -> StoreResult<Vec<UserSummary>> {
        let mut clauses = vec!["u.deleted_at is null".to_string()];
        let mut params = Vec::new();
        if let Some(since) = &q.since {
            clauses.push("u.created_at >= ?".to_string());
            params.push(Value::Text(since.clone()));
        }
        let n = USER_COLS.split(',').count();
        let sql = format!(
            "select {}, \
               (select count(*) from plan_records p where p.user_id = u.id and p.deleted_at is null), \
               (select count(*) from job_records j where j.user_id = u.id and j.deleted_at is null), \
               (select count(*) from pr_records r where r.user_id = u.id and r.deleted_at is null) \
             from users u where {} order by u.created_at desc, u.id desc limit {}",
            aliased("u", USER_COLS),
            clauses.join(" and "),
            q.limit
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(params.iter()), |r| {
            Ok(UserSummary {
                user: UserRecord::from_row(r)?,
                plans: r.get(n)?,
                jobs: r.get(n + 1)?,
                prs: r.get(n + 2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The user with this GitHub login (any case), or else the one whose id starts with
    /// `key`; `None` when neither exists.
    pub fn find_user(&self, key: &str) -> StoreResult<Option<UserRecord>> {
        if let Some(u) = self.user_by_login(key)? {
            return Ok(Some(u));
        }
        match self.resolve_id(super::Table::Users, key) {
            Ok(id) => Ok(Some(self.user(&id)?)),
            Err(super::StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The summary line of one user.
    pub fn user_summary(&self, id: &str) -> StoreResult<Option<UserSummary>> {
        let n = USER_COLS.split(',').count();
        let sql = format!(
            "select {}, \
               (select count(*) from plan_records p where p.user_id = u.id and p.deleted_at is null), \
               (select count(*) from job_records j where j.user_id = u.id and j.deleted_at is null), \
               (select count(*) from pr_records r where r.user_id = u.id and r.deleted_at is null) \
             from users u where u.id = ?1",
            aliased("u", USER_COLS)
        );
        Ok(self
            .conn()
            .query_row(&sql, [id], |r| {
                Ok(UserSummary {
                    user: UserRecord::from_row(r)?,
                    plans: r.get(n)?,
                    jobs: r.get(n + 1)?,
                    prs: r.get(n + 2)?,
                })
            })
            .optional()?)
    }

    /// Logins of the given user ids (ids without a user are left out).
    pub fn user_logins(&self, ids: &[&str]) -> StoreResult<HashMap<String, String>> {
        let mut out = HashMap::new();
        let mut stmt = self.conn().prepare_cached("select login from users where id = ?1")?;
        for id in ids {
            if let Some(login) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                out.insert((*id).to_string(), login);
            }
        }
        Ok(out)
    }
}
