//! Packing: a layout summary of the repository plus file contents (or outlines) in ranked
//! order, within a token budget.

use std::collections::BTreeMap;

use crate::llm::tokens;

/// A layout summary of `paths` within about `budget` tokens: every path when they fit,
/// otherwise directories with file counts, as deep as fits.
pub fn tree(paths: &[&str], budget: usize) -> String {
    // Every path when they fit: count until the budget is passed, never build the whole list.
    let mut used = 0usize;
    let all_fit = paths.iter().all(|p| {
        used += tokens::estimate(p) + 1;
        used <= budget
    });
    if all_fit {
        return paths.iter().flat_map(|p| [*p, "\n"]).collect();
    }
    // Recursive file counts per directory (keys borrow the paths), and top-level files.
    let mut dirs: BTreeMap<&str, usize> = BTreeMap::new();
    let mut top_files = Vec::new();
    for p in paths {
        if !p.contains('/') {
            top_files.push(*p);
        }
        for (at, _) in p.match_indices('/') {
            *dirs.entry(&p[..at]).or_insert(0) += 1;
        }
    }
    for depth in (1..=4).rev() {
        let mut out = String::new();
        for (d, n) in &dirs {
            let level = d.matches('/').count() + 1;
            if level <= depth {
                let name = d.rsplit('/').next().unwrap_or(d);
                out.push_str(&format!("{}{name}/ ({n} files)\n", "  ".repeat(level - 1)));
            }
        }
        for f in &top_files {
            out.push_str(&format!("{f}\n"));
        }
        if tokens::estimate(&out) <= budget || depth == 1 {
            return truncate_lines(&out, budget);
        }
    }
    String::new()
}

fn truncate_lines(text: &str, budget: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    let total = text.lines().count();
    for (i, line) in text.lines().enumerate() {
        let t = tokens::estimate(line) + 1;
        if used + t > budget.saturating_sub(8) {
            out.push_str(&format!("… ({} more)\n", total - i));
            break;
        }
        used += t;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Line prefixes that start a definition worth keeping in an outline.
const DEFINITIONS: &[&str] = &[
    "pub ",
    "fn ",
    "async fn ",
    "struct ",
    "enum ",
    "trait ",
    "impl ",
    "impl<",
    "mod ",
    "type ",
    "const ",
    "static ",
    "macro_rules!",
    "class ",
    "def ",
    "async def ",
    "function ",
    "async function ",
    "export ",
    "interface ",
    "func ",
    "package ",
    "module ",
    "public ",
    "private ",
    "protected ",
    "internal ",
    "object ",
    "val ",
    "var ",
    "CREATE ",
    "create ",
    "#[derive",
    "@",
    "describe(",
    "it(",
    "test(",
];

/// An outline: the definition lines (with line numbers) and markdown headings, at most
/// `max_lines` of them and about `max_tokens` tokens.
pub fn outline(path: &str, text: &str, max_lines: usize, max_tokens: usize) -> String {
    let markdown = path.ends_with(".md") || path.ends_with(".markdown");
    let mut out = String::new();
    let mut n = 0;
    let mut used = 0;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let keep = if markdown {
            t.starts_with('#')
        } else {
            (indent <= 4 && DEFINITIONS.iter().any(|d| t.starts_with(d)))
                || super::symbols::is_definition_line(line)
        };
        if keep {
            let shown: String = line.trim_end().chars().take(160).collect();
            let entry = format!("{:>5}: {shown}\n", i + 1);
            used += tokens::estimate(&entry);
            if used + 2 > max_tokens {
                out.push_str("   …\n");
                break;
            }
            out.push_str(&entry);
            n += 1;
            if n >= max_lines {
                out.push_str("   …\n");
                break;
            }
        }
    }
    out
}

/// The fenced block for a file's text (a longer fence when the text has one).
pub fn fenced(path: &str, text: &str) -> String {
    let lang = path.rsplit_once('.').map(|(_, e)| e).filter(|e| e.len() <= 10).unwrap_or("");
    let fence = if text.contains("```") { "````" } else { "```" };
    let nl = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{lang}\n{text}{nl}{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_lists_paths_or_summarises_directories() {
        let paths = ["README.md", "src/a.rs", "src/b/c.rs"];
        assert_eq!(tree(&paths, 1000), "README.md\nsrc/a.rs\nsrc/b/c.rs\n");
        let many: Vec<String> = (0..500).map(|i| format!("src/mod{}/file{i}.rs", i % 5)).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let t = tree(&refs, 100);
        assert!(t.starts_with("src/ (500 files)\n  mod0/ (100 files)\n"), "{t}");
        assert!(tokens::estimate(&t) <= 100);
    }

    #[test]
    fn outlines_keep_definitions_with_line_numbers() {
        let src = "use x;\n\npub struct A {\n    f: u8,\n}\n\nfn helper() {\n    let y = 1;\n}\n";
        assert_eq!(outline("a.rs", src, 10, 1000), "    3: pub struct A {\n    7: fn helper() {\n");
        assert_eq!(outline("r.md", "# T\ntext\n## U\n", 10, 1000), "    1: # T\n    3: ## U\n");
        let js = "var x = 1;\nres.send = function send(body) {\n  var y = 2;\n};\n";
        assert_eq!(
            outline("r.js", js, 10, 1000),
            "    1: var x = 1;\n    2: res.send = function send(body) {\n    3:   var y = 2;\n"
        );
        assert_eq!(fenced("a.rs", "x"), "```rs\nx\n```\n");
        assert!(fenced("a.md", "```\n").starts_with("````md\n"));
    }
}
