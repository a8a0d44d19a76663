//! Rendering of pipeline and job events: JSON Lines for scripts (`--json`), and for people a
//! line per notable event on stderr, with an indicatif spinner line (stage, step n/m,
//! elapsed, tokens) on a terminal. `vibe run` and `vibe jobs watch` share it, so a job
//! looks the same live and from another terminal.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::error::Error;
use crate::event::{Event, JobEvent, JobEventRecord, PrSkip, PrSkipped};
use crate::jobs::Status;

use super::{duration_ms, short_id, Output};

/// Prints events as they come.
#[derive(Debug)]
pub struct EventPrinter {
    out: Output,
    bar: Option<ProgressBar>,
    started: Instant,
    status: Option<Status>,
    step: Option<(u32, u32)>,
    tokens: u64,
}

impl EventPrinter {
    /// A printer for `out` (JSON Lines with `--json`, a spinner on a terminal).
    pub fn new(out: Output) -> Self {
        let bar = out.progress.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { out, bar, started: Instant::now(), status: None, step: None, tokens: 0 }
    }

    /// Prints one event.
    pub fn print(&mut self, event: &Event) -> Result<(), Error> {
        if self.out.json {
            if event.is_transient() {
                return Ok(());
            }
            return self.out.jsonl(event);
        }
        if let Event::Job(rec) = event {
            self.track(rec);
        }
        if let Some(line) = describe(event) {
            self.say(&line);
        }
        if self.out.verbose {
            let line = match event {
                Event::Job(rec) => describe_timing(&rec.event),
                Event::CrsReady { request, .. } => Some(describe_request("CRS request", request)),
                Event::PlanReady { request, .. } => Some(describe_request("plan request", request)),
                _ => None,
            };
            if let Some(line) = line {
                self.say(&line);
            }
        }
        self.refresh_bar();
        Ok(())
    }

    /// Removes the spinner line.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn track(&mut self, rec: &JobEventRecord) {
        match &rec.event {
            JobEvent::Status { to, .. } => self.status = Some(*to),
            JobEvent::Step { n, of, .. } => self.step = Some((*n, *of)),
            JobEvent::Tokens { total, .. } => self.tokens = *total,
            _ => {}
        }
    }

    fn say(&self, line: &str) {
        if self.out.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn refresh_bar(&self) {
        let Some(bar) = &self.bar else { return };
        let mut msg = self.status.map_or_else(|| "preparing".to_string(), |s| s.to_string());
        if let Some((n, of)) = self.step {
            msg.push_str(&format!(" · step {n}/{of}"));
        }
        msg.push_str(&format!(" · {}", duration_ms(self.started.elapsed().as_millis() as i64)));
        if self.tokens > 0 {
            msg.push_str(&format!(" · {} tokens", self.tokens));
        }
        bar.set_message(msg);
    }
}

impl Drop for EventPrinter {
    fn drop(&mut self) {
        self.finish();
    }
}

/// One human line for an event, or `None` for events only scripts care about.
pub fn describe(event: &Event) -> Option<String> {
    Some(match event {
        Event::StageStarted { .. } | Event::Finished { .. } | Event::ModelProgress { .. } => return None,
        Event::CrsReady { crs_id, summary, criteria, .. } => {
            let noun = if *criteria == 1 { "criterion" } else { "criteria" };
            format!("CRS {}: {summary} ({criteria} acceptance {noun})", short_id(crs_id))
        }
        Event::PlanReady { plan_id, summary, steps, complexity, confidence, .. } => format!(
            "plan {}: {summary} ({steps} step{}, {complexity} complexity, confidence {:.0}%)",
            short_id(plan_id),
            if *steps == 1 { "" } else { "s" },
            confidence * 100.0
        ),
        Event::ApprovalNeeded { plan_id, .. } => {
            format!("{} waits for approval", plan_name(plan_id.as_deref()))
        }
        Event::PlanApproved { plan_id } => format!("{} approved", plan_name(plan_id.as_deref())),
        Event::StoppedForReview { plan_id } => {
            let id = short_id(plan_id);
            format!("stopped after plan {id}: review it, then run `vibe run --plan {id} --yes`")
        }
        Event::PlanVersion { plan_id, how, plan, .. } => format!(
            "plan {} {}: {} ({} step{})",
            short_id(plan_id),
            if *how == crate::store::ReviewKind::Edit { "edited" } else { "revised" },
            plan.summary,
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" }
        ),
        Event::CriteriaVersion { plan_id, crs, problems, .. } => {
            let n = crs.acceptance_criteria.len();
            let mut line = format!(
                "plan {}: acceptance criteria edited ({n} criteri{})",
                short_id(plan_id),
                if n == 1 { "on" } else { "a" }
            );
            if !problems.is_empty() {
                line.push_str(&format!("; the plan's checks no longer match: {}", problems.join("; ")));
            }
            line
        }
        Event::ReviewNoted { plan_id, kind, target } => format!(
            "plan {}: {}{}",
            short_id(plan_id),
            kind.as_str(),
            target.as_deref().map(|t| format!(" {t}")).unwrap_or_default()
        ),
        Event::EditRefused { problems, .. } => {
            format!("the edited plan was not kept: {}", problems.join("; "))
        }
        Event::ReviewFailed { message, hint } => match hint {
            Some(h) => format!("{message}\n  {h}"),
            None => message.clone(),
        },
        Event::JobCreated { job_id, .. } => format!("job {} created", short_id(job_id)),
        Event::Job(rec) => return describe_job(&rec.job_id, &rec.event),
    })
}

