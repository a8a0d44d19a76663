//! A loopback server speaking E2B's control plane (REST/JSON, `X-API-Key`) and the in-sandbox
//! daemon's protocols (envd: `/files`, `/health`, Connect-RPC `process.Process/Start` with
//! enveloped server streaming, `SendSignal`, `filesystem.Filesystem/ListDir` and `Remove`),
//! for tests. One URL serves both: aim `E2B_API_URL` and `E2B_SANDBOX_URL` at
//! [`E2bServer::base_url`]; envd requests are routed by the `E2b-Sandbox-Id` header.
//!
//! Each sandbox is a temp directory standing for the VM's `/` (paths like `/home/user/x` map
//! below it) with real processes (`HOME` is the mapped `/home/user`, the environment is only
//! what the request sent plus `PATH`). Like the real service: create answers 201 with an
//! `envdAccessToken` checked on every envd call; kill answers 204, then 404; envd calls to a
//! killed sandbox get 502 "The sandbox … was not found"; JSON follows the protobuf mapping
//! (zero values left out, int64 as strings, bytes as base64); streaming errors arrive in the
//! end-of-stream envelope of a 200; `Connect-Timeout-Ms` is the process's deadline. Quiet
//! streams get a keepalive event every 200 ms (the real service waits the requested
//! interval). Every request is recorded (gzip bodies also unpacked) with a logical clock, so
//! tests can assert headers, bodies and which sandboxes were alive at once.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use serde_json::{json, Value};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Logical time: the request's position among every event of the server.
    pub seq: u64,
    pub method: String,
    /// Path with query.
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Everything the request carried, as text: headers, body, and a gzip body unpacked.
    pub fn all_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\n").as_bytes());
        }
        out.extend_from_slice(self.path.as_bytes());
        out.extend_from_slice(&self.body);
        if self.body.starts_with(&[0x1f, 0x8b]) {
            let mut unpacked = Vec::new();
            let _ = flate2::read::GzDecoder::new(&self.body[..]).read_to_end(&mut unpacked);
            out.extend(unpacked);
        }
        out
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.all_bytes().windows(needle.len()).any(|w| w == needle.as_bytes())
    }
}

/// A sandbox the server made.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub id: String,
    pub token: String,
    pub template: String,
    pub metadata: BTreeMap<String, String>,
    pub allow_internet_access: Option<bool>,
    /// The directory standing for its `/`.
    pub root: PathBuf,
    /// Logical times of creation and kill.
    pub created_at: u64,
    pub killed_at: Option<u64>,
    /// Every timeout set (seconds), the creation's first.
    pub timeouts: Vec<u64>,
    /// Process groups started in it.
    pids: Vec<i32>,
}

impl Sandbox {
    /// A path of the sandbox on this machine.
    pub fn host_path(&self, path: &str) -> PathBuf {
        map_path(&self.root, path)
    }
}

/// A canned answer for the next control-plane request whose path starts with a prefix.
#[derive(Debug, Clone)]
pub struct Canned {
    pub method: String,
    pub prefix: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Default)]
struct State {
    clock: u64,
    requests: Vec<Recorded>,
    sandboxes: BTreeMap<String, Sandbox>,
    canned: VecDeque<Canned>,
    /// A command containing this makes its sandbox expire once it has started.
    expire_on: Option<String>,
    /// The next create makes its sandbox and never answers.
    stall_create: bool,
    /// The envd version sandboxes report (`0.5.7` unless set).
    envd_version: Option<String>,
}

impl State {
    fn envd_version(&self) -> String {
        self.envd_version.clone().unwrap_or_else(|| "0.5.7".into())
    }
}

