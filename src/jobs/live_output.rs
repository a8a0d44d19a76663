//! A running command's output into the job's log as it comes: [`Lines`] cuts the sandbox's
//! chunks at line ends and redacts them (a secret is never split across two pieces), and
//! [`LiveOutput`] batches the lines into [`JobEvent::Output`] entries of bounded size, at
//! most a few a second, with a cap per command, so a chatty command cannot flood the store.

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::event::JobEvent;
use crate::redact::Mode;
use crate::sandbox::capture::Lines;
use crate::sandbox::{CommandOutcome, CommandRequest, Sandbox, Stream};

use super::{JobError, Journal};

/// Most bytes in one log entry.
pub const CHUNK: usize = 4 * 1024;
/// Most bytes of one command's output kept in the log; the rest is counted, not kept.
pub const PER_COMMAND: usize = 64 * 1024;
/// Longest wait before buffered output is written.
pub const EVERY: Duration = Duration::from_millis(250);
/// Batches one command at a time into log entries.
#[derive(Debug, Default)]
pub struct LiveOutput {
    command: Option<String>,
    pending: Vec<(Stream, String)>,
    pending_bytes: usize,
    logged: usize,
    omitted: u64,
    last: Option<Instant>,
}

impl LiveOutput {
    /// Takes output of `command` (redacted); returns the entries due now. Output of another
    /// command than the one before ends that one first.
    pub fn push(&mut self, command: &str, stream: Stream, text: String, now: Instant) -> Vec<JobEvent> {
        let mut out = Vec::new();
        if self.command.as_deref() != Some(command) {
            out.extend(self.end());
            self.command = Some(command.to_string());
            let shown = crate::redact::redact(command, Mode::Text).into_string();
            out.push(JobEvent::CommandStarted { command: shown });
        }
        if text.is_empty() {
            return out;
        }
        self.pending_bytes += text.len();
        match self.pending.last_mut() {
            Some((s, t)) if *s == stream => t.push_str(&text),
            _ => self.pending.push((stream, text)),
        }
        out.extend(self.tick(now));
        out
    }

    /// The entries due now (output waited long enough, or enough of it).
    pub fn tick(&mut self, now: Instant) -> Vec<JobEvent> {
        let waited = self.last.is_none_or(|t| now.duration_since(t) >= EVERY);
        if self.pending.is_empty() || (!waited && self.pending_bytes < CHUNK) {
            return Vec::new();
        }
        self.last = Some(now);
        self.flush()
    }

    /// The command ended: everything left, and how much was left out of the log.
    pub fn end(&mut self) -> Vec<JobEvent> {
        let mut out = self.flush();
        if self.omitted > 0 {
            out.push(JobEvent::OutputOmitted { bytes: self.omitted });
        }
        *self = Self::default();
        out
    }

