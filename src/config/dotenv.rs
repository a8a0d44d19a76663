//! `.env` files as dotenv: `KEY=VALUE` lines, `export` prefixes, `#` comments, single, double
//! and backtick quotes (quoted values may span lines). Values are taken as written: no
//! `$VAR` expansion, so a file can never copy one of the user's environment variables (a key,
//! a token) into a setting. A file written for another tool (autoenv's `workon …`, shell
//! commands) is not an error: each line that is not an assignment is reported as skipped.

/// One meaningful line (or quoted run of lines) of a `.env` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `KEY=VALUE`, with the line the assignment starts on.
    Pair { key: String, value: String, line: usize },
    /// A line that is not an assignment. `key` is the name it seems to assign, when it starts
    /// like one (`KEY=` followed by something unreadable, such as an unclosed quote).
    Skipped { line: usize, key: Option<String>, reason: &'static str },
}

/// Parses the text of a `.env` file.
pub fn parse(text: &str) -> Vec<Line> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let number = i + 1;
        let trimmed = lines[i].trim();
        i += 1;
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let body = trimmed
            .strip_prefix("export")
            .filter(|rest| rest.starts_with([' ', '\t']))
            .map(str::trim_start)
            .unwrap_or(trimmed);
        let Some((key, rest)) = body.split_once('=') else {
            out.push(Line::Skipped { line: number, key: None, reason: "not a KEY=VALUE line" });
            continue;
        };
        let key = key.trim_end();
        if !is_name(key) {
            out.push(Line::Skipped { line: number, key: None, reason: "not a KEY=VALUE line" });
            continue;
        }
        let rest = rest.trim_start();
        let skipped = |reason| Line::Skipped { line: number, key: Some(key.to_string()), reason };
        match rest.chars().next() {
            Some(q @ ('\'' | '"' | '`')) => {
                // A quoted value runs to its closing quote, over following lines if need be.
                let resume = i;
                let mut run = rest[1..].to_string();
                let mut closed = closing_quote(&run, q);
                while closed.is_none() && i < lines.len() {
                    run.push('\n');
                    run.push_str(lines[i]);
                    i += 1;
                    closed = closing_quote(&run, q);
                }
                let Some(end) = closed else {
                    // Read on from the next line, as if this one were not there.
                    i = resume;
                    out.push(skipped("the quote is never closed"));
                    continue;
                };
                let after = run[end + 1..].trim_start();
                if !(after.is_empty() || after.starts_with('#')) {
                    out.push(skipped("text after the closing quote"));
                    continue;
                }
                let inner = &run[..end];
                let value = if q == '"' { unescape(inner) } else { inner.to_string() };
                out.push(Line::Pair { key: key.to_string(), value, line: number });
            }
            _ => {
                // Unquoted: up to a ` #` comment, trimmed.
                let value = match rest.find(" #").or_else(|| rest.find("\t#")) {
                    Some(at) => &rest[..at],
                    None if rest.starts_with('#') => "",
                    None => rest,
                };
                out.push(Line::Pair {
                    key: key.to_string(),
                    value: value.trim_end().to_string(),
                    line: number,
                });
            }
        }
    }
    out
}

/// A shell-style variable name (dots allowed, as some tools write them).
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Byte offset of the quote that closes a value opened with `q` (a double quote may be escaped).
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in s.char_indices() {
        match c {
            '\\' if q == '"' && !escaped => escaped = true,
            c if c == q && !escaped => return Some(at),
            _ => escaped = false,
        }
    }
    None
}

/// Escapes of a double-quoted value: `\n`, `\t`, `\r`, `\"`, `\\`, `\$`; others are kept.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(e @ ('"' | '\\' | '$' | '\'' | '`')) => out.push(e),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(key: &str, value: &str, line: usize) -> Line {
        Line::Pair { key: key.into(), value: value.into(), line }
    }

    #[test]
    fn shell_style_lines_are_read() {
        let text =
            "# settings\nexport VIBE_MODEL=llama3 # local\nFOO = 'a $B c'\nBAR=\"x \\\"y\\\" \\n$HOME\"\n\n\
                    EMPTY=\nexport\tTAB=1\nHASH=a#b\n";
        assert_eq!(
            parse(text),
            vec![
                pair("VIBE_MODEL", "llama3", 2),
                pair("FOO", "a $B c", 3),
                pair("BAR", "x \"y\" \n$HOME", 4),
                pair("EMPTY", "", 6),
                pair("TAB", "1", 7),
                pair("HASH", "a#b", 8),
            ]
        );
    }

    #[test]
    fn other_tools_lines_are_skipped_not_fatal() {
        let text = "workon foo\nsource venv/bin/activate\nVIBE_MODEL=m\nexport\n2BAD=x\n";
        let lines = parse(text);
        assert_eq!(lines.iter().filter(|l| matches!(l, Line::Skipped { .. })).count(), 4, "{lines:?}");
        assert!(lines.contains(&pair("VIBE_MODEL", "m", 3)));
    }

    #[test]
    fn quoted_values_span_lines_and_unclosed_quotes_name_their_key() {
        let text = "KEY=\"-----BEGIN\nMIIE==\n-----END\"\nNEXT=1\nOPENAI_BASE_URL=\"http://x\nLAST=2\n";
        let lines = parse(text);
        assert_eq!(lines[0], pair("KEY", "-----BEGIN\nMIIE==\n-----END", 1));
        assert_eq!(lines[1], pair("NEXT", "1", 4));
        assert_eq!(
            lines[2],
            Line::Skipped {
                line: 5,
                key: Some("OPENAI_BASE_URL".into()),
                reason: "the quote is never closed"
            }
        );
        assert_eq!(lines[3], pair("LAST", "2", 6));
        assert!(matches!(&parse("A='x' y\n")[0], Line::Skipped { key: Some(k), .. } if k == "A"));
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_key() {
        assert_eq!(parse("\u{feff}VIBE_MODEL=m\n"), vec![pair("VIBE_MODEL", "m", 1)]);
    }
}
