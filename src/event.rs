//! The typed messages between the pipeline and whatever shows it: [`Event`]s flow out (the
//! CLI renders them as progress or JSON Lines; a TUI can do the same), [`Op`]s flow in
//! (plan approval, cancel). Job events ([`JobEvent`]) are also the rows of a job's
//! append-only log, so a second process can follow a job by reading the store.

use serde::{Deserialize, Serialize};

use crate::jobs::state::{Failure, Status};

/// A stage of the pipeline before and around the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Writing the change request spec.
    Crs,
    /// Writing the plan.
    Plan,
    /// Waiting for the plan to be approved.
    Review,
    /// Running the job.
    Job,
    /// Pushing the branch and opening the pull request.
    PullRequest,
}

/// What the pipeline reports to its frontend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A stage began.
    StageStarted { stage: Stage },
    /// The CRS is written and recorded.
    CrsReady {
        crs_id: String,
        summary: String,
        criteria: usize,
        tokens: u64,
        /// The model request that wrote it.
        #[serde(default)]
        request: RequestUsage,
    },
    /// The plan is written and recorded.
    PlanReady {
        plan_id: String,
        summary: String,
        steps: usize,
        complexity: String,
        confidence: f64,
        tokens: u64,
        /// The model request that wrote it.
        #[serde(default)]
        request: RequestUsage,
    },
    /// The model is writing: tokens received so far, or a retry being waited for. Transient:
    /// shown as progress, left out of JSON Lines.
    ModelProgress {
        stage: Stage,
        tokens: u64,
        elapsed_ms: u64,
        attempt: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_in_ms: Option<u64>,
    },
    /// The plan waits for approval: answer with [`Op::Approve`] or [`Op::Reject`]. It carries
    /// what is to be approved; the ids are set when the CRS and plan are recorded.
    ApprovalNeeded {
        plan_id: Option<String>,
        crs_id: Option<String>,
        crs: Box<crate::crs::Crs>,
        plan: Box<crate::plan::Plan>,
        /// What [`Op::Approve`] names to approve this content.
        content_hash: String,
    },
    /// A new version of the plan under review (revised by the model or edited by the user).
    PlanVersion {
        plan_id: String,
        parent_id: Option<String>,
        how: crate::store::ReviewKind,
        plan: Box<crate::plan::Plan>,
        content_hash: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tokens: Option<u64>,
    },
    /// A new version whose CRS has edited acceptance criteria (the plan is unchanged): the
    /// new CRS, and where the plan's testing strategy no longer matches it.
    CriteriaVersion {
        plan_id: String,
        parent_id: Option<String>,
        crs_id: String,
        crs: Box<crate::crs::Crs>,
        plan: Box<crate::plan::Plan>,
        content_hash: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        problems: Vec<String>,
    },
    /// A review entry was recorded on a version (a comment, a lock, an answer).
    ReviewNoted {
        plan_id: String,
        kind: crate::store::ReviewKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// An edited plan failed the plan's checks: the problems, and the edit handed back.
    EditRefused { problems: Vec<String>, plan: Box<crate::plan::Plan> },
    /// A review operation failed; the plan under review is unchanged.
    ReviewFailed {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
    /// The plan was approved (by the user or by `--yes`).
    PlanApproved { plan_id: Option<String> },
    /// The pipeline stopped after the plan because nobody could approve it.
    StoppedForReview { plan_id: String },
    /// The job record exists; its events follow as [`Event::Job`].
    JobCreated { job_id: String, plan_id: Option<String> },
    /// One entry of the job's log.
    Job(JobEventRecord),
    /// The pipeline is over.
    Finished { job_id: Option<String>, status: Option<Status> },
}

/// The tokens and time of a model request (retries included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestUsage {
    pub prompt_tokens: u64,
    /// Of the prompt tokens, those the server read from its prompt cache.
    pub cached_tokens: u64,
    pub completion_tokens: u64,
    pub duration_ms: u64,
}

impl From<&crate::llm::Usage> for RequestUsage {
    fn from(u: &crate::llm::Usage) -> Self {
        Self {
            prompt_tokens: u.prompt_tokens,
            cached_tokens: u.cached_tokens,
            completion_tokens: u.completion_tokens,
            duration_ms: u.duration_ms,
        }
    }
}

