//! The agent's tools, one file each. A tool declares its JSON schema ([`ToolSpec`]) and runs
//! against the sandbox; its result is text for the model plus a one-line summary for events.
//! Paths are checked here first ([`crate::sandbox::paths::relative`]) and again by the
//! sandbox at access time.
//!
//! Every result passes [`crate::redact`] before it goes back to the model: `read_file` and
//! `search` redact each file in the mode its path calls for (secret-bearing files, by the
//! built-in list and the copy's `.vibeignore`, in configuration mode), `run_command` its
//! output before it is cut, and [`call`] everything once more; what was removed is reported
//! as [`AgentEvent::Redacted`].

mod complete_step;
mod edit_file;
mod finish;
mod list_files;
mod read_file;
mod run_command;
mod search;
mod write_file;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

use super::AgentEvent;
use crate::llm::ToolSpec;
use crate::redact::{self, SecretFiles, SecretKind};
use crate::sandbox::{Sandbox, SandboxError};

pub use finish::{FinishArgs, FinishCriterion};

/// A command the agent ran, with how it ended (evidence for the verdicts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// The shell command as the model wrote it.
    pub command: String,
    /// Exit code (`128 + signal` when killed, -1 when unknown).
    pub exit_code: i32,
    /// Killed by its time limit.
    pub timed_out: bool,
}

/// What a tool needs.
pub(crate) struct ToolCx<'a> {
    pub sandbox: &'a dyn Sandbox,
    pub events: &'a UnboundedSender<AgentEvent>,
    pub cancel: tokio::sync::watch::Receiver<bool>,
    /// Bytes of tool output that go back to the model.
    pub max_output: usize,
    /// Every command run so far (this conversation, resumed ones included).
    pub commands: &'a mut Vec<CommandRecord>,
    /// Wall time left in the run; no command may outlast it.
    pub remaining: std::time::Duration,
}

/// A tool's result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolOutput {
    /// Whether the call did what was asked.
    pub ok: bool,
    /// Text for the model (already capped).
    pub content: String,
    /// One line for events.
    pub summary: String,
    /// Set when the sandbox refused the call (an attempted escape or a forbidden path).
    pub refused: Option<String>,
    /// Secrets redacted from `content`, one entry each.
    pub redacted: Vec<SecretKind>,
}

impl ToolOutput {
    pub fn ok(content: impl Into<String>, summary: impl Into<String>) -> Self {
        Self {
            ok: true,
            content: content.into(),
            summary: summary.into(),
            refused: None,
            redacted: Vec::new(),
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            ok: false,
            content: format!("error: {message}"),
            summary: message,
            refused: None,
            redacted: Vec::new(),
        }
    }
}

/// What a tool call asks the loop to do besides answering.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Control {
    /// Nothing special.
    Continue,
    /// The current plan step is done.
    StepDone { summary: String },
    /// The agent finished, with these verdicts.
    Finish(FinishArgs),
    /// The sandbox (this id) is gone: the run cannot go on.
    SandboxGone(String),
}

/// Every tool's schema, in the order the model sees them.
pub(crate) fn specs() -> Vec<ToolSpec> {
    vec![
        list_files::spec(),
        read_file::spec(),
        search::spec(),
        write_file::spec(),
        edit_file::spec(),
        run_command::spec(),
        complete_step::spec(),
        finish::spec(),
    ]
}

/// Runs the tool `name` with the JSON `arguments` string.
pub(crate) async fn call(cx: &mut ToolCx<'_>, name: &str, arguments: &str) -> (ToolOutput, Control) {
    let result = match name {
        "list_files" => list_files::call(cx, arguments).await,
        "read_file" => read_file::call(cx, arguments).await,
        "search" => search::call(cx, arguments).await,
        "write_file" => write_file::call(cx, arguments).await,
        "edit_file" => edit_file::call(cx, arguments).await,
        "run_command" => run_command::call(cx, arguments).await,
        "complete_step" => return complete_step::call(arguments),
        "finish" => return finish::call(arguments),
        other => {
            let names: Vec<String> = specs().into_iter().map(|s| s.name).collect();
            Ok(ToolOutput::error(format!("there is no tool `{other}`; the tools are {}", names.join(", "))))
        }
    };
    let mut output = match result {
        Ok(output) => output,
        Err(SandboxError::Gone(id)) => {
            let message = SandboxError::Gone(id.clone()).to_string();
            return (ToolOutput::error(message), Control::SandboxGone(id));
        }
        Err(e) => sandbox_error(e),
    };
    let cleaned = redact::redact(&output.content, redact::Mode::Text);
    output.redacted.extend(cleaned.found.iter().copied());
    let content = crate::sandbox::truncate_middle(&cleaned.text, cx.max_output);
    if !output.redacted.is_empty() {
        let mut kinds = output.redacted.clone();
        kinds.sort();
        kinds.dedup();
        let _ = cx.events.send(AgentEvent::Redacted {
            tool: name.to_string(),
            count: output.redacted.len(),
            kinds,
        });
    }
    (ToolOutput { content, ..output }, Control::Continue)
}

