//! Server-sent events: splitting a byte stream into `data:` payloads, and assembling
//! `chat.completion.chunk` deltas into one completion.
//!
//! Tolerated, as compatible servers need: JSON split across reads, `\r\n` line ends,
//! comments (`: keep-alive`), other fields (`event:`, `id:`), the usage chunk with
//! `choices: []`, tool-call deltas without `index`, several calls all reported at index 0
//! with different ids, a whole call in one chunk, `arguments` sent as an object, missing ids.

use std::collections::HashMap;

use serde_json::Value;

use super::tokens;
use super::wire::{self, ApiError, Completion};
use super::ToolCall;

/// One SSE event's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SseEvent {
    /// A `data:` payload (lines joined with `\n`).
    Data(String),
    /// `data: [DONE]`.
    Done,
}

/// Incremental SSE parser: feed bytes as they arrive, get complete events back.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    buf: Vec<u8>,
    /// Bytes of `buf` already searched for a line end (a long line is scanned once).
    scanned: usize,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds bytes; returns the events they complete.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut start = 0;
        let mut from = self.scanned;
        while let Some(pos) = self.buf[from..].iter().position(|b| *b == b'\n') {
            let end = from + pos;
            let line = String::from_utf8_lossy(&self.buf[start..end]).trim_end_matches('\r').to_string();
            start = end + 1;
            from = start;
            self.line(&line, &mut events);
        }
        self.buf.drain(..start);
        self.scanned = self.buf.len();
        events
    }

    /// Ends the stream: a last event not followed by a blank line still counts.
    pub(crate) fn finish(&mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
        if !self.buf.is_empty() {
            let line = String::from_utf8_lossy(&self.buf).trim_end_matches('\r').to_string();
            self.buf.clear();
            self.scanned = 0;
            self.line(&line, &mut events);
        }
        self.dispatch(&mut events);
        events
    }

    fn line(&mut self, line: &str, events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            self.dispatch(events);
        } else if line.starts_with(':') {
            // Comment / keep-alive.
        } else if let Some(rest) = line.strip_prefix("data:") {
            self.data.push(rest.strip_prefix(' ').unwrap_or(rest).to_string());
        }
        // Other fields (event:, id:, retry:) are ignored.
    }

    fn dispatch(&mut self, events: &mut Vec<SseEvent>) {
        if self.data.is_empty() {
            return;
        }
        let data = self.data.join("\n");
        self.data.clear();
        if data.trim() == "[DONE]" {
            events.push(SseEvent::Done);
        } else {
            events.push(SseEvent::Data(data));
        }
    }
}

#[derive(Debug, Default)]
struct Slot {
    id: String,
    name: String,
    arguments: String,
}

/// Builds one completion out of streamed chunks.
#[derive(Debug, Default)]
pub(crate) struct Assembler {
    content: String,
    saw_content: bool,
    refusal: Option<String>,
    slots: Vec<Slot>,
    by_index: HashMap<u64, usize>,
    finish_reason: Option<String>,
    usage: Option<(u64, u64)>,
    cached: u64,
    /// Approximate completion tokens so far.
    pub(crate) tokens: u64,
    /// `[DONE]` was seen.
    pub(crate) done: bool,
}

