//! The coding agent: a tool-calling loop over [`crate::llm::Client::chat`] that works through
//! a plan's steps inside a [`Sandbox`], runs the testing strategy, reads failures and
//! iterates within its budgets (turns, tokens, wall time), and ends with a verdict per
//! acceptance criterion backed by the commands it actually ran.
//!
//! The agent is silent: it reports through [`AgentEvent`]s on a channel and returns an
//! [`AgentOutcome`]. It does not re-run the testing strategy after `finish`; the job's
//! testing stage does that independently of the model's claims. Evidence the model cites is
//! checked against the commands run in the conversation ([`Evidence::verified`]).
//!
//! A run that cannot finish says why, in words that name the limit and the setting that
//! raises it ([`Stop`]): a budget (turns, tokens, wall time) spent, a model that keeps
//! answering in prose instead of calling tools (nudged [`MAX_NUDGES`] times, then stopped),
//! or a `finish` sent back [`MAX_FINISH_REJECTIONS`] times and still wrong.
//!
//! Resuming: after every turn the agent emits [`AgentEvent::Checkpoint`] (the conversation,
//! step index, budgets spent). Persist the latest one (overwrite; it is large, keep it out
//! of the event log) and pass it to [`Agent::run`] to continue after a crash.

mod prompt;
pub mod tools;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc::UnboundedSender, watch};

use crate::config::Config;
use crate::crs::Crs;
use crate::error::{Error, ErrorKind};
use crate::llm::{ChatRequest, Client, LlmError, Message, ToolChoice, Usage};
use crate::plan::Plan;
use crate::sandbox::{Sandbox, SandboxError, Stream};
use tools::{CommandRecord, Control, FinishArgs, ToolCx};

/// Answers without a tool call in a row that get a nudge; the next one ends the run.
pub const MAX_NUDGES: u32 = 2;

/// Times a `finish` is sent back for correction; the next wrong one ends the run (or, when
/// only its evidence is unverified, is accepted with those criteria not holding).
pub const MAX_FINISH_REJECTIONS: u32 = 2;

/// Budgets and knobs of one agent run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    /// Model id.
    pub model: String,
    /// Model calls allowed.
    pub max_turns: u32,
    /// Tokens (prompt + completion, summed over calls) allowed.
    pub max_tokens: u64,
    /// Wall time allowed (resumed runs count the time already spent).
    pub max_wall: Duration,
    /// Bytes of one tool result sent back to the model (head and tail kept).
    pub max_tool_output: usize,
    /// Tool results older than this many are shortened in later requests.
    pub keep_recent_tool_results: usize,
    /// Output limit per model call.
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
}

impl AgentConfig {
    /// From the resolved configuration (`agent.*` budgets, `model.name`).
    pub fn from_config(config: &Config) -> Self {
        Self {
            model: config.model.name.clone(),
            max_turns: config.agent.max_turns.max(1),
            max_tokens: config.agent.max_tokens,
            max_wall: Duration::from_secs(config.agent.max_minutes.max(1) * 60),
            ..Self::default()
        }
    }
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            model: "gpt-4.1".into(),
            max_turns: 60,
            max_tokens: 1_500_000,
            max_wall: Duration::from_secs(45 * 60),
            max_tool_output: 12_000,
            keep_recent_tool_results: 8,
            max_output_tokens: Some(8192),
            temperature: Some(0.2),
        }
    }
}

/// What the agent works on.
#[derive(Debug, Clone, Copy)]
pub struct Task<'a> {
    pub crs: &'a Crs,
    pub plan: &'a Plan,
}

/// Everything needed to continue a run: plain data, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The conversation so far (system and task messages included).
    pub messages: Vec<Message>,
    /// Index of the plan step in progress (= number of steps completed).
    pub step: usize,
    /// Summaries of the completed steps.
    pub steps_done: Vec<String>,
    /// Model calls made.
    pub turns: u32,
    /// Tokens and cost so far.
    pub usage: Usage,
    /// Wall time spent so far, in milliseconds.
    pub elapsed_ms: u64,
    /// Commands run so far.
    pub commands: Vec<CommandRecord>,
    /// Times `finish` was sent back for correction.
    pub finish_rejections: u32,
    /// Answers in a row without a tool call.
    #[serde(default)]
    pub prose_answers: u32,
}

