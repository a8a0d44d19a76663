//! A loopback server speaking the OpenAI chat-completions wire protocol, for tests.
//!
//! It plays a FIFO script of replies, one per `POST …/chat/completions`, records every
//! request it receives (method, path, headers, parsed JSON body, arrival time), and falls
//! back to a default responder when the script is empty. It is plain `std::net` + threads:
//! each connection gets one reply and is closed (`Connection: close`).
//!
//! ```ignore
//! let server = OpenAiServer::start();
//! env.set("OPENAI_BASE_URL", server.base_url());
//! // A tool-calling conversation: the agent reads a file, then finishes.
//! server.push_tool_call("read_file", json!({"path": "src/main.rs"}));
//! server.push_text("Done.");
//! // A structured answer, then errors and quirks:
//! server.push_json(&json!({"summary": "…"}));
//! server.push(Reply::rate_limited(0.2));           // 429 + retry-after-ms: 200
//! server.push(Reply::text("partial").cut_short()); // stream ends without [DONE]
//! // … run vibe …
//! let reqs = server.chat_requests();
//! assert_eq!(reqs[0].body["model"], "gpt-4.1");
//! assert!(reqs[1].messages().last().unwrap()["role"] == "tool");
//! ```
//!
//! Replies follow the request: a `Reply::text`/`json`/`tool_call…` is sent as one JSON
//! completion when the request has `"stream": false`, and as SSE chunks (role chunk, content
//! pieces, tool-call deltas with `index`, finish chunk, usage chunk with `choices: []`,
//! `[DONE]`, with a `: keep-alive` comment and every event split across two TCP writes) when
//! it has `"stream": true`. `.streamed()` / `.not_streamed()` force one form.
//!
//! `GET /v1/models` answers with [`OpenAiServer::set_models`] (default `gpt-4.1`,
//! `gpt-4.1-mini`) without consuming the script. An empty script answers 500 with a message
//! saying so, unless [`OpenAiServer::set_default`] / [`OpenAiServer::respond_with`] says
//! otherwise.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Usage reported when a reply does not set its own: (prompt, completion) tokens.
pub const DEFAULT_USAGE: (u64, u64) = (100, 25);

static CALL_IDS: AtomicUsize = AtomicUsize::new(1);

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path with query, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Header names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON (`Value::Null` when it is not JSON).
    pub body: Value,
    /// The body as text.
    pub raw_body: String,
    /// When it arrived (for asserting retry spacing).
    pub at: Instant,
}

impl Recorded {
    /// A header value by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// `body.messages` (empty when absent).
    pub fn messages(&self) -> Vec<Value> {
        self.body["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Every message's text content joined with newlines (to assert that context was sent).
    pub fn all_text(&self) -> String {
        self.messages().iter().filter_map(|m| m["content"].as_str()).collect::<Vec<_>>().join("\n")
    }

    /// Whether the request asked for a stream.
    pub fn is_stream(&self) -> bool {
        self.body["stream"] == true
    }

    /// `response_format.json_schema.schema`, if the request sent one.
    pub fn json_schema(&self) -> Option<&Value> {
        self.body.get("response_format")?.get("json_schema")?.get("schema")
    }
}

#[derive(Debug, Clone)]
enum Body {
    /// An assistant message: rendered as a completion or as SSE chunks.
    Message { content: Option<String>, tool_calls: Vec<(String, String, String)>, refusal: Option<String> },
    /// A JSON error body.
    Error(Value),
    /// Any bytes with a content type.
    Raw { content_type: String, body: String },
    /// Raw SSE `data:` payloads, written as they are (include "[DONE]" yourself).
    Sse(Vec<String>),
    /// Any bytes (not UTF-8, or a stream that is no SSE), written as they are.
    Bytes { content_type: String, body: Vec<u8> },
}

/// One scripted reply. Build with the constructors, adjust with the modifiers.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Duration,
    stream: Option<bool>,
    usage: Option<(u64, u64)>,
    cached: u64,
    finish_reason: Option<String>,
    cut: bool,
}

impl Reply {
    fn message(content: Option<String>, tool_calls: Vec<(String, String, String)>) -> Self {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: Body::Message { content, tool_calls, refusal: None },
            delay: Duration::ZERO,
            stream: None,
            usage: Some(DEFAULT_USAGE),
            cached: 0,
            finish_reason: None,
            cut: false,
        }
    }

