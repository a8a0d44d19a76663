//! The pipeline: prompt → CRS → plan → review → job. Every frontend (`vibe crs`, `vibe plan`,
//! `vibe run`, the TUI) drives this one orchestrator, telling it where to stop ([`Stop`]).
//! It talks to its frontend only through channels: [`Event`]s out, [`Op`]s in. At the
//! review point it emits [`Event::ApprovalNeeded`] carrying the CRS and the plan, and waits
//! for [`Op::Approve`] or [`Op::Reject`]. The generators return values; the pipeline records
//! them, each before the next model call.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::{Backend, Config};
use crate::crs::{Crs, CrsOutcome, Input, Owner};
use crate::error::{Error, ErrorKind};
use crate::event::{Event, Op, Stage};
use crate::jobs::{self, Artifacts, JobSpec, Status};
use crate::llm::{Client, StreamProgress, Usage};
use crate::plan::{Plan, PlanOutcome};
use crate::review;
use crate::store::{CrsRecord, JobRecord, Store, Table};

/// Where the pipeline starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// From a prompt: the CRS and the plan are generated.
    Prompt(String),
    /// From a recorded CRS: the plan is generated.
    Crs(Box<(CrsRecord, Crs)>),
    /// From an existing plan (and the CRS it implements).
    Plan(Box<PlannedChange>),
}

/// Where the pipeline stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stop {
    /// After the CRS is written (`vibe crs`).
    Crs,
    /// After the plan is written (`vibe plan`).
    Plan,
    /// After the job (`vibe run`).
    Job,
}

/// A CRS and a plan for it, possibly recorded in the store.
#[derive(Debug, Clone)]
pub struct PlannedChange {
    /// The CRS record, if stored.
    pub crs_id: Option<String>,
    /// The CRS.
    pub crs: Crs,
    /// The plan record, if stored.
    pub plan_id: Option<String>,
    /// The plan.
    pub plan: Plan,
}

/// Who approves the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Already approved (`--yes`).
    Approved,
    /// Ask the frontend ([`Event::ApprovalNeeded`], answered by an [`Op`]).
    Ask,
    /// Nobody can approve (no terminal): stop after the plan.
    Stop,
}

/// The services a command builds once and hands to the pipeline.
#[derive(Debug)]
pub struct Services {
    /// The history database.
    pub store: Store,
    /// The model client, made by the pipeline when it first needs one if not given.
    pub client: Option<Arc<Client>>,
}

impl Services {
    /// The store and, when given, a model client.
    pub fn new(store: Store, client: Option<Client>) -> Self {
        Self { store, client: client.map(Arc::new) }
    }

    fn client(&mut self, config: &Config) -> Result<Arc<Client>, Error> {
        if let Some(c) = &self.client {
            return Ok(Arc::clone(c));
        }
        let c = Arc::new(Client::new(&config.model)?);
        self.client = Some(Arc::clone(&c));
        Ok(c)
    }
}

/// Everything a command decided, resolved.
#[derive(Debug, Clone)]
pub struct Request {
    /// The user's repository root.
    pub repo: PathBuf,
    /// Where to start.
    pub start: Start,
    /// Where to stop.
    pub stop: Stop,
    /// Branch or commit to start from (default HEAD).
    pub base: Option<String>,
    /// Include uncommitted changes.
    pub allow_dirty: bool,
    /// Sandbox backend.
    pub sandbox: Backend,
    /// Stop at the commit.
    pub no_pr: bool,
    /// Draft pull request.
    pub draft: bool,
    /// Open a draft pull request even when the job does not pass.
    pub pr_on_failure: bool,
    /// Who approves the plan.
    pub review: Review,
    /// Run the job here (false: create it and return, e.g. for `--detach`).
    pub run_job: bool,
}

impl Request {
    /// A request that writes a CRS or a plan and stops there.
    pub fn draft(repo: PathBuf, start: Start, stop: Stop) -> Self {
        Self {
            repo,
            start,
            stop,
            base: None,
            allow_dirty: true,
            sandbox: Backend::Local,
            no_pr: true,
            draft: false,
            pr_on_failure: false,
            review: Review::Stop,
            run_job: false,
        }
    }
}