/// What the agent reports while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentEvent {
    /// A plan step begins (`n` is 1-based).
    StepStarted { n: usize, of: usize, title: String },
    /// The model marked a step done.
    StepCompleted { n: usize, of: usize, summary: String },
    /// The model called a tool (`arguments` capped).
    ToolCall { id: String, tool: String, arguments: String },
    /// A tool call's outcome.
    ToolResult { id: String, tool: String, ok: bool, summary: String },
    /// The sandbox refused a tool call (an attempted escape or a forbidden path).
    Refused { tool: String, reason: String },
    /// Secrets were redacted from a tool's output before the model saw it.
    Redacted { tool: String, count: usize, kinds: Vec<crate::redact::SecretKind> },
    /// Output of a running command, as it arrives.
    CommandOutput { command: String, stream: Stream, text: String },
    /// A command ended.
    CommandFinished {
        command: String,
        exit_code: Option<i32>,
        timed_out: bool,
        duration_ms: u64,
        tail: String,
    },
    /// The model said something besides tool calls.
    Message { text: String },
    /// Tokens of one model call, and the running total.
    Usage { turn: u32, call: Usage, total: Usage },
    /// State to persist for resuming (emitted after every turn).
    Checkpoint(Box<Checkpoint>),
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// The model called `finish`.
    Finished,
    /// `max_turns` reached.
    TurnLimit,
    /// `max_tokens` reached.
    TokenLimit,
    /// `max_wall` reached.
    TimeLimit,
    /// The model kept answering without calling a tool.
    NoToolCalls,
    /// `finish` was rejected more than [`MAX_FINISH_REJECTIONS`] times.
    FinishRejected,
}

/// Why a run ended before an accepted `finish`, with what was used and what was allowed.
/// Its `Display` names the limit and the setting that changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    /// Which limit.
    pub ended: Ended,
    /// Turns, tokens, seconds, answers without a tool call, or rejected finishes.
    pub used: u64,
    /// What was allowed, in the same unit.
    pub limit: u64,
    /// The model that ran.
    pub model: String,
    /// Why the last `finish` was rejected ([`Ended::FinishRejected`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Stop {
    /// Whether raising a budget setting lets the work go on.
    pub fn is_budget(&self) -> bool {
        matches!(self.ended, Ended::TurnLimit | Ended::TokenLimit | Ended::TimeLimit)
    }
}

/// `key / ENV` of a configuration key, as the user sets it.
fn setting(key: &str) -> String {
    match crate::config::KEYS.iter().find(|k| k.name == key).and_then(|k| k.env.first()) {
        Some(env) => format!("{key} / {env}"),
        None => key.to_string(),
    }
}

fn wall(seconds: u64) -> String {
    match seconds {
        s if s >= 60 && s % 60 == 0 => format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" }),
        s => format!("{s} second{}", if s == 1 { "" } else { "s" }),
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ended {
            Ended::TurnLimit => {
                write!(f, "the agent used all {} turns ({})", self.limit, setting("agent.max_turns"))
            }
            Ended::TokenLimit => write!(
                f,
                "the agent used {} tokens of its budget of {} ({})",
                self.used,
                self.limit,
                setting("agent.max_tokens")
            ),
            Ended::TimeLimit => write!(
                f,
                "the agent used all {} of its wall time ({})",
                wall(self.limit),
                setting("agent.max_minutes")
            ),
            Ended::NoToolCalls => write!(
                f,
                "the model `{}` is not calling tools ({} answers in a row with text only); the coding agent \
                 needs a model with tool calling: set VIBE_MODEL (model.name) to one",
                self.model, self.used
            ),
            Ended::FinishRejected => write!(
                f,
                "the agent's finish was rejected {} times{}",
                self.used,
                self.detail.as_deref().map(|d| format!(" (last: {d})")).unwrap_or_default()
            ),
            Ended::Finished => write!(f, "the agent finished"),
        }
    }
}

/// A command cited as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub command: String,
    pub exit_code: i32,
    /// The command was run in this conversation and its latest run ended with this code.
    pub verified: bool,
}

/// The verdict on one acceptance criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub id: String,
    /// The model's claim, kept only when all its evidence is verified.
    pub holds: bool,
    pub evidence: Vec<Evidence>,
    pub note: String,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentOutcome {
    /// What the agent says it did (or why it stopped).
    pub summary: String,
    pub ended: Ended,
    /// One entry per acceptance criterion of the CRS, in its order.
    pub criteria: Vec<CriterionResult>,
    /// The testing-strategy commands the agent ran, in order, with exit codes.
    pub tests_run: Vec<CommandRecord>,
    /// Plan steps completed.
    pub steps_completed: usize,
    pub turns: u32,
    pub usage: Usage,
    pub elapsed_ms: u64,
    /// Why the run ended without an accepted `finish`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
}

