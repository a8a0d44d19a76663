//! Secrets never reach the model: a repository with a committed `.env.production`, a private
//! key and cloud keys in a configuration file, run through `vibe context`, `vibe crs` and a
//! whole `vibe run` whose scripted agent reads them; the loopback model server must never
//! see a secret value, and the job's events count what was redacted.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::openai::OpenAiServer;
use crate::common::{git, TestEnv};
use crate::suite::jobs::{crs_doc, plan_doc};

const DB_PASSWORD: &str = "Tr0ub4dor-and-3-horses";
const STRIPE: &str = "sk_live_51HqLyjWDarjtT1zdp7dcXy";
const AWS_ID: &str = "AKIAZ7Q2X5V8N3M4K6J1";
const AWS_SECRET: &str = "q8Xv2LmN4pR7sT1uW3yZ5aB9cD0eF6gH2iJ4kL7m";
const YAML_PASSWORD: &str = "db-S3cret-9f8e7d";
const KEY_BODY: &str = "MIIEpAIBAAKCAQEAx1ZUZ0s3cR3tK3yB0dyQ8wVn5PmR2sT7uX4zA6bC9dE1fG3h";
const VAULT: &str = "correct-horse-battery-staple-42";
/// A change the agent may make, and its check.
const CHECK: &str = "grep -q rotated CHANGELOG.md";

/// Every value that must never reach the model.
const SECRETS: &[&str] = &[DB_PASSWORD, STRIPE, AWS_ID, AWS_SECRET, YAML_PASSWORD, KEY_BODY, VAULT];

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn env_production() -> String {
    format!(
        "# production settings\nAPP_ENV=production\nDATABASE_HOST=db.internal\nDB_PASSWORD={DB_PASSWORD}\nSTRIPE_SECRET={STRIPE}\n"
    )
}

/// A repository about a database, holding every kind of committed secret.
fn secret_repo(env: &TestEnv) -> PathBuf {
    assert_eq!(AWS_SECRET.len(), 40);
    let repo = env.git_repo("shop");
    write(&repo, ".env.production", &env_production());
    write(&repo, ".env.example", "DB_PASSWORD=\nSTRIPE_SECRET=\n");
    write(
        &repo,
        "deploy/id_rsa",
        &format!("-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----\n"),
    );
    write(
        &repo,
        "config/database.yml",
        &format!(
            "# database password and storage keys\nproduction:\n  adapter: postgresql\n  host: db.internal\n  database: shop_production\n  username: shop\n  password: \"{YAML_PASSWORD}\"\nbackups:\n  aws_access_key_id: {AWS_ID}\n  aws_secret_access_key: {AWS_SECRET}\n  bucket: shop-backups\n"
        ),
    );
    write(
        &repo,
        "src/db.rs",
        "/// Connects to the database with the password from the environment.\npub fn connect() -> Database {\n    let password = std::env::var(\"DB_PASSWORD\").unwrap_or_default();\n    let token = next_token();\n    Database::open(\"db.internal\", &password, token)\n}\n",
    );
    write(&repo, "ops/vault.txt", &format!("database password rotation\nbackup_passphrase = \"{VAULT}\"\n"));
    write(&repo, ".vibeignore", "ops/vault.txt\n");
    write(&repo, "CHANGELOG.md", "# Changes\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "shop"]);
    repo
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} reached {what}:\n{text}");
    }
}

#[test]
fn vibe_context_lists_secret_files_by_path_and_sends_no_secret() {
    let mut env = TestEnv::new();
    let repo = secret_repo(&env);
    env.cwd = repo.clone();
    let out = env.ok(&["context", "change the database password"]);
    assert_clean("vibe context", &out);
    let layout = &out[out.find("## Layout").unwrap()..out.find("## Relevant files").unwrap()];
    assert!(layout.contains(".env.production\n") && layout.contains("deploy/id_rsa\n"), "{layout}");
    assert!(!layout.contains("ops/vault.txt"), ".vibeignore keeps a file out entirely: {layout}");
    // The configuration file is sent, its secrets replaced by what they were.
    assert!(out.contains("### config/database.yml"), "{out}");
    assert!(out.contains("  password: \"[redacted: password]\"\n"), "{out}");
    assert!(out.contains("  aws_access_key_id: [redacted: AWS access key id]\n"), "{out}");
    assert!(out.contains("  aws_secret_access_key: [redacted: AWS secret access key]\n"), "{out}");
    assert!(out.contains("  bucket: shop-backups\n"), "the rest of the file stays: {out}");
    // Ordinary code is sent untouched; the example env file is not secret-bearing.
    assert!(out.contains("    let token = next_token();\n"), "{out}");
    assert!(!out.contains("### .env.production") && !out.contains("### deploy/id_rsa"), "{out}");

    let json: Value =
        serde_json::from_str(&env.ok(&["context", "change the database password", "--json"])).unwrap();
    assert_eq!(json["skipped"]["secret"], 2, "{}", json["skipped"]);
    assert_eq!(json["redacted"], 3);
    let db = json["files"].as_array().unwrap().iter().find(|f| f["path"] == "config/database.yml").unwrap();
    assert_eq!(db["redacted"], 3);

    let explain = env.ok(&["context", "change the database password", "--explain"]);
    assert!(explain.contains("2 secret-bearing · 3 secret(s) redacted"), "{explain}");
}

