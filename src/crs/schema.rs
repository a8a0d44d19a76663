//! The CRS as a JSON Schema (OpenAI strict-mode subset: every property required, no extra
//! properties), and the checks the schema cannot express.

use serde_json::{json, Value};

use super::Crs;

fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string", "minLength": 1}, "description": description})
}

/// JSON Schema of [`Crs`].
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "summary": {"type": "string", "minLength": 1, "description": "one or two sentences: the change"},
            "goals": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                      "description": "what the change must achieve"},
            "non_goals": strings("what is deliberately out of scope"),
            "constraints": strings("limits to respect: compatibility, performance, style"),
            "acceptance_criteria": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "minLength": 1, "description": "AC1, AC2, …"},
                        "description": {"type": "string", "minLength": 1, "description": "a checkable condition"},
                        "verification": {"type": "string", "minLength": 1,
                                         "description": "how to check it: a command, a test, an observation"}
                    },
                    "required": ["id", "description", "verification"],
                    "additionalProperties": false
                }
            },
            "affected_areas": strings("paths, modules or components likely touched"),
            "risks": strings("what could go wrong"),
            "open_questions": strings("questions the request leaves open")
        },
        "required": ["summary", "goals", "non_goals", "constraints", "acceptance_criteria",
                     "affected_areas", "risks", "open_questions"],
        "additionalProperties": false
    })
}

/// Checks beyond the schema: acceptance-criterion ids are `AC<n>` and unique.
pub fn check(crs: &Crs) -> Vec<String> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, ac) in crs.acceptance_criteria.iter().enumerate() {
        let well_formed =
            ac.id.strip_prefix("AC").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if !well_formed {
            errors.push(format!(
                "$.acceptance_criteria[{i}].id: must look like AC1, AC2, …, found {:?}",
                ac.id
            ));
        }
        if !seen.insert(ac.id.as_str()) {
            errors.push(format!("$.acceptance_criteria[{i}].id: {} is used twice", ac.id));
        }
    }
    errors
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::crs::AcceptanceCriterion;

    pub(crate) fn sample() -> Crs {
        Crs {
            summary: "Add a --verbose flag".into(),
            goals: vec!["More output on request".into()],
            non_goals: vec![],
            constraints: vec!["No new dependencies".into()],
            acceptance_criteria: vec![AcceptanceCriterion {
                id: "AC1".into(),
                description: "--verbose prints debug lines".into(),
                verification: "cargo test verbose".into(),
            }],
            affected_areas: vec!["src/main.rs".into()],
            risks: vec![],
            open_questions: vec![],
        }
    }

    #[test]
    fn a_valid_crs_matches_its_schema() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(crate::llm::schema::validate(&v, &schema()), Vec::<String>::new());
        assert!(check(&sample()).is_empty());
    }

    #[test]
    fn criterion_ids_are_checked() {
        let mut c = sample();
        c.acceptance_criteria.push(c.acceptance_criteria[0].clone());
        c.acceptance_criteria[0].id = "first".into();
        assert_eq!(
            check(&c),
            vec!["$.acceptance_criteria[0].id: must look like AC1, AC2, …, found \"first\""]
        );
        c.acceptance_criteria[0].id = "AC1".into();
        assert_eq!(check(&c), vec!["$.acceptance_criteria[1].id: AC1 is used twice"]);
    }
}