/// What a frontend can tell the pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Run this version of the plan: the one recorded as `plan_id` (or the one under review
    /// when it is not recorded), if its content still has this hash.
    Approve { plan_id: Option<String>, content_hash: String },
    /// Do not run it.
    Reject { reason: Option<String> },
    /// Comment on a step or a criterion of the version under review.
    Comment { target: crate::review::Target, text: String },
    /// Lock or unlock a step.
    Lock { step: usize, locked: bool },
    /// Answer an open question of the CRS.
    Answer { question: usize, text: String },
    /// Replace the version under review with an edited plan.
    Replace { plan: Box<crate::plan::Plan> },
    /// Ask the model for a new version with this feedback.
    Revise { feedback: String },
    /// Change the acceptance criteria of the CRS: a new CRS and plan version, no model call.
    EditCriteria { edits: Vec<crate::review::CriterionEdit> },
    /// Stop the running job.
    Cancel,
}

/// A job event as stored: its place in the log plus the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEventRecord {
    /// The job.
    pub job_id: String,
    /// 1-based, gap-free position in the job's log.
    pub seq: i64,
    /// When it was recorded.
    pub at: String,
    /// The event.
    #[serde(flatten)]
    pub event: JobEvent,
}

impl Event {
    /// Whether the event only shows progress (left out of JSON Lines and logs).
    pub fn is_transient(&self) -> bool {
        matches!(self, Event::ModelProgress { .. })
    }
}

impl JobEventRecord {
    /// Decodes a stored row. Rows this build does not know come back as [`JobEvent::Other`].
    pub fn from_row(row: &crate::store::JobEventRecord) -> Self {
        let event = serde_json::from_str::<JobEvent>(&row.payload).unwrap_or_else(|_| JobEvent::Other {
            original_kind: row.kind.clone(),
            payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
        });
        Self { job_id: row.job_id.clone(), seq: row.seq, at: row.created_at.clone(), event }
    }
}

/// One step of a job, as kept in `job_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobEvent {
    /// The job moved to another state.
    Status {
        from: Option<Status>,
        to: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// For a job that ended other than `done`: what kind of failure it was.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failure: Option<Failure>,
    },
    /// A stage finished and its result is saved; a resumed job starts after it.
    StageCompleted { stage: Status },
    /// A resumed attempt begins.
    Resumed { attempt: u32, from: Status },
    /// The sandbox is ready.
    SandboxReady { backend: String, base_commit: String },
    /// Something the user should know (e.g. running without isolation).
    Warning { message: String },
    /// The agent started a plan step.
    Step { n: u32, of: u32, title: String },
    /// The agent completed a plan step.
    StepDone { n: u32, of: u32, summary: String },
    /// The sandbox refused a tool call (an attempted escape or a forbidden path).
    Refused { tool: String, reason: String },
    /// Secrets were redacted from a tool's output before the model saw it.
    Redacted { tool: String, count: u32, kinds: Vec<crate::redact::SecretKind> },
    /// The agent called a tool.
    ToolCall { tool: String, summary: String },
    /// A tool call's outcome.
    ToolResult { tool: String, ok: bool, summary: String },
    /// A command began in the sandbox; its output follows as [`JobEvent::Output`].
    CommandStarted { command: String },
    /// A piece of the running command's output (whole lines, redacted, bounded in size).
    Output { stream: crate::sandbox::Stream, text: String },
    /// This much of the command's output was left out of the log (past its cap).
    OutputOmitted { bytes: u64 },
    /// A command ran in the sandbox (by the agent or by the test stage).
    Command { command: String, exit_code: Option<i32>, timed_out: bool, duration_ms: u64, tail: String },
    /// One model request of the agent: its tokens (of the prompt, those the server read from
    /// its prompt cache) and how long it took.
    ModelRequest {
        turn: u32,
        model: String,
        prompt_tokens: u64,
        cached_tokens: u64,
        completion_tokens: u64,
        duration_ms: u64,
    },
    /// How long a stage of the job took (also when it failed).
    StageTime { stage: Status, duration_ms: u64 },
    /// Model tokens spent (cumulative for the job).
    Tokens { prompt: u64, completion: u64, total: u64, cost_usd: Option<f64> },
    /// The agent said something.
    Message { text: String },
    /// An acceptance criterion's verdict.
    Criterion { id: String, holds: bool, evidence: String },
    /// The changes are committed.
    Committed { branch: String, sha: String, files_changed: u64, lines_added: u64, lines_removed: u64 },
    /// A pull request is open.
    PullRequest { url: String, number: u64 },
    /// No pull request was opened, and why.
    PullRequestSkipped(PrSkipped),
    /// An event of a kind this build does not know (written by a newer vibe).
    Other { original_kind: String, payload: serde_json::Value },
}

