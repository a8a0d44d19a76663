//! The review focus: what in a CRS and its plan most needs a human's eyes — open questions
//! (answered by assumption unless the reviewer answers them), the CRS's risks, risky steps,
//! and acceptance criteria whose check is weak or missing.

use crate::crs::Crs;
use crate::plan::{FileOp, Plan};

/// Why a step is risky.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRisk {
    /// It deletes files.
    Deletes(usize),
    /// A command that removes, fetches, pushes or gains rights.
    Command(String),
    /// It touches many files.
    ManyFiles(usize),
}

/// Why a criterion's check is weak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeakCheck {
    /// No check of the testing strategy covers it.
    Uncovered,
    /// Only commands that look at something (print, list, search) cover it.
    OnlyLooks(String),
}

/// One point of the review focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Focus {
    /// An open question of the CRS, 0-based, not yet answered.
    Question(usize),
    /// A risk the CRS names, 0-based.
    Risk(usize),
    /// A step, 0-based, and why it is risky.
    RiskyStep(usize, StepRisk),
    /// A criterion (by id) and why its check is weak.
    Weak(String, WeakCheck),
}

/// More files than this in one step is worth a look.
const MANY_FILES: usize = 6;

/// Words that make a command worth a look.
const RISKY_COMMANDS: &[&str] = &[
    "rm",
    "sudo",
    "curl",
    "wget",
    "chmod",
    "chown",
    "dd",
    "mkfs",
    "git push",
    "git reset",
    "npm publish",
    "cargo publish",
];

/// Commands that only look at something: they prove little on their own.
const LOOKING: &[&str] =
    &["echo", "cat", "ls", "true", "grep", "rg", "test", "[", "head", "tail", "wc", "printf"];

fn risky_command(cmd: &str) -> bool {
    cmd.split(['&', '|', ';'])
        .map(str::trim)
        .any(|part| RISKY_COMMANDS.iter().any(|w| part == *w || part.starts_with(&format!("{w} "))))
}

fn only_looks(cmd: &str) -> bool {
    let first = cmd.split_whitespace().next().unwrap_or("");
    LOOKING.contains(&first)
}

/// The review focus of `plan` for `crs`, most pressing first; `answered` holds the 0-based
/// open questions the reviewer has answered.
pub fn focus(crs: &Crs, plan: &Plan, answered: &[usize]) -> Vec<Focus> {
    let mut out = Vec::new();
    for i in 0..crs.open_questions.len() {
        if !answered.contains(&i) {
            out.push(Focus::Question(i));
        }
    }
    for (i, step) in plan.steps.iter().enumerate() {
        let deletes = step.files.iter().filter(|f| f.action == FileOp::Delete).count();
        let risk = if let Some(c) = step.commands.iter().find(|c| risky_command(c)) {
            Some(StepRisk::Command(c.clone()))
        } else if deletes > 0 {
            Some(StepRisk::Deletes(deletes))
        } else if step.files.len() >= MANY_FILES {
            Some(StepRisk::ManyFiles(step.files.len()))
        } else {
            None
        };
        if let Some(r) = risk {
            out.push(Focus::RiskyStep(i, r));
        }
    }
    for ac in &crs.acceptance_criteria {
        let checks: Vec<_> =
            plan.testing_strategy.iter().filter(|c| c.criteria.iter().any(|id| id == &ac.id)).collect();
        if checks.is_empty() {
            out.push(Focus::Weak(ac.id.clone(), WeakCheck::Uncovered));
        } else if checks.iter().all(|c| only_looks(&c.command)) {
            out.push(Focus::Weak(ac.id.clone(), WeakCheck::OnlyLooks(checks[0].command.clone())));
        }
    }
    for i in 0..crs.risks.len() {
        out.push(Focus::Risk(i));
    }
    out
}

/// One line about a point of focus, for people.
pub fn describe(f: &Focus, crs: &Crs, plan: &Plan) -> String {
    match f {
        Focus::Question(i) => format!(
            "Q{} open, assumed unless you answer: {}",
            i + 1,
            crs.open_questions.get(*i).map_or("", String::as_str)
        ),
        Focus::Risk(i) => format!("risk: {}", crs.risks.get(*i).map_or("", String::as_str)),
        Focus::RiskyStep(i, why) => {
            let title = plan.steps.get(*i).map_or("", |s| s.title.as_str());
            let why = match why {
                StepRisk::Deletes(n) => format!("deletes {n} file(s)"),
                StepRisk::Command(c) => format!("runs `{c}`"),
                StepRisk::ManyFiles(n) => format!("touches {n} files"),
            };
            format!("step {} \"{title}\" {why}", i + 1)
        }
        Focus::Weak(id, WeakCheck::Uncovered) => format!("{id} has no check"),
        Focus::Weak(id, WeakCheck::OnlyLooks(c)) => format!("{id} is only checked by `{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::review::tests::{crs, plan};

    #[test]
    fn questions_risky_steps_and_weak_checks_come_first() {
        let crs = crs();
        let mut plan = plan();
        plan.steps[1].commands.push("rm -rf build".into());
        let f = focus(&crs, &plan, &[]);
        let text: Vec<_> = f.iter().map(|f| describe(f, &crs, &plan)).collect();
        assert_eq!(
            text,
            [
                "Q1 open, assumed unless you answer: Should -v also be accepted?",
                "step 2 \"Print details when verbose\" runs `rm -rf build`",
                "AC2 is only checked by `grep -q verbose README.md`",
                "AC3 has no check",
                "risk: Output that scripts parse could change",
            ]
        );
        assert!(!focus(&crs, &plan, &[0]).contains(&Focus::Question(0)));
    }
}
