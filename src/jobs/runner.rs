//! Runs a job: claims it (pid + heartbeat), works through the stages from the first one not
//! completed yet, logs every step, and ends it as done, failed or cancelled. A cancel (from
//! `vibe jobs cancel` in another process, SIGTERM or Ctrl-C) reaches the sandbox, which kills
//! the whole process tree.
//!
//! Stages and their saved results:
//! - provisioning: the sandbox, named by `sandbox.json` while it lives (a resumed attempt
//!   makes a new one and brings it to the work saved in `diff.patch`);
//! - running: the coding agent; `agent.json` and `diff.patch`;
//! - testing: the plan's checks in the sandbox; `checks.json`;
//! - committing: the commit on `vibe/<short-id>-<slug>`, then `done` with the result — or
//!   `failed` when the checks failed or the agent stopped early: the commit keeps the work
//!   all the same. A cancel after the agent changed something commits that work too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Config;
use crate::event::{Event, JobEvent};
use crate::llm::Client;
use crate::store::{JobRecord, Store};

use super::stages::{StageCx, Work};
use super::{completed_stages, liveness, Artifacts, Failure, JobError, JobSpec, Journal, Status};

/// How long a cancelled stage may take to stop on its own.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// How a run ended, for the caller.
#[derive(Debug)]
pub struct Finished {
    /// The job as stored at the end.
    pub job: JobRecord,
}

/// Runs job `job_id` in this process until it ends. Events go to the store and, when given,
/// to `events`. `cancel` lets the caller stop the job too (e.g. on Ctrl-C). `client` is the
/// model client to reuse (one is made when `None`).
pub async fn run(
    config: &Config,
    clock: Clock,
    job_id: &str,
    events: Option<UnboundedSender<Event>>,
    cancel: Option<watch::Receiver<bool>>,
    client: Option<Arc<Client>>,
) -> Result<Finished, JobError> {
    let store = Store::open(&config.db_path())?;
    let art = Artifacts::new(&config.jobs_dir(), job_id);
    let spec: JobSpec = art.read_json(&art.spec())?;
    let mut journal = Journal::new(store, clock, job_id.to_string(), events);
    let pid = i64::from(std::process::id());

    // Claim the job: only a queued job whose recorded process (if any) is us or gone.
    let now = journal.now();
    let mut refusal = None;
    journal.store().change_job(job_id, &now, |j| {
        if let Some(other) = j.pid.filter(|p| *p != pid && liveness::pid_alive(*p)) {
            if Status::parse(&j.status).is_some_and(Status::is_active) {
                refusal = Some(JobError::Busy { id: j.id.clone(), pid: other });
                return None;
            }
        }
        if j.status != Status::Queued.as_str() {
            refusal = Some(JobError::BadState { id: j.id.clone(), status: j.status.clone(), action: "run" });
            return None;
        }
        j.pid = Some(pid);
        j.heartbeat_at = Some(now.clone());
        j.started_at.get_or_insert_with(|| now.clone());
        Some(Vec::new())
    })?;
    if let Some(e) = refusal {
        return Err(e);
    }

    // Cancel: from the caller, from SIGTERM, or from the store (seen by the heartbeat).
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let cancel_tx = Arc::new(cancel_tx);
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let beat = spawn_heartbeat(config, clock, job_id, pid, Arc::clone(&cancel_tx), stopped);
    let forward = forward_cancel(cancel, Arc::clone(&cancel_tx));

    let started = Instant::now();
    let outcome = run_stages(config, &mut journal, &spec, &art, cancel_rx.clone(), client).await;
    let elapsed = started.elapsed().as_millis() as i64;
    drop(stop);
    forward.abort();
    let _ = beat.join();

    let cancelled = *cancel_rx.borrow();
    let now = journal.now();
    let finish = |j: &mut JobRecord| {
        j.execution_time_ms = Some(j.execution_time_ms.unwrap_or(0) + elapsed);
        j.finished_at = Some(now.clone());
        j.heartbeat_at = Some(now.clone());
    };
    let job = match outcome {
        Ok(job) => {
            let mut j = job;
            // The result is recorded; add the time of this attempt.
            journal.store().change_job(job_id, &now, |r| {
                finish(r);
                Some(Vec::new())
            })?;
            j.execution_time_ms = Some(j.execution_time_ms.unwrap_or(0) + elapsed);
            journal.job().unwrap_or(j)
        }
        Err(e) if e.is_sandbox_gone() && !cancelled => {
            let message = format!(
                "{}; `vibe jobs resume {}` continues in a new sandbox",
                e.message(),
                &job_id[..8.min(job_id.len())]
            );
            journal.end_as(Status::Interrupted, Some(message.clone()), Some(Failure::SandboxGone), |j| {
                finish(j);
                j.error_message = Some(message.clone());
            })?
        }
        Err(_) if cancelled => {
            journal.store().clear_cancel(job_id)?;
            journal.end_as(
                Status::Cancelled,
                Some("cancelled by the user".into()),
                Some(Failure::Cancelled),
                finish,
            )?
        }
        Err(e) => {
            let message = e.message();
            journal.end_as(Status::Failed, Some(message.clone()), Some(e.failure()), |j| {
                finish(j);
                j.error_message = Some(message.clone());
            })?
        }
    };
    Ok(Finished { job })
}

