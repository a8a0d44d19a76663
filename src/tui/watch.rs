//! The job watch: what a running job does — its stage, the plan step, each tool call, the
//! commands' output (scrollable), the criteria as they are checked, tokens, cost and time —
//! and, once it is over, the result (diffstat, criteria with evidence, the diff). State fed
//! by the job's log and its row; keys turned into [`WatchAction`]s; no I/O here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use time::OffsetDateTime;

use crate::event::{JobEvent, JobEventRecord};
use crate::jobs::{JobResult, Status};
use crate::store::JobRecord;

/// Most output lines kept; older ones are dropped (the log keeps them all).
pub const OUTPUT_LINES: usize = 5_000;
/// Most activity lines kept.
const ACTIVITY_LINES: usize = 500;

/// What the caller should do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchAction {
    /// Nothing (the screen changed, or not).
    None,
    /// Ask the job to stop (the user confirmed).
    Cancel,
    /// Leave the screen; the job goes on in the background.
    Detach,
    /// Leave the screen; the job is over.
    Quit,
}

/// What the screen shows on top of the watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The job as it runs.
    Watch,
    /// "Cancel the job?" waits for y/n.
    ConfirmCancel,
    /// The key list.
    Help,
    /// The result of a finished job.
    Result,
}

/// How an activity line is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// A tool call, a step.
    Plain,
    /// Something that worked.
    Good,
    /// Something that failed.
    Bad,
    /// A warning or a refusal.
    Warn,
    /// Background detail.
    Dim,
}

/// Which stream an output line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The command line itself (`$ cargo test`).
    Command,
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A verdict on an acceptance criterion, as the log reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `AC1`, …
    pub id: String,
    /// Whether it holds.
    pub holds: bool,
    /// Why.
    pub evidence: String,
}

/// A finished job's result, as the result view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// What the job produced (absent when it failed before producing anything).
    pub result: Option<JobResult>,
    /// The diff (`git diff` text), when kept.
    pub patch: Option<String>,
}

/// The watch screen's state.
#[derive(Debug, Clone)]
pub struct WatchApp {
    /// The job.
    pub job_id: String,
    /// Where it is.
    pub status: Option<Status>,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// The branch with its commit, once committed.
    pub branch: Option<String>,
    /// The plan step being worked on: number, count, title.
    pub step: Option<(u32, u32, String)>,
    /// Tool calls, commands and notes, oldest first.
    pub activity: Vec<(Tone, String)>,
    /// The commands' output, oldest first.
    pub output: Vec<(Origin, String)>,
    /// Criteria checked so far.
    pub criteria: Vec<Verdict>,
    /// Tokens so far.
    pub tokens: u64,
    /// Estimated cost so far.
    pub cost_usd: Option<f64>,
    /// When the job started.
    pub started: Option<OffsetDateTime>,
    /// How long it took, once over.
    pub took_ms: Option<i64>,
    /// Now (an input, so drawing is deterministic).
    pub now: Option<OffsetDateTime>,
    /// The result, once the job is over.
    pub outcome: Option<Outcome>,
    /// What is on screen.
    pub mode: Mode,
    /// The first output line shown; `None` follows the newest.
    pub scroll: Option<usize>,
    /// The first result line shown.
    pub result_scroll: usize,
    /// Output lines that fit on screen (set when drawn).
    pub page: std::cell::Cell<usize>,
    /// A short note on the status line (e.g. "cancelling…").
    pub note: Option<String>,
    /// Where the key list goes back to.
    help_back: Mode,
    /// The log's last sequence number taken in.
    pub seq: i64,
    /// Output arrived since the last command ended (its tail is then not repeated).
    streamed: bool,
    /// The last output line is not finished yet.
    open_line: bool,
}

