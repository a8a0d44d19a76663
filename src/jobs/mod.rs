//! Jobs: one execution of a plan in a sandbox by the coding agent. A job is a persisted state
//! machine ([`Status`], in `job_records`) with an append-only log (`job_events`); every
//! state change is written together with its log entry ([`Journal`]), so another process
//! can follow the job, and a job whose process died is found ([`refresh`]) and resumed from
//! the stage after the last completed one ([`runner`]).
//!
//! A job that ends without passing — failing checks, an agent stopped by a budget, a cancel —
//! still commits what it changed to its own branch, so nothing it did is lost; only a job
//! that passed (or one run with `--pr-on-failure`, as a draft) gets a pull request.
//!
//! Artifacts of a job live in `<VIBE_HOME>/jobs/<id>/`: `spec.json` (what to run),
//! `diff.patch` (the changes), `agent.json`, `checks.json`, `job.log` (output of a
//! detached run) and the sandbox copy while the job runs. No secret is ever written there.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

use crate::clock::Clock;
use crate::crs::Crs;
use crate::event::{Event, JobEvent, JobEventRecord};
use crate::plan::Plan;
use crate::store::{JobRecord, NewJobEvent, Store, StoreError};

mod agent_bridge;
pub mod live_output;
pub mod liveness;
pub mod runner;
pub mod stages;
pub mod state;

pub use state::{resume_stage, Failure, Status};

/// An error while running or controlling a job. Each variant says what happened, wrapping
/// the layer's own error, so a frontend can tell a cancel from a sandbox that expired from a
/// model that needs configuring without reading the text; [`JobError::failure`] names it
/// for the job's log.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Git failed.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    /// A job artifact could not be read or written.
    #[error("job artifact {path}: {message}")]
    Artifact { path: PathBuf, message: String },
    /// A move the state machine does not allow (e.g. resuming a finished job).
    #[error("job {id} is {status}; it cannot be {action}")]
    BadState { id: String, status: String, action: &'static str },
    /// Another live process runs the job.
    #[error("job {id} is already running in process {pid}")]
    Busy { id: String, pid: i64 },
    /// The user stopped the job.
    #[error("cancelled")]
    Cancelled,
    /// The sandbox failed. An expired or killed one ([`SandboxError::is_gone`]) makes the job
    /// interrupted, and resuming it continues in a new sandbox from the work saved so far.
    ///
    /// [`SandboxError::is_gone`]: crate::sandbox::SandboxError::is_gone
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
    /// The model failed (or cannot be reached as configured).
    #[error(transparent)]
    Model(#[from] crate::llm::LlmError),
    /// The model would not do the task.
    #[error("the model refused the task: {0}")]
    ModelRefused(String),
    /// The agent finished without changing anything, so there is nothing to commit.
    #[error("the agent made no changes; there is nothing to commit")]
    NothingToCommit,
}

impl From<crate::agent::AgentError> for JobError {
    fn from(e: crate::agent::AgentError) -> Self {
        use crate::agent::AgentError;
        match e {
            AgentError::Cancelled => JobError::Cancelled,
            AgentError::Sandbox(e) => JobError::Sandbox(e),
            AgentError::Llm(e) => JobError::Model(e),
            AgentError::ModelRefused(m) => JobError::ModelRefused(m),
        }
    }
}

impl JobError {
    /// True when the job's sandbox expired or was killed.
    pub fn is_sandbox_gone(&self) -> bool {
        matches!(self, JobError::Sandbox(e) if e.is_gone())
    }

    /// What kind of failure this is, as the job's log records it.
    pub fn failure(&self) -> Failure {
        match self {
            JobError::Cancelled => Failure::Cancelled,
            JobError::Sandbox(e) if e.is_gone() => Failure::SandboxGone,
            JobError::Sandbox(_) => Failure::Sandbox,
            JobError::Model(e) if e.is_config() => Failure::ModelConfig,
            JobError::Model(_) | JobError::ModelRefused(_) => Failure::Model,
            JobError::NothingToCommit => Failure::NoChanges,
            JobError::Store(_)
            | JobError::Git(_)
            | JobError::Artifact { .. }
            | JobError::BadState { .. }
            | JobError::Busy { .. } => Failure::Internal,
        }
    }

    /// The text kept as the job's error message: the error, and for a model that needs
    /// configuring, what to set.
    pub fn message(&self) -> String {
        match self {
            JobError::Model(e) => {
                let shown: crate::error::Error = e.clone().into();
                match shown.hint {
                    Some(h) if e.is_config() => format!("{} ({h})", shown.message),
                    _ => shown.message,
                }
            }
            other => other.to_string(),
        }
    }
}

impl From<JobError> for crate::error::Error {
    fn from(e: JobError) -> Self {
        use crate::error::Error;
        match e {
            JobError::Store(e) => e.into(),
            JobError::Git(e) => e.into(),
            JobError::Sandbox(e) => e.into(),
            JobError::Model(e) => e.into(),
            JobError::Cancelled => Error::new(crate::error::ErrorKind::Interrupted, "the job was cancelled"),
            JobError::BadState { ref status, .. } if status == "done" => {
                Error::usage(e.to_string()).with_hint("see its result with `vibe jobs result ID`")
            }
            JobError::BadState { .. } => {
                Error::usage(e.to_string()).with_hint("see where it is with `vibe jobs show ID`")
            }
            JobError::Busy { .. } => Error::usage(e.to_string())
                .with_hint("follow it with `vibe jobs watch ID`, or stop it with `vibe jobs cancel ID`"),
            other => Error::failure(other.to_string()),
        }
    }
}

/// What a job runs, fixed when it is created and saved as `spec.json`, so a detached or
/// resumed process runs exactly the same thing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobSpec {
    /// The user's repository root.
    pub repo: PathBuf,
    /// Full id of the commit the job starts from.
    pub base_commit: String,
    /// Branch the job starts from (for the pull request's base), if any.
    pub base_branch: Option<String>,
    /// The CRS record, when the CRS is in the store.
    pub crs_id: Option<String>,
    /// The change request.
    pub crs: Crs,
    /// The plan record, when the plan is in the store.
    pub plan_id: Option<String>,
    /// The plan.
    pub plan: Plan,
    /// `local`, `e2b` or `none`.
    pub sandbox: crate::config::Backend,
    /// Network allowed inside the sandbox.
    pub network: bool,
    /// Include uncommitted changes of the user's tree.
    pub allow_dirty: bool,
    /// Stop at the commit.
    pub no_pr: bool,
    /// Open the pull request as a draft.
    pub draft: bool,
    /// Branch the pull request targets (`--base`; default: the repository's default branch).
    #[serde(default)]
    pub pr_base: Option<String>,
    /// Open a draft pull request even when the checks fail (`--pr-on-failure`).
    #[serde(default)]
    pub pr_on_failure: bool,
}

