//! `write_file`: create or replace a whole file.

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, marker_write, parse, secret_files, ToolCx, ToolOutput};
use crate::llm::ToolSpec;
use crate::sandbox::SandboxError;

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "write_file".into(),
        description: "Create a file or replace its whole content (parent directories are created).".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "content": {"type": "string"}
            },
            "required": ["path", "content"]
        }),
    }
}

#[derive(Debug, Deserialize)]
struct Args {
    path: String,
    content: String,
}

pub(super) async fn call(cx: &mut ToolCx<'_>, arguments: &str) -> Result<ToolOutput, SandboxError> {
    let args: Args = match parse("write_file", arguments, "{path, content}") {
        Ok(a) => a,
        Err(out) => return Ok(out),
    };
    let path = checked_path(&args.path)?;
    let before = cx.sandbox.read(&path).await.ok();
    let existed = before.is_some();
    let before = before.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    if let Some(refusal) = marker_write(&secret_files(cx.sandbox).await, &path, &before, &args.content) {
        return Ok(ToolOutput::error(refusal));
    }
    cx.sandbox.write(&path, args.content.as_bytes()).await?;
    let verb = if existed { "replaced" } else { "created" };
    let lines = args.content.lines().count();
    Ok(ToolOutput::ok(format!("{verb} {path} ({lines} lines)"), format!("{verb} {path} ({lines} lines)")))
}
