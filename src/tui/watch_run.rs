//! The watch loop: draws the job watch, answers the terminal's keys and the updates a
//! thread reads from the store (so a key is answered while SQLite is read), and carries out
//! what the keys ask (cancel, detach, quit). Generic over ratatui's `Backend`.

use std::time::{Duration, Instant};

use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::watch::{WatchAction, WatchApp};
use super::Theme;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use crate::event::JobEventRecord;
use crate::jobs::{self, Artifacts, Status};
use crate::store::{JobRecord, Store};

/// How often the store is read.
const POLL: Duration = Duration::from_millis(150);

/// What the store says about the job.
#[derive(Debug, Clone)]
pub enum Update {
    /// New entries of the job's log.
    Events(Vec<JobEventRecord>),
    /// The job's row as it is now.
    Job(Box<JobRecord>),
    /// The job is over: its row and its diff. Nothing follows.
    Finished(Box<JobRecord>, Option<String>),
    /// The store cannot be read.
    Failed(String),
}

/// How a watch ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Watched {
    /// The job is over and the user left: its last row.
    Over(Box<JobRecord>),
    /// The user left while the job runs on in the background.
    Detached,
}

fn drawn<E: std::fmt::Display>(e: E) -> Error {
    Error::failure(format!("cannot draw on the terminal: {e}"))
}

/// Asks the job to stop, or says why it could not.
pub type Canceller<'a> = &'a mut dyn FnMut() -> Result<(), String>;

/// Runs the watch of `app` until the user leaves it.
pub async fn watch<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut WatchApp,
    theme: Theme,
    clock: Clock,
    keys: &mut UnboundedReceiver<crossterm::event::Event>,
    updates: &mut UnboundedReceiver<Update>,
    cancel: Canceller<'_>,
) -> Result<Watched, Error> {
    use crossterm::event::Event as Term;
    let mut last: Option<JobRecord> = None;
    let mut read_all = false;
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        app.now = Some(clock.now());
        terminal.draw(|f| app.render(f, &theme)).map_err(drawn)?;
        tokio::select! {
            biased;
            up = updates.recv(), if !read_all => match up {
                Some(Update::Events(events)) => events.iter().for_each(|e| app.on_event(e)),
                Some(Update::Job(job)) => {
                    app.on_job(&job);
                    last = Some(*job);
                }
                Some(Update::Finished(job, patch)) => {
                    app.finish(&job, patch);
                    last = Some(*job);
                }
                Some(Update::Failed(e)) => app.note = Some(e),
                // The reader stopped after the end: keep showing what is known.
                None if last.is_some() => read_all = true,
                None => return Err(Error::failure("cannot read the job from the store")),
            },
            key = keys.recv() => {
                let action = match key {
                    Some(Term::Key(k)) if k.kind != crossterm::event::KeyEventKind::Release => app.handle_key(k),
                    Some(Term::Mouse(m)) => {
                        app.handle_mouse(m);
                        WatchAction::None
                    }
                    Some(_) => WatchAction::None,
                    // The terminal is gone; the job goes on.
                    None => return Ok(Watched::Detached),
                };
                match action {
                    WatchAction::None => {}
                    WatchAction::Cancel => {
                        if let Err(e) = cancel() {
                            app.note = Some(e);
                        }
                    }
                    WatchAction::Detach => return Ok(Watched::Detached),
                    WatchAction::Quit => {
                        return Ok(match last {
                            Some(job) if app.is_over() => Watched::Over(Box::new(job)),
                            _ => Watched::Detached,
                        })
                    }
                }
            }
            _ = ticks.tick() => {}
        }
    }
}

