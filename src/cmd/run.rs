//! `vibe run`, `vibe jobs resume` and the hidden `vibe jobs __run-job`: the frontend of the
//! pipeline. It renders the pipeline's events (progress or JSON Lines), answers the review
//! question, turns Ctrl-C into a cancel, and starts background processes for `--detach`.

use std::io::IsTerminal;
use std::process::Stdio;

use serde_json::json;
use tokio::sync::mpsc;

use crate::cli::RunArgs;
use crate::config::Backend;
use crate::error::Error;
use crate::event::{Event, JobEvent, Op};
use crate::jobs::{self, Artifacts, Journal, Status};
use crate::output::jobs::EventPrinter;
use crate::output::short_id;
use crate::pipeline::{self, Outcome, Request, Review, Services, Start, Stop};

use super::frontend::{ask, continue_command, load, outcome, review_app, watch_on_terminal};
use super::Ctx;

/// `vibe run`.
pub fn run(ctx: &Ctx, args: RunArgs) -> Result<(), Error> {
    let repo = ctx.config.require_repo()?.to_path_buf();
    let backend = args.sandbox.unwrap_or(ctx.config.sandbox.backend);
    pipeline::check_backend(&ctx.config, backend)?;
    if backend == Backend::None {
        ctx.out
            .warn("--sandbox none: the agent's commands run unconfined, as you, with your files and network");
    }
    let store = ctx.store()?;
    let start = match (&args.plan, &args.prompt) {
        (Some(plan), _) => Start::Plan(Box::new(pipeline::load_plan(&store, &ctx.config.cwd, plan)?)),
        (None, Some(prompt)) if !prompt.trim().is_empty() => Start::Prompt(prompt.clone()),
        _ => {
            return Err(Error::usage("say what to change, or pass --plan ID")
                .with_hint("vibe run \"add a --verbose flag\" --yes"))
        }
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    // The review screen when both ends are a terminal; the question on stderr otherwise.
    let screen = !ctx.global.yes && !ctx.out.json && crate::tui::can_open();
    let review = match (ctx.global.yes, interactive) {
        (true, _) => Review::Approved,
        (false, true) => Review::Ask,
        (false, false) => Review::Stop,
    };
    let req = Request {
        repo,
        start,
        stop: Stop::Job,
        base: args.base.clone(),
        allow_dirty: args.allow_dirty,
        sandbox: backend,
        no_pr: args.no_pr,
        draft: args.draft,
        pr_on_failure: args.pr_on_failure,
        review,
        // On the screen the job runs in the background and the watch follows it, so leaving
        // the watch leaves the job running.
        run_job: !args.detach && !screen,
    };
    let mut services = Services::new(store, None);
    let rt = ctx.runtime()?;
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
    let (op_tx, op_rx) = mpsc::unbounded_channel::<Op>();
    let mut printer = EventPrinter::new(ctx.out);
    let mut left = false;
    let result = rt.block_on(async {
        let pipe = pipeline::run(&ctx.config, ctx.clock, &mut services, req, ev_tx, op_rx);
        let frontend = async {
            let mut op_tx = Some(op_tx);
            let mut interrupts = 0;
            let mut tokens = None;
            loop {
                tokio::select! {
                    ev = ev_rx.recv() => {
                        let Some(ev) = ev else { break };
                        if let Event::PlanReady { tokens: t, .. } = &ev {
                            tokens = Some(*t);
                        }
                        if let (true, Event::ApprovalNeeded { plan_id, crs, plan, content_hash, .. }) = (screen, &ev) {
                            printer.finish();
                            let Some(ops) = op_tx.as_ref() else { continue };
                            let mut app = review_app(ctx, crs, plan_id, plan, content_hash, tokens);
                            let name = plan_id.as_deref().map_or("unrecorded", short_id);
                            let setup = crate::tui::Setup::new(&ctx.config, ctx.out.color, name);
                            let ended = crate::tui::review_on_terminal(&mut app, &setup, &mut ev_rx, ops).await?;
                            if ended == crate::tui::app::Ended::Left {
                                // Nothing runs; the plan stays as it is.
                                left = true;
                                op_tx = None;
                            }
                            continue;
                        }
                        printer.print(&ev)?;
                        if let Event::ApprovalNeeded { plan_id, content_hash, .. } = ev {
                            printer.finish();
                            let yes = ask("Run this plan? [y/N] ")?;
                            if let Some(ops) = &op_tx {
                                let _ = ops.send(if yes {
                                    Op::Approve { plan_id, content_hash }
                                } else {
                                    Op::Reject { reason: None }
                                });
                            }
                        }
                    }
                    _ = tokio::signal::ctrl_c() => {
                        interrupts += 1;
                        if interrupts > 1 {
                            return Err(Error::new(crate::error::ErrorKind::Interrupted, "interrupted"));
                        }
                        ctx.out.note("cancelling the job… (Ctrl-C again to quit at once)");
                        if let Some(ops) = &op_tx {
                            let _ = ops.send(Op::Cancel);
                        }
                    }
                }
            }
            Ok::<(), Error>(())
        };
        let (outcome, shown) = tokio::join!(pipe, frontend);
        shown?;
        outcome
    });
    printer.finish();
    match result? {
        Outcome::Rejected { plan_id: Some(id) } if left => {
            ctx.out.note(format!(
                "nothing was run; plan {} is kept as it is: review it again with `vibe run --plan {}`",
                short_id(&id),
                short_id(&id)
            ));
            Ok(())
        }
        Outcome::StoppedForReview { plan_id } => {
            let cmd = format!("vibe run --plan {} --yes", short_id(&plan_id));
            if ctx.out.json {
                return Ok(());
            }
            ctx.out.line(format!("Plan {} is ready for review.", short_id(&plan_id)))?;
            ctx.out.line(format!(
                "Read it with `vibe plan show {}`, then run it with `{cmd}`.",
                short_id(&plan_id)
            ))
        }
        Outcome::Rejected { .. } => {
            ctx.out.note("plan not approved; nothing was run");
            Ok(())
        }
        Outcome::Created { job_id } if screen && !args.detach => {
            start_in_background(ctx, &job_id)?;
            watch_on_terminal(ctx, &job_id)
        }
        Outcome::Created { job_id } => detach(ctx, &job_id),
        Outcome::Finished { job } => outcome(ctx, &job),
        Outcome::Crs(_) | Outcome::Planned(_) => Err(Error::failure("the pipeline stopped before the job")),
    }
}

/// Starts the job in the background and prints its id and how to follow it.
fn detach(ctx: &Ctx, job_id: &str) -> Result<(), Error> {
    let (pid, log) = start_in_background(ctx, job_id)?;
    let short = short_id(job_id);
    if ctx.out.json {
        return ctx.out.jsonl(&json!({ "type": "detached", "job_id": job_id, "pid": pid, "log": log }));
    }
    ctx.out.line(job_id)?;
    ctx.out.note(format!(
        "job {short} runs in the background (pid {pid}); follow it with `vibe jobs watch {short}`"
    ));
    Ok(())
}

/// Starts `vibe jobs __run-job ID` in a new session, its output going to the job's
/// `job.log`, and records its pid; returns the pid and the log's path.
fn start_in_background(ctx: &Ctx, job_id: &str) -> Result<(i64, std::path::PathBuf), Error> {
    let art = Artifacts::new(&ctx.config.jobs_dir(), job_id);
    std::fs::create_dir_all(&art.dir)?;
    let log = std::fs::OpenOptions::new().create(true).append(true).open(art.log())?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::failure(format!("cannot find the vibe executable to start the job: {e}")))?;
    let spec: jobs::JobSpec = art.read_json(&art.spec())?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["jobs", "__run-job", job_id]);
    // Run from the job's repository, so its configuration files apply.
    cmd.arg("--repo").arg(&spec.repo).current_dir(&spec.repo);
    if let Some(c) = &ctx.global.config {
        cmd.arg("--config").arg(super::resolve_path(ctx, c));
    }
    cmd.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
    // SAFETY: setsid is async-signal-safe; it detaches the job from our terminal and
    // process group, so closing the terminal or Ctrl-C here does not reach it.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(|e| Error::failure(format!("cannot start the background job: {e}")))?;
    let pid = i64::from(child.id());
    ctx.store()?.claim_job(job_id, pid, &ctx.clock.now_ts())?;
    Ok((pid, art.log()))
}

