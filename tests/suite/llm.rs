//! The model client against the loopback OpenAI server: wire format, streaming, retries and
//! their spacing, every error shape, structured output with fallback and repair turns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use vibe::config::{ModelSettings, Secret};
use vibe::error::ErrorKind;
use vibe::llm::{ChatRequest, Client, LlmError, Message, StructuredMode, StructuredRequest, ToolSpec};

use crate::common::openai::{OpenAiServer, Reply, DEFAULT_USAGE};

fn settings(server: &OpenAiServer) -> ModelSettings {
    ModelSettings {
        base_url: server.base_url(),
        api_key: Some(Secret::new("sk-test-key-0123456789")),
        name: "gpt-4.1".into(),
        fast: "gpt-4.1-mini".into(),
        structured_output: "auto".into(),
        max_tokens_field: "auto".into(),
        timeout_secs: 30,
        max_retries: 3,
        retry_base_ms: 5,
        prices: Default::default(),
    }
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

fn hello() -> ChatRequest {
    ChatRequest::new("gpt-4.1", vec![Message::system("You are terse."), Message::user("Say hi")])
}

#[test]
fn cached_prompt_tokens_are_read_streamed_or_not_and_priced_at_the_cached_rate() {
    let server = OpenAiServer::start();
    server.push(Reply::text("hi").usage(2000, 10).cached(1536).not_streamed());
    server.push(Reply::text("hi").usage(2000, 10).cached(1024).streamed());
    let client = Client::new(&settings(&server)).unwrap();
    let plain = run(client.chat(&hello(), None)).unwrap();
    let mut req = hello();
    req.stream = true;
    let streamed = run(client.chat(&req, None)).unwrap();
    for (resp, cached) in [(&plain, 1536u64), (&streamed, 1024)] {
        assert_eq!((resp.usage.prompt_tokens, resp.usage.cached_tokens), (2000, cached));
        // gpt-4.1: $2 per million prompt tokens, $0.50 cached, $8 completion.
        let want = ((2000 - cached) as f64 * 2.0 + cached as f64 * 0.5 + 10.0 * 8.0) / 1e6;
        assert!((resp.usage.cost_usd - want).abs() < 1e-12, "{} != {want}", resp.usage.cost_usd);
    }
    let mut sum = plain.usage.clone();
    sum.add(&streamed.usage);
    assert_eq!((sum.prompt_tokens, sum.cached_tokens), (4000, 2560));
}

#[test]
fn plain_completion_sends_the_documented_request_and_reads_usage() {
    let server = OpenAiServer::start();
    server.push(Reply::text("hi").usage(12, 3));
    let client = Client::new(&settings(&server)).unwrap();
    let mut req = hello();
    req.max_output_tokens = Some(50);
    req.temperature = Some(0.2);
    let resp = run(client.chat(&req, None)).unwrap();
    assert_eq!(resp.content.as_deref(), Some("hi"));
    assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.estimated),
        (12, 3, false)
    );
    // gpt-4.1: $2 / $8 per million.
    assert!((resp.usage.cost_usd - (12.0 * 2.0 + 3.0 * 8.0) / 1e6).abs() < 1e-12);

    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(r.header("authorization"), Some("Bearer sk-test-key-0123456789"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body["model"], "gpt-4.1");
    assert_eq!(
        r.body["messages"],
        json!([{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hi"}])
    );
    // A local server gets max_tokens; OpenAI would get max_completion_tokens.
    assert_eq!(r.body["max_tokens"], 50);
    assert_eq!(r.body["temperature"], 0.2);
    assert_eq!(r.body["stream"], false);
    assert!(r.body.get("tools").is_none() && r.body.get("response_format").is_none());
}

#[test]
fn streamed_tool_calls_are_assembled_and_progress_is_reported() {
    let server = OpenAiServer::start();
    server.push_tool_calls(&[
        ("read_file", json!({"path": "src/main.rs"})),
        ("search", json!({"query": "fn main"})),
    ]);
    let client = Client::new(&settings(&server)).unwrap();
    let mut req = hello();
    req.stream = true;
    req.tools = vec![ToolSpec {
        name: "read_file".into(),
        description: "Read a file".into(),
        parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
    }];
    let seen = AtomicU64::new(0);
    let progress = |p: vibe::llm::StreamProgress| {
        seen.fetch_max(p.tokens, Ordering::Relaxed);
    };
    let resp = run(client.chat(&req, Some(&progress))).unwrap();
    assert_eq!(resp.tool_calls.len(), 2);
    assert_eq!(resp.tool_calls[0].name, "read_file");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&resp.tool_calls[0].arguments).unwrap(),
        json!({"path": "src/main.rs"})
    );
    assert_eq!(resp.tool_calls[1].arguments, json!({"query": "fn main"}).to_string());
    assert_ne!(resp.tool_calls[0].id, resp.tool_calls[1].id);
    assert_eq!(resp.finish_reason.as_deref(), Some("tool_calls"));
    assert_eq!((resp.usage.prompt_tokens, resp.usage.completion_tokens), DEFAULT_USAGE);
    assert!(seen.load(Ordering::Relaxed) > 0, "progress reported tokens");

    let r = &server.chat_requests()[0];
    assert_eq!(r.body["stream"], true);
    assert_eq!(r.body["stream_options"], json!({"include_usage": true}));
    assert_eq!(r.body["tools"][0]["type"], "function");
    assert_eq!(r.body["tools"][0]["function"]["name"], "read_file");
    assert_eq!(r.body["tool_choice"], "auto");

    // The conversation goes on: the assistant turn is echoed and each call answered.
    let mut next = req.clone();
    next.messages.push(resp.to_message());
    for c in &resp.tool_calls {
        next.messages.push(Message::tool(&c.id, "fn main() {}"));
    }
    server.push_text("Done.");
    let done = run(client.chat(&next, None)).unwrap();
    assert_eq!(done.content.as_deref(), Some("Done."));
    let r = &server.chat_requests()[1];
    let msgs = r.messages();
    assert_eq!(msgs[2]["role"], "assistant");
    assert_eq!(msgs[2]["content"], serde_json::Value::Null);
    assert_eq!(msgs[2]["tool_calls"][0]["id"], resp.tool_calls[0].id.as_str());
    assert_eq!(
        msgs[3],
        json!({"role": "tool", "tool_call_id": resp.tool_calls[0].id, "content": "fn main() {}"})
    );
}

#[test]
fn retries_honour_retry_after_and_back_off() {
    let server = OpenAiServer::start();
    server.push(Reply::rate_limited(0.3));
    server.push(Reply::server_error());
    server.push(Reply::error(503, "server_error", None, "Slow Down").header("retry-after", "0.2"));
    server.push_text("finally");
    let client = Client::new(&settings(&server)).unwrap();
    let resp = run(client.chat(&hello(), None)).unwrap();
    assert_eq!(resp.content.as_deref(), Some("finally"));
    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 4);
    // Identical bodies on every attempt.
    assert!(reqs.iter().all(|r| r.body == reqs[0].body));
    // The waits are at least what the server asked for.
    assert!(reqs[1].at - reqs[0].at >= Duration::from_millis(300));
    assert!(reqs[3].at - reqs[2].at >= Duration::from_millis(200));
}

