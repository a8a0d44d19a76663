//! `list_files`: the entries of a directory (honouring `.gitignore`), optionally recursive.

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, parse, ToolCx, ToolOutput};
use crate::llm::ToolSpec;
use crate::sandbox::{EntryKind, SandboxError};

const MAX_ENTRIES: usize = 400;

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "list_files".into(),
        description: "List files under a directory of the repository (ignored files left out). Directories end with `/`.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "directory; \"\" for the root"},
                "recursive": {"type": "boolean", "description": "walk the whole subtree (default false)"}
            },
            "required": ["path"]
        }),
    }
}

#[derive(Debug, Deserialize)]
struct Args {
    #[serde(default)]
    path: String,
    #[serde(default)]
    recursive: bool,
}

pub(super) async fn call(cx: &mut ToolCx<'_>, arguments: &str) -> Result<ToolOutput, SandboxError> {
    let args: Args = match parse("list_files", arguments, "{path, recursive?}") {
        Ok(a) => a,
        Err(out) => return Ok(out),
    };
    let dir = checked_path(&args.path)?;
    let listing = cx.sandbox.list(&dir, args.recursive, MAX_ENTRIES).await?;
    let mut text = String::new();
    for entry in &listing.entries {
        match entry.kind {
            EntryKind::Dir => text.push_str(&format!("{}/\n", entry.path)),
            EntryKind::Symlink => text.push_str(&format!("{} (symlink)\n", entry.path)),
            EntryKind::File => text.push_str(&format!("{} ({} bytes)\n", entry.path, entry.size)),
        }
    }
    if listing.entries.is_empty() {
        text.push_str("(empty)\n");
    }
    if listing.truncated {
        text.push_str(&format!("[… more than {MAX_ENTRIES} entries; list a subdirectory]\n"));
    }
    let shown = if dir.is_empty() { "." } else { dir.as_str() };
    Ok(ToolOutput::ok(text, format!("{shown}: {} entries", listing.entries.len())))
}
