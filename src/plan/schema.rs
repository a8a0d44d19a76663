//! The plan as a JSON Schema (strict-mode subset), and the sanity checks the schema cannot
//! express: files inside the repository, steps that say something, every acceptance
//! criterion covered by the testing strategy.

use std::collections::HashSet;
use std::path::{Component, Path};

use serde_json::{json, Value};

use super::{FileOp, Plan};
use crate::crs::schema::CriterionIds;
use crate::crs::Crs;

/// JSON Schema of [`Plan`].
pub fn schema() -> Value {
    let text = |d: &str| json!({"type": "string", "minLength": 1, "description": d});
    json!({
        "type": "object",
        "properties": {
            "summary": text("one line: what the plan does"),
            "steps": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "title": text("short title"),
                        "intent": text("why and what, in a sentence or two"),
                        "files": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "path": text("path relative to the repository root"),
                                    "action": {"type": "string", "enum": ["read", "create", "modify", "delete"]}
                                },
                                "required": ["path", "action"],
                                "additionalProperties": false
                            }
                        },
                        "commands": {"type": "array", "items": {"type": "string", "minLength": 1},
                                     "description": "commands the step runs in the repository root"}
                    },
                    "required": ["title", "intent", "files", "commands"],
                    "additionalProperties": false
                }
            },
            "testing_strategy": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "command": text("command to run in the repository root"),
                        "proves": text("what passing proves"),
                        "criteria": {"type": "array", "items": {"type": "string"},
                                     "description": "ids of the acceptance criteria it covers"}
                    },
                    "required": ["command", "proves", "criteria"],
                    "additionalProperties": false
                }
            },
            "complexity": {"type": "string", "enum": ["low", "medium", "high"]},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "estimated_files_changed": {"type": "integer", "minimum": 0},
            "needs_network": {"type": "boolean", "description": "true only if executing needs the network"}
        },
        "required": ["summary", "steps", "testing_strategy", "complexity", "confidence",
                     "estimated_files_changed", "needs_network"],
        "additionalProperties": false
    })
}

/// Whether `path` is a plain relative path that stays inside the repository.
fn inside(path: &str) -> Result<(), &'static str> {
    let p = Path::new(path);
    if path.trim().is_empty() {
        return Err("is empty");
    }
    if p.is_absolute() || path.starts_with('~') || path.contains('\\') {
        return Err("must be relative to the repository root");
    }
    let mut depth = 0i32;
    for c in p.components() {
        match c {
            Component::Normal(s) => {
                if depth == 0 && s == ".git" {
                    return Err("is inside .git");
                }
                depth += 1;
            }
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return Err("leaves the repository");
                }
            }
            Component::CurDir => {}
            _ => return Err("must be relative to the repository root"),
        }
    }
    Ok(())
}

/// Sanity checks of a plan against its CRS and the repository at `root`; one message per
/// problem (empty when the plan is sound).
pub fn check(plan: &Plan, crs: &Crs, root: &Path) -> Vec<String> {
    check_with(plan, crs, &CriterionIds::of(crs), root)
}