/// How the pipeline ended.
#[derive(Debug)]
pub enum Outcome {
    /// Stopped after the CRS ([`Stop::Crs`]).
    Crs(Box<CrsOutcome>),
    /// Stopped after the plan ([`Stop::Plan`]).
    Planned(Box<Planned>),
    /// Stopped after the plan for a review.
    StoppedForReview { plan_id: String },
    /// The plan was rejected.
    Rejected { plan_id: Option<String> },
    /// The job was created and not run here.
    Created { job_id: String },
    /// The job ran to its end.
    Finished { job: Box<JobRecord> },
}

/// A plan written and recorded, and the CRS it implements.
#[derive(Debug)]
pub struct Planned {
    /// The CRS record.
    pub crs_record: CrsRecord,
    /// The CRS.
    pub crs: Crs,
    /// What writing the CRS cost, when it was written in this run.
    pub crs_usage: Option<Usage>,
    /// The plan and its record.
    pub plan: PlanOutcome,
}

/// Runs the pipeline.
pub async fn run(
    config: &Config,
    clock: Clock,
    services: &mut Services,
    req: Request,
    events: UnboundedSender<Event>,
    mut ops: UnboundedReceiver<Op>,
) -> Result<Outcome, Error> {
    if req.stop < Stop::Job {
        return draft(config, clock, services, req, &events).await;
    }
    // The CRS and plan are written for the sandbox the job will run in.
    let chosen;
    let config = if config.sandbox.backend == req.sandbox {
        config
    } else {
        let mut c = config.clone();
        c.sandbox.backend = req.sandbox;
        chosen = c;
        &chosen
    };
    let repo = crate::git::open(&req.repo)?;
    let (base_commit, base_branch) = crate::git::resolve_base(&repo, req.base.as_deref())?;
    check_backend(config, req.sandbox)?;
    // A missing model setting is found before anything is recorded.
    Client::check(&config.model)?;
    // The copy is written while the tree is checked and the model writes the CRS and plan (or
    // the user reads it).
    let prefetch = (req.run_job && req.review != Review::Stop && req.sandbox != Backend::E2b)
        .then(|| Prefetch::start(config, &req.repo, &base_commit, req.allow_dirty));
    // The tree check and the walk of the repository for the CRS and plan run side by side.
    let walk_root = match &req.start {
        Start::Prompt(_) | Start::Crs(_) => Some(config.require_repo()?.to_path_buf()),
        Start::Plan(_) => None,
    };
    // The CRS's context is gathered on the walk's thread too; nothing is sent before the tree
    // is found clean.
    let prompt = match &req.start {
        Start::Prompt(prompt) => Some(prompt.trim()),
        _ => None,
    };
    let (clean, walked) = std::thread::scope(|scope| {
        let cache = config.cache_dir();
        let walked = walk_root.as_deref().map(|root| {
            scope.spawn(move || {
                let snapshot = crate::context::Snapshot::take_cached(root, Some(&cache))?;
                let gathered = prompt.filter(|p| !p.is_empty()).and_then(|p| {
                    crate::context::gather_with(root, Some(&snapshot), p, config.context_max_tokens).ok()
                });
                Ok::<_, crate::context::ContextError>((snapshot, gathered))
            })
        });
        let clean = crate::git::ensure_clean(&repo, req.allow_dirty);
        (clean, walked.map(|s| s.join()))
    });
    clean?;
    let (snapshot, gathered) = match walked {
        Some(Ok(taken)) => {
            let (snapshot, gathered) = taken?;
            (Some(snapshot), gathered)
        }
        Some(Err(_)) => return Err(Error::failure("walking the repository failed unexpectedly")),
        None => (None, None),
    };

    let mut change = match req.start.clone() {
        Start::Plan(change) => *change,
        start => {
            let planned = write(
                config,
                clock,
                services,
                start,
                Stop::Plan,
                Input { snapshot: snapshot.as_ref(), gathered },
                &events,
            )
            .await?;
            let Some(planned) = planned.planned() else {
                return Err(Error::failure("the plan was not written"));
            };
            PlannedChange {
                crs_id: Some(planned.crs_record.id),
                crs: planned.crs,
                plan_id: Some(planned.plan.record.id),
                plan: planned.plan.plan,
            }
        }
    };
    drop(snapshot);

    // Review.
    let store = &services.store;
    // Ids from a plan file written on another machine mean nothing here, nor does the id of a
    // recorded plan whose content the file changed.
    change.plan_id = change.plan_id.filter(|id| {
        store.plan(id).ok().and_then(|r| crate::plan::from_record(&r).ok()).is_some_and(|p| p == change.plan)
    });
    change.crs_id = change.crs_id.filter(|id| store.crs(id).is_ok());
    match req.review {
        Review::Approved => {
            if let Some(id) = change.plan_id.as_deref() {
                let hash = crate::plan::content_hash(&change.plan);
                review::approve(&mut services.store, &clock, id, &hash)?;
            }
        }
        Review::Stop => {
            let plan_id = change.plan_id.clone().ok_or_else(|| {
                Error::usage("the plan must be approved before it runs").with_hint("pass --yes to run it")
            })?;
            let _ = events.send(Event::StoppedForReview { plan_id: plan_id.clone() });
            return Ok(Outcome::StoppedForReview { plan_id });
        }
        Review::Ask => {
            let _ = events.send(Event::StageStarted { stage: Stage::Review });
            let _ = events.send(Event::ApprovalNeeded {
                plan_id: change.plan_id.clone(),
                crs_id: change.crs_id.clone(),
                crs: Box::new(change.crs.clone()),
                plan: Box::new(change.plan.clone()),
                content_hash: crate::plan::content_hash(&change.plan),
            });
            if !serve_review(config, clock, services, &mut change, &events, &mut ops).await? {
                return Ok(Outcome::Rejected { plan_id: change.plan_id.clone() });
            }
        }
    }
    let store = &mut services.store;
    // The job runs exactly the approved version.
    if let Some(id) = change.plan_id.as_deref() {
        if !review::is_approved(store, id, &change.plan)? {
            return Err(
                review::ReviewError::NotApproved { id: crate::output::short_id(id).to_string() }.into()
            );
        }
    }
    let _ = events.send(Event::PlanApproved { plan_id: change.plan_id.clone() });

    // The job.
    let spec = JobSpec {
        repo: req.repo.clone(),
        base_commit,
        base_branch,
        crs_id: change.crs_id.clone(),
        crs: change.crs,
        plan_id: change.plan_id.clone(),
        network: change.plan.needs_network && config.sandbox.network,
        plan: change.plan,
        sandbox: req.sandbox,
        allow_dirty: req.allow_dirty,
        no_pr: req.no_pr,
        draft: req.draft,
        pr_base: pr_base(req.base.as_deref()),
        pr_on_failure: req.pr_on_failure,
    };
    let job_id = create_job(config, &clock, store, &spec)?;
    let _ = events.send(Event::JobCreated { job_id: job_id.clone(), plan_id: spec.plan_id.clone() });
    if !req.run_job {
        return Ok(Outcome::Created { job_id });
    }
    if let Some(prefetch) = prefetch {
        prefetch.hand_over(&Artifacts::new(&config.jobs_dir(), &job_id).prepared()).await;
    }
    let _ = events.send(Event::StageStarted { stage: Stage::Job });
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let client = services.client.clone();
    let job = {
        let runner = jobs::runner::run(config, clock, &job_id, Some(events.clone()), Some(cancel_rx), client);
        tokio::pin!(runner);
        loop {
            tokio::select! {
                done = &mut runner => break done?.job,
                op = ops.recv() => match op {
                    Some(Op::Cancel) => { cancel_tx.send_replace(true); }
                    Some(_) => {}
                    // The frontend is gone; keep running.
                    None => break (&mut runner).await?.job,
                }
            }
        }
    };
    let _ = events.send(Event::Finished { job_id: Some(job.id.clone()), status: Status::parse(&job.status) });
    Ok(Outcome::Finished { job: Box::new(job) })
}