/// `vibe jobs __run-job ID`: runs a queued job in this process.
pub fn run_job_here(ctx: &Ctx, id: &str) -> Result<(), Error> {
    let job = {
        let mut store = ctx.store()?;
        load(ctx, &mut store, id)?
    };
    run_in_foreground(ctx, &job.id)
}

/// The configuration as seen from the job's repository (its `.vibe.toml` and `.env` apply),
/// whatever directory the command was started in.
fn config_for_job(ctx: &Ctx, job_id: &str) -> Result<crate::config::Config, Error> {
    let art = Artifacts::new(&ctx.config.jobs_dir(), job_id);
    let spec: jobs::JobSpec = art.read_json(&art.spec())?;
    if ctx.config.repo.as_deref() == Some(spec.repo.as_path()) {
        return Ok(ctx.config.clone());
    }
    let mut inputs = crate::config::Inputs::from_process();
    inputs.repo = Some(spec.repo.clone());
    inputs.config_file = ctx.global.config.as_ref().map(|c| super::resolve_path(ctx, c));
    Ok(crate::config::Config::load(&inputs)?)
}

fn run_in_foreground(ctx: &Ctx, job_id: &str) -> Result<(), Error> {
    let config = config_for_job(ctx, job_id)?;
    let rt = ctx.runtime()?;
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let mut printer = EventPrinter::new(ctx.out);
    let finished = rt.block_on(async {
        let run = jobs::runner::run(&config, ctx.clock, job_id, Some(ev_tx), Some(cancel_rx), None);
        let show = async {
            loop {
                tokio::select! {
                    ev = ev_rx.recv() => {
                        let Some(ev) = ev else { break };
                        printer.print(&ev)?;
                    }
                    _ = tokio::signal::ctrl_c() => { cancel_tx.send_replace(true); }
                }
            }
            Ok::<(), Error>(())
        };
        let (finished, shown) = tokio::join!(run, show);
        shown?;
        finished.map_err(Error::from)
    })?;
    printer.finish();
    if ctx.out.json {
        printer.print(&Event::Finished {
            job_id: Some(finished.job.id.clone()),
            status: Status::parse(&finished.job.status),
        })?;
    }
    outcome(ctx, &finished.job)
}

