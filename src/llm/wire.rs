//! The chat-completions wire format: request bodies, responses and error bodies, parsed
//! leniently (compatible servers differ; see the module notes of [`super`]).

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::{ChatRequest, Message, ResponseFormat, ToolCall, ToolChoice};
use crate::untrusted;

/// Which field carries the output limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaxTokensField {
    MaxCompletionTokens,
    MaxTokens,
}

impl MaxTokensField {
    /// From the `model.max_tokens_field` setting; `auto` picks `max_completion_tokens` for
    /// OpenAI itself and `max_tokens` for everything else (what local servers know).
    pub(crate) fn resolve(setting: &str, base_url: &str) -> Self {
        match setting {
            "max_completion_tokens" => Self::MaxCompletionTokens,
            "max_tokens" => Self::MaxTokens,
            _ if host_of(base_url).ends_with("openai.com") => Self::MaxCompletionTokens,
            _ => Self::MaxTokens,
        }
    }
}

/// The host part of a URL (lower case, without port).
pub(crate) fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or("").to_string()
    };
    host.to_ascii_lowercase()
}

fn message_json(m: &Message) -> Value {
    match m {
        Message::System { content } => json!({"role": "system", "content": content}),
        Message::User { content } => json!({"role": "user", "content": content}),
        Message::Assistant { content, tool_calls } => {
            let mut o = Map::new();
            o.insert("role".into(), json!("assistant"));
            o.insert("content".into(), content.as_ref().map_or(Value::Null, |c| json!(c)));
            if !tool_calls.is_empty() {
                let calls: Vec<Value> = tool_calls
                    .iter()
                    .map(|c| {
                        json!({"id": c.id, "type": "function",
                               "function": {"name": c.name, "arguments": c.arguments}})
                    })
                    .collect();
                o.insert("tool_calls".into(), Value::Array(calls));
            }
            Value::Object(o)
        }
        Message::Tool { tool_call_id, content } => {
            json!({"role": "tool", "tool_call_id": tool_call_id, "content": content})
        }
    }
}

/// The JSON body of a request.
pub(crate) fn request_body(req: &ChatRequest, max_field: MaxTokensField) -> Value {
    let mut o = Map::new();
    o.insert("model".into(), json!(req.model));
    o.insert("messages".into(), Value::Array(req.messages.iter().map(message_json).collect()));
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function",
                       "function": {"name": t.name, "description": t.description, "parameters": t.parameters}})
            })
            .collect();
        o.insert("tools".into(), Value::Array(tools));
        let choice = match &req.tool_choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Function(name) => json!({"type": "function", "function": {"name": name}}),
        };
        o.insert("tool_choice".into(), choice);
    }
    if let Some(n) = req.max_output_tokens {
        let field = match max_field {
            MaxTokensField::MaxCompletionTokens => "max_completion_tokens",
            MaxTokensField::MaxTokens => "max_tokens",
        };
        o.insert(field.into(), json!(n));
    }
    if let Some(t) = req.temperature {
        // Round through text so 0.2f32 is sent as 0.2, not 0.20000000298023224.
        let t: f64 = format!("{t}").parse().unwrap_or(f64::from(t));
        o.insert("temperature".into(), json!(t));
    }
    match &req.response_format {
        Some(ResponseFormat::JsonObject) => {
            o.insert("response_format".into(), json!({"type": "json_object"}));
        }
        Some(ResponseFormat::JsonSchema { name, schema, strict }) => {
            o.insert(
                "response_format".into(),
                json!({"type": "json_schema",
                       "json_schema": {"name": name, "strict": strict, "schema": schema}}),
            );
        }
        None => {}
    }
    o.insert("stream".into(), json!(req.stream));
    if req.stream {
        o.insert("stream_options".into(), json!({"include_usage": true}));
    }
    Value::Object(o)
}

/// A tool call's `arguments`: a string as sent, or an object some servers send re-serialized.
pub(crate) fn arguments_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Parsed parts of a non-streamed completion.
#[derive(Debug, Default)]
pub(crate) struct Completion {
    pub content: Option<String>,
    pub refusal: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub finish_reason: Option<String>,
    pub usage: Option<(u64, u64)>,
    /// Prompt tokens served from the server's prompt cache.
    pub cached: u64,
}

/// Largest token count believed from a server (2^40): sums of counts never overflow.
const MAX_REPORTED_TOKENS: u64 = 1 << 40;

