//! The plan: how the change is made — ordered steps, a testing strategy that covers every
//! acceptance criterion, complexity and confidence. The types are here; [`schema`] holds the
//! JSON Schema and the sanity checks, [`generate()`] makes and records a plan through
//! [`crate::llm`], [`to_markdown`] renders one.

use serde::{Deserialize, Serialize};

/// An implementation plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// One line: what the plan does.
    pub summary: String,
    /// Ordered steps.
    pub steps: Vec<Step>,
    /// Commands that prove the acceptance criteria.
    pub testing_strategy: Vec<TestCheck>,
    /// Overall complexity.
    pub complexity: Complexity,
    /// Confidence that the plan achieves the CRS, 0..=1.
    pub confidence: f64,
    /// Expected number of files changed.
    pub estimated_files_changed: u32,
    /// Whether executing the plan needs network access in the sandbox (e.g. fetching
    /// dependencies); the user must still allow it.
    pub needs_network: bool,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Short title.
    pub title: String,
    /// Why and what, in a sentence or two.
    pub intent: String,
    /// Files the step reads, creates, modifies or deletes (paths relative to the repo root).
    pub files: Vec<FileAction>,
    /// Commands the step runs (in the repo root).
    pub commands: Vec<String>,
}

/// A file a step touches and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAction {
    /// Path relative to the repository root.
    pub path: String,
    /// What the step does with it.
    pub action: FileOp,
}

/// What a step does with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileOp {
    Read,
    Create,
    Modify,
    Delete,
}

/// A check of the testing strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCheck {
    /// Command to run in the repository root.
    pub command: String,
    /// What passing proves.
    pub proves: String,
    /// Ids of the acceptance criteria it covers (`AC1`, …).
    pub criteria: Vec<String>,
}

/// Plan complexity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    Low,
    Medium,
    High,
}

impl Complexity {
    /// As stored in `plan_records.complexity`.
    pub fn as_str(self) -> &'static str {
        match self {
            Complexity::Low => "low",
            Complexity::Medium => "medium",
            Complexity::High => "high",
        }
    }
}

mod generate;
mod render;
pub mod schema;

pub use generate::{from_record, generate, Basis, PlanOutcome, Revision};

/// The SHA-256 (hex) of a plan's JSON document: what an approval is bound to.
pub fn content_hash(plan: &Plan) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_string(plan).unwrap_or_default();
    Sha256::digest(json.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
pub use render::to_markdown;
