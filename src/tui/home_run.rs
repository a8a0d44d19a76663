//! The home loop: draws the home screen, answers keys and mouse, takes in the history that a
//! thread reads from the store (so a key is answered while SQLite is read), and hands pull
//! requests to the browser. Generic over ratatui's `Backend`.

use std::path::{Path, PathBuf};

use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use super::home::{History, HomeAction, HomeApp, JobRow, PlanRow, PrRow};
use super::Theme;
use crate::error::Error;
use crate::store::{ListQuery, Store};

/// How often the history is read again while a listed job is under way.
const LIVE: std::time::Duration = std::time::Duration::from_secs(2);

/// How many of each the home screen lists.
const RECENT: u32 = 50;

/// What the user chose on the home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// Leave vibe.
    Quit,
    /// Review this plan (full id), and run it once approved.
    Review(String),
    /// Watch this job (full id).
    Watch(String),
}

fn drawn<E: std::fmt::Display>(e: E) -> Error {
    Error::failure(format!("cannot draw on the terminal: {e}"))
}

/// Reads the recent history from the store at `db`: the newest version of each plan, the
/// jobs with their plans' summaries, the pull requests.
pub fn read_history(db: &Path) -> Result<History, String> {
    let store = Store::open(db).map_err(|e| e.to_string())?;
    let q = ListQuery { limit: RECENT * 2, ..ListQuery::default() };
    let plans = store
        .list_plans(&q)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|l| l.record)
        .filter(|p| p.status != "superseded")
        .take(RECENT as usize)
        .map(|p| PlanRow {
            summary: p.task_summary.clone().unwrap_or_default(),
            steps: p.steps_count,
            status: p.status,
            created_at: p.created_at,
            id: p.id,
        })
        .collect();
    let jobs = store
        .recent_jobs(RECENT, None)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|j| JobRow {
            summary: j.plan_id.as_deref().and_then(|id| store.plan(id).ok()).and_then(|p| p.task_summary),
            files_changed: j.files_changed,
            status: j.status,
            created_at: j.created_at,
            id: j.id,
        })
        .collect();
    let prs = store
        .pr_list_recent(RECENT, None)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|p| PrRow {
            repo: p.repo_full_name,
            number: p.pr_number,
            title: p.title,
            state: p.state,
            url: p.pr_url,
            created_at: p.created_at,
        })
        .collect();
    Ok(History { plans, jobs, prs })
}

/// Reads the history on a thread of its own and sends it on `tx`.
pub fn read_in_background(db: PathBuf, tx: UnboundedSender<Result<History, String>>) {
    std::thread::spawn(move || {
        let _ = tx.send(read_history(&db));
    });
}

/// Hands a web address to the browser, or says why it could not.
pub type Browser<'a> = &'a mut dyn FnMut(&str) -> Result<(), String>;

/// Runs the home screen until the user leaves it or opens a plan or a job. `reload` asks
/// for the history again; its answer arrives on `history`.
pub async fn home<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut HomeApp,
    theme: Theme,
    keys: &mut UnboundedReceiver<crossterm::event::Event>,
    history: &mut UnboundedReceiver<Result<History, String>>,
    reload: &mut dyn FnMut(),
    browse: Browser<'_>,
) -> Result<Chosen, Error> {
    use crossterm::event::Event as Term;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + LIVE, LIVE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        terminal.draw(|f| app.render(f, &theme)).map_err(drawn)?;
        // What was read is taken in before the keys typed after it.
        tokio::select! {
            biased;
            loaded = history.recv() => match loaded {
                Some(h) => {
                    app.loaded(h);
                    if app.status.as_ref().is_some_and(|(e, t)| !e && t == super::home::READING) {
                        app.status = None;
                    }
                }
                None => std::future::pending::<()>().await,
            },
            // A job under way is shown as it goes on.
            _ = tick.tick() => {
                if app.has_live_jobs() {
                    reload();
                }
            }
            key = keys.recv() => {
                let action = match key {
                    Some(Term::Key(k)) => app.handle_key(k),
                    Some(Term::Mouse(m)) => {
                        app.handle_mouse(m);
                        HomeAction::None
                    }
                    Some(_) => HomeAction::None,
                    None => return Ok(Chosen::Quit),
                };
                match action {
                    HomeAction::None => {}
                    HomeAction::Quit => return Ok(Chosen::Quit),
                    HomeAction::Reload => reload(),
                    HomeAction::Review(id) => return Ok(Chosen::Review(id)),
                    HomeAction::Watch(id) => return Ok(Chosen::Watch(id)),
                    HomeAction::Browse(url) => match browse(&url) {
                        Ok(()) => app.say(false, format!("opened {url} in the browser")),
                        Err(e) => app.say(true, e),
                    },
                }
            }
        }
    }
}

/// Opens `url` (an `https://` or `http://` address) with the system's opener (`open` on
/// macOS, `xdg-open` elsewhere), the address as its only argument, no shell involved.
pub fn open_in_browser(url: &str) -> Result<(), String> {
    let url = super::home::web_address(url).ok_or_else(|| format!("{url:?} is not a web address"))?;
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let child = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start `{opener}` to open {url}: {e}; open it yourself"))?;
    // Reaped on a thread of its own so the screen does not wait for the browser.
    std::thread::spawn(move || {
        let mut child = child;
        let _ = child.wait();
    });
    Ok(())
}

/// Opens the home screen on the terminal, with `message` on its status line, and runs it
/// until the user leaves or opens a plan or a job. The terminal is restored when this
/// returns, and on a panic.
pub async fn home_on_terminal(
    db: &Path,
    setup: &super::Setup,
    message: Option<(bool, String)>,
) -> Result<Chosen, Error> {
    let (screen, mut terminal, mut keys) = super::term::Screen::open(&setup.log).map_err(|e| {
        Error::failure(format!("cannot take over the terminal: {e}"))
            .with_hint("see what is recorded with `vibe history`")
    })?;
    let (tx, mut history) = tokio::sync::mpsc::unbounded_channel();
    let db = db.to_path_buf();
    read_in_background(db.clone(), tx.clone());
    let mut reload = move || read_in_background(db.clone(), tx.clone());
    let mut app = HomeApp::new();
    app.status = message;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    let chosen = home(
        &mut terminal,
        &mut app,
        setup.theme,
        &mut keys,
        &mut history,
        &mut reload,
        &mut open_in_browser,
    )
    .await;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    drop(screen);
    chosen
}
