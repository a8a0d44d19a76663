//! `vibe crs` and `vibe plan` end to end: the real binary, a real git repository, a real
//! SQLite file, and the loopback OpenAI server recording what was sent.

use serde_json::{json, Value};

use crate::common::openai::{OpenAiServer, Reply, DEFAULT_USAGE};
use crate::common::{git, TestEnv};

pub(crate) fn crs_doc() -> Value {
    json!({
        "summary": "Add a --verbose flag that prints debug lines",
        "goals": ["Users can ask for more output"],
        "non_goals": ["Changing the default output"],
        "constraints": ["No new dependencies"],
        "acceptance_criteria": [
            {"id": "AC1", "description": "--verbose prints debug lines", "verification": "cargo test verbose"},
            {"id": "AC2", "description": "without the flag output is unchanged", "verification": "cargo test quiet"}
        ],
        "affected_areas": ["src/main.rs"],
        "risks": [],
        "open_questions": ["Should -v be an alias?"]
    })
}

pub(crate) fn plan_doc() -> Value {
    json!({
        "summary": "Parse the flag, gate debug output, test both ways",
        "steps": [
            {"title": "Parse --verbose", "intent": "Add the flag to main.",
             "files": [{"path": "src/main.rs", "action": "modify"}], "commands": []},
            {"title": "Test it", "intent": "Cover both criteria.",
             "files": [{"path": "tests/verbose.rs", "action": "create"}], "commands": ["cargo test"]}
        ],
        "testing_strategy": [
            {"command": "cargo test verbose", "proves": "debug lines appear", "criteria": ["AC1"]},
            {"command": "cargo test quiet", "proves": "default output unchanged", "criteria": ["AC2"]}
        ],
        "complexity": "low",
        "confidence": 0.85,
        "estimated_files_changed": 2,
        "needs_network": false
    })
}

/// An environment aimed at a fresh loopback server, standing in a small Rust repository.
pub(crate) fn setup() -> (TestEnv, OpenAiServer) {
    let server = OpenAiServer::start();
    let mut env = TestEnv::new();
    let repo = env.git_repo("app");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join("src/main.rs"), "fn main() {\n    println!(\"VERBOSE_MARKER\");\n}\n").unwrap();
    std::fs::write(repo.join("Cargo.toml"), "[package]\nname = \"app\"\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "app"]);
    env.cwd = repo;
    env.set("OPENAI_BASE_URL", server.base_url());
    env.set("OPENAI_API_KEY", "sk-test-0123456789abcdef");
    env.set("VIBE_RETRY_BASE_MS", "5");
    (env, server)
}

fn db(env: &TestEnv) -> rusqlite::Connection {
    rusqlite::Connection::open(env.db_path()).unwrap()
}

fn count(env: &TestEnv, table: &str) -> i64 {
    if !env.db_path().exists() {
        return 0;
    }
    db(env).query_row(&format!("select count(*) from {table}"), [], |r| r.get(0)).unwrap()
}

