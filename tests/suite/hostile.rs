//! Hostile servers and inputs, through the real binary: absurd waits, bodies and streams from
//! the model server and from GitHub, credentials in URLs, and configuration values that no
//! one should set. Each ends in a clear message and an ordinary exit code (a panic would be
//! 101 here, 134 in a release build), and no secret is ever shown.

use std::net::TcpListener;
use std::process::Output;

use serde_json::json;

use crate::common::gh_http::Response;
use crate::common::github::{GithubServer, TOKEN};
use crate::common::openai::{OpenAiServer, Reply};
use crate::common::{git, TestEnv};
use crate::suite::jobs::{crs_doc, plan_file};

const KEY: &str = "sk-hostile-test-key-0123456789";

/// A repository and an environment aimed at a fresh model server, with no retries (so a
/// retry-worthy answer ends the command at once).
fn setup() -> (TestEnv, OpenAiServer) {
    let server = OpenAiServer::start();
    let mut env = TestEnv::new();
    let repo = env.git_repo("app");
    env.cwd = repo;
    env.set("OPENAI_BASE_URL", server.base_url())
        .set("OPENAI_API_KEY", KEY)
        .set("VIBE_MODEL_RETRIES", "0")
        .set("VIBE_RETRY_BASE_MS", "5");
    (env, server)
}