/// `vibe jobs resume ID`: an interrupted or failed job continues from the stage after the
/// last one it completed, followed on the watch screen when on a terminal.
pub fn resume(ctx: &Ctx, id: &str, detach_it: bool) -> Result<(), Error> {
    let mut store = ctx.store()?;
    let job = load(ctx, &mut store, id)?;
    let short = short_id(&job.id).to_string();
    let status = Status::parse(&job.status);
    if status.is_some_and(Status::is_active) {
        let pid = job.pid.unwrap_or(0);
        return Err(jobs::JobError::Busy { id: short, pid }.into());
    }
    if status == Some(Status::Failed) {
        let res: Option<jobs::JobResult> =
            job.result_json.as_deref().and_then(|s| serde_json::from_str(s).ok());
        if res.is_some_and(|r| !r.passed) {
            let again = match &job.branch_name {
                Some(b) => {
                    format!("continue from its work with `{}`", continue_command(&job, b))
                }
                None => "then start a new run".to_string(),
            };
            return Err(Error::usage(format!(
                "job {short} ran to its end and did not pass (its checks failed or its agent stopped); there is nothing to resume"
            ))
            .with_hint(format!("see what failed with `vibe jobs result {short}`; {again}")));
        }
    }
    if !status.is_some_and(|s| s.can_move_to(Status::Queued)) {
        return Err(
            jobs::JobError::BadState { id: short, status: job.status.clone(), action: "resumed" }.into()
        );
    }
    let completed = jobs::completed_stages(&store, &job.id)?;
    let attempt = jobs::events(&store, &job.id, 0)?
        .iter()
        .filter(|e| matches!(e.event, JobEvent::Resumed { .. }))
        .count() as u32
        + 2;
    let from = jobs::resume_stage(&completed);
    // A cancel asked of an earlier attempt does not stop this one.
    store.clear_cancel(&job.id)?;
    let mut journal = Journal::new(store, ctx.clock, job.id.clone(), None);
    journal.move_to(Status::Queued, Some("resumed by the user".into()), |j| {
        j.pid = None;
        j.error_message = None;
        j.finished_at = None;
    })?;
    journal.emit(JobEvent::Resumed { attempt, from })?;
    drop(journal);
    if detach_it {
        return detach(ctx, &job.id);
    }
    // On a terminal the watch screen follows the job, as after `vibe run`'s review; the job
    // runs in a process of its own, so leaving the watch leaves it running.
    if !ctx.out.json && crate::tui::can_open() {
        start_in_background(ctx, &job.id)?;
        return watch_on_terminal(ctx, &job.id);
    }
    run_in_foreground(ctx, &job.id)
}
