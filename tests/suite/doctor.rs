//! `vibe doctor` as the user sees it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

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

#[test]
fn passes_with_a_reachable_local_model_server() {
    let mut env = TestEnv::new();
    let url = models_server("200 OK", r#"{"object":"list","data":[{"id":"llama3.1","object":"model"}]}"#);
    env.set("OPENAI_BASE_URL", url)
        .set("VIBE_MODEL", "llama3.1")
        .set("GITHUB_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    let out = env.ok(&["doctor", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let checks = doc["checks"].as_array().unwrap();
    let model = checks.iter().find(|c| c["name"] == "model").unwrap();
    assert_eq!(model["status"], "ok", "{model}");
    let github = checks.iter().find(|c| c["name"] == "github").unwrap();
    assert_eq!(
        github["detail"].as_str().unwrap().split(" for ").next(),
        Some("token from environment variable GITHUB_TOKEN")
    );
    assert!(!out.contains("abcdefghijklmnop"), "token leaked: {out}");
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
    env.set("VIBE_SANDBOX", "e2b");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("FAIL  e2b       sandbox backend is e2b but E2B_API_KEY is not set"), "{out}");
    env.set("VIBE_SANDBOX", "local");
    let (out, _) = env.fails(&["doctor"], 1);
    assert!(out.contains("ok    sandbox   bubblewrap"), "{out}");
}