#[test]
fn vibe_crs_sends_no_secret_to_the_model() {
    let mut env = TestEnv::new();
    let repo = secret_repo(&env);
    env.cwd = repo;
    let server = OpenAiServer::start();
    env.set("OPENAI_BASE_URL", server.base_url());
    env.set("OPENAI_API_KEY", "sk-test-secrets");
    server.push_json(&crs_doc());
    env.ok(&["crs", "change the database password", "--json"]);
    let requests = server.chat_requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].raw_body.contains("config/database.yml"), "the context was sent");
    assert!(requests[0].raw_body.contains("[redacted: password]"), "{}", requests[0].raw_body);
    assert_clean("the CRS request", &requests[0].raw_body);
}

fn job_events(env: &TestEnv) -> Vec<Value> {
    let store = vibe::store::Store::open(&env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let shown: Value =
        serde_json::from_str(&env.ok(&["jobs", "show", &job.id, "--json", "--events", "0"])).unwrap();
    shown["events"].as_array().unwrap().clone()
}

#[test]
fn the_agent_reads_secret_files_and_runs_commands_on_them_without_the_model_seeing_a_secret() {
    let mut env = TestEnv::new();
    let repo = secret_repo(&env);
    env.cwd = repo.clone();
    let server = OpenAiServer::start();
    env.set("OPENAI_BASE_URL", server.base_url());
    env.set("OPENAI_API_KEY", "sk-test-secrets");
    server.push_json(&crs_doc());
    server.push_json(&plan_doc(&[(CHECK, &["AC1"])]));
    server.push_tool_call("read_file", json!({"path": ".env.production"}));
    server.push_tool_call("run_command", json!({"command": "cat deploy/id_rsa"}));
    server.push_tool_call(
        "run_command",
        json!({"command": "cat .env.production; env -i DB_PASSWORD=hunter22 env"}),
    );
    server.push_tool_call("search", json!({"pattern": "(?i)password|secret|aws_", "path": ""}));
    server.push_tool_call("read_file", json!({"path": "ops/vault.txt"}));
    // Writing what it saw back would replace the real password with the marker: refused.
    server.push_tool_call(
        "write_file",
        json!({"path": ".env.production", "content": "DB_PASSWORD=[redacted: password]\nAPP_ENV=staging\n"}),
    );
    server.push_tool_call(
        "edit_file",
        json!({"path": "CHANGELOG.md", "old_text": "# Changes\n", "new_text": "# Changes\n- rotated\n"}),
    );
    server.push_tool_call("run_command", json!({"command": CHECK}));
    server.push_tool_call(
        "finish",
        json!({"summary": "Noted the rotation.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
        ]}),
    );
    let out = env.vibe().args(["run", "change the database password", "--yes", "--no-pr"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}\n{stderr}", String::from_utf8_lossy(&out.stdout));

    let requests = server.chat_requests();
    assert_eq!(requests.len(), 11, "CRS, plan and nine agent turns");
    for r in &requests {
        assert_clean("a model request", &r.raw_body);
    }
    // The agent still saw the files and everything in them that is not secret.
    let last = requests.last().unwrap().raw_body.clone();
    for seen in [
        "DB_PASSWORD=[redacted: password]",
        "APP_ENV=production",
        "DATABASE_HOST=db.internal",
        "[redacted: private key]",
        "[redacted: AWS secret access key]",
        "backup_passphrase = \\\"[redacted: password]\\\"",
        "DB_PASSWORD=[redacted: password]",
        "the new text holds a `[redacted: …]` marker",
    ] {
        assert!(last.contains(seen), "{seen} not in the conversation:\n{last}");
    }

    // The job's events count the redactions, per tool call.
    let events = job_events(&env);
    let redactions: Vec<(String, u64)> = events
        .iter()
        .filter(|e| e["kind"] == "redacted")
        .map(|e| (e["tool"].as_str().unwrap().to_string(), e["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        redactions,
        [
            ("read_file".to_string(), 2),
            ("run_command".to_string(), 1),
            ("run_command".to_string(), 3),
            ("search".to_string(), 5),
            ("read_file".to_string(), 1),
        ],
        "{events:#?}"
    );
    let total: u64 = redactions.iter().map(|r| r.1).sum();
    let store = vibe::store::Store::open(&env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let shown = env.ok(&["jobs", "show", &job.id, "--events", "0"]);
    assert!(shown.contains(&format!("redacted     {total} secret(s) kept from the model")), "{shown}");
    assert!(shown.contains("2 secrets redacted from read_file output (password, secret)"), "{shown}");
    // Nothing secret went into the job's log or artifacts either, and the password was not
    // overwritten by its marker.
    assert_clean("the job's events", &serde_json::to_string(&events).unwrap());
    let branch = job.branch_name.unwrap();
    assert_eq!(git(&repo, &["show", &format!("{branch}:.env.production")]), env_production());
    assert_eq!(git(&repo, &["show", &format!("{branch}:CHANGELOG.md")]), "# Changes\n- rotated\n");
    for file in walk(&env.vibe_home()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert_clean(&file.display().to_string(), &text);
    }
}

#[test]
fn the_readme_names_every_secret_bearing_pattern() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for pattern in vibe::redact::SECRET_FILES.iter().filter(|p| !p.starts_with('!')) {
        let shown = pattern.trim_start_matches("**/").replace("/**", "/");
        assert!(readme.contains(&format!("`{shown}`")), "the README does not list `{shown}`");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_symlink() {
            continue;
        }
        // The pooled copy of the repository holds the repository's own files.
        if p.is_dir() && p.file_name().is_some_and(|n| n == "sandbox-pool") {
            continue;
        }
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
