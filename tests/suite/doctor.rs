//! `vibe doctor` as the user sees it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use crate::common::github::{GithubServer, TOKEN};
use crate::common::TestEnv;

/// Serves `GET /v1/models` once per connection with the given status and body, forever.
fn models_server(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/v1")
}

#[test]
fn reports_each_check_and_fails_without_a_model_key() {
    let mut env = TestEnv::new();
    env.set("OPENAI_BASE_URL", "https://api.openai.com/v1");
    let (out, err) = env.fails(&["doctor"], 1);
    assert!(out.contains("FAIL  model     no API key for https://api.openai.com/v1"), "{out}");
    assert!(out.contains("fix: set OPENAI_API_KEY"), "{out}");
    let db_line =
        format!("ok    database  [ROOT]/vibe-home/vibe.db (schema v{})", vibe::store::SCHEMA_VERSION);
    assert!(env.filter(&out).contains(&db_line), "{out}");
    assert!(out.contains("warn  github"), "{out}");
    assert!(err.contains("1 required check failed"), "{err}");
}

fn check(out: &str, name: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(out).unwrap();
    doc["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap().clone()
}

#[test]
fn passes_with_a_reachable_local_model_server_and_a_token_github_accepts() {
    let mut env = TestEnv::new();
    let github = GithubServer::start();
    let url = models_server("200 OK", r#"{"object":"list","data":[{"id":"llama3.1","object":"model"}]}"#);
    env.use_github(&github)
        .set("OPENAI_BASE_URL", url)
        .set("VIBE_MODEL", "llama3.1")
        .set("GITHUB_TOKEN", TOKEN);
    let out = env.ok(&["doctor", "--json"]);
    let model = check(&out, "model");
    assert_eq!(model["status"], "ok", "{model}");
    let gh = check(&out, "github");
    assert_eq!(gh["status"], "ok", "{gh}");
    let detail = gh["detail"].as_str().unwrap();
    assert!(detail.starts_with("token from environment variable GITHUB_TOKEN for "), "{detail}");
    assert!(detail.ends_with(": signed in as octocat; scopes: repo, read:user"), "{detail}");
    // The token was proven on the configured API, and shown nowhere.
    let asked = github.requests_to("GET", "/api/v3/user");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].header("authorization").map(str::to_string), Some(format!("Bearer {TOKEN}")));
    assert!(!out.contains(TOKEN), "token leaked: {out}");
}

