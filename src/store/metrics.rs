//! Aggregates for `vibe admin metrics`. Counts come from the `record_counts` roll-up and job
//! time percentiles from the `job_time_hist` roll-up plus a short walk of the time index
//! (both kept exact by triggers, see `schema_v2.sql`), and usage from `usage_daily`, so the
//! cost does not grow with the number of jobs.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{Store, StoreResult};

/// Everything `vibe admin metrics` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Number of live records per table.
    pub totals: Totals,
    /// Jobs per status.
    pub jobs_by_status: BTreeMap<String, i64>,
    /// Plans per status.
    pub plans_by_status: BTreeMap<String, i64>,
    /// Pull requests per state.
    pub prs_by_state: BTreeMap<String, i64>,
    /// `done / (done + failed + interrupted)`; none before any job has finished.
    pub job_success_rate: Option<f64>,
    /// Execution times of the jobs that have one.
    pub job_time: JobTimes,
    /// Pull requests opened and merged.
    pub prs: PrCounts,
    /// Model usage over the window.
    pub usage: Usage,
}

/// Number of live records per table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub users: i64,
    pub crs: i64,
    pub plans: i64,
    pub jobs: i64,
    pub prs: i64,
}

/// Job execution time statistics (nearest-rank percentiles, exact).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobTimes {
    /// Jobs with an execution time.
    pub count: i64,
    /// Median, in milliseconds.
    pub median_ms: Option<i64>,
    /// 95th percentile, in milliseconds.
    pub p95_ms: Option<i64>,
}

/// Pull requests opened and merged.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrCounts {
    /// Every pull request vibe opened (or found open).
    pub opened: i64,
    /// Those merged since.
    pub merged: i64,
    /// Those opened within the usage window.
    pub opened_in_window: i64,
}

/// Model usage from the first day of the window on.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    /// First day counted (`YYYY-MM-DD`, UTC).
    pub since_day: String,
    /// Per day and model, newest day first.
    pub by_day: Vec<UsageRow>,
    /// Per model over the window, costliest first.
    pub by_model: Vec<UsageRow>,
    /// Tokens over the window.
    pub total_tokens: i64,
    /// Estimated cost over the window, in US dollars.
    pub total_cost_usd: f64,
}

/// Usage of one model (on one day, for `by_day`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageRow {
    /// The day (`by_day` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    pub model: String,
    /// Model calls.
    pub calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// Prompt plus completion tokens.
    pub tokens: i64,
    /// Estimated cost in US dollars.
    pub cost_usd: f64,
}

impl Metrics {
    /// The metrics from live record counts per table and status, job times, the pull requests
    /// opened in the window and the window's usage (locally, or as the mirror reports them).
    pub fn assemble(
        mut by_table: BTreeMap<String, BTreeMap<String, i64>>,
        job_time: JobTimes,
        opened_in_window: i64,
        usage: Usage,
    ) -> Metrics {
        let mut take = |t: &str| by_table.remove(t).unwrap_or_default();
        let users = take("users");
        let crs = take("crs_records");
        let plans_by_status = take("plan_records");
        let jobs_by_status = take("job_records");
        let prs_by_state = take("pr_records");
        let sum = |m: &BTreeMap<String, i64>| m.values().sum::<i64>();
        let totals = Totals {
            users: sum(&users),
            crs: sum(&crs),
            plans: sum(&plans_by_status),
            jobs: sum(&jobs_by_status),
            prs: sum(&prs_by_state),
        };
        let n = |s: &str| jobs_by_status.get(s).copied().unwrap_or(0);
        let finished = n("done") + n("failed") + n("interrupted");
        let job_success_rate = (finished > 0).then(|| n("done") as f64 / finished as f64);
        let prs = PrCounts {
            opened: totals.prs,
            merged: prs_by_state.get("merged").copied().unwrap_or(0),
            opened_in_window,
        };
        Metrics {
            job_time,
            usage,
            totals,
            jobs_by_status,
            plans_by_status,
            prs_by_state,
            job_success_rate,
            prs,
        }
    }
}