impl State {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

/// The server; stops when dropped (its sandboxes' processes are killed).
pub struct E2bServer {
    addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    key: String,
    dir: tempfile::TempDir,
}

impl E2bServer {
    /// Starts a server accepting `key` as the API key.
    pub fn start(key: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = Ctx { state: state.clone(), key: key.to_string(), root: dir.path().to_path_buf() };
        let stop_flag = stop.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let ctx = ctx.clone();
                thread::spawn(move || {
                    let _ = handle(conn, &ctx);
                });
            }
        });
        Self { addr, state, stop, key: key.to_string(), dir }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn sandboxes(&self) -> Vec<Sandbox> {
        self.state.lock().unwrap().sandboxes.values().cloned().collect()
    }

    /// Sandboxes not killed.
    pub fn alive(&self) -> Vec<Sandbox> {
        self.sandboxes().into_iter().filter(|s| s.killed_at.is_none()).collect()
    }

    /// Answers the next `method` request whose path starts with `prefix` with this instead.
    pub fn push(&self, canned: Canned) {
        self.state.lock().unwrap().canned.push_back(canned);
    }

    /// Makes the sandbox of the next command containing `marker` expire while it runs (its
    /// stream then just drops, as the real proxy's does).
    pub fn expire_on(&self, marker: &str) {
        self.state.lock().unwrap().expire_on = Some(marker.to_string());
    }

    /// Makes every sandbox report envd `version`; before 0.5.7 uploads must be multipart
    /// forms, as with the real daemon.
    pub fn set_envd_version(&self, version: &str) {
        self.state.lock().unwrap().envd_version = Some(version.to_string());
    }

    /// Makes the next create take the request, make the sandbox and never answer (the
    /// connection is held until the client closes it).
    pub fn stall_create(&self) {
        self.state.lock().unwrap().stall_create = true;
    }

    /// A canned control-plane answer: `status` with an error body and these headers.
    pub fn fail_next(&self, method: &str, prefix: &str, status: u16, headers: &[(&str, &str)]) {
        self.push(Canned {
            method: method.into(),
            prefix: prefix.into(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain([("Content-Type".to_string(), "application/json".to_string())])
                .collect(),
            body: json!({"code": status, "message": format!("canned {status}")}).to_string(),
        });
    }

    /// Kills a sandbox as E2B does when it expires.
    pub fn expire(&self, id: &str) {
        let mut st = self.state.lock().unwrap();
        let t = st.tick();
        if let Some(s) = st.sandboxes.get_mut(id) {
            kill_sandbox(s, t);
        }
    }
}

impl Drop for E2bServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        let mut st = self.state.lock().unwrap();
        for s in st.sandboxes.values_mut() {
            for pid in &s.pids {
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
        }
    }
}

#[derive(Clone)]
struct Ctx {
    state: Arc<Mutex<State>>,
    key: String,
    root: PathBuf,
}

struct Request {
    method: String,
    path: String,
    query: BTreeMap<String, String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn read_request(conn: &TcpStream) -> std::io::Result<Request> {
    let Some(super::gh_http::Request { method, target, headers, body }) = super::gh_http::read_request(conn)?
    else {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no request"));
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), parse_query(q)),
        None => (target.clone(), BTreeMap::new()),
    };
    Ok(Request { method, path, query, headers, body })
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let d = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
            };
            (d(k), d(v))
        })
        .collect()
}

fn respond(conn: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(body)?;
    conn.flush()
}

fn respond_json(conn: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    respond(conn, status, &[("Content-Type", "application/json")], body.to_string().as_bytes())
}

fn handle(mut conn: TcpStream, ctx: &Ctx) -> std::io::Result<()> {
    let req = read_request(&conn)?;
    let full_path = if req.query.is_empty() {
        req.path.clone()
    } else {
        let q: Vec<String> = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}?{}", req.path, q.join("&"))
    };
    let canned = {
        let mut st = ctx.state.lock().unwrap();
        let seq = st.tick();
        st.requests.push(Recorded {
            seq,
            method: req.method.clone(),
            path: full_path,
            headers: req.headers.clone(),
            body: req.body.clone(),
        });
        let i = st.canned.iter().position(|c| c.method == req.method && req.path.starts_with(&c.prefix));
        i.and_then(|i| st.canned.remove(i))
    };
    if let Some(c) = canned {
        let headers: Vec<(&str, &str)> = c.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        return respond(&mut conn, c.status, &headers, c.body.as_bytes());
    }
    if let Some(id) = req.header("e2b-sandbox-id").map(str::to_string) {
        return envd(conn, ctx, &req, &id);
    }
    control(conn, ctx, &req)
}

