//! `vibe admin --remote`: the whole team's records, read back from the mirror with the
//! project's secret key (`ADMIN_SECRET_KEY`), turned into the same types the local views show.

use std::collections::{BTreeMap, HashMap};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{KeyKind, Mirror, SyncError};
use crate::config::Config;
use crate::store::{JobTimes, ListQuery, Listed, Metrics, Usage, UsageRow, UserRecord, UserSummary};

impl Mirror {
    /// The mirror read with the admin key: `SUPABASE_URL` and `ADMIN_SECRET_KEY`.
    pub fn admin(config: &Config) -> Result<Mirror, SyncError> {
        let Some(url) = &config.supabase.url else { return Err(SyncError::NotConfigured) };
        let Some(key) = &config.admin_secret_key else { return Err(SyncError::NoAdminKey) };
        if KeyKind::of(key.expose()) == KeyKind::Publishable {
            return Err(SyncError::NoAdminKey);
        }
        let mut m = Mirror::with_key(url, key)?;
        m.session = None;
        Ok(m)
    }

    /// Rows of `table` matching PostgREST's query parameters `query`.
    pub async fn select(&self, table: &str, query: &[(&str, String)]) -> Result<Vec<Value>, SyncError> {
        let mut path = format!("{table}?");
        for (i, (k, v)) in query.iter().enumerate() {
            if i > 0 {
                path.push('&');
            }
            path.push_str(k);
            path.push('=');
            path.extend(percent_encoding::utf8_percent_encode(v, QUERY_VALUE));
        }
        let text = self.send(reqwest::Method::GET, &path, table, None, "").await?;
        match serde_json::from_str(&text) {
            Ok(Value::Array(rows)) => Ok(rows),
            _ => Err(bad_answer(table)),
        }
    }

    /// Calls the database function `function` with named arguments `args`.
    pub async fn rpc(&self, function: &str, args: &Value) -> Result<Value, SyncError> {
        let body = serde_json::to_vec(args).map_err(|e| SyncError::Unreachable { message: e.to_string() })?;
        let text =
            self.send(reqwest::Method::POST, &format!("rpc/{function}"), function, Some(body), "").await?;
        serde_json::from_str(&text).map_err(|_| bad_answer(function))
    }
}

/// Characters escaped in a query value (PostgREST reads `,`, `.` and `:` itself).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b',')
    .remove(b':')
    .remove(b'*')
    .remove(b'(')
    .remove(b')');

fn bad_answer(what: &str) -> SyncError {
    SyncError::Rejected {
        table: what.to_string(),
        status: 200,
        code: "bad_answer".into(),
        message: "the answer is not what the Data API sends".into(),
    }
}

/// The team metrics since `since_day` (`YYYY-MM-DD`), from the mirror's `vibe_team_metrics`.
pub async fn metrics(mirror: &Mirror, since_day: &str) -> Result<Metrics, SyncError> {
    let v = mirror.rpc("vibe_team_metrics", &json!({"since_day": since_day})).await?;
    Ok(team_metrics(&v, since_day))
}

