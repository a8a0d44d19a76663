//! Rendering for people and for scripts. Human output goes to stdout as text and tables
//! (colour only on a terminal, `NO_COLOR` honoured); `--json` prints one JSON document, or
//! JSON Lines for event streams. Progress and errors go to stderr.

use std::io::{IsTerminal, Write};

use comfy_table::{presets, ContentArrangement, Table};
use serde::Serialize;

use crate::error::Error;

pub mod jobs;

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json` was given.
    pub json: bool,
    /// `-q` was given.
    pub quiet: bool,
    /// stdout is a terminal and colour is allowed.
    pub color: bool,
    /// stderr is a terminal (progress bars allowed).
    pub progress: bool,
    /// `-v` was given: timings (stages, model requests) are printed as they happen.
    pub verbose: bool,
}

impl Output {
    /// Decides from flags, the terminal and `NO_COLOR`.
    pub fn detect(json: bool, quiet: bool, env: &std::collections::HashMap<String, String>) -> Self {
        let no_color = env.get("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            json,
            quiet,
            color: !json && !no_color && std::io::stdout().is_terminal(),
            progress: !json && !quiet && std::io::stderr().is_terminal(),
            verbose: false,
        }
    }

    /// Prints a value as pretty JSON on stdout.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value).map_err(|e| Error::failure(e.to_string()))?;
        writeln!(out)?;
        Ok(())
    }

    /// Prints one JSON Lines record on stdout and flushes.
    pub fn jsonl<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, value).map_err(|e| Error::failure(e.to_string()))?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    }

    /// Prints a line of human output on stdout.
    pub fn line(&self, text: impl AsRef<str>) -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", text.as_ref())?;
        Ok(())
    }

    /// Prints a note on stderr unless `-q`.
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", text.as_ref());
        }
    }

    /// Prints a warning on stderr (even with `-q`).
    pub fn warn(&self, text: impl AsRef<str>) {
        eprintln!("warning: {}", text.as_ref());
    }

    /// A table with the house style: header row, no outer borders, wraps to the terminal.
    pub fn table(&self, header: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(header.iter().map(|h| h.to_uppercase()));
        if !std::io::stdout().is_terminal() {
            t.force_no_tty();
        }
        t
    }

    /// Bold text when colour is on.
    pub fn bold(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Prints an error for the user: `error: …` and `hint: …` on stderr, plus, in `--json` mode,
/// a JSON document on stdout so scripts can read it (unless the command's own document already
/// describes the failure).
pub fn print_error(err: &Error, json: bool) {
    if json && !err.reported {
        let doc = serde_json::json!({
            "error": { "kind": err.kind, "message": err.message, "hint": err.hint, "exit_code": err.exit_code() }
        });
        println!("{doc}");
    }
    eprintln!("error: {}", err.message);
    if let Some(hint) = &err.hint {
        eprintln!("  hint: {hint}");
    }
}

/// Shortens a UUID for display (first 8 characters).
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Formats milliseconds as a short duration: 850ms, 12.3s, 4m05s, 2h03m.
pub fn duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    } else {
        format!("{}h{:02}m", ms / 3_600_000, (ms / 60_000) % 60)
    }
}

/// Shows a stored timestamp as `YYYY-MM-DD HH:MM` (UTC).
pub fn when(ts: &str) -> String {
    match (ts.get(..10), ts.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => ts.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration_ms(850), "850ms");
        assert_eq!(duration_ms(12_340), "12.3s");
        assert_eq!(duration_ms(245_000), "4m05s");
        assert_eq!(duration_ms(7_380_000), "2h03m");
    }
}