fn control(mut conn: TcpStream, ctx: &Ctx, req: &Request) -> std::io::Result<()> {
    if req.header("x-api-key") != Some(ctx.key.as_str()) {
        return respond_json(
            &mut conn,
            401,
            &json!({"code": 401, "message": "Invalid API key, it must start with 'e2b_'"}),
        );
    }
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let mut st = ctx.state.lock().unwrap();
    match (req.method.as_str(), segments.as_slice()) {
        ("POST", ["v2", "sandboxes"]) => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let n = st.sandboxes.len() + 1;
            let id = format!("sbx{n:04}");
            let token = format!("tok-{n}-{}", std::process::id());
            let root = ctx.root.join(&id);
            std::fs::create_dir_all(root.join("home/user")).unwrap();
            let created_at = st.tick();
            let sandbox = Sandbox {
                id: id.clone(),
                token: token.clone(),
                template: body["templateID"].as_str().unwrap_or("base").to_string(),
                metadata: serde_json::from_value(body["metadata"].clone()).unwrap_or_default(),
                allow_internet_access: body["allow_internet_access"].as_bool(),
                root,
                created_at,
                killed_at: None,
                timeouts: body["timeout"].as_u64().into_iter().collect(),
                pids: Vec::new(),
            };
            let reply = json!({
                "templateID": sandbox.template, "sandboxID": id, "clientID": "6532622b",
                "envdVersion": st.envd_version(), "envdAccessToken": token, "trafficAccessToken": null, "domain": null
            });
            st.sandboxes.insert(id, sandbox);
            let stall = std::mem::take(&mut st.stall_create);
            drop(st);
            if stall {
                let mut byte = [0u8; 1];
                // Held until the client gives up and closes the connection.
                let _ = conn.read(&mut byte);
                return Ok(());
            }
            respond_json(&mut conn, 201, &reply)
        }
        ("GET", ["v2", "sandboxes"]) => {
            let limit = req.query.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(100);
            let listed: Vec<Value> = st
                .sandboxes
                .values()
                .filter(|s| s.killed_at.is_none())
                .filter(|s| {
                    // `metadata` is `k=v&k2=v2`, URL-encoded as one value.
                    let wanted = req.query.get("metadata").map(String::as_str).unwrap_or("");
                    wanted.split('&').filter_map(|kv| kv.split_once('=')).all(|(k, v)| s.metadata.get(k).map(String::as_str) == Some(v))
                })
                .take(limit)
                .map(|s| json!({"sandboxID": s.id, "templateID": s.template, "state": "running", "metadata": s.metadata}))
                .collect();
            drop(st);
            respond_json(&mut conn, 200, &Value::Array(listed))
        }
        ("GET", ["sandboxes", id]) => match st.sandboxes.get(*id).filter(|s| s.killed_at.is_none()) {
            Some(s) => {
                let reply = json!({
                    "templateID": s.template, "sandboxID": s.id, "clientID": "6532622b", "envdVersion": st.envd_version(),
                    "envdAccessToken": s.token, "domain": null, "state": "running", "metadata": s.metadata,
                    "startedAt": "2026-03-14T15:09:26Z", "endAt": "2026-03-14T15:39:26Z",
                    "cpuCount": 2, "memoryMB": 512, "diskSizeMB": 1024
                });
                drop(st);
                respond_json(&mut conn, 200, &reply)
            }
            None => {
                drop(st);
                respond_json(
                    &mut conn,
                    404,
                    &json!({"code": 404, "message": format!("sandbox \"{id}\" doesn't exist or you don't have access to it")}),
                )
            }
        },
        ("DELETE", ["sandboxes", id]) => {
            let t = st.tick();
            match st.sandboxes.get_mut(*id).filter(|s| s.killed_at.is_none()) {
                Some(s) => {
                    kill_sandbox(s, t);
                    drop(st);
                    respond(&mut conn, 204, &[], b"")
                }
                None => {
                    drop(st);
                    respond_json(
                        &mut conn,
                        404,
                        &json!({"code": 404, "message": format!("sandbox \"{id}\" not found")}),
                    )
                }
            }
        }
        ("POST", ["sandboxes", id, "timeout"]) => {
            let secs = serde_json::from_slice::<Value>(&req.body).ok().and_then(|b| b["timeout"].as_u64());
            match (st.sandboxes.get_mut(*id).filter(|s| s.killed_at.is_none()), secs) {
                (Some(s), Some(secs)) => {
                    s.timeouts.push(secs);
                    drop(st);
                    respond(&mut conn, 204, &[], b"")
                }
                (Some(_), None) => {
                    drop(st);
                    respond_json(&mut conn, 400, &json!({"code": 400, "message": "timeout is required"}))
                }
                (None, _) => {
                    drop(st);
                    respond_json(
                        &mut conn,
                        404,
                        &json!({"code": 404, "message": format!("sandbox \"{id}\" not found")}),
                    )
                }
            }
        }
        _ => {
            drop(st);
            respond_json(&mut conn, 404, &json!({"code": 404, "message": "no such route"}))
        }
    }
}