    fn flush(&mut self) -> Vec<JobEvent> {
        let mut out = Vec::new();
        for (stream, text) in std::mem::take(&mut self.pending) {
            let room = PER_COMMAND.saturating_sub(self.logged);
            let keep = floor_boundary(&text, room.min(text.len()));
            self.omitted += (text.len() - keep) as u64;
            let mut rest = &text[..keep];
            while !rest.is_empty() {
                let mut cut = floor_boundary(rest, CHUNK.min(rest.len()));
                if cut < rest.len() {
                    // Prefer a line end, so no line is split across entries.
                    cut = rest[..cut].rfind('\n').map_or(cut, |i| i + 1);
                }
                if cut == 0 {
                    cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
                }
                out.push(JobEvent::Output { stream, text: rest[..cut].to_string() });
                self.logged += cut;
                rest = &rest[cut..];
            }
        }
        self.pending_bytes = 0;
        out
    }
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Runs `request` in `sandbox`, writing its output to the job's log as it comes (redacted as
/// text), and returns how it ended.
pub async fn run_logged(
    sandbox: &dyn Sandbox,
    request: CommandRequest,
    cancel: watch::Receiver<bool>,
    journal: &mut Journal,
    command: &str,
) -> Result<CommandOutcome, JobError> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (sink, lines) = Lines::sink(Mode::Text, move |stream, text| {
        let _ = tx.send((stream, text));
    });
    let mut live = LiveOutput::default();
    for ev in live.push(command, Stream::Stdout, String::new(), Instant::now()) {
        journal.emit(ev)?;
    }
    let mut ticks = tokio::time::interval(EVERY);
    let outcome = {
        let run = sandbox.run(request, Some(sink), Some(cancel));
        tokio::pin!(run);
        loop {
            tokio::select! {
                biased;
                Some((stream, text)) = rx.recv() => {
                    for ev in live.push(command, stream, text, Instant::now()) {
                        journal.emit(ev)?;
                    }
                }
                outcome = &mut run => break outcome,
                _ = ticks.tick() => {
                    for ev in live.tick(Instant::now()) {
                        journal.emit(ev)?;
                    }
                }
            }
        }
    };
    while let Ok((stream, text)) = rx.try_recv() {
        live.push(command, stream, text, Instant::now())
            .into_iter()
            .try_for_each(|ev| journal.emit(ev).map(|_| ()))?;
    }
    let rest = lines.lock().unwrap_or_else(|p| p.into_inner()).finish();
    for (stream, text) in rest {
        live.push(command, stream, text, Instant::now())
            .into_iter()
            .try_for_each(|ev| journal.emit(ev).map(|_| ()))?;
    }
    for ev in live.end() {
        journal.emit(ev)?;
    }
    Ok(outcome?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn texts(events: &[JobEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                JobEvent::Output { stream, text } => format!("{stream:?}:{text}"),
                JobEvent::CommandStarted { command } => format!("start:{command}"),
                JobEvent::OutputOmitted { bytes } => format!("omitted:{bytes}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn output_is_batched_by_time_and_size_and_capped_per_command() {
        let t0 = Instant::now();
        let mut live = LiveOutput::default();
        // The first output of a command is written at once, with the command before it.
        assert_eq!(texts(&live.push("make", Stream::Stdout, "a\n".into(), t0)), ["start:make", "Stdout:a\n"]);
        // More within the wait is held, then written together.
        assert!(live.push("make", Stream::Stdout, "b\n".into(), t0 + Duration::from_millis(10)).is_empty());
        assert!(live.push("make", Stream::Stdout, "c\n".into(), t0 + Duration::from_millis(20)).is_empty());
        assert_eq!(texts(&live.tick(t0 + EVERY)), ["Stdout:b\nc\n"]);
        // A big burst is cut into bounded entries at line ends, without waiting.
        let line = "x".repeat(99) + "\n";
        let burst = line.repeat(100);
        let events = live.push("make", Stream::Stderr, burst.clone(), t0 + EVERY + Duration::from_millis(1));
        assert_eq!(events.len(), 3);
        for e in &events {
            let JobEvent::Output { text, .. } = e else { panic!() };
            assert!(text.len() <= CHUNK && text.ends_with('\n'));
        }
        // Past the cap, output is counted and left out.
        let mut now = t0 + EVERY * 2;
        let mut logged = 0;
        for _ in 0..20 {
            now += EVERY;
            for e in live.push("make", Stream::Stdout, burst.clone(), now) {
                if let JobEvent::Output { text, .. } = e {
                    logged += text.len();
                }
            }
        }
        let end = live.end();
        assert_eq!(texts(&end), [format!("omitted:{}", 20 * burst.len() - logged)]);
        assert!(logged + 10_000 + 6 <= PER_COMMAND);
        // The next command starts afresh.
        assert_eq!(texts(&live.push("ls", Stream::Stdout, "f\n".into(), now)), ["start:ls", "Stdout:f\n"]);
        // Another command's output ends the one before.
        let t = texts(&live.push("pwd", Stream::Stdout, String::new(), now));
        assert_eq!(t, ["start:pwd"]);
    }
}
