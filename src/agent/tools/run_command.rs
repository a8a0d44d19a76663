//! `run_command`: a shell command inside the sandbox. Output streams out as events and comes
//! back to the model redacted, then capped (head and tail of each stream). A command that
//! names a secret-bearing or configuration file (`cat .env.production`) has its output
//! redacted in configuration mode.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, parse, secret_files, CommandRecord, ToolCx, ToolOutput};
use crate::agent::AgentEvent;
use crate::llm::ToolSpec;
use crate::redact::{self, Mode, SecretFiles};
use crate::sandbox::capture::Lines;
use crate::sandbox::{CommandRequest, SandboxError};

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "run_command".into(),
        description:
            "Run a bash command in the repository copy. Returns the exit code and the output (long output is \
             cut in the middle)."
                .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "command": {"type": "string"},
                "cwd": {"type": "string", "description": "directory (default the root)"},
                "timeout_secs": {"type": "integer", "description": "wall-time limit (capped by the job's policy)"}
            },
            "required": ["command"]
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
    let mode = mode_for(&secret_files(cx.sandbox).await, &args.command);
    // Live output leaves in whole lines, redacted like the output the model sees.
    let events = cx.events.clone();
    let command = args.command.clone();
    let (sink, lines) = Lines::sink(mode, move |stream, text| {
        let _ = events.send(AgentEvent::CommandOutput { command: command.clone(), stream, text });
    });
    let out = cx.sandbox.run(request, Some(sink), Some(cx.cancel.clone())).await?;
    let rest = lines.lock().unwrap_or_else(|p| p.into_inner()).finish();
    for (stream, text) in rest {
        let _ = cx.events.send(AgentEvent::CommandOutput { command: args.command.clone(), stream, text });
    }
    let stdout = redact::redact(&out.stdout, mode);
    let stderr = redact::redact(&out.stderr, mode);
    let redacted: Vec<_> = stdout.found.iter().chain(&stderr.found).copied().collect();
    let exit_code = out.code();
    cx.commands.push(CommandRecord { command: args.command.clone(), exit_code, timed_out: out.timed_out });
    let _ = cx.events.send(AgentEvent::CommandFinished {
        command: args.command.clone(),
        exit_code: out.exit_code,
        timed_out: out.timed_out,
        duration_ms: out.duration_ms,
        tail: tail(&stdout.text, &stderr.text),
    });

    let half = cx.max_output / 2;
    let mut text = if out.timed_out {
        format!("killed after its time limit ({} ms); exit code {exit_code}\n", out.duration_ms)
    } else if out.cancelled {
        "cancelled\n".to_string()
    } else {
        format!("exit code {exit_code}\n")
    };
    if !stdout.text.is_empty() {
        text.push_str("--- stdout ---\n");
        text.push_str(&crate::sandbox::truncate_middle(&stdout.text, half));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    if !stderr.text.is_empty() {
        text.push_str("--- stderr ---\n");
        text.push_str(&crate::sandbox::truncate_middle(&stderr.text, half));
    }
    let summary = format!(
        "`{}` → {exit_code}{}",
        one_line(&args.command),
        if out.timed_out { " (timed out)" } else { "" }
    );
    Ok(ToolOutput { ok: out.success(), content: text, summary, refused: None, redacted })
}

/// Configuration mode when the command names a secret-bearing or configuration file.
fn mode_for(files: &SecretFiles, command: &str) -> Mode {
    let names_one = command
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '&' | '<' | '>' | '(' | ')' | '`'))
        .map(|w| w.trim_matches(|c| matches!(c, '"' | '\'' | ',')))
        .filter(|w| !w.is_empty() && !w.starts_with('-'))
        .any(|w| files.mode(w.trim_start_matches("./")) == Mode::Config);
    if names_one {
        Mode::Config
    } else {
        Mode::Text
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_naming_secret_or_config_files_are_redacted_as_configuration() {
        let files = SecretFiles::with_vibeignore("ops/notes.txt\n");
        assert_eq!(mode_for(&files, "cat .env.production"), Mode::Config);
        assert_eq!(mode_for(&files, "head -n 5 'keys/deploy.pem' | base64"), Mode::Config);
        assert_eq!(mode_for(&files, "grep -r password config/database.yml"), Mode::Config);
        assert_eq!(mode_for(&files, "less ./ops/notes.txt"), Mode::Config);
        assert_eq!(mode_for(&files, "cargo test --lib"), Mode::Text);
        assert_eq!(mode_for(&files, "cat src/main.rs && ls"), Mode::Text);
    }
}
