//! Row types of the tracking tables and their basic writes and reads. Field names follow the
//! column names (and so the Supabase schema).

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, StoreResult};

/// A GitHub identity that used vibe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub github_host: String,
    pub github_id: i64,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
    pub last_login_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A generated change request spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrsRecord {
    pub id: String,
    pub user_id: Option<String>,
    pub github_host: Option<String>,
    pub repo_full_name: Option<String>,
    pub repo_path: Option<String>,
    pub prompt: String,
    pub summary: Option<String>,
    /// The CRS document itself.
    pub crs_json: String,
    pub model: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub tokens_used: Option<i64>,
    pub cost_usd: Option<f64>,
    pub processing_time_ms: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// A plan (one version of it; `parent_id` links to the previous version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRecord {
    pub id: String,
    pub user_id: Option<String>,
    pub github_host: Option<String>,
    pub repo_full_name: Option<String>,
    pub parent_id: Option<String>,
    /// draft | approved | rejected | superseded
    pub status: String,
    pub task_summary: Option<String>,
    pub complexity: Option<String>,
    pub confidence: Option<f64>,
    pub steps_count: i64,
    pub processing_time_ms: Option<i64>,
    pub model: Option<String>,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub tokens_used: Option<i64>,
    pub crs_id: Option<String>,
    pub repo_path: Option<String>,
    /// The plan document itself.
    pub plan_json: Option<String>,
    pub cost_usd: Option<f64>,
    pub created_at: String,
    pub updated_at: String,
}

/// One execution of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub plan_id: Option<String>,
    pub user_id: Option<String>,
    pub github_host: Option<String>,
    pub repo_full_name: Option<String>,
    pub branch_name: Option<String>,
    pub sandbox: Option<String>,
    /// queued | provisioning | running | testing | committing | done | failed | cancelled | interrupted
    pub status: String,
    pub base_commit: Option<String>,
    pub commit_sha: Option<String>,
    pub execution_time_ms: Option<i64>,
    pub files_changed: i64,
    pub lines_added: Option<i64>,
    pub lines_removed: Option<i64>,
    pub tokens_used: Option<i64>,
    pub error_message: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub repo_path: Option<String>,
    pub model: Option<String>,
    pub cost_usd: Option<f64>,
    pub pid: Option<i64>,
    pub heartbeat_at: Option<String>,
    pub cancel_requested: bool,
    pub result_json: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A pull request a job opened (or found already open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrRecord {
    pub id: String,
    pub job_id: Option<String>,
    pub user_id: Option<String>,
    pub github_host: String,
    pub repo_full_name: String,
    pub pr_number: i64,
    pub pr_url: String,
    /// open | closed | merged
    pub state: String,
    pub draft: bool,
    pub title: Option<String>,
    pub head_ref: Option<String>,
    pub base_ref: Option<String>,
    pub head_sha: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One entry of a job's append-only event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEventRecord {
    pub id: String,
    pub job_id: String,
    /// 1-based, gap-free per job.
    pub seq: i64,
    pub kind: String,
    /// JSON.
    pub payload: String,
    pub created_at: String,
}

pub(crate) const USER_COLS: &str =
    "id, github_host, github_id, login, name, email, avatar_url, html_url, last_login_at, created_at, updated_at";
pub(crate) const CRS_COLS: &str =
    "id, user_id, github_host, repo_full_name, repo_path, prompt, summary, crs_json, model, \
     prompt_tokens, completion_tokens, tokens_used, cost_usd, processing_time_ms, created_at, updated_at";
pub(crate) const PLAN_COLS: &str = "id, user_id, github_host, repo_full_name, parent_id, status, task_summary, complexity, \
     confidence, steps_count, processing_time_ms, model, prompt_tokens, completion_tokens, tokens_used, crs_id, \
     repo_path, plan_json, cost_usd, created_at, updated_at";
pub(crate) const JOB_COLS: &str = "id, plan_id, user_id, github_host, repo_full_name, branch_name, sandbox, status, \
     base_commit, commit_sha, execution_time_ms, files_changed, lines_added, lines_removed, tokens_used, \
     error_message, started_at, finished_at, repo_path, model, cost_usd, pid, heartbeat_at, cancel_requested, \
     result_json, created_at, updated_at";
pub(crate) const PR_COLS: &str =
    "id, job_id, user_id, github_host, repo_full_name, pr_number, pr_url, state, draft, \
     title, head_ref, base_ref, head_sha, created_at, updated_at";

impl UserRecord {
    pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            github_host: r.get(1)?,
            github_id: r.get(2)?,
            login: r.get(3)?,
            name: r.get(4)?,
            email: r.get(5)?,
            avatar_url: r.get(6)?,
            html_url: r.get(7)?,
            last_login_at: r.get(8)?,
            created_at: r.get(9)?,
            updated_at: r.get(10)?,
        })
    }
}

