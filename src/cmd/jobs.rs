//! `vibe jobs list|show|progress|result|watch|cancel`: follow and control jobs from
//! any terminal, by reading and writing the store the running process writes.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::error::Error;
use crate::event::{Event, JobEvent, JobEventRecord};
use crate::jobs::{self, Artifacts, JobResult, Status};
use crate::output::jobs::{describe_job, describe_timing, pr_skipped_words, EventPrinter};
use crate::output::{duration_ms, short_id, when};
use crate::store::JobRecord;

use super::frontend::{continue_command, load, outcome, watch_on_terminal};
use super::Ctx;

/// How often `watch` and `cancel` look at the store.
const POLL: Duration = Duration::from_millis(150);

pub(super) fn list(ctx: &Ctx, limit: u32, status: Option<&str>) -> Result<(), Error> {
    if let Some(s) = status {
        if Status::parse(s).is_none() {
            let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            return Err(Error::usage(format!("unknown job status `{s}`"))
                .with_hint(format!("use one of: {}", all.join(", "))));
        }
    }
    let mut store = ctx.store()?;
    // Notice interrupted jobs before showing them.
    for job in store.active_jobs()? {
        let job = jobs::refresh(&mut store, &ctx.clock, &job.id)?;
        jobs::release_orphan(&ctx.config, &job);
    }
    let rows = store.recent_jobs(limit, status)?;
    if ctx.out.json {
        return ctx.out.json(&json!({ "jobs": rows }));
    }
    if rows.is_empty() {
        ctx.out.note("no jobs yet; start one with `vibe run \"…\"`");
        return Ok(());
    }
    let mut table = ctx.out.table(&["id", "status", "branch", "files", "+/-", "tokens", "time", "created"]);
    for j in &rows {
        table.add_row(vec![
            short_id(&j.id).to_string(),
            j.status.clone(),
            j.branch_name.clone().unwrap_or_else(|| "-".into()),
            j.files_changed.to_string(),
            format!("+{} -{}", j.lines_added.unwrap_or(0), j.lines_removed.unwrap_or(0)),
            j.tokens_used.map_or_else(|| "-".into(), |t| t.to_string()),
            j.execution_time_ms.map_or_else(|| "-".into(), duration_ms),
            when(&j.created_at),
        ]);
    }
    ctx.out.line(table.to_string())
}

pub(super) fn show(ctx: &Ctx, id: &str, last: usize) -> Result<(), Error> {
    let mut store = ctx.store()?;
    let job = load(ctx, &mut store, id)?;
    let all = jobs::events(&store, &job.id, 0)?;
    let skip = if last == 0 { 0 } else { all.len().saturating_sub(last) };
    let events = &all[skip..];
    if ctx.out.json {
        return ctx.out.json(&json!({ "job": job, "events": events }));
    }
    let o = &ctx.out;
    o.line(format!("{} {}", o.bold("job"), job.id))?;
    let field = |k: &str, v: Option<String>| -> Result<(), Error> {
        match v {
            Some(v) => o.line(format!("  {k:<13}{v}")),
            None => Ok(()),
        }
    };
    field("status", Some(job.status.clone()))?;
    field("error", job.error_message.clone())?;
    field("plan", job.plan_id.clone())?;
    field("repository", job.repo_path.clone())?;
    field("sandbox", job.sandbox.clone())?;
    field("base", job.base_commit.clone())?;
    field("branch", job.branch_name.clone())?;
    field("commit", job.commit_sha.clone())?;
    field(
        "changes",
        Some(format!(
            "{} files, +{} -{}",
            job.files_changed,
            job.lines_added.unwrap_or(0),
            job.lines_removed.unwrap_or(0)
        )),
    )?;
    field("tokens", job.tokens_used.map(|t| t.to_string()))?;
    let redacted: u32 = all
        .iter()
        .map(|e| match &e.event {
            JobEvent::Redacted { count, .. } => *count,
            _ => 0,
        })
        .sum();
    field("redacted", (redacted > 0).then(|| format!("{redacted} secret(s) kept from the model")))?;
    field("cost", job.cost_usd.map(|c| format!("${c:.4}")))?;
    field("time", job.execution_time_ms.map(duration_ms))?;
    field("stages", timings(&all).0)?;
    field("requests", timings(&all).1)?;
    field(
        "pid",
        job.pid.filter(|_| Status::parse(&job.status).is_some_and(Status::is_active)).map(|p| p.to_string()),
    )?;
    field("created", Some(when(&job.created_at)))?;
    if !events.is_empty() {
        o.line(format!("\n{} ({} of {})", o.bold("events"), events.len(), all.len()))?;
        for e in events {
            if let Some(line) = describe_job(&e.job_id, &e.event).or_else(|| describe_timing(&e.event)) {
                o.line(format!("{:>4} {}", e.seq, line.trim_start()))?;
            }
        }
    }
    let did_not_pass = job
        .result_json
        .as_deref()
        .and_then(|s| serde_json::from_str::<JobResult>(s).ok())
        .is_some_and(|r| !r.passed);
    match (job.status.as_str(), &job.branch_name) {
        ("failed" | "cancelled", Some(b)) if did_not_pass => o.note(format!(
            "its work is kept on branch {b}; continue from it with `{}`",
            continue_command(&job, b)
        )),
        ("failed", _) if did_not_pass => {}
        ("interrupted" | "failed", _) => {
            o.note(format!("continue it with `vibe jobs resume {}`", short_id(&job.id)))
        }
        _ => {}
    }
    Ok(())
}