/// The verdict on one acceptance criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    /// `AC1`, …
    pub id: String,
    /// The criterion.
    pub description: String,
    /// Whether it holds.
    pub holds: bool,
    /// Why we think so (command and exit code, or the agent's reasoning).
    pub evidence: String,
}

/// One check of the plan's testing strategy, run after the agent finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The command.
    pub command: String,
    /// What passing proves.
    pub proves: String,
    /// Criteria it covers.
    pub criteria: Vec<String>,
    /// Exit code (none when killed).
    pub exit_code: Option<i32>,
    /// Killed at the time limit.
    pub timed_out: bool,
    /// Passed.
    pub passed: bool,
    /// Last lines of its output.
    pub tail: String,
}

/// Lines a file gained and lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    /// Path relative to the repository root.
    pub path: String,
    /// Lines added.
    pub added: u64,
    /// Lines removed.
    pub removed: u64,
}

/// What a job produced; kept as `job_records.result_json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// The agent's summary of what it did.
    pub summary: String,
    /// Verdict per acceptance criterion.
    pub criteria: Vec<CriterionResult>,
    /// The testing strategy's checks.
    #[serde(rename = "tests", alias = "checks")]
    pub checks: Vec<CheckResult>,
    /// Per-file line counts.
    pub files: Vec<FileStat>,
    /// Files changed.
    pub files_changed: u64,
    /// Lines added.
    pub lines_added: u64,
    /// Lines removed.
    pub lines_removed: u64,
    /// Model tokens spent by the agent.
    pub tokens: u64,
    /// Estimated cost.
    pub cost_usd: Option<f64>,
    /// Every criterion holds and every check passed.
    pub passed: bool,
    /// The branch holding the commit.
    pub branch: Option<String>,
    /// The commit.
    pub commit_sha: Option<String>,
    /// The pull request, when one was opened.
    pub pr_url: Option<String>,
    /// Why no pull request was opened, when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_skipped: Option<crate::event::PrSkipped>,
    /// Why the agent stopped before finishing (a budget, a model that does not call tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<crate::agent::Stop>,
}

