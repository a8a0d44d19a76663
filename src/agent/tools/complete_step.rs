//! `complete_step`: the agent says the current plan step is done; the loop answers with the
//! next step (or with the testing strategy after the last one).

use serde::Deserialize;
use serde_json::json;

use super::{parse, Control, ToolOutput};
use crate::llm::ToolSpec;

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "complete_step".into(),
        description: "Mark the current plan step as done (one short sentence of what changed). The answer names the next step.".into(),
        parameters: json!({
            "type": "object",
            "properties": {"summary": {"type": "string"}},
            "required": ["summary"]
        }),
    }
}

#[derive(Debug, Deserialize)]
struct Args {
    #[serde(default)]
    summary: String,
}

pub(super) fn call(arguments: &str) -> (ToolOutput, Control) {
    match parse::<Args>("complete_step", arguments, "{summary}") {
        Ok(args) => (ToolOutput::ok("", args.summary.clone()), Control::StepDone { summary: args.summary }),
        Err(out) => (out, Control::Continue),
    }
}
