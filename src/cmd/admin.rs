//! `vibe admin metrics|users [ID]|jobs|plans|prs`: aggregated tracking data and listings of
//! every record in the local database.

use std::collections::BTreeMap;

use serde::Serialize;
use time::Duration;

use super::history::{clip, is_filtered, resolve_filter, table_text};
use super::Ctx;
use crate::cli::{AdminArgs, AdminCommand, ListFilter};
use crate::error::Error;
use crate::output::{duration_ms, short_id, when};
use crate::store::{
    JobRecord, ListQuery, Listed, Metrics, PlanRecord, PrRecord, Store, UserSummary, JOB_STATUSES,
    PLAN_STATUSES, PR_STATES,
};
use crate::sync::{remote, Mirror};

/// Runs an admin subcommand, on the local database or (`--remote`) the team's mirror.
pub fn run(ctx: &Ctx, args: AdminArgs) -> Result<(), Error> {
    if args.remote {
        return run_remote(ctx, args.command);
    }
    match args.command {
        AdminCommand::Metrics { days } => metrics(ctx, days),
        AdminCommand::Users { id: None, filter } => users(ctx, &filter),
        AdminCommand::Users { id: Some(id), filter } => user(ctx, &id, &filter),
        AdminCommand::Jobs { filter } => {
            let q = resolve_filter(ctx, &filter, JOB_STATUSES)?;
            let rows = ctx.store()?.list_jobs(&q)?;
            print_list(ctx, &filter, &rows, "jobs", jobs_table)
        }
        AdminCommand::Plans { filter } => {
            let q = resolve_filter(ctx, &filter, PLAN_STATUSES)?;
            let rows = ctx.store()?.list_plans(&q)?;
            print_list(ctx, &filter, &rows, "plans", plans_table)
        }
        AdminCommand::Prs { filter } => {
            let q = resolve_filter(ctx, &filter, PR_STATES)?;
            let rows = ctx.store()?.list_prs(&q)?;
            print_list(ctx, &filter, &rows, "pull requests", prs_table)
        }
    }
}

/// The admin views over the whole team, read from the mirror with `ADMIN_SECRET_KEY`.
fn run_remote(ctx: &Ctx, cmd: AdminCommand) -> Result<(), Error> {
    let mirror = Mirror::admin(&ctx.config)?;
    let rt = ctx.runtime()?;
    match cmd {
        AdminCommand::Metrics { days } => {
            let since_day = since_day(ctx, days)?;
            let m = rt.block_on(remote::metrics(&mirror, &since_day))?;
            show_metrics(ctx, &m, days)
        }
        AdminCommand::Users { id: None, filter } => {
            only_user_filters(&filter)?;
            let q = remote_filter(ctx, &filter, &[])?;
            let rows = rt.block_on(remote::users(&mirror, &q))?;
            show_users(ctx, &filter, &rows)
        }
        AdminCommand::Users { id: Some(key), filter } => {
            let statuses: Vec<&str> =
                PLAN_STATUSES.iter().chain(JOB_STATUSES).chain(PR_STATES).copied().collect();
            let mut q = remote_filter(ctx, &filter, &statuses)?;
            let not_found = || {
                Error::failure(format!("no user with id or login `{key}` in the mirror"))
                    .with_hint("`vibe admin --remote users` lists the team's users and their ids")
            };
            let user = rt.block_on(remote::find_user(&mirror, &key))?.ok_or_else(not_found)?;
            let one = ListQuery { user_id: Some(user.id.clone()), since: None, limit: 1, ..q.clone() };
            let summary =
                rt.block_on(remote::users(&mirror, &one))?.into_iter().next().ok_or_else(not_found)?;
            q.user_id = Some(user.id);
            let plans = rt.block_on(remote::listed(&mirror, "plan_records", "status", &q))?;
            let jobs = rt.block_on(remote::listed(&mirror, "job_records", "status", &q))?;
            let prs = rt.block_on(remote::listed(&mirror, "pr_records", "state", &q))?;
            show_user(ctx, &filter, &summary, &plans, &jobs, &prs)
        }
        AdminCommand::Jobs { filter } => {
            let q = remote_filter(ctx, &filter, JOB_STATUSES)?;
            let rows = rt.block_on(remote::listed(&mirror, "job_records", "status", &q))?;
            print_list(ctx, &filter, &rows, "jobs", jobs_table)
        }
        AdminCommand::Plans { filter } => {
            let q = remote_filter(ctx, &filter, PLAN_STATUSES)?;
            let rows = rt.block_on(remote::listed(&mirror, "plan_records", "status", &q))?;
            print_list(ctx, &filter, &rows, "plans", plans_table)
        }
        AdminCommand::Prs { filter } => {
            let q = remote_filter(ctx, &filter, PR_STATES)?;
            let rows = rt.block_on(remote::listed(&mirror, "pr_records", "state", &q))?;
            print_list(ctx, &filter, &rows, "pull requests", prs_table)
        }
    }
}

