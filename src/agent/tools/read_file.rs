//! `read_file`: a file's lines, numbered, optionally a range. The whole file is redacted
//! before the range is cut (so a private-key block is seen whole), in configuration mode
//! for secret-bearing and configuration files; line numbers stay true.

use serde::Deserialize;
use serde_json::json;

use super::{checked_path, parse, secret_files, ToolCx, ToolOutput};
use crate::llm::ToolSpec;
use crate::redact::{self, Redacted};
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
            "required": ["path"]
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
    let mode = secret_files(cx.sandbox).await.mode(&path);
    Ok(render(&path, &redact::redact(&text, mode), args.start_line, args.end_line))
}

/// Numbers and slices the lines of a redacted text; counts the secrets in the slice.
fn render(path: &str, redacted: &Redacted<'_>, start: Option<usize>, end: Option<usize>) -> ToolOutput {
    let text: &str = &redacted.text;
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
    // Byte range of the lines shown (`lines` borrows from `text`).
    let from = lines[start - 1].as_ptr() as usize - text.as_ptr() as usize;
    let to = lines[end - 1].as_ptr() as usize - text.as_ptr() as usize + lines[end - 1].len();
    let found = redacted.within(from..to + 1);
    if !found.is_empty() {
        out.push_str(&format!(
            "[{} secret value(s) shown as `{}…]` are hidden from you; leave them as they are]\n",
            found.len(),
            redact::MARKER_PREFIX
        ));
    }
    let mut output = ToolOutput::ok(out, format!("{path}: lines {start}-{end} of {total}"));
    output.redacted = found;
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(path: &str, text: &str, start: Option<usize>, end: Option<usize>) -> ToolOutput {
        super::render(path, &redact::redact(text, redact::Mode::Config), start, end)
    }

    #[test]
    fn secrets_are_counted_where_they_are_shown() {
        let text = "A=1\nDB_PASSWORD=hunter2\nB=2\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\nC=3\n";
        let out = render(".env", text, None, None);
        assert!(
            out.content.contains(
                "2| DB_PASSWORD=[redacted: password]\n3| B=2\n4| [redacted: private key]\n5| \n6| \n7| C=3\n"
            ),
            "{}",
            out.content
        );
        assert!(!out.content.contains("hunter2") && !out.content.contains("MIIE"));
        assert!(
            out.content.contains("[2 secret value(s) shown as `[redacted: …]` are hidden"),
            "{}",
            out.content
        );
        assert_eq!(out.redacted.len(), 2);
        assert_eq!(render(".env", text, Some(3), Some(3)).redacted, []);
        assert_eq!(render(".env", text, Some(2), Some(2)).redacted.len(), 1);
        assert_eq!(render(".env", text, Some(5), Some(7)).content, "5| \n6| \n7| C=3\n");
    }

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