impl CrsRecord {
    pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            user_id: r.get(1)?,
            github_host: r.get(2)?,
            repo_full_name: r.get(3)?,
            repo_path: r.get(4)?,
            prompt: r.get(5)?,
            summary: r.get(6)?,
            crs_json: r.get(7)?,
            model: r.get(8)?,
            prompt_tokens: r.get(9)?,
            completion_tokens: r.get(10)?,
            tokens_used: r.get(11)?,
            cost_usd: r.get(12)?,
            processing_time_ms: r.get(13)?,
            created_at: r.get(14)?,
            updated_at: r.get(15)?,
        })
    }
}

impl PlanRecord {
    pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            user_id: r.get(1)?,
            github_host: r.get(2)?,
            repo_full_name: r.get(3)?,
            parent_id: r.get(4)?,
            status: r.get(5)?,
            task_summary: r.get(6)?,
            complexity: r.get(7)?,
            confidence: r.get(8)?,
            steps_count: r.get(9)?,
            processing_time_ms: r.get(10)?,
            model: r.get(11)?,
            prompt_tokens: r.get(12)?,
            completion_tokens: r.get(13)?,
            tokens_used: r.get(14)?,
            crs_id: r.get(15)?,
            repo_path: r.get(16)?,
            plan_json: r.get(17)?,
            cost_usd: r.get(18)?,
            created_at: r.get(19)?,
            updated_at: r.get(20)?,
        })
    }
}

impl JobRecord {
    pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            plan_id: r.get(1)?,
            user_id: r.get(2)?,
            github_host: r.get(3)?,
            repo_full_name: r.get(4)?,
            branch_name: r.get(5)?,
            sandbox: r.get(6)?,
            status: r.get(7)?,
            base_commit: r.get(8)?,
            commit_sha: r.get(9)?,
            execution_time_ms: r.get(10)?,
            files_changed: r.get(11)?,
            lines_added: r.get(12)?,
            lines_removed: r.get(13)?,
            tokens_used: r.get(14)?,
            error_message: r.get(15)?,
            started_at: r.get(16)?,
            finished_at: r.get(17)?,
            repo_path: r.get(18)?,
            model: r.get(19)?,
            cost_usd: r.get(20)?,
            pid: r.get(21)?,
            heartbeat_at: r.get(22)?,
            cancel_requested: r.get::<_, i64>(23)? != 0,
            result_json: r.get(24)?,
            created_at: r.get(25)?,
            updated_at: r.get(26)?,
        })
    }
}

impl PrRecord {
    pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            job_id: r.get(1)?,
            user_id: r.get(2)?,
            github_host: r.get(3)?,
            repo_full_name: r.get(4)?,
            pr_number: r.get(5)?,
            pr_url: r.get(6)?,
            state: r.get(7)?,
            draft: r.get::<_, i64>(8)? != 0,
            title: r.get(9)?,
            head_ref: r.get(10)?,
            base_ref: r.get(11)?,
            head_sha: r.get(12)?,
            created_at: r.get(13)?,
            updated_at: r.get(14)?,
        })
    }
}

