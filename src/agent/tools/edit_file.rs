//! `edit_file`: exact search and replace in one file. Fails, saying why, when the search
//! text is absent or occurs more than once (unless every occurrence is meant).

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, marker_write, parse, secret_files, ToolCx, ToolOutput};
use crate::llm::ToolSpec;
use crate::sandbox::SandboxError;

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "edit_file".into(),
        description: "Replace exact text in a file. `old_text` must match the file exactly (whitespace included, no line-number prefixes) \
                      and occur once, unless replace_all is true."
            .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "old_text": {"type": "string"},
                "new_text": {"type": "string"},
                "replace_all": {"type": "boolean", "description": "replace every occurrence (default false)"}
            },
            "required": ["path", "old_text", "new_text"]
        }),
    }
}

#[derive(Debug, Deserialize)]
struct Args {
    path: String,
    old_text: String,
    new_text: String,
    #[serde(default)]
    replace_all: bool,
}

pub(super) async fn call(cx: &mut ToolCx<'_>, arguments: &str) -> Result<ToolOutput, SandboxError> {
    let args: Args = match parse("edit_file", arguments, "{path, old_text, new_text, replace_all?}") {
        Ok(a) => a,
        Err(out) => return Ok(out),
    };
    let path = checked_path(&args.path)?;
    let bytes = cx.sandbox.read(&path).await?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Ok(ToolOutput::error(format!("{path} is not UTF-8 text; use write_file to replace it")));
    };
    match apply(&text, &args.old_text, &args.new_text, args.replace_all) {
        Ok((new_text, count)) => {
            if let Some(refusal) = marker_write(&secret_files(cx.sandbox).await, &path, &text, &new_text) {
                return Ok(ToolOutput::error(refusal));
            }
            cx.sandbox.write(&path, new_text.as_bytes()).await?;
            let summary = format!("edited {path} ({count} replacement{})", if count == 1 { "" } else { "s" });
            Ok(ToolOutput::ok(summary.clone(), summary))
        }
        Err(message) => Ok(ToolOutput::error(format!("{path}: {message}"))),
    }
}

/// The edited text and the number of replacements, or why the edit cannot be made.
pub(crate) fn apply(text: &str, old: &str, new: &str, replace_all: bool) -> Result<(String, usize), String> {
    if old.is_empty() {
        return Err(
            "old_text is empty; give the exact text to replace (use write_file to create a file)".into()
        );
    }
    let positions: Vec<usize> = text.match_indices(old).map(|(i, _)| i).collect();
    match positions.len() {
        0 => {
            let numbered = old.lines().filter(|l| !l.trim().is_empty()).all(|l| {
                let t = l.trim_start();
                t.split_once("| ")
                    .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            });
            let hint = if numbered {
                " (it carries read_file's `N| ` line prefixes: leave them out)"
            } else if text.contains(old.trim()) && !old.trim().is_empty() {
                " (it matches once leading/trailing whitespace is removed: copy the whitespace exactly)"
            } else {
                ""
            };
            Err(format!("old_text was not found{hint}; read the file again and copy the text exactly"))
        }
        1 => Ok((text.replacen(old, new, 1), 1)),
        n if replace_all => Ok((text.replace(old, new), n)),
        n => {
            let lines: Vec<String> = positions
                .iter()
                .take(10)
                .map(|p| (text[..*p].matches('\n').count() + 1).to_string())
                .collect();
            Err(format!(
                "old_text occurs {n} times (lines {}); include more surrounding text to make it unique, or set replace_all",
                lines.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn replaces_a_unique_match() {
        assert_eq!(
            apply("a = 1;\nb = 2;\n", "b = 2", "b = 3", false).unwrap(),
            ("a = 1;\nb = 3;\n".into(), 1)
        );
    }

    #[test]
    fn absent_and_ambiguous_text_fail_clearly() {
        let err = apply("x\n", "y", "z", false).unwrap_err();
        assert!(err.contains("not found"), "{err}");
        let err = apply("  let x = 1;\n", "let x = 1;\n ", "", false).unwrap_err();
        assert!(err.contains("whitespace"), "{err}");
        let err = apply("fn a() {}\nfn b() {}\n", " 1| fn a() {}\n 2| fn b() {}", "", false).unwrap_err();
        assert!(err.contains("line prefixes"), "{err}");
        let err = apply("f();\ng();\nf();\n", "f();", "h();", false).unwrap_err();
        assert!(err.contains("occurs 2 times (lines 1, 3)"), "{err}");
        assert_eq!(apply("f();\ng();\nf();\n", "f();", "h();", true).unwrap().1, 2);
        assert!(apply("x", "", "y", false).unwrap_err().contains("empty"));
    }
}