async fn run_stages(
    config: &Config,
    journal: &mut Journal,
    spec: &JobSpec,
    art: &Artifacts,
    cancel: watch::Receiver<bool>,
    client: Option<Arc<Client>>,
) -> Result<JobRecord, JobError> {
    let id = journal.job_id().to_string();
    let completed = completed_stages(journal.store(), &id)?;
    let mut work = Work::new(config.clone(), spec.clone(), art.clone(), client);
    let first = super::resume_stage(&completed);
    for stage in Status::STAGES.into_iter().skip_while(|s| *s != first) {
        if *cancel.borrow() {
            return Err(cancelled(&mut work, journal, &cancel).await);
        }
        journal.move_to(stage, None, |_| {})?;
        let started = std::time::Instant::now();
        let result = {
            let cx = StageCx { journal: &mut *journal, cancel: cancel.clone() };
            let stage_run = work.run(stage, cx);
            tokio::pin!(stage_run);
            let mut watch_cancel = cancel.clone();
            tokio::select! {
                r = &mut stage_run => r,
                _ = watch_cancel.wait_for(|c| *c) => {
                    // The sandbox kills its process tree on cancel; give the stage a moment
                    // to notice and return, then drop it (which kills what is left).
                    tokio::time::timeout(CANCEL_GRACE, &mut stage_run)
                        .await
                        .unwrap_or(Err(JobError::Cancelled))
                }
            }
        };
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        journal.emit(JobEvent::StageTime { stage, duration_ms })?;
        if *cancel.borrow() {
            return Err(cancelled(&mut work, journal, &cancel).await);
        }
        if let Err(e) = result {
            // A resumed attempt continues in a new sandbox from the work saved here.
            work.cleanup(stage == Status::Running).await;
            return Err(e);
        }
        if stage != Status::Committing {
            journal.emit(JobEvent::StageCompleted { stage })?;
        }
        // An agent that stopped without changing anything leaves nothing to test or keep.
        if stage == Status::Running && work.stopped_without_changes()? {
            break;
        }
    }
    work.cleanup(false).await;
    let result = work.result();
    let result_json = serde_json::to_string(&result).ok();
    let passed = result.passed;
    let final_status = if passed { Status::Done } else { Status::Failed };
    let failure = (!passed).then(|| failure_message(&result));
    let kind =
        (!passed).then_some(if result.stop.is_some() { Failure::AgentStopped } else { Failure::TestsFailed });
    journal.end_as(final_status, failure.clone(), kind, |j| {
        j.result_json = result_json.clone();
        j.files_changed = result.files_changed as i64;
        j.lines_added = Some(result.lines_added as i64);
        j.lines_removed = Some(result.lines_removed as i64);
        j.tokens_used = Some(result.tokens as i64);
        j.cost_usd = result.cost_usd;
        j.branch_name = result.branch.clone();
        j.commit_sha = result.commit_sha.clone();
        j.error_message = failure.clone();
    })
}

