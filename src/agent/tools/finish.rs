//! `finish`: the agent's final answer — a summary and, for every acceptance criterion,
//! whether it holds and the commands (with exit codes) that show it. The loop validates it
//! against the CRS and the commands actually run before accepting.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{parse, Control, ToolOutput};
use crate::llm::ToolSpec;

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "finish".into(),
        description:
            "End the job: a summary of the change and, for every acceptance criterion, a verdict with \
                      evidence."
                .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "summary": {"type": "string"},
                "criteria": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string", "description": "AC1, AC2, …"},
                            "holds": {"type": "boolean"},
                            "evidence": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "command": {"type": "string"},
                                        "exit_code": {"type": "integer"}
                                    },
                                    "required": ["command", "exit_code"]
                                }
                            },
                            "note": {"type": "string"}
                        },
                        "required": ["id", "holds", "evidence", "note"]
                    }
                }
            },
            "required": ["summary", "criteria"]
        }),
    }
}

/// The arguments of `finish`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishArgs {
    pub summary: String,
    pub criteria: Vec<FinishCriterion>,
}

/// One verdict as the model states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishCriterion {
    pub id: String,
    pub holds: bool,
    #[serde(default)]
    pub evidence: Vec<FinishEvidence>,
    #[serde(default)]
    pub note: String,
}

/// A command given as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishEvidence {
    pub command: String,
    pub exit_code: i32,
}

pub(super) fn call(arguments: &str) -> (ToolOutput, Control) {
    match parse::<FinishArgs>(
        "finish",
        arguments,
        "{summary, criteria: [{id, holds, evidence: [{command, exit_code}], note}]}",
    ) {
        Ok(args) => (ToolOutput::ok("", "finish"), Control::Finish(args)),
        Err(out) => (out, Control::Continue),
    }
}
