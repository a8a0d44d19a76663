//! Errors of the model layer, and how they read to the user.

use crate::error::{Error, ErrorKind};

/// What went wrong talking to the model.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LlmError {
    /// No API key for an endpoint that needs one.
    #[error("no API key for the model endpoint {base_url}")]
    MissingKey {
        /// The endpoint.
        base_url: String,
    },
    /// No model name configured.
    #[error("no model configured")]
    MissingModel,
    /// The base URL is not usable.
    #[error("invalid model endpoint {base_url}: {message}")]
    BadEndpoint {
        /// The endpoint.
        base_url: String,
        /// Why.
        message: String,
    },
    /// 401/403.
    #[error("model endpoint returned {status} {reason}: {message}")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// Reason phrase.
        reason: String,
        /// The server's message.
        message: String,
    },
    /// 404 for the model (or the endpoint path).
    #[error("model '{model}' not found at {base_url}: {message}")]
    ModelNotFound {
        /// The model asked for.
        model: String,
        /// The endpoint.
        base_url: String,
        /// The server's message.
        message: String,
    },
    /// 429 `insufficient_quota`: billing, not rate; never retried.
    #[error("model endpoint quota exhausted: {message}")]
    QuotaExceeded {
        /// The server's message.
        message: String,
    },
    /// The request was refused as invalid (400, 413, 422, …); not retried.
    #[error("model endpoint rejected the request ({status}): {message}")]
    BadRequest {
        /// HTTP status.
        status: u16,
        /// `error.code`, if any.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// 429 after every retry.
    #[error("model endpoint is rate limiting (429) after {attempts} attempts: {message}")]
    RateLimited {
        /// Attempts made.
        attempts: u32,
        /// The server's message.
        message: String,
    },
    /// 5xx (or 408/409) after every retry.
    #[error("model endpoint returned {status} after {attempts} attempts: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The server's message.
        message: String,
    },
    /// Could not connect, or the connection broke, after every retry.
    #[error("cannot reach the model endpoint {base_url} after {attempts} attempts: {message}")]
    Connect {
        /// The endpoint.
        base_url: String,
        /// Attempts made.
        attempts: u32,
        /// The transport error.
        message: String,
    },
    /// The request timed out on every attempt.
    #[error("model request timed out after {secs}s ({attempts} attempts)")]
    Timeout {
        /// Timeout of one attempt.
        secs: u64,
        /// Attempts made.
        attempts: u32,
    },
    /// The stream ended before the answer was complete, on every attempt.
    #[error("the model's streamed answer was cut short ({attempts} attempts)")]
    StreamCut {
        /// Attempts made.
        attempts: u32,
    },
    /// The server sent an error event in the middle of a stream.
    #[error("model endpoint reported an error mid-stream: {message}")]
    StreamError {
        /// The server's message.
        message: String,
    },
    /// The server's answer is not a chat completion.
    #[error("unexpected answer from the model endpoint: {message}")]
    Protocol {
        /// What was wrong.
        message: String,
    },
    /// The model refused.
    #[error("the model refused: {message}")]
    Refused {
        /// The refusal.
        message: String,
    },
    /// The server rejected `response_format: json_schema` and the configuration forces it.
    #[error("the model endpoint does not accept response_format json_schema: {message}")]
    SchemaUnsupported {
        /// The server's message.
        message: String,
    },
    /// The model's JSON did not match the schema, even after the repair turns.
    #[error("the model's answer is not a valid {what} after {attempts} attempts: {}", errors.join("; "))]
    InvalidOutput {
        /// What was asked for (schema name).
        what: String,
        /// Attempts made.
        attempts: u32,
        /// Violations found in the last answer.
        errors: Vec<String>,
    },
}

impl LlmError {
    /// Whether the configuration (key, model, endpoint) is at fault.
    pub fn is_config(&self) -> bool {
        matches!(
            self,
            LlmError::MissingKey { .. }
                | LlmError::MissingModel
                | LlmError::BadEndpoint { .. }
                | LlmError::Unauthorized { .. }
                | LlmError::ModelNotFound { .. }
                | LlmError::SchemaUnsupported { .. }
        )
    }
}

impl From<LlmError> for Error {
    fn from(e: LlmError) -> Self {
        let kind = if e.is_config() { ErrorKind::NeedsConfig } else { ErrorKind::Failure };
        let hint: Option<String> = match &e {
            LlmError::MissingKey { .. } => Some(
                "set OPENAI_API_KEY (environment, .env, or `vibe config set model.api_key …`), \
                 or point OPENAI_BASE_URL at a local server that needs no key"
                    .into(),
            ),
            LlmError::MissingModel => Some("set VIBE_MODEL, or `vibe config set model.name gpt-4.1`".into()),
            LlmError::BadEndpoint { .. } => Some("set OPENAI_BASE_URL to the server's /v1 URL".into()),
            LlmError::Unauthorized { .. } => {
                Some("check OPENAI_API_KEY (and that it belongs to the endpoint in OPENAI_BASE_URL)".into())
            }
            LlmError::ModelNotFound { .. } => Some(
                "set VIBE_MODEL to a model this endpoint serves (and check OPENAI_BASE_URL ends in /v1)"
                    .into(),
            ),
            LlmError::QuotaExceeded { .. } => Some("add credits or raise the limit for this API key".into()),
            LlmError::BadRequest { code: Some(c), .. } if c == "context_length_exceeded" => {
                Some("lower VIBE_CONTEXT_TOKENS, or use a model with a larger context window".into())
            }
            LlmError::BadRequest { .. } => None,
            LlmError::RateLimited { .. } => {
                Some("wait a minute and try again, or raise VIBE_MODEL_RETRIES".into())
            }
            LlmError::Server { .. } | LlmError::StreamCut { .. } | LlmError::StreamError { .. } => {
                Some("the model server is having trouble; try again shortly".into())
            }
            LlmError::Connect { .. } => {
                Some("check OPENAI_BASE_URL and that the server is running and reachable".into())
            }
            LlmError::Timeout { .. } => Some("raise VIBE_MODEL_TIMEOUT, or try a faster model".into()),
            LlmError::Protocol { .. } => {
                Some("check that OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint".into())
            }
            LlmError::Refused { .. } => Some("rephrase the request".into()),
            LlmError::SchemaUnsupported { .. } => {
                Some("set VIBE_STRUCTURED_OUTPUT=auto (or prompt) for this endpoint".into())
            }
            LlmError::InvalidOutput { .. } => Some("try again, or use a stronger model (VIBE_MODEL)".into()),
        };
        let mut err = Error::new(kind, e.to_string());
        err.hint = hint;
        err
    }
}
