//! Client-side validation of model output against a JSON Schema.
//!
//! Servers may ignore `response_format` (or `strict`), so every structured answer is checked
//! here against the same schema that was sent. Only the subset vibe's schemas use is
//! supported — the subset OpenAI's strict mode accepts: `type` (one or a list, `null`
//! included), `properties`, `required`, `additionalProperties`, `items`, `enum`, `minimum`,
//! `maximum`, `minItems`, `maxItems`, `minLength`. Errors name the JSON path, so the model can
//! be shown exactly what to fix.

use serde_json::Value;

/// Checks `value` against `schema`; returns one message per violation (empty when valid).
pub fn validate(value: &Value, schema: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(value, schema, "$", &mut errors);
    errors
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(v: &Value, ty: &str) -> bool {
    let actual = type_name(v);
    actual == ty
        || (ty == "number" && actual == "integer")
        || (ty == "integer" && v.as_f64().is_some_and(|f| f.fract() == 0.0))
}

fn check(value: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else { return };
    if let Some(ty) = schema.get("type") {
        let allowed: Vec<&str> = match ty {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.is_empty() && !allowed.iter().any(|t| type_matches(value, t)) {
            errors.push(format!("{path}: expected {}, found {}", allowed.join(" or "), type_name(value)));
            return;
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if !options.contains(value) {
            let list: Vec<String> = options.iter().map(Value::to_string).collect();
            errors.push(format!("{path}: must be one of {}, found {value}", list.join(", ")));
        }
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = schema.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(name) {
                        errors.push(format!("{path}: missing required field `{name}`"));
                    }
                }
            }
            for (k, v) in map {
                let sub = format!("{path}.{k}");
                match props.and_then(|p| p.get(k)) {
                    Some(s) => check(v, s, &sub, errors),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => errors.push(format!("{path}: unexpected field `{k}`")),
                        Some(s @ Value::Object(_)) => check(v, s, &sub, errors),
                        _ => {}
                    },
                }
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
                if n < min {
                    errors.push(format!("{path}: needs at least {min} item(s), found {n}"));
                }
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
                if n > max {
                    errors.push(format!("{path}: allows at most {max} item(s), found {n}"));
                }
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check(v, item_schema, &format!("{path}[{i}]"), errors);
                }
            }
        }
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                if f < min {
                    errors.push(format!("{path}: must be at least {min}, found {n}"));
                }
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                if f > max {
                    errors.push(format!("{path}: must be at most {max}, found {n}"));
                }
            }
        }
        Value::String(s) => {
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                if (s.chars().count() as u64) < min {
                    errors.push(format!("{path}: must not be empty"));
                }
            }
        }
        _ => {}
    }
}

/// Removes the keywords OpenAI's strict mode rejects (`minimum`, `minItems`, …) from a
/// schema, for sending; validation here still applies the full schema.
pub fn for_strict_mode(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "minimum" | "maximum" | "minItems" | "maxItems" | "minLength")
                })
                .map(|(k, v)| (k.clone(), for_strict_mode(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(for_strict_mode).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "score": {"type": "number", "minimum": 0, "maximum": 1},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "note": {"type": ["string", "null"]}
            },
            "required": ["name", "score", "kind", "tags", "note"],
            "additionalProperties": false
        })
    }

    #[test]
    fn valid_document_passes() {
        let v = json!({"name": "x", "score": 1, "kind": "a", "tags": ["t"], "note": null});
        assert!(validate(&v, &schema()).is_empty());
    }

    #[test]
    fn every_violation_is_named_with_its_path() {
        let v = json!({"name": "", "score": 1.5, "kind": "c", "tags": [3], "extra": true});
        let errors = validate(&v, &schema());
        assert_eq!(
            errors,
            vec![
                "$: missing required field `note`",
                "$: unexpected field `extra`",
                "$.kind: must be one of \"a\", \"b\", found \"c\"",
                "$.name: must not be empty",
                "$.score: must be at most 1, found 1.5",
                "$.tags[0]: expected string, found integer",
            ]
        );
        assert_eq!(validate(&json!([1]), &schema()), vec!["$: expected object, found array"]);
    }

    #[test]
    fn strict_mode_copy_drops_unsupported_keywords() {
        let s = for_strict_mode(&schema());
        assert!(s["properties"]["score"].get("minimum").is_none());
        assert!(s["properties"]["tags"].get("minItems").is_none());
        assert_eq!(s["properties"]["kind"]["enum"], json!(["a", "b"]));
    }
}