impl Assembler {
    /// Applies one event's JSON. An error event (or invalid JSON) is returned as an error.
    pub(crate) fn apply(&mut self, data: &str) -> Result<(), ApiError> {
        let chunk: Value = serde_json::from_str(data).map_err(|e| ApiError {
            message: format!(
                "invalid JSON in stream event ({e}): {}",
                data.chars().take(200).collect::<String>()
            ),
            ..ApiError::default()
        })?;
        if chunk.get("choices").is_none() {
            if let Some(err) = wire::error_from_json(&chunk) {
                return Err(err);
            }
        }
        if let Some(u) = wire::usage_of(&chunk) {
            self.usage = Some(u);
            self.cached = wire::cached_of(&chunk);
        }
        let Some(choices) = chunk.get("choices").and_then(Value::as_array) else { return Ok(()) };
        for choice in choices {
            if choice.get("index").and_then(Value::as_u64).unwrap_or(0) != 0 {
                continue;
            }
            if let Some(r) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(r.to_string());
            }
            let Some(delta) = choice.get("delta").or_else(|| choice.get("message")) else { continue };
            if let Some(c) = delta.get("content").and_then(Value::as_str) {
                self.saw_content = true;
                self.tokens += tokens::estimate(c) as u64;
                self.content.push_str(c);
            }
            if let Some(r) = delta.get("refusal").and_then(Value::as_str) {
                self.refusal.get_or_insert_with(String::new).push_str(r);
            }
            if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
                for call in calls {
                    self.tool_call_delta(call);
                }
            }
        }
        Ok(())
    }

    fn tool_call_delta(&mut self, call: &Value) {
        let id = call.get("id").and_then(Value::as_str).filter(|s| !s.is_empty());
        let slot = match (call.get("index").and_then(Value::as_u64), id) {
            (Some(i), Some(id)) => match self.by_index.get(&i) {
                // All calls reported at one index with different ids: a new call.
                Some(&s) if !self.slots[s].id.is_empty() && self.slots[s].id != id => self.new_slot(Some(i)),
                Some(&s) => s,
                None => self.new_slot(Some(i)),
            },
            (Some(i), None) => match self.by_index.get(&i) {
                Some(&s) => s,
                None => self.new_slot(Some(i)),
            },
            (None, Some(id)) => match self.slots.iter().position(|s| s.id == id) {
                Some(s) => s,
                None => self.new_slot(None),
            },
            (None, None) => {
                let named = call
                    .get("function")
                    .unwrap_or(call)
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty());
                match self.slots.last() {
                    // A fresh name without id or index starts a new call (whole call in one chunk).
                    Some(last) if !named || last.name.is_empty() => self.slots.len() - 1,
                    _ => self.new_slot(None),
                }
            }
        };
        let f = call.get("function").unwrap_or(call);
        let s = &mut self.slots[slot];
        if let Some(id) = id {
            s.id = id.to_string();
        }
        if let Some(name) = f.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
            s.name = name.to_string();
        }
        match f.get("arguments") {
            Some(Value::String(piece)) => {
                self.tokens += tokens::estimate(piece) as u64;
                s.arguments.push_str(piece);
            }
            Some(v @ Value::Object(_)) => s.arguments = v.to_string(),
            _ => {}
        }
    }

    fn new_slot(&mut self, index: Option<u64>) -> usize {
        self.slots.push(Slot::default());
        let s = self.slots.len() - 1;
        if let Some(i) = index {
            self.by_index.insert(i, s);
        }
        s
    }

    /// Whether the answer is known to be complete: `[DONE]` seen, or a finish reason seen
    /// (some servers close without `[DONE]`).
    pub(crate) fn complete(&self) -> bool {
        self.done || self.finish_reason.is_some()
    }

    /// The assembled completion.
    pub(crate) fn finish(self) -> Completion {
        Completion {
            content: (self.saw_content && !self.content.is_empty()).then_some(self.content),
            refusal: self.refusal,
            tool_calls: self
                .slots
                .into_iter()
                .enumerate()
                .map(|(i, s)| ToolCall {
                    id: if s.id.is_empty() { format!("call_{i}") } else { s.id },
                    name: s.name,
                    arguments: s.arguments,
                })
                .collect(),
            finish_reason: self.finish_reason,
            usage: self.usage,
            cached: self.cached,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(stream: &str, split_every: usize) -> (Assembler, Vec<SseEvent>) {
        let mut p = SseParser::default();
        let mut a = Assembler::default();
        let mut all = Vec::new();
        for piece in stream.as_bytes().chunks(split_every) {
            all.extend(p.push(piece));
        }
        all.extend(p.finish());
        for e in &all {
            match e {
                SseEvent::Data(d) => a.apply(d).unwrap(),
                SseEvent::Done => a.done = true,
            }
        }
        (a, all)
    }

    const TOOL_STREAM: &str = concat!(
        ": keep-alive\r\n\r\n",
        "event: message\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sure\"},\"finish_reason\":null}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"pa\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"th\\\":\\\"src/main.rs\\\"}\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":null}\n\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":812,\"completion_tokens\":24,\"total_tokens\":836}}\n\n",
        "data: [DONE]\n\n",
    );

    #[test]
    fn assembles_tool_calls_across_any_read_boundaries() {
        for split in [1, 3, 7, 64, 10_000] {
            let (a, events) = run(TOOL_STREAM, split);
            assert_eq!(events.last(), Some(&SseEvent::Done));
            assert!(a.complete());
            let c = a.finish();
            assert_eq!(c.content.as_deref(), Some("Sure"));
            assert_eq!(
                c.tool_calls,
                vec![ToolCall {
                    id: "call_abc".into(),
                    name: "read_file".into(),
                    arguments: "{\"path\":\"src/main.rs\"}".into()
                }]
            );
            assert_eq!(c.finish_reason.as_deref(), Some("tool_calls"));
            assert_eq!(c.usage, Some((812, 24)));
        }
    }

    #[test]
    fn quirky_servers_parallel_calls_at_index_zero_and_no_index() {
        let stream = concat!(
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":{\"x\":1}}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"name\":\"h\",\"arguments\":\"[]\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        );
        let (a, _) = run(stream, 5);
        assert!(a.complete() && !a.done);
        let c = a.finish();
        let names: Vec<_> =
            c.tool_calls.iter().map(|t| (t.id.as_str(), t.name.as_str(), t.arguments.as_str())).collect();
        // The id-less, index-less fragment with a name is a new call (Ollama's one-chunk form).
        assert_eq!(names, vec![("a", "f", "{}"), ("b", "g", "{\"x\":1}"), ("call_2", "h", "[]")]);
        assert_eq!(c.content, None);
    }

    #[test]
    fn error_event_mid_stream_is_reported() {
        let mut a = Assembler::default();
        let err = a.apply(r#"{"error":{"message":"overloaded","type":"server_error"}}"#).unwrap_err();
        assert_eq!(err.message, "overloaded");
        assert!(a.apply("{not json").is_err());
    }

    #[test]
    fn cut_stream_is_incomplete() {
        let cut = &TOOL_STREAM[..TOOL_STREAM.find("finish_reason\":\"tool_calls").unwrap() - 40];
        let (a, _) = run(cut, 16);
        assert!(!a.complete());
    }
}