impl AgentOutcome {
    /// Finished and every criterion holds.
    pub fn success(&self) -> bool {
        self.ended == Ended::Finished && self.criteria.iter().all(|c| c.holds)
    }
}

/// Errors that end a run.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("the job was cancelled")]
    Cancelled,
    #[error("the model refused the task: {0}")]
    ModelRefused(String),
}

impl From<AgentError> for Error {
    fn from(e: AgentError) -> Self {
        match e {
            AgentError::Llm(e) => e.into(),
            AgentError::Sandbox(e) => e.into(),
            AgentError::Cancelled => Error::new(ErrorKind::Interrupted, "the job was cancelled"),
            AgentError::ModelRefused(m) => Error::failure(format!("the model refused the task: {m}"))
                .with_hint("rephrase the request, or try another model (VIBE_MODEL)"),
        }
    }
}

/// The agent: a model client, a sandbox and budgets.
pub struct Agent<'a> {
    pub client: &'a Client,
    pub sandbox: &'a dyn Sandbox,
    pub config: AgentConfig,
}

impl std::fmt::Debug for Agent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("backend", &self.sandbox.backend())
            .field("config", &self.config)
            .finish()
    }
}

impl<'a> Agent<'a> {
    /// An agent over `client` and `sandbox`.
    pub fn new(client: &'a Client, sandbox: &'a dyn Sandbox, config: AgentConfig) -> Self {
        Self { client, sandbox, config }
    }