fn usage_rows(env: &TestEnv) -> Vec<(String, String, String, i64, i64, i64)> {
    let conn = db(env);
    let mut stmt = conn
        .prepare("select day, model, stage, calls, prompt_tokens, completion_tokens from usage_daily order by stage")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn crs_json_records_the_crs_and_sends_schema_and_context() {
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc()).usage(1200, 300));
    let out: Value = serde_json::from_str(&env.ok(&["crs", "add a --verbose flag", "--json"])).unwrap();
    assert_eq!(out["crs"], crs_doc());
    assert_eq!(out["usage"]["prompt_tokens"], 1200);
    assert_eq!(out["context"]["files"][0], "src/main.rs");
    let id = out["id"].as_str().unwrap().to_string();

    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.header("authorization"), Some("Bearer sk-test-0123456789abcdef"));
    assert_eq!(r.body["model"], "gpt-4.1");
    assert_eq!(r.body["stream"], true);
    assert_eq!(r.body["response_format"]["json_schema"]["name"], "crs");
    let schema = r.json_schema().unwrap();
    assert_eq!(
        schema["properties"]["acceptance_criteria"]["items"]["required"],
        json!(["id", "description", "verification"])
    );
    assert_eq!(schema["additionalProperties"], false);
    // The repository context leads (the system message), the task follows.
    let system = r.messages()[0]["content"].as_str().unwrap().to_string();
    assert!(system.starts_with("You are vibe") && system.contains("\n\n# Repository `app`"), "{system}");
    assert!(system.contains("VERBOSE_MARKER"), "the relevant file's content is sent");
    let user = r.messages()[1]["content"].as_str().unwrap().to_string();
    assert!(user.starts_with("Write a Change Request Specification"), "{user}");
    assert!(
        user.contains("\n\nChange request:\nadd a --verbose flag\n\nAnswer with a single JSON object"),
        "{user}"
    );

    let conn = db(&env);
    let (prompt, model, p, c, total, cost, summary): (String, String, i64, i64, i64, f64, String) = conn
        .query_row(
            "select prompt, model, prompt_tokens, completion_tokens, tokens_used, cost_usd, summary from crs_records where id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .unwrap();
    assert_eq!(
        (prompt.as_str(), model.as_str(), p, c, total),
        ("add a --verbose flag", "gpt-4.1", 1200, 300, 1500)
    );
    assert!((cost - (1200.0 * 2.0 + 300.0 * 8.0) / 1e6).abs() < 1e-12);
    assert_eq!(summary, "Add a --verbose flag that prints debug lines");
    assert_eq!(usage_rows(&env), vec![("2026-03-14".into(), "gpt-4.1".into(), "crs".into(), 1, 1200, 300)]);
    // The secret never reaches the database.
    let dump: String =
        conn.query_row("select group_concat(crs_json || prompt) from crs_records", [], |r| r.get(0)).unwrap();
    assert!(!dump.contains("sk-test"));
}

#[test]
fn crs_markdown_and_out_files() {
    let (env, server) = setup();
    server.push_json(&crs_doc());
    let out = env.ok(&["crs", "add a --verbose flag", "--out", "crs.json"]);
    assert!(out.starts_with("# Change request\n\nAdd a --verbose flag that prints debug lines\n"), "{out}");
    assert!(
        out.contains("- **AC2** without the flag output is unchanged\n  - check: cargo test quiet\n"),
        "{out}"
    );
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(env.cwd.join("crs.json")).unwrap()).unwrap();
    assert_eq!(file, crs_doc());

    server.push_json(&crs_doc());
    env.ok(&["crs", "again", "--out", "crs.md", "-q"]);
    let md = std::fs::read_to_string(env.cwd.join("crs.md")).unwrap();
    assert!(
        md.starts_with("# Change request\n")
            && md.contains("## Open questions\n\n- Should -v be an alias?\n")
    );

    // A format vibe cannot tell is refused before any request.
    let (_, err) = env.fails(&["crs", "x", "--out", "crs.txt"], 2);
    assert!(err.contains("cannot tell the format of crs.txt") && err.contains(".json or .md"), "{err}");
    assert_eq!(server.chat_requests().len(), 2);
}