/// Why job `job_id` opened no pull request, and how to open it later: `(reason, how)`.
pub fn pr_skipped_words(job_id: &str, skipped: &PrSkipped) -> (String, String) {
    let later = format!("vibe pr create --job {}", short_id(job_id));
    let problem = skipped.problem.clone().unwrap_or_default();
    let fix = skipped.fix.as_deref().map(|f| format!("{f}; then ")).unwrap_or_default();
    match skipped.why {
        PrSkip::NotAsked => ("--no-pr was given".into(), format!("open it later with `{later}`")),
        PrSkip::JobFailed => (
            "the job did not pass".into(),
            format!("its work is kept on its branch; open a draft for review with `{later} --draft`"),
        ),
        PrSkip::NotReady => (problem, format!("{fix}open the pull request with `{later}`")),
        PrSkip::Refused => (problem, format!("{fix}open it with `{later}`")),
    }
}

/// One human line for an event of job `job_id`.
pub fn describe_job(job_id: &str, event: &JobEvent) -> Option<String> {
    Some(match event {
        JobEvent::Status { to, reason: Some(r), .. } => format!("● {to}: {r}"),
        JobEvent::Status { to, .. } => format!("● {to}"),
        JobEvent::StageCompleted { .. }
        | JobEvent::CommandStarted { .. }
        | JobEvent::Output { .. }
        | JobEvent::OutputOmitted { .. }
        | JobEvent::Tokens { .. }
        | JobEvent::ModelRequest { .. }
        | JobEvent::StageTime { .. }
        | JobEvent::Other { .. } => return None,
        JobEvent::Resumed { attempt, from } => format!("resuming (attempt {attempt}) from {from}"),
        JobEvent::SandboxReady { backend, base_commit } => {
            format!("  sandbox {backend} ready at {}", base_commit.get(..7).unwrap_or(base_commit))
        }
        JobEvent::Warning { message } => format!("  warning: {message}"),
        JobEvent::Step { n, of, title } => format!("  step {n}/{of}: {title}"),
        JobEvent::StepDone { n, of, summary } => format!("  step {n}/{of} done: {}", first_line(summary)),
        JobEvent::Refused { tool, reason } => format!("  refused {tool}: {reason}"),
        JobEvent::Redacted { tool, count, kinds } => {
            let kinds: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
            format!(
                "    {count} secret{} redacted from {tool} output ({})",
                if *count == 1 { "" } else { "s" },
                kinds.join(", ")
            )
        }
        JobEvent::ToolCall { tool, summary } => format!("  → {tool} {summary}"),
        JobEvent::ToolResult { ok: false, tool, summary } => format!("    {tool} failed: {summary}"),
        JobEvent::ToolResult { .. } => return None,
        JobEvent::Command { command, exit_code, timed_out, duration_ms: ms, .. } => {
            let end = match (timed_out, exit_code) {
                (true, _) => "timed out".to_string(),
                (false, Some(c)) => format!("exit {c}"),
                (false, None) => "killed".to_string(),
            };
            format!("  $ {command}  ({end}, {})", duration_ms(*ms as i64))
        }
        JobEvent::Message { text } => format!("  {}", first_line(text)),
        JobEvent::Criterion { id, holds, evidence } => {
            format!("  {} {id}: {}", if *holds { "✓" } else { "✗" }, first_line(evidence))
        }
        JobEvent::Committed { branch, sha, files_changed, lines_added, lines_removed } => format!(
            "  committed {files_changed} file{} (+{lines_added} −{lines_removed}) on {branch} ({})",
            if *files_changed == 1 { "" } else { "s" },
            sha.get(..7).unwrap_or(sha)
        ),
        JobEvent::PullRequest { url, .. } => format!("  pull request: {url}"),
        JobEvent::PullRequestSkipped(skipped) => {
            let (reason, how) = pr_skipped_words(job_id, skipped);
            format!("  no pull request: {reason}\n  {how}")
        }
    })
}