/// The listing filters for the mirror, which knows repositories by `owner/name` only.
fn remote_filter(ctx: &Ctx, filter: &ListFilter, statuses: &[&str]) -> Result<ListQuery, Error> {
    let mut local = filter.clone();
    local.of_repo = None;
    let mut q = resolve_filter(ctx, &local, statuses)?;
    if let Some(repo) = &filter.of_repo {
        let repo = repo.trim();
        let parts: Vec<&str> = repo.split('/').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty() || *p == "." || *p == "..") {
            return Err(Error::usage(format!(
                "--of-repo `{repo}`: the mirror knows repositories as owner/name"
            ))
            .with_hint("e.g. --of-repo acme/api"));
        }
        q.repo = Some(repo.to_string());
    }
    Ok(q)
}

/// The first day of a `days`-day window ending today, `YYYY-MM-DD`.
fn since_day(ctx: &Ctx, days: u32) -> Result<String, Error> {
    if days == 0 || days > 3650 {
        return Err(Error::usage("--days must be between 1 and 3650"));
    }
    let first = ctx.clock.now().date() - Duration::days(i64::from(days) - 1);
    Ok(format!("{:04}-{:02}-{:02}", first.year(), u8::from(first.month()), first.day()))
}

fn metrics(ctx: &Ctx, days: u32) -> Result<(), Error> {
    let since_day = since_day(ctx, days)?;
    let m = ctx.store()?.metrics(&since_day)?;
    show_metrics(ctx, &m, days)
}

fn show_metrics(ctx: &Ctx, m: &Metrics, days: u32) -> Result<(), Error> {
    if ctx.out.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            days: u32,
            #[serde(flatten)]
            metrics: &'a Metrics,
        }
        return ctx.out.json(&Doc { days, metrics: m });
    }
    ctx.out.line(render_metrics(ctx, m, days))
}

