//! The terminal UI (ratatui + crossterm). A screen is state + `handle_key` (returning what
//! the caller should do, e.g. an [`crate::event::Op`] for the pipeline) + `render`; the
//! state does no I/O, so tests drive it with key events and snapshot the drawn buffer.
//! - [`review`]: the plan review — read the CRS and the plan, shape it, approve or reject.
//! - [`focus`]: what in a plan most needs a human's eyes.
//! - [`input`]: a one-line text field; [`text`]: the plan as text for `$EDITOR`;
//!   [`diff`]: what changed between versions, by step and by word.
//! - [`app`]: the review loop over keys and pipeline events; [`term`]: the real terminal.
//! - [`home`]: the home screen (`vibe` alone): recent plans, jobs and pull requests;
//!   [`home_run`]: its loop, the history read on a thread of its own.
//! - [`watch`]: the job watch and its result view; [`watch_run`]: its loop over keys and
//!   the job's log read from the store ([`watch_job`] opens it on the terminal).

pub mod app;
pub mod diff;
pub mod focus;
pub mod home;
pub mod home_run;
pub mod input;
mod render;
pub mod review;
pub mod term;
pub mod text;
pub mod watch;
mod watch_render;
pub mod watch_run;

pub use render::{thousands, KEYS};
pub use review::{Action, ReviewApp};
pub use watch::{WatchAction, WatchApp};
pub use watch_run::{watch_job, Watched};

/// The palette: a few colours readable on dark and light terminals, or none (`NO_COLOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether to use colour (bold and reverse are used either way).
    pub color: bool,
}

impl ReviewApp {
    /// Draws the screen.
    pub fn render(&self, frame: &mut ratatui::Frame, theme: &Theme) {
        render::draw(frame, self, theme);
    }
}

impl WatchApp {
    /// Draws the screen.
    pub fn render(&self, frame: &mut ratatui::Frame, theme: &Theme) {
        watch_render::draw(frame, self, theme);
    }
}

#[cfg(test)]
mod home_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod watch_tests;

/// Where the review screen keeps its log and the plan text handed to the editor.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The palette.
    pub theme: Theme,
    /// Log lines go here while the screen is up.
    pub log: std::path::PathBuf,
    /// The editor command (`$VISUAL`, `$EDITOR`, else `vi`).
    pub editor: String,
    /// The file the plan's text is edited in (kept afterwards).
    pub edit_file: std::path::PathBuf,
}

impl Setup {
    /// The set-up for `config`, editing in `VIBE_HOME/edits/plan-NAME.txt`.
    pub fn new(config: &crate::config::Config, color: bool, name: &str) -> Self {
        let editor = crate::config::EDITOR_VARS
            .iter()
            .find_map(|v| config.env.get(*v).filter(|e| !e.trim().is_empty()))
            .cloned()
            .unwrap_or_else(|| "vi".into());
        Self {
            theme: Theme { color },
            log: config.logs_dir().join("tui.log"),
            editor,
            edit_file: config.home.join("edits").join(format!("plan-{name}.txt")),
        }
    }
}

/// Opens the review of `app` on the terminal and runs it until it ends; log lines go to
/// the set-up's log meanwhile. The terminal is restored when this returns, and on a panic.
pub async fn review_on_terminal(
    app: &mut ReviewApp,
    setup: &Setup,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<crate::event::Event>,
    ops: &tokio::sync::mpsc::UnboundedSender<crate::event::Op>,
) -> Result<app::Ended, crate::error::Error> {
    let (screen, mut terminal, mut keys) = term::Screen::open(&setup.log).map_err(|e| {
        crate::error::Error::failure(format!("cannot take over the terminal: {e}"))
            .with_hint("pass --yes to skip the review, or run it where a terminal is at hand")
    })?;
    let mut editor = |text: &str| screen.edit(&setup.editor, &setup.edit_file, text);
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    let ended = app::review(&mut terminal, app, setup.theme, &mut keys, events, ops, &mut editor).await;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ended
}

/// Whether a screen can open: standard input and output are terminals.
pub fn can_open() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}
