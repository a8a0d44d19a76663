//! `vibe run --batch FILE --parallel N`: many change requests at once. Each line of the file
//! (a prompt, or a JSON object `{"prompt", "base", "repo"}`) goes prompt → CRS → plan → job
//! like one `vibe run`, each recorded on its own; up to N jobs run at the same time.
//! With `--yes` every plan is approved in advance; without it, on a terminal, the plans are
//! written and reviewed one after another before any job starts (a rejected plan is recorded
//! as rejected and its job never made; leaving a review screen stops the batch before any
//! job runs). One line per job when it starts and ends, a summary
//! at the end (JSON Lines with `--json`), and a non-zero exit when any job did not pass.
//! Ctrl-C cancels every job (each destroys its sandbox). A job queued after its review
//! records this process as the one that will run it, and its heartbeat is kept until it
//! runs: if the process dies first (killed during a later review), the next `vibe jobs`
//! command finds the job cancelled, having never started.

use std::future::Future;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Semaphore};

use crate::cli::RunArgs;
use crate::config::Backend;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, Op};
use crate::jobs::{self, Failure, Journal, Status};
use crate::output::jobs::EventPrinter;
use crate::output::short_id;
use crate::pipeline::{self, Outcome, Request, Review, Services, Start, Stop};
use crate::store::{JobRecord, Store};

use super::frontend::{ask, review_app};
use super::Ctx;

/// One change request of a batch file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Item {
    pub prompt: String,
    #[serde(default)]
    pub base: Option<String>,
    #[serde(default)]
    pub repo: Option<PathBuf>,
}

/// Reads a batch file: one prompt per line, or one JSON object per line; blank lines and
/// lines starting with `#` are skipped.
pub fn parse(text: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let item = if line.starts_with('{') {
            serde_json::from_str::<Item>(line).map_err(|e| format!("line {}: {e}", n + 1))?
        } else {
            Item { prompt: line.to_string(), base: None, repo: None }
        };
        if item.prompt.trim().is_empty() {
            return Err(format!("line {}: the prompt is empty", n + 1));
        }
        items.push(item);
    }
    if items.is_empty() {
        return Err("it holds no change request".into());
    }
    Ok(items)
}

/// How one change request of the batch ended.
#[derive(Debug, Clone, Serialize)]
struct Row {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    prompt: String,
    job_id: Option<String>,
    plan_id: Option<String>,
    status: String,
    branch: Option<String>,
    error: Option<String>,
}

impl Row {
    fn new(index: usize, prompt: &str) -> Self {
        Self {
            kind: "batch_job",
            index,
            prompt: prompt.to_string(),
            job_id: None,
            plan_id: None,
            status: "cancelled".into(),
            branch: None,
            error: None,
        }
    }

    fn failed(mut self, e: Error) -> Self {
        self.status = "error".into();
        self.error = Some(e.message);
        self
    }

    fn finished(&mut self, job: &JobRecord) {
        self.job_id = Some(job.id.clone());
        self.plan_id = job.plan_id.clone();
        self.status = job.status.clone();
        self.branch = job.branch_name.clone();
        self.error = job.error_message.clone();
    }

    /// Whether the plan never became a job by the reviewer's choice.
    fn declined(&self) -> bool {
        self.status == "rejected"
    }
}

/// What the batch does with one change request.
enum Task {
    /// Prompt → CRS → plan → job, the plan approved in advance (`--yes`).
    Whole { item: Item, repo: PathBuf },
    /// A job made from a plan approved in review, waiting to run.
    Queued { prompt: String, job_id: String },
    /// Nothing to run: the plan was rejected, or could not be written.
    Settled(Row),
}

/// The settings every change request of the batch shares.
struct Batch<'a> {
    ctx: &'a Ctx,
    args: &'a RunArgs,
    backend: Backend,
    total: usize,
    /// The queued jobs this process will run, whose heartbeat it keeps until they start.
    waiting: Waiting,
}