    /// An assistant text answer.
    pub fn text(text: impl Into<String>) -> Self {
        Self::message(Some(text.into()), Vec::new())
    }

    /// An assistant answer whose content is `value` serialized (a structured answer).
    pub fn json(value: &Value) -> Self {
        Self::text(value.to_string())
    }

    /// One tool call with these arguments (serialized to the `arguments` string).
    pub fn tool_call(name: &str, args: Value) -> Self {
        Self::tool_calls(&[(name, args)])
    }

    /// Parallel tool calls, ids `call_<n>` unique across the test binary.
    pub fn tool_calls(calls: &[(&str, Value)]) -> Self {
        let calls = calls
            .iter()
            .map(|(name, args)| {
                let id = format!("call_{}", CALL_IDS.fetch_add(1, Ordering::Relaxed));
                (id, name.to_string(), args.to_string())
            })
            .collect();
        Self::message(None, calls)
    }

    /// A tool call whose `arguments` string is given verbatim (e.g. invalid JSON).
    pub fn tool_call_raw(name: &str, arguments: &str) -> Self {
        let id = format!("call_{}", CALL_IDS.fetch_add(1, Ordering::Relaxed));
        Self::message(None, vec![(id, name.to_string(), arguments.to_string())])
    }

    /// A refusal (`message.refusal` set, `content` null).
    pub fn refusal(text: &str) -> Self {
        let mut r = Self::message(None, Vec::new());
        r.body = Body::Message { content: None, tool_calls: Vec::new(), refusal: Some(text.to_string()) };
        r
    }

    /// An OpenAI-style error: `{"error": {message, type, param: null, code}}`.
    pub fn error(status: u16, kind: &str, code: Option<&str>, message: &str) -> Self {
        let mut r = Self::message(None, Vec::new());
        r.status = status;
        r.usage = None;
        r.body =
            Body::Error(json!({"error": {"message": message, "type": kind, "param": null, "code": code}}));
        r
    }

    /// 401 invalid_api_key.
    pub fn unauthorized() -> Self {
        Self::error(
            401,
            "invalid_request_error",
            Some("invalid_api_key"),
            "Incorrect API key provided: sk-wrong.",
        )
    }

    /// 404 model_not_found for `model`.
    pub fn model_not_found(model: &str) -> Self {
        Self::error(
            404,
            "invalid_request_error",
            Some("model_not_found"),
            &format!("The model `{model}` does not exist or you do not have access to it."),
        )
    }

    /// 429 rate_limit_exceeded with `retry-after-ms` set to `seconds`.
    pub fn rate_limited(seconds: f64) -> Self {
        Self::error(429, "requests", Some("rate_limit_exceeded"), "Rate limit reached for requests")
            .header("retry-after-ms", &format!("{}", (seconds * 1000.0).round() as u64))
    }

    /// 429 insufficient_quota (must not be retried).
    pub fn quota_exceeded() -> Self {
        Self::error(429, "insufficient_quota", Some("insufficient_quota"), "You exceeded your current quota.")
    }

    /// 500 server_error.
    pub fn server_error() -> Self {
        Self::error(500, "server_error", None, "The server had an error while processing your request.")
    }

    /// 400 rejecting `response_format: json_schema` (as servers without structured output do).
    pub fn schema_unsupported() -> Self {
        let mut r = Self::error(
            400,
            "invalid_request_error",
            Some("unsupported_parameter"),
            "Unsupported parameter: 'response_format' of type 'json_schema' is not supported with this model.",
        );
        if let Body::Error(v) = &mut r.body {
            v["error"]["param"] = json!("response_format");
        }
        r
    }