/// Where a job is, as shown by `vibe jobs progress`.
#[derive(Debug, serde::Serialize)]
struct Progress {
    job_id: String,
    status: String,
    stage: Option<usize>,
    stages: usize,
    percent: u32,
    step: Option<(u32, u32)>,
    elapsed_ms: Option<i64>,
    tokens: u64,
    last_event: Option<JobEventRecord>,
}

pub(super) fn progress(ctx: &Ctx, id: &str) -> Result<(), Error> {
    let mut store = ctx.store()?;
    let job = load(ctx, &mut store, id)?;
    let events = jobs::events(&store, &job.id, 0)?;
    let status = Status::parse(&job.status);
    let mut step = None;
    let mut tokens = 0;
    let mut done_stages = 0;
    for e in &events {
        match &e.event {
            JobEvent::Step { n, of, .. } => step = Some((*n, *of)),
            JobEvent::Tokens { total, .. } => tokens = *total,
            JobEvent::StageCompleted { .. } => done_stages += 1,
            _ => {}
        }
    }
    let stages = Status::STAGES.len();
    let percent = match status {
        Some(Status::Done) => 100,
        _ => {
            let within = match (status, step) {
                (Some(Status::Running), Some((n, of))) if of > 0 => {
                    f64::from(n.saturating_sub(1)) / f64::from(of)
                }
                _ => 0.0,
            };
            (((done_stages.min(stages) as f64 + within) / stages as f64) * 100.0).round() as u32
        }
    };
    let elapsed_ms = job.execution_time_ms.or_else(|| {
        let start = crate::store::parse_ts(job.started_at.as_deref()?)?;
        Some((ctx.clock.now() - start).whole_milliseconds() as i64)
    });
    let p = Progress {
        job_id: job.id.clone(),
        status: job.status.clone(),
        stage: status.and_then(Status::stage_index),
        stages,
        percent,
        step,
        elapsed_ms,
        tokens,
        last_event: events.last().cloned(),
    };
    if ctx.out.json {
        return ctx.out.json(&p);
    }
    let mut line = format!("{} {}  {}%", short_id(&p.job_id), p.status, p.percent);
    if let Some(i) = p.stage {
        line.push_str(&format!("  stage {i}/{stages}"));
    }
    if let Some((n, of)) = p.step {
        line.push_str(&format!("  step {n}/{of}"));
    }
    if let Some(ms) = p.elapsed_ms {
        line.push_str(&format!("  {}", duration_ms(ms)));
    }
    if p.tokens > 0 {
        line.push_str(&format!("  {} tokens", p.tokens));
    }
    ctx.out.line(line)?;
    if let Some(last) = p.last_event.as_ref().and_then(|e| describe_job(&e.job_id, &e.event)) {
        ctx.out.line(format!("last: {}", last.trim_start()))?;
    }
    Ok(())
}