fn kill_sandbox(s: &mut Sandbox, at: u64) {
    s.killed_at = Some(at);
    for pid in &s.pids {
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

/// Maps a sandbox path (absolute, `~/…` or relative to the home) below `root`.
fn map_path(root: &Path, path: &str) -> PathBuf {
    let path = path.strip_prefix("~/").map(|p| format!("/home/user/{p}")).unwrap_or_else(|| path.to_string());
    let path = if path.starts_with('/') { path } else { format!("/home/user/{path}") };
    root.join(path.trim_start_matches('/'))
}

fn envd(mut conn: TcpStream, ctx: &Ctx, req: &Request, id: &str) -> std::io::Result<()> {
    let sandbox = ctx.state.lock().unwrap().sandboxes.get(id).cloned();
    let Some(sandbox) = sandbox.filter(|s| s.killed_at.is_none()) else {
        return respond_json(
            &mut conn,
            502,
            &json!({"code": 502, "message": format!("The sandbox {id} was not found"), "sandboxId": id}),
        );
    };
    if req.path == "/health" {
        return respond(&mut conn, 204, &[], b"");
    }
    if req.header("x-access-token") != Some(sandbox.token.as_str()) {
        return respond_json(
            &mut conn,
            401,
            &json!({"code": 401, "message": "unauthorized access, please provide a valid access token"}),
        );
    }
    // Before 0.4.0 envd has no default user: each call names one.
    if before(&ctx.state.lock().unwrap().envd_version(), &[0, 4, 0]) {
        let named = if req.path == "/files" {
            req.query.get("username").map(String::as_str) == Some("user")
        } else {
            req.header("authorization") == Some("Basic dXNlcjo=")
        };
        if !named {
            return respond_json(
                &mut conn,
                401,
                &json!({"code": "unauthenticated", "message": "no user specified"}),
            );
        }
    }
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/files") => {
            let Some(path) = req.query.get("path") else {
                return respond_json(&mut conn, 400, &json!({"code": 400, "message": "path is required"}));
            };
            let host = sandbox.host_path(path);
            if host.is_dir() {
                return respond_json(
                    &mut conn,
                    400,
                    &json!({"code": 400, "message": format!("path '{path}' is a directory")}),
                );
            }
            match std::fs::read(&host) {
                Ok(bytes) => respond(&mut conn, 200, &[("Content-Type", "application/octet-stream")], &bytes),
                Err(_) => respond_json(
                    &mut conn,
                    404,
                    &json!({"code": 404, "message": format!("path '{path}' does not exist")}),
                ),
            }
        }
        ("POST", "/files")
            if req.header("content-type").is_some_and(|c| c.starts_with("multipart/form-data")) =>
        {
            let boundary =
                req.header("content-type").unwrap().split("boundary=").nth(1).unwrap_or("").trim_matches('"');
            let mut written = Vec::new();
            for (filename, bytes) in form_files(&req.body, boundary) {
                // The `path` parameter names the destination of a single part; else its file name.
                let path = req.query.get("path").cloned().unwrap_or(filename);
                let host = sandbox.host_path(&path);
                std::fs::create_dir_all(host.parent().unwrap()).unwrap();
                std::fs::write(&host, bytes).unwrap();
                let name = host.file_name().unwrap().to_string_lossy().into_owned();
                written.push(json!({"name": name, "type": "file", "path": path}));
            }
            if written.is_empty() {
                return respond_json(
                    &mut conn,
                    400,
                    &json!({"code": 400, "message": "no file part in the form"}),
                );
            }
            respond_json(&mut conn, 200, &Value::Array(written))
        }
        ("POST", "/files") if old_envd(&ctx.state.lock().unwrap().envd_version()) => respond_json(
            &mut conn,
            400,
            &json!({"code": 400, "message": "error parsing multipart form: request Content-Type isn't multipart/form-data"}),
        ),
        ("POST", "/files") => {
            let Some(path) = req.query.get("path") else {
                return respond_json(
                    &mut conn,
                    400,
                    &json!({"code": 400, "message": "path is required for octet-stream uploads"}),
                );
            };
            let host = sandbox.host_path(path);
            std::fs::create_dir_all(host.parent().unwrap()).unwrap();
            std::fs::write(&host, &req.body).unwrap();
            let name = host.file_name().unwrap().to_string_lossy().into_owned();
            respond_json(&mut conn, 200, &json!([{"name": name, "type": "file", "path": path}]))
        }
        ("POST", "/process.Process/Start") => start(conn, ctx, req, &sandbox),
        ("POST", "/process.Process/SendSignal") => {
            let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
            let pid = body["process"]["pid"].as_i64().unwrap_or(0) as i32;
            // Like envd: the signal reaches the process itself, not its children.
            if pid > 0 && sandbox.pids.contains(&pid) && unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
                respond(&mut conn, 200, &[("Content-Type", "application/json")], b"{}")
            } else {
                respond_json(
                    &mut conn,
                    404,
                    &json!({"code": "not_found", "message": format!("process with pid {pid} not found")}),
                )
            }
        }
        ("POST", "/filesystem.Filesystem/ListDir") => {
            let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
            let path = body["path"].as_str().unwrap_or("").to_string();
            let depth = body["depth"].as_u64().unwrap_or(1).max(1);
            let host = sandbox.host_path(&path);
            if !host.is_dir() {
                return respond_json(
                    &mut conn,
                    404,
                    &json!({"code": "not_found", "message": format!("directory '{path}' not found")}),
                );
            }
            let base = if path.starts_with('/') {
                path.trim_end_matches('/').to_string()
            } else {
                format!("/home/user/{path}")
            };
            let mut entries = Vec::new();
            list(&host, &base, depth, &mut entries);
            respond_json(&mut conn, 200, &json!({ "entries": entries }))
        }
        ("POST", "/filesystem.Filesystem/Remove") => {
            let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
            let host = sandbox.host_path(body["path"].as_str().unwrap_or(""));
            if host.is_dir() && !host.is_symlink() {
                let _ = std::fs::remove_dir_all(&host);
            } else {
                let _ = std::fs::remove_file(&host);
            }
            respond(&mut conn, 200, &[("Content-Type", "application/json")], b"{}")
        }
        _ => respond_json(&mut conn, 404, &json!({"code": "unimplemented", "message": "no such method"})),
    }
}