/// The jobs a batch queued and has not started yet. While it lives, a thread refreshes
/// their heartbeat, so other processes see their owner alive through a long review.
struct Waiting {
    ids: Arc<Mutex<Vec<String>>>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    beat: Option<std::thread::JoinHandle<()>>,
}

impl Waiting {
    fn new(ctx: &Ctx) -> Self {
        let ids: Arc<Mutex<Vec<String>>> = Arc::default();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let (db, clock, pid) = (ctx.config.db_path(), ctx.clock, i64::from(std::process::id()));
        let list = Arc::clone(&ids);
        let beat = std::thread::spawn(move || {
            let Ok(mut store) = Store::open(&db) else { return };
            loop {
                let now = clock.now_ts();
                let ids = list.lock().map(|l| l.clone()).unwrap_or_default();
                for id in ids {
                    let _ = store.heartbeat_job(&id, pid, &now);
                }
                // Wakes at once when the batch ends (the sender is dropped).
                match stopped.recv_timeout(jobs::liveness::HEARTBEAT_EVERY) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
            }
        });
        Self { ids, stop: Some(stop), beat: Some(beat) }
    }

    /// Records this process as the one that will run the queued job `job_id`.
    fn own(&self, ctx: &Ctx, job_id: &str) -> Result<(), Error> {
        ctx.store()?.claim_job(job_id, i64::from(std::process::id()), &ctx.clock.now_ts())?;
        if let Ok(mut ids) = self.ids.lock() {
            ids.push(job_id.to_string());
        }
        Ok(())
    }

    /// The job runs (or ended) here: its own heartbeat takes over.
    fn started(&self, job_id: &str) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.retain(|id| id != job_id);
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(beat) = self.beat.take() {
            let _ = beat.join();
        }
    }
}

impl Batch<'_> {
    fn request(&self, item: &Item, repo: PathBuf, review: Review, run_job: bool) -> Request {
        Request {
            repo,
            start: Start::Prompt(item.prompt.clone()),
            stop: Stop::Job,
            base: item.base.clone().or(self.args.base.clone()),
            allow_dirty: self.args.allow_dirty,
            sandbox: self.backend,
            no_pr: self.args.no_pr,
            draft: self.args.draft,
            pr_on_failure: self.args.pr_on_failure,
            review,
            run_job,
        }
    }

    fn started(&self, index: usize, job_id: &str, prompt: &str) {
        self.ctx.out.note(format!("[{index}/{}] job {} started: {prompt}", self.total, short_id(job_id)));
    }

    fn ended(&self, row: &Row) {
        let id = row.job_id.as_deref().map(short_id).unwrap_or("-");
        self.ctx.out.note(format!("[{}/{}] job {id} {}: {}", row.index, self.total, row.status, row.prompt));
    }
}

