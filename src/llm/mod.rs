//! The model layer: one client for any OpenAI-compatible chat-completions endpoint (OpenAI,
//! Ollama, llama.cpp, vLLM, LM Studio, proxies).
//!
//! The client speaks HTTP directly (reqwest) rather than through an SDK because it needs
//! control an SDK hides: `Retry-After`/`retry-after-ms`/`x-ratelimit-reset-*` headers for
//! retries, a fallback from `response_format: json_schema` to JSON-in-the-prompt when a
//! server rejects it, the output-limit field name per server (`max_tokens` vs
//! `max_completion_tokens`), and lenient parsing of the quirks compatible servers show
//! (integer error codes, string errors, tool-call deltas without `index`, arguments sent as
//! objects). See `protocols/openai.md` in the design notes for the wire details.
//!
//! - [`Client::chat`]: one completion (optionally streamed), with retries and usage.
//! - [`Client::structured`]: a JSON answer validated against a schema, repaired at most twice.
//! - [`tokens`]: approximate token counting; [`price`]: estimated cost.

use serde::{Deserialize, Serialize};

mod client;
mod error;
#[cfg(test)]
mod fuzz;
pub mod price;
pub mod schema;
mod sse;
mod structured;
pub mod tokens;
mod wire;

pub use client::Client;
pub use error::LlmError;
pub use structured::{Structured, StructuredMode, StructuredRequest};
pub use wire::MAX_RETRY_WAIT;

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Message {
    /// Instructions.
    System {
        /// Text.
        content: String,
    },
    /// The user's (or the program's) turn.
    User {
        /// Text.
        content: String,
    },
    /// The model's turn: text, tool calls, or both.
    Assistant {
        /// Text, if any.
        content: Option<String>,
        /// Tool calls the model made; each must be answered by a [`Message::Tool`].
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call.
    Tool {
        /// The [`ToolCall::id`] this answers.
        tool_call_id: String,
        /// The result, as text.
        content: String,
    },
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Message::System { content: content.into() }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Message::User { content: content.into() }
    }

    /// An assistant message with text only.
    pub fn assistant(content: impl Into<String>) -> Self {
        Message::Assistant { content: Some(content.into()), tool_calls: Vec::new() }
    }

    /// The assistant message that made these tool calls (echo it back exactly).
    pub fn assistant_tool_calls(content: Option<String>, tool_calls: Vec<ToolCall>) -> Self {
        Message::Assistant { content, tool_calls }
    }

    /// A tool result.
    pub fn tool(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Message::Tool { tool_call_id: tool_call_id.into(), content: content.into() }
    }

    /// The message text (empty for an assistant message with only tool calls).
    pub fn text(&self) -> &str {
        match self {
            Message::System { content } | Message::User { content } | Message::Tool { content, .. } => {
                content
            }
            Message::Assistant { content, .. } => content.as_deref().unwrap_or(""),
        }
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    /// `^[a-zA-Z0-9_-]{1,64}$`.
    pub name: String,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema of the arguments (an object at the root).
    pub parameters: serde_json::Value,
}

/// Whether and which tool the model must call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoice {
    /// The model decides (the default when tools are given).
    #[default]
    Auto,
    /// No tool calls.
    None,
    /// At least one tool call.
    Required,
    /// This tool.
    Function(String),
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// Id to answer with [`Message::tool`] (synthesized as `call_<n>` when a server sends none).
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments as a JSON-encoded string — may be invalid JSON; parse defensively.
    pub arguments: String,
}

/// Ask for JSON output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseFormat {
    /// Any valid JSON object (older JSON mode).
    JsonObject,
    /// JSON matching a schema.
    JsonSchema {
        /// Schema name (`^[a-zA-Z0-9_-]+$`).
        name: String,
        /// The schema.
        schema: serde_json::Value,
        /// Ask the server to enforce it.
        strict: bool,
    },
}

/// One chat-completions request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    /// Model id (`config.model.name` or `.fast`).
    pub model: String,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Tools the model may call.
    pub tools: Vec<ToolSpec>,
    /// Sent only when `tools` is not empty.
    pub tool_choice: ToolChoice,
    /// Output limit (sent as `max_completion_tokens` or `max_tokens`, see configuration).
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Stream the answer (SSE) and report progress.
    pub stream: bool,
    /// Ask for JSON output.
    pub response_format: Option<ResponseFormat>,
}

impl ChatRequest {
    /// A request for `model` with `messages` and nothing else set.
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        Self { model: model.into(), messages, ..Self::default() }
    }
}

/// Token usage and estimated cost of one call (or a sum of calls).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// The model asked for.
    pub model: String,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Of the prompt tokens, those the server read from its prompt cache
    /// (`prompt_tokens_details.cached_tokens`), priced at the cached rate.
    #[serde(default)]
    pub cached_tokens: u64,
    /// Completion tokens (reasoning included).
    pub completion_tokens: u64,
    /// Estimated cost in USD (0 for models without a known price).
    pub cost_usd: f64,
    /// True when the server sent no usage and the tokens were counted approximately.
    #[serde(default)]
    pub estimated: bool,
    /// How long the request took, retries included (summed over calls).
    #[serde(default)]
    pub duration_ms: u64,
}

impl Usage {
    /// Prompt plus completion tokens.
    pub fn total(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }

    /// Adds another call's usage into this one.
    pub fn add(&mut self, other: &Usage) {
        if self.model.is_empty() {
            self.model = other.model.clone();
        }
        self.prompt_tokens += other.prompt_tokens;
        self.cached_tokens += other.cached_tokens;
        self.duration_ms += other.duration_ms;
        self.completion_tokens += other.completion_tokens;
        self.cost_usd += other.cost_usd;
        self.estimated |= other.estimated;
    }
}

/// The model's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResponse {
    /// Text, if any.
    pub content: Option<String>,
    /// Tool calls, in order. Run tools iff this is non-empty (whatever `finish_reason` says).
    pub tool_calls: Vec<ToolCall>,
    /// `stop`, `length`, `tool_calls`, `content_filter`, or what the server sent.
    pub finish_reason: Option<String>,
    /// A refusal from the model, if it refused.
    pub refusal: Option<String>,
    /// Tokens and cost.
    pub usage: Usage,
}

impl ChatResponse {
    /// The assistant message to append to the conversation before answering tool calls.
    pub fn to_message(&self) -> Message {
        Message::Assistant { content: self.content.clone(), tool_calls: self.tool_calls.clone() }
    }
}

/// Progress of a call, reported while it runs (for spinners; never printed by the library).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamProgress {
    /// Completion tokens received so far (approximate while streaming).
    pub tokens: u64,
    /// Time since the call started (retries included).
    pub elapsed: std::time::Duration,
    /// 1 for the first try, 2 for the first retry, …
    pub attempt: u32,
    /// Set while waiting before a retry: how long.
    pub waiting: Option<std::time::Duration>,
}

/// A progress callback.
pub type Progress<'a> = Option<&'a (dyn Fn(StreamProgress) + Sync)>;
