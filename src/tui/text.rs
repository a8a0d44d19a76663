//! A plan as text a person edits in `$EDITOR`, and back. The text reads like the plan;
//! lines starting with `#` are comments. When the text does not parse, each problem is put
//! beside the line it is about (as a `# ! …` comment) so the next edit starts from what the
//! reviewer wrote, never from scratch.

use crate::plan::{Complexity, FileAction, FileOp, Plan, Step, TestCheck};

/// The head of the text: how to write it.
const HEAD: &str = "\
# Edit the plan, save and quit to submit it; an empty file leaves it as it was.
# Lines starting with # are ignored. A step starts with `## Step: TITLE`, a check with
# `## Check: COMMAND`. Files are `read|create|modify|delete PATH`, commands start with `$ `.
";

/// A problem in the text: the 1-based line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number (0: the text as a whole).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The word for a file action.
pub fn op_word(op: FileOp) -> &'static str {
    match op {
        FileOp::Read => "read",
        FileOp::Create => "create",
        FileOp::Modify => "modify",
        FileOp::Delete => "delete",
    }
}

/// The plan as text.
pub fn to_text(plan: &Plan) -> String {
    let mut t = String::from(HEAD);
    t.push('\n');
    t.push_str(&format!("summary: {}\n", plan.summary));
    t.push_str(&format!("complexity: {}\n", plan.complexity.as_str()));
    t.push_str(&format!("confidence: {}\n", plan.confidence));
    t.push_str(&format!("files changed: {}\n", plan.estimated_files_changed));
    t.push_str(&format!("needs network: {}\n", if plan.needs_network { "yes" } else { "no" }));
    for s in &plan.steps {
        t.push_str(&format!("\n## Step: {}\nintent: {}\n", s.title, s.intent));
        for f in &s.files {
            t.push_str(&format!("{} {}\n", op_word(f.action), f.path));
        }
        for c in &s.commands {
            t.push_str(&format!("$ {c}\n"));
        }
    }
    for c in &plan.testing_strategy {
        t.push_str(&format!(
            "\n## Check: {}\nproves: {}\ncriteria: {}\n",
            c.command,
            c.proves,
            c.criteria.join(", ")
        ));
    }
    t
}

enum Section {
    Head,
    Step(Step),
    Check(TestCheck),
}

