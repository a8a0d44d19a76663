//! What the agent is told: a short system prompt and the task (CRS + plan) rendered
//! compactly. Tokens cost money, so nothing here repeats what the tool schemas already say.

use crate::crs::Crs;
use crate::plan::{FileOp, Plan, Step};

/// The system prompt.
pub fn system(policy: &crate::sandbox::Policy) -> String {
    let network = if policy.network {
        "allowed"
    } else if policy.registries.is_some() {
        "limited to the project's package registries (dependencies can be downloaded; nothing else)"
    } else {
        "off (no downloads; use what is installed)"
    };
    format!(
        "You are vibe's coding agent. You change a private copy of a git repository so that a change request \
         is met, following its plan.\n\
         - Work only through the tools. Paths are relative to the repository root.\n\
         - Read before you edit; prefer edit_file for changes to existing files; keep the project's style.\n\
         - Commands run isolated in the copy; network is {network}.\n\
         - After each plan step call complete_step. After the last step run every testing-strategy command, \
         read failures, fix them and run again.\n\
         - Call finish once, with a verdict for every acceptance criterion and the commands you ran (with their \
         exit codes) as evidence. Never claim a command result you did not see.\n\
         - Keep messages short; do not commit, the job does that."
    )
}

/// The task: the change request and the plan, then where to start.
pub fn task(crs: &Crs, plan: &Plan) -> String {
    let mut t = String::new();
    t.push_str(&format!("# Change\n{}\n", crs.summary));
    list(&mut t, "Goals", &crs.goals);
    list(&mut t, "Non-goals", &crs.non_goals);
    list(&mut t, "Constraints", &crs.constraints);
    t.push_str("\n# Acceptance criteria\n");
    for ac in &crs.acceptance_criteria {
        t.push_str(&format!("- {}: {} (check: {})\n", ac.id, ac.description, ac.verification));
    }
    t.push_str(&format!("\n# Plan: {}\n", plan.summary));
    for (i, step) in plan.steps.iter().enumerate() {
        t.push_str(&format!("{}. {}\n", i + 1, step_line(step)));
    }
    t.push_str("\n# Testing strategy\n");
    t.push_str(&testing(plan));
    match plan.steps.first() {
        Some(first) => t.push_str(&format!("\nStart with step 1/{}: {}.", plan.steps.len(), first.title)),
        None => t.push_str("\nThe plan has no steps: make the change, then run the testing strategy."),
    }
    t
}

/// The answer to `complete_step`: the next step, or the testing strategy after the last.
pub fn next_step(plan: &Plan, done: usize) -> String {
    let of = plan.steps.len();
    match plan.steps.get(done) {
        Some(step) => format!("Step {done}/{of} done. Now step {}/{of}: {}", done + 1, step_line(step)),
        None => format!(
            "All {of} steps are done. Run the testing strategy now, fix any failure, then call finish:\n{}",
            testing(plan)
        ),
    }
}

/// Told to a resumed conversation.
pub fn resumed(plan: &Plan, step: usize) -> String {
    let of = plan.steps.len();
    let next = match plan.steps.get(step) {
        Some(s) => format!("Continue with step {}/{of}: {}.", step + 1, s.title),
        None => "All steps were done; run the testing strategy and call finish.".to_string(),
    };
    format!(
        "The job was interrupted and has resumed. The copy keeps every change made so far (possibly more than \
         the conversation shows: check with `git status` and `git diff`). {next}"
    )
}

/// Sent when the model answers without calling a tool (at most [`super::MAX_NUDGES`] times
/// in a row; then the run ends).
pub const NUDGE: &str =
    "Answer with a tool call, not text: the work is done only through the tools. Continue by \
calling tools; when every step is done and the tests pass, call finish.";

fn step_line(step: &Step) -> String {
    let mut line = format!("{} — {}", step.title, step.intent);
    if !step.files.is_empty() {
        let files: Vec<String> = step
            .files
            .iter()
            .map(|f| {
                let op = match f.action {
                    FileOp::Read => "read",
                    FileOp::Create => "create",
                    FileOp::Modify => "modify",
                    FileOp::Delete => "delete",
                };
                format!("{} ({op})", f.path)
            })
            .collect();
        line.push_str(&format!(" Files: {}.", files.join(", ")));
    }
    if !step.commands.is_empty() {
        line.push_str(&format!(
            " Commands: {}.",
            step.commands.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    line
}

fn testing(plan: &Plan) -> String {
    if plan.testing_strategy.is_empty() {
        return "(none given: run the project's usual tests)\n".into();
    }
    plan.testing_strategy
        .iter()
        .map(|c| format!("- `{}` — {} [{}]\n", c.command, c.proves, c.criteria.join(", ")))
        .collect()
}

fn list(t: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    t.push_str(&format!("{title}:\n"));
    for item in items {
        t.push_str(&format!("- {item}\n"));
    }
}