/// Serves the review of a recorded plan, as `vibe plan` does on a terminal: answers ops on
/// `change` until it is approved (true), rejected or the frontend is gone (false), then
/// reports [`Event::PlanApproved`] when approved.
pub async fn review(
    config: &Config,
    clock: Clock,
    services: &mut Services,
    change: &mut PlannedChange,
    events: &UnboundedSender<Event>,
    ops: &mut UnboundedReceiver<Op>,
) -> Result<bool, Error> {
    let approved = serve_review(config, clock, services, change, events, ops).await?;
    if approved {
        let _ = events.send(Event::PlanApproved { plan_id: change.plan_id.clone() });
    }
    Ok(approved)
}

/// Answers review ops on `change` until it is approved (true) or rejected (false). Each
/// operation is recorded before the next; a new version replaces `change`'s plan.
async fn serve_review(
    config: &Config,
    clock: Clock,
    services: &mut Services,
    change: &mut PlannedChange,
    events: &UnboundedSender<Event>,
    ops: &mut UnboundedReceiver<Op>,
) -> Result<bool, Error> {
    let failed = |e: Error| {
        let _ = events.send(Event::ReviewFailed { message: e.message, hint: e.hint });
    };
    let unrecorded = || {
        Error::usage("the plan is not recorded, so it cannot be changed here")
            .with_hint("make it with `vibe plan \"…\"` to review it fully")
    };
    // Review writes run on a blocking thread with a connection of their own, so a frontend
    // sharing this task answers its keys meanwhile.
    let db = services.store.path().to_path_buf();
    while let Some(op) = ops.recv().await {
        let current = change.plan_id.clone();
        match op {
            Op::Approve { plan_id, content_hash } => match plan_id.or(current) {
                Some(id) => match review::off_task(&db, {
                    let id = id.clone();
                    move |store| {
                        review::approve(store, &clock, &id, &content_hash)
                            .and_then(|()| review::Version::load(store, &id))
                    }
                })
                .await
                {
                    Ok(v) => {
                        change.plan = v.plan;
                        change.plan_id = Some(id);
                        change.crs = v.crs;
                        change.crs_id = Some(v.crs_record.id);
                        return Ok(true);
                    }
                    Err(e) => failed(e.into()),
                },
                None if crate::plan::content_hash(&change.plan) == content_hash => return Ok(true),
                None => failed(review::ReviewError::Changed { id: "under review".into() }.into()),
            },
            Op::Reject { reason } => {
                if let Some(id) = current {
                    review::off_task(&db, move |store| review::reject(store, &clock, &id, reason.as_deref()))
                        .await?;
                }
                return Ok(false);
            }
            Op::Cancel => {}
            Op::Comment { .. }
            | Op::Lock { .. }
            | Op::Answer { .. }
            | Op::Replace { .. }
            | Op::Revise { .. }
            | Op::EditCriteria { .. }
                if current.is_none() =>
            {
                failed(unrecorded())
            }
            Op::Comment { target, text } => {
                let id = current.unwrap_or_default();
                noted(
                    events,
                    &id,
                    crate::store::ReviewKind::Comment,
                    Some(target.label()),
                    review::off_task(&db, {
                        let id = id.clone();
                        move |store| review::comment(store, &clock, &id, &target, &text)
                    })
                    .await,
                );
            }
            Op::Answer { question, text } => {
                let id = current.unwrap_or_default();
                let target = review::Target::Question(question).label();
                noted(
                    events,
                    &id,
                    crate::store::ReviewKind::Answer,
                    Some(target),
                    review::off_task(&db, {
                        let id = id.clone();
                        move |store| review::answer(store, &clock, &id, question, &text)
                    })
                    .await,
                );
            }
            Op::Lock { step, locked } => {
                let id = current.unwrap_or_default();
                let kind =
                    if locked { crate::store::ReviewKind::Lock } else { crate::store::ReviewKind::Unlock };
                noted(
                    events,
                    &id,
                    kind,
                    Some(review::Target::Step(step).label()),
                    review::off_task(&db, {
                        let id = id.clone();
                        move |store| review::lock(store, &clock, &id, step, locked)
                    })
                    .await,
                );
            }
            Op::Replace { plan } => {
                let id = current.unwrap_or_default();
                let replaced = review::off_task(&db, {
                    let (config, id) = (config.clone(), id.clone());
                    move |store| {
                        let rec = review::replace(&config, store, &clock, &id, *plan)?;
                        Ok((review::Version::load(store, &rec.id)?, rec))
                    }
                })
                .await;
                match replaced {
                    Ok((v, rec)) => {
                        new_version(
                            events,
                            change,
                            v.plan,
                            rec.id,
                            Some(id),
                            crate::store::ReviewKind::Edit,
                            None,
                        );
                    }
                    Err(review::ReviewError::Invalid { problems, plan }) => {
                        let _ = events.send(Event::EditRefused { problems, plan });
                    }
                    Err(e) => failed(e.into()),
                }
            }
            Op::EditCriteria { edits } => {
                let id = current.unwrap_or_default();
                let edited = review::off_task(&db, {
                    let id = id.clone();
                    move |store| review::edit_criteria(store, &clock, &id, &edits)
                })
                .await;
                match edited {
                    Ok(made) => {
                        change.crs = made.crs.clone();
                        change.crs_id = Some(made.crs_record.id.clone());
                        change.plan = made.plan.clone();
                        change.plan_id = Some(made.record.id.clone());
                        let _ = events.send(Event::CriteriaVersion {
                            plan_id: made.record.id,
                            parent_id: Some(id),
                            crs_id: made.crs_record.id,
                            crs: Box::new(made.crs),
                            content_hash: crate::plan::content_hash(&made.plan),
                            plan: Box::new(made.plan),
                            problems: made.problems,
                        });
                    }
                    Err(e) => failed(e.into()),
                }
            }
            Op::Revise { feedback } => {
                let id = current.unwrap_or_default();
                let client = match services.client(config) {
                    Ok(c) => c,
                    Err(e) => {
                        failed(e);
                        continue;
                    }
                };
                let _ = events.send(Event::StageStarted { stage: Stage::Plan });
                let progress = progress_to(events, Stage::Plan);
                let made =
                    review::revise(config, &clock, &db, &client, &id, &feedback, Some(&progress)).await;
                match made {
                    Ok(out) => {
                        let tokens = Some(out.usage.total());
                        new_version(
                            events,
                            change,
                            out.plan,
                            out.record.id,
                            Some(id),
                            crate::store::ReviewKind::Revise,
                            tokens,
                        );
                    }
                    Err(e) => failed(e),
                }
            }
        }
    }
    // The frontend is gone without a word: nothing runs.
    Ok(false)
}

