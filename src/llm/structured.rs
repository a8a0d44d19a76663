//! Structured output: a JSON answer that matches a schema.
//!
//! With `model.structured_output = json_schema` the schema goes in `response_format` (strict);
//! with `prompt` it is written into the conversation; with `auto` (the default)
//! `json_schema` is tried first and, when the server rejects it with a 4xx that names
//! `response_format`/`json_schema`, the same request is made again with the schema in the
//! prompt — and the client remembers, so later calls skip the failing attempt. Whatever the
//! mode, the answer is parsed and validated here against the schema (servers may ignore
//! `strict`), then against the caller's own checks; on failure the model is shown the
//! errors and asked again, at most [`MAX_REPAIRS`] times.

use std::sync::atomic::Ordering;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::client::Client;
use super::error::LlmError;
use super::schema;
use super::{ChatRequest, Message, Progress, ResponseFormat, Usage};

/// Repair turns after the first answer.
pub const MAX_REPAIRS: u32 = 2;

/// A request for a JSON document.
#[derive(Debug, Clone, Default)]
pub struct StructuredRequest {
    /// Model id.
    pub model: String,
    /// System and user messages saying what to produce (the schema is added by the client).
    pub messages: Vec<Message>,
    /// Schema name, e.g. `crs` (`^[a-zA-Z0-9_-]+$`).
    pub name: String,
    /// JSON Schema of the answer (an object at the root, strict-mode subset).
    pub schema: Value,
    /// Output limit.
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Stream (for progress on long answers).
    pub stream: bool,
}

/// How the schema reached the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredMode {
    /// `response_format: json_schema`.
    JsonSchema,
    /// Written into the prompt.
    Prompt,
}

/// A validated structured answer.
#[derive(Debug, Clone)]
pub struct Structured<T> {
    /// The typed value.
    pub value: T,
    /// The JSON as the model sent it.
    pub json: Value,
    /// Usage summed over every call made (repairs and the fallback included).
    pub usage: Usage,
    /// Answers received (1 = right the first time).
    pub attempts: u32,
    /// Requests made, including one rejected by the server in `auto` mode.
    pub calls: u32,
    /// How the schema was sent in the end.
    pub mode: StructuredMode,
}

impl Client {
    /// A JSON answer of type `T` matching `req.schema`.
    pub async fn structured<T: DeserializeOwned>(
        &self,
        req: &StructuredRequest,
        progress: Progress<'_>,
    ) -> Result<Structured<T>, LlmError> {
        self.structured_checked(req, &|_: &T| Vec::new(), progress).await
    }

    /// Like [`Client::structured`], with extra checks on the parsed value: the messages
    /// `check` returns are shown to the model in the repair turn, like schema errors.
    pub async fn structured_checked<T: DeserializeOwned>(
        &self,
        req: &StructuredRequest,
        check: &(dyn Fn(&T) -> Vec<String> + Sync),
        progress: Progress<'_>,
    ) -> Result<Structured<T>, LlmError> {
        self.structured_prepared(req, &|_: &mut Value| {}, check, progress).await
    }

    /// Like [`Client::structured_checked`], with `prepare` applied to a copy of the answer
    /// before it is validated and parsed (e.g. ids the caller assigns itself, whatever the
    /// model wrote there). [`Structured::json`] stays the answer as the model sent it.
    pub async fn structured_prepared<T: DeserializeOwned>(
        &self,
        req: &StructuredRequest,
        prepare: &(dyn Fn(&mut Value) + Sync),
        check: &(dyn Fn(&T) -> Vec<String> + Sync),
        progress: Progress<'_>,
    ) -> Result<Structured<T>, LlmError> {
        let setting = self.settings().structured_output.as_str();
        let mut mode =
            if setting == "prompt" || (setting == "auto" && self.schema_rejected.load(Ordering::Relaxed)) {
                StructuredMode::Prompt
            } else {
                StructuredMode::JsonSchema
            };
        let mut messages = with_instructions(&req.messages, &req.schema, mode);
        let mut usage = Usage { model: req.model.clone(), ..Usage::default() };
        let mut attempts = 0u32;
        let mut calls = 0u32;
        loop {
            let chat = ChatRequest {
                model: req.model.clone(),
                messages: messages.clone(),
                max_output_tokens: req.max_output_tokens,
                temperature: req.temperature,
                stream: req.stream,
                response_format: (mode == StructuredMode::JsonSchema).then(|| ResponseFormat::JsonSchema {
                    name: req.name.clone(),
                    schema: schema::for_strict_mode(&req.schema),
                    strict: true,
                }),
                ..ChatRequest::default()
            };
            calls += 1;
            let resp = match self.chat(&chat, progress).await {
                Ok(r) => r,
                Err(LlmError::BadRequest { status, code, message })
                    if mode == StructuredMode::JsonSchema
                        && super::wire::rejects_response_format(
                            status,
                            &super::wire::ApiError {
                                message: message.clone(),
                                code: code.clone(),
                                ..Default::default()
                            },
                        ) =>
                {
                    if setting == "json_schema" {
                        return Err(LlmError::SchemaUnsupported { message });
                    }
                    tracing::info!(
                        "the endpoint rejected json_schema ({message}); asking for JSON in the prompt"
                    );
                    self.schema_rejected.store(true, Ordering::Relaxed);
                    mode = StructuredMode::Prompt;
                    let turns = messages.len()
                        - with_instructions(&req.messages, &req.schema, StructuredMode::JsonSchema).len();
                    let tail: Vec<Message> = messages[messages.len() - turns..].to_vec();
                    messages = with_instructions(&req.messages, &req.schema, mode);
                    messages.extend(tail);
                    continue;
                }
                Err(e) => return Err(e),
            };
            usage.add(&resp.usage);
            attempts += 1;
            if let Some(r) = resp.refusal.as_ref().filter(|r| !r.is_empty()) {
                return Err(LlmError::Refused { message: r.clone() });
            }
            let text = resp.content.clone().unwrap_or_default();
            let mut errors = Vec::new();
            match extract_json(&text) {
                Err(e) => errors.push(e),
                Ok(json) => {
                    let mut prepared = json.clone();
                    prepare(&mut prepared);
                    errors = schema::validate(&prepared, &req.schema);
                    if errors.is_empty() {
                        match serde_json::from_value::<T>(prepared) {
                            Err(e) => errors.push(format!("$: {e}")),
                            Ok(value) => {
                                errors = check(&value);
                                if errors.is_empty() {
                                    return Ok(Structured { value, json, usage, attempts, calls, mode });
                                }
                            }
                        }
                    }
                }
            }
            if resp.finish_reason.as_deref() == Some("length") {
                errors.push("the answer was cut off at the output limit: answer more concisely".into());
            }
            if attempts > MAX_REPAIRS {
                return Err(LlmError::InvalidOutput { what: req.name.clone(), attempts, errors });
            }
            messages.push(Message::assistant(text));
            messages.push(Message::user(repair_prompt(&errors)));
        }
    }
}

