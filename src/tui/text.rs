//! A plan and the acceptance criteria of its CRS as text a person edits in `$EDITOR`, and
//! back. The text reads like the plan; lines starting with `#` are comments. When the text does not parse, each problem is put
//! beside the line it is about (as a `# ! …` comment) so the next edit starts from what the
//! reviewer wrote, never from scratch.

use crate::crs::AcceptanceCriterion;
use crate::plan::{Complexity, FileAction, FileOp, Plan, Step, TestCheck};

/// The head of the text: how to write it.
const HEAD: &str = "\
# Edit the plan, save and quit to submit it; an empty file leaves it as it was.
# Lines starting with # are ignored. A step starts with `## Step: TITLE`, a check with
# `## Check: COMMAND`. Files are `read|create|modify|delete PATH`, commands start with `$ `.
";

/// How the criteria section starts.
const CRITERIA_HEAD: &str = "\
# Acceptance criteria: each starts with `## Criterion: ID`, then `condition:` and `verify by:`.
# A new one takes an ID of its own (checks may name it); it is numbered after the others.
";

/// What the text says: the plan and the acceptance criteria.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    /// The plan.
    pub plan: Plan,
    /// The acceptance criteria, in the text's order.
    pub criteria: Vec<AcceptanceCriterion>,
}

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

/// The plan and the acceptance `criteria` as text.
pub fn to_text(criteria: &[AcceptanceCriterion], plan: &Plan) -> String {
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
    t.push('\n');
    t.push_str(CRITERIA_HEAD);
    // One line each: a line break in a wording would end it early.
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for c in criteria {
        t.push_str(&format!(
            "## Criterion: {}\ncondition: {}\nverify by: {}\n\n",
            c.id,
            flat(&c.description),
            flat(&c.verification)
        ));
    }
    t.pop();
    t
}

enum Section {
    Head,
    Step(Step),
    Check(TestCheck),
    /// A criterion and the line its header is on.
    Criterion(AcceptanceCriterion, usize),
}