impl WatchApp {
    /// A watch of job `job_id`, nothing known yet.
    pub fn new(job_id: &str) -> Self {
        Self {
            job_id: job_id.to_string(),
            status: None,
            error: None,
            branch: None,
            step: None,
            activity: Vec::new(),
            output: Vec::new(),
            criteria: Vec::new(),
            tokens: 0,
            cost_usd: None,
            started: None,
            took_ms: None,
            now: None,
            outcome: None,
            mode: Mode::Watch,
            scroll: None,
            result_scroll: 0,
            page: std::cell::Cell::new(10),
            note: None,
            help_back: Mode::Watch,
            seq: 0,
            streamed: false,
            open_line: false,
        }
    }

    /// Whether the job is over and its final record read.
    pub fn is_over(&self) -> bool {
        // The final row, not the log's last status: the result comes with the row.
        self.outcome.is_some()
    }

    /// Time spent so far (or in all, once over).
    pub fn elapsed_ms(&self) -> Option<i64> {
        self.took_ms.or_else(|| Some((self.now? - self.started?).whole_milliseconds() as i64))
    }

    /// Takes in the job's row.
    pub fn on_job(&mut self, job: &JobRecord) {
        self.status = Status::parse(&job.status);
        self.error = job.error_message.clone();
        self.branch = job.branch_name.clone().or(self.branch.take());
        self.started = job.started_at.as_deref().and_then(crate::store::parse_ts).or(self.started);
        self.took_ms = job.execution_time_ms;
        if let Some(t) = job.tokens_used {
            self.tokens = self.tokens.max(t.max(0) as u64);
        }
        self.cost_usd = job.cost_usd.or(self.cost_usd);
        if self.status.is_some_and(Status::is_final) && self.note.as_deref() == Some("cancelling…") {
            self.note = None;
        }
    }

    /// Takes in the result of the finished job.
    pub fn finish(&mut self, job: &JobRecord, patch: Option<String>) {
        self.on_job(job);
        let result = job.result_json.as_deref().and_then(|s| serde_json::from_str::<JobResult>(s).ok());
        self.outcome = Some(Outcome { result, patch });
    }