    /// Any status, content type and body (e.g. an HTML page from a proxy).
    pub fn raw(status: u16, content_type: &str, body: &str) -> Self {
        let mut r = Self::message(None, Vec::new());
        r.status = status;
        r.usage = None;
        r.body = Body::Raw { content_type: content_type.into(), body: body.into() };
        r
    }

    /// Any status, content type and bytes, written verbatim (hostile servers).
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        let mut r = Self::message(None, Vec::new());
        r.status = status;
        r.usage = None;
        r.body = Body::Bytes { content_type: content_type.into(), body };
        r
    }

    /// An SSE stream of these `data:` payloads, written verbatim.
    pub fn sse_raw(events: &[&str]) -> Self {
        let mut r = Self::message(None, Vec::new());
        r.usage = None;
        r.body = Body::Sse(events.iter().map(|s| s.to_string()).collect());
        r
    }

    /// Adds a response header (any name and value, however absurd).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Reports this usage.
    pub fn usage(mut self, prompt: u64, completion: u64) -> Self {
        self.usage = Some((prompt, completion));
        self
    }

    /// Reports `n` of the prompt tokens as read from the prompt cache.
    pub fn cached(mut self, n: u64) -> Self {
        self.cached = n;
        self
    }

    /// Reports no usage at all (as some compatible servers do).
    pub fn no_usage(mut self) -> Self {
        self.usage = None;
        self
    }

    /// Sets `finish_reason` (default: `tool_calls` with tool calls, else `stop`).
    pub fn finish_reason(mut self, reason: &str) -> Self {
        self.finish_reason = Some(reason.to_string());
        self
    }

    /// Cuts the answer short: a stream stops before the finish chunk (mid-event, no
    /// `[DONE]`); a JSON body stops halfway through its announced `Content-Length`.
    pub fn cut_short(mut self) -> Self {
        self.cut = true;
        self
    }

    /// Waits this long before answering (for timeouts).
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }

    /// Always answer as an SSE stream.
    pub fn streamed(mut self) -> Self {
        self.stream = Some(true);
        self
    }

    /// Always answer as one JSON document.
    pub fn not_streamed(mut self) -> Self {
        self.stream = Some(false);
        self
    }
}

type Responder = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

struct State {
    script: VecDeque<Reply>,
    default: Option<Responder>,
    requests: Vec<Recorded>,
    models: Vec<String>,
}

/// The server. Stops accepting when dropped.
pub struct OpenAiServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl OpenAiServer {
    /// Starts on an ephemeral 127.0.0.1 port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            script: VecDeque::new(),
            default: None,
            requests: Vec::new(),
            models: vec!["gpt-4.1".into(), "gpt-4.1-mini".into()],
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                thread::spawn(move || {
                    let _ = handle(conn, &st);
                });
            }
        });
        OpenAiServer { addr, state, stop }
    }

    /// `http://127.0.0.1:PORT/v1` — the value for `OPENAI_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Appends a reply to the script.
    pub fn push(&self, reply: Reply) -> &Self {
        self.state.lock().unwrap().script.push_back(reply);
        self
    }

    /// Appends a text answer.
    pub fn push_text(&self, text: &str) -> &Self {
        self.push(Reply::text(text))
    }

    /// Appends a structured (JSON content) answer.
    pub fn push_json(&self, value: &Value) -> &Self {
        self.push(Reply::json(value))
    }

    /// Appends one tool call.
    pub fn push_tool_call(&self, name: &str, args: Value) -> &Self {
        self.push(Reply::tool_call(name, args))
    }

    /// Appends parallel tool calls.
    pub fn push_tool_calls(&self, calls: &[(&str, Value)]) -> &Self {
        self.push(Reply::tool_calls(calls))
    }

    /// Appends an OpenAI-style error.
    pub fn push_error(&self, status: u16, kind: &str, code: Option<&str>, message: &str) -> &Self {
        self.push(Reply::error(status, kind, code, message))
    }

    /// Answers every request with `reply` once the script is empty.
    pub fn set_default(&self, reply: Reply) -> &Self {
        self.respond_with(move |_| reply.clone())
    }

    /// Answers with `f(request)` once the script is empty (e.g. reject json_schema only when
    /// a request carries it).
    pub fn respond_with(&self, f: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> &Self {
        self.state.lock().unwrap().default = Some(Arc::new(f));
        self
    }

    /// Model ids listed by `GET /v1/models`.
    pub fn set_models(&self, models: &[&str]) -> &Self {
        self.state.lock().unwrap().models = models.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The chat-completions requests, in order.
    pub fn chat_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.split('?').next().unwrap_or("").ends_with("/chat/completions"))
            .collect()
    }

    /// Scripted replies not yet used.
    pub fn remaining(&self) -> usize {
        self.state.lock().unwrap().script.len()
    }
}