/// Reads the text back into a plan, or says what is wrong and where.
pub fn parse(text: &str) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut plan = Plan {
        summary: String::new(),
        steps: Vec::new(),
        testing_strategy: Vec::new(),
        complexity: Complexity::Medium,
        confidence: 0.5,
        estimated_files_changed: 0,
        needs_network: false,
    };
    let mut section = Section::Head;
    let close = |section: Section, plan: &mut Plan| match section {
        Section::Head => {}
        Section::Step(s) => plan.steps.push(s),
        Section::Check(c) => plan.testing_strategy.push(c),
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') && !line.starts_with("## ") {
            continue;
        }
        let mut bad = |m: String| problems.push(Problem { line: n, message: m });
        if let Some(title) = line.strip_prefix("## Step:") {
            close(std::mem::replace(&mut section, Section::Head), &mut plan);
            if title.trim().is_empty() {
                bad("a step needs a title after `## Step:`".into());
            }
            section = Section::Step(Step {
                title: title.trim().into(),
                intent: String::new(),
                files: vec![],
                commands: vec![],
            });
            continue;
        }
        if let Some(cmd) = line.strip_prefix("## Check:") {
            close(std::mem::replace(&mut section, Section::Head), &mut plan);
            if cmd.trim().is_empty() {
                bad("a check needs a command after `## Check:`".into());
            }
            section = Section::Check(TestCheck {
                command: cmd.trim().into(),
                proves: String::new(),
                criteria: vec![],
            });
            continue;
        }
        let (key, value) = match line.split_once(':') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => ("", line),
        };
        match &mut section {
            Section::Head => match key {
                "summary" => plan.summary = value.into(),
                "complexity" => {
                    plan.complexity = match value {
                        "low" => Complexity::Low,
                        "medium" => Complexity::Medium,
                        "high" => Complexity::High,
                        _ => {
                            bad(format!("complexity is low, medium or high, not `{value}`"));
                            continue;
                        }
                    }
                }
                "confidence" => match value.parse::<f64>() {
                    Ok(c) if (0.0..=1.0).contains(&c) => plan.confidence = c,
                    _ => bad(format!("confidence is a number from 0 to 1, not `{value}`")),
                },
                "files changed" => match value.parse() {
                    Ok(n) => plan.estimated_files_changed = n,
                    Err(_) => bad(format!("files changed is a whole number, not `{value}`")),
                },
                "needs network" => match value {
                    "yes" => plan.needs_network = true,
                    "no" => plan.needs_network = false,
                    _ => bad(format!("needs network is yes or no, not `{value}`")),
                },
                _ => bad(
                    "before the first step: summary, complexity, confidence, files changed or needs network"
                        .into(),
                ),
            },
            Section::Step(s) => {
                if let Some(cmd) = line.strip_prefix("$ ") {
                    s.commands.push(cmd.trim().into());
                } else if key == "intent" {
                    s.intent = value.into();
                } else {
                    let (w, path) = line.split_once(' ').unwrap_or((line, ""));
                    let action = match w {
                        "read" => FileOp::Read,
                        "create" => FileOp::Create,
                        "modify" => FileOp::Modify,
                        "delete" => FileOp::Delete,
                        _ => {
                            bad("in a step: `intent: …`, `read|create|modify|delete PATH` or `$ COMMAND`"
                                .into());
                            continue;
                        }
                    };
                    if path.trim().is_empty() {
                        bad(format!("`{w}` needs a path"));
                        continue;
                    }
                    s.files.push(FileAction { path: path.trim().into(), action });
                }
            }
            Section::Check(c) => match key {
                "proves" => c.proves = value.into(),
                "criteria" => {
                    c.criteria =
                        value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect()
                }
                _ => bad("in a check: `proves: …` or `criteria: AC1, AC2`".into()),
            },
        }
    }
    close(section, &mut plan);
    if plan.summary.is_empty() {
        problems.push(Problem { line: 0, message: "the plan needs a `summary:` line".into() });
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// `text` with each problem written above its line as a `# ! …` comment (and earlier such
/// comments removed), so the reviewer fixes it where it is.
pub fn annotate(text: &str, problems: &[Problem]) -> String {
    let mut out = String::new();
    for p in problems.iter().filter(|p| p.line == 0) {
        out.push_str(&format!("# ! {}\n", p.message));
    }
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("# ! ") {
            continue;
        }
        for p in problems.iter().filter(|p| p.line == i + 1) {
            out.push_str(&format!("# ! {}\n", p.message));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// What [`parse`] says about the plan's own checks, as problems of the whole text.
pub fn engine_problems(text: &str, problems: &[String]) -> String {
    let p: Vec<Problem> = problems.iter().map(|m| Problem { line: 0, message: m.clone() }).collect();
    annotate(text, &p)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::tui::review::tests::plan;

    #[test]
    fn a_plan_reads_back_from_its_text() {
        let p = plan();
        let text = to_text(&p);
        assert_eq!(parse(&text).unwrap(), p);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn problems_are_put_beside_their_lines_and_fixed_in_place() {
        let text = to_text(&plan())
            .replace("complexity: low", "complexity: tiny")
            .replace("read src/cli.rs", "peek src/cli.rs");
        let problems = parse(&text).unwrap_err();
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [6, 18]);
        let shown = annotate(&text, &problems);
        assert!(
            shown.contains("# ! complexity is low, medium or high, not `tiny`\ncomplexity: tiny\n"),
            "{shown}"
        );
        assert!(shown.contains("# ! in a step: `intent: …`"), "{shown}");
        // Fixed where they are, the notes go away by themselves.
        let fixed = shown.replace("complexity: tiny", "complexity: high").replace("peek src", "read src");
        let p = parse(&fixed).unwrap();
        assert_eq!(p.complexity, Complexity::High);
        assert!(!annotate(&fixed, &[]).contains("# !"));
    }
}