#[test]
fn plan_makes_a_crs_then_a_checked_plan_and_records_both() {
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc()).usage(1000, 200));
    server.push(Reply::json(&plan_doc()).usage(2000, 400));
    let out: Value = serde_json::from_str(&env.ok(&["plan", "add a --verbose flag", "--json"])).unwrap();
    assert_eq!(out["plan"], plan_doc());
    assert_eq!(out["crs"], crs_doc());
    assert_eq!(out["usage"]["crs"]["prompt_tokens"], 1000);
    assert_eq!(out["usage"]["plan"]["completion_tokens"], 400);
    let plan_id = out["id"].as_str().unwrap().to_string();
    let crs_id = out["crs_id"].as_str().unwrap().to_string();

    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].body["response_format"]["json_schema"]["name"], "plan");
    let user = reqs[1].messages()[1]["content"].as_str().unwrap().to_string();
    assert!(
        user.starts_with("Write the implementation plan") && user.contains("\n\nCRS:\n```json\n"),
        "{user}"
    );
    assert!(
        user.contains("\"id\": \"AC2\"") && user.contains("Original request:\nadd a --verbose flag"),
        "{user}"
    );
    // The context is gathered once and leads both requests unchanged: their first message is
    // the same, for servers that cache a prompt's leading part.
    let system = reqs[1].messages()[0]["content"].as_str().unwrap().to_string();
    assert!(system.contains("VERBOSE_MARKER"));
    assert_eq!(reqs[0].messages()[0], reqs[1].messages()[0]);

    let conn = db(&env);
    let row: (String, String, f64, i64, String, i64, i64, Option<String>, String) = conn
        .query_row(
            "select status, complexity, confidence, steps_count, crs_id, prompt_tokens, tokens_used, user_id, model \
             from plan_records where id = ?1",
            [&plan_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        ("draft".into(), "low".into(), 0.85, 2, crs_id.clone(), 2000, 2400, None, "gpt-4.1".into())
    );
    assert_eq!(
        usage_rows(&env),
        vec![
            ("2026-03-14".into(), "gpt-4.1".into(), "crs".into(), 1, 1000, 200),
            ("2026-03-14".into(), "gpt-4.1".into(), "plan".into(), 1, 2000, 400),
        ]
    );

    // Show and list.
    let shown = env.ok(&["plan", "show", &plan_id[..8]]);
    assert!(
        shown.starts_with(&format!(
            "plan {} · draft · 2026-03-14 15:09 · gpt-4.1 · 2400 tokens\nCRS {}\n",
            &plan_id[..8],
            &crs_id[..8]
        )),
        "{shown}"
    );
    assert!(
        shown.contains("1. **Parse --verbose** — Add the flag to main.\n   - modify `src/main.rs`\n"),
        "{shown}"
    );
    assert!(shown.contains("- `cargo test quiet` — default output unchanged (AC2)"), "{shown}");
    let shown: Value = serde_json::from_str(&env.ok(&["plan", "show", &plan_id, "--json"])).unwrap();
    assert_eq!(shown["plan"], plan_doc());
    assert_eq!(shown["crs"], crs_doc());
    let list = env.ok(&["plan", "list"]);
    assert!(
        list.starts_with("ID        STATUS  COMPLEXITY  STEPS  CONFIDENCE  CREATED           SUMMARY\n"),
        "{list}"
    );
    assert!(
        list.contains(&format!(
            "{}  draft   low         2      85%         2026-03-14 15:09  Parse the flag",
            &plan_id[..8]
        )),
        "{list}"
    );
    let list: Value = serde_json::from_str(&env.ok(&["plan", "list", "--json"])).unwrap();
    assert_eq!(list[0]["id"], plan_id.as_str());
}

#[test]
fn an_unsound_plan_is_repaired_with_the_problems_shown_to_the_model() {
    let (env, server) = setup();
    server.push_json(&crs_doc());
    let mut bad = plan_doc();
    bad["steps"][0]["files"][0]["path"] = json!("../outside.rs");
    bad["steps"][1]["files"] = json!([{"path": "src/nope.rs", "action": "modify"}]);
    bad["testing_strategy"][1]["criteria"] = json!([]);
    server.push_json(&bad);
    server.push_json(&plan_doc());
    let out: Value = serde_json::from_str(&env.ok(&["plan", "add a --verbose flag", "--json"])).unwrap();
    assert_eq!(out["plan"], plan_doc());
    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 3);
    let repair = reqs[2].messages();
    assert_eq!(repair[2]["role"], "assistant");
    assert_eq!(serde_json::from_str::<Value>(repair[2]["content"].as_str().unwrap()).unwrap(), bad);
    let text = repair[3]["content"].as_str().unwrap();
    assert!(text.starts_with("Your answer was not valid:\n"), "{text}");
    assert!(text.contains("- $.steps[0].files[0].path: \"../outside.rs\" leaves the repository"), "{text}");
    assert!(text.contains("\"src/nope.rs\" does not exist in the repository"), "{text}");
    assert!(
        text.contains("acceptance criterion AC2 (without the flag output is unchanged) is not covered"),
        "{text}"
    );
    // Usage of both plan calls is recorded.
    let rows = usage_rows(&env);
    assert_eq!(rows[1].2, "plan");
    assert_eq!((rows[1].4, rows[1].5), (2 * DEFAULT_USAGE.0 as i64, 2 * DEFAULT_USAGE.1 as i64));
}