/// `vibe run --batch FILE`.
pub fn run(ctx: &Ctx, args: &RunArgs, file: &Path) -> Result<(), Error> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !ctx.global.yes && !interactive {
        return Err(Error::usage(
            "--batch without --yes reviews each plan on the terminal, and there is no terminal here",
        )
        .with_hint("read the file's prompts, then pass --yes: `vibe run --batch FILE --yes`"));
    }
    let path = super::resolve_path(ctx, file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::usage(format!("cannot read the batch file {}: {e}", path.display())))?;
    let items = parse(&text).map_err(|e| Error::usage(format!("the batch file {}: {e}", path.display())))?;
    let backend = args.sandbox.unwrap_or(ctx.config.sandbox.backend);
    pipeline::check_backend(&ctx.config, backend)?;
    let default_repo = ctx.config.require_repo()?.to_path_buf();
    let batch = Batch { ctx, args, backend, total: items.len(), waiting: Waiting::new(ctx) };
    let items: Vec<(Item, PathBuf)> = items
        .into_iter()
        .map(|item| {
            let repo =
                item.repo.as_ref().map(|r| super::resolve_path(ctx, r)).unwrap_or(default_repo.clone());
            (item, repo)
        })
        .collect();
    let rt = ctx.runtime()?;
    let tasks = if ctx.global.yes {
        items.into_iter().map(|(item, repo)| Task::Whole { item, repo }).collect()
    } else {
        rt.block_on(review_all(&batch, items))?
    };
    let rows = rt.block_on(run_all(&batch, tasks, args.parallel.max(1)));
    summary(ctx, &rows)?;
    let declined: Vec<String> =
        rows.iter().filter(|r| r.declined()).map(|r| format!("#{}", r.index)).collect();
    if !declined.is_empty() && !ctx.out.json {
        ctx.out.note(format!("not run, as reviewed: {}", declined.join(", ")));
    }
    let failed = rows.iter().filter(|r| r.status != "done" && !r.declined()).count();
    if failed > 0 {
        return Err(Error::new(
            ErrorKind::TestsFailed,
            format!("{failed} of {} jobs of the batch did not pass", rows.len() - declined.len()),
        )
        .with_hint("see each with `vibe jobs result ID`"));
    }
    Ok(())
}

/// Writes and reviews the plans one after another; an approved plan becomes a queued job.
/// Ctrl-C, or leaving a review screen without a verdict, stops the review and cancels the
/// jobs made so far: nothing has run.
async fn review_all(batch: &Batch<'_>, items: Vec<(Item, PathBuf)>) -> Result<Vec<Task>, Error> {
    let mut tasks = Vec::new();
    for (i, (item, repo)) in items.into_iter().enumerate() {
        let index = i + 1;
        batch.ctx.out.note(format!("[{index}/{}] planning: {}", batch.total, item.prompt));
        let reviewed = tokio::select! {
            task = review_one(batch, index, &item, repo) => task,
            _ = tokio::signal::ctrl_c() => None,
        };
        match reviewed {
            Some(task) => tasks.push(task),
            None => {
                for task in &tasks {
                    if let Task::Queued { job_id, .. } = task {
                        cancel_queued(batch.ctx, job_id);
                    }
                }
                return Err(Error::new(
                    ErrorKind::Interrupted,
                    format!(
                        "the batch's review stopped at plan {index} of {}: no job of the batch was run",
                        batch.total
                    ),
                )
                .with_hint("run the batch again, or a plan you reviewed with `vibe run --plan ID`"));
            }
        }
    }
    Ok(tasks)
}

