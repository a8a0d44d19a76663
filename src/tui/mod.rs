//! The terminal UI (ratatui + crossterm). A screen is state + `handle_key` (returning what
//! the caller should do, e.g. an [`crate::event::Op`] for the pipeline) + `render`; the
//! state does no I/O, so tests drive it with key events and snapshot the drawn buffer.
//! - [`review`]: the plan review — read the CRS and the plan, shape it, approve or reject.
//! - [`focus`]: what in a plan most needs a human's eyes.
//! - [`input`]: a one-line text field.

pub mod focus;
pub mod input;
mod render;
pub mod review;

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