/// [`Metrics`] from the pieces `vibe_team_metrics` returns, reckoned as the local ones are.
pub fn team_metrics(v: &Value, since_day: &str) -> Metrics {
    let int = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64);
    let mut by_table: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for c in v.get("counts").and_then(Value::as_array).into_iter().flatten() {
        let tbl = c.get("tbl").and_then(Value::as_str).unwrap_or_default().to_string();
        let status = c.get("status").and_then(Value::as_str).unwrap_or_default().to_string();
        *by_table.entry(tbl).or_default().entry(status).or_default() += int(c, "n").unwrap_or(0);
    }
    let t = v.get("job_time").cloned().unwrap_or(Value::Null);
    let mut by_day: Vec<UsageRow> = Vec::new();
    let mut models: BTreeMap<String, UsageRow> = BTreeMap::new();
    for u in v.get("usage").and_then(Value::as_array).into_iter().flatten() {
        let model = u.get("model").and_then(Value::as_str).unwrap_or_default().to_string();
        let (p, c) = (int(u, "prompt_tokens").unwrap_or(0), int(u, "completion_tokens").unwrap_or(0));
        let row = UsageRow {
            day: u.get("day").and_then(Value::as_str).map(str::to_string),
            model: model.clone(),
            calls: int(u, "calls").unwrap_or(0),
            prompt_tokens: p,
            completion_tokens: c,
            tokens: p + c,
            cost_usd: u.get("cost_usd").and_then(Value::as_f64).unwrap_or(0.0),
        };
        let m = models.entry(model.clone()).or_insert_with(|| UsageRow {
            day: None,
            model,
            calls: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            tokens: 0,
            cost_usd: 0.0,
        });
        m.calls += row.calls;
        m.prompt_tokens += row.prompt_tokens;
        m.completion_tokens += row.completion_tokens;
        m.tokens += row.tokens;
        m.cost_usd += row.cost_usd;
        by_day.push(row);
    }
    let mut by_model: Vec<UsageRow> = models.into_values().collect();
    by_model.sort_by(|a, b| b.cost_usd.total_cmp(&a.cost_usd).then_with(|| a.model.cmp(&b.model)));
    let usage = Usage {
        since_day: since_day.to_string(),
        total_tokens: by_model.iter().map(|u| u.tokens).sum(),
        total_cost_usd: by_model.iter().map(|u| u.cost_usd).sum(),
        by_day,
        by_model,
    };
    let job_time = JobTimes {
        count: int(&t, "count").unwrap_or(0),
        median_ms: int(&t, "median_ms"),
        p95_ms: int(&t, "p95_ms"),
    };
    Metrics::assemble(by_table, job_time, int(v, "prs_opened_in_window").unwrap_or(0), usage)
}

/// The team's users with the number of their records, newest first.
pub async fn users(mirror: &Mirror, q: &ListQuery) -> Result<Vec<UserSummary>, SyncError> {
    let v = mirror
        .rpc("vibe_team_users", &json!({"since_ts": q.since, "max_rows": q.limit, "only_user": q.user_id}))
        .await?;
    let rows = match v {
        Value::Array(rows) => rows,
        _ => return Err(bad_answer("vibe_team_users")),
    };
    rows.into_iter()
        .map(|mut r| {
            let count = |r: &Value, k: &str| r.get(k).and_then(Value::as_i64).unwrap_or(0);
            let (plans, jobs, prs) = (count(&r, "plans"), count(&r, "jobs"), count(&r, "prs"));
            if let Value::Object(o) = &mut r {
                for k in ["plans", "jobs", "prs"] {
                    o.remove(k);
                }
            }
            Ok(UserSummary { user: record::<UserRecord>(r, "users")?, plans, jobs, prs })
        })
        .collect()
}

/// One user by id or GitHub login.
pub async fn find_user(mirror: &Mirror, key: &str) -> Result<Option<UserRecord>, SyncError> {
    let column = if uuid::Uuid::parse_str(key).is_ok() { "id" } else { "login" };
    let rows = mirror
        .select("users", &[("select", "*".into()), (column, format!("eq.{key}")), ("limit", "1".into())])
        .await?;
    rows.into_iter().next().map(|r| record(r, "users")).transpose()
}

/// Records of `table` matching `q` (status, since, repository, user), newest first, with
/// their users' logins.
pub async fn listed<T: DeserializeOwned>(
    mirror: &Mirror,
    table: &str,
    status_column: &str,
    q: &ListQuery,
) -> Result<Vec<Listed<T>>, SyncError> {
    let mut query = vec![
        ("select", "*".to_string()),
        ("order", "created_at.desc,id.desc".to_string()),
        ("limit", q.limit.to_string()),
    ];
    if let Some(s) = &q.status {
        query.push((status_column, format!("eq.{s}")));
    }
    if let Some(since) = &q.since {
        query.push(("created_at", format!("gte.{since}")));
    }
    if let Some(repo) = &q.repo {
        query.push(("repo_full_name", format!("ilike.{}", repo.replace('*', ""))));
    }
    if let Some(user) = &q.user_id {
        query.push(("user_id", format!("eq.{user}")));
    }
    let rows = mirror.select(table, &query).await?;
    let mut ids: Vec<String> =
        rows.iter().filter_map(|r| r.get("user_id").and_then(Value::as_str).map(str::to_string)).collect();
    ids.sort();
    ids.dedup();
    let logins: HashMap<String, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        mirror
            .select("users", &[("select", "id,login".into()), ("id", format!("in.({})", ids.join(",")))])
            .await?
            .into_iter()
            .filter_map(|u| Some((u.get("id")?.as_str()?.to_string(), u.get("login")?.as_str()?.to_string())))
            .collect()
    };
    rows.into_iter()
        .map(|r| {
            let login = r.get("user_id").and_then(Value::as_str).and_then(|id| logins.get(id)).cloned();
            Ok(Listed { record: record(r, table)?, user_login: login })
        })
        .collect()
}

