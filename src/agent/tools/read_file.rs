//! `read_file`: a file's lines, numbered, optionally a range.

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, parse, ToolCx, ToolOutput};
use crate::llm::ToolSpec;
use crate::sandbox::SandboxError;

/// Lines returned when no range is given.
const DEFAULT_LINES: usize = 400;

pub(super) fn spec() -> ToolSpec {
    ToolSpec {
        name: "read_file".into(),
        description:
            "Read a text file. Lines come back as `N| text` (the `N| ` prefix is not part of the file). \
                      At most 400 lines per call unless a range is given."
                .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "start_line": {"type": "integer", "description": "first line, 1-based (default 1)"},
                "end_line": {"type": "integer", "description": "last line, inclusive"}
            },
            "required": ["path"],
            "additionalProperties": false
        }),
    }
}

#[derive(Debug, Deserialize)]
struct Args {
    path: String,
    start_line: Option<usize>,
    end_line: Option<usize>,
}

pub(super) async fn call(cx: &mut ToolCx<'_>, arguments: &str) -> Result<ToolOutput, SandboxError> {
    let args: Args = match parse("read_file", arguments, "{path, start_line?, end_line?}") {
        Ok(a) => a,
        Err(out) => return Ok(out),
    };
    let path = checked_path(&args.path)?;
    let bytes = cx.sandbox.read(&path).await?;
    if bytes.iter().take(8000).any(|b| *b == 0) {
        return Ok(ToolOutput::error(format!("{path} is a binary file ({} bytes)", bytes.len())));
    }
    let text = String::from_utf8_lossy(&bytes);
    Ok(render(&path, &text, args.start_line, args.end_line))
}

/// Numbers and slices the lines of `text`.
fn render(path: &str, text: &str, start: Option<usize>, end: Option<usize>) -> ToolOutput {
    let lines: Vec<&str> = text.lines().collect();
    let total = lines.len();
    if total == 0 {
        return ToolOutput::ok("(empty file)\n", format!("{path}: empty"));
    }
    let start = start.unwrap_or(1).max(1);
    if start > total {
        return ToolOutput::error(format!("{path} has {total} lines; start_line {start} is past the end"));
    }
    let end = end.unwrap_or(start + DEFAULT_LINES - 1).min(total).max(start);
    let width = end.to_string().len();
    let mut out = String::new();
    for (i, line) in lines[start - 1..end].iter().enumerate() {
        out.push_str(&format!("{:>width$}| {line}\n", start + i));
    }
    if end < total {
        out.push_str(&format!("[… {} more lines; read on with start_line {}]\n", total - end, end + 1));
    }
    ToolOutput::ok(out, format!("{path}: lines {start}-{end} of {total}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_numbered_and_clamped() {
        let text = "a\nb\nc\nd\n";
        let out = render("f", text, Some(2), Some(3));
        assert_eq!(out.content, "2| b\n3| c\n[… 1 more lines; read on with start_line 4]\n");
        let out = render("f", text, None, Some(99));
        assert_eq!(out.content, "1| a\n2| b\n3| c\n4| d\n");
        assert!(!render("f", text, Some(9), None).ok);
        let long: String = (1..=1000).map(|i| format!("{i}\n")).collect();
        let out = render("f", &long, None, None);
        assert!(out.content.contains("400| 400\n") && !out.content.contains("401| "), "{}", out.summary);
        assert!(out.content.contains("read on with start_line 401"));
    }
}
