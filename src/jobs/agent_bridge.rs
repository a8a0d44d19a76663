//! The running stage's link to the coding agent: runs [`crate::agent::Agent`] in the job's
//! sandbox, turns its events into job events, and keeps its latest checkpoint as the
//! artifact `agent-checkpoint.json`, so a resumed job continues the conversation where the
//! last completed turn left it instead of starting over.

use std::time::Instant;

use tokio::sync::{mpsc, watch};

use crate::agent::{Agent, AgentConfig, AgentEvent, Checkpoint, Task};
use crate::config::Config;
use crate::event::JobEvent;
use crate::llm::Client;
use crate::sandbox::Sandbox;

use super::live_output::{self, LiveOutput};
use super::{Artifacts, CriterionResult, JobError, JobSpec, Journal};

/// Longest tool-call argument text kept in the log.
const ARGS_IN_LOG: usize = 300;

/// Runs the agent to its end; returns its report.
pub(super) async fn run(
    client: &Client,
    config: &Config,
    spec: &JobSpec,
    art: &Artifacts,
    sandbox: &dyn Sandbox,
    journal: &mut Journal,
    cancel: &watch::Receiver<bool>,
) -> Result<AgentReport, JobError> {
    let agent = Agent::new(client, sandbox, AgentConfig::from_config(config));
    let checkpoint_path = art.dir.join("agent-checkpoint.json");
    let resume: Option<Checkpoint> =
        if checkpoint_path.exists() { Some(art.read_json(&checkpoint_path)?) } else { None };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = Task { crs: &spec.crs, plan: &spec.plan };
    let mut live = LiveOutput::default();
    let mut ticks = tokio::time::interval(live_output::EVERY);
    let outcome = {
        let run = agent.run(task, resume, tx, cancel.clone());
        tokio::pin!(run);
        loop {
            tokio::select! {
                biased;
                ev = rx.recv() => {
                    if let Some(ev) = ev {
                        record(art, &checkpoint_path, journal, &mut live, ev)?;
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
    while let Ok(ev) = rx.try_recv() {
        record(art, &checkpoint_path, journal, &mut live, ev)?;
    }
    for ev in live.end() {
        journal.emit(ev)?;
    }
    let outcome = outcome.map_err(JobError::from)?;
    // An agent that stopped early assessed nothing: the checks alone speak for the criteria.
    let assessed = if outcome.stop.is_some() { &[][..] } else { &outcome.criteria[..] };
    let criteria = assessed
        .iter()
        .map(|c| {
            let description = spec
                .crs
                .acceptance_criteria
                .iter()
                .find(|ac| ac.id == c.id)
                .map(|ac| ac.description.clone())
                .unwrap_or_default();
            let mut evidence: Vec<String> = c
                .evidence
                .iter()
                .map(|e| {
                    let seen = if e.verified { "" } else { ", not verified" };
                    format!("`{}` exited {}{seen}", e.command, e.exit_code)
                })
                .collect();
            if !c.note.trim().is_empty() {
                evidence.push(c.note.trim().to_string());
            }
            CriterionResult { id: c.id.clone(), description, holds: c.holds, evidence: evidence.join("; ") }
        })
        .collect();
    Ok(AgentReport {
        summary: outcome.summary.clone(),
        criteria,
        tokens: outcome.usage.total(),
        cost_usd: Some(outcome.usage.cost_usd),
        stop: outcome.stop.clone(),
    })
}

/// The agent's outcome as saved between stages.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct AgentReport {
    /// What the agent says it did.
    pub summary: String,
    /// The agent's verdict per criterion.
    pub criteria: Vec<CriterionResult>,
    /// Tokens spent.
    pub tokens: u64,
    /// Estimated cost.
    pub cost_usd: Option<f64>,
    /// Why the agent stopped before finishing, if it did.
    #[serde(default)]
    pub stop: Option<crate::agent::Stop>,
}

/// Logs one agent event (or saves the checkpoint it carries).
fn record(
    art: &Artifacts,
    checkpoint: &std::path::Path,
    journal: &mut Journal,
    live: &mut LiveOutput,
    ev: AgentEvent,
) -> Result<(), JobError> {
    let event = match ev {
        AgentEvent::Checkpoint(cp) => return art.write_json(checkpoint, &cp),
        // Live output goes in batched; the finished command's tail after it.
        AgentEvent::CommandOutput { command, stream, text } => {
            for ev in live.push(&command, stream, text, Instant::now()) {
                journal.emit(ev)?;
            }
            return Ok(());
        }
        AgentEvent::StepStarted { n, of, title } => JobEvent::Step { n: n as u32, of: of as u32, title },
        AgentEvent::StepCompleted { n, of, summary } => {
            JobEvent::StepDone { n: n as u32, of: of as u32, summary }
        }
        AgentEvent::ToolCall { tool, arguments, .. } => {
            // The model may write a secret into a call's arguments: the log keeps none.
            let arguments = crate::redact::redact(&arguments, crate::redact::Mode::Text).into_string();
            JobEvent::ToolCall { tool, summary: crate::sandbox::truncate_middle(&arguments, ARGS_IN_LOG) }
        }
        AgentEvent::ToolResult { tool, ok, summary, .. } => {
            let summary = crate::redact::redact(&summary, crate::redact::Mode::Text).into_string();
            JobEvent::ToolResult { tool, ok, summary }
        }
        AgentEvent::Refused { tool, reason } => JobEvent::Refused { tool, reason },
        AgentEvent::Redacted { tool, count, kinds } => {
            JobEvent::Redacted { tool, count: count as u32, kinds }
        }
        AgentEvent::CommandFinished { command, exit_code, timed_out, duration_ms, tail } => {
            for ev in live.end() {
                journal.emit(ev)?;
            }
            let command = crate::redact::redact(&command, crate::redact::Mode::Text).into_string();
            JobEvent::Command { command, exit_code, timed_out, duration_ms, tail }
        }
        AgentEvent::Message { text } => JobEvent::Message { text },
        AgentEvent::Usage { turn, call, total } => {
            journal.emit(JobEvent::ModelRequest {
                turn,
                model: call.model,
                prompt_tokens: call.prompt_tokens,
                cached_tokens: call.cached_tokens,
                completion_tokens: call.completion_tokens,
                duration_ms: call.duration_ms,
            })?;
            JobEvent::Tokens {
                prompt: total.prompt_tokens,
                completion: total.completion_tokens,
                total: total.total(),
                cost_usd: Some(total.cost_usd),
            }
        }
    };
    journal.emit(event)?;
    Ok(())
}