    /// Takes in one entry of the job's log (entries already seen are skipped).
    pub fn on_event(&mut self, rec: &JobEventRecord) {
        if rec.seq <= self.seq {
            return;
        }
        self.seq = rec.seq;
        match &rec.event {
            JobEvent::Status { to, reason, .. } => {
                self.status = Some(*to);
                let line = match reason {
                    Some(r) => format!("{to}: {r}"),
                    None => to.to_string(),
                };
                self.act(
                    if matches!(to, Status::Failed | Status::Interrupted) { Tone::Bad } else { Tone::Dim },
                    line,
                );
            }
            JobEvent::Resumed { attempt, from } => {
                self.act(Tone::Dim, format!("resumed (attempt {attempt}) from {from}"));
            }
            JobEvent::SandboxReady { backend, .. } => {
                self.act(Tone::Dim, format!("sandbox ready ({backend})"))
            }
            JobEvent::Warning { message } => self.act(Tone::Warn, message.clone()),
            JobEvent::Step { n, of, title } => {
                self.step = Some((*n, *of, title.clone()));
                self.act(Tone::Plain, format!("step {n}/{of}: {title}"));
            }
            JobEvent::StepDone { n, of, .. } => self.act(Tone::Good, format!("step {n}/{of} done")),
            JobEvent::Refused { tool, reason } => self.act(Tone::Warn, format!("{tool} refused: {reason}")),
            JobEvent::Redacted { tool, count, .. } => {
                self.act(Tone::Dim, format!("{count} secret(s) redacted from {tool}"))
            }
            JobEvent::ToolCall { tool, summary } => self.act(Tone::Plain, format!("{tool} {summary}")),
            JobEvent::ToolResult { ok: false, tool, summary } => {
                self.act(Tone::Bad, format!("{tool} failed: {summary}"))
            }
            JobEvent::ToolResult { .. } => {}
            JobEvent::CommandStarted { command } => {
                self.out(Origin::Command, format!("$ {command}"));
                self.streamed = true;
            }
            JobEvent::Output { stream, text } => {
                let origin = match stream {
                    crate::sandbox::Stream::Stdout => Origin::Stdout,
                    crate::sandbox::Stream::Stderr => Origin::Stderr,
                };
                self.streamed = true;
                let mut rest = text.as_str();
                if self.open_line {
                    // The first piece finishes the line left open.
                    let (first, after) = match rest.split_once('\n') {
                        Some((first, after)) => (first, Some(after)),
                        None => (rest, None),
                    };
                    match self.output.last_mut() {
                        Some(last) => last.1.push_str(first),
                        None => self.out(origin, first.to_string()),
                    }
                    match after {
                        Some(after) => rest = after,
                        None => return,
                    }
                }
                self.open_line = !rest.is_empty() && !rest.ends_with('\n');
                if !rest.is_empty() {
                    for line in rest.strip_suffix('\n').unwrap_or(rest).split('\n') {
                        self.out(origin, line.to_string());
                    }
                }
            }
            JobEvent::OutputOmitted { bytes } => {
                self.open_line = false;
                self.out(Origin::Stderr, format!("… {bytes} more bytes of output not kept"));
            }
            JobEvent::Command { command, exit_code, timed_out, duration_ms, tail } => {
                self.open_line = false;
                if !self.streamed {
                    self.out(Origin::Command, format!("$ {command}"));
                    for line in tail.lines() {
                        self.out(Origin::Stdout, line.to_string());
                    }
                }
                self.streamed = false;
                let took = crate::output::duration_ms(*duration_ms as i64);
                let (tone, how) = match (timed_out, exit_code) {
                    (true, _) => (Tone::Bad, format!("timed out after {took}")),
                    (false, Some(0)) => (Tone::Good, format!("exit 0, {took}")),
                    (false, Some(c)) => (Tone::Bad, format!("exit {c}, {took}")),
                    (false, None) => (Tone::Bad, format!("killed, {took}")),
                };
                self.act(tone, format!("$ {command} ({how})"));
            }
            JobEvent::Tokens { total, cost_usd, .. } => {
                self.tokens = *total;
                self.cost_usd = cost_usd.or(self.cost_usd);
            }
            JobEvent::Message { text } => {
                if let Some(first) = text.lines().find(|l| !l.trim().is_empty()) {
                    self.act(Tone::Dim, first.trim().to_string());
                }
            }
            JobEvent::Criterion { id, holds, evidence } => {
                match self.criteria.iter_mut().find(|c| &c.id == id) {
                    Some(c) => {
                        c.holds = *holds;
                        c.evidence = evidence.clone();
                    }
                    None => self.criteria.push(Verdict {
                        id: id.clone(),
                        holds: *holds,
                        evidence: evidence.clone(),
                    }),
                }
            }
            JobEvent::Committed { branch, files_changed, lines_added, lines_removed, .. } => {
                self.branch = Some(branch.clone());
                self.act(
                    Tone::Good,
                    format!("committed on {branch}: {files_changed} files, +{lines_added} -{lines_removed}"),
                );
            }
            JobEvent::PullRequest { url, .. } => self.act(Tone::Good, format!("pull request {url}")),
            JobEvent::PullRequestSkipped(skipped) => {
                let (reason, _) = crate::output::jobs::pr_skipped_words(&self.job_id, skipped);
                self.act(Tone::Dim, format!("no pull request: {reason}"))
            }
            JobEvent::StageCompleted { .. }
            | JobEvent::ModelRequest { .. }
            | JobEvent::StageTime { .. }
            | JobEvent::Other { .. } => {}
        }
    }

    fn act(&mut self, tone: Tone, text: String) {
        self.activity.push((tone, text));
        if self.activity.len() > ACTIVITY_LINES {
            self.activity.remove(0);
        }
    }