fn noted(
    events: &UnboundedSender<Event>,
    plan_id: &str,
    kind: crate::store::ReviewKind,
    target: Option<String>,
    done: Result<(), review::ReviewError>,
) {
    let _ = events.send(match done {
        Ok(()) => Event::ReviewNoted { plan_id: plan_id.to_string(), kind, target },
        Err(e) => {
            let e = Error::from(e);
            Event::ReviewFailed { message: e.message, hint: e.hint }
        }
    });
}

fn new_version(
    events: &UnboundedSender<Event>,
    change: &mut PlannedChange,
    plan: Plan,
    plan_id: String,
    parent_id: Option<String>,
    how: crate::store::ReviewKind,
    tokens: Option<u64>,
) {
    let _ = events.send(Event::PlanVersion {
        plan_id: plan_id.clone(),
        parent_id,
        how,
        content_hash: crate::plan::content_hash(&plan),
        plan: Box::new(plan.clone()),
        tokens,
    });
    change.plan = plan;
    change.plan_id = Some(plan_id);
}

/// `vibe crs` and `vibe plan`: write the CRS (and the plan), record them, stop.
async fn draft(
    config: &Config,
    clock: Clock,
    services: &mut Services,
    req: Request,
    events: &UnboundedSender<Event>,
) -> Result<Outcome, Error> {
    let root = config.require_repo()?.to_path_buf();
    let snapshot = match &req.start {
        Start::Prompt(_) => Some(walk(&root, config.cache_dir()).await?),
        Start::Crs(_) | Start::Plan(_) => None,
    };
    write(
        config,
        clock,
        services,
        req.start,
        req.stop,
        Input { snapshot: snapshot.as_ref(), gathered: None },
        events,
    )
    .await
}