/// After a cancel: keeps what the agent changed on the job's branch, then removes the copy.
async fn cancelled(work: &mut Work, journal: &mut Journal, cancel: &watch::Receiver<bool>) -> JobError {
    let mut cx = StageCx { journal: &mut *journal, cancel: cancel.clone() };
    if let Err(e) = work.keep_cancelled_work(&mut cx).await {
        let _ = journal
            .emit(JobEvent::Warning { message: format!("the cancelled job's work was not kept: {e}") });
    }
    work.cleanup(false).await;
    JobError::Cancelled
}

/// Why a job that ran to its end did not pass: the agent's stop, the criteria not met, and
/// the branch that keeps its work.
pub fn failure_message(result: &super::JobResult) -> String {
    let mut parts = Vec::new();
    if let Some(stop) = &result.stop {
        parts.push(stop.to_string());
    }
    let failed: Vec<&str> = result.criteria.iter().filter(|c| !c.holds).map(|c| c.id.as_str()).collect();
    let checks = result.checks.iter().filter(|c| !c.passed).count();
    if result.stop.as_ref().is_none_or(crate::agent::Stop::is_budget) {
        match (failed.is_empty(), checks) {
            (true, 0) => {}
            (false, 0) => parts.push(format!("acceptance criteria not met: {}", failed.join(", "))),
            (false, n) => {
                parts.push(format!("acceptance criteria not met: {} ({n} checks failed)", failed.join(", ")))
            }
            (true, n) => parts.push(format!("{n} of {} checks failed", result.checks.len())),
        }
    }
    if parts.is_empty() {
        parts.push("the job did not pass".into());
    }
    let mut message = parts.join("; ");
    if let Some(branch) = &result.branch {
        message.push_str(&format!("; its work is kept on branch {branch}"));
    }
    message
}

/// Refreshes the heartbeat every [`liveness::HEARTBEAT_EVERY`] and watches the store for a
/// cancel request (SIGTERM from `vibe jobs cancel` is the fast path), on its own connection
/// so a busy stage never delays it.
fn spawn_heartbeat(
    config: &Config,
    clock: Clock,
    job_id: &str,
    pid: i64,
    cancel: Arc<watch::Sender<bool>>,
    stopped: std::sync::mpsc::Receiver<()>,
) -> std::thread::JoinHandle<()> {
    let db = config.db_path();
    let id = job_id.to_string();
    std::thread::spawn(move || {
        let Ok(mut store) = Store::open(&db) else { return };
        loop {
            if let Ok(true) = store.heartbeat_job(&id, pid, &clock.now_ts()) {
                cancel.send_replace(true);
            }
            // Wakes at once when the run ends (the sender is dropped).
            match stopped.recv_timeout(liveness::HEARTBEAT_EVERY) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return,
            }
        }
    })
}

/// Turns the caller's cancel and SIGTERM into our cancel.
fn forward_cancel(
    caller: Option<watch::Receiver<bool>>,
    cancel: Arc<watch::Sender<bool>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let mut caller = caller;
        loop {
            tokio::select! {
                changed = async {
                    match caller.as_mut() {
                        Some(rx) => rx.changed().await.is_ok() && *rx.borrow(),
                        None => std::future::pending().await,
                    }
                } => {
                    if changed {
                        cancel.send_replace(true);
                    } else if caller.as_ref().is_some_and(|rx| rx.has_changed().is_err()) {
                        caller = None;
                    }
                }
                _ = async {
                    match term.as_mut() {
                        Some(t) => { t.recv().await; }
                        None => std::future::pending::<()>().await,
                    }
                } => {
                    cancel.send_replace(true);
                }
            }
        }
    })
}
