//! The job state machine, pure: which states exist, which moves between them are legal, and
//! the kinds of failure a job can end with.
//!
//! ```text
//! queued → provisioning → running → testing → committing → done
//!    └──────────┴────────────┴─────────┴───────────┴──→ failed | cancelled | interrupted
//! interrupted | failed → queued (resume); interrupted → cancelled (give up)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded, not started.
    Queued,
    /// Making the sandbox.
    Provisioning,
    /// The agent works.
    Running,
    /// The plan's checks run.
    Testing,
    /// The result becomes a commit on a new branch.
    Committing,
    /// Finished; the commit exists.
    Done,
    /// Finished without a usable result.
    Failed,
    /// Stopped by the user.
    Cancelled,
    /// The process running it died; `vibe jobs resume` continues it.
    Interrupted,
}

impl Status {
    /// Every state, in pipeline order.
    pub const ALL: [Status; 9] = [
        Status::Queued,
        Status::Provisioning,
        Status::Running,
        Status::Testing,
        Status::Committing,
        Status::Done,
        Status::Failed,
        Status::Cancelled,
        Status::Interrupted,
    ];

    /// The stages a job works through, in order.
    pub const STAGES: [Status; 4] =
        [Status::Provisioning, Status::Running, Status::Testing, Status::Committing];

    /// As stored in `job_records.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Provisioning => "provisioning",
            Status::Running => "running",
            Status::Testing => "testing",
            Status::Committing => "committing",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Interrupted => "interrupted",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// No further moves except a resume (for `interrupted`).
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::Failed | Status::Cancelled | Status::Interrupted)
    }

    /// A process is (or should be) working on the job.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Status::Queued | Status::Provisioning | Status::Running | Status::Testing | Status::Committing
        )
    }

    /// Whether `self → to` is a legal move.
    pub fn can_move_to(self, to: Status) -> bool {
        use Status::*;
        match (self, to) {
            (Queued, Provisioning) | (Provisioning, Running) | (Running, Testing) | (Testing, Committing) => {
                true
            }
            (Committing, Done) => true,
            // A resumed job skips the stages it already completed.
            (Queued, Running | Testing | Committing) => true,
            // Resume an interrupted or failed job; give up on an interrupted one.
            (Interrupted | Failed, Queued) | (Interrupted, Cancelled) => true,
            (from, Failed | Cancelled | Interrupted) => from.is_active(),
            _ => false,
        }
    }

    /// The stage after `self` in [`Status::STAGES`], or `Done` after committing.
    pub fn next_stage(self) -> Status {
        match self {
            Status::Queued => Status::Provisioning,
            Status::Provisioning => Status::Running,
            Status::Running => Status::Testing,
            Status::Testing => Status::Committing,
            _ => Status::Done,
        }
    }

    /// Position in the pipeline (1..=4 for stages), for progress display.
    pub fn stage_index(self) -> Option<usize> {
        Status::STAGES.iter().position(|s| *s == self).map(|i| i + 1)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a resumed job starts: the stage after the last one completed.
pub fn resume_stage(completed: &[Status]) -> Status {
    Status::STAGES.into_iter().find(|s| !completed.contains(s)).unwrap_or(Status::Done)
}

/// How a job that did not finish `done` ended, for frontends: carried by the final
/// `status` event so nobody has to read the message to tell a cancel from
/// failed tests or a model that needs configuring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The user cancelled it.
    Cancelled,
    /// The acceptance checks failed (the work is kept on its branch).
    TestsFailed,
    /// The agent stopped before finishing (a budget ran out, or the model gave up).
    AgentStopped,
    /// The agent changed nothing.
    NoChanges,
    /// The sandbox failed to start or run.
    Sandbox,
    /// The sandbox expired or was killed; resuming continues in a new one.
    SandboxGone,
    /// The model failed (server, network, refusal).
    Model,
    /// The model is not configured usably (key, endpoint, model name).
    ModelConfig,
    /// vibe's own bookkeeping failed (store, git, job files).
    Internal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_path_is_legal_and_nothing_leaves_done() {
        let path = [
            Status::Queued,
            Status::Provisioning,
            Status::Running,
            Status::Testing,
            Status::Committing,
            Status::Done,
        ];
        for w in path.windows(2) {
            assert!(w[0].can_move_to(w[1]), "{} → {}", w[0], w[1]);
        }
        for to in Status::ALL {
            assert!(!Status::Done.can_move_to(to), "done → {to}");
            assert_eq!(Status::Failed.can_move_to(to), to == Status::Queued, "failed → {to}");
            assert!(!Status::Cancelled.can_move_to(to), "cancelled → {to}");
        }
    }

    #[test]
    fn only_active_jobs_fail_cancel_or_get_interrupted_and_only_interrupted_resumes() {
        for from in Status::ALL {
            for to in [Status::Failed, Status::Cancelled, Status::Interrupted] {
                let give_up = from == Status::Interrupted && to == Status::Cancelled;
                assert_eq!(from.can_move_to(to), from.is_active() || give_up, "{from} → {to}");
            }
            let resumable = matches!(from, Status::Interrupted | Status::Failed);
            assert_eq!(from.can_move_to(Status::Queued), resumable, "{from} → queued");
        }
        assert!(!Status::Running.can_move_to(Status::Provisioning));
        assert!(!Status::Provisioning.can_move_to(Status::Testing));
        assert!(!Status::Running.can_move_to(Status::Done));
    }

    #[test]
    fn statuses_round_trip_and_resume_picks_the_first_unfinished_stage() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).ok(), Some(format!("\"{s}\"")));
        }
        assert_eq!(Status::parse("nope"), None);
        assert_eq!(resume_stage(&[]), Status::Provisioning);
        assert_eq!(resume_stage(&[Status::Provisioning]), Status::Running);
        assert_eq!(resume_stage(&[Status::Provisioning, Status::Running]), Status::Testing);
        assert_eq!(resume_stage(&Status::STAGES), Status::Done);
        assert_eq!(Status::Testing.stage_index(), Some(3));
    }
}
