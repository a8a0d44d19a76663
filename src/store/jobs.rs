//! Job queries beyond the basic row writes: listings, atomic state changes together with
//! their log entries, heartbeats.

use rusqlite::{params, Connection, OptionalExtension};

use super::{JobRecord, Store, StoreError, StoreResult, JOB_COLS};

/// An event to append: its kind and its JSON payload.
#[derive(Debug, Clone)]
pub struct NewJobEvent {
    /// The `kind` column.
    pub kind: String,
    /// The `payload` column (JSON).
    pub payload: String,
}

impl Store {
    /// Jobs, newest first, optionally of one status.
    pub fn recent_jobs(&self, limit: u32, status: Option<&str>) -> StoreResult<Vec<JobRecord>> {
        let sql = format!(
            "select {JOB_COLS} from job_records where deleted_at is null and (?1 is null or status = ?1) \
             order by created_at desc, id desc limit ?2"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map(params![status, limit], JobRecord::from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Jobs a process should be working on (queued or in a stage).
    pub fn active_jobs(&self) -> StoreResult<Vec<JobRecord>> {
        let sql = format!(
            "select {JOB_COLS} from job_records where status in \
             ('queued', 'provisioning', 'running', 'testing', 'committing') order by created_at"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([], JobRecord::from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Reads the job, lets `change` edit it and name the events to log, and writes both in
    /// one transaction, so a state change and its log entry are never apart and two
    /// processes cannot both make the same move. `change` returns `None` to leave
    /// everything as it was. Returns the stored job and the events' sequence numbers.
    pub fn change_job<F>(
        &mut self,
        id: &str,
        now: &str,
        change: F,
    ) -> StoreResult<Option<(JobRecord, Vec<i64>)>>
    where
        F: FnOnce(&mut JobRecord) -> Option<Vec<NewJobEvent>>,
    {
        self.write(|tx| {
            let sql = format!("select {JOB_COLS} from job_records where id = ?1");
            let mut job = tx
                .query_row(&sql, [id], JobRecord::from_row)
                .optional()?
                .ok_or_else(|| StoreError::NotFound { what: "job", id: id.to_string() })?;
            let Some(events) = change(&mut job) else {
                return Ok(None);
            };
            job.updated_at = now.to_string();
            write_job(tx, &job)?;
            let mut seqs = Vec::with_capacity(events.len());
            for ev in &events {
                seqs.push(append_event(tx, id, &ev.kind, &ev.payload, now)?);
            }
            Ok(Some((job, seqs)))
        })
    }

    /// Records process `pid` as the one that will run the job, unless one is recorded already
    /// (a job that started claims itself, with the same pid).
    pub fn claim_job(&mut self, id: &str, pid: i64, now: &str) -> StoreResult<()> {
        self.change_job(id, now, |j| {
            if j.pid.is_some() {
                return None;
            }
            j.pid = Some(pid);
            j.heartbeat_at = Some(now.to_string());
            Some(Vec::new())
        })?;
        Ok(())
    }

    /// Records a sign of life of the process running the job; returns whether a cancel was
    /// requested.
    pub fn heartbeat_job(&mut self, id: &str, pid: i64, now: &str) -> StoreResult<bool> {
        self.conn().execute(
            "update job_records set heartbeat_at = ?3 where id = ?1 and pid = ?2",
            params![id, pid, now],
        )?;
        let cancel: i64 =
            self.conn()
                .query_row("select cancel_requested from job_records where id = ?1", [id], |r| r.get(0))?;
        Ok(cancel != 0)
    }

    /// Clears a cancel request (when a cancelled job's request has been acted on).
    pub fn clear_cancel(&mut self, id: &str) -> StoreResult<()> {
        self.conn().execute("update job_records set cancel_requested = 0 where id = ?1", [id])?;
        Ok(())
    }

    /// The highest sequence number in a job's log (0 when empty).
    pub fn last_job_event_seq(&self, id: &str) -> StoreResult<i64> {
        Ok(self.conn().query_row(
            "select coalesce(max(seq), 0) from job_events where job_id = ?1",
            [id],
            |r| r.get(0),
        )?)
    }
}

fn write_job(conn: &Connection, j: &JobRecord) -> StoreResult<()> {
    conn.execute(
        "update job_records set plan_id = ?2, user_id = ?3, github_host = ?4, repo_full_name = ?5, \
           branch_name = ?6, sandbox = ?7, status = ?8, base_commit = ?9, commit_sha = ?10, \
           execution_time_ms = ?11, files_changed = ?12, lines_added = ?13, lines_removed = ?14, \
           tokens_used = ?15, error_message = ?16, started_at = ?17, finished_at = ?18, repo_path = ?19, \
           model = ?20, cost_usd = ?21, pid = ?22, heartbeat_at = ?23, result_json = ?24, updated_at = ?25 \
         where id = ?1",
        params![
            j.id,
            j.plan_id,
            j.user_id,
            j.github_host,
            j.repo_full_name,
            j.branch_name,
            j.sandbox,
            j.status,
            j.base_commit,
            j.commit_sha,
            j.execution_time_ms,
            j.files_changed,
            j.lines_added,
            j.lines_removed,
            j.tokens_used,
            j.error_message,
            j.started_at,
            j.finished_at,
            j.repo_path,
            j.model,
            j.cost_usd,
            j.pid,
            j.heartbeat_at,
            j.result_json,
            j.updated_at
        ],
    )?;
    Ok(())
}

/// Appends one event with the next sequence number of its job; the caller holds the write
/// transaction.
pub(super) fn append_event(
    conn: &Connection,
    job_id: &str,
    kind: &str,
    payload: &str,
    now: &str,
) -> StoreResult<i64> {
    let seq: i64 = conn.query_row(
        "select coalesce(max(seq), 0) + 1 from job_events where job_id = ?1",
        [job_id],
        |r| r.get(0),
    )?;
    conn.execute(
        "insert into job_events (id, job_id, seq, kind, payload, created_at, updated_at) \
         values (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![crate::store::new_id(), job_id, seq, kind, payload, now],
    )?;
    Ok(seq)
}
