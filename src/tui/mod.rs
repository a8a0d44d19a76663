//! The terminal UI (ratatui + crossterm). A screen is state + `handle_key` (returning what
//! the caller should do, e.g. an [`crate::event::Op`] for the pipeline) + `render`; the
//! state does no I/O, so tests drive it with key events and snapshot the drawn buffer.
//! - [`review`]: the plan review — read the CRS and the plan, shape it, approve or reject.
//! - [`focus`]: what in a plan most needs a human's eyes.
//! - [`input`]: a one-line text field.
//! - [`app`]: the review loop over keys and pipeline events; [`term`]: the real terminal.

pub mod app;
pub mod focus;
pub mod input;
mod render;
pub mod review;
pub mod term;

pub use render::{thousands, KEYS};
pub use review::{Action, ReviewApp};

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

#[cfg(test)]
mod tests;

/// Opens the review of `app` on the terminal and runs it until it ends; log lines go to
/// `log` meanwhile. The terminal is restored when this returns, and on a panic.
pub async fn review_on_terminal(
    app: &mut ReviewApp,
    theme: Theme,
    log: &std::path::Path,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<crate::event::Event>,
    ops: &tokio::sync::mpsc::UnboundedSender<crate::event::Op>,
) -> Result<app::Ended, crate::error::Error> {
    let (mut screen, mut keys) = term::Screen::open(log).map_err(|e| {
        crate::error::Error::failure(format!("cannot take over the terminal: {e}"))
            .with_hint("pass --yes to skip the review, or run it where a terminal is at hand")
    })?;
    app::review(&mut screen.terminal, app, theme, &mut keys, events, ops).await
}

/// Whether a screen can open: standard input and output are terminals.
pub fn can_open() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}