/// Reads `usage` (fields may be missing on compatible servers; absurd counts are capped).
pub(crate) fn usage_of(v: &Value) -> Option<(u64, u64)> {
    let u = v.get("usage")?.as_object()?;
    let count = |k: &str| u.get(k).and_then(Value::as_u64).map(|n| n.min(MAX_REPORTED_TOKENS));
    let p = count("prompt_tokens");
    let c = count("completion_tokens");
    match (p, c) {
        (None, None) => None,
        (p, c) => Some((p.unwrap_or(0), c.unwrap_or(0))),
    }
}

/// Reads `usage.prompt_tokens_details.cached_tokens` (0 when the server sends none).
pub(crate) fn cached_of(v: &Value) -> u64 {
    v.get("usage")
        .and_then(|u| u.get("prompt_tokens_details"))
        .and_then(|d| d.get("cached_tokens"))
        .and_then(Value::as_u64)
        .map_or(0, |n| n.min(MAX_REPORTED_TOKENS))
}

/// Parses a non-streamed chat completion.
pub(crate) fn parse_completion(body: &Value) -> Result<Completion, String> {
    let choice = body
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .ok_or_else(|| "no `choices` in the response".to_string())?;
    let msg = choice.get("message").ok_or_else(|| "no `message` in the first choice".to_string())?;
    let mut tool_calls = Vec::new();
    if let Some(calls) = msg.get("tool_calls").and_then(Value::as_array) {
        for (i, c) in calls.iter().enumerate() {
            let f = c.get("function").unwrap_or(c);
            let id = c.get("id").and_then(Value::as_str).filter(|s| !s.is_empty());
            tool_calls.push(ToolCall {
                id: id.map_or_else(|| format!("call_{i}"), str::to_string),
                name: f.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
                arguments: arguments_text(f.get("arguments")),
            });
        }
    }
    Ok(Completion {
        content: msg.get("content").and_then(Value::as_str).map(str::to_string),
        refusal: msg.get("refusal").and_then(Value::as_str).map(str::to_string),
        tool_calls,
        finish_reason: choice.get("finish_reason").and_then(Value::as_str).map(str::to_string),
        usage: usage_of(body),
        cached: cached_of(body),
    })
}

/// An error body, read leniently: `{"error": {message, type, code, param}}`, `{"error": "…"}`,
/// `{"message": "…"}`, or not JSON at all.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub message: String,
    pub kind: Option<String>,
    pub code: Option<String>,
    pub param: Option<String>,
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn parse_error(body: &str) -> ApiError {
    let raw = || {
        let t = body.trim();
        let t: String = t.chars().take(300).collect();
        if t.is_empty() {
            "(empty body)".to_string()
        } else {
            t
        }
    };
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return ApiError { message: raw(), ..ApiError::default() };
    };
    error_from_json(&v).unwrap_or_else(|| ApiError { message: raw(), ..ApiError::default() })
}

/// Reads the error object of a JSON value, if it has one.
pub(crate) fn error_from_json(v: &Value) -> Option<ApiError> {
    match v.get("error") {
        Some(Value::String(s)) => Some(ApiError { message: s.clone(), ..ApiError::default() }),
        Some(e @ Value::Object(_)) => Some(ApiError {
            message: text_of(e.get("message")).unwrap_or_else(|| e.to_string()),
            kind: text_of(e.get("type")),
            code: text_of(e.get("code")),
            param: text_of(e.get("param")),
        }),
        _ => v
            .get("message")
            .and_then(Value::as_str)
            .filter(|_| v.get("choices").is_none())
            .map(|m| ApiError { message: m.to_string(), ..ApiError::default() }),
    }
}

/// Whether a 4xx error is the server refusing `response_format` / `json_schema`.
pub(crate) fn rejects_response_format(status: u16, e: &ApiError) -> bool {
    if !(400..500).contains(&status) || status == 401 || status == 403 || status == 429 {
        return false;
    }
    if e.code.as_deref() == Some("context_length_exceeded") {
        return false;
    }
    let hay =
        format!("{} {} {}", e.message, e.param.as_deref().unwrap_or(""), e.code.as_deref().unwrap_or(""))
            .to_ascii_lowercase();
    hay.contains("response_format") || hay.contains("json_schema") || hay.contains("schema")
}

/// Longest wait before a retry, whatever a server asks for (`Retry-After`,
/// `retry-after-ms`, `x-ratelimit-reset-*`): a longer one is cut to this.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(60);

/// Parses `1s`, `6m0s`, `12ms`, `1.5s`, `2h` (the `x-ratelimit-reset-*` format), at most
/// [`MAX_RETRY_WAIT`].
pub(crate) fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += n * match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" | "" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
    }
    untrusted::wait(total, MAX_RETRY_WAIT)
}