fn run(env: &TestEnv, args: &[&str]) -> (Option<i32>, String, String) {
    let out: Output = env.vibe().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn absurd_retry_headers_from_the_model_server_end_in_a_clear_error() {
    let (env, server) = setup();
    let headers = [
        ("retry-after", "1e20"),
        ("retry-after", "18446744073709551616"),
        ("retry-after", "inf"),
        ("retry-after", "NaN"),
        ("retry-after", "-5"),
        ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
        ("retry-after-ms", "1e300"),
        ("x-ratelimit-reset-requests", "99999999999999999999h"),
        ("x-ratelimit-reset-tokens", "1e300h"),
    ];
    for (name, value) in headers {
        server.push(
            Reply::error(429, "requests", Some("rate_limit_exceeded"), "Rate limit reached")
                .header(name, value),
        );
        let (code, _, err) = run(&env, &["crs", "add a health route"]);
        assert_eq!(code, Some(1), "{name}: {value}\n{err}");
        assert!(err.contains("rate limiting (429) after 1 attempts"), "{name}: {value}\n{err}");
    }
    // The same for 5xx answers.
    server.push(Reply::server_error().header("retry-after", "1e20"));
    let (code, _, err) = run(&env, &["crs", "add a health route"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("returned 500 after 1 attempts"), "{err}");
}

#[test]
fn an_absurd_retry_header_mid_job_fails_the_job_not_vibe() {
    let (mut env, server) = setup();
    let repo = env.cwd.clone();
    std::fs::write(repo.join("notes.txt"), "keep me\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "notes"]);
    env.cwd = repo.clone();
    let plan = plan_file(env.root(), &[("grep -q hello hello.txt", &["AC1"])]);
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    server.push(
        Reply::server_error().header("retry-after", "1e20").header("x-ratelimit-reset-tokens", "1e300h"),
    );
    let (code, out, err) = run(&env, &["run", "--plan", plan.to_str().unwrap(), "--yes", "--no-pr"]);
    assert!(matches!(code, Some(1) | Some(5)), "exit {code:?}\n{out}\n{err}");
    assert!(err.contains("returned 500"), "{err}");
    // The first request of the job ran the tool, the second got the 500: both reached the
    // server, and nothing was retried.
    assert_eq!(server.chat_requests().len(), 2);
}

#[test]
fn hostile_bodies_end_in_clear_bounded_errors_without_the_key() {
    let (env, server) = setup();
    let huge = format!("\u{1b}[2J\u{1b}[31m{}\u{7}", "overloaded ".repeat(200_000));
    let replies = [
        Reply::error(500, "server_error", None, &huge),
        Reply::error(
            401,
            "invalid_request_error",
            Some("invalid_api_key"),
            &format!("Incorrect API key: {KEY}"),
        ),
        Reply::bytes(200, "application/json", b"\xff\xfe{\"choices\": [".to_vec()),
        Reply::bytes(
            200,
            "application/json",
            b"{\"choices\": [{\"message\": {\"content\": \"\xff\"}}]}".to_vec(),
        ),
        Reply::bytes(
            200,
            "text/event-stream",
            b"data: \xff\xfe\x00\n\ndata: {\"choices\":[{\"delta\"".to_vec(),
        ),
        Reply::bytes(200, "text/event-stream", vec![b'x'; 3 << 20]),
        Reply::bytes(502, "text/html", b"<html>\x1b]0;pwned\x07 bad gateway</html>".to_vec()),
        Reply::raw(200, "application/json", &"[".repeat(100_000)),
        Reply::raw(200, "application/json", &format!("{{\"error\": {{\"message\": \"echo {KEY}\"}}}}")),
    ];
    for reply in replies {
        server.push(reply);
        let (code, out, err) = run(&env, &["crs", "add a health route"]);
        assert!(matches!(code, Some(1) | Some(4)), "exit {code:?}\n{out}\n{err:.2000}");
        assert!(err.starts_with("error: "), "{err:.2000}");
        assert!(err.len() < 4_000, "an unbounded message: {} bytes", err.len());
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "terminal control characters: {err:?}");
        assert!(!err.contains(KEY), "the key was echoed: {err}");
    }
}

#[test]
fn credentials_in_the_model_url_are_never_shown() {
    let (mut env, server) = setup();
    let base = server.base_url().replace("http://", "http://vibeuser:hunter2pass@")
        + "?api-key=QUERYKEY123&api-version=7";
    env.set("OPENAI_BASE_URL", &base);
    server.push(Reply::model_not_found("gpt-4.1"));
    let (code, out, err) = run(&env, &["crs", "add a health route"]);
    assert_eq!(code, Some(4), "{out}\n{err}");
    assert!(err.contains("not found at http://***@127.0.0.1:"), "{err}");
    assert!(err.contains("/v1?api-key=***&api-version=7"), "{err}");

    // Nothing listens on port 9: the connection error names the URL without its secrets.
    env.set("OPENAI_BASE_URL", "http://vibeuser:hunter2pass@127.0.0.1:9/v1?api-key=QUERYKEY123");
    let (code, _, err) = run(&env, &["crs", "add a health route"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot reach the model endpoint http://***@127.0.0.1:9/v1?api-key=***"), "{err}");
    let shown =
        [err, env.ok(&["config", "show"]), env.ok(&["config", "show", "--json"]), run(&env, &["doctor"]).1];
    for text in &shown {
        assert!(!text.contains("hunter2pass") && !text.contains("QUERYKEY123"), "{text}");
    }
    assert!(shown[1].contains("http://***@127.0.0.1:9/v1?api-key=***"), "{}", shown[1]);
    // A bad value is refused without showing it whole either.
    env.set("OPENAI_BASE_URL", "ftp://vibeuser:hunter2pass@example.com/?token=QUERYKEY123");
    let (_, err) = env.fails(&["config", "show"], 2);
    assert!(
        err.contains("model.base_url") && !err.contains("hunter2pass") && !err.contains("QUERYKEY123"),
        "{err}"
    );
}

#[test]
fn a_base_url_with_a_query_keeps_it_and_takes_the_path_before_it() {
    let (mut env, server) = setup();
    env.set("OPENAI_BASE_URL", format!("{}?api-version=2024-06-01", server.base_url()));
    server.push_json(&crs_doc());
    env.ok(&["crs", "add a health route", "--json"]);
    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/v1/chat/completions?api-version=2024-06-01");
    env.ok(&["doctor"]);
    let models: Vec<_> = server.requests().into_iter().filter(|r| r.method == "GET").collect();
    assert_eq!(models[0].path, "/v1/models?api-version=2024-06-01");
}

#[test]
fn gh_parse_url_never_prints_a_token() {
    let env = TestEnv::new();
    let token = "ghp_parseurlsecret0123456789abcdefghij";
    for input in [
        format!("https://{token}@github.com"),
        format!("https://{token}@github.com/"),
        format!("https://x-access-token:{token}@github.com/o"),
        format!("https://{token}@github.com/o/r/extra path"),
        format!("{token}@github.com:o"),
        format!("ftp://{token}@github.com/o/r"),
        format!("https://github.com/o?access_token={token}"),
    ] {
        let (code, out, err) = run(&env, &["gh", "parse-url", &input]);
        assert_eq!(code, Some(2), "{input}: {out}{err}");
        assert!(err.contains("not a repository URL") || err.contains("repository"), "{err}");
        assert!(!err.contains(token) && !out.contains(token), "{input}: {err}");
    }
    let input = format!("https://{token}@github.com/octo/demo.git");
    for json in [false, true] {
        let mut args = vec!["gh", "parse-url", input.as_str()];
        if json {
            args.push("--json");
        }
        let out = env.ok(&args);
        assert!(out.contains("octo") && !out.contains(token), "{out}");
    }
}

#[test]
fn absurd_github_waits_and_hostile_messages_end_in_a_clear_error() {
    let server = GithubServer::start();
    let mut env = TestEnv::new();
    env.use_github(&server).set("GITHUB_TOKEN", TOKEN);
    let limited = |name: &str, value: &str| {
        Response::json(403, &json!({"message": "API rate limit exceeded"}))
            .header("x-ratelimit-remaining", "0")
            .header(name, value.to_string())
    };
    let cases = [
        limited("retry-after", "18446744073709551615"),
        limited("retry-after", "1e20"),
        limited("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
        limited("x-ratelimit-reset", "9223372036854775807"),
        limited("x-ratelimit-reset", "-9223372036854775808"),
    ];
    for response in cases {
        server.inject("GET", "/api/v3/repos/octo/demo/commits", 10, response.clone());
        let (code, _, err) = run(&env, &["gh", "commits", "octo/demo"]);
        assert_eq!(code, Some(1), "{response:?}\n{err}");
        assert!(err.contains("rate limit exceeded") && err.contains("retry after"), "{err}");
        server.state.lock().unwrap().injected.clear();
    }
    // A server that echoes the token, with terminal escapes, in a huge message.
    let message = format!("\u{1b}[31mtoken {TOKEN} is bad{}", " really".repeat(100_000));
    server.inject(
        "GET",
        "/api/v3/repos/octo/demo/commits",
        10,
        Response::json(500, &json!({"message": message})),
    );
    let (code, _, err) = run(&env, &["gh", "commits", "octo/demo"]);
    assert_eq!(code, Some(1), "{err:.2000}");
    assert!(!err.contains(TOKEN) && !err.contains('\u{1b}') && err.len() < 4_000, "{err:.2000}");
}

#[test]
fn github_links_to_another_host_are_not_followed_with_the_token() {
    let server = GithubServer::start();
    let mut env = TestEnv::new();
    env.use_github(&server).set("GITHUB_TOKEN", TOKEN);
    let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let next = format!("http://{}/steal?page=2", elsewhere.local_addr().unwrap());
    let commit = json!([{"sha": "a".repeat(40), "commit": {"message": "one", "author": null}}]);
    server.inject(
        "GET",
        "/api/v3/repos/octo/demo/commits",
        1,
        Response::json(200, &commit).header("link", format!("<{next}>; rel=\"next\"")),
    );
    let out = env.ok(&["gh", "commits", "octo/demo", "--limit", "5"]);
    assert!(out.contains("one"), "{out}");
    assert!(elsewhere.accept().is_err(), "the token was sent to another host");
}

#[test]
fn hostile_configuration_values_are_refused_or_bounded() {
    let vars = [
        "VIBE_MODEL_TIMEOUT",
        "VIBE_MODEL_RETRIES",
        "VIBE_RETRY_BASE_MS",
        "VIBE_CONTEXT_TOKENS",
        "VIBE_COMMAND_TIMEOUT",
        "VIBE_AGENT_MAX_TURNS",
        "VIBE_AGENT_MAX_TOKENS",
        "VIBE_AGENT_MAX_MINUTES",
        "VIBE_GITHUB_WAIT_CAP_MS",
    ];
    let values =
        ["18446744073709551615", "99999999999999999999", "1000000001", "-1", "NaN", "1e20", "inf", "0x10"];
    for var in vars {
        for value in values {
            let mut env = TestEnv::new();
            env.set(var, value);
            let (code, _, err) = run(&env, &["config", "show"]);
            assert_eq!(code, Some(2), "{var}={value}: {err}");
            assert!(
                err.contains(var) && err.contains("a whole number up to 1000000000"),
                "{var}={value}: {err}"
            );
        }
        // The largest accepted value is taken.
        let mut env = TestEnv::new();
        env.set(var, "1000000000");
        env.ok(&["config", "show"]);
    }
    let mut env = TestEnv::new();
    env.set("OPENAI_BASE_URL", format!("http://{}", "a".repeat(100_000)));
    env.ok(&["config", "show"]);
}

#[test]
fn an_environment_that_is_not_utf8_does_not_stop_vibe() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let odd = std::ffi::OsStr::from_bytes(b"\xff\xfe-not-utf8");
    let out = env.vibe().env("SOME_OTHER_TOOL", odd).args(["config", "show"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = env.vibe().env("OPENAI_BASE_URL", odd).args(["config", "show"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OPENAI_BASE_URL"));
}

#[test]
fn a_secret_in_vibes_own_environment_never_reaches_a_sandboxed_command() {
    let (mut env, server) = setup();
    let repo = env.cwd.clone();
    std::fs::write(repo.join("notes.txt"), "keep me\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "notes"]);
    env.set("VIBE_PARENT_SECRET", "parent-secret-4711")
        .set("AWS_SECRET_ACCESS_KEY", "aws-parent-secret-4712")
        .set("LANG", "C.UTF-8");
    let plan = plan_file(env.root(), &[("grep -q hello hello.txt", &["AC1"])]);
    let probe = "echo parent=${VIBE_PARENT_SECRET:-absent} aws=${AWS_SECRET_ACCESS_KEY:-absent} \
                 key=${OPENAI_API_KEY:-absent} lang=${LANG:-absent}";
    server.push_tool_call("run_command", json!({"command": probe}));
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    server.push_tool_call("run_command", json!({"command": "grep -q hello hello.txt"}));
    server.push_tool_call(
        "finish",
        json!({"summary": "Probed.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": "grep -q hello hello.txt", "exit_code": 0}], "note": ""}
        ]}),
    );
    let (code, out, err) = run(&env, &["run", "--plan", plan.to_str().unwrap(), "--yes", "--no-pr"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    // The probe's output went back to the model in the next request.
    let reqs = server.chat_requests();
    let answer = reqs[1].all_text();
    assert!(answer.contains("parent=absent aws=absent key=absent"), "{answer}");
    // The allow-listed variables do pass: the probe can see what it should.
    assert!(answer.contains("lang=C.UTF-8"), "{answer}");
    for r in &reqs {
        assert!(!r.raw_body.contains("parent-secret-4711") && !r.raw_body.contains("aws-parent-secret-4712"));
    }
}

/// A server that answers every connection with `answer`, whatever was asked.
fn raw_server(answer: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut buf = [0u8; 65536];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(&answer);
        }
    });
    format!("http://{addr}")
}

#[test]
fn malformed_http_from_any_server_ends_in_a_clear_error() {
    let answers: Vec<Vec<u8>> = vec![
        b"garbage\r\n\r\n".to_vec(),
        b"HTTP/1.1 999999 Nope\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\ncontent-length: 18446744073709551615\r\n\r\n{}".to_vec(),
        b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n{}".to_vec(),
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffffff\r\nx".to_vec(),
        b"HTTP/1.1 429 Too Many Requests\r\nretry-after: \xff\xfe\r\ncontent-length: 0\r\n\r\n".to_vec(),
        [b"HTTP/1.1 200 OK\r\nx-long: ".to_vec(), vec![b'a'; 1 << 20], b"\r\n\r\n".to_vec()].concat(),
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: {\"choices\":[{\"delta\":".to_vec(),
        b"HTTP/1.1 200 OK\r\n".to_vec(),
        Vec::new(),
    ];
    for answer in answers {
        let url = raw_server(answer.clone());
        let shown = String::from_utf8_lossy(&answer[..answer.len().min(60)]).into_owned();
        let mut env = TestEnv::new();
        env.cwd = env.git_repo("app");
        env.set("OPENAI_BASE_URL", format!("{url}/v1"))
            .set("OPENAI_API_KEY", KEY)
            .set("VIBE_MODEL_RETRIES", "0")
            .set("VIBE_GITHUB_API_URL", &url)
            .set("VIBE_GITHUB_URL", &url)
            .set("VIBE_GITHUB_WAIT_CAP_MS", "5")
            .set("GITHUB_TOKEN", TOKEN);
        let (code, _, err) = run(&env, &["crs", "add a health route"]);
        assert!(matches!(code, Some(1) | Some(4)), "crs, {shown:?}: exit {code:?}\n{err:.2000}");
        assert!(
            err.starts_with("error: ") && err.len() < 4_000 && !err.contains(KEY),
            "{shown:?}: {err:.2000}"
        );
        let (code, _, err) = run(&env, &["gh", "commits", "octo/demo"]);
        assert_eq!(code, Some(1), "gh, {shown:?}: {err:.2000}");
        assert!(
            err.starts_with("error: ") && err.len() < 4_000 && !err.contains(TOKEN),
            "{shown:?}: {err:.2000}"
        );
        let (code, out, err) = run(&env, &["doctor"]);
        assert!(matches!(code, Some(0) | Some(1)), "doctor, {shown:?}: exit {code:?}\n{out}{err}");
        assert!(!out.contains("ok    model") && !out.contains("ok    github"), "{shown:?}: {out}");
        assert!(!out.contains(KEY) && !out.contains(TOKEN), "{out}");
    }
}