/// Why a job opened no pull request: data for frontends, which choose the words (and the
/// command that opens it later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrSkipped {
    /// Which case it is.
    pub why: PrSkip,
    /// What stood in the way, as the GitHub layer said it (for `not_ready` and `refused`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// What to do about it, as the GitHub layer said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The cases of [`PrSkipped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrSkip {
    /// `--no-pr` was given.
    NotAsked,
    /// The job did not pass, and `--pr-on-failure` was not given.
    JobFailed,
    /// GitHub is not set up for this repository (no GitHub `origin`, or nobody logged in).
    NotReady,
    /// GitHub refused or failed.
    Refused,
}

impl JobEvent {
    /// The `kind` column value.
    pub fn kind(&self) -> &'static str {
        match self {
            JobEvent::Status { .. } => "status",
            JobEvent::StageCompleted { .. } => "stage_completed",
            JobEvent::Resumed { .. } => "resumed",
            JobEvent::SandboxReady { .. } => "sandbox_ready",
            JobEvent::Warning { .. } => "warning",
            JobEvent::Step { .. } => "step",
            JobEvent::StepDone { .. } => "step_done",
            JobEvent::Refused { .. } => "refused",
            JobEvent::Redacted { .. } => "redacted",
            JobEvent::ToolCall { .. } => "tool_call",
            JobEvent::ToolResult { .. } => "tool_result",
            JobEvent::CommandStarted { .. } => "command_started",
            JobEvent::Output { .. } => "output",
            JobEvent::OutputOmitted { .. } => "output_omitted",
            JobEvent::Command { .. } => "command",
            JobEvent::Tokens { .. } => "tokens",
            JobEvent::ModelRequest { .. } => "model_request",
            JobEvent::StageTime { .. } => "stage_time",
            JobEvent::Message { .. } => "message",
            JobEvent::Criterion { .. } => "criterion",
            JobEvent::Committed { .. } => "committed",
            JobEvent::PullRequest { .. } => "pull_request",
            JobEvent::PullRequestSkipped { .. } => "pull_request_skipped",
            JobEvent::Other { .. } => "other",
        }
    }

    /// The JSON stored in the `payload` column (the event with its `kind`).
    pub fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn job_events_round_trip_through_rows() {
        let ev = JobEvent::Status {
            from: Some(Status::Queued),
            to: Status::Provisioning,
            reason: None,
            failure: None,
        };
        let row = crate::store::JobEventRecord {
            id: "x".into(),
            job_id: "j".into(),
            seq: 3,
            kind: ev.kind().into(),
            payload: ev.payload(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
        };
        let rec = JobEventRecord::from_row(&row);
        assert_eq!(rec.event, ev);
        let line = serde_json::to_string(&Event::Job(rec)).unwrap();
        assert_eq!(
            line,
            r#"{"type":"job","job_id":"j","seq":3,"at":"2026-01-01T00:00:00.000Z","kind":"status","from":"queued","to":"provisioning"}"#
        );
        let unknown = crate::store::JobEventRecord {
            kind: "future".into(),
            payload: r#"{"kind":"future","x":1}"#.into(),
            ..row
        };
        let rec = JobEventRecord::from_row(&unknown);
        assert!(matches!(rec.event, JobEvent::Other { ref original_kind, .. } if original_kind == "future"));
    }
}