    /// Adds a line of command output (of a line redrawn with carriage returns, what was
    /// drawn last).
    pub fn out(&mut self, origin: Origin, text: String) {
        let text = match text.trim_end_matches('\r').rsplit_once('\r') {
            Some((_, last)) => last.to_string(),
            None => text.trim_end_matches('\r').to_string(),
        };
        self.output.push((origin, text));
        if self.output.len() > OUTPUT_LINES {
            let drop = self.output.len() - OUTPUT_LINES;
            self.output.drain(..drop);
            if let Some(top) = self.scroll.as_mut() {
                *top = top.saturating_sub(drop);
            }
        }
    }

    /// The first output line on screen.
    pub fn top(&self) -> usize {
        let last_page = self.output.len().saturating_sub(self.page.get());
        self.scroll.map_or(last_page, |t| t.min(last_page))
    }

    fn scroll_by(&mut self, delta: isize) {
        let last_page = self.output.len().saturating_sub(self.page.get());
        let top = self.top().saturating_add_signed(delta).min(last_page);
        // Back at the end: follow the newest output again.
        self.scroll = (top < last_page).then_some(top);
    }

    fn result_by(&mut self, delta: isize) {
        self.result_scroll = self.result_scroll.saturating_add_signed(delta);
    }

    /// Answers a key.
    pub fn handle_key(&mut self, key: KeyEvent) -> WatchAction {
        let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        let page = self.page.get().max(1) as isize;
        match self.mode {
            Mode::Help => {
                self.mode = self.help_back;
                WatchAction::None
            }
            Mode::ConfirmCancel => {
                self.mode = Mode::Watch;
                match key.code {
                    KeyCode::Char('y' | 'Y') => {
                        self.note = Some("cancelling…".into());
                        WatchAction::Cancel
                    }
                    // Ctrl-C twice: cancel without asking again.
                    _ if ctrl_c => {
                        self.note = Some("cancelling…".into());
                        WatchAction::Cancel
                    }
                    _ => WatchAction::None,
                }
            }
            Mode::Result => {
                match key.code {
                    _ if ctrl_c => return WatchAction::Quit,
                    KeyCode::Char('q') | KeyCode::Esc => self.mode = Mode::Watch,
                    KeyCode::Char('?') => {
                        self.help_back = Mode::Result;
                        self.mode = Mode::Help;
                    }
                    KeyCode::Up | KeyCode::Char('k') => self.result_by(-1),
                    KeyCode::Down | KeyCode::Char('j') => self.result_by(1),
                    KeyCode::PageUp => self.result_by(-page),
                    KeyCode::PageDown | KeyCode::Char(' ') => self.result_by(page),
                    KeyCode::Home | KeyCode::Char('g') => self.result_scroll = 0,
                    _ => {}
                }
                WatchAction::None
            }
            Mode::Watch => match key.code {
                _ if ctrl_c && self.is_over() => WatchAction::Quit,
                _ if ctrl_c => {
                    self.mode = Mode::ConfirmCancel;
                    WatchAction::None
                }
                KeyCode::Char('c') if !self.is_over() => {
                    self.mode = Mode::ConfirmCancel;
                    WatchAction::None
                }
                KeyCode::Char('d') if !self.is_over() => WatchAction::Detach,
                KeyCode::Char('q') | KeyCode::Esc if self.is_over() => WatchAction::Quit,
                KeyCode::Char('q') | KeyCode::Esc => WatchAction::Detach,
                KeyCode::Char('r') | KeyCode::Enter if self.outcome.is_some() => {
                    self.mode = Mode::Result;
                    WatchAction::None
                }
                KeyCode::Char('?') => {
                    self.help_back = Mode::Watch;
                    self.mode = Mode::Help;
                    WatchAction::None
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.scroll_by(-1);
                    WatchAction::None
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.scroll_by(1);
                    WatchAction::None
                }
                KeyCode::PageUp => {
                    self.scroll_by(-page);
                    WatchAction::None
                }
                KeyCode::PageDown | KeyCode::Char(' ') => {
                    self.scroll_by(page);
                    WatchAction::None
                }
                KeyCode::Home | KeyCode::Char('g') => {
                    self.scroll = Some(0);
                    self.scroll_by(0);
                    WatchAction::None
                }
                KeyCode::End | KeyCode::Char('G') => {
                    self.scroll = None;
                    WatchAction::None
                }
                _ => WatchAction::None,
            },
        }
    }

