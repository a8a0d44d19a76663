//! `search`: lines matching a regular expression across the tree (honouring `.gitignore`).
//! Each hit is redacted in the mode its file calls for.

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, parse, secret_files, ToolCx, ToolOutput};
use crate::llm::ToolSpec;
use crate::sandbox::SandboxError;

const DEFAULT_MAX: usize = 100;

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "search".into(),
        description: "Search files for lines matching a regular expression (Rust regex syntax). Returns `path:line: text`.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "pattern": {"type": "string"},
                "path": {"type": "string", "description": "directory; \"\" for the whole repository"},
                "max_results": {"type": "integer", "description": "default 100"}
            },
            "required": ["pattern"]
        }),
    }
}

#[derive(Debug, Deserialize)]
struct Args {
    pattern: String,
    #[serde(default)]
    path: String,
    max_results: Option<usize>,
}

pub(super) async fn call(cx: &mut ToolCx<'_>, arguments: &str) -> Result<ToolOutput, SandboxError> {
    let args: Args = match parse("search", arguments, "{pattern, path?, max_results?}") {
        Ok(a) => a,
        Err(out) => return Ok(out),
    };
    let dir = checked_path(&args.path)?;
    let max = args.max_results.unwrap_or(DEFAULT_MAX).clamp(1, 500);
    let result = cx.sandbox.search(&args.pattern, &dir, max).await?;
    let files = secret_files(cx.sandbox).await;
    let mut redacted = Vec::new();
    let mut text = String::new();
    for h in &result.hits {
        let line = crate::redact::redact(&h.text, files.mode(&h.path));
        redacted.extend(line.found.iter().copied());
        text.push_str(&format!("{}:{}: {}\n", h.path, h.line, line.text));
    }
    if result.hits.is_empty() {
        text.push_str("no matches\n");
    }
    if result.truncated {
        text.push_str(&format!("[… more than {max} matches; narrow the pattern or the path]\n"));
    }
    let mut output = ToolOutput::ok(text, format!("/{}/: {} matches", args.pattern, result.hits.len()));
    output.redacted = redacted;
    Ok(output)
}