fn render_metrics(ctx: &Ctx, m: &Metrics, days: u32) -> String {
    let mut s = String::new();
    let by = |map: &BTreeMap<String, i64>| {
        if map.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k} {}", thousands(*v))).collect();
            format!("  ({})", parts.join(", "))
        }
    };
    s.push_str(&ctx.out.bold("Records"));
    s.push('\n');
    let t = &m.totals;
    for (name, n, detail) in [
        ("users", t.users, String::new()),
        ("CRSs", t.crs, String::new()),
        ("plans", t.plans, by(&m.plans_by_status)),
        ("jobs", t.jobs, by(&m.jobs_by_status)),
        ("pull requests", t.prs, by(&m.prs_by_state)),
    ] {
        s.push_str(&format!("  {name:<14} {:>9}{detail}\n", thousands(n)));
    }

    s.push('\n');
    s.push_str(&ctx.out.bold("Jobs"));
    s.push('\n');
    let finished =
        ["done", "failed", "interrupted"].iter().filter_map(|k| m.jobs_by_status.get(*k)).sum::<i64>();
    match m.job_success_rate {
        Some(rate) => s.push_str(&format!(
            "  success rate   {:.1}% ({} of {} finished)\n",
            rate * 100.0,
            thousands(m.jobs_by_status.get("done").copied().unwrap_or(0)),
            thousands(finished)
        )),
        None => s.push_str("  success rate   - (no finished jobs yet)\n"),
    }
    match (m.job_time.median_ms, m.job_time.p95_ms) {
        (Some(median), Some(p95)) => {
            s.push_str(&format!("  median time    {}\n", duration_ms(median)));
            s.push_str(&format!(
                "  p95 time       {}  (of {} timed jobs)\n",
                duration_ms(p95),
                thousands(m.job_time.count)
            ));
        }
        _ => s.push_str("  job time       - (no timed jobs yet)\n"),
    }

    s.push('\n');
    s.push_str(&ctx.out.bold("Pull requests"));
    s.push('\n');
    s.push_str(&format!(
        "  opened {}, merged {}; opened in the last {days} days: {}\n",
        thousands(m.prs.opened),
        thousands(m.prs.merged),
        thousands(m.prs.opened_in_window)
    ));

    s.push('\n');
    let u = &m.usage;
    s.push_str(&ctx.out.bold(&format!("Model usage since {} ({days} days)", u.since_day)));
    s.push('\n');
    if u.by_day.is_empty() {
        s.push_str("  no model calls recorded in this window\n");
        return s.trim_end().to_string();
    }
    s.push_str(&format!(
        "  {} tokens, estimated cost {}\n\n",
        thousands(u.total_tokens),
        cost(u.total_cost_usd)
    ));
    let mut per_day = ctx.out.table(&["day", "model", "calls", "prompt", "completion", "tokens", "cost"]);
    for r in &u.by_day {
        per_day.add_row(vec![
            r.day.clone().unwrap_or_default(),
            r.model.clone(),
            thousands(r.calls),
            thousands(r.prompt_tokens),
            thousands(r.completion_tokens),
            thousands(r.tokens),
            cost(r.cost_usd),
        ]);
    }
    s.push_str(&indent(&table_text(&per_day)));
    s.push_str("\n\n");
    let mut per_model = ctx.out.table(&["model", "calls", "prompt", "completion", "tokens", "cost"]);
    for r in &u.by_model {
        per_model.add_row(vec![
            r.model.clone(),
            thousands(r.calls),
            thousands(r.prompt_tokens),
            thousands(r.completion_tokens),
            thousands(r.tokens),
            cost(r.cost_usd),
        ]);
    }
    s.push_str(&indent(&table_text(&per_model)));
    s
}

fn users(ctx: &Ctx, filter: &ListFilter) -> Result<(), Error> {
    only_user_filters(filter)?;
    let q = resolve_filter(ctx, filter, &[])?;
    let rows = ctx.store()?.list_users(&q)?;
    show_users(ctx, filter, &rows)
}

/// The users listing takes --since and --limit only.
fn only_user_filters(filter: &ListFilter) -> Result<(), Error> {
    if filter.status.is_some() || filter.of_repo.is_some() {
        return Err(Error::usage(
            "--status and --of-repo filter records, not users; give a user (vibe admin users ID --status …)",
        ));
    }
    Ok(())
}

fn show_users(ctx: &Ctx, filter: &ListFilter, rows: &[UserSummary]) -> Result<(), Error> {
    if ctx.out.json {
        return ctx.out.json(&rows);
    }
    if rows.is_empty() {
        return ctx.out.line(if filter.since.is_some() {
            "No users match these filters."
        } else {
            "No users yet. A user is recorded when someone runs `vibe login`."
        });
    }
    ctx.out.line(users_table(ctx, rows))
}