/// Whether envd `version` predates raw uploads (0.5.7).
fn old_envd(version: &str) -> bool {
    before(version, &[0, 5, 7])
}

/// Whether envd `version` predates `since`.
fn before(version: &str, since: &[u64]) -> bool {
    let v: Vec<u64> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    v.as_slice() < since
}

/// The parts named `file` of a multipart form: (file name, bytes).
fn form_files(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
    let delimiter = format!("--{boundary}");
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..].windows(needle.len()).position(|w| w == needle).map(|i| i + from)
    };
    let mut out = Vec::new();
    let mut at = match find(body, delimiter.as_bytes(), 0) {
        Some(i) => i + delimiter.len(),
        None => return out,
    };
    while body[at..].starts_with(b"\r\n") {
        let Some(head_end) = find(body, b"\r\n\r\n", at) else { break };
        let head = String::from_utf8_lossy(&body[at + 2..head_end]).into_owned();
        let content = head_end + 4;
        let Some(next) = find(body, format!("\r\n{delimiter}").as_bytes(), content) else { break };
        let field = |name: &str| {
            head.split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{name}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
        };
        if field("name").as_deref() == Some("file") {
            out.push((field("filename").unwrap_or_default(), body[content..next].to_vec()));
        }
        at = next + 2 + delimiter.len();
    }
    out
}

