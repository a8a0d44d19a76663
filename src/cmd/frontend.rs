//! What the job commands (`vibe run`, `vibe run --batch`, `vibe jobs`) share: reading a job,
//! following it on the watch screen, the exit that matches how it ended, and serving a plan's
//! review (the review screen, or a question on the terminal).

use std::io::{BufRead, Write};

use crate::error::{Error, ErrorKind};
use crate::jobs::{self, JobResult, Status};
use crate::output::jobs::pr_skipped_words;
use crate::output::short_id;
use crate::store::{JobRecord, Store, Table};

use super::Ctx;

/// Resolves an id prefix and reads the job, noticing a dead process on the way.
pub(super) fn load(ctx: &Ctx, store: &mut Store, id: &str) -> Result<JobRecord, Error> {
    let id = store
        .resolve_id(Table::Jobs, id)
        .map_err(|e| Error::from(e).with_hint("list jobs with `vibe jobs list`"))?;
    let job = jobs::refresh(store, &ctx.clock, &id)?;
    // A job whose process died leaves its sandbox: destroyed here, its work kept.
    jobs::release_orphan(&ctx.config, &job);
    Ok(job)
}

/// The watch screen on the terminal until the user leaves it: the job's outcome when it was
/// watched to its end, a hint on how to watch again when left running.
pub(super) fn watch_on_terminal(ctx: &Ctx, job_id: &str) -> Result<(), Error> {
    let setup = crate::tui::Setup::new(&ctx.config, ctx.out.color, short_id(job_id));
    let rt = ctx.runtime()?;
    match rt.block_on(crate::tui::watch_job(&ctx.config, ctx.clock, job_id, &setup))? {
        crate::tui::Watched::Over(job) => outcome(ctx, &job),
        crate::tui::Watched::Detached => {
            let short = short_id(job_id);
            ctx.out.note(format!(
                "job {short} goes on in the background; watch it again with `vibe jobs watch {short}`"
            ));
            Ok(())
        }
    }
}

/// The exit of a command that waited for a job: success when done, otherwise the error that
/// matches how it ended.
pub(super) fn outcome(ctx: &Ctx, job: &JobRecord) -> Result<(), Error> {
    let short = short_id(&job.id);
    match Status::parse(&job.status) {
        Some(Status::Done) => {
            if !ctx.out.json {
                let res: Option<JobResult> =
                    job.result_json.as_deref().and_then(|s| serde_json::from_str(s).ok());
                let branch = job.branch_name.clone().unwrap_or_default();
                ctx.out.line(format!("job {short} done: branch {branch}"))?;
                if let Some(r) = res {
                    if let Some(url) = r.pr_url {
                        ctx.out.line(format!("pull request {url}"))?;
                    } else if let Some(skipped) = r.pr_skipped {
                        let (reason, how) = pr_skipped_words(&job.id, &skipped);
                        ctx.out.line(format!("no pull request ({reason}): {how}"))?;
                    }
                }
            }
            Ok(())
        }
        Some(Status::Failed) => {
            let res: Option<JobResult> =
                job.result_json.as_deref().and_then(|s| serde_json::from_str(s).ok());
            let msg = job.error_message.clone().unwrap_or_else(|| "the job failed".into());
            let see = format!("see what failed with `vibe jobs result {short}`");
            let then = match &job.branch_name {
                Some(b) => format!("{see}; continue from its work with `{}`", continue_command(job, b)),
                None => see,
            };
            match res.filter(|r| !r.passed) {
                // The model, not the work: no tool calls, or no acceptable finish.
                Some(JobResult { stop: Some(stop), .. }) if !stop.is_budget() => {
                    let hint = match stop.ended {
                        crate::agent::Ended::NoToolCalls => format!(
                            "choose a model with tool (function) calling in VIBE_MODEL, then run again: `vibe run --plan {} --yes`",
                            job.plan_id.as_deref().map_or("PLAN", short_id)
                        ),
                        _ => format!("{then}; a stronger model (VIBE_MODEL) may do better"),
                    };
                    Err(Error::failure(format!("job {short} failed: {msg}")).with_hint(hint))
                }
                Some(JobResult { stop: Some(_), .. }) => {
                    Err(Error::new(ErrorKind::TestsFailed, format!("job {short}: {msg}"))
                        .with_hint(format!("raise that setting, then {then}")))
                }
                Some(_) => {
                    Err(Error::new(ErrorKind::TestsFailed, format!("job {short}: {msg}")).with_hint(then))
                }
                None => Err(Error::failure(format!("job {short} failed: {msg}")).with_hint(format!(
                    "see its log with `vibe jobs show {short}`; retry with `vibe jobs resume {short}`"
                ))),
            }
        }
        Some(Status::Cancelled) if job.branch_name.is_some() => {
            let branch = job.branch_name.clone().unwrap_or_default();
            Err(Error::new(
                ErrorKind::Interrupted,
                format!("job {short} was cancelled; its work is kept on branch {branch}"),
            )
            .with_hint(format!("continue from it with `{}`", continue_command(job, &branch))))
        }
        Some(Status::Cancelled) => {
            Err(Error::new(ErrorKind::Interrupted, format!("job {short} was cancelled")))
        }
        Some(Status::Interrupted) => {
            Err(Error::new(ErrorKind::Interrupted, format!("job {short} was interrupted"))
                .with_hint(format!("continue it with `vibe jobs resume {short}`")))
        }
        _ => Ok(()),
    }
}

/// The command that runs a job's plan again from the work it kept on `branch`.
pub(super) fn continue_command(job: &JobRecord, branch: &str) -> String {
    let plan = job.plan_id.as_deref().map_or("PLAN", short_id);
    format!("vibe run --plan {plan} --base {branch} --yes")
}

/// The review screen's state for the plan an approval request carries (with the tokens its
/// writing took, when known), and the cost recorded with it.
pub(super) fn review_app(
    ctx: &Ctx,
    crs: &crate::crs::Crs,
    plan_id: &Option<String>,
    plan: &crate::plan::Plan,
    content_hash: &str,
    tokens: Option<u64>,
) -> crate::tui::ReviewApp {
    let mut first = crate::tui::review::Version {
        plan_id: plan_id.clone(),
        plan: plan.clone(),
        content_hash: content_hash.to_string(),
        how: None,
        tokens,
        cost_usd: None,
    };
    let record = first.plan_id.as_deref().and_then(|id| ctx.store().ok()?.plan(id).ok());
    if let Some(r) = record {
        first.tokens = first.tokens.or(r.tokens_used.map(|t| t.max(0) as u64));
        first.cost_usd = r.cost_usd;
    }
    crate::tui::ReviewApp::new(crs.clone(), first)
}

/// Asks a yes/no question on the terminal.
pub(super) fn ask(question: &str) -> Result<bool, Error> {
    let mut err = std::io::stderr();
    write!(err, "{question}")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