#[test]
fn a_plan_that_never_becomes_valid_leaves_no_plan_behind() {
    let (env, server) = setup();
    server.push_json(&crs_doc());
    server.set_default(Reply::text("{\"summary\": \"missing everything\"}"));
    let (stdout, err) = env.fails(&["plan", "add a --verbose flag", "--json"], 1);
    assert!(err.contains("error: the model's answer is not a valid plan after 3 attempts"), "{err}");
    assert!(err.contains("missing required field `steps`"), "{err}");
    let doc: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(doc["error"]["exit_code"], 1);
    let crs_id: String = db(&env).query_row("select id from crs_records", [], |r| r.get(0)).unwrap();
    assert!(err.contains(&format!("retry with `vibe plan --crs {}`", &crs_id[..8])), "{err}");
    assert_eq!(count(&env, "plan_records"), 0);
    assert_eq!(usage_rows(&env).iter().map(|r| r.2.as_str()).collect::<Vec<_>>(), vec!["crs"]);
    assert_eq!(server.chat_requests().len(), 4);

    // The saved CRS is planned without a new CRS request.
    server.push_json(&plan_doc());
    let out: Value = serde_json::from_str(&env.ok(&["plan", "--crs", &crs_id[..8], "--json"])).unwrap();
    assert_eq!(out["crs_id"], crs_id.as_str());
    assert_eq!(out["usage"]["crs"], Value::Null);
    assert_eq!(server.chat_requests().len(), 5);
}

#[test]
fn plan_from_a_crs_file() {
    let (env, server) = setup();
    std::fs::write(env.cwd.join("crs.json"), crs_doc().to_string()).unwrap();
    server.push_json(&plan_doc());
    let out = env.ok(&["plan", "--crs", "crs.json", "--out", "plan.md"]);
    assert!(out.starts_with("# Plan\n\nParse the flag, gate debug output, test both ways\n"), "{out}");
    assert!(std::fs::read_to_string(env.cwd.join("plan.md")).unwrap().starts_with("# Plan\n"));
    assert_eq!(server.chat_requests().len(), 1);
    assert_eq!(count(&env, "crs_records"), 1);
    assert_eq!(count(&env, "plan_records"), 1);

    std::fs::write(env.cwd.join("bad.json"), "{\"summary\": \"x\"}").unwrap();
    let (_, err) = env.fails(&["plan", "--crs", "bad.json"], 2);
    assert!(err.contains("bad.json is not a valid CRS: $: missing required field `goals`"), "{err}");
    let (_, err) = env.fails(&["plan", "--crs", "nothing-here.json"], 2);
    assert!(err.contains("no such file"), "{err}");
    let (_, err) = env.fails(&["plan", "--crs", "abcdef12"], 1);
    assert!(err.contains("no CRS with id abcdef12"), "{err}");
    assert_eq!(server.chat_requests().len(), 1);
}

#[test]
fn missing_key_or_model_is_reported_before_any_work() {
    let (mut env, server) = setup();
    env.set("OPENAI_BASE_URL", "https://api.openai.com/v1");
    env.env.remove("OPENAI_API_KEY");
    let (_, err) = env.fails(&["plan", "add a flag"], 4);
    assert!(err.starts_with("error: no API key for the model endpoint https://api.openai.com/v1\n"), "{err}");
    assert!(err.contains("hint: set OPENAI_API_KEY"), "{err}");
    assert!(!env.db_path().exists(), "nothing written");

    let (mut env2, _) = setup();
    std::fs::write(env2.cwd.join(".vibe.toml"), "[model]\nname = \"\"\n").unwrap();
    env2.set("OPENAI_BASE_URL", server.base_url());
    let (_, err) = env2.fails(&["crs", "add a flag", "--json"], 4);
    assert!(err.contains("error: no model configured") && err.contains("VIBE_MODEL"), "{err}");
    assert_eq!(server.chat_requests().len(), 0);
}