/// Where a job's artifacts are.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// `<jobs_dir>/<id>`.
    pub dir: PathBuf,
}

impl Artifacts {
    /// The artifact directory of job `id` under `jobs_dir`.
    pub fn new(jobs_dir: &Path, id: &str) -> Self {
        Self { dir: jobs_dir.join(id) }
    }

    /// `spec.json`.
    pub fn spec(&self) -> PathBuf {
        self.dir.join("spec.json")
    }

    /// `diff.patch`.
    pub fn patch(&self) -> PathBuf {
        self.dir.join("diff.patch")
    }

    /// `agent.json`: the agent's outcome.
    pub fn agent(&self) -> PathBuf {
        self.dir.join("agent.json")
    }

    /// `checks.json`: the testing stage's results.
    pub fn checks(&self) -> PathBuf {
        self.dir.join("checks.json")
    }

    /// `sandbox/`: where the job's sandbox keeps its state on this machine (for the local
    /// backend, the copy itself).
    pub fn sandbox_dir(&self) -> PathBuf {
        self.dir.join("sandbox")
    }

    /// Where a local copy made ahead of the job, while its plan was written, waits for it.
    pub fn prepared(&self) -> PathBuf {
        crate::sandbox::local::prepared_dir(&self.sandbox_dir())
    }

    /// `sandbox.json`: the handle of the job's live sandbox, from its creation until it is
    /// destroyed; whichever process finds the job ended destroys what it names.
    pub fn handle(&self) -> PathBuf {
        self.dir.join("sandbox.json")
    }

    /// There while a sandbox is being made, before its handle is known: a job that dies then
    /// may have left one that only its label finds.
    pub fn making_sandbox(&self) -> PathBuf {
        self.dir.join("sandbox.making")
    }

    /// `job.log`: stdout and stderr of a detached run.
    pub fn log(&self) -> PathBuf {
        self.dir.join("job.log")
    }

    /// Writes a JSON artifact atomically (temp file + rename).
    pub fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<(), JobError> {
        let text = serde_json::to_vec_pretty(value)
            .map_err(|e| JobError::Artifact { path: path.to_path_buf(), message: e.to_string() })?;
        self.write(path, &text)
    }

    /// Writes an artifact atomically (temp file + rename).
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), JobError> {
        let err = |e: std::io::Error| JobError::Artifact { path: path.to_path_buf(), message: e.to_string() };
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }

    /// Reads a JSON artifact.
    pub fn read_json<T: for<'de> Deserialize<'de>>(&self, path: &Path) -> Result<T, JobError> {
        let text = std::fs::read(path)
            .map_err(|e| JobError::Artifact { path: path.to_path_buf(), message: e.to_string() })?;
        serde_json::from_slice(&text)
            .map_err(|e| JobError::Artifact { path: path.to_path_buf(), message: e.to_string() })
    }
}

/// Writes a job's state changes and events to the store, and forwards each event to a
/// frontend when one listens.
#[derive(Debug)]
pub struct Journal {
    store: Store,
    clock: Clock,
    job_id: String,
    events: Option<UnboundedSender<Event>>,
}

impl Journal {
    /// A journal for job `job_id`.
    pub fn new(store: Store, clock: Clock, job_id: String, events: Option<UnboundedSender<Event>>) -> Self {
        Self { store, clock, job_id, events }
    }

    /// The job.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// The store.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Now, as stored.
    pub fn now(&self) -> String {
        self.clock.now_ts()
    }

    /// The job as stored.
    pub fn job(&self) -> Result<JobRecord, JobError> {
        Ok(self.store.job(&self.job_id)?)
    }

    /// Appends an event.
    pub fn emit(&mut self, event: JobEvent) -> Result<i64, JobError> {
        let now = self.now();
        let seq = self.store.append_job_event(&self.job_id, event.kind(), &event.payload(), &now)?;
        self.forward(seq, now, event);
        Ok(seq)
    }