impl Drop for OpenAiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn read_request(conn: &TcpStream) -> std::io::Result<Option<Recorded>> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
            if k == "content-length" {
                length = v.parse().unwrap_or(0);
            }
            headers.push((k, v));
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let body = serde_json::from_str(&raw_body).unwrap_or(Value::Null);
    Ok(Some(Recorded { method, path, headers, body, raw_body, at: Instant::now() }))
}

fn handle(mut conn: TcpStream, state: &Arc<Mutex<State>>) -> std::io::Result<()> {
    let Some(req) = read_request(&conn)? else { return Ok(()) };
    let reply = {
        let mut st = state.lock().unwrap();
        st.requests.push(req.clone());
        // Routing looks at the path only: a base URL may carry a query (`?api-version=…`).
        let path = req.path.split('?').next().unwrap_or("");
        if req.method == "GET" && path.ends_with("/models") {
            let data: Vec<Value> =
                st.models.iter().map(|m| json!({"id": m, "object": "model", "owned_by": "test"})).collect();
            Reply::raw(200, "application/json", &json!({"object": "list", "data": data}).to_string())
        } else if !path.ends_with("/chat/completions") {
            Reply::error(
                404,
                "invalid_request_error",
                None,
                &format!("Unknown request URL: {} {}", req.method, req.path),
            )
        } else if let Some(r) = st.script.pop_front() {
            r
        } else if let Some(f) = st.default.clone() {
            drop(st);
            f(&req)
        } else {
            Reply::error(500, "server_error", None, "the test server has no scripted reply left")
        }
    };
    if !reply.delay.is_zero() {
        thread::sleep(reply.delay);
    }
    let model = req.body["model"].as_str().unwrap_or("test-model").to_string();
    let stream = reply.stream.unwrap_or(req.is_stream());
    match &reply.body {
        Body::Error(v) => write_plain(&mut conn, &reply, "application/json", &v.to_string()),
        Body::Raw { content_type, body } => write_plain(&mut conn, &reply, content_type, body),
        Body::Bytes { content_type, body } => {
            head(&mut conn, &reply, content_type, Some(body.len()))?;
            conn.write_all(body)?;
            conn.flush()
        }
        Body::Sse(events) => {
            let events: Vec<String> = events.iter().map(|e| format!("data: {e}\n\n")).collect();
            write_sse(&mut conn, &reply, &events)
        }
        Body::Message { .. } if stream => write_sse(&mut conn, &reply, &sse_events(&reply, &model)),
        Body::Message { .. } => {
            write_plain(&mut conn, &reply, "application/json", &completion(&reply, &model).to_string())
        }
    }
}

fn head(
    conn: &mut TcpStream,
    reply: &Reply,
    content_type: &str,
    length: Option<usize>,
) -> std::io::Result<()> {
    let mut h = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {content_type}\r\nconnection: close\r\n",
        reply.status,
        reason(reply.status)
    );
    if let Some(n) = length {
        h.push_str(&format!("content-length: {n}\r\n"));
    }
    h.push_str("x-request-id: req_test\r\n");
    for (k, v) in &reply.headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    conn.write_all(h.as_bytes())
}