/// Walks the repository (or reads its walk from the cache) on a blocking thread, so the
/// frontend stays responsive.
async fn walk(root: &Path, cache: std::path::PathBuf) -> Result<crate::context::Snapshot, Error> {
    let root = root.to_path_buf();
    match tokio::task::spawn_blocking(move || crate::context::Snapshot::take_cached(&root, Some(&cache)))
        .await
    {
        Ok(taken) => Ok(taken?),
        Err(_) => Err(Error::failure("walking the repository failed unexpectedly")),
    }
}

impl Outcome {
    fn planned(self) -> Option<Planned> {
        match self {
            Outcome::Planned(p) => Some(*p),
            _ => None,
        }
    }
}

/// Writes the CRS (from a prompt) and the plan (unless stopping after the CRS), recording
/// each as soon as it is written.
async fn write(
    config: &Config,
    clock: Clock,
    services: &mut Services,
    start: Start,
    stop: Stop,
    input: Input<'_>,
    events: &UnboundedSender<Event>,
) -> Result<Outcome, Error> {
    let snapshot = input.snapshot;
    let client = services.client(config)?;
    let root = config.require_repo()?.to_path_buf();
    let owner = Owner::of(config, &services.store, &root)?;
    let (crs_record, crs, crs_usage, context) = match start {
        Start::Plan(_) => return Err(Error::failure("a plan given to the pipeline is not written again")),
        Start::Crs(given) => {
            let (record, crs) = *given;
            (record, crs, None, None)
        }
        Start::Prompt(prompt) => {
            let _ = events.send(Event::StageStarted { stage: Stage::Crs });
            let progress = progress_to(events, Stage::Crs);
            let made = crate::crs::generate(&client, config, &owner, &clock, &prompt, input, Some(&progress))
                .await?;
            services.store.save_crs(&made.record, &made.usage, "crs")?;
            let _ = events.send(Event::CrsReady {
                crs_id: made.record.id.clone(),
                summary: made.crs.summary.clone(),
                criteria: made.crs.acceptance_criteria.len(),
                tokens: made.usage.total(),
                request: (&made.usage).into(),
            });
            if stop == Stop::Crs {
                return Ok(Outcome::Crs(Box::new(made)));
            }
            (made.record, made.crs, Some(made.usage), Some(made.context))
        }
    };
    let _ = events.send(Event::StageStarted { stage: Stage::Plan });
    let progress = progress_to(events, Stage::Plan);
    // The context gathered for the CRS serves the plan too: gathered once, and the same
    // leading part of both requests.
    let basis =
        crate::plan::Basis { crs_record: &crs_record, snapshot, context: context.as_ref(), revision: None };
    let plan = crate::plan::generate(&client, config, &owner, &clock, basis, Some(&progress)).await?;
    services.store.save_plan(&plan.record, &plan.usage, "plan")?;
    let _ = events.send(Event::PlanReady {
        plan_id: plan.record.id.clone(),
        summary: plan.plan.summary.clone(),
        steps: plan.plan.steps.len(),
        complexity: plan.plan.complexity.as_str().to_string(),
        confidence: plan.plan.confidence,
        tokens: plan.usage.total(),
        request: (&plan.usage).into(),
    });
    Ok(Outcome::Planned(Box::new(Planned { crs_record, crs, crs_usage, plan })))
}