    /// Runs the task to `finish` or a budget, from scratch or from `resume`. Events go to
    /// `events` (the sender is dropped when the run returns); `cancel` turning true stops
    /// the model call or command in flight and returns [`AgentError::Cancelled`].
    pub async fn run(
        &self,
        task: Task<'_>,
        resume: Option<Checkpoint>,
        events: UnboundedSender<AgentEvent>,
        mut cancel: watch::Receiver<bool>,
    ) -> Result<AgentOutcome, AgentError> {
        let of = task.plan.steps.len();
        let mut state = match resume {
            Some(mut cp) => {
                cp.messages.push(Message::user(prompt::resumed(task.plan, cp.step)));
                cp
            }
            None => Checkpoint {
                messages: vec![
                    Message::system(prompt::system(self.sandbox.policy())),
                    Message::user(prompt::task(task.crs, task.plan)),
                ],
                step: 0,
                steps_done: Vec::new(),
                turns: 0,
                usage: Usage::default(),
                elapsed_ms: 0,
                commands: Vec::new(),
                finish_rejections: 0,
                prose_answers: 0,
            },
        };
        if let Some(step) = task.plan.steps.get(state.step) {
            let _ = events.send(AgentEvent::StepStarted { n: state.step + 1, of, title: step.title.clone() });
        }
        let started = Instant::now();
        let elapsed_before = Duration::from_millis(state.elapsed_ms);
        let specs = tools::specs();
        let mut rejected: Option<String> = None;

        let ended = loop {
            if *cancel.borrow() {
                return Err(AgentError::Cancelled);
            }
            let elapsed = elapsed_before + started.elapsed();
            if state.turns >= self.config.max_turns {
                break Ended::TurnLimit;
            }
            if state.usage.total() >= self.config.max_tokens {
                break Ended::TokenLimit;
            }
            let Some(remaining) = self.config.max_wall.checked_sub(elapsed) else { break Ended::TimeLimit };

            let request = ChatRequest {
                model: self.config.model.clone(),
                messages: compact(&state.messages, self.config.keep_recent_tool_results),
                tools: specs.clone(),
                tool_choice: ToolChoice::Auto,
                max_output_tokens: self.config.max_output_tokens,
                temperature: self.config.temperature,
                stream: false,
                response_format: None,
            };
            let response = tokio::select! {
                r = self.client.chat(&request, None) => r?,
                _ = changed_to_true(&mut cancel) => return Err(AgentError::Cancelled),
                _ = tokio::time::sleep(remaining) => break Ended::TimeLimit,
            };
            state.turns += 1;
            state.usage.add(&response.usage);
            let _ = events.send(AgentEvent::Usage {
                turn: state.turns,
                call: response.usage.clone(),
                total: state.usage.clone(),
            });
            if let Some(refusal) = response.refusal.as_ref().filter(|r| !r.trim().is_empty()) {
                return Err(AgentError::ModelRefused(refusal.clone()));
            }
            if let Some(text) = response.content.as_ref().filter(|t| !t.trim().is_empty()) {
                let _ = events.send(AgentEvent::Message { text: text.clone() });
            }
            state.messages.push(response.to_message());

            if response.tool_calls.is_empty() {
                state.prose_answers += 1;
                if state.prose_answers > MAX_NUDGES {
                    self.checkpoint(&state, elapsed_before + started.elapsed(), &events);
                    break Ended::NoToolCalls;
                }
                state.messages.push(Message::user(prompt::NUDGE));
                self.checkpoint(&state, elapsed_before + started.elapsed(), &events);
                continue;
            }
            state.prose_answers = 0;

            let mut finished: Option<(String, Vec<CriterionResult>)> = None;
            for call in &response.tool_calls {
                let _ = events.send(AgentEvent::ToolCall {
                    id: call.id.clone(),
                    tool: call.name.clone(),
                    arguments: crate::sandbox::truncate_middle(&call.arguments, 2000),
                });
                if finished.is_some() {
                    state.messages.push(Message::tool(&call.id, "ignored: finish was already called"));
                    continue;
                }
                let mut cx = ToolCx {
                    sandbox: self.sandbox,
                    events: &events,
                    cancel: cancel.clone(),
                    max_output: self.config.max_tool_output,
                    commands: &mut state.commands,
                    remaining: self
                        .config
                        .max_wall
                        .saturating_sub(elapsed_before + started.elapsed())
                        .max(Duration::from_secs(1)),
                };
                let (mut output, control) = tools::call(&mut cx, &call.name, &call.arguments).await;
                match control {
                    Control::SandboxGone(id) => return Err(AgentError::Sandbox(SandboxError::Gone(id))),
                    Control::Continue => {}
                    Control::StepDone { summary } => {
                        output.content = self.step_done(task, &mut state, summary, &events);
                    }
                    Control::Finish(args) => match self.judge(task, &mut state, args) {
                        Ok(result) => {
                            output.content = "accepted".into();
                            finished = Some(result);
                        }
                        Err(Rejected::Retry(message)) => {
                            output.ok = false;
                            output.content = format!("error: {message}");
                            output.summary = message;
                        }
                        Err(Rejected::GiveUp(message)) => {
                            output.ok = false;
                            output.content =
                                format!("error: {message}. finish was rejected too often; the job ends");
                            output.summary = message.clone();
                            rejected = Some(message);
                        }
                    },
                }
                if let Some(reason) = &output.refused {
                    let _ =
                        events.send(AgentEvent::Refused { tool: call.name.clone(), reason: reason.clone() });
                }
                let _ = events.send(AgentEvent::ToolResult {
                    id: call.id.clone(),
                    tool: call.name.clone(),
                    ok: output.ok,
                    summary: output.summary.clone(),
                });
                state.messages.push(Message::tool(&call.id, output.content));
                if *cancel.borrow() {
                    return Err(AgentError::Cancelled);
                }
            }
            self.checkpoint(&state, elapsed_before + started.elapsed(), &events);
            if rejected.is_some() {
                break Ended::FinishRejected;
            }
            if let Some((summary, criteria)) = finished {
                return Ok(self.outcome(
                    task,
                    &state,
                    Ended::Finished,
                    summary,
                    criteria,
                    elapsed_before + started.elapsed(),
                ));
            }
        };
        let elapsed = elapsed_before + started.elapsed();
        let (used, limit) = match ended {
            Ended::TurnLimit => (u64::from(state.turns), u64::from(self.config.max_turns)),
            Ended::TokenLimit => (state.usage.total(), self.config.max_tokens),
            Ended::TimeLimit => (elapsed.as_secs(), self.config.max_wall.as_secs()),
            Ended::NoToolCalls => (u64::from(state.prose_answers), u64::from(MAX_NUDGES)),
            Ended::FinishRejected => (u64::from(state.finish_rejections), u64::from(MAX_FINISH_REJECTIONS)),
            Ended::Finished => (0, 0),
        };
        let stop = Stop { ended, used, limit, model: self.config.model.clone(), detail: rejected.take() };
        let summary = format!(
            "The agent stopped before finishing: {stop} ({} turns, {} tokens).",
            state.turns,
            state.usage.total()
        );
        let criteria = task
            .crs
            .acceptance_criteria
            .iter()
            .map(|ac| CriterionResult {
                id: ac.id.clone(),
                holds: false,
                evidence: Vec::new(),
                note: "not assessed: the agent did not finish".into(),
            })
            .collect();
        let mut outcome = self.outcome(task, &state, ended, summary, criteria, elapsed);
        outcome.stop = Some(stop);
        Ok(outcome)
    }