    /// Moves the job to `to` (if the state machine allows it from where it is), applying
    /// `edit` to the record and logging the change, all in one transaction.
    pub fn move_to(
        &mut self,
        to: Status,
        reason: Option<String>,
        edit: impl FnOnce(&mut JobRecord),
    ) -> Result<JobRecord, JobError> {
        self.end_as(to, reason, None, edit)
    }

    /// Like [`Journal::move_to`], for a final state that is not `done`: the status event
    /// carries what kind of failure it was.
    pub fn end_as(
        &mut self,
        to: Status,
        reason: Option<String>,
        failure: Option<Failure>,
        edit: impl FnOnce(&mut JobRecord),
    ) -> Result<JobRecord, JobError> {
        let now = self.now();
        let mut bad = None;
        let mut event = None;
        let changed = self.store.change_job(&self.job_id, &now, |job| {
            let from = Status::parse(&job.status);
            if !from.is_some_and(|f| f.can_move_to(to)) {
                bad = Some(job.status.clone());
                return None;
            }
            job.status = to.as_str().to_string();
            edit(job);
            let ev = JobEvent::Status { from, to, reason, failure };
            let rec = NewJobEvent { kind: ev.kind().into(), payload: ev.payload() };
            event = Some(ev);
            Some(vec![rec])
        })?;
        match (changed, event) {
            (Some((job, seqs)), Some(ev)) => {
                if let Some(seq) = seqs.first() {
                    self.forward(*seq, now, ev);
                }
                Ok(job)
            }
            _ => Err(JobError::BadState {
                id: self.job_id.clone(),
                status: bad.unwrap_or_default(),
                action: "moved there",
            }),
        }
    }

    fn forward(&self, seq: i64, at: String, event: JobEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(Event::Job(JobEventRecord { job_id: self.job_id.clone(), seq, at, event }));
        }
    }
}

/// Reads a job and, when it is active but nobody works on it any more (process gone or
/// heartbeat stale), records it as interrupted — once, whichever process notices first. A
/// queued job that never started (its batch was killed while reviewing) is cancelled
/// instead: nothing of it ran, and its plan runs again with `vibe run --plan`.
pub fn refresh(store: &mut Store, clock: &Clock, id: &str) -> Result<JobRecord, JobError> {
    let job = store.job(id)?;
    let Some(reason) = liveness::orphan_reason(&job, clock.now()) else {
        return Ok(job);
    };
    reap(store, id);
    let now = clock.now_ts();
    let (to, message, failure) = if liveness::never_started(&job) {
        let plan = job.plan_id.as_deref().map_or("PLAN", |p| &p[..8.min(p.len())]);
        let message = format!(
            "cancelled before it started: {reason}; run its plan with `vibe run --plan {plan} --yes`"
        );
        (Status::Cancelled, message, Some(Failure::Cancelled))
    } else {
        (Status::Interrupted, format!("interrupted: {reason}"), None)
    };
    let changed = store.change_job(id, &now, |j| {
        // Re-check inside the transaction: another process may have moved it already.
        if j.status != job.status || j.pid != job.pid {
            return None;
        }
        let from = Status::parse(&j.status);
        j.status = to.as_str().to_string();
        j.error_message = Some(message.clone());
        if to == Status::Cancelled {
            j.finished_at = Some(now.clone());
        }
        let ev = JobEvent::Status { from, to, reason: Some(reason.clone()), failure };
        Some(vec![NewJobEvent { kind: ev.kind().into(), payload: ev.payload() }])
    })?;
    match changed {
        Some((job, _)) => Ok(job),
        None => Ok(store.job(id)?),
    }
}

/// Kills what still runs in the sandbox copy of a job nobody runs any more.
fn reap(store: &Store, id: &str) {
    // The copy lives beside the database: `<home>/jobs/<id>/sandbox`.
    if let Some(home) = store.path().parent() {
        crate::sandbox::local::kill_leftovers(&Artifacts::new(&home.join("jobs"), id).sandbox_dir());
    }
}