/// Reads the text back into a plan and criteria, or says what is wrong and where.
pub fn parse(text: &str) -> Result<Edited, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut criteria: Vec<AcceptanceCriterion> = Vec::new();
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
    let close = |section: Section,
                 plan: &mut Plan,
                 criteria: &mut Vec<AcceptanceCriterion>,
                 problems: &mut Vec<Problem>| match section {
        Section::Head => {}
        Section::Step(s) => plan.steps.push(s),
        Section::Check(c) => plan.testing_strategy.push(c),
        Section::Criterion(c, line) => {
            let mut bad = |m: String| problems.push(Problem { line, message: m });
            if c.description.is_empty() {
                bad(format!("{} needs a `condition:` that can be checked", c.id));
            }
            if c.verification.is_empty() {
                bad(format!("{} needs a `verify by:` line: a command, a test, an observation", c.id));
            }
            if criteria.iter().any(|o| o.id.eq_ignore_ascii_case(&c.id)) {
                bad(format!("{} is there twice; give the new one an ID of its own", c.id));
            }
            criteria.push(c);
        }
    };
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') && !line.starts_with("## ") {
            continue;
        }
        // A header closes the section before it and opens its own.
        let opened = if let Some(title) = line.strip_prefix("## Step:") {
            let title = title.trim();
            let step = Step { title: title.into(), intent: String::new(), files: vec![], commands: vec![] };
            Some((Section::Step(step), title.is_empty().then_some("a step needs a title after `## Step:`")))
        } else if let Some(cmd) = line.strip_prefix("## Check:") {
            let cmd = cmd.trim();
            let check = TestCheck { command: cmd.into(), proves: String::new(), criteria: vec![] };
            Some((
                Section::Check(check),
                cmd.is_empty().then_some("a check needs a command after `## Check:`"),
            ))
        } else if let Some(id) = line.strip_prefix("## Criterion:") {
            let id = id.trim();
            let bad_id = id.is_empty() || id.contains(|c: char| c.is_whitespace() || c == ',');
            let c = AcceptanceCriterion {
                id: id.into(),
                description: String::new(),
                verification: String::new(),
            };
            Some((
                Section::Criterion(c, n),
                bad_id.then_some("a criterion needs one word as its ID after `## Criterion:` (AC4)"),
            ))
        } else {
            None
        };
        if let Some((next, problem)) = opened {
            close(std::mem::replace(&mut section, next), &mut plan, &mut criteria, &mut problems);
            if let Some(m) = problem {
                problems.push(Problem { line: n, message: m.into() });
            }
            continue;
        }
        let mut bad = |m: String| problems.push(Problem { line: n, message: m });
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
            Section::Criterion(c, _) => match key {
                "condition" => c.description = value.into(),
                "verify by" => c.verification = value.into(),
                _ => bad("in a criterion: `condition: …` or `verify by: …`".into()),
            },
        }
    }
    close(section, &mut plan, &mut criteria, &mut problems);
    if plan.summary.is_empty() {
        problems.push(Problem { line: 0, message: "the plan needs a `summary:` line".into() });
    }
    if criteria.is_empty() {
        problems.push(Problem {
            line: 0,
            message: "the CRS needs at least one acceptance criterion (`## Criterion: AC1`)".into(),
        });
    }
    if problems.is_empty() {
        Ok(Edited { plan, criteria })
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
    use crate::review::CriterionEdit;
    use crate::tui::review::tests::plan;

    use crate::tui::review::tests::crs;

    #[test]
    fn a_plan_reads_back_from_its_text() {
        let (p, criteria) = (plan(), crs().acceptance_criteria);
        let text = to_text(&criteria, &p);
        assert_eq!(parse(&text).unwrap(), Edited { plan: p, criteria });
        insta::assert_snapshot!(text);
    }

    #[test]
    fn criteria_read_back_from_the_text_and_an_edit_of_them_is_what_the_text_says() {
        let criteria = crs().acceptance_criteria;
        let text = to_text(&criteria, &plan());
        // Unedited, the criteria come back as they were, and nothing is to be saved.
        let back = parse(&text).unwrap().criteria;
        assert_eq!(back, criteria);
        assert_eq!(crate::review::criteria_edits(&criteria, &back), (vec![], vec![]));
        // A wording that had a line break reads back the same, as one line.
        let mut broken = criteria.clone();
        broken[0].description = "--verbose prints\n  each file it reads".into();
        let back = parse(&to_text(&broken, &plan())).unwrap().criteria;
        assert_eq!(back[0].description, "--verbose prints each file it reads");
        assert_eq!(crate::review::criteria_edits(&broken, &back).0, vec![]);

        let edited = text
            .replace("condition: The README documents the flag", "condition: The README shows an example")
            .replace("## Criterion: AC3\ncondition: Without --verbose nothing new is printed\nverify by: compare outputs\n", "")
            + "\n## Criterion: AC7\ncondition: -v is an alias\nverify by: cargo test alias\n";
        let read = parse(&edited).unwrap();
        let ids: Vec<&str> = read.criteria.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["AC1", "AC2", "AC7"]);
        let (edits, renamed) = crate::review::criteria_edits(&criteria, &read.criteria);
        assert_eq!(
            edits,
            [
                CriterionEdit::Remove { id: "AC3".into() },
                CriterionEdit::Change {
                    id: "AC2".into(),
                    description: "The README shows an example".into(),
                    verification: "read the README".into()
                },
                CriterionEdit::Add {
                    description: "-v is an alias".into(),
                    verification: "cargo test alias".into()
                },
            ]
        );
        // The new one is numbered after the highest id, as the CRS tab numbers it.
        assert_eq!(renamed, [("AC7".to_string(), "AC4".to_string())]);
        assert_eq!(read.plan, plan());
    }

    #[test]
    fn a_criterion_without_its_lines_or_an_id_of_its_own_is_marked_where_it_is() {
        let text = to_text(&crs().acceptance_criteria, &plan());
        let bad = text
            .replace("verify by: read the README\n", "")
            .replace("## Criterion: AC3", "## Criterion: ac1")
            + "\n## Criterion: AC9\nverify: somehow\n";
        let problems = parse(&bad).unwrap_err();
        let shown = annotate(&bad, &problems);
        assert!(shown.contains("# ! AC2 needs a `verify by:` line"), "{shown}");
        assert!(shown.contains("# ! ac1 is there twice"), "{shown}");
        assert!(
            shown.contains("# ! in a criterion: `condition: …` or `verify by: …`\nverify: somehow"),
            "{shown}"
        );
        assert!(shown.contains("# ! AC9 needs a `condition:`"), "{shown}");
        // Without any criterion the text says the CRS needs one.
        let start = text.find("# Acceptance criteria").unwrap();
        let problems = parse(&text[..start]).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("at least one acceptance criterion"), "{problems:?}");
    }

    #[test]
    fn problems_are_put_beside_their_lines_and_fixed_in_place() {
        let text = to_text(&crs().acceptance_criteria, &plan())
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
        let p = parse(&fixed).unwrap().plan;
        assert_eq!(p.complexity, Complexity::High);
        assert!(!annotate(&fixed, &[]).contains("# !"));
    }
}