/// `EntryInfo`s below `dir`, with protobuf JSON rules: zero values left out, int64 as text.
fn list(dir: &Path, virtual_dir: &str, depth: u64, out: &mut Vec<Value>) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut items: Vec<_> = rd.flatten().collect();
    items.sort_by_key(|e| e.file_name());
    for e in items {
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else { continue };
        let name = e.file_name().to_string_lossy().into_owned();
        let path = format!("{virtual_dir}/{name}");
        let ft = meta.file_type();
        let kind = if ft.is_symlink() {
            "FILE_TYPE_SYMLINK"
        } else if ft.is_dir() {
            "FILE_TYPE_DIRECTORY"
        } else {
            "FILE_TYPE_FILE"
        };
        let modified = time::OffsetDateTime::from(meta.modified().unwrap_or(SystemTime::UNIX_EPOCH))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let mut entry = json!({
            "name": name, "type": kind, "path": path, "mode": meta.permissions().mode() & 0o777,
            "modifiedTime": modified, "owner": "user", "group": "user",
        });
        if meta.len() > 0 && !ft.is_dir() {
            entry["size"] = json!(meta.len().to_string());
        }
        if ft.is_symlink() {
            entry["isSymlink"] = json!(true);
            entry["symlinkTarget"] = json!(std::fs::read_link(e.path()).unwrap().to_string_lossy());
        }
        out.push(entry);
        if ft.is_dir() && depth > 1 {
            list(&e.path(), &path, depth - 1, out);
        }
    }
}

enum Piece {
    Out(bool, Vec<u8>),
    Closed,
}