#[test]
fn endpoint_errors_exit_clearly_with_nothing_recorded() {
    let (mut env, server) = setup();
    env.set("VIBE_MODEL_RETRIES", "2");
    server.push(Reply::unauthorized());
    let (_, err) = env.fails(&["crs", "x"], 4);
    assert!(
        err.starts_with("error: model endpoint returned 401 Unauthorized: Incorrect API key provided"),
        "{err}"
    );
    assert!(err.contains("hint: check OPENAI_API_KEY"), "{err}");

    server.push(Reply::model_not_found("gpt-4.1"));
    let (_, err) = env.fails(&["plan", "x"], 4);
    assert!(err.starts_with(&format!("error: model 'gpt-4.1' not found at {}", server.base_url())), "{err}");
    assert!(err.contains("hint: set VIBE_MODEL"), "{err}");

    server.set_default(Reply::server_error());
    let (_, err) = env.fails(&["crs", "x"], 1);
    assert!(err.starts_with("error: model endpoint returned 500 after 3 attempts"), "{err}");
    assert_eq!(server.chat_requests().len(), 5);

    server.set_default(Reply::text("{\"summary\": \"cut").cut_short());
    let (_, err) = env.fails(&["crs", "x"], 1);
    assert!(err.contains("cut short (3 attempts)"), "{err}");

    assert_eq!(count(&env, "crs_records") + count(&env, "plan_records") + count(&env, "usage_daily"), 0);
}

#[test]
fn invalid_json_is_repaired_and_a_rejected_json_schema_falls_back_to_the_prompt() {
    let (env, server) = setup();
    server.push(Reply::schema_unsupported());
    server.push(Reply::text("Here is the CRS you asked for."));
    server.push(Reply::text(format!("```json\n{}\n```", crs_doc())));
    let out: Value = serde_json::from_str(&env.ok(&["crs", "add a --verbose flag", "--json"])).unwrap();
    assert_eq!(out["crs"], crs_doc());
    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].json_schema().is_some());
    for r in &reqs[1..] {
        assert!(r.body.get("response_format").is_none());
        assert!(r.messages()[1]["content"].as_str().unwrap().contains("must match this JSON Schema"));
    }
    assert!(reqs[2].all_text().contains("the answer is not valid JSON"));
    // Two answers were paid for; the rejected request was not.
    assert_eq!(out["usage"]["prompt_tokens"], 2 * DEFAULT_USAGE.0);
}

#[test]
fn outside_a_repository_is_a_usage_error() {
    let (mut env, server) = setup();
    env.cwd = env.root().join("work");
    let (_, err) = env.fails(&["crs", "x"], 2);
    assert!(err.contains("not inside a git repository"), "{err}");
    let (_, err) = env.fails(&["plan", "x"], 2);
    assert!(err.contains("not inside a git repository"), "{err}");
    assert_eq!(server.chat_requests().len(), 0);
}

#[test]
fn plan_prints_both_documents_and_links_the_logged_in_user() {
    let (env, server) = setup();
    let mut store = vibe::store::Store::open(&env.db_path()).unwrap();
    let user = store
        .upsert_user(&vibe::store::UserRecord {
            id: "0193c1e2-0000-7000-8000-000000000001".into(),
            github_host: "github.com".into(),
            github_id: 42,
            login: "octo".into(),
            name: None,
            email: None,
            avatar_url: None,
            html_url: None,
            last_login_at: Some("2026-03-14T15:00:00.000Z".into()),
            created_at: "2026-03-14T15:00:00.000Z".into(),
            updated_at: "2026-03-14T15:00:00.000Z".into(),
        })
        .unwrap();
    drop(store);
    server.push_json(&crs_doc());
    server.push_json(&plan_doc());
    let out = env.vibe().args(["plan", "add a --verbose flag"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.starts_with("# Change request\n\nAdd a --verbose flag that prints debug lines\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\n# Plan\n\nParse the flag, gate debug output, test both ways\n"), "{stdout}");
    assert!(stdout.contains("Complexity: low · confidence 85% · about 2 file(s) changed\n"), "{stdout}");
    assert!(
        stderr.contains("CRS ") && stderr.contains(" recorded · gpt-4.1 · 125 tokens · $0.0004"),
        "{stderr}"
    );
    assert!(stderr.contains("recorded as a draft · gpt-4.1 · 125 tokens"), "{stderr}");
    // No progress output when stderr is not a terminal.
    assert!(!stderr.contains("tokens ·") || !stderr.contains('\r'), "{stderr}");
    let conn = db(&env);
    let (crs_user, plan_user): (Option<String>, Option<String>) = conn
        .query_row(
            "select c.user_id, p.user_id from plan_records p join crs_records c on c.id = p.crs_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(crs_user.as_deref(), Some(user.id.as_str()));
    assert_eq!(plan_user.as_deref(), Some(user.id.as_str()));
}