/// Reads the job's log and row from the store every [`POLL`] and sends what is new, until
/// the job is over (then its diff too) or nobody listens.
pub fn read_job(
    db: &std::path::Path,
    jobs_dir: &std::path::Path,
    clock: Clock,
    job_id: &str,
    tx: &UnboundedSender<Update>,
) {
    let mut store = match Store::open(db) {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.send(Update::Failed(format!("cannot open the history database: {e}")));
            return;
        }
    };
    let mut after = 0;
    let mut last_check: Option<Instant> = None;
    loop {
        let events = match jobs::events(&store, job_id, after) {
            Ok(e) => e,
            Err(e) => {
                let _ = tx.send(Update::Failed(format!("cannot read the job's log: {e}")));
                return;
            }
        };
        if let Some(e) = events.last() {
            after = e.seq;
        }
        if !events.is_empty() && tx.send(Update::Events(events)).is_err() {
            return;
        }
        // A dead runner is noticed at the heartbeat's pace.
        let job = if last_check.is_none_or(|t| t.elapsed() >= jobs::liveness::HEARTBEAT_EVERY) {
            last_check = Some(Instant::now());
            jobs::refresh(&mut store, &clock, job_id).map_err(|e| e.to_string())
        } else {
            store.job(job_id).map_err(|e| e.to_string())
        };
        let job = match job {
            Ok(j) => j,
            Err(e) => {
                let _ = tx.send(Update::Failed(format!("cannot read the job: {e}")));
                return;
            }
        };
        if Status::parse(&job.status).is_some_and(Status::is_final) {
            // Events written together with the final state are visible now.
            if let Ok(events) = jobs::events(&store, job_id, after) {
                if !events.is_empty() {
                    let _ = tx.send(Update::Events(events));
                }
            }
            let patch = std::fs::read_to_string(Artifacts::new(jobs_dir, job_id).patch()).ok();
            let _ = tx.send(Update::Finished(Box::new(job), patch));
            return;
        }
        if tx.send(Update::Job(Box::new(job))).is_err() {
            return;
        }
        std::thread::sleep(POLL);
    }
}

/// Asks job `job_id` to stop: records the request and wakes its process; a job nobody runs
/// is cancelled here.
pub fn cancel_job(db: &std::path::Path, clock: Clock, job_id: &str) -> Result<(), String> {
    let cannot = |e: &dyn std::fmt::Display| format!("cannot cancel the job: {e}");
    let mut store = Store::open(db).map_err(|e| cannot(&e))?;
    store.request_cancel(job_id, &clock.now_ts()).map_err(|e| cannot(&e))?;
    let job = store.job(job_id).map_err(|e| cannot(&e))?;
    if jobs::liveness::signal_runner(&job).is_some() {
        return Ok(());
    }
    if !Status::parse(&job.status).is_some_and(|s| s.can_move_to(Status::Cancelled)) {
        return Ok(());
    }
    let now = clock.now_ts();
    let mut journal = jobs::Journal::new(store, clock, job_id.to_string(), None);
    journal
        .move_to(Status::Cancelled, Some("cancelled by the user".into()), |j| {
            j.finished_at = Some(now.clone());
        })
        .map(|_| ())
        .map_err(|e| cannot(&e))
}

/// Opens the watch of job `job_id` on the terminal and runs it until the user leaves; the
/// store is read on a thread of its own. Log lines go to the set-up's log meanwhile; the
/// terminal is restored when this returns, and on a panic.
pub async fn watch_job(
    config: &Config,
    clock: Clock,
    job_id: &str,
    setup: &super::Setup,
) -> Result<Watched, Error> {
    let (screen, mut terminal, mut keys) = super::term::Screen::open(&setup.log).map_err(|e| {
        Error::failure(format!("cannot take over the terminal: {e}")).with_hint(format!(
            "follow the job as text with `vibe jobs watch {} --json`",
            crate::output::short_id(job_id)
        ))
    })?;
    let (tx, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let (db, dir, id) = (config.db_path(), config.jobs_dir(), job_id.to_string());
    let reader = std::thread::spawn(move || read_job(&db, &dir, clock, &id, &tx));
    let db = config.db_path();
    let mut cancel = || cancel_job(&db, clock, job_id);
    let mut app = WatchApp::new(job_id);
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    let watched =
        watch(&mut terminal, &mut app, setup.theme, clock, &mut keys, &mut updates, &mut cancel).await;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    // The reader stops at its next send.
    drop(updates);
    drop(screen);
    let _ = reader.join();
    watched
}
