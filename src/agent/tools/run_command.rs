//! `run_command`: a shell command inside the sandbox. Output streams out as events and comes
//! back to the model capped (head and tail of each stream).

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, parse, CommandRecord, ToolCx, ToolOutput};
use crate::agent::AgentEvent;
use crate::llm::ToolSpec;
use crate::sandbox::{CommandRequest, OutputChunk, OutputSink, SandboxError};

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "run_command".into(),
        description:
            "Run a bash command in the repository copy (isolated; no network unless the job allows it). \
                      Returns the exit code and the output (long output is cut in the middle)."
                .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "command": {"type": "string"},
                "cwd": {"type": "string", "description": "directory relative to the repository root (default the root)"},
                "timeout_secs": {"type": "integer", "description": "wall-time limit (capped by the job's policy)"}
            },
            "required": ["command"],
            "additionalProperties": false
        }),
    }
}

#[derive(Debug, Deserialize)]
struct Args {
    command: String,
    #[serde(default)]
    cwd: String,
    timeout_secs: Option<u64>,
}

pub(super) async fn call(cx: &mut ToolCx<'_>, arguments: &str) -> Result<ToolOutput, SandboxError> {
    let args: Args = match parse("run_command", arguments, "{command, cwd?, timeout_secs?}") {
        Ok(a) => a,
        Err(out) => return Ok(out),
    };
    if args.command.trim().is_empty() {
        return Ok(ToolOutput::error("the command is empty"));
    }
    let cwd = checked_path(&args.cwd)?;
    let request = CommandRequest {
        argv: vec!["bash".into(), "-c".into(), args.command.clone()],
        cwd,
        env: Default::default(),
        timeout: Some(
            args.timeout_secs.map_or(cx.remaining, |s| Duration::from_secs(s.max(1)).min(cx.remaining)),
        ),
    };
    let events = cx.events.clone();
    let command = args.command.clone();
    let sink: OutputSink = Arc::new(move |chunk: OutputChunk| {
        let _ = events.send(AgentEvent::CommandOutput {
            command: command.clone(),
            stream: chunk.stream,
            text: chunk.text,
        });
    });
    let out = cx.sandbox.run(request, Some(sink), Some(cx.cancel.clone())).await?;
    let exit_code = out.code();
    cx.commands.push(CommandRecord { command: args.command.clone(), exit_code, timed_out: out.timed_out });
    let _ = cx.events.send(AgentEvent::CommandFinished {
        command: args.command.clone(),
        exit_code: out.exit_code,
        timed_out: out.timed_out,
        duration_ms: out.duration_ms,
        tail: tail(&out.stdout, &out.stderr),
    });

    let half = cx.max_output / 2;
    let mut text = if out.timed_out {
        format!("killed after its time limit ({} ms); exit code {exit_code}\n", out.duration_ms)
    } else if out.cancelled {
        "cancelled\n".to_string()
    } else {
        format!("exit code {exit_code}\n")
    };
    if !out.stdout.is_empty() {
        text.push_str("--- stdout ---\n");
        text.push_str(&crate::sandbox::truncate_middle(&out.stdout, half));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    if !out.stderr.is_empty() {
        text.push_str("--- stderr ---\n");
        text.push_str(&crate::sandbox::truncate_middle(&out.stderr, half));
    }
    let summary = format!(
        "`{}` → {exit_code}{}",
        one_line(&args.command),
        if out.timed_out { " (timed out)" } else { "" }
    );
    Ok(ToolOutput { ok: out.success(), content: text, summary, refused: None })
}

fn one_line(command: &str) -> String {
    let first = command.lines().next().unwrap_or("");
    if first.len() > 80 || command.lines().nth(1).is_some() {
        let cut: String = first.chars().take(80).collect();
        format!("{cut}…")
    } else {
        first.to_string()
    }
}

/// The last lines of a command's output, for events.
fn tail(stdout: &str, stderr: &str) -> String {
    let joined = if stderr.is_empty() { stdout.to_string() } else { format!("{stdout}{stderr}") };
    let lines: Vec<&str> = joined.lines().collect();
    let start = lines.len().saturating_sub(20);
    let mut out = lines[start..].join("\n");
    if out.len() > 2000 {
        out = crate::sandbox::truncate_middle(&out, 2000);
    }
    out
}