pub(super) fn result(ctx: &Ctx, id: &str, patch_only: bool) -> Result<(), Error> {
    let mut store = ctx.store()?;
    let job = load(ctx, &mut store, id)?;
    let art = Artifacts::new(&ctx.config.jobs_dir(), &job.id);
    let patch = std::fs::read_to_string(art.patch()).ok();
    let res: Option<JobResult> = job.result_json.as_deref().and_then(|s| serde_json::from_str(s).ok());
    if patch_only {
        return match patch {
            Some(p) => {
                print!("{p}");
                Ok(())
            }
            None => Err(no_result(&job)),
        };
    }
    let Some(res) = res else { return Err(no_result(&job)) };
    if ctx.out.json {
        return ctx
            .out
            .json(&json!({ "job_id": job.id, "status": job.status, "result": res, "patch": patch }));
    }
    let o = &ctx.out;
    o.line(format!("{} {}  {}", o.bold("job"), short_id(&job.id), job.status))?;
    if !res.summary.is_empty() {
        o.line(format!("\n{}", res.summary.trim()))?;
    }
    if !res.criteria.is_empty() {
        let mut t = o.table(&["criterion", "holds", "evidence"]);
        for c in &res.criteria {
            t.add_row(vec![
                format!("{} {}", c.id, c.description),
                if c.holds { "yes".into() } else { "NO".into() },
                c.evidence.clone(),
            ]);
        }
        o.line(format!("\n{t}"))?;
    }
    if !res.files.is_empty() {
        o.line("")?;
        let width = res.files.iter().map(|f| f.path.len()).max().unwrap_or(0);
        for f in &res.files {
            o.line(format!(" {:<width$} | +{} -{}", f.path, f.added, f.removed))?;
        }
        o.line(format!(
            " {} files changed, {} insertions(+), {} deletions(-)",
            res.files_changed, res.lines_added, res.lines_removed
        ))?;
    }
    if let Some(stop) = &res.stop {
        o.line(format!("\nstopped: {stop}"))?;
    }
    if let (Some(b), Some(sha)) = (&res.branch, &res.commit_sha) {
        o.line(format!("\nbranch {b} at {}", sha.get(..12).unwrap_or(sha)))?;
        if !res.passed {
            o.line(format!(
                "the job did not pass; its work is kept there: continue from it with `{}`",
                continue_command(&job, b)
            ))?;
        }
    }
    if let Some(url) = &res.pr_url {
        o.line(format!("pull request {url}"))?;
    } else if let Some(skipped) = &res.pr_skipped {
        let (reason, how) = pr_skipped_words(&job.id, skipped);
        o.line(format!("no pull request ({reason}): {how}"))?;
    }
    if let Some(p) = patch.filter(|p| !p.is_empty()) {
        o.line(format!("\n{p}"))?;
    }
    Ok(())
}

fn no_result(job: &JobRecord) -> Error {
    Error::failure(format!("job {} has no result yet (it is {})", short_id(&job.id), job.status))
        .with_hint(format!("follow it with `vibe jobs watch {}`", short_id(&job.id)))
}