/// How long the server asks us to wait, at most [`MAX_RETRY_WAIT`]: `retry-after-ms`,
/// `retry-after` (seconds or an HTTP date), or for 429 the longer of the
/// `x-ratelimit-reset-*` durations. Values that are no wait (negative, NaN, words) are
/// skipped.
pub(crate) fn retry_after(
    headers: &reqwest::header::HeaderMap,
    status: u16,
    now: time::OffsetDateTime,
) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Some(w) = untrusted::wait(ms / 1000.0, MAX_RETRY_WAIT) {
            return Some(w);
        }
    }
    if let Some(s) = get("retry-after").and_then(|v| untrusted::retry_after_secs(v, now)) {
        if let Some(w) = untrusted::wait(s, MAX_RETRY_WAIT) {
            return Some(w);
        }
    }
    if status == 429 {
        let a = get("x-ratelimit-reset-requests").and_then(parse_go_duration);
        let b = get("x-ratelimit-reset-tokens").and_then(parse_go_duration);
        return a.into_iter().chain(b).max();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::ToolSpec;

    #[test]
    fn body_carries_tools_format_and_the_right_limit_field() {
        let mut req = ChatRequest::new(
            "m",
            vec![
                Message::system("s"),
                Message::user("u"),
                Message::assistant_tool_calls(
                    None,
                    vec![ToolCall { id: "call_1".into(), name: "read_file".into(), arguments: "{}".into() }],
                ),
                Message::tool("call_1", "result"),
            ],
        );
        req.tools.push(ToolSpec { name: "read_file".into(), description: "d".into(), parameters: json!({}) });
        req.tool_choice = ToolChoice::Function("read_file".into());
        req.max_output_tokens = Some(100);
        req.temperature = Some(0.2);
        req.stream = true;
        let b = request_body(&req, MaxTokensField::MaxTokens);
        assert_eq!(b["messages"][2]["content"], Value::Null);
        assert_eq!(b["messages"][2]["tool_calls"][0]["function"]["arguments"], "{}");
        assert_eq!(b["messages"][3]["tool_call_id"], "call_1");
        assert_eq!(b["tool_choice"]["function"]["name"], "read_file");
        assert_eq!(b["max_tokens"], 100);
        assert_eq!(b["temperature"], 0.2);
        assert_eq!(b["stream_options"]["include_usage"], true);
        let b = request_body(&req, MaxTokensField::MaxCompletionTokens);
        assert_eq!(b["max_completion_tokens"], 100);
        assert!(b.get("max_tokens").is_none());
    }

    #[test]
    fn limit_field_auto_depends_on_host() {
        assert_eq!(
            MaxTokensField::resolve("auto", "https://api.openai.com/v1"),
            MaxTokensField::MaxCompletionTokens
        );
        assert_eq!(MaxTokensField::resolve("auto", "http://localhost:11434/v1"), MaxTokensField::MaxTokens);
        assert_eq!(host_of("http://user@[::1]:8080/v1"), "[::1]");
    }

    #[test]
    fn error_bodies_of_every_shape() {
        let e = parse_error(
            r#"{"error":{"message":"bad","type":"invalid_request_error","code":400,"param":null}}"#,
        );
        assert_eq!((e.message.as_str(), e.code.as_deref()), ("bad", Some("400")));
        assert_eq!(parse_error(r#"{"error":"model not found"}"#).message, "model not found");
        assert_eq!(parse_error("<html>502 Bad Gateway</html>").message, "<html>502 Bad Gateway</html>");
        assert_eq!(parse_error("").message, "(empty body)");
    }

    #[test]
    fn completion_tolerates_object_arguments_and_missing_ids() {
        let body = json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]}, "finish_reason": "stop"}]});
        let c = parse_completion(&body).unwrap();
        assert_eq!(
            c.tool_calls[0],
            ToolCall { id: "call_0".into(), name: "f".into(), arguments: "{\"a\":1}".into() }
        );
        assert_eq!(c.usage, None);
    }

    #[test]
    fn durations_and_retry_after() {
        assert_eq!(parse_go_duration("0m30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_go_duration("6m0s"), Some(MAX_RETRY_WAIT), "capped");
        assert_eq!(parse_go_duration("12ms"), Some(Duration::from_millis(12)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("soon"), None);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-ratelimit-reset-requests", "2s".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "250ms".parse().unwrap());
        let now = time::OffsetDateTime::UNIX_EPOCH;
        assert_eq!(retry_after(&h, 429, now), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&h, 503, now), None);
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h, 429, now), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", "150".parse().unwrap());
        assert_eq!(retry_after(&h, 429, now), Some(Duration::from_millis(150)));
    }
}