impl Store {
    /// The metrics, with usage from `since_day` (`YYYY-MM-DD`) and on.
    pub fn metrics(&self, since_day: &str) -> StoreResult<Metrics> {
        let mut by_table: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        {
            let mut stmt = self.conn().prepare("select tbl, status, n from record_counts where n <> 0")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?;
            for row in rows {
                let (tbl, status, n) = row?;
                by_table.entry(tbl).or_default().insert(status, n);
            }
        }
        let opened_in_window: i64 = self.conn().query_row(
            "select count(*) from pr_records where created_at >= ?1 and deleted_at is null",
            [since_day],
            |r| r.get(0),
        )?;
        Ok(Metrics::assemble(by_table, self.job_times()?, opened_in_window, self.usage(since_day)?))
    }

    fn job_times(&self) -> StoreResult<JobTimes> {
        let hist: Vec<(i64, i64)> = {
            let mut stmt =
                self.conn().prepare("select sec, n from job_time_hist where n > 0 order by sec")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let count: i64 = hist.iter().map(|(_, n)| n).sum();
        if count == 0 {
            return Ok(JobTimes::default());
        }
        Ok(JobTimes {
            count,
            median_ms: self.job_time_at_rank(&hist, nearest_rank(count, 50))?,
            p95_ms: self.job_time_at_rank(&hist, nearest_rank(count, 95))?,
        })
    }

    /// The execution time of rank `rank` (1-based, ascending): find its second in the
    /// histogram, then step through the time index within that second only.
    fn job_time_at_rank(&self, hist: &[(i64, i64)], rank: i64) -> StoreResult<Option<i64>> {
        let mut before = 0;
        for &(sec, n) in hist {
            if before + n >= rank {
                let value = self
                    .conn()
                    .query_row(
                        "select execution_time_ms from job_records \
                         where deleted_at is null and execution_time_ms is not null and execution_time_ms >= ?1 \
                         order by execution_time_ms limit 1 offset ?2",
                        params![sec * 1000, rank - before - 1],
                        |r| r.get(0),
                    )
                    .optional()?;
                return Ok(value);
            }
            before += n;
        }
        Ok(None)
    }

    fn usage(&self, since_day: &str) -> StoreResult<Usage> {
        let read = |sql: &str, with_day: bool| -> StoreResult<Vec<UsageRow>> {
            let mut stmt = self.conn().prepare(sql)?;
            let rows = stmt.query_map([since_day], |r| {
                let o = usize::from(with_day);
                let prompt_tokens: i64 = r.get(o + 2)?;
                let completion_tokens: i64 = r.get(o + 3)?;
                Ok(UsageRow {
                    day: if with_day { Some(r.get(0)?) } else { None },
                    model: r.get(o)?,
                    calls: r.get(o + 1)?,
                    prompt_tokens,
                    completion_tokens,
                    tokens: prompt_tokens + completion_tokens,
                    cost_usd: r.get(o + 4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        let by_day = read(
            "select day, model, sum(calls), sum(prompt_tokens), sum(completion_tokens), sum(cost_usd) \
             from usage_daily where day >= ?1 group by day, model order by day desc, model",
            true,
        )?;
        let by_model = read(
            "select model, sum(calls), sum(prompt_tokens), sum(completion_tokens), sum(cost_usd) \
             from usage_daily where day >= ?1 group by model order by sum(cost_usd) desc, model",
            false,
        )?;
        Ok(Usage {
            since_day: since_day.to_string(),
            total_tokens: by_model.iter().map(|u| u.tokens).sum(),
            total_cost_usd: by_model.iter().map(|u| u.cost_usd).sum(),
            by_day,
            by_model,
        })
    }
}

/// Nearest-rank position of the `pct` percentile among `count` sorted values (1-based).
fn nearest_rank(count: i64, pct: i64) -> i64 {
    ((count * pct + 99) / 100).clamp(1, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{JobRecord, PlanRecord, PrRecord, UserRecord};

    fn job(id: usize, status: &str, ms: Option<i64>) -> JobRecord {
        JobRecord {
            id: format!("00000000-0000-7000-8000-{id:012}"),
            plan_id: None,
            user_id: None,
            github_host: None,
            repo_full_name: Some("acme/web".into()),
            branch_name: None,
            sandbox: Some("local".into()),
            status: status.into(),
            base_commit: None,
            commit_sha: None,
            execution_time_ms: ms,
            files_changed: 0,
            lines_added: None,
            lines_removed: None,
            tokens_used: None,
            error_message: None,
            started_at: None,
            finished_at: None,
            repo_path: None,
            model: None,
            cost_usd: None,
            pid: None,
            heartbeat_at: None,
            cancel_requested: false,
            result_json: None,
            created_at: "2026-03-01T00:00:00.000Z".into(),
            updated_at: "2026-03-01T00:00:00.000Z".into(),
        }
    }

    fn direct_counts(store: &Store, table: &str, col: &str) -> BTreeMap<String, i64> {
        let sql = format!("select {col}, count(*) from {table} where deleted_at is null group by {col}");
        let mut stmt = store.conn().prepare(&sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    }

    fn direct_percentile(store: &Store, pct: i64) -> Option<i64> {
        let mut stmt = store
            .conn()
            .prepare("select execution_time_ms from job_records where deleted_at is null and execution_time_ms is not null order by 1")
            .unwrap();
        let all: Vec<i64> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        if all.is_empty() {
            return None;
        }
        Some(all[(nearest_rank(all.len() as i64, pct) - 1) as usize])
    }

    #[test]
    fn empty_database_has_zero_metrics() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("vibe.db")).unwrap();
        let m = store.metrics("2026-03-01").unwrap();
        assert_eq!(m.totals, Totals::default());
        assert_eq!(m.job_success_rate, None);
        assert_eq!(m.job_time, JobTimes::default());
        assert!(m.usage.by_day.is_empty() && m.usage.by_model.is_empty());
    }

    #[test]
    fn roll_ups_follow_inserts_updates_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("vibe.db")).unwrap();
        let statuses = ["done", "failed", "running", "done", "interrupted", "queued", "done"];
        for i in 0..300 {
            let ms = (i % 5 != 0).then_some(((i * 7919) % 200_000) as i64);
            store.insert_job(&job(i, statuses[i % statuses.len()], ms)).unwrap();
        }
        // Status and time changes, tombstones, un-tombstones and hard deletes.
        for i in (0..300).step_by(3) {
            let mut j = store.job(&job(i, "", None).id).unwrap();
            j.status = "done".into();
            j.execution_time_ms = Some((i as i64) * 13);
            store.update_job(&j).unwrap();
        }
        store
            .conn()
            .execute("update job_records set deleted_at = '2026-03-02T00:00:00.000Z' where id like '%1'", [])
            .unwrap();
        store.conn().execute("update job_records set deleted_at = null where id like '%11'", []).unwrap();
        store.conn().execute("delete from job_records where id like '%7'", []).unwrap();
        store
            .upsert_user(&UserRecord {
                id: "u1".into(),
                github_host: "github.com".into(),
                github_id: 1,
                login: "ada".into(),
                name: None,
                email: None,
                avatar_url: None,
                html_url: None,
                last_login_at: None,
                created_at: "2026-03-01T00:00:00.000Z".into(),
                updated_at: "2026-03-01T00:00:00.000Z".into(),
            })
            .unwrap();
        for (i, state) in ["open", "merged", "merged", "closed"].iter().enumerate() {
            store
                .upsert_pr(&PrRecord {
                    id: format!("pr{i}"),
                    job_id: None,
                    user_id: Some("u1".into()),
                    github_host: "github.com".into(),
                    repo_full_name: "acme/web".into(),
                    pr_number: i as i64 + 1,
                    pr_url: format!("https://github.com/acme/web/pull/{}", i + 1),
                    state: (*state).into(),
                    draft: false,
                    title: None,
                    head_ref: None,
                    base_ref: None,
                    head_sha: None,
                    created_at: format!("2026-03-0{}T00:00:00.000Z", i + 1),
                    updated_at: "2026-03-05T00:00:00.000Z".into(),
                })
                .unwrap();
        }
        // Re-upserting an existing PR with a new state moves it between counts.
        store.conn().execute("update pr_records set state = 'merged' where id = 'pr0'", []).unwrap();
        store
            .insert_plan(&PlanRecord {
                id: "p1".into(),
                user_id: None,
                github_host: None,
                repo_full_name: None,
                parent_id: None,
                status: "draft".into(),
                task_summary: None,
                complexity: None,
                confidence: None,
                steps_count: 0,
                processing_time_ms: None,
                model: None,
                prompt_tokens: None,
                completion_tokens: None,
                tokens_used: None,
                crs_id: None,
                repo_path: None,
                plan_json: None,
                cost_usd: None,
                created_at: "2026-03-01T00:00:00.000Z".into(),
                updated_at: "2026-03-01T00:00:00.000Z".into(),
            })
            .unwrap();
        store.set_plan_status("p1", "approved", "2026-03-02T00:00:00.000Z").unwrap();

        let m = store.metrics("2026-03-03").unwrap();
        assert_eq!(m.jobs_by_status, direct_counts(&store, "job_records", "status"));
        assert_eq!(m.prs_by_state, direct_counts(&store, "pr_records", "state"));
        assert_eq!(m.plans_by_status, BTreeMap::from([("approved".to_string(), 1)]));
        assert_eq!(m.totals.users, 1);
        assert_eq!(m.prs, PrCounts { opened: 4, merged: 3, opened_in_window: 2 });
        assert_eq!(m.job_time.median_ms, direct_percentile(&store, 50));
        assert_eq!(m.job_time.p95_ms, direct_percentile(&store, 95));
        let timed: i64 = store
            .conn()
            .query_row(
                "select count(*) from job_records where deleted_at is null and execution_time_ms is not null",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(m.job_time.count, timed);
        let done = m.jobs_by_status["done"] as f64;
        let finished = done + m.jobs_by_status["failed"] as f64 + m.jobs_by_status["interrupted"] as f64;
        assert_eq!(m.job_success_rate, Some(done / finished));
    }

    #[test]
    fn usage_is_summed_per_day_and_model_within_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("vibe.db")).unwrap();
        store.record_usage("2026-03-01", "gpt-4.1", "plan", 100, 50, 0.5).unwrap();
        store.record_usage("2026-03-02", "gpt-4.1", "plan", 100, 50, 0.5).unwrap();
        store.record_usage("2026-03-02", "gpt-4.1", "agent", 1000, 200, 2.0).unwrap();
        store.record_usage("2026-03-02", "gpt-4.1-mini", "crs", 10, 5, 0.01).unwrap();
        let u = store.metrics("2026-03-02").unwrap().usage;
        assert_eq!(u.by_day.len(), 2);
        assert_eq!(u.by_day[0].day.as_deref(), Some("2026-03-02"));
        assert_eq!((u.by_day[0].calls, u.by_day[0].tokens), (2, 1350));
        assert_eq!(u.by_model[0].model, "gpt-4.1");
        assert_eq!(u.total_tokens, 1365);
        assert!((u.total_cost_usd - 2.51).abs() < 1e-9);
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(1, 50), 1);
        assert_eq!(nearest_rank(2, 50), 1);
        assert_eq!(nearest_rank(3, 50), 2);
        assert_eq!(nearest_rank(100, 95), 95);
        assert_eq!(nearest_rank(101, 95), 96);
    }
}