    fn checkpoint(&self, state: &Checkpoint, elapsed: Duration, events: &UnboundedSender<AgentEvent>) {
        let mut cp = state.clone();
        cp.elapsed_ms = elapsed.as_millis() as u64;
        let _ = events.send(AgentEvent::Checkpoint(Box::new(cp)));
    }

    fn step_done(
        &self,
        task: Task<'_>,
        state: &mut Checkpoint,
        summary: String,
        events: &UnboundedSender<AgentEvent>,
    ) -> String {
        let of = task.plan.steps.len();
        if state.step >= of {
            return "There are no more plan steps. Run the testing strategy, fix failures, then call finish."
                .into();
        }
        state.steps_done.push(summary.clone());
        state.step += 1;
        let _ = events.send(AgentEvent::StepCompleted { n: state.step, of, summary });
        if let Some(next) = task.plan.steps.get(state.step) {
            let _ = events.send(AgentEvent::StepStarted { n: state.step + 1, of, title: next.title.clone() });
        }
        prompt::next_step(task.plan, state.step)
    }

    /// Checks `finish` against the CRS and the commands run. Returns the verdicts, or why
    /// it is sent back: at most [`MAX_FINISH_REJECTIONS`] times; after that a wrong set of
    /// criteria ends the run and unverified evidence is accepted as not holding.
    fn judge(
        &self,
        task: Task<'_>,
        state: &mut Checkpoint,
        args: FinishArgs,
    ) -> Result<(String, Vec<CriterionResult>), Rejected> {
        let wanted: Vec<&str> = task.crs.acceptance_criteria.iter().map(|a| a.id.as_str()).collect();
        let missing: Vec<&str> =
            wanted.iter().copied().filter(|id| !args.criteria.iter().any(|c| c.id == *id)).collect();
        let unknown: Vec<&str> =
            args.criteria.iter().map(|c| c.id.as_str()).filter(|id| !wanted.contains(id)).collect();
        if !missing.is_empty() || !unknown.is_empty() {
            let mut message = String::from("finish needs exactly one verdict per acceptance criterion");
            if !missing.is_empty() {
                message.push_str(&format!("; missing: {}", missing.join(", ")));
            }
            if !unknown.is_empty() {
                message.push_str(&format!("; unknown: {}", unknown.join(", ")));
            }
            state.finish_rejections += 1;
            return Err(if state.finish_rejections > MAX_FINISH_REJECTIONS {
                Rejected::GiveUp(message)
            } else {
                Rejected::Retry(message)
            });
        }
        let mut criteria = Vec::new();
        let mut unverified = Vec::new();
        for id in &wanted {
            let Some(claim) = args.criteria.iter().find(|c| c.id == *id) else { continue };
            let evidence: Vec<Evidence> = claim
                .evidence
                .iter()
                .map(|e| {
                    let latest = state.commands.iter().rev().find(|r| r.command.trim() == e.command.trim());
                    let verified = latest.is_some_and(|r| r.exit_code == e.exit_code);
                    if !verified {
                        let seen = match latest {
                            Some(r) => format!("its latest run exited {}", r.exit_code),
                            None => "it was not run in this job".to_string(),
                        };
                        unverified.push(format!("{id}: `{}` exit {} ({seen})", e.command, e.exit_code));
                    }
                    Evidence { command: e.command.clone(), exit_code: e.exit_code, verified }
                })
                .collect();
            let all_verified = evidence.iter().all(|e| e.verified);
            criteria.push(CriterionResult {
                id: id.to_string(),
                holds: claim.holds && all_verified,
                evidence,
                note: claim.note.clone(),
            });
        }
        if !unverified.is_empty() && state.finish_rejections < MAX_FINISH_REJECTIONS {
            state.finish_rejections += 1;
            return Err(Rejected::Retry(format!(
                "evidence must be commands you ran with the exit code they returned: {}. Run them, then call finish again",
                unverified.join("; ")
            )));
        }
        Ok((args.summary, criteria))
    }