/// Destroys the sandbox a job's `sandbox.json` names, if any, and forgets it. With
/// `save_work`, the sandbox's changes are first kept as `diff.patch` (a job interrupted while
/// its agent worked resumes from them). A sandbox already gone is fine.
pub async fn release_sandbox(sandboxes: &crate::sandbox::Sandboxes, art: &Artifacts, save_work: bool) {
    let Ok(handle) = art.read_json::<crate::sandbox::SandboxHandle>(&art.handle()) else {
        let _ = std::fs::remove_file(art.handle());
        return;
    };
    if let Ok(sb) = sandboxes.reopen(&handle).await {
        if save_work {
            if let Ok(diff) = sb.diff().await {
                if !diff.is_empty() {
                    let _ = art.write(&art.patch(), diff.patch.as_bytes());
                }
            }
        }
        if sb.destroy().await.is_err() {
            // Kept, so the next look at the job tries again.
            return;
        }
    }
    let _ = std::fs::remove_file(art.handle());
}

/// After a job was found ended while its process is gone (interrupted, or cancelled from
/// another terminal): destroys the sandbox it left, keeping the agent's work so far when the
/// agent was working. Blocking; runs on a thread of its own.
pub fn release_orphan(config: &crate::config::Config, job: &JobRecord) {
    let art = Artifacts::new(&config.jobs_dir(), &job.id);
    let unrecorded = art.making_sandbox().exists() && !art.handle().exists();
    if !(art.handle().exists() || unrecorded) || !Status::parse(&job.status).is_some_and(Status::is_final) {
        return;
    }
    if job.pid.is_some_and(|p| p != i64::from(std::process::id()) && liveness::pid_alive(p)) {
        // Its runner still ends it.
        return;
    }
    let running = Status::parse(&job.status) == Some(Status::Interrupted)
        && Store::open(&config.db_path())
            .ok()
            .and_then(|s| completed_stages(&s, &job.id).ok())
            .is_some_and(|done| done.contains(&Status::Provisioning) && !done.contains(&Status::Running));
    let sandboxes = crate::sandbox::Sandboxes::new(config);
    let _ = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                if unrecorded {
                    // It died while the sandbox was being made: only the job's label finds it.
                    let backend: crate::config::Backend = art.read_json(&art.making_sandbox()).ok()?;
                    if rt.block_on(sandboxes.release_labelled(backend, &job.id)).is_ok() {
                        let _ = std::fs::remove_file(art.making_sandbox());
                    }
                    return Some(());
                }
                rt.block_on(release_sandbox(&sandboxes, &art, running));
                Some(())
            })
            .join()
    });
}

/// The stages a job has completed, from its log.
pub fn completed_stages(store: &Store, id: &str) -> Result<Vec<Status>, JobError> {
    Ok(store
        .job_events(id, 0)?
        .iter()
        .filter_map(|row| match JobEventRecord::from_row(row).event {
            JobEvent::StageCompleted { stage } => Some(stage),
            _ => None,
        })
        .collect())
}