#[test]
fn retry_budget_runs_out_with_a_clear_message() {
    let server = OpenAiServer::start();
    server.set_default(Reply::server_error());
    let mut s = settings(&server);
    s.max_retries = 2;
    let client = Client::new(&s).unwrap();
    let err = run(client.chat(&hello(), None)).unwrap_err();
    assert!(matches!(err, LlmError::Server { status: 500, attempts: 3, .. }), "{err:?}");
    assert_eq!(server.chat_requests().len(), 3);
    let user: vibe::error::Error = err.into();
    assert_eq!(user.kind, ErrorKind::Failure);
    assert!(user.message.starts_with("model endpoint returned 500 after 3 attempts"), "{}", user.message);

    server.set_default(Reply::rate_limited(0.0));
    let err = run(client.chat(&hello(), None)).unwrap_err();
    assert!(matches!(err, LlmError::RateLimited { attempts: 3, .. }), "{err:?}");
}

#[test]
fn auth_model_and_quota_errors_are_not_retried() {
    let server = OpenAiServer::start();
    let client = Client::new(&settings(&server)).unwrap();

    server.push(Reply::unauthorized());
    let err: vibe::error::Error = run(client.chat(&hello(), None)).unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NeedsConfig);
    assert!(err.message.starts_with("model endpoint returned 401 Unauthorized"), "{}", err.message);
    assert!(err.hint.unwrap().contains("OPENAI_API_KEY"));

    server.push(Reply::model_not_found("gpt-4.1"));
    let err: vibe::error::Error = run(client.chat(&hello(), None)).unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NeedsConfig);
    assert!(
        err.message.starts_with(&format!("model 'gpt-4.1' not found at {}", server.base_url())),
        "{}",
        err.message
    );
    assert!(err.hint.unwrap().contains("VIBE_MODEL"));

    server.push(Reply::quota_exceeded());
    let err = run(client.chat(&hello(), None)).unwrap_err();
    assert!(matches!(err, LlmError::QuotaExceeded { .. }), "{err:?}");

    server.push(Reply::error(400, "invalid_request_error", Some("context_length_exceeded"), "too long"));
    let err: vibe::error::Error = run(client.chat(&hello(), None)).unwrap_err().into();
    assert!(err.hint.unwrap().contains("VIBE_CONTEXT_TOKENS"));

    // Lenient error bodies: llama.cpp's integer code, Ollama's string error, a proxy's HTML.
    server.push(Reply::raw(
        400,
        "application/json",
        r#"{"error":{"code":400,"message":"bad grammar","type":"invalid_request_error"}}"#,
    ));
    let err = run(client.chat(&hello(), None)).unwrap_err();
    assert!(
        matches!(&err, LlmError::BadRequest { code: Some(c), message, .. } if c == "400" && message == "bad grammar"),
        "{err:?}"
    );
    server.push(Reply::raw(
        404,
        "application/json",
        r#"{"error":"model \"llama9\" not found, try pulling it first"}"#,
    ));
    let err = run(client.chat(&hello(), None)).unwrap_err();
    assert!(err.to_string().contains("try pulling it first"), "{err}");
    assert_eq!(server.chat_requests().len(), 6);
}