    fn outcome(
        &self,
        task: Task<'_>,
        state: &Checkpoint,
        ended: Ended,
        summary: String,
        criteria: Vec<CriterionResult>,
        elapsed: Duration,
    ) -> AgentOutcome {
        let strategy: Vec<&str> = task.plan.testing_strategy.iter().map(|c| c.command.trim()).collect();
        let tests_run =
            state.commands.iter().filter(|c| strategy.contains(&c.command.trim())).cloned().collect();
        AgentOutcome {
            summary,
            ended,
            criteria,
            tests_run,
            steps_completed: state.step,
            turns: state.turns,
            usage: state.usage.clone(),
            elapsed_ms: elapsed.as_millis() as u64,
            stop: None,
        }
    }
}

/// Why a `finish` was not accepted.
enum Rejected {
    /// Sent back to the model with this message.
    Retry(String),
    /// Wrong again after [`MAX_FINISH_REJECTIONS`]: the run ends.
    GiveUp(String),
}

async fn changed_to_true(cancel: &mut watch::Receiver<bool>) {
    loop {
        if *cancel.borrow_and_update() {
            return;
        }
        if cancel.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

/// The conversation as sent: tool results older than the `keep` most recent ones are cut
/// to a stub when long, so old file contents and logs stop costing tokens every turn.
fn compact(messages: &[Message], keep: usize) -> Vec<Message> {
    const STUB_OVER: usize = 1200;
    let tool_positions: Vec<usize> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m, Message::Tool { .. }))
        .map(|(i, _)| i)
        .collect();
    let old: std::collections::HashSet<usize> =
        tool_positions.iter().take(tool_positions.len().saturating_sub(keep)).copied().collect();
    messages
        .iter()
        .enumerate()
        .map(|(i, m)| match m {
            Message::Tool { tool_call_id, content } if old.contains(&i) && content.len() > STUB_OVER => {
                let head: String = content.chars().take(300).collect();
                Message::tool(
                    tool_call_id.clone(),
                    format!("{head}\n[… older output shortened to save tokens; call the tool again if you need it]"),
                )
            }
            other => other.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_stop_names_its_limit_what_was_used_and_the_setting() {
        let stop = |ended, used, limit| Stop { ended, used, limit, model: "tiny".into(), detail: None };
        assert_eq!(
            stop(Ended::TurnLimit, 60, 60).to_string(),
            "the agent used all 60 turns (agent.max_turns / VIBE_AGENT_MAX_TURNS)"
        );
        assert_eq!(
            stop(Ended::TokenLimit, 1_500_420, 1_500_000).to_string(),
            "the agent used 1500420 tokens of its budget of 1500000 (agent.max_tokens / VIBE_AGENT_MAX_TOKENS)"
        );
        assert_eq!(
            stop(Ended::TimeLimit, 2700, 2700).to_string(),
            "the agent used all 45 minutes of its wall time (agent.max_minutes / VIBE_AGENT_MAX_MINUTES)"
        );
        assert!(stop(Ended::TimeLimit, 2, 2).to_string().contains("all 2 seconds"));
        let text = stop(Ended::NoToolCalls, 3, 2).to_string();
        assert!(
            text.starts_with("the model `tiny` is not calling tools") && text.contains("VIBE_MODEL"),
            "{text}"
        );
        assert!(stop(Ended::TurnLimit, 1, 1).is_budget() && !stop(Ended::NoToolCalls, 3, 2).is_budget());
    }

    #[test]
    fn old_long_tool_results_are_shortened_recent_ones_kept() {
        let long = "x".repeat(5000);
        let mut messages = vec![Message::system("s"), Message::user("u")];
        for i in 0..4 {
            messages.push(Message::assistant_tool_calls(None, Vec::new()));
            messages.push(Message::tool(format!("c{i}"), long.clone()));
        }
        messages.push(Message::tool("short", "ok"));
        let out = compact(&messages, 2);
        assert_eq!(out.len(), messages.len());
        let lens: Vec<usize> =
            out.iter().filter(|m| matches!(m, Message::Tool { .. })).map(|m| m.text().len()).collect();
        assert!(lens[0] < 500 && lens[1] < 500 && lens[2] < 500, "{lens:?}");
        assert_eq!(lens[3], 5000);
        assert_eq!(lens[4], 2);
        assert!(out[3].text().contains("shortened"));
    }
}