#[test]
fn a_token_github_rejects_fails_and_one_it_cannot_check_is_not_ok() {
    let mut env = TestEnv::new();
    let github = GithubServer::start();
    let url = models_server("200 OK", r#"{"object":"list","data":[{"id":"gpt-4.1"}]}"#);
    let wrong = "ghp_revokedtoken0123456789abcdefghijklm";
    env.use_github(&github).set("OPENAI_BASE_URL", url).set("GITHUB_TOKEN", wrong);
    let (out, err) = env.fails(&["doctor"], 1);
    assert!(out.contains("FAIL  github    token from environment variable GITHUB_TOKEN"), "{out}");
    assert!(out.contains("rejected the token (Bad credentials)"), "{out}");
    assert!(out.contains("fix: the token was revoked or has expired"), "{out}");
    assert!(err.contains("1 required check failed"), "{err}");
    assert!(!out.contains(wrong) && !err.contains(wrong), "{out}{err}");

    // A token without the repo scope cannot open pull requests: a warning.
    github.add_user("ghp_readonly0123456789abcdefghijklmnopq", "reader", 7);
    github.state.lock().unwrap().tokens.get_mut("ghp_readonly0123456789abcdefghijklmnopq").unwrap().scopes =
        "read:user".into();
    env.set("GITHUB_TOKEN", "ghp_readonly0123456789abcdefghijklmnopq");
    let out = env.ok(&["doctor"]);
    assert!(out.contains("warn  github") && out.contains("signed in as reader"), "{out}");
    assert!(out.contains("without the `repo` scope"), "{out}");

    // GitHub unreachable: the token is not proven, so not "ok" (but not a failure of vibe).
    env.set("VIBE_GITHUB_API_URL", "http://127.0.0.1:9").set("GITHUB_TOKEN", TOKEN);
    let out = env.ok(&["doctor"]);
    assert!(
        out.contains("warn  github") && out.contains("not verified: cannot reach http://127.0.0.1:9"),
        "{out}"
    );
}

#[test]
fn a_failing_model_server_is_a_failure_and_a_missing_model_list_is_not_ok() {
    let mut env = TestEnv::new();
    let url = models_server("503 Service Unavailable", r#"{"error":{"message":"loading"}}"#);
    env.set("OPENAI_BASE_URL", url).set("VIBE_MODEL", "llama3.1");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(
        out.contains("FAIL  model") && out.contains("answered 503 Service Unavailable to /models"),
        "{out}"
    );

    let url = models_server("404 Not Found", r#"{"error":"not found"}"#);
    env.set("OPENAI_BASE_URL", url);
    let out = env.ok(&["doctor"]);
    assert!(out.contains("warn  model") && out.contains("/models answered 404 Not Found"), "{out}");
    assert!(out.contains("usually ending in /v1"), "{out}");
}

#[test]
fn warns_when_the_model_is_not_served_and_fails_on_a_rejected_key() {
    let mut env = TestEnv::new();
    let url = models_server("200 OK", r#"{"object":"list","data":[{"id":"other"}]}"#);
    env.set("OPENAI_BASE_URL", url).set("VIBE_MODEL", "llama3.1");
    let out = env.ok(&["doctor"]);
    assert!(out.contains("does not list model 'llama3.1'"), "{out}");

    let url = models_server("401 Unauthorized", r#"{"error":{"message":"bad key"}}"#);
    env.set("OPENAI_BASE_URL", url).set("OPENAI_API_KEY", "sk-wrong-key-0123456789abcdef");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("refused the key (401 Unauthorized)"), "{out}");
}

#[test]
fn broken_configuration_is_a_failed_check_not_a_crash() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.user_config().parent().unwrap()).unwrap();
    std::fs::write(env.user_config(), "[model\n").unwrap();
    let (out, _) = env.fails(&["doctor", "--json"], 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["checks"][0]["name"], "config");
    assert!(doc["checks"][0]["detail"].as_str().unwrap().contains("config.toml:1: invalid TOML"), "{out}");
}

#[test]
fn supabase_half_configured_fails() {
    let mut env = TestEnv::new();
    env.set("SUPABASE_URL", "http://127.0.0.1:9");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("FAIL  supabase  only one of SUPABASE_URL and SUPABASE_KEY is set"), "{out}");
}

#[test]
fn sandbox_backend_choice_is_checked() {
    let mut env = TestEnv::new();
    env.set("VIBE_SANDBOX", "none");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("warn  sandbox   backend `none`"), "{out}");
    // E2B: the key must be set, and the API must accept it.
    env.set("VIBE_SANDBOX", "e2b");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("FAIL  e2b       sandbox backend is e2b, and no E2B API key is set"), "{out}");
    let server = crate::common::e2b::E2bServer::start("e2b_0123456789abcdef0123456789");
    env.set("E2B_API_URL", server.base_url());
    env.set("E2B_API_KEY", "e2b_wrong");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("FAIL  e2b       E2B refused the API key in E2B_API_KEY"), "{out}");
    env.set("E2B_API_KEY", "e2b_0123456789abcdef0123456789");
    let out = String::from_utf8_lossy(&env.vibe().arg("doctor").output().unwrap().stdout).into_owned();
    assert!(
        out.contains(&format!("ok    e2b       {} accepts the key (template base)", server.base_url())),
        "{out}"
    );
    assert!(server.requests().iter().all(|r| r.path == "/v2/sandboxes?limit=1"));
    env.env.remove("E2B_API_KEY");
    env.set("VIBE_SANDBOX", "local");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("ok    sandbox   bubblewrap"), "{out}");
}
