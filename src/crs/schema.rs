//! The CRS as a JSON Schema (OpenAI strict-mode subset: every property required, no extra
//! properties), and vibe's own numbering of acceptance criteria: `AC1`, `AC2`, … by
//! position, with the ids a model gave them kept so a plan that uses those still resolves.

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
                        "id": {"type": "string", "minLength": 1, "description": "AC1, AC2, … (vibe numbers them by position)"},
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

/// vibe numbers acceptance criteria itself: `AC1`, `AC2`, … by position, whatever ids (or
/// none) the model wrote. Applied to an answer (or a CRS file) before it is validated; the
/// ids it replaces are read first with [`original_ids`].
pub fn renumber(doc: &mut Value) {
    let Some(list) = doc.get_mut("acceptance_criteria").and_then(Value::as_array_mut) else { return };
    for (i, ac) in list.iter_mut().enumerate() {
        if let Some(obj) = ac.as_object_mut() {
            obj.remove(ORIGINAL_ID);
            obj.insert("id".into(), Value::String(format!("AC{}", i + 1)));
        }
    }
}

/// Where a stored CRS keeps the id a criterion had before [`renumber`].
const ORIGINAL_ID: &str = "original_id";

/// The ids the criteria of `doc` had before [`renumber`], by position: `None` where there
/// was none or it already was the new one. A CRS stored by vibe keeps them as `original_id`.
pub fn original_ids(doc: &Value) -> Vec<Option<String>> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let Some(list) = doc.get("acceptance_criteria").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .enumerate()
        .map(|(i, ac)| {
            let given = ac.get(ORIGINAL_ID).and_then(text).or_else(|| ac.get("id").and_then(text));
            given.filter(|g| *g != format!("AC{}", i + 1))
        })
        .collect()
}

/// The CRS as stored: its JSON plus the `original_id` of each renumbered criterion, so a
/// plan that uses the model's own ids can still be understood ([`CriterionIds`]).
pub fn stored(crs: &Crs, originals: &[Option<String>]) -> Result<Value, serde_json::Error> {
    let mut doc = serde_json::to_value(crs)?;
    if let Some(list) = doc.get_mut("acceptance_criteria").and_then(Value::as_array_mut) {
        for (ac, original) in list.iter_mut().zip(originals) {
            if let (Some(obj), Some(o)) = (ac.as_object_mut(), original) {
                obj.insert(ORIGINAL_ID.into(), Value::String(o.clone()));
            }
        }
    }
    Ok(doc)
}

/// The acceptance-criterion ids of a CRS and the ids the model first gave them, to resolve
/// a plan's references to criteria.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CriterionIds {
    ids: Vec<String>,
    originals: Vec<Option<String>>,
}

impl CriterionIds {
    /// The ids of `crs`, without any earlier ones.
    pub fn of(crs: &Crs) -> Self {
        Self { ids: crs.acceptance_criteria.iter().map(|a| a.id.clone()).collect(), originals: Vec::new() }
    }

    /// The ids of `crs` and the earlier ones kept in its stored JSON `doc` (or the CRS
    /// document before [`renumber`]).
    pub fn with_originals(crs: &Crs, doc: &Value) -> Self {
        Self { originals: original_ids(doc), ..Self::of(crs) }
    }

    /// The ids, in order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// What `reference` names: a criterion id (any case), else the id the model first gave
    /// a criterion (`s2`) when exactly one had it. `Err` lists the candidates: none when the
    /// reference is unknown, several when it is ambiguous.
    pub fn resolve(&self, reference: &str) -> Result<&str, Vec<&str>> {
        let r = reference.trim();
        if let Some(id) = self.ids.iter().find(|id| id.eq_ignore_ascii_case(r)) {
            return Ok(id);
        }
        let matches: Vec<&str> = self
            .originals
            .iter()
            .zip(&self.ids)
            .filter(|(o, _)| o.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(r)))
            .map(|(_, id)| id.as_str())
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            _ => Err(matches),
        }
    }
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
    }

    #[test]
    fn criteria_are_numbered_by_position_whatever_the_model_wrote() {
        let mut doc = serde_json::json!({"acceptance_criteria": [
            {"id": "s1", "description": "a", "verification": "x"},
            {"description": "b", "verification": "x"},
            {"id": 7, "description": "c", "verification": "x"},
            {"id": "AC4", "description": "d", "verification": "x"},
            {"id": "", "description": "e", "verification": "x"},
            {"id": "s1", "description": "f", "verification": "x"}
        ]});
        let originals = original_ids(&doc);
        assert_eq!(originals, [Some("s1".into()), None, Some("7".into()), None, None, Some("s1".into())]);
        renumber(&mut doc);
        let ids: Vec<&str> = doc["acceptance_criteria"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["AC1", "AC2", "AC3", "AC4", "AC5", "AC6"]);

        // The earlier ids survive storage and resolve when they name one criterion.
        let mut crs = sample();
        crs.acceptance_criteria = (1..=6)
            .map(|n| AcceptanceCriterion { id: format!("AC{n}"), ..sample().acceptance_criteria[0].clone() })
            .collect();
        let stored = stored(&crs, &originals).unwrap();
        assert_eq!(stored["acceptance_criteria"][2]["original_id"], "7");
        assert!(stored["acceptance_criteria"][1].get("original_id").is_none());
        let ids = CriterionIds::with_originals(&crs, &stored);
        assert_eq!(ids.resolve("AC2"), Ok("AC2"));
        assert_eq!(ids.resolve(" ac3 "), Ok("AC3"));
        assert_eq!(ids.resolve("7"), Ok("AC3"));
        assert_eq!(ids.resolve("s1"), Err(vec!["AC1", "AC6"]));
        assert_eq!(ids.resolve("s9"), Err(vec![]));
        assert_eq!(CriterionIds::of(&crs).resolve("7"), Err(vec![]));
        // Renumbering the stored form again keeps the earlier ids.
        assert_eq!(original_ids(&stored), originals);
    }
}