/// The caller's messages plus the JSON instructions for `mode`, appended to the first system
/// message (or as a new one).
fn with_instructions(messages: &[Message], schema: &Value, mode: StructuredMode) -> Vec<Message> {
    let extra = match mode {
        StructuredMode::JsonSchema => {
            "Answer with a single JSON object that matches the response schema.".to_string()
        }
        StructuredMode::Prompt => format!(
            "Answer with a single JSON object and nothing else: no prose, no code fences. \
             It must match this JSON Schema exactly (every listed field present, no other fields):\n{}",
            serde_json::to_string_pretty(schema).unwrap_or_else(|_| schema.to_string())
        ),
    };
    // At the end of the request's last user message: what comes before it (the system
    // message with the repository context) stays the same for every schema, so requests
    // sharing it share their leading part for prompt caching.
    let mut out = messages.to_vec();
    match out.last_mut() {
        Some(Message::User { content }) => {
            content.push_str("\n\n");
            content.push_str(&extra);
        }
        _ => out.push(Message::system(extra)),
    }
    out
}

/// The user turn that shows the model what was wrong.
pub(crate) fn repair_prompt(errors: &[String]) -> String {
    let list: Vec<String> = errors.iter().take(20).map(|e| format!("- {e}")).collect();
    format!(
        "Your answer was not valid:\n{}\nReply again with the complete corrected JSON object only.",
        list.join("\n")
    )
}

/// Finds the JSON object in a model's text: the whole text, or inside ``` fences, after a
/// `<think>` block, or between the first `{` and the last `}`.
pub(crate) fn extract_json(text: &str) -> Result<Value, String> {
    let mut t = text.trim();
    if let Some(end) = t.find("</think>") {
        t = t[end + "</think>".len()..].trim();
    }
    if t.is_empty() {
        return Err("the answer is empty; a JSON object is required".into());
    }
    let first_err = match serde_json::from_str::<Value>(t) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    if let Some(start) = t.find("```") {
        let body = &t[start + 3..];
        let body = body.strip_prefix("json").unwrap_or(body);
        if let Some(end) = body.find("```") {
            if let Ok(v) = serde_json::from_str::<Value>(body[..end].trim()) {
                return Ok(v);
            }
        }
    }
    if let (Some(a), Some(b)) = (t.find('{'), t.rfind('}')) {
        if a < b {
            if let Ok(v) = serde_json::from_str::<Value>(&t[a..=b]) {
                return Ok(v);
            }
        }
    }
    Err(format!("the answer is not valid JSON ({first_err})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_found_in_fences_prose_and_after_thinking() {
        assert_eq!(extract_json("{\"a\":1}").unwrap(), json!({"a": 1}));
        assert_eq!(extract_json("Here:\n```json\n{\"a\":1}\n```\n").unwrap(), json!({"a": 1}));
        assert_eq!(extract_json("<think>hmm {</think>\n{\"a\":2}").unwrap(), json!({"a": 2}));
        assert_eq!(extract_json("Sure! {\"a\":3} Hope this helps").unwrap(), json!({"a": 3}));
        assert!(extract_json("no json here").unwrap_err().starts_with("the answer is not valid JSON"));
        assert!(extract_json("  ").is_err());
    }

    #[test]
    fn instructions_end_the_users_message_and_leave_the_system_message_alone() {
        let m = with_instructions(
            &[Message::system("S"), Message::user("U")],
            &json!({"type": "object"}),
            StructuredMode::Prompt,
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].text(), "S");
        assert!(m[1].text().starts_with("U\n\nAnswer with a single JSON object"));
        assert!(m[1].text().contains("\"type\": \"object\""));
        let m = with_instructions(&[Message::system("S")], &json!({}), StructuredMode::JsonSchema);
        assert_eq!(m.len(), 2);
        assert!(matches!(&m[1], Message::System { content } if content.starts_with("Answer with")));
    }
}