fn users_table(ctx: &Ctx, rows: &[UserSummary]) -> String {
    let mut t = ctx.out.table(&["id", "login", "name", "plans", "jobs", "prs", "last login", "created"]);
    for r in rows {
        let u = &r.user;
        t.add_row(vec![
            short_id(&u.id).to_string(),
            u.login.clone(),
            u.name.clone().unwrap_or_else(|| "-".into()),
            thousands(r.plans),
            thousands(r.jobs),
            thousands(r.prs),
            u.last_login_at.as_deref().map(when).unwrap_or_else(|| "-".into()),
            when(&u.created_at),
        ]);
    }
    table_text(&t)
}

fn user(ctx: &Ctx, key: &str, filter: &ListFilter) -> Result<(), Error> {
    let statuses: Vec<&str> = PLAN_STATUSES.iter().chain(JOB_STATUSES).chain(PR_STATES).copied().collect();
    let mut q = resolve_filter(ctx, filter, &statuses)?;
    let store = ctx.store()?;
    let summary = find_user(&store, key)?;
    q.user_id = Some(summary.user.id.clone());
    let plans = store.list_plans(&q)?;
    let jobs = store.list_jobs(&q)?;
    let prs = store.list_prs(&q)?;
    show_user(ctx, filter, &summary, &plans, &jobs, &prs)
}

fn show_user(
    ctx: &Ctx,
    filter: &ListFilter,
    summary: &UserSummary,
    plans: &[Listed<PlanRecord>],
    jobs: &[Listed<JobRecord>],
    prs: &[Listed<PrRecord>],
) -> Result<(), Error> {
    if ctx.out.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            user: &'a UserSummary,
            plans: &'a [Listed<PlanRecord>],
            jobs: &'a [Listed<JobRecord>],
            prs: &'a [Listed<PrRecord>],
        }
        return ctx.out.json(&Doc { user: summary, plans, jobs, prs });
    }
    let u = &summary.user;
    let mut s = String::new();
    s.push_str(&ctx.out.bold(&format!("{} ({})", u.login, u.github_host)));
    s.push('\n');
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    for (k, v) in [
        ("id", u.id.clone()),
        ("name", dash(&u.name)),
        ("email", dash(&u.email)),
        ("profile", dash(&u.html_url)),
        ("last login", u.last_login_at.as_deref().map(when).unwrap_or_else(|| "-".into())),
        ("first seen", when(&u.created_at)),
        (
            "records",
            format!(
                "{}, {}, {}",
                counted(summary.plans, "plan", "plans"),
                counted(summary.jobs, "job", "jobs"),
                counted(summary.prs, "pull request", "pull requests")
            ),
        ),
    ] {
        s.push_str(&format!("  {k:<11} {v}\n"));
    }
    let none = if is_filtered(filter) { "  none match these filters\n" } else { "  none\n" };
    for (title, body) in [
        ("Plans", (!plans.is_empty()).then(|| plans_table(ctx, plans))),
        ("Jobs", (!jobs.is_empty()).then(|| jobs_table(ctx, jobs))),
        ("Pull requests", (!prs.is_empty()).then(|| prs_table(ctx, prs))),
    ] {
        s.push('\n');
        s.push_str(&ctx.out.bold(title));
        s.push('\n');
        match body {
            Some(t) => {
                s.push_str(&indent(&t));
                s.push('\n');
            }
            None => s.push_str(none),
        }
    }
    ctx.out.line(s.trim_end())
}

/// The user with this login, or whose id starts with `key`.
fn find_user(store: &Store, key: &str) -> Result<UserSummary, Error> {
    let not_found = || {
        Error::failure(format!("no user with id or login `{key}`"))
            .with_hint("`vibe admin users` lists the users and their ids")
    };
    let user = match store.find_user(key) {
        Ok(Some(u)) => u,
        Ok(None) => return Err(not_found()),
        Err(crate::store::StoreError::Ambiguous(p)) => {
            return Err(Error::failure(format!("user id prefix `{p}` matches several users"))
                .with_hint("give more characters of the id"))
        }
        Err(e) => return Err(e.into()),
    };
    store.user_summary(&user.id)?.ok_or_else(not_found)
}