/// The decoded log of a job after `after`.
pub fn events(store: &Store, id: &str, after: i64) -> Result<Vec<JobEventRecord>, JobError> {
    Ok(store.job_events(id, after)?.iter().map(JobEventRecord::from_row).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    pub(crate) fn job_row(id: &str, status: &str, pid: Option<i64>) -> JobRecord {
        let now = "2026-03-14T15:09:26.000Z".to_string();
        JobRecord {
            id: id.into(),
            plan_id: None,
            user_id: None,
            github_host: None,
            repo_full_name: None,
            branch_name: None,
            sandbox: Some("local".into()),
            status: status.into(),
            base_commit: None,
            commit_sha: None,
            execution_time_ms: None,
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
            pid,
            heartbeat_at: Some(now.clone()),
            cancel_requested: false,
            result_json: None,
            created_at: now.clone(),
            updated_at: now,
        }
    }

    fn clock() -> Clock {
        Clock::fixed(time::macros::datetime!(2026-03-14 15:09:30 UTC))
    }

    #[test]
    fn moves_are_logged_with_their_state_and_illegal_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("v.db")).unwrap();
        store.insert_job(&job_row("j1", "queued", None)).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut j = Journal::new(store, clock(), "j1".into(), Some(tx));
        j.move_to(Status::Provisioning, None, |r| r.started_at = Some("s".into())).unwrap();
        j.emit(JobEvent::Message { text: "hi".into() }).unwrap();
        let err = j.move_to(Status::Done, None, |_| {}).unwrap_err();
        assert!(matches!(err, JobError::BadState { ref status, .. } if status == "provisioning"), "{err}");
        let job = j.job().unwrap();
        assert_eq!((job.status.as_str(), job.started_at.as_deref()), ("provisioning", Some("s")));
        let log = events(j.store(), "j1", 0).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(
            log[0].event,
            JobEvent::Status {
                from: Some(Status::Queued),
                to: Status::Provisioning,
                reason: None,
                failure: None
            }
        );
        assert_eq!(log[1].seq, 2);
        // The frontend saw the same two events, in order.
        let seen: Vec<i64> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| match e {
                Event::Job(r) => r.seq,
                _ => 0,
            })
            .collect();
        assert_eq!(seen, vec![1, 2]);
    }

    #[test]
    fn a_job_whose_process_died_is_marked_interrupted_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("v.db")).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = i64::from(child.id());
        child.wait().unwrap();
        store.insert_job(&job_row("dead", "running", Some(dead))).unwrap();
        store.insert_job(&job_row("alive", "running", Some(i64::from(std::process::id())))).unwrap();
        store.insert_job(&job_row("done", "done", Some(dead))).unwrap();
        let c = clock();
        assert_eq!(refresh(&mut store, &c, "alive").unwrap().status, "running");
        assert_eq!(refresh(&mut store, &c, "done").unwrap().status, "done");
        let job = refresh(&mut store, &c, "dead").unwrap();
        assert_eq!(job.status, "interrupted");
        assert!(job.error_message.unwrap().contains(&format!("pid {dead}")));
        assert_eq!(refresh(&mut store, &c, "dead").unwrap().status, "interrupted");
        assert_eq!(store.job_events("dead", 0).unwrap().len(), 1);

        // A live pid with a stale heartbeat (hung, or the pid was reused).
        let mut stale = job_row("stale", "testing", Some(i64::from(std::process::id())));
        stale.heartbeat_at = Some("2026-03-14T15:00:00.000Z".into());
        store.insert_job(&stale).unwrap();
        let job = refresh(&mut store, &c, "stale").unwrap();
        assert_eq!(job.status, "interrupted");
        assert!(job.error_message.unwrap().contains("no sign of life"));
    }

    #[test]
    fn a_queued_job_whose_process_died_before_it_started_is_cancelled_and_nobody_is_signalled() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("v.db")).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = i64::from(child.id());
        child.wait().unwrap();
        store.insert_job(&job_row("never", "queued", Some(dead))).unwrap();
        // A resumed job had started before: it is interrupted, as a running one.
        let mut resumed = job_row("resumed", "queued", Some(dead));
        resumed.started_at = Some("2026-03-14T15:00:00.000Z".into());
        store.insert_job(&resumed).unwrap();
        // Its process alive (a batch still reviewing): it waits, and a cancel does not signal it.
        let waiting = job_row("waiting", "queued", Some(i64::from(std::process::id())));
        store.insert_job(&waiting).unwrap();
        let c = clock();

        let job = refresh(&mut store, &c, "never").unwrap();
        assert_eq!(job.status, "cancelled");
        let message = job.error_message.unwrap();
        assert!(
            message.contains(&format!(
                "cancelled before it started: the process that was to run it (pid {dead}) is gone"
            )),
            "{message}"
        );
        assert!(message.ends_with("run its plan with `vibe run --plan PLAN --yes`"), "{message}");
        assert!(job.finished_at.is_some());
        let log = events(&store, "never", 0).unwrap();
        assert!(matches!(
            log.last().unwrap().event,
            JobEvent::Status {
                from: Some(Status::Queued),
                to: Status::Cancelled,
                failure: Some(Failure::Cancelled),
                ..
            }
        ));
        assert_eq!(refresh(&mut store, &c, "never").unwrap().status, "cancelled");
        assert_eq!(log.len(), events(&store, "never", 0).unwrap().len(), "recorded once");

        assert_eq!(refresh(&mut store, &c, "resumed").unwrap().status, "interrupted");
        let job = refresh(&mut store, &c, "waiting").unwrap();
        assert_eq!(job.status, "queued");
        assert_eq!(liveness::signal_runner(&job), None);
    }
}