pub(super) fn watch(ctx: &Ctx, id: &str) -> Result<(), Error> {
    let mut store = ctx.store()?;
    let job = load(ctx, &mut store, id)?;
    if !ctx.out.json && crate::tui::can_open() {
        drop(store);
        return watch_on_terminal(ctx, &job.id);
    }
    let mut printer = EventPrinter::new(ctx.out);
    let mut after = 0;
    let mut last_check = Instant::now();
    loop {
        for e in jobs::events(&store, &job.id, after)? {
            after = e.seq;
            printer.print(&Event::Job(e))?;
        }
        let job = if last_check.elapsed() >= jobs::liveness::HEARTBEAT_EVERY || after == 0 {
            last_check = Instant::now();
            jobs::refresh(&mut store, &ctx.clock, &job.id)?
        } else {
            store.job(&job.id)?
        };
        let status = Status::parse(&job.status);
        if status.is_some_and(Status::is_final) {
            // Events written together with the final state are already visible.
            for e in jobs::events(&store, &job.id, after)? {
                printer.print(&Event::Job(e))?;
            }
            printer.finish();
            if ctx.out.json {
                printer.print(&Event::Finished { job_id: Some(job.id.clone()), status })?;
            }
            return outcome(ctx, &job);
        }
        std::thread::sleep(POLL);
    }
}

/// Records the cancel of job `id` that no process runs, as its runner would: a final
/// `cancelled` status whose failure kind is `cancelled`.
fn cancel_here(store: crate::store::Store, ctx: &Ctx, id: &str, now: &str) -> Result<JobRecord, Error> {
    let mut journal = jobs::Journal::new(store, ctx.clock, id.to_string(), None);
    let cancelled = journal.end_as(
        Status::Cancelled,
        Some("cancelled by the user".into()),
        Some(jobs::state::Failure::Cancelled),
        |j| j.finished_at = Some(now.to_string()),
    )?;
    Ok(cancelled)
}

pub(super) fn cancel(ctx: &Ctx, id: &str) -> Result<(), Error> {
    let mut store = ctx.store()?;
    let job = load(ctx, &mut store, id)?;
    let status = Status::parse(&job.status);
    let short = short_id(&job.id).to_string();
    if !status.is_some_and(|s| s.can_move_to(Status::Cancelled)) {
        return Err(Error::usage(format!("job {short} is {}; there is nothing to cancel", job.status)));
    }
    let now = ctx.clock.now_ts();
    store.request_cancel(&job.id, &now)?;
    let job = match jobs::liveness::signal_runner(&job) {
        Some(_) => {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let j = jobs::refresh(&mut store, &ctx.clock, &job.id)?;
                if Status::parse(&j.status).is_some_and(Status::is_final) || Instant::now() > deadline {
                    break j;
                }
                std::thread::sleep(POLL);
            }
        }
        // Nobody runs it (queued and not started yet, or interrupted): cancel it here.
        None => cancel_here(store, ctx, &job.id, &now)?,
    };
    // The process died before it could record the cancel: record it here.
    let job = if job.status == "interrupted" { cancel_here(ctx.store()?, ctx, &job.id, &now)? } else { job };
    if ctx.out.json {
        return ctx.out.json(&json!({ "job_id": job.id, "status": job.status }));
    }
    if job.status == "cancelled" {
        ctx.out.line(format!("job {short} cancelled"))
    } else {
        Err(Error::failure(format!("job {short} did not stop in time (it is {})", job.status))
            .with_hint(format!("check it with `vibe jobs show {short}`")))
    }
}

/// The stages' durations (`provisioning 0.4s, running 2.1s, …`) and the model requests'
/// count, tokens and time, from a job's log.
fn timings(events: &[JobEventRecord]) -> (Option<String>, Option<String>) {
    let mut stages = Vec::new();
    let (mut n, mut prompt, mut cached, mut completion, mut ms) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for e in events {
        match &e.event {
            JobEvent::StageTime { stage, duration_ms: d } => {
                stages.push(format!("{stage} {}", duration_ms(*d as i64)))
            }
            JobEvent::ModelRequest {
                prompt_tokens,
                cached_tokens,
                completion_tokens,
                duration_ms: d,
                ..
            } => {
                n += 1;
                prompt += prompt_tokens;
                cached += cached_tokens;
                completion += completion_tokens;
                ms += d;
            }
            _ => {}
        }
    }
    let requests = (n > 0).then(|| {
        format!(
            "{n} to the model, {prompt} prompt tokens ({cached} cached), {completion} completion, {}",
            duration_ms(ms as i64)
        )
    });
    ((!stages.is_empty()).then(|| stages.join(", ")), requests)
}