fn print_list<T: Serialize>(
    ctx: &Ctx,
    filter: &ListFilter,
    rows: &[T],
    noun: &str,
    table: fn(&Ctx, &[T]) -> String,
) -> Result<(), Error> {
    if ctx.out.json {
        return ctx.out.json(rows);
    }
    if rows.is_empty() {
        return ctx.out.line(if is_filtered(filter) {
            format!("No {noun} match these filters.")
        } else {
            format!("No {noun} recorded yet.")
        });
    }
    ctx.out.line(table(ctx, rows))
}

fn jobs_table(ctx: &Ctx, rows: &[Listed<JobRecord>]) -> String {
    let mut t = ctx.out.table(&["id", "status", "repo", "user", "time", "files", "tokens", "created"]);
    for r in rows {
        let j = &r.record;
        t.add_row(vec![
            short_id(&j.id).to_string(),
            j.status.clone(),
            repo(&j.repo_full_name, &j.repo_path),
            r.user_login.clone().unwrap_or_else(|| "-".into()),
            j.execution_time_ms.map(duration_ms).unwrap_or_else(|| "-".into()),
            j.files_changed.to_string(),
            j.tokens_used.map(thousands).unwrap_or_else(|| "-".into()),
            when(&j.created_at),
        ]);
    }
    table_text(&t)
}

fn plans_table(ctx: &Ctx, rows: &[Listed<PlanRecord>]) -> String {
    let mut t = ctx.out.table(&[
        "id",
        "status",
        "repo",
        "user",
        "complexity",
        "steps",
        "tokens",
        "created",
        "summary",
    ]);
    for r in rows {
        let p = &r.record;
        t.add_row(vec![
            short_id(&p.id).to_string(),
            p.status.clone(),
            repo(&p.repo_full_name, &p.repo_path),
            r.user_login.clone().unwrap_or_else(|| "-".into()),
            p.complexity.clone().unwrap_or_else(|| "-".into()),
            p.steps_count.to_string(),
            p.tokens_used.map(thousands).unwrap_or_else(|| "-".into()),
            when(&p.created_at),
            clip(p.task_summary.as_deref().unwrap_or("-"), 50),
        ]);
    }
    table_text(&t)
}

fn prs_table(ctx: &Ctx, rows: &[Listed<PrRecord>]) -> String {
    let mut t = ctx.out.table(&["id", "state", "repo", "pr", "user", "created", "title"]);
    for r in rows {
        let p = &r.record;
        let state = if p.draft && p.state == "open" { "draft".to_string() } else { p.state.clone() };
        t.add_row(vec![
            short_id(&p.id).to_string(),
            state,
            p.repo_full_name.clone(),
            format!("#{}", p.pr_number),
            r.user_login.clone().unwrap_or_else(|| "-".into()),
            when(&p.created_at),
            clip(p.title.as_deref().unwrap_or("-"), 50),
        ]);
    }
    table_text(&t)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| if l.is_empty() { String::new() } else { format!("  {l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

fn repo(full_name: &Option<String>, path: &Option<String>) -> String {
    full_name.clone().or_else(|| path.clone()).unwrap_or_else(|| "-".into())
}

/// 1234567 → "1,234,567".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// "1 plan", "3 plans".
fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// Dollars: cents from one dollar up, four decimals below.
fn cost(usd: f64) -> String {
    if usd >= 1.0 {
        format!("${usd:.2}")
    } else {
        format!("${usd:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-45_000), "-45,000");
        assert_eq!(cost(12.345), "$12.35");
        assert_eq!(cost(0.01234), "$0.0123");
    }
}