#[test]
fn a_stream_cut_short_is_retried_then_reported() {
    let server = OpenAiServer::start();
    server.push(Reply::text("the beginning of a long answer").cut_short());
    server.push(Reply::text("complete answer"));
    let client = Client::new(&settings(&server)).unwrap();
    let mut req = hello();
    req.stream = true;
    let resp = run(client.chat(&req, None)).unwrap();
    assert_eq!(resp.content.as_deref(), Some("complete answer"));
    assert_eq!(server.chat_requests().len(), 2);

    server.set_default(Reply::text("never finished").cut_short());
    let mut s = settings(&server);
    s.max_retries = 1;
    let client = Client::new(&s).unwrap();
    let err = run(client.chat(&req, None)).unwrap_err();
    assert!(matches!(err, LlmError::StreamCut { attempts: 2 }), "{err:?}");

    // A JSON body cut short is a broken connection: retried as well.
    let server = OpenAiServer::start();
    server.push(Reply::text("half").cut_short());
    server.push_text("whole");
    let client = Client::new(&settings(&server)).unwrap();
    assert_eq!(run(client.chat(&hello(), None)).unwrap().content.as_deref(), Some("whole"));
}

#[test]
fn error_event_in_a_stream_and_quirky_raw_streams() {
    let server = OpenAiServer::start();
    server
        .push(Reply::sse_raw(&[r#"{"error":{"message":"content policy","type":"invalid_request_error"}}"#]));
    let client = Client::new(&settings(&server)).unwrap();
    let mut req = hello();
    req.stream = true;
    let err = run(client.chat(&req, None)).unwrap_err();
    assert!(matches!(&err, LlmError::StreamError { message } if message == "content policy"), "{err:?}");

    // Ollama-style: the whole call in one chunk, no index, arguments as an object,
    // finish_reason "stop", no usage, no [DONE].
    server.push(Reply::sse_raw(&[
        r#"{"choices":[{"delta":{"role":"assistant","tool_calls":[{"function":{"name":"list_files","arguments":{"dir":"."}}}]},"finish_reason":null}]}"#,
        r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#,
    ]));
    let resp = run(client.chat(&req, None)).unwrap();
    assert_eq!(resp.tool_calls.len(), 1);
    assert_eq!(resp.tool_calls[0].id, "call_0");
    assert_eq!(resp.tool_calls[0].arguments, r#"{"dir":"."}"#);
    assert!(resp.usage.estimated && resp.usage.prompt_tokens > 0);
}

#[test]
fn missing_usage_is_counted_and_unknown_models_cost_nothing() {
    let server = OpenAiServer::start();
    server.push(Reply::text("a reasonably long answer with several words in it").no_usage());
    let client = Client::new(&settings(&server)).unwrap();
    let mut req = hello();
    req.model = "llama3.1:8b".into();
    let resp = run(client.chat(&req, None)).unwrap();
    assert!(resp.usage.estimated);
    assert!(resp.usage.prompt_tokens >= 8 && resp.usage.completion_tokens >= 9, "{:?}", resp.usage);
    assert_eq!(resp.usage.cost_usd, 0.0);
    assert_eq!(resp.usage.model, "llama3.1:8b");
}

#[test]
fn unreachable_endpoint_and_timeouts() {
    let server = OpenAiServer::start();
    let mut s = settings(&server);
    s.base_url = "http://127.0.0.1:9/v1".into();
    s.max_retries = 1;
    let client = Client::new(&s).unwrap();
    let err = run(client.chat(&hello(), None)).unwrap_err();
    assert!(matches!(err, LlmError::Connect { attempts: 2, .. }), "{err:?}");
    let user: vibe::error::Error = err.into();
    assert!(user
        .message
        .starts_with("cannot reach the model endpoint http://127.0.0.1:9/v1 after 2 attempts"));
    assert!(user.hint.unwrap().contains("OPENAI_BASE_URL"));

    server.push(Reply::text("late").delay(Duration::from_millis(2500)));
    let mut s = settings(&server);
    s.timeout_secs = 1;
    s.max_retries = 0;
    let client = Client::new(&s).unwrap();
    let err = run(client.chat(&hello(), None)).unwrap_err();
    assert!(matches!(err, LlmError::Timeout { secs: 1, attempts: 1 }), "{err:?}");
}

#[test]
fn missing_key_for_openai_is_a_config_error_before_any_request() {
    let server = OpenAiServer::start();
    let mut s = settings(&server);
    s.base_url = "https://api.openai.com/v1".into();
    s.api_key = None;
    let err: vibe::error::Error = Client::new(&s).unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NeedsConfig);
    assert_eq!(err.exit_code(), 4);
    assert!(err.hint.unwrap().contains("OPENAI_API_KEY"));
    // Local endpoints work without a key and send no Authorization header.
    let mut s = settings(&server);
    s.api_key = None;
    server.push_text("ok");
    run(Client::new(&s).unwrap().chat(&hello(), None)).unwrap();
    assert_eq!(server.chat_requests()[0].header("authorization"), None);
}

#[derive(Debug, Deserialize, PartialEq)]
struct Answer {
    title: String,
    score: f64,
}

fn answer_request() -> StructuredRequest {
    StructuredRequest {
        model: "gpt-4.1".into(),
        messages: vec![Message::system("You grade things."), Message::user("Grade this")],
        name: "answer".into(),
        schema: json!({
            "type": "object",
            "properties": {"title": {"type": "string", "minLength": 1}, "score": {"type": "number", "minimum": 0, "maximum": 1}},
            "required": ["title", "score"],
            "additionalProperties": false
        }),
        max_output_tokens: Some(500),
        temperature: None,
        stream: false,
    }
}

#[test]
fn structured_output_sends_the_schema_and_repairs_twice_at_most() {
    let server = OpenAiServer::start();
    server.push(Reply::text("Sure! Here is my grade: excellent").usage(10, 5));
    server.push(Reply::json(&json!({"title": "x"})).usage(20, 5));
    server.push(Reply::json(&json!({"title": "x", "score": 0.5})).usage(30, 5));
    let client = Client::new(&settings(&server)).unwrap();
    let out = run(client.structured::<Answer>(&answer_request(), None)).unwrap();
    assert_eq!(out.value, Answer { title: "x".into(), score: 0.5 });
    assert_eq!((out.attempts, out.calls, out.mode), (3, 3, StructuredMode::JsonSchema));
    assert_eq!((out.usage.prompt_tokens, out.usage.completion_tokens), (60, 15));

    let reqs = server.chat_requests();
    let rf = &reqs[0].body["response_format"];
    assert_eq!(rf["type"], "json_schema");
    assert_eq!(rf["json_schema"]["name"], "answer");
    assert_eq!(rf["json_schema"]["strict"], true);
    // Strict mode gets the schema without the keywords it rejects.
    assert_eq!(rf["json_schema"]["schema"]["required"], json!(["title", "score"]));
    assert!(rf["json_schema"]["schema"]["properties"]["score"].get("minimum").is_none());
    // Repair turns: the bad answer echoed back, then the errors.
    let m = reqs[1].messages();
    assert_eq!(m.len(), 4);
    assert_eq!(m[2], json!({"role": "assistant", "content": "Sure! Here is my grade: excellent"}));
    assert!(m[3]["content"].as_str().unwrap().contains("the answer is not valid JSON"), "{}", m[3]);
    let m = reqs[2].messages();
    assert_eq!(m.len(), 6);
    assert!(m[5]["content"].as_str().unwrap().contains("$: missing required field `score`"), "{}", m[5]);

    server.set_default(Reply::json(&json!({"title": "", "score": 3})));
    let err = run(client.structured::<Answer>(&answer_request(), None)).unwrap_err();
    match err {
        LlmError::InvalidOutput { what, attempts, errors } => {
            assert_eq!((what.as_str(), attempts), ("answer", 3));
            assert_eq!(errors, vec!["$.score: must be at most 1, found 3", "$.title: must not be empty"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.chat_requests().len(), 6);
}

#[test]
fn json_schema_rejected_falls_back_to_the_prompt_and_is_remembered() {
    let server = OpenAiServer::start();
    server.push(Reply::schema_unsupported());
    server.push(Reply::text("```json\n{\"title\": \"t\", \"score\": 1}\n```"));
    server.push(Reply::json(&json!({"title": "u", "score": 0})));
    let client = Client::new(&settings(&server)).unwrap();
    let out = run(client.structured::<Answer>(&answer_request(), None)).unwrap();
    assert_eq!(out.value.title, "t");
    assert_eq!((out.attempts, out.calls, out.mode), (1, 2, StructuredMode::Prompt));
    let out = run(client.structured::<Answer>(&answer_request(), None)).unwrap();
    assert_eq!((out.value.title.as_str(), out.calls), ("u", 1));

    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].json_schema().is_some());
    for r in &reqs[1..] {
        assert!(r.body.get("response_format").is_none());
        // The schema goes at the end of the user's message; the system message is untouched.
        assert_eq!(r.messages()[0]["content"], "You grade things.");
        let user = r.messages()[1]["content"].as_str().unwrap().to_string();
        assert!(user.contains("must match this JSON Schema") && user.contains("\"minLength\": 1"), "{user}");
    }

    // Forced json_schema: the rejection is a configuration error with the fix.
    let server = OpenAiServer::start();
    server.push(Reply::schema_unsupported());
    let mut s = settings(&server);
    s.structured_output = "json_schema".into();
    let err: vibe::error::Error =
        run(Client::new(&s).unwrap().structured::<Answer>(&answer_request(), None)).unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NeedsConfig);
    assert!(err.hint.unwrap().contains("VIBE_STRUCTURED_OUTPUT"));

    // Prompt mode never sends response_format.
    let server = OpenAiServer::start();
    server.push(Reply::json(&json!({"title": "p", "score": 0.1})).streamed());
    let mut s = settings(&server);
    s.structured_output = "prompt".into();
    let mut req = answer_request();
    req.stream = true;
    let out = run(Client::new(&s).unwrap().structured::<Answer>(&req, None)).unwrap();
    assert_eq!(out.value.title, "p");
    assert!(server.chat_requests()[0].body.get("response_format").is_none());
}

#[test]
fn refusals_and_caller_checks() {
    let server = OpenAiServer::start();
    server.push(Reply::refusal("I can't help with that."));
    let client = Client::new(&settings(&server)).unwrap();
    let err = run(client.structured::<Answer>(&answer_request(), None)).unwrap_err();
    assert!(matches!(err, LlmError::Refused { .. }), "{err:?}");

    server.push_json(&json!({"title": "forbidden", "score": 0.5}));
    server.push_json(&json!({"title": "fine", "score": 0.5}));
    let check = |a: &Answer| {
        if a.title == "forbidden" {
            vec!["$.title: must not be `forbidden`".to_string()]
        } else {
            vec![]
        }
    };
    let out = run(client.structured_checked::<Answer>(&answer_request(), &check, None)).unwrap();
    assert_eq!((out.value.title.as_str(), out.attempts), ("fine", 2));
    let last = server.chat_requests().pop().unwrap();
    assert!(last.all_text().contains("must not be `forbidden`"));
}