/// Writes the plan of one change request and serves its review: on the review screen when
/// standard input and output are a terminal, else as a question on stderr. `None` when the
/// reviewer left the screen without a verdict.
async fn review_one(batch: &Batch<'_>, index: usize, item: &Item, repo: PathBuf) -> Option<Task> {
    let ctx = batch.ctx;
    let mut row = Row::new(index, &item.prompt);
    let store = match ctx.store() {
        Ok(s) => s,
        Err(e) => return Some(Task::Settled(row.failed(e))),
    };
    let screen = !ctx.out.json && crate::tui::can_open();
    let req = batch.request(item, repo, Review::Ask, false);
    let mut services = Services::new(store, None);
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
    let (op_tx, op_rx) = mpsc::unbounded_channel::<Op>();
    let mut printer = (!ctx.out.json).then(|| EventPrinter::new(ctx.out));
    let mut left = false;
    let pipe = pipeline::run(&ctx.config, ctx.clock, &mut services, req, ev_tx, op_rx);
    let frontend = async {
        let mut op_tx = Some(op_tx);
        let mut tokens = None;
        while let Some(ev) = ev_rx.recv().await {
            if let Event::PlanReady { tokens: t, .. } = &ev {
                tokens = Some(*t);
            }
            let Event::ApprovalNeeded { plan_id, crs, plan, content_hash, .. } = &ev else {
                if let Some(p) = printer.as_mut() {
                    p.print(&ev)?;
                }
                continue;
            };
            if let Some(p) = printer.as_mut() {
                p.finish();
            }
            let Some(ops) = op_tx.as_ref() else { continue };
            if !screen {
                let name = plan_id.as_deref().map_or("unrecorded", short_id);
                let yes = ask(&format!("Run plan {name} for \"{}\"? [y/N] ", item.prompt))?;
                let _ = ops.send(if yes {
                    Op::Approve { plan_id: plan_id.clone(), content_hash: content_hash.clone() }
                } else {
                    Op::Reject { reason: None }
                });
                continue;
            }
            let mut app = review_app(ctx, crs, plan_id, plan, content_hash, tokens);
            let name = plan_id.as_deref().map_or("unrecorded", short_id);
            let setup = crate::tui::Setup::new(&ctx.config, ctx.out.color, name);
            let ended = crate::tui::review_on_terminal(&mut app, &setup, &mut ev_rx, ops).await?;
            if ended == crate::tui::app::Ended::Left {
                // Not decided: the plan stays as it is, and the batch stops.
                left = true;
                op_tx = None;
            }
        }
        Ok::<(), Error>(())
    };
    let (outcome, shown) = tokio::join!(pipe, frontend);
    drop(printer);
    if let Err(e) = shown {
        return Some(Task::Settled(row.failed(e)));
    }
    Some(match outcome {
        Ok(Outcome::Created { job_id }) => {
            if let Err(e) = batch.waiting.own(ctx, &job_id) {
                cancel_queued(ctx, &job_id);
                let row = row.failed(e);
                batch.ended(&row);
                return Some(Task::Settled(row));
            }
            Task::Queued { prompt: item.prompt.clone(), job_id }
        }
        Ok(Outcome::Rejected { .. }) if left => return None,
        Ok(Outcome::Rejected { plan_id }) => {
            row.plan_id = plan_id;
            row.status = "rejected".into();
            batch.ended(&row);
            Task::Settled(row)
        }
        Ok(_) => {
            row.status = "stopped".into();
            Task::Settled(row)
        }
        Err(e) => {
            let row = row.failed(e);
            batch.ended(&row);
            Task::Settled(row)
        }
    })
}

/// Runs the batch's jobs, up to `parallel` at once, until all have ended; Ctrl-C cancels
/// every one of them.
async fn run_all(batch: &Batch<'_>, tasks: Vec<Task>, parallel: usize) -> Vec<Row> {
    let permits = Arc::new(Semaphore::new(parallel));
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let mut jobs: Vec<Pin<Box<dyn Future<Output = Row> + '_>>> = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let permits = Arc::clone(&permits);
        let cancel = cancel_rx.clone();
        jobs.push(Box::pin(async move {
            match task {
                Task::Settled(row) => row,
                Task::Whole { item, repo } => whole(batch, i + 1, item, repo, &permits, cancel).await,
                Task::Queued { prompt, job_id } => {
                    queued(batch, i + 1, prompt, job_id, &permits, cancel).await
                }
            }
        }));
    }
    let all = join_all(jobs);
    tokio::pin!(all);
    loop {
        tokio::select! {
            rows = &mut all => break rows,
            _ = tokio::signal::ctrl_c() => {
                batch.ctx.out.note("cancelling every job of the batch…");
                let _ = cancel_tx.send(true);
            }
        }
    }
}