fn write_plain(conn: &mut TcpStream, reply: &Reply, content_type: &str, body: &str) -> std::io::Result<()> {
    head(conn, reply, content_type, Some(body.len()))?;
    if reply.cut {
        conn.write_all(&body.as_bytes()[..body.len() / 2])?;
    } else {
        conn.write_all(body.as_bytes())?;
    }
    conn.flush()
}

fn write_sse(conn: &mut TcpStream, reply: &Reply, events: &[String]) -> std::io::Result<()> {
    head(conn, reply, "text/event-stream", None)?;
    conn.write_all(b": keep-alive\n\n")?;
    for e in events {
        // Split every event across two writes so clients must buffer partial JSON.
        let mid = e.len() / 2;
        let mid = (mid..e.len()).find(|i| e.is_char_boundary(*i)).unwrap_or(e.len());
        conn.write_all(&e.as_bytes()[..mid])?;
        conn.flush()?;
        thread::sleep(Duration::from_millis(1));
        conn.write_all(&e.as_bytes()[mid..])?;
        conn.flush()?;
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn finish_of(reply: &Reply) -> String {
    match (&reply.finish_reason, &reply.body) {
        (Some(r), _) => r.clone(),
        (None, Body::Message { tool_calls, .. }) if !tool_calls.is_empty() => "tool_calls".into(),
        _ => "stop".into(),
    }
}

fn usage_json(u: (u64, u64), cached: u64) -> Value {
    json!({"prompt_tokens": u.0, "completion_tokens": u.1, "total_tokens": u.0 + u.1,
           "prompt_tokens_details": {"cached_tokens": cached}, "completion_tokens_details": {"reasoning_tokens": 0}})
}

fn completion(reply: &Reply, model: &str) -> Value {
    let Body::Message { content, tool_calls, refusal } = &reply.body else { return Value::Null };
    let mut message = json!({"role": "assistant", "content": content, "refusal": refusal, "annotations": []});
    if !tool_calls.is_empty() {
        message["tool_calls"] = tool_calls
            .iter()
            .map(|(id, name, args)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": args}}))
            .collect();
    }
    let mut body = json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 1_735_000_000, "model": model,
        "system_fingerprint": "fp_test",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_of(reply)}],
    });
    if let Some(u) = reply.usage {
        body["usage"] = usage_json(u, reply.cached);
    }
    body
}

fn pieces(s: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

fn sse_events(reply: &Reply, model: &str) -> Vec<String> {
    let Body::Message { content, tool_calls, refusal } = &reply.body else { return Vec::new() };
    let chunk = |choices: Value, usage: Value| {
        let v = json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_735_000_000,
                       "model": model, "choices": choices, "usage": usage});
        format!("data: {v}\n\n")
    };
    let delta = |d: Value| {
        chunk(json!([{"index": 0, "delta": d, "logprobs": null, "finish_reason": null}]), Value::Null)
    };
    let mut events = vec![delta(json!({"role": "assistant", "content": ""}))];
    if let Some(c) = content {
        for p in pieces(c, 12) {
            events.push(delta(json!({"content": p})));
        }
    }
    if let Some(r) = refusal {
        events.push(delta(json!({"refusal": r})));
    }
    for (i, (id, name, args)) in tool_calls.iter().enumerate() {
        events.push(delta(json!({"tool_calls": [{"index": i, "id": id, "type": "function",
                                                  "function": {"name": name, "arguments": ""}}]})));
        for p in pieces(args, 10) {
            events.push(delta(json!({"tool_calls": [{"index": i, "function": {"arguments": p}}]})));
        }
    }
    if reply.cut {
        // Stop in the middle of the next event: no finish chunk, no usage, no [DONE].
        let next = delta(json!({"content": "…and then"}));
        events.push(next[..next.len() / 2].to_string());
        return events;
    }
    events.push(chunk(
        json!([{"index": 0, "delta": {}, "logprobs": null, "finish_reason": finish_of(reply)}]),
        Value::Null,
    ));
    if let Some(u) = reply.usage {
        events.push(chunk(json!([]), usage_json(u, reply.cached)));
    }
    events.push("data: [DONE]\n\n".to_string());
    events
}