/// A model progress callback that reports as [`Event::ModelProgress`].
fn progress_to(events: &UnboundedSender<Event>, stage: Stage) -> impl Fn(StreamProgress) + Sync + '_ {
    move |p: StreamProgress| {
        let _ = events.send(Event::ModelProgress {
            stage,
            tokens: p.tokens,
            elapsed_ms: p.elapsed.as_millis() as u64,
            attempt: p.attempt,
            retry_in_ms: p.waiting.map(|w| w.as_millis() as u64),
        });
    }
}

/// The sandbox copy of the base commit, made on a thread of its own from the start of the
/// run so the job finds it ready (see [`crate::sandbox::local::prepare`]). It is handed to
/// the job by moving it into the job's `prepared/` directory, and removed when the run ends
/// without a job. Copies left by a process that died are removed by the next run.
struct Prefetch {
    dir: PathBuf,
    state: Arc<std::sync::Mutex<PrefetchState>>,
    ready: Option<tokio::sync::oneshot::Receiver<()>>,
}

#[derive(Default)]
struct PrefetchState {
    /// The copy is made and waits for its job.
    made: bool,
    /// Nobody will take it: the thread removes it when done.
    abandoned: bool,
}

impl Prefetch {
    const DIR: &'static str = ".prepared";

    fn start(config: &Config, repo: &Path, base_commit: &str, allow_dirty: bool) -> Self {
        let root = config.jobs_dir().join(Self::DIR);
        let (pool, in_memory) = (config.sandbox_pool_dir(), config.sandbox.copy_in_memory);
        let dir = root.join(format!("{}-{}", std::process::id(), crate::store::new_id()));
        let state = Arc::new(std::sync::Mutex::new(PrefetchState::default()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (repo, base, target, shared) =
            (repo.to_path_buf(), base_commit.to_string(), dir.clone(), Arc::clone(&state));

        let spawned = std::thread::Builder::new().name("vibe-prefetch".into()).spawn(move || {
            sweep(&root);
            // A failure is not reported here: provisioning makes the copy again and says why.
            let made = std::fs::create_dir_all(&target).is_ok()
                && crate::sandbox::local::prepare(
                    &repo,
                    &base,
                    allow_dirty,
                    &target,
                    pool.as_deref(),
                    in_memory,
                )
                .is_ok();
            let mut st = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if st.abandoned || !made {
                drop(st);
                crate::sandbox::local::discard_in_background(&target);
            } else {
                st.made = true;
            }
            let _ = tx.send(());
        });
        Self { dir, state, ready: spawned.is_ok().then_some(rx) }
    }

    /// Waits for the copy and moves it to `to`, where the job's provisioning takes it over.
    async fn hand_over(mut self, to: &Path) {
        if let Some(ready) = self.ready.take() {
            let _ = ready.await;
        }
        let mut st = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if st.made && std::fs::rename(&self.dir, to).is_ok() {
            st.made = false;
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        let mut st = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        st.abandoned = true;
        if st.made {
            st.made = false;
            crate::sandbox::local::discard_in_background(&self.dir);
        }
    }
}

/// Removes prepared copies whose process is gone.
fn sweep(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name.to_string_lossy().split('-').next().and_then(|p| p.parse::<i64>().ok());
        if pid.is_some_and(|p| !crate::jobs::liveness::pid_alive(p)) {
            crate::sandbox::local::discard_in_background(&entry.path());
        }
    }
}

/// The branch a job's pull request targets: `--base`, except a `vibe/…` branch of an earlier
/// job, which the new job continues — its pull request then targets the default branch and
/// carries the earlier job's commit too.
fn pr_base(base: Option<&str>) -> Option<String> {
    base.filter(|b| !b.starts_with("vibe/")).map(str::to_string)
}

/// Refuses a backend that cannot work as configured (E2B without a key), with what to do
/// instead, before anything is recorded.
pub fn check_backend(config: &Config, backend: Backend) -> Result<(), Error> {
    if backend == Backend::E2b && config.e2b.api_key.is_none() {
        return Err(Error::new(
            ErrorKind::NeedsConfig,
            "--sandbox e2b needs an E2B API key, and none is set",
        )
        .with_hint(
            "set E2B_API_KEY (or `vibe config set e2b.api_key`), or use the local sandbox: --sandbox local",
        ));
    }
    Ok(())
}

/// Records a queued job and its `spec.json`; returns its id.
pub fn create_job(
    config: &Config,
    clock: &Clock,
    store: &mut Store,
    spec: &JobSpec,
) -> Result<String, Error> {
    let id = crate::store::new_id();
    let art = Artifacts::new(&config.jobs_dir(), &id);
    art.write_json(&art.spec(), spec)?;
    let now = clock.now_ts();
    let user = store.current_user().ok().flatten();
    let job = JobRecord {
        id: id.clone(),
        plan_id: spec.plan_id.clone(),
        user_id: user.as_ref().map(|u| u.id.clone()),
        github_host: user.as_ref().map(|u| u.github_host.clone()),
        repo_full_name: None,
        branch_name: None,
        sandbox: Some(spec.sandbox.as_str().to_string()),
        status: Status::Queued.as_str().to_string(),
        base_commit: Some(spec.base_commit.clone()),
        commit_sha: None,
        execution_time_ms: None,
        files_changed: 0,
        lines_added: None,
        lines_removed: None,
        tokens_used: None,
        error_message: None,
        started_at: None,
        finished_at: None,
        repo_path: Some(spec.repo.display().to_string()),
        model: Some(config.model.name.clone()),
        cost_usd: None,
        pid: None,
        heartbeat_at: None,
        cancel_requested: false,
        result_json: None,
        created_at: now.clone(),
        updated_at: now,
    };
    store.insert_job(&job)?;
    Ok(id)
}

/// Reads a plan given as an id (or prefix) from the store, or as a JSON file: either
/// `{"crs": …, "plan": …}` (what `vibe plan --json` prints) or a CRS id is then needed.
pub fn load_plan(store: &Store, cwd: &Path, arg: &str) -> Result<PlannedChange, Error> {
    let path = if Path::new(arg).is_absolute() { PathBuf::from(arg) } else { cwd.join(arg) };
    if path.is_file() {
        return plan_from_file(&path);
    }
    let id = store.resolve_id(Table::Plans, arg).map_err(|e| {
        Error::from(e)
            .with_hint("pass a plan id from `vibe history`, or a JSON file written by `vibe plan --json`")
    })?;
    let rec = store.plan(&id)?;
    let text =
        rec.plan_json.as_deref().ok_or_else(|| Error::failure(format!("plan {id} has no plan document")))?;
    let plan: Plan = serde_json::from_str(text)
        .map_err(|e| Error::failure(format!("plan {id} is not a valid plan: {e}")))?;
    let crs_id = rec.crs_id.clone().ok_or_else(|| {
        Error::failure(format!("plan {id} has no CRS")).with_hint("make a new plan with `vibe plan \"…\"`")
    })?;
    let crs_rec = store.crs(&crs_id)?;
    let crs: Crs = serde_json::from_str(&crs_rec.crs_json)
        .map_err(|e| Error::failure(format!("CRS {crs_id} is not valid: {e}")))?;
    Ok(PlannedChange { crs_id: Some(crs_id), crs, plan_id: Some(id), plan })
}

fn plan_from_file(path: &Path) -> Result<PlannedChange, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display())))?;
    let bad = |what: String| {
        Error::usage(format!("{} is not a plan file: {what}", path.display()))
            .with_hint("a plan file holds {\"crs\": {…}, \"plan\": {…}}, as written by `vibe plan --json`")
    };
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let pick = |key: &str| -> Option<serde_json::Value> {
        let v = doc.get(key)?;
        // `{"crs": {"id": …, "crs": {…}}}` as well as `{"crs": {…}}`.
        Some(v.get(key).cloned().unwrap_or_else(|| v.clone()))
    };
    let mut crs_v = pick("crs").ok_or_else(|| bad("no `crs` field".into()))?;
    let plan_v = pick("plan").ok_or_else(|| bad("no `plan` field".into()))?;
    // Criteria are numbered by vibe; the plan's references follow the new ids.
    let originals = crate::crs::schema::original_ids(&crs_v);
    crate::crs::schema::renumber(&mut crs_v);
    let crs: Crs = serde_json::from_value(crs_v).map_err(|e| bad(format!("crs: {e}")))?;
    let mut plan: Plan = serde_json::from_value(plan_v).map_err(|e| bad(format!("plan: {e}")))?;
    let ids = crate::crs::schema::CriterionIds::with_originals(
        &crs,
        &crate::crs::schema::stored(&crs, &originals).map_err(|e| bad(format!("crs: {e}")))?,
    );
    crate::plan::schema::resolve_criteria(&mut plan, &ids);
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    // `vibe plan --json` writes {id, crs_id, plan, crs, record}.
    let plan_id = text(doc.get("plan_id")).or_else(|| text(doc.get("id")));
    let crs_id = text(doc.get("crs_id")).or_else(|| text(doc.get("record").and_then(|r| r.get("crs_id"))));
    Ok(PlannedChange { crs_id, crs, plan_id, plan })
}