    /// Answers the mouse: the wheel scrolls the output (or the result).
    pub fn handle_mouse(&mut self, m: MouseEvent) {
        let delta = match m.kind {
            MouseEventKind::ScrollUp => -3,
            MouseEventKind::ScrollDown => 3,
            _ => return,
        };
        match self.mode {
            Mode::Result => self.result_by(delta),
            Mode::Watch => self.scroll_by(delta),
            Mode::ConfirmCancel | Mode::Help => {}
        }
    }
}

/// The keys, as the help lists them.
pub const WATCH_KEYS: &[(&str, &str)] = &[
    ("↑↓ j k", "scroll the output"),
    ("PgUp PgDn", "scroll a page"),
    ("g G", "first / newest output"),
    ("mouse wheel", "scroll"),
    ("c  Ctrl-C", "cancel the job (asks first)"),
    ("d", "detach: the job goes on in the background"),
    ("r  Enter", "open the result (when the job is over)"),
    ("q  Esc", "back out (detaches while the job runs)"),
    ("?", "this list"),
];

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::jobs::{CriterionResult, FileStat};

    pub(crate) fn rec(seq: i64, event: JobEvent) -> JobEventRecord {
        JobEventRecord {
            job_id: "0123456789abcdef".into(),
            seq,
            at: "2026-01-01T00:00:00.000Z".into(),
            event,
        }
    }

    pub(crate) fn job(status: &str) -> JobRecord {
        let at = "2026-01-01T10:00:00Z".to_string();
        JobRecord {
            plan_id: Some("p1".into()),
            started_at: Some(at.clone()),
            heartbeat_at: None,
            created_at: at.clone(),
            updated_at: at,
            ..crate::jobs::tests::job_row("0123456789abcdef", status, None)
        }
    }

    /// A job in its running stage: two steps, tool calls, a command, a criterion.
    pub(crate) fn running() -> WatchApp {
        let mut a = WatchApp::new("0123456789abcdef");
        a.on_job(&job("running"));
        a.now = crate::store::parse_ts("2026-01-01T10:01:05Z");
        let events = vec![
            JobEvent::Status {
                from: Some(Status::Queued),
                to: Status::Provisioning,
                reason: None,
                failure: None,
            },
            JobEvent::SandboxReady { backend: "local".into(), base_commit: "abc".into() },
            JobEvent::Status {
                from: Some(Status::Provisioning),
                to: Status::Running,
                reason: None,
                failure: None,
            },
            JobEvent::Step { n: 1, of: 2, title: "Add the flag".into() },
            JobEvent::ToolCall { tool: "read_file".into(), summary: "src/main.rs".into() },
            JobEvent::ToolCall { tool: "edit".into(), summary: "src/main.rs".into() },
            JobEvent::ToolCall { tool: "run_command".into(), summary: "cargo test".into() },
            JobEvent::Command {
                command: "cargo test".into(),
                exit_code: Some(0),
                timed_out: false,
                duration_ms: 2300,
                tail: "running 2 tests\ntest a ... ok\ntest b ... ok\n\ntest result: ok. 2 passed".into(),
            },
            JobEvent::StepDone { n: 1, of: 2, summary: "flag added".into() },
            JobEvent::Step { n: 2, of: 2, title: "Document the flag".into() },
            JobEvent::Tokens { prompt: 10_000, completion: 2_345, total: 12_345, cost_usd: Some(0.0123) },
            JobEvent::Criterion { id: "AC1".into(), holds: true, evidence: "cargo test exit 0".into() },
        ];
        for (i, e) in events.into_iter().enumerate() {
            a.on_event(&rec(i as i64 + 1, e));
        }
        a
    }

    /// The same job, done, with its result and diff.
    pub(crate) fn finished() -> WatchApp {
        let mut a = running();
        let mut j = job("done");
        j.execution_time_ms = Some(83_000);
        j.branch_name = Some("vibe/01234567-verbose".into());
        let result = JobResult {
            summary: "Added --verbose.".into(),
            criteria: vec![
                CriterionResult {
                    id: "AC1".into(),
                    description: "--verbose prints more".into(),
                    holds: true,
                    evidence: "cargo test exit 0".into(),
                },
                CriterionResult {
                    id: "AC2".into(),
                    description: "README mentions it".into(),
                    holds: false,
                    evidence: "grep found nothing".into(),
                },
            ],
            files: vec![
                FileStat { path: "src/main.rs".into(), added: 3, removed: 1 },
                FileStat { path: "README.md".into(), added: 2, removed: 0 },
            ],
            files_changed: 2,
            lines_added: 5,
            lines_removed: 1,
            tokens: 12_345,
            passed: false,
            branch: j.branch_name.clone(),
            ..Default::default()
        };
        j.result_json = Some(serde_json::to_string(&result).unwrap());
        let patch = "diff --git a/src/main.rs b/src/main.rs\n--- a/src/main.rs\n+++ b/src/main.rs\n@@ -1,2 +1,4 @@\n fn main() {\n-    run();\n+    let verbose = args().any(|a| a == \"--verbose\");\n+    run(verbose);\n+    // done\n }\n";
        a.on_event(&rec(
            20,
            JobEvent::Status {
                from: Some(Status::Committing),
                to: Status::Done,
                reason: None,
                failure: None,
            },
        ));
        a.finish(&j, Some(patch.into()));
        a
    }

    pub(crate) fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl_c() -> KeyEvent {
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
    }

    #[test]
    fn the_log_fills_step_activity_output_criteria_and_tokens() {
        let a = running();
        assert_eq!(a.status, Some(Status::Running));
        assert_eq!(a.step, Some((2, 2, "Document the flag".into())));
        assert_eq!(a.tokens, 12_345);
        assert_eq!(a.cost_usd, Some(0.0123));
        assert_eq!(a.elapsed_ms(), Some(65_000));
        assert_eq!(a.output[0], (Origin::Command, "$ cargo test".into()));
        assert_eq!(a.output.len(), 6);
        assert!(a.activity.iter().any(|(t, l)| *t == Tone::Good && l == "$ cargo test (exit 0, 2.3s)"));
        assert_eq!(
            a.criteria,
            vec![Verdict { id: "AC1".into(), holds: true, evidence: "cargo test exit 0".into() }]
        );
        // An entry seen twice (polled again) is taken once.
        let mut b = a.clone();
        b.on_event(&rec(5, JobEvent::ToolCall { tool: "x".into(), summary: "y".into() }));
        assert_eq!(b.activity, a.activity);
    }

    #[test]
    fn streamed_output_joins_unfinished_lines_and_the_tail_is_not_repeated() {
        use crate::sandbox::Stream;
        let mut a = WatchApp::new("j");
        let events = [
            JobEvent::CommandStarted { command: "make".into() },
            JobEvent::Output { stream: Stream::Stdout, text: "one\ntw".into() },
            JobEvent::Output { stream: Stream::Stdout, text: "o\n".into() },
            JobEvent::Output { stream: Stream::Stderr, text: "50%\r100%\n".into() },
            JobEvent::OutputOmitted { bytes: 10 },
            JobEvent::Command {
                command: "make".into(),
                exit_code: Some(2),
                timed_out: false,
                duration_ms: 10,
                tail: "one\ntwo".into(),
            },
        ];
        for (i, e) in events.into_iter().enumerate() {
            a.on_event(&rec(i as i64 + 1, e));
        }
        let lines: Vec<&str> = a.output.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(lines, ["$ make", "one", "two", "100%", "… 10 more bytes of output not kept"]);
        assert_eq!(a.output[3].0, Origin::Stderr);
        assert_eq!(a.activity.last().unwrap(), &(Tone::Bad, "$ make (exit 2, 10ms)".to_string()));
    }

    #[test]
    fn cancel_asks_first_and_ctrl_c_twice_cancels() {
        let mut a = running();
        assert_eq!(a.handle_key(key(KeyCode::Char('c'))), WatchAction::None);
        assert_eq!(a.mode, Mode::ConfirmCancel);
        assert_eq!(a.handle_key(key(KeyCode::Char('n'))), WatchAction::None);
        assert_eq!(a.mode, Mode::Watch);
        a.handle_key(key(KeyCode::Char('c')));
        assert_eq!(a.handle_key(key(KeyCode::Char('y'))), WatchAction::Cancel);
        assert_eq!(a.note.as_deref(), Some("cancelling…"));
        let mut b = running();
        assert_eq!(b.handle_key(ctrl_c()), WatchAction::None);
        assert_eq!(b.mode, Mode::ConfirmCancel);
        assert_eq!(b.handle_key(ctrl_c()), WatchAction::Cancel);
    }

    #[test]
    fn detach_and_back_out_while_running_leave_the_job_going() {
        let mut a = running();
        assert_eq!(a.handle_key(key(KeyCode::Char('d'))), WatchAction::Detach);
        assert_eq!(a.handle_key(key(KeyCode::Char('q'))), WatchAction::Detach);
        assert_eq!(a.handle_key(key(KeyCode::Esc)), WatchAction::Detach);
        // No result to open yet.
        assert_eq!(a.handle_key(key(KeyCode::Char('r'))), WatchAction::None);
        assert_eq!(a.mode, Mode::Watch);
    }

    #[test]
    fn a_finished_job_opens_its_result_and_backs_out() {
        let mut a = finished();
        assert_eq!(a.handle_key(key(KeyCode::Char('c'))), WatchAction::None);
        assert_eq!(a.mode, Mode::Watch, "nothing to cancel");
        assert_eq!(a.handle_key(key(KeyCode::Enter)), WatchAction::None);
        assert_eq!(a.mode, Mode::Result);
        a.handle_key(key(KeyCode::Char('j')));
        assert_eq!(a.result_scroll, 1);
        assert_eq!(a.handle_key(key(KeyCode::Esc)), WatchAction::None);
        assert_eq!(a.mode, Mode::Watch);
        assert_eq!(a.handle_key(key(KeyCode::Char('q'))), WatchAction::Quit);
        assert_eq!(a.handle_key(ctrl_c()), WatchAction::Quit);
    }

    #[test]
    fn scrolling_stops_following_and_the_end_follows_again() {
        let mut a = running();
        for i in 0..30 {
            a.out(Origin::Stdout, format!("line {i}"));
        }
        a.page.set(10);
        assert_eq!(a.top(), 26);
        a.handle_key(key(KeyCode::PageUp));
        assert_eq!(a.top(), 16);
        a.out(Origin::Stdout, "more".into());
        assert_eq!(a.top(), 16, "a scrolled view stays put");
        a.handle_mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        });
        assert_eq!(a.top(), 13);
        a.handle_key(key(KeyCode::Char('g')));
        assert_eq!(a.top(), 0);
        a.handle_key(key(KeyCode::Char('G')));
        assert_eq!(a.scroll, None);
        a.handle_key(key(KeyCode::Char('k')));
        a.handle_key(key(KeyCode::Char('j')));
        assert_eq!(a.scroll, None, "scrolled back to the end follows again");
    }

    #[test]
    fn help_opens_and_any_key_closes_it() {
        let mut a = running();
        a.handle_key(key(KeyCode::Char('?')));
        assert_eq!(a.mode, Mode::Help);
        assert_eq!(a.handle_key(key(KeyCode::Char('d'))), WatchAction::None);
        assert_eq!(a.mode, Mode::Watch);
    }
}