/// [`check`], resolving criterion references through `ids` (which may know the ids the
/// model first gave the criteria).
pub fn check_with(plan: &Plan, crs: &Crs, ids: &CriterionIds, root: &Path) -> Vec<String> {
    let mut errors = Vec::new();
    if plan.steps.is_empty() {
        errors.push("$.steps: the plan has no steps".to_string());
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut created: HashSet<String> = HashSet::new();
    for (i, step) in plan.steps.iter().enumerate() {
        if step.title.trim().is_empty() || step.intent.trim().is_empty() {
            errors.push(format!("$.steps[{i}]: title and intent must not be empty"));
        }
        if step.files.is_empty() && step.commands.is_empty() {
            errors.push(format!("$.steps[{i}]: names no file and no command; say what the step touches"));
        }
        for (j, f) in step.files.iter().enumerate() {
            let at = format!("$.steps[{i}].files[{j}].path");
            if let Err(why) = inside(&f.path) {
                errors.push(format!("{at}: {:?} {why}", f.path));
                continue;
            }
            let full = root.join(&f.path);
            // The path (or its nearest existing ancestor) must not resolve, through a
            // symlink, outside the repository.
            let mut probe = full.as_path();
            let real = loop {
                if let Ok(r) = probe.canonicalize() {
                    break Some(r);
                }
                match probe.parent() {
                    Some(p) => probe = p,
                    None => break None,
                }
            };
            if let Some(real) = real {
                if !real.starts_with(&canonical_root) {
                    errors.push(format!("{at}: {:?} resolves outside the repository", f.path));
                    continue;
                }
            }
            let key = f.path.trim_start_matches("./").to_string();
            match f.action {
                FileOp::Create => {
                    created.insert(key);
                }
                FileOp::Read | FileOp::Modify | FileOp::Delete => {
                    if !full.exists() && !created.contains(&key) {
                        errors.push(format!(
                            "{at}: {:?} does not exist in the repository (create it in an earlier step, or use an existing path)",
                            f.path
                        ));
                    }
                }
            }
        }
    }
    errors.extend(check_criteria(plan, crs, ids));
    errors
}

/// The part of [`check_with`] that needs no repository: every check's criteria are criteria
/// of the CRS, and every criterion is covered by a check.
pub fn check_criteria(plan: &Plan, crs: &Crs, ids: &CriterionIds) -> Vec<String> {
    let mut errors = Vec::new();
    let mut covered: HashSet<&str> = HashSet::new();
    for (i, t) in plan.testing_strategy.iter().enumerate() {
        for c in &t.criteria {
            match ids.resolve(c) {
                Ok(id) => {
                    covered.insert(id);
                }
                Err(candidates) if candidates.is_empty() => errors.push(format!(
                    "$.testing_strategy[{i}].criteria: {c} is not an acceptance criterion of the CRS (its ids are {})",
                    ids.ids().join(", ")
                )),
                Err(candidates) => errors.push(format!(
                    "$.testing_strategy[{i}].criteria: {c} is ambiguous (it may mean {}); use the ids {}",
                    candidates.join(" or "),
                    ids.ids().join(", ")
                )),
            }
        }
    }
    for ac in &crs.acceptance_criteria {
        if !covered.contains(ac.id.as_str()) {
            errors.push(format!(
                "$.testing_strategy: acceptance criterion {} ({}) is not covered by any check",
                ac.id, ac.description
            ));
        }
    }
    errors
}

/// Rewrites the plan's criterion references to the CRS's own ids where they resolve
/// (`s2` → `AC2`), each at most once per check.
pub fn resolve_criteria(plan: &mut Plan, ids: &CriterionIds) {
    for t in &mut plan.testing_strategy {
        let mut out: Vec<String> = Vec::new();
        for c in &t.criteria {
            let id = ids.resolve(c).map_or_else(|_| c.clone(), str::to_string);
            if !out.contains(&id) {
                out.push(id);
            }
        }
        t.criteria = out;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::plan::{Complexity, FileAction, Step, TestCheck};

    pub(crate) fn sample() -> Plan {
        Plan {
            summary: "Add the flag and test it".into(),
            steps: vec![Step {
                title: "Parse --verbose".into(),
                intent: "Add the flag to the argument parser.".into(),
                files: vec![
                    FileAction { path: "src/main.rs".into(), action: FileOp::Modify },
                    FileAction { path: "tests/verbose.rs".into(), action: FileOp::Create },
                ],
                commands: vec!["cargo build".into()],
            }],
            testing_strategy: vec![TestCheck {
                command: "cargo test verbose".into(),
                proves: "the flag prints debug lines".into(),
                criteria: vec!["AC1".into()],
            }],
            complexity: Complexity::Low,
            confidence: 0.8,
            estimated_files_changed: 2,
            needs_network: false,
        }
    }

    fn repo() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("src")).unwrap();
        std::fs::write(d.path().join("src/main.rs"), "fn main() {}\n").unwrap();
        d
    }

    #[test]
    fn a_sound_plan_passes_schema_and_checks() {
        let d = repo();
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(crate::llm::schema::validate(&v, &schema()), Vec::<String>::new());
        assert_eq!(check(&sample(), &crate::crs::schema::tests::sample(), d.path()), Vec::<String>::new());
    }

    #[test]
    fn paths_outside_missing_files_and_uncovered_criteria_are_reported() {
        let d = repo();
        let mut p = sample();
        p.steps[0].files.push(FileAction { path: "../etc/passwd".into(), action: FileOp::Read });
        p.steps[0].files.push(FileAction { path: "/etc/passwd".into(), action: FileOp::Read });
        p.steps[0].files.push(FileAction { path: "src/gone.rs".into(), action: FileOp::Delete });
        p.steps[0].files.push(FileAction { path: "tests/verbose.rs".into(), action: FileOp::Modify });
        p.testing_strategy[0].criteria = vec!["AC9".into()];
        let errors = check(&p, &crate::crs::schema::tests::sample(), d.path());
        assert_eq!(
            errors,
            vec![
                "$.steps[0].files[2].path: \"../etc/passwd\" leaves the repository",
                "$.steps[0].files[3].path: \"/etc/passwd\" must be relative to the repository root",
                "$.steps[0].files[4].path: \"src/gone.rs\" does not exist in the repository (create it in an earlier step, or use an existing path)",
                "$.testing_strategy[0].criteria: AC9 is not an acceptance criterion of the CRS (its ids are AC1)",
                "$.testing_strategy: acceptance criterion AC1 (--verbose prints debug lines) is not covered by any check",
            ]
        );
        p.steps.clear();
        assert!(check(&p, &crate::crs::schema::tests::sample(), d.path())
            .contains(&"$.steps: the plan has no steps".to_string()));
    }

    #[test]
    fn the_models_own_criterion_ids_resolve_when_unambiguous() {
        let d = repo();
        let mut crs = crate::crs::schema::tests::sample();
        crs.acceptance_criteria.push(crs.acceptance_criteria[0].clone());
        crs.acceptance_criteria[1].id = "AC2".into();
        let doc = serde_json::json!({"acceptance_criteria": [{"id": "s1"}, {"id": "s2"}]});
        let ids = CriterionIds::with_originals(&crs, &doc);
        let mut p = sample();
        p.testing_strategy[0].criteria = vec!["s1".into(), "AC1".into(), "ac2".into()];
        assert_eq!(check_with(&p, &crs, &ids, d.path()), Vec::<String>::new());
        resolve_criteria(&mut p, &ids);
        assert_eq!(p.testing_strategy[0].criteria, ["AC1", "AC2"]);
        // Without the earlier ids, `s1` means nothing.
        p.testing_strategy[0].criteria = vec!["s1".into(), "AC2".into()];
        assert_eq!(
            check(&p, &crs, d.path()),
            [
                "$.testing_strategy[0].criteria: s1 is not an acceptance criterion of the CRS (its ids are AC1, AC2)",
                "$.testing_strategy: acceptance criterion AC1 (--verbose prints debug lines) is not covered by any check"
            ]
        );
        // Two criteria the model both called `s1`.
        let doc = serde_json::json!({"acceptance_criteria": [{"id": "s1"}, {"id": "s1"}]});
        let ids = CriterionIds::with_originals(&crs, &doc);
        p.testing_strategy[0].criteria = vec!["s1".into(), "AC1".into(), "AC2".into()];
        assert_eq!(
            check_with(&p, &crs, &ids, d.path()),
            ["$.testing_strategy[0].criteria: s1 is ambiguous (it may mean AC1 or AC2); use the ids AC1, AC2"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_repository_are_refused() {
        let d = repo();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), d.path().join("escape")).unwrap();
        let mut p = sample();
        p.steps[0].files = vec![FileAction { path: "escape/x".into(), action: FileOp::Create }];
        let errors = check(&p, &crate::crs::schema::tests::sample(), d.path());
        assert_eq!(errors, vec!["$.steps[0].files[0].path: \"escape/x\" resolves outside the repository"]);
    }
}