/// One change request through the whole pipeline, its plan approved in advance.
async fn whole(
    batch: &Batch<'_>,
    index: usize,
    item: Item,
    repo: PathBuf,
    permits: &Semaphore,
    mut cancel: watch::Receiver<bool>,
) -> Row {
    let ctx = batch.ctx;
    let mut row = Row::new(index, &item.prompt);
    let Ok(_permit) = permits.acquire().await else { return row };
    if *cancel.borrow() {
        return row;
    }
    let store = match Store::open(&ctx.config.db_path()) {
        Ok(s) => s,
        Err(e) => return row.failed(e.into()),
    };
    let req = batch.request(&item, repo, Review::Approved, true);
    let mut services = Services::new(store, None);
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
    let (op_tx, op_rx) = mpsc::unbounded_channel::<Op>();
    let pipe = pipeline::run(&ctx.config, ctx.clock, &mut services, req, ev_tx, op_rx);
    let watch_events = async {
        loop {
            tokio::select! {
                ev = ev_rx.recv() => match ev {
                    Some(Event::JobCreated { job_id, .. }) => batch.started(index, &job_id, &item.prompt),
                    Some(_) => {}
                    None => break,
                },
                changed = cancel.changed() => {
                    if changed.is_err() || *cancel.borrow() {
                        let _ = op_tx.send(Op::Cancel);
                    }
                    if changed.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
        }
    };
    let (outcome, ()) = tokio::join!(pipe, watch_events);
    match outcome {
        Ok(Outcome::Finished { job }) => row.finished(&job),
        Ok(_) => row.status = "stopped".into(),
        Err(e) => row = row.failed(e),
    }
    batch.ended(&row);
    row
}

/// One job made from a reviewed plan, run here.
async fn queued(
    batch: &Batch<'_>,
    index: usize,
    prompt: String,
    job_id: String,
    permits: &Semaphore,
    cancel: watch::Receiver<bool>,
) -> Row {
    let ctx = batch.ctx;
    let mut row = Row::new(index, &prompt);
    row.job_id = Some(job_id.clone());
    let permit = permits.acquire().await;
    batch.waiting.started(&job_id);
    if permit.is_err() || *cancel.borrow() {
        cancel_queued(ctx, &job_id);
        batch.ended(&row);
        return row;
    }
    batch.started(index, &job_id, &prompt);
    match jobs::runner::run(&ctx.config, ctx.clock, &job_id, None, Some(cancel), None).await {
        Ok(finished) => row.finished(&finished.job),
        Err(e) => row = row.failed(e.into()),
    }
    batch.ended(&row);
    row
}

/// Cancels a queued job nobody runs.
fn cancel_queued(ctx: &Ctx, job_id: &str) {
    let Ok(store) = ctx.store() else { return };
    let now = ctx.clock.now_ts();
    let mut journal = Journal::new(store, ctx.clock, job_id.to_string(), None);
    let _ = journal.end_as(
        Status::Cancelled,
        Some("cancelled by the user".into()),
        Some(Failure::Cancelled),
        |j| j.finished_at = Some(now),
    );
}

fn summary(ctx: &Ctx, rows: &[Row]) -> Result<(), Error> {
    if ctx.out.json {
        for row in rows {
            ctx.out.jsonl(row)?;
        }
        return Ok(());
    }
    for row in rows {
        let id = row.job_id.as_deref().map(short_id).unwrap_or("-");
        let plan = row.plan_id.as_deref().filter(|_| row.declined()).map(|p| format!("plan {}", short_id(p)));
        let what = row.branch.clone().or(row.error.clone()).or(plan).unwrap_or_default();
        ctx.out.line(format!("{:>3}  {id:<8}  {:<11}  {}  {what}", row.index, row.status, row.prompt))?;
    }
    Ok(())
}

/// Polls every future on this task until all are ready; the results in order.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    let mut out: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futures.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => out[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_batch_file_holds_prompts_or_json_objects() {
        let items =
            parse("add a flag\n\n# a comment\n{\"prompt\": \"fix it\", \"base\": \"dev\"}\n").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], Item { prompt: "add a flag".into(), base: None, repo: None });
        assert_eq!(items[1].base.as_deref(), Some("dev"));
        assert!(parse("{\"prompt\": \"\"}").unwrap_err().contains("line 1"));
        assert!(parse("\n# only\n").is_err());
        assert!(parse("{\"base\": 1}").unwrap_err().contains("line 1"));
    }
}