/// The secret-bearing files of the copy: the built-in list and its `.vibeignore`.
pub(crate) async fn secret_files(sandbox: &dyn Sandbox) -> SecretFiles {
    match sandbox.read(".vibeignore").await {
        Ok(bytes) => SecretFiles::with_vibeignore(&String::from_utf8_lossy(&bytes)),
        Err(_) => SecretFiles::builtin(),
    }
}

/// Why a write that would put a redaction marker into a configuration or secret-bearing file
/// is refused (`None` when it is fine): the marker would replace the real secret.
pub(crate) fn marker_write(files: &SecretFiles, path: &str, before: &str, after: &str) -> Option<String> {
    let fresh = after.matches(redact::MARKER_PREFIX).count() > before.matches(redact::MARKER_PREFIX).count();
    (fresh && files.mode(path) == redact::Mode::Config).then(|| {
        format!(
            "{path}: the new text holds a `{}…]` marker. Secret values are hidden from you; writing the \
             marker would replace the real value. Change only the lines you need with edit_file and leave \
             redacted values as they are",
            redact::MARKER_PREFIX
        )
    })
}

/// Parses a tool's arguments, with a message the model can act on.
pub(crate) fn parse<T: DeserializeOwned>(
    tool: &str,
    arguments: &str,
    expected: &str,
) -> Result<T, ToolOutput> {
    let text = if arguments.trim().is_empty() { "{}" } else { arguments };
    serde_json::from_str(text).map_err(|e| {
        ToolOutput::error(format!("invalid arguments for {tool}: {e}; expected a JSON object {expected}"))
    })
}

/// A sandbox error as a tool result: refusals are marked so the loop records them.
pub(crate) fn sandbox_error(e: SandboxError) -> ToolOutput {
    let message = e.to_string();
    let mut out = ToolOutput::error(message.clone());
    if matches!(e, SandboxError::PathRefused { .. }) {
        out.refused = Some(message);
    }
    out
}

/// Checks a path's text before it reaches the sandbox (second line of defence). The copy's
/// own absolute path as commands see it (`/vibe/work/…`) is accepted and made relative.
pub(crate) fn checked_path(path: &str) -> Result<String, SandboxError> {
    let work = crate::sandbox::local::SANDBOX_WORK;
    let path = match path.strip_prefix(work) {
        Some("") => ".",
        Some(rest) if rest.starts_with('/') => rest.trim_start_matches('/'),
        _ => path,
    };
    let rel = crate::sandbox::paths::relative(path)?;
    Ok(rel.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_tool_has_an_object_schema_with_required_fields_listed() {
        let specs = specs();
        assert_eq!(specs.len(), 8);
        for spec in specs {
            assert!(spec.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{}", spec.name);
            assert_eq!(spec.parameters["type"], "object", "{}", spec.name);
            let props = spec.parameters["properties"].as_object().unwrap();
            for required in spec.parameters["required"].as_array().unwrap() {
                assert!(props.contains_key(required.as_str().unwrap()), "{}", spec.name);
            }
            assert!(spec.description.len() < 400, "keep {} short", spec.name);
        }
    }

    #[test]
    fn bad_arguments_explain_what_was_expected() {
        #[derive(Debug, Deserialize)]
        struct A {
            #[allow(dead_code)]
            path: String,
        }
        let err = parse::<A>("read_file", "{\"pth\": 1", "{path}").unwrap_err();
        assert!(!err.ok);
        assert!(err.content.contains("invalid arguments for read_file"), "{}", err.content);
        assert!(err.content.contains("{path}"));
    }

    #[test]
    fn paths_are_checked_before_the_sandbox_sees_them() {
        assert_eq!(checked_path("./src/a.rs").unwrap(), "src/a.rs");
        assert!(checked_path("../a").is_err());
        assert!(checked_path("/etc/passwd").is_err());
        assert_eq!(checked_path("/vibe/work/src/a.rs").unwrap(), "src/a.rs");
        assert_eq!(checked_path("/vibe/work").unwrap(), "");
        assert!(checked_path("/vibe/workshop/a").is_err());
        assert!(checked_path("/vibe/work/../etc").is_err());
        let out = sandbox_error(checked_path("../a").unwrap_err());
        assert!(out.refused.is_some() && out.content.starts_with("error: refused"), "{out:?}");
    }

    #[test]
    fn a_redaction_marker_is_never_written_over_a_secret() {
        let files = SecretFiles::with_vibeignore("ops/vault.txt\n");
        let marker = "DB_PASSWORD=[redacted: password]\nDEBUG=1\n";
        let refusal = marker_write(&files, ".env.production", "DB_PASSWORD=x\n", marker).unwrap();
        assert!(refusal.contains("edit_file") && refusal.contains("[redacted: …]"), "{refusal}");
        assert!(marker_write(&files, "config/db.yml", "", marker).is_some());
        assert!(marker_write(&files, "ops/vault.txt", "", marker).is_some());
        // Source files may mention markers (tests of a redactor), and a marker already there
        // may stay.
        assert!(marker_write(&files, "src/redact_test.rs", "", marker).is_none());
        assert!(marker_write(&files, ".env.production", marker, marker).is_none());
    }
}