impl Store {
    /// Finds the full id in `table` that starts with `prefix` (ids are shown shortened).
    pub fn resolve_id(&self, table: Table, prefix: &str) -> StoreResult<String> {
        let prefix = prefix.trim();
        let valid = !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        let not_found = || StoreError::NotFound { what: table.noun(), id: prefix.to_string() };
        if !valid {
            return Err(not_found());
        }
        let sql = format!("select id from {} where id >= ?1 and id < ?1 || x'ff' limit 2", table.name());
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let ids: Vec<String> =
            stmt.query_map([prefix.to_ascii_lowercase()], |r| r.get(0))?.collect::<Result<_, _>>()?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(not_found()),
            _ => Err(StoreError::Ambiguous(prefix.to_string())),
        }
    }

    /// Inserts or updates a user by GitHub identity; returns the stored row.
    pub fn upsert_user(&mut self, u: &UserRecord) -> StoreResult<UserRecord> {
        self.conn().execute(
            "insert into users (id, github_host, github_id, login, name, email, avatar_url, html_url, \
               last_login_at, created_at, updated_at) values (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) \
             on conflict (github_host, github_id) do update set login = excluded.login, name = excluded.name, \
               email = excluded.email, avatar_url = excluded.avatar_url, html_url = excluded.html_url, \
               last_login_at = coalesce(excluded.last_login_at, users.last_login_at), updated_at = excluded.updated_at",
            params![
                u.id, u.github_host, u.github_id, u.login, u.name, u.email, u.avatar_url, u.html_url,
                u.last_login_at, u.created_at, u.updated_at
            ],
        )?;
        let sql = format!("select {USER_COLS} from users where github_host = ?1 and github_id = ?2");
        Ok(self.conn().query_row(&sql, params![u.github_host, u.github_id], UserRecord::from_row)?)
    }

    /// Links every local user not yet linked to an Auth user to the mirror's signed-in member
    /// `auth_user_id` (the row rules admit a member's rows through it); how many were linked.
    pub fn link_auth_user(&mut self, auth_user_id: &str, now: &str) -> StoreResult<usize> {
        Ok(self.conn().execute(
            "update users set auth_user_id = ?1, updated_at = ?2 where auth_user_id is null and deleted_at is null",
            params![auth_user_id, now],
        )?)
    }

    /// A user by id.
    pub fn user(&self, id: &str) -> StoreResult<UserRecord> {
        let sql = format!("select {USER_COLS} from users where id = ?1");
        self.conn()
            .query_row(&sql, [id], UserRecord::from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "user", id: id.to_string() })
    }

    /// A user by GitHub login (any host), most recently logged in first.
    pub fn user_by_login(&self, login: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "select {USER_COLS} from users where login = ?1 collate nocase order by last_login_at desc limit 1"
        );
        Ok(self.conn().query_row(&sql, [login], UserRecord::from_row).optional()?)
    }

    /// The user who logged in last on this machine, if any.
    pub fn current_user(&self) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "select {USER_COLS} from users where last_login_at is not null and deleted_at is null \
             order by last_login_at desc limit 1"
        );
        Ok(self.conn().query_row(&sql, [], UserRecord::from_row).optional()?)
    }

    /// Records a CRS.
    pub fn insert_crs(&mut self, c: &CrsRecord) -> StoreResult<()> {
        self.conn().execute(
            &format!("insert into crs_records ({CRS_COLS}) values (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"),
            params![
                c.id, c.user_id, c.github_host, c.repo_full_name, c.repo_path, c.prompt, c.summary, c.crs_json,
                c.model, c.prompt_tokens, c.completion_tokens, c.tokens_used, c.cost_usd, c.processing_time_ms,
                c.created_at, c.updated_at
            ],
        )?;
        Ok(())
    }

    /// A CRS by full id.
    pub fn crs(&self, id: &str) -> StoreResult<CrsRecord> {
        let sql = format!("select {CRS_COLS} from crs_records where id = ?1");
        self.conn()
            .query_row(&sql, [id], CrsRecord::from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "CRS", id: id.to_string() })
    }

    /// Records a plan.
    pub fn insert_plan(&mut self, p: &PlanRecord) -> StoreResult<()> {
        self.conn().execute(
            &format!(
                "insert into plan_records ({PLAN_COLS}) values \
                 (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21)"
            ),
            params![
                p.id,
                p.user_id,
                p.github_host,
                p.repo_full_name,
                p.parent_id,
                p.status,
                p.task_summary,
                p.complexity,
                p.confidence,
                p.steps_count,
                p.processing_time_ms,
                p.model,
                p.prompt_tokens,
                p.completion_tokens,
                p.tokens_used,
                p.crs_id,
                p.repo_path,
                p.plan_json,
                p.cost_usd,
                p.created_at,
                p.updated_at
            ],
        )?;
        Ok(())
    }

    /// A plan by full id.
    pub fn plan(&self, id: &str) -> StoreResult<PlanRecord> {
        let sql = format!("select {PLAN_COLS} from plan_records where id = ?1");
        self.conn()
            .query_row(&sql, [id], PlanRecord::from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "plan", id: id.to_string() })
    }

    /// Sets a plan's review status.
    pub fn set_plan_status(&mut self, id: &str, status: &str, now: &str) -> StoreResult<()> {
        let n = self.conn().execute(
            "update plan_records set status = ?2, updated_at = ?3 where id = ?1",
            params![id, status, now],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound { what: "plan", id: id.to_string() });
        }
        Ok(())
    }

    /// Records a new job.
    pub fn insert_job(&mut self, j: &JobRecord) -> StoreResult<()> {
        self.conn().execute(
            &format!(
                "insert into job_records ({JOB_COLS}) values \
                 (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27)"
            ),
            params![
                j.id, j.plan_id, j.user_id, j.github_host, j.repo_full_name, j.branch_name, j.sandbox, j.status,
                j.base_commit, j.commit_sha, j.execution_time_ms, j.files_changed, j.lines_added, j.lines_removed,
                j.tokens_used, j.error_message, j.started_at, j.finished_at, j.repo_path, j.model, j.cost_usd,
                j.pid, j.heartbeat_at, j.cancel_requested as i64, j.result_json, j.created_at, j.updated_at
            ],
        )?;
        Ok(())
    }

    /// Writes every mutable column of a job back (by id).
    pub fn update_job(&mut self, j: &JobRecord) -> StoreResult<()> {
        let n = self.conn().execute(
            "update job_records set plan_id = ?2, user_id = ?3, github_host = ?4, repo_full_name = ?5, \
               branch_name = ?6, sandbox = ?7, status = ?8, base_commit = ?9, commit_sha = ?10, \
               execution_time_ms = ?11, files_changed = ?12, lines_added = ?13, lines_removed = ?14, \
               tokens_used = ?15, error_message = ?16, started_at = ?17, finished_at = ?18, repo_path = ?19, \
               model = ?20, cost_usd = ?21, pid = ?22, heartbeat_at = ?23, result_json = ?24, updated_at = ?25 \
             where id = ?1",
            params![
                j.id, j.plan_id, j.user_id, j.github_host, j.repo_full_name, j.branch_name, j.sandbox, j.status,
                j.base_commit, j.commit_sha, j.execution_time_ms, j.files_changed, j.lines_added, j.lines_removed,
                j.tokens_used, j.error_message, j.started_at, j.finished_at, j.repo_path, j.model, j.cost_usd,
                j.pid, j.heartbeat_at, j.result_json, j.updated_at
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound { what: "job", id: j.id.clone() });
        }
        Ok(())
    }

    /// A job by full id.
    pub fn job(&self, id: &str) -> StoreResult<JobRecord> {
        let sql = format!("select {JOB_COLS} from job_records where id = ?1");
        self.conn()
            .query_row(&sql, [id], JobRecord::from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "job", id: id.to_string() })
    }

    /// Asks the process running a job to stop.
    pub fn request_cancel(&mut self, id: &str, now: &str) -> StoreResult<()> {
        self.conn().execute(
            "update job_records set cancel_requested = 1, updated_at = ?2 where id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    /// Appends an event to a job's log with the next sequence number; returns it.
    pub fn append_job_event(
        &mut self,
        job_id: &str,
        kind: &str,
        payload: &str,
        now: &str,
    ) -> StoreResult<i64> {
        self.write(|tx| super::jobs::append_event(tx, job_id, kind, payload, now))
    }

    /// A job's events with `seq > after`, in order.
    pub fn job_events(&self, job_id: &str, after: i64) -> StoreResult<Vec<JobEventRecord>> {
        let mut stmt = self.conn().prepare_cached(
            "select id, job_id, seq, kind, payload, created_at from job_events \
             where job_id = ?1 and seq > ?2 order by seq",
        )?;
        let rows = stmt
            .query_map(params![job_id, after], |r| {
                Ok(JobEventRecord {
                    id: r.get(0)?,
                    job_id: r.get(1)?,
                    seq: r.get(2)?,
                    kind: r.get(3)?,
                    payload: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Inserts a PR record, or updates the one with the same (host, repo, number); returns it.
    pub fn upsert_pr(&mut self, p: &PrRecord) -> StoreResult<PrRecord> {
        self.conn().execute(
            &format!(
                "insert into pr_records ({PR_COLS}) values (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15) \
                 on conflict (github_host, repo_full_name, pr_number) do update set \
                   job_id = coalesce(excluded.job_id, pr_records.job_id), \
                   user_id = coalesce(excluded.user_id, pr_records.user_id), pr_url = excluded.pr_url, \
                   state = excluded.state, draft = excluded.draft, title = excluded.title, \
                   head_ref = excluded.head_ref, base_ref = excluded.base_ref, head_sha = excluded.head_sha, \
                   updated_at = excluded.updated_at"
            ),
            params![
                p.id, p.job_id, p.user_id, p.github_host, p.repo_full_name, p.pr_number, p.pr_url, p.state,
                p.draft as i64, p.title, p.head_ref, p.base_ref, p.head_sha, p.created_at, p.updated_at
            ],
        )?;
        let sql = format!(
            "select {PR_COLS} from pr_records where github_host = ?1 and repo_full_name = ?2 and pr_number = ?3"
        );
        Ok(self.conn().query_row(
            &sql,
            params![p.github_host, p.repo_full_name, p.pr_number],
            PrRecord::from_row,
        )?)
    }

    /// Adds one model call's usage to the per-day roll-up.
    pub fn record_usage(
        &mut self,
        day: &str,
        model: &str,
        stage: &str,
        prompt_tokens: i64,
        completion_tokens: i64,
        cost_usd: f64,
    ) -> StoreResult<()> {
        self.conn().execute(
            "insert into usage_daily (day, model, stage, calls, prompt_tokens, completion_tokens, cost_usd) \
             values (?1, ?2, ?3, 1, ?4, ?5, ?6) \
             on conflict (day, model, stage) do update set calls = calls + 1, \
               prompt_tokens = prompt_tokens + excluded.prompt_tokens, \
               completion_tokens = completion_tokens + excluded.completion_tokens, \
               cost_usd = cost_usd + excluded.cost_usd",
            params![day, model, stage, prompt_tokens, completion_tokens, cost_usd],
        )?;
        Ok(())
    }
}

/// The tables whose rows have user-visible ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Users,
    Crs,
    Plans,
    Jobs,
    Prs,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Crs => "crs_records",
            Table::Plans => "plan_records",
            Table::Jobs => "job_records",
            Table::Prs => "pr_records",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Table::Users => "user",
            Table::Crs => "CRS",
            Table::Plans => "plan",
            Table::Jobs => "job",
            Table::Prs => "pull request",
        }
    }
}