fn envelope(flags: u8, payload: &Value) -> Vec<u8> {
    let text = payload.to_string();
    let mut out = vec![flags];
    out.extend_from_slice(&(text.len() as u32).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
    out
}

fn start(mut conn: TcpStream, ctx: &Ctx, req: &Request, sandbox: &Sandbox) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/connect+json\r\nConnection: close\r\n\r\n";
    let msg: Value = if req.body.len() >= 5 && req.body[0] == 0 {
        serde_json::from_slice(&req.body[5..]).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let fail = |conn: &mut TcpStream, code: &str, message: &str| {
        conn.write_all(head.as_bytes())?;
        conn.write_all(&envelope(2, &json!({"error": {"code": code, "message": message}})))
    };
    if msg.is_null() {
        return fail(&mut conn, "invalid_argument", "the request is not one enveloped JSON message");
    }
    let process = &msg["process"];
    let cwd = sandbox.host_path(process["cwd"].as_str().unwrap_or("/home/user"));
    if !cwd.is_dir() {
        return fail(&mut conn, "invalid_argument", &format!("cwd '{}' does not exist", cwd.display()));
    }
    let args: Vec<String> = process["args"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let envs: BTreeMap<String, String> = serde_json::from_value(process["envs"].clone()).unwrap_or_default();
    let mut child = match std::process::Command::new(process["cmd"].as_str().unwrap_or(""))
        .args(&args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sandbox.host_path("/home/user"))
        .env("USER", "user")
        .envs(&envs)
        .current_dir(&cwd)
        .process_group(0)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return fail(&mut conn, "internal", &format!("error starting process: {e}")),
    };
    let pid = child.id() as i32;
    {
        let mut st = ctx.state.lock().unwrap();
        if let Some(s) = st.sandboxes.get_mut(&sandbox.id) {
            s.pids.push(pid);
        }
    }
    let deadline = req
        .header("connect-timeout-ms")
        .and_then(|v| v.parse::<u64>().ok())
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    conn.write_all(head.as_bytes())?;
    conn.write_all(&envelope(0, &json!({"event": {"start": {"pid": pid}}})))?;
    {
        let mut st = ctx.state.lock().unwrap();
        let line = args.join(" ");
        if st.expire_on.as_ref().is_some_and(|m| line.contains(m.as_str())) {
            st.expire_on = None;
            let t = st.tick();
            if let Some(s) = st.sandboxes.get_mut(&sandbox.id) {
                kill_sandbox(s, t);
            }
        }
    }
    let (tx, rx) = mpsc::channel();
    for (is_err, mut pipe) in [
        (false, Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>),
        (true, Box::new(child.stderr.take().unwrap())),
    ] {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let _ = tx.send(Piece::Out(is_err, buf[..n].to_vec()));
                    }
                }
            }
            let _ = tx.send(Piece::Closed);
        });
    }
    drop(tx);
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut closed = 0;
    while closed < 2 {
        let wait = deadline.map_or(Duration::from_millis(200), |d| {
            d.saturating_duration_since(Instant::now()).min(Duration::from_millis(200))
        });
        match rx.recv_timeout(wait) {
            Ok(Piece::Out(is_err, bytes)) => {
                let key = if is_err { "stderr" } else { "stdout" };
                conn.write_all(&envelope(0, &json!({"event": {"data": {key: b64.encode(&bytes)}}})))?;
            }
            Ok(Piece::Closed) => closed += 1,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    // Like envd: the process itself, not its children.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    let _ = child.wait();
                    return conn.write_all(&envelope(
                        2,
                        &json!({"error": {"code": "deadline_exceeded", "message": "context deadline exceeded"}}),
                    ));
                }
                conn.write_all(&envelope(0, &json!({"event": {"keepalive": {}}})))?;
            }
        }
    }
    let status = child.wait()?;
    // A sandbox killed meanwhile: the connection just drops, as the real proxy's does.
    let killed = ctx.state.lock().unwrap().sandboxes.get(&sandbox.id).is_some_and(|s| s.killed_at.is_some());
    if killed {
        return Ok(());
    }
    let mut end = serde_json::Map::new();
    match status.code() {
        Some(code) => {
            if code != 0 {
                end.insert("exitCode".into(), json!(code));
                end.insert("error".into(), json!(format!("exit status {code}")));
            }
            end.insert("exited".into(), json!(true));
            end.insert("status".into(), json!(format!("exit status {code}")));
        }
        None => {
            end.insert("exitCode".into(), json!(-1));
            end.insert("status".into(), json!("signal: killed"));
            end.insert("error".into(), json!("signal: killed"));
        }
    }
    conn.write_all(&envelope(0, &json!({"event": {"end": end}})))?;
    conn.write_all(&envelope(2, &json!({})))
}