/// One line for a timing event (a stage's or a model request's duration); shown with `-v`
/// and by `vibe jobs show`.
pub fn describe_timing(event: &JobEvent) -> Option<String> {
    Some(match event {
        JobEvent::StageTime { stage, duration_ms: ms } => {
            format!("  {stage} took {}", duration_ms(*ms as i64))
        }
        JobEvent::ModelRequest {
            turn,
            prompt_tokens,
            cached_tokens,
            completion_tokens,
            duration_ms: ms,
            ..
        } => describe_request(
            &format!("model request {turn}"),
            &crate::event::RequestUsage {
                prompt_tokens: *prompt_tokens,
                cached_tokens: *cached_tokens,
                completion_tokens: *completion_tokens,
                duration_ms: *ms,
            },
        ),
        _ => return None,
    })
}

/// `  NAME: 1200 prompt tokens (800 cached), 150 completion, 1.2s`.
fn describe_request(name: &str, r: &crate::event::RequestUsage) -> String {
    let cached = if r.cached_tokens > 0 { format!(" ({} cached)", r.cached_tokens) } else { String::new() };
    format!(
        "  {name}: {} prompt tokens{cached}, {} completion, {}",
        r.prompt_tokens,
        r.completion_tokens,
        duration_ms(r.duration_ms as i64)
    )
}

/// `plan 1a2b3c4d`, or `the plan` for one that is not recorded (read from a file).
fn plan_name(id: Option<&str>) -> String {
    id.map_or_else(|| "the plan".to_string(), |id| format!("plan {}", short_id(id)))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_events_read_as_one_line_each() {
        let ev = JobEvent::Command {
            command: "cargo test".into(),
            exit_code: Some(0),
            timed_out: false,
            duration_ms: 1200,
            tail: String::new(),
        };
        assert_eq!(describe_job("j", &ev).as_deref(), Some("  $ cargo test  (exit 0, 1.2s)"));
        let ev = JobEvent::Status {
            from: None,
            to: Status::Interrupted,
            reason: Some("pid 7 is gone".into()),
            failure: None,
        };
        assert_eq!(describe_job("j", &ev).as_deref(), Some("● interrupted: pid 7 is gone"));
        assert_eq!(
            describe_job("j", &JobEvent::Tokens { prompt: 1, completion: 1, total: 2, cost_usd: None }),
            None
        );
        let ev = JobEvent::ModelRequest {
            turn: 2,
            model: "gpt-4.1".into(),
            prompt_tokens: 1800,
            cached_tokens: 1536,
            completion_tokens: 40,
            duration_ms: 420,
        };
        assert_eq!(describe_job("j", &ev), None, "timings are shown with -v");
        assert_eq!(
            describe_timing(&ev).as_deref(),
            Some("  model request 2: 1800 prompt tokens (1536 cached), 40 completion, 420ms")
        );
        let ev = JobEvent::StageTime { stage: Status::Testing, duration_ms: 1500 };
        assert_eq!(describe_timing(&ev).as_deref(), Some("  testing took 1.5s"));
        let ev = JobEvent::Redacted {
            tool: "read_file".into(),
            count: 2,
            kinds: vec![crate::redact::SecretKind::PrivateKey, crate::redact::SecretKind::Password],
        };
        assert_eq!(
            describe_job("j", &ev).as_deref(),
            Some("    2 secrets redacted from read_file output (private key, password)")
        );
    }
}