/// A mirror row as a local record: timestamps in the local form, and the local-only columns
/// the mirror does not keep (prompts, documents, process state) empty.
fn record<T: DeserializeOwned>(mut row: Value, table: &str) -> Result<T, SyncError> {
    if let Value::Object(o) = &mut row {
        for (k, v) in o.iter_mut() {
            if let (true, Value::String(s)) = (k.ends_with("_at"), &*v) {
                if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                {
                    *v = Value::from(crate::store::ts(t));
                }
            }
        }
        for (k, v) in [
            ("prompt", Value::from("")),
            ("crs_json", Value::from("")),
            ("cancel_requested", Value::from(false)),
            ("files_changed", Value::from(0)),
            ("steps_count", Value::from(0)),
            ("draft", Value::from(false)),
            ("github_host", Value::from("github.com")),
        ] {
            if o.get(k).is_none_or(Value::is_null) {
                o.insert(k.to_string(), v);
            }
        }
        if o.get("updated_at").is_none_or(Value::is_null) {
            let created = o.get("created_at").cloned().unwrap_or(Value::Null);
            o.insert("updated_at".into(), created);
        }
    }
    serde_json::from_value(row).map_err(|e| SyncError::Rejected {
        table: table.to_string(),
        status: 200,
        code: "bad_row".into(),
        message: format!("a row does not read as a vibe record: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_metrics_are_reckoned_as_the_local_ones() {
        let v = json!({
            "counts": [
                {"tbl": "users", "status": "", "n": 2},
                {"tbl": "job_records", "status": "done", "n": 3},
                {"tbl": "job_records", "status": "failed", "n": 1},
                {"tbl": "pr_records", "status": "merged", "n": 2}
            ],
            "job_time": {"count": 4, "median_ms": 1000, "p95_ms": 3000},
            "prs_opened_in_window": 1,
            "usage": [
                {"day": "2026-03-02", "model": "b", "calls": 1, "prompt_tokens": 10, "completion_tokens": 5, "cost_usd": 0.5},
                {"day": "2026-03-01", "model": "a", "calls": 2, "prompt_tokens": 20, "completion_tokens": 5, "cost_usd": 0.5},
                {"day": "2026-03-01", "model": "b", "calls": 1, "prompt_tokens": 1, "completion_tokens": 1, "cost_usd": 0.25}
            ]
        });
        let m = team_metrics(&v, "2026-03-01");
        assert_eq!(m.totals.users, 2);
        assert_eq!(m.totals.jobs, 4);
        assert_eq!(m.job_success_rate, Some(0.75));
        assert_eq!(m.prs.merged, 2);
        assert_eq!(m.usage.total_tokens, 42);
        let models: Vec<&str> = m.usage.by_model.iter().map(|u| u.model.as_str()).collect();
        assert_eq!(models, ["b", "a"], "costliest first");
        assert_eq!(m.usage.by_day.len(), 3);
    }

    #[test]
    fn a_mirror_row_reads_as_a_local_record() {
        let row = json!({
            "id": "a3000000-0000-4000-8000-000000000001", "status": "done", "user_id": null,
            "execution_time_ms": 1000, "created_at": "2026-03-01T10:00:00+00:00",
            "updated_at": "2026-03-01T10:05:00.5+00:00"
        });
        let j: crate::store::JobRecord = record(row, "job_records").unwrap();
        assert_eq!(j.created_at, "2026-03-01T10:00:00.000Z");
        assert_eq!(j.updated_at, "2026-03-01T10:05:00.500Z");
        assert!(j.repo_path.is_none() && !j.cancel_requested);
    }
}
