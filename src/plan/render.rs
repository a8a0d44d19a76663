//! A plan as markdown, for terminals, `vibe plan show` and `--out FILE.md`.

use super::{FileOp, Plan};

/// Renders a plan as markdown.
pub fn to_markdown(plan: &Plan) -> String {
    let mut out = format!("# Plan\n\n{}\n\n", plan.summary.trim());
    out.push_str(&format!(
        "Complexity: {} · confidence {:.0}% · about {} file(s) changed{}\n\n## Steps\n",
        plan.complexity.as_str(),
        plan.confidence * 100.0,
        plan.estimated_files_changed,
        if plan.needs_network { " · needs network" } else { "" }
    ));
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&format!("\n{}. **{}** — {}\n", i + 1, s.title.trim(), s.intent.trim()));
        for f in &s.files {
            let verb = match f.action {
                FileOp::Read => "read",
                FileOp::Create => "create",
                FileOp::Modify => "modify",
                FileOp::Delete => "delete",
            };
            out.push_str(&format!("   - {verb} `{}`\n", f.path));
        }
        for c in &s.commands {
            out.push_str(&format!("   - run `{c}`\n"));
        }
    }
    out.push_str("\n## Testing strategy\n\n");
    for t in &plan.testing_strategy {
        let covers =
            if t.criteria.is_empty() { String::new() } else { format!(" ({})", t.criteria.join(", ")) };
        out.push_str(&format!("- `{}` — {}{covers}\n", t.command, t.proves.trim()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_lists_steps_files_and_checks() {
        let md = to_markdown(&crate::plan::schema::tests::sample());
        assert_eq!(
            md,
            "# Plan\n\nAdd the flag and test it\n\nComplexity: low · confidence 80% · about 2 file(s) changed\n\n\
             ## Steps\n\n1. **Parse --verbose** — Add the flag to the argument parser.\n   - modify `src/main.rs`\n   \
             - create `tests/verbose.rs`\n   - run `cargo build`\n\n## Testing strategy\n\n\
             - `cargo test verbose` — the flag prints debug lines (AC1)\n"
        );
    }
}
