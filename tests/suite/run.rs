//! `vibe run` end to end: a real temp repository, the real bubblewrap sandbox, the real model
//! client aimed at the loopback OpenAI-compatible server scripted to drive the agent.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};
use vibe::store::Store;

use crate::common::github::GithubServer;
use crate::common::openai::{OpenAiServer, Reply};
use crate::common::{git, TestEnv};
use crate::suite::jobs::{crs_doc, plan_doc, plan_file};

const KEY: &str = "sk-test-never-stored-4242";
const CHECK: &str = "grep -q hello hello.txt";

/// A test world: an environment, a repository with a plan file, a scripted model server.
struct World {
    env: TestEnv,
    repo: PathBuf,
    plan: PathBuf,
    server: OpenAiServer,
}

fn world() -> World {
    let mut env = TestEnv::new();
    let repo = env.git_repo("repo");
    std::fs::write(repo.join("notes.txt"), "keep me\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "notes"]);
    env.cwd = repo.clone();
    let server = OpenAiServer::start();
    env.set("OPENAI_BASE_URL", server.base_url());
    env.set("OPENAI_API_KEY", KEY);
    let plan = plan_file(env.root(), &[(CHECK, &["AC1"])]);
    World { env, repo, plan, server }
}

/// The agent writes hello.txt, checks it, and finishes.
fn script_success(server: &OpenAiServer, content: &str) {
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": content}));
    server.push_tool_call("run_command", json!({"command": CHECK}));
    finish(server);
}

/// The agent writes the wrong greeting and claims success; the plan's check fails.
fn script_failure(server: &OpenAiServer) {
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "goodbye\n"}));
    server.push_tool_call(
        "finish",
        json!({"summary": "Wrote it.", "criteria": [{"id": "AC1", "holds": true, "evidence": [], "note": "looks right"}]}),
    );
}

fn finish(server: &OpenAiServer) {
    server.push_tool_call(
        "finish",
        json!({"summary": "Wrote hello.txt.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
        ]}),
    );
}

fn snapshot(repo: &Path) -> (String, String, String) {
    (
        git(repo, &["rev-parse", "HEAD"]),
        git(repo, &["symbolic-ref", "HEAD"]),
        git(repo, &["status", "--porcelain", "--untracked-files=all"]),
    )
}

fn job_json(env: &TestEnv, id: &str) -> Value {
    serde_json::from_str(&env.ok(&["jobs", "show", id, "--json", "--events", "0"])).unwrap()
}

fn assert_log_is_gap_free(job: &Value) {
    let seqs: Vec<i64> =
        job["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{job}");
}

fn statuses(job: &Value) -> Vec<String> {
    job["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status")
        .map(|e| e["to"].as_str().unwrap().to_string())
        .collect()
}

/// The kind of failure the job's final status event names (`null` for `done`).
fn final_failure(job: &Value) -> Value {
    let events = job["events"].as_array().unwrap();
    events.iter().rev().find(|e| e["kind"] == "status").unwrap()["failure"].clone()
}

fn assert_no_secret_under(dir: &Path) {
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the API key leaked into {}",
            entry.display()
        );
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
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn run_commits_the_agents_work_on_a_new_branch_and_leaves_the_user_alone() {
    let w = world();
    script_success(&w.server, "hello\n");
    let before = snapshot(&w.repo);
    let out =
        w.env.vibe().args(["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(snapshot(&w.repo), before, "the user's HEAD, branch or tree changed");
    assert!(!w.repo.join("hello.txt").exists());
    assert!(stderr.contains("● provisioning") && stderr.contains("● done"), "{stderr}");
    assert!(stderr.contains("$ grep -q hello hello.txt  (exit 0"), "{stderr}");
    assert!(stdout.contains("vibe pr create --job"), "{stdout}");

    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    let branch = job.branch_name.clone().unwrap();
    assert!(branch.starts_with(&format!("vibe/{}-add-a-greeting-file", &job.id[..8])), "{branch}");
    assert_eq!(git(&w.repo, &["rev-parse", &branch]).trim(), job.commit_sha.clone().unwrap());
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    assert_eq!(git(&w.repo, &["rev-parse", &format!("{branch}~1")]), before.0);
    let message = git(&w.repo, &["log", "-1", "--format=%an <%ae>%n%B", &branch]);
    assert!(message.starts_with("Test User <test@example.com>\nAdd a greeting file\n"), "{message}");
    assert!(message.contains(&format!("Vibe-Job: {}", job.id)), "{message}");
    assert_eq!((job.files_changed, job.lines_added, job.lines_removed), (1, Some(1), Some(0)));
    assert!(job.tokens_used.unwrap() > 0 && job.execution_time_ms.is_some());

    let shown = job_json(&w.env, &job.id);
    assert_log_is_gap_free(&shown);
    assert_eq!(statuses(&shown), ["provisioning", "running", "testing", "committing", "done"]);
    let result: Value = serde_json::from_str(job.result_json.as_deref().unwrap()).unwrap();
    assert_eq!(result["criteria"][0]["holds"], true);
    assert_eq!(result["tests"][0]["command"], CHECK);
    let shown = w.env.ok(&["jobs", "result", &job.id[..8]]);
    assert!(shown.contains("Wrote hello.txt.") && shown.contains("+hello"), "{shown}");

    // The key went to the model server, and nowhere else.
    assert!(w
        .server
        .chat_requests()
        .iter()
        .all(|r| r.header("authorization") == Some(&format!("Bearer {KEY}"))));
    assert_no_secret_under(&w.env.vibe_home());
}

#[test]
fn run_json_prints_one_event_per_line_and_failed_checks_exit_5_keeping_the_work_on_its_branch() {
    let w = world();
    let before = snapshot(&w.repo);
    script_failure(&w.server);
    let out = w
        .env
        .vibe()
        .args(["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(5), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let kinds: Vec<&str> =
        lines.iter().map(|l| l["kind"].as_str().or(l["type"].as_str()).unwrap_or("?")).collect();
    for k in [
        "plan_approved",
        "job_created",
        "sandbox_ready",
        "tool_call",
        "command",
        "criterion",
        "committed",
        "pull_request_skipped",
        "finished",
    ] {
        assert!(kinds.contains(&k), "no {k} in {kinds:?}");
    }
    let skipped = lines.iter().find(|l| l["kind"] == "pull_request_skipped").unwrap();
    assert_eq!(skipped["why"], "job_failed", "{skipped}");
    let criterion = lines.iter().find(|l| l["kind"] == "criterion").unwrap();
    assert_eq!(criterion["holds"], false);
    assert!(
        criterion["evidence"].as_str().unwrap().contains("`grep -q hello hello.txt` exited 1"),
        "{criterion}"
    );
    let error = &lines.last().unwrap()["error"];
    assert_eq!(error["kind"], "tests_failed");
    let failed = lines.iter().find(|l| l["kind"] == "status" && l["to"] == "failed").unwrap();
    assert_eq!(failed["failure"], "tests_failed", "{failed}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "failed");
    // The work is on the job's own branch, in a commit that says what failed.
    let branch = job.branch_name.clone().unwrap();
    assert!(branch.starts_with(&format!("vibe/{}-", &job.id[..8])), "{branch}");
    assert_eq!(git(&w.repo, &["rev-parse", &branch]).trim(), job.commit_sha.clone().unwrap());
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "goodbye\n");
    assert_eq!(git(&w.repo, &["rev-parse", &format!("{branch}~1")]), before.0);
    let message = git(&w.repo, &["log", "-1", "--format=%B", &branch]);
    assert!(message.contains("- [ ] AC1: hello.txt says hello"), "{message}");
    assert!(message.contains("The job did not pass; this commit keeps its work for review."), "{message}");
    assert!(message.contains("- AC1 not met: `grep -q hello hello.txt` exited 1"), "{message}");
    assert_eq!(snapshot(&w.repo), before, "the user's HEAD, branch or tree changed");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("acceptance criteria not met: AC1")
            && message.contains(&format!("kept on branch {branch}")),
        "{message}"
    );
    let (_, err) = w.env.fails(&["jobs", "resume", &job.id[..8]], 2);
    assert!(err.contains("did not pass") && err.contains(&format!("--base {branch}")), "{err}");
}

#[test]
fn a_failing_job_opens_no_pull_request_unless_asked_and_then_a_draft_showing_what_failed() {
    let mut w = world();
    let gh = GithubServer::start();
    w.env.use_github(&gh);
    let token = "ghp_failtoken0123456789abcdefghijklmnop";
    gh.add_user(token, "octocat", 7);
    gh.add_repo("octo-org", "demo", &w.repo, &["octocat"]);
    git(&w.repo, &["remote", "add", "origin", &format!("{}/octo-org/demo.git", gh.url)]);
    w.env.set("GITHUB_TOKEN", token);
    let plan = w.plan.to_str().unwrap().to_string();

    script_failure(&w.server);
    let (stdout, stderr) = w.env.fails(&["run", "--plan", &plan, "--yes"], 5);
    let store = Store::open(&w.env.db_path()).unwrap();
    let first = store.recent_jobs(1, None).unwrap().remove(0);
    let branch = first.branch_name.clone().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "goodbye\n");
    assert!(gh.pulls().is_empty(), "a pull request was opened for a failing job");
    assert!(gh.requests_to("POST", "/api/v3/repos/octo-org/demo/pulls").is_empty());
    assert!(
        stderr.contains(&format!("job {}: acceptance criteria not met: AC1", &first.id[..8]))
            && stderr.contains(&format!("kept on branch {branch}")),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("no pull request: the job did not pass"), "{stderr}");

    script_failure(&w.server);
    let (stdout, stderr) = w.env.fails(&["run", "--plan", &plan, "--yes", "--pr-on-failure"], 5);
    let job = store.recent_jobs(2, None).unwrap().into_iter().find(|j| j.id != first.id).unwrap();
    assert_eq!(job.status, "failed");
    let pulls = gh.pulls();
    assert_eq!(pulls.len(), 1, "{stdout}\n{stderr}");
    let created = gh.requests_to("POST", "/api/v3/repos/octo-org/demo/pulls");
    let request = created[0].json();
    assert_eq!(request["head"], job.branch_name.clone().unwrap().as_str());
    assert_eq!(request["draft"], true);
    let body = request["body"].as_str().unwrap();
    assert!(body.contains("**This job did not pass.** This draft keeps its work for review."), "{body}");
    assert!(
        body.contains("> - **AC1** hello.txt says hello — not met: `grep -q hello hello.txt` exited 1"),
        "{body}"
    );
    let remote = crate::common::github::run_git(
        &gh.bare("octo-org/demo"),
        &["rev-parse", &format!("refs/heads/{}", job.branch_name.unwrap())],
    );
    assert_eq!(remote.trim(), job.commit_sha.unwrap());
}

#[test]
fn a_model_that_does_not_call_tools_ends_the_job_after_three_requests_saying_what_to_do() {
    let w = world();
    w.server.set_default(Reply::text("Sure! Create hello.txt containing the word hello, then run grep."));
    let out =
        w.env.vibe().args(["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(w.server.chat_requests().len(), 3, "{stderr}");
    assert!(
        stderr.contains(
            "the model `gpt-4.1` is not calling tools (3 answers in a row with text only); the coding agent \
             needs a model with tool calling: set VIBE_MODEL (model.name) to one"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("choose a model with tool (function) calling in VIBE_MODEL"), "{stderr}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "failed");
    assert!(job.branch_name.is_none() && job.commit_sha.is_none());
    assert_eq!(final_failure(&job_json(&w.env, &job.id)), "agent_stopped");
    // Nothing to test or keep: the job ends right after the agent.
    assert_eq!(statuses(&job_json(&w.env, &job.id)), ["provisioning", "running", "failed"]);
}

#[test]
fn a_budget_stop_names_the_budget_and_its_setting_and_keeps_the_work() {
    let mut w = world();
    w.env.set("VIBE_AGENT_MAX_TURNS", "2");
    w.server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    w.server.push_tool_call("list_files", json!({"path": ""}));
    let (_, stderr) = w.env.fails(&["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"], 5);
    assert_eq!(w.server.chat_requests().len(), 2);
    assert!(
        stderr.contains("the agent used all 2 turns (agent.max_turns / VIBE_AGENT_MAX_TURNS)"),
        "{stderr}"
    );
    assert!(stderr.contains("raise that setting"), "{stderr}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let branch = job.branch_name.clone().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    let message = git(&w.repo, &["log", "-1", "--format=%B", &branch]);
    assert!(message.contains("Stopped: the agent used all 2 turns"), "{message}");
    // The check covering AC1 passed: the criterion holds, the job does not (it did not finish).
    assert!(message.contains("- [x] AC1: hello.txt says hello"), "{message}");
    assert!(!stderr.contains("acceptance criteria not met"), "{stderr}");
    let shown = w.env.ok(&["jobs", "result", &job.id[..8]]);
    assert!(
        shown.contains("stopped: the agent used all 2 turns (agent.max_turns / VIBE_AGENT_MAX_TURNS)"),
        "{shown}"
    );
}

#[test]
fn sloppy_criterion_ids_are_renumbered_and_a_plan_may_use_the_models_own() {
    let w = world();
    let mut crs = crs_doc();
    crs["acceptance_criteria"] = json!([
        {"id": "s1", "description": "hello.txt says hello", "verification": "grep hello hello.txt"},
        {"description": "notes.txt is kept", "verification": "cat notes.txt"}
    ]);
    w.server.push_json(&crs);
    // The plan names the first criterion by the model's id and the second by one that is
    // nobody's: a repair turn says so, and the answer after it is accepted.
    w.server.push_json(&plan_doc(&[(CHECK, &["s1"]), ("cat notes.txt", &["s7"])]));
    w.server.push_json(&plan_doc(&[(CHECK, &["s1"]), ("cat notes.txt", &["AC2"])]));
    let out = w.env.ok(&["run", "add a greeting file"]);
    let reqs = w.server.chat_requests();
    assert_eq!(reqs.len(), 3, "the CRS is accepted at once, the plan after one repair");
    assert!(reqs[1].all_text().contains("\"id\": \"AC2\""), "the plan model sees vibe's ids");
    let repair = reqs[2].messages().last().unwrap()["content"].as_str().unwrap().to_string();
    assert!(
        repair.contains("s7 is not an acceptance criterion of the CRS (its ids are AC1, AC2)"),
        "{repair}"
    );
    assert!(!repair.contains("s1 is not"), "{repair}");

    let store = Store::open(&w.env.db_path()).unwrap();
    let prefix = out.split("vibe run --plan ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap();
    let record = store.plan(&store.resolve_id(vibe::store::Table::Plans, prefix).unwrap()).unwrap();
    let plan: Value = serde_json::from_str(record.plan_json.as_deref().unwrap()).unwrap();
    let refs: Vec<&Value> =
        plan["testing_strategy"].as_array().unwrap().iter().map(|t| &t["criteria"]).collect();
    assert_eq!(refs, [&json!(["AC1"]), &json!(["AC2"])]);
    let crs_record = store.crs(record.crs_id.as_deref().unwrap()).unwrap();
    let stored: Value = serde_json::from_str(&crs_record.crs_json).unwrap();
    assert_eq!(stored["acceptance_criteria"][0]["id"], "AC1");
    assert_eq!(stored["acceptance_criteria"][0]["original_id"], "s1");
    assert_eq!(stored["acceptance_criteria"][1]["id"], "AC2");

    // A plan that keeps naming a criterion that does not exist is rejected.
    w.server.push_json(&crs_doc());
    w.server.set_default(Reply::json(&plan_doc(&[(CHECK, &["AC1", "AC9"])])));
    let (_, err) = w.env.fails(&["run", "add a greeting file"], 1);
    assert_eq!(w.server.chat_requests().len(), 3 + 1 + 3);
    assert!(err.contains("AC9 is not an acceptance criterion of the CRS (its ids are AC1)"), "{err}");
}

#[test]
fn a_check_command_several_criteria_share_runs_once_and_serves_each() {
    let w = world();
    let mut crs = crs_doc();
    crs["acceptance_criteria"] = json!([
        {"id": "AC1", "description": "hello.txt says hello", "verification": CHECK},
        {"id": "AC2", "description": "hello.txt exists", "verification": CHECK},
        {"id": "AC3", "description": "notes.txt is kept", "verification": "cat notes.txt"}
    ]);
    let mut plan =
        plan_doc(&[(CHECK, &["AC1"]), ("cat notes.txt", &["AC3"]), (&format!(" {CHECK} "), &["AC2"])]);
    plan["testing_strategy"][2]["proves"] = json!("the file is there");
    let path = w.env.root().join("shared-check.json");
    std::fs::write(&path, serde_json::to_string(&json!({"crs": crs, "plan": plan})).unwrap()).unwrap();
    w.server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    w.server.push_tool_call(
        "finish",
        json!({"summary": "Wrote hello.txt.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [], "note": ""},
            {"id": "AC2", "holds": true, "evidence": [], "note": ""},
            {"id": "AC3", "holds": true, "evidence": [], "note": ""}
        ]}),
    );
    let out = w
        .env
        .vibe()
        .args(["run", "--plan", path.to_str().unwrap(), "--yes", "--no-pr", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ran: Vec<&str> =
        lines.iter().filter(|l| l["kind"] == "command").map(|l| l["command"].as_str().unwrap()).collect();
    assert_eq!(ran, [CHECK, "cat notes.txt"], "the shared command ran once");
    let held: Vec<(&str, bool, &str)> = lines
        .iter()
        .filter(|l| l["kind"] == "criterion")
        .map(|l| (l["id"].as_str().unwrap(), l["holds"].as_bool().unwrap(), l["evidence"].as_str().unwrap()))
        .collect();
    let exited = format!("`{CHECK}` exited 0");
    assert_eq!(
        held,
        [
            ("AC1", true, exited.as_str()),
            ("AC2", true, exited.as_str()),
            ("AC3", true, "`cat notes.txt` exited 0")
        ]
    );
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    let result: Value = serde_json::from_str(job.result_json.as_deref().unwrap()).unwrap();
    let tests = result["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2, "{tests:?}");
    assert_eq!(tests[0]["criteria"], json!(["AC1", "AC2"]));
    assert_eq!(tests[0]["proves"], "it works; the file is there");
}

#[test]
fn a_job_records_how_long_each_stage_model_request_and_command_took() {
    let w = world();
    w.server.push(
        Reply::tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}))
            .usage(1800, 20)
            .cached(1536),
    );
    w.server.push_tool_call("run_command", json!({"command": CHECK}));
    finish(&w.server);
    let out = w
        .env
        .vibe()
        .args(["-v", "run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // -v prints the timings as they happen, in order.
    let at = |needle: &str| stderr.find(needle).unwrap_or_else(|| panic!("no {needle:?} in\n{stderr}"));
    assert!(at("  provisioning took ") < at("● running"), "{stderr}");
    assert!(
        at("  model request 1: 1800 prompt tokens (1536 cached), 20 completion, ")
            < at("  model request 2: ")
    );
    assert!(
        at("  model request 3: ") < at("  running took ") && at("  running took ") < at("  testing took ")
    );
    assert!(at("  testing took ") < at("  committing took "), "{stderr}");

    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let shown = job_json(&w.env, &job.id);
    let events = shown["events"].as_array().unwrap();
    let of = |kind: &str| events.iter().filter(|e| e["kind"] == kind).collect::<Vec<_>>();
    let stages: Vec<&str> = of("stage_time").iter().map(|e| e["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["provisioning", "running", "testing", "committing"]);
    assert!(of("stage_time").iter().all(|e| e["duration_ms"].is_u64()));
    let requests = of("model_request");
    assert_eq!(requests.len(), 3);
    assert_eq!(
        (&requests[0]["turn"], &requests[0]["prompt_tokens"], &requests[0]["cached_tokens"]),
        (&json!(1), &json!(1800), &json!(1536))
    );
    assert!(requests.iter().all(|e| e["duration_ms"].is_u64() && e["model"].is_string()));
    assert!(of("command").iter().all(|e| e["duration_ms"].is_u64()) && of("command").len() == 2);

    // Without -v they stay out of the way; `vibe jobs show` sums them up and lists them.
    let shown = w.env.ok(&["jobs", "show", &job.id[..8]]);
    assert!(shown.contains("stages       provisioning "), "{shown}");
    assert!(shown.contains(", running ") && shown.contains(", committing "), "{shown}");
    assert!(shown.contains("requests     3 to the model, "), "{shown}");
    assert!(shown.contains(" prompt tokens (1536 cached), "), "{shown}");
    assert!(shown.contains("model request 3: 100 prompt tokens, 25 completion, "), "{shown}");
}

#[test]
fn the_crs_and_plan_requests_report_their_tokens_and_time() {
    let w = world();
    w.server.push(Reply::json(&crs_doc()).usage(2400, 300).cached(1024));
    w.server.push(Reply::json(&plan_doc(&[(CHECK, &["AC1"])])).usage(2600, 400));
    script_success(&w.server, "hello\n");
    let out = w.env.vibe().args(["-v", "run", "add a greeting file", "--yes", "--no-pr"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let at = |needle: &str| stderr.find(needle).unwrap_or_else(|| panic!("no {needle:?} in\n{stderr}"));
    assert!(at("  CRS request: 2400 prompt tokens (1024 cached), 300 completion, ") < at("  plan request: "));
    assert!(at("  plan request: 2600 prompt tokens, 400 completion, ") < at("  model request 1: "));

    // The JSON events carry the same.
    w.server.push(Reply::json(&crs_doc()).usage(2400, 300));
    w.server.push(Reply::json(&plan_doc(&[(CHECK, &["AC1"])])).usage(2600, 400));
    script_success(&w.server, "hello\n");
    let out = w.env.ok(&["run", "add a greeting file", "--yes", "--no-pr", "--json"]);
    let events: Vec<Value> = out.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let of = |kind: &str| events.iter().find(|e| e["type"] == kind).cloned().unwrap_or_default();
    let (crs, plan) = (of("crs_ready"), of("plan_ready"));
    assert_eq!(crs["request"]["prompt_tokens"], 2400, "{crs}");
    assert_eq!(plan["request"]["completion_tokens"], 400, "{plan}");
    assert!(crs["request"]["duration_ms"].is_u64() && plan["request"]["duration_ms"].is_u64());
}

#[test]
fn run_with_base_on_a_kept_branch_continues_from_its_work() {
    let mut w = world();
    let gh = GithubServer::start();
    w.env.use_github(&gh);
    let token = "ghp_basetoken0123456789abcdefghijklmnop";
    gh.add_user(token, "octocat", 7);
    gh.add_repo("octo-org", "demo", &w.repo, &["octocat"]);
    git(&w.repo, &["remote", "add", "origin", &format!("{}/octo-org/demo.git", gh.url)]);
    w.env.set("GITHUB_TOKEN", token);
    w.server.push_json(&crs_doc());
    w.server.push_json(&plan_doc(&[(CHECK, &["AC1"])]));
    script_failure(&w.server);
    w.env.fails(&["run", "add a greeting file", "--yes"], 5);
    let store = Store::open(&w.env.db_path()).unwrap();
    let first = store.recent_jobs(1, None).unwrap().remove(0);
    let kept = first.branch_name.clone().unwrap();
    let kept_sha = first.commit_sha.clone().unwrap();

    // The result names the branch and the command that continues from it.
    let shown = w.env.ok(&["jobs", "result", &first.id[..8]]);
    let plan = &first.plan_id.clone().unwrap()[..8];
    let command = format!("vibe run --plan {plan} --base {kept} --yes");
    assert!(shown.contains(&format!("branch {kept} at ")) && shown.contains(&command), "{shown}");

    // The next job starts from the kept commit: it sees the earlier work and fixes it.
    w.server.push_tool_call("run_command", json!({"command": "cat hello.txt"}));
    script_success(&w.server, "hello\n");
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    let out = w.env.vibe().args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let job = store.recent_jobs(2, None).unwrap().into_iter().find(|j| j.id != first.id).unwrap();
    assert_eq!(job.status, "done");
    assert_eq!(job.base_commit.as_deref(), Some(kept_sha.as_str()));
    let events = job_json(&w.env, &job.id);
    let first_command =
        events["events"].as_array().unwrap().iter().find(|e| e["kind"] == "command").cloned().unwrap();
    assert!(first_command["tail"].as_str().unwrap().contains("goodbye"), "{first_command}");
    let branch = job.branch_name.unwrap();
    assert_eq!(git(&w.repo, &["rev-parse", &format!("{branch}~1")]).trim(), kept_sha);
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    assert_eq!(git(&w.repo, &["symbolic-ref", "--short", "HEAD"]).trim(), "main");
    // Its pull request targets the default branch and carries both commits.
    let created = gh.requests_to("POST", "/api/v3/repos/octo-org/demo/pulls");
    assert_eq!(created.len(), 1, "only the passing job opened one");
    assert_eq!(
        (created[0].json()["head"].as_str(), created[0].json()["base"].as_str()),
        (Some(branch.as_str()), Some("main"))
    );
}

/// Starts `vibe run --json` and reads its events until `until` matches one.
fn start_and_wait(w: &World, args: &[&str], until: impl Fn(&Value) -> bool) -> (Child, String, Vec<Value>) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"))
        .env_clear()
        .envs(&w.env.env)
        .current_dir(&w.env.cwd)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut seen = Vec::new();
    let mut job_id = String::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "vibe ended early; events: {seen:?}");
        let v: Value = serde_json::from_str(&line).unwrap();
        if let Some(id) = v["job_id"].as_str() {
            job_id = id.to_string();
        }
        let hit = until(&v);
        seen.push(v);
        if hit {
            break;
        }
    }
    // Keep draining so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in reader.lines() {});
    (child, job_id, seen)
}

fn is_sleep_started(v: &Value) -> bool {
    v["kind"] == "tool_call"
        && v["tool"] == "run_command"
        && v["summary"].as_str().unwrap_or("").contains("sleep")
}

/// Processes whose command line contains `needle`.
fn processes_with(needle: &str) -> Vec<u32> {
    walk_proc().into_iter().filter(|(_, cmd)| cmd.contains(needle)).map(|(pid, _)| pid).collect()
}

fn walk_proc() -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            out.push((pid, String::from_utf8_lossy(&cmd).replace('\0', " ")));
        }
    }
    out
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let ps = std::process::Command::new("ps").args(["-eo", "pid,ppid,pgid,sid,stat,args"]).output().unwrap();
    panic!("timed out waiting until {what}\n{}", String::from_utf8_lossy(&ps.stdout));
}

#[test]
fn a_job_killed_mid_command_is_interrupted_and_resumes_to_done_without_losing_events() {
    let w = world();
    let sleeper = &format!("sleep 41{}", std::process::id());
    w.server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    w.server.push_tool_call("run_command", json!({"command": sleeper}));
    // After the resume, the conversation continues from the checkpoint of the first turn.
    w.server.push_tool_call("run_command", json!({"command": CHECK}));
    finish(&w.server);

    let plan = w.plan.to_str().unwrap().to_string();
    let (mut child, job_id, _) =
        start_and_wait(&w, &["run", "--plan", &plan, "--yes", "--no-pr", "--json"], is_sleep_started);
    wait_until("the sandboxed sleep runs", || !processes_with(sleeper).is_empty());
    child.kill().unwrap();
    child.wait().unwrap();

    // The first command to look at the job finds it interrupted and nothing of it running.
    let shown = job_json(&w.env, &job_id);
    assert_eq!(shown["job"]["status"], "interrupted", "{shown}");
    wait_until("the sandboxed sleep is gone", || processes_with(sleeper).is_empty());
    assert_eq!(statuses(&shown), ["provisioning", "running", "interrupted"]);
    // Its sandbox is destroyed too, the agent's work so far kept with the job.
    let art = w.env.vibe_home().join("jobs").join(&job_id);
    assert!(!art.join("sandbox").exists() && !art.join("sandbox.json").exists());
    assert!(std::fs::read_to_string(art.join("diff.patch")).unwrap().contains("+hello"));
    let before_resume = shown["events"].as_array().unwrap().len();

    let out = w.env.vibe().args(["jobs", "resume", &job_id[..8], "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));

    let shown = job_json(&w.env, &job_id);
    assert_eq!(shown["job"]["status"], "done", "{shown}");
    assert_log_is_gap_free(&shown);
    assert_eq!(
        statuses(&shown),
        ["provisioning", "running", "interrupted", "queued", "running", "testing", "committing", "done"]
    );
    let events = shown["events"].as_array().unwrap();
    let completed: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "stage_completed")
        .map(|e| e["stage"].as_str().unwrap())
        .collect();
    assert_eq!(completed, ["provisioning", "running", "testing"]);
    // Everything the resumed run printed is what was appended after the resume, in order.
    let printed: Vec<i64> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "job")
        .map(|v| v["seq"].as_i64().unwrap())
        .collect();
    let appended: Vec<i64> = events[before_resume..].iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let after_queue: Vec<i64> = appended.iter().copied().filter(|s| printed.contains(s)).collect();
    assert_eq!(printed, after_queue);
    // The resumed agent continued the conversation: its first request carries the first turn.
    let reqs = w.server.chat_requests();
    assert_eq!(reqs.len(), 4);
    assert!(reqs[2].all_text().contains("hello.txt"), "the resumed run lost the conversation");
    let branch = shown["job"]["branch_name"].as_str().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
}

#[test]
fn cancel_from_another_process_kills_the_sandboxed_tree() {
    let w = world();
    let sleeper = &format!("sleep 42{}", std::process::id());
    w.server.push_tool_call("run_command", json!({"command": format!("{sleeper} & {sleeper}; wait")}));
    let plan = w.plan.to_str().unwrap().to_string();
    let (mut child, job_id, _) =
        start_and_wait(&w, &["run", "--plan", &plan, "--yes", "--no-pr", "--json"], is_sleep_started);
    wait_until("both sleeps run", || processes_with(sleeper).len() >= 2);
    let out: Value = serde_json::from_str(&w.env.ok(&["jobs", "cancel", &job_id[..8], "--json"])).unwrap();
    assert_eq!(out["status"], "cancelled");
    assert!(processes_with(sleeper).is_empty(), "sandboxed processes survived the cancel");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let shown = job_json(&w.env, &job_id);
    assert_eq!(statuses(&shown), ["provisioning", "running", "cancelled"]);
    assert_log_is_gap_free(&shown);
    assert_eq!(final_failure(&shown), "cancelled");
    assert!(!w.env.vibe_home().join("jobs").join(&job_id).join("sandbox").exists());
}

#[test]
fn detach_returns_the_job_id_at_once_and_watch_follows_it_from_another_process() {
    let w = world();
    script_success(&w.server, "hello\n");
    let plan = w.plan.to_str().unwrap().to_string();
    let out = w.env.ok(&["run", "--plan", &plan, "--yes", "--no-pr", "--detach", "--json"]);
    let detached: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(detached["type"], "detached");
    let id = detached["job_id"].as_str().unwrap().to_string();

    let out = w.env.vibe().args(["jobs", "watch", &id[..8], "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let seqs: Vec<i64> =
        lines.iter().filter(|l| l["type"] == "job").map(|l| l["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert_eq!(lines.last().unwrap()["type"], "finished");
    assert_eq!(lines.last().unwrap()["status"], "done");
    let shown = job_json(&w.env, &id);
    assert_eq!(seqs.len(), shown["events"].as_array().unwrap().len(), "watch missed events");
    assert_ne!(shown["job"]["pid"].as_i64(), None);
    assert!(w.env.vibe_home().join("jobs").join(&id).join("job.log").exists());
    let progress: Value = serde_json::from_str(&w.env.ok(&["jobs", "progress", &id[..8], "--json"])).unwrap();
    assert_eq!(progress["percent"], 100);
}

#[test]
fn two_jobs_at_once_do_not_interfere() {
    let w = world();
    let other_repo = w.env.git_repo("other");
    let other_server = OpenAiServer::start();
    script_success(&w.server, "hello\n");
    script_success(&other_server, "hello there\n");
    let plan = w.plan.to_str().unwrap().to_string();
    let spawn = |repo: &Path, base_url: String| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"))
            .env_clear()
            .envs(&w.env.env)
            .env("OPENAI_BASE_URL", base_url)
            .current_dir(repo)
            .args(["run", "--plan", &plan, "--yes", "--no-pr", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn(&w.repo, w.server.base_url());
    let b = spawn(&other_repo, other_server.base_url());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let store = Store::open(&w.env.db_path()).unwrap();
    let jobs = store.recent_jobs(10, None).unwrap();
    assert_eq!(jobs.len(), 2);
    for (repo, text) in [(&w.repo, "hello\n"), (&other_repo, "hello there\n")] {
        let job = jobs.iter().find(|j| j.repo_path.as_deref() == Some(repo.to_str().unwrap())).unwrap();
        assert_eq!(job.status, "done");
        let branch = job.branch_name.clone().unwrap();
        assert_eq!(git(repo, &["show", &format!("{branch}:hello.txt")]), text);
        let shown = job_json(&w.env, &job.id);
        assert_log_is_gap_free(&shown);
        assert!(shown["events"].as_array().unwrap().iter().all(|e| e["job_id"] == job.id.as_str()));
    }
}

#[test]
fn run_from_a_prompt_writes_crs_and_plan_and_stops_for_review_without_a_terminal() {
    let w = world();
    let checks: &[(&str, &[&str])] = &[(CHECK, &["AC1"])];
    w.server.push_json(&crate::suite::jobs::crs_doc());
    w.server.push_json(&crate::suite::jobs::plan_doc(checks));
    let out = w.env.ok(&["run", "add a greeting file"]);
    let store = Store::open(&w.env.db_path()).unwrap();
    assert!(store.recent_jobs(5, None).unwrap().is_empty(), "a job ran without approval");
    let plan_id = out
        .split("vibe run --plan ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no resume command in {out}"))
        .to_string();
    assert!(out.contains(&format!("`vibe run --plan {plan_id} --yes`")), "{out}");

    // The reviewed plan runs by its id.
    script_success(&w.server, "hello\n");
    w.env.ok(&["run", "--plan", &plan_id, "--yes", "--no-pr"]);
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    let plan = store.plan(job.plan_id.as_deref().unwrap()).unwrap();
    assert!(plan.id.starts_with(&plan_id));
    assert_eq!(plan.status, "approved");
}

#[test]
fn run_from_a_prompt_with_yes_goes_all_the_way() {
    let w = world();
    let checks: &[(&str, &[&str])] = &[(CHECK, &["AC1"])];
    w.server.push_json(&crate::suite::jobs::crs_doc());
    w.server.push_json(&crate::suite::jobs::plan_doc(checks));
    script_success(&w.server, "hello\n");
    let out =
        w.env.vibe().args(["run", "add a greeting file", "--yes", "--no-pr", "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let types: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
    let firsts: Vec<&str> = types.iter().map(String::as_str).filter(|t| *t != "job").take(7).collect();
    assert_eq!(
        firsts,
        [
            "stage_started",
            "crs_ready",
            "stage_started",
            "plan_ready",
            "plan_approved",
            "job_created",
            "stage_started"
        ]
    );
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    assert_eq!(store.plan(job.plan_id.as_deref().unwrap()).unwrap().status, "approved");
    assert_no_secret_under(&w.env.vibe_home());
    // The copy made while the model wrote the plan went to the job and nothing is left over.
    let jobs = w.env.vibe_home().join("jobs");
    assert!(!jobs.join(&job.id).join("prepared").exists());
    let left: Vec<_> = std::fs::read_dir(jobs.join(".prepared"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn run_pushes_and_opens_a_draft_pull_request_when_github_is_set_up() {
    let mut w = world();
    let gh = crate::common::github::GithubServer::start();
    w.env.use_github(&gh);
    let token = "ghp_jobtoken0123456789abcdefghijklmnop";
    gh.add_user(token, "octocat", 7);
    gh.add_repo("octo-org", "demo", &w.repo, &["octocat"]);
    git(&w.repo, &["remote", "add", "origin", &format!("{}/octo-org/demo.git", gh.url)]);
    w.env.set("GITHUB_TOKEN", token);
    script_success(&w.server, "hello\n");
    let out =
        w.env.vibe().args(["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--draft"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let pulls = gh.pulls();
    assert_eq!(pulls.len(), 1, "{stderr}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let branch = job.branch_name.clone().unwrap();
    let created = gh.requests_to("POST", "/api/v3/repos/octo-org/demo/pulls");
    assert_eq!(created[0].json()["head"], branch.as_str());
    assert_eq!(created[0].json()["draft"], true);
    let result: Value = serde_json::from_str(job.result_json.as_deref().unwrap()).unwrap();
    let url = result["pr_url"].as_str().unwrap();
    assert!(stdout.contains(url) && stderr.contains("pull request:"), "{stdout}\n{stderr}");
    let remote = crate::common::github::run_git(
        &gh.bare("octo-org/demo"),
        &["rev-parse", &format!("refs/heads/{branch}")],
    );
    assert_eq!(remote.trim(), job.commit_sha.unwrap());
    // Neither the GitHub token nor the model key went anywhere of ours.
    for dir in walk(&w.env.vibe_home()) {
        let bytes = std::fs::read(&dir).unwrap_or_default();
        assert!(!bytes.windows(token.len()).any(|x| x == token.as_bytes()), "token in {}", dir.display());
    }
    assert_no_secret_under(&w.env.vibe_home());
}

#[test]
fn without_github_a_finished_job_ends_at_the_commit_and_says_how_to_open_the_pr() {
    let w = world();
    script_success(&w.server, "hello\n");
    let out = w.env.ok(&["run", "--plan", w.plan.to_str().unwrap(), "--yes"]);
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    assert!(out.contains("no pull request (this repository has no `origin` remote on GitHub)"), "{out}");
    assert!(out.contains(&format!("vibe pr create --job {}", &job.id[..8])), "{out}");
    // The event and the result carry the case as data; the words are the frontend's.
    let shown = job_json(&w.env, &job.id);
    let skipped = shown["events"].as_array().unwrap().iter().find(|e| e["kind"] == "pull_request_skipped");
    let skipped = skipped.unwrap();
    assert_eq!(skipped["why"], "not_ready", "{skipped}");
    assert_eq!(skipped["problem"], "this repository has no `origin` remote on GitHub", "{skipped}");
    assert!(skipped["fix"].as_str().unwrap().contains("git remote add origin"), "{skipped}");
    assert!(!skipped.to_string().contains("vibe pr create"), "{skipped}");
    let result: Value = serde_json::from_str(job.result_json.as_deref().unwrap()).unwrap();
    assert_eq!(result["pr_skipped"]["why"], "not_ready");
}

#[test]
fn sandbox_none_warns_and_base_picks_the_starting_branch() {
    let w = world();
    git(&w.repo, &["switch", "-q", "-c", "dev"]);
    std::fs::write(w.repo.join("dev.txt"), "dev\n").unwrap();
    git(&w.repo, &["add", "."]);
    git(&w.repo, &["commit", "-q", "-m", "dev work"]);
    let dev_tip = git(&w.repo, &["rev-parse", "HEAD"]);
    git(&w.repo, &["switch", "-q", "main"]);
    script_success(&w.server, "hello\n");
    let out = w
        .env
        .vibe()
        .args([
            "run",
            "--plan",
            w.plan.to_str().unwrap(),
            "--yes",
            "--no-pr",
            "--sandbox",
            "none",
            "--base",
            "dev",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: --sandbox none"), "{stderr}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.sandbox.as_deref(), Some("none"));
    assert_eq!(job.base_commit.as_deref(), Some(dev_tip.trim()));
    let branch = job.branch_name.unwrap();
    assert_eq!(git(&w.repo, &["rev-parse", &format!("{branch}~1")]), dev_tip);
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:dev.txt")]), "dev\n");
    assert_eq!(git(&w.repo, &["symbolic-ref", "--short", "HEAD"]).trim(), "main");
}

#[test]
fn ctrl_c_cancels_the_running_job_and_its_commands_and_keeps_its_edits() {
    let w = world();
    let sleeper = &format!("sleep 43{}", std::process::id());
    w.server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "half done\n"}));
    w.server.push_tool_call("run_command", json!({"command": sleeper}));
    let plan = w.plan.to_str().unwrap().to_string();
    let (mut child, job_id, _) =
        start_and_wait(&w, &["run", "--plan", &plan, "--yes", "--no-pr", "--json"], is_sleep_started);
    wait_until("the sleep runs", || !processes_with(sleeper).is_empty());
    // SAFETY: signalling the vibe process this test started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert!(processes_with(sleeper).is_empty());
    let shown = job_json(&w.env, &job_id);
    assert_eq!(shown["job"]["status"], "cancelled");
    // What the agent wrote before the cancel is kept on the job's branch.
    let branch = shown["job"]["branch_name"].as_str().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "half done\n");
    let message = git(&w.repo, &["log", "-1", "--format=%B", branch]);
    assert!(
        message.contains("The job was cancelled; this commit keeps the work done until then."),
        "{message}"
    );
    assert!(!w.repo.join("hello.txt").exists());
}

#[test]
fn a_sigkilled_vibe_takes_its_sandboxed_commands_with_it() {
    // No other vibe command runs afterwards: the sandbox itself dies with the process.
    let w = world();
    let sleeper = &format!("sleep 43{}", std::process::id());
    w.server.push_tool_call("run_command", json!({"command": format!("setsid nohup {sleeper} & {sleeper}")}));
    finish(&w.server);
    let plan = w.plan.to_str().unwrap().to_string();
    let (mut child, _job_id, _) =
        start_and_wait(&w, &["run", "--plan", &plan, "--yes", "--no-pr", "--json"], is_sleep_started);
    let sleeps = || walk_proc().into_iter().filter(|(_, cmd)| cmd.starts_with(sleeper.as_str())).count();
    wait_until("both sandboxed sleeps run", || sleeps() == 2);
    child.kill().unwrap();
    child.wait().unwrap();
    wait_until("the sandboxed sleeps are gone", || processes_with(sleeper).is_empty());
}

/// The copies waiting in the pool.
fn pooled(env: &TestEnv) -> Vec<PathBuf> {
    let Ok(slots) = std::fs::read_dir(env.vibe_home().join("sandbox-pool")) else { return Vec::new() };
    slots
        .flatten()
        .flat_map(|slot| {
            std::fs::read_dir(slot.path()).unwrap().flatten().map(|e| e.path()).collect::<Vec<_>>()
        })
        .filter(|p| p.join("pool.json").is_file())
        .collect()
}

#[test]
fn the_next_job_of_a_repository_reuses_the_copy_of_the_last_one() {
    use std::os::unix::fs::MetadataExt;
    let w = world();
    // The job's own copy goes round only when it is on disk.
    w.env.ok(&["config", "set", "sandbox.copy_in_memory", "false"]);
    std::fs::write(w.repo.join("untouched.txt"), "same in both commits\n").unwrap();
    git(&w.repo, &["add", "."]);
    git(&w.repo, &["commit", "-qm", "untouched"]);
    script_success(&w.server, "hello\n");
    w.env.ok(&["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]);
    let store = Store::open(&w.env.db_path()).unwrap();
    let first_id = store.recent_jobs(1, None).unwrap().remove(0).id;
    let pool = pooled(&w.env);
    assert_eq!(pool.len(), 1, "the finished copy waits for the next job");
    let work = pool[0].join("work");
    // The first job's file is still in the pooled copy; the next job must not see it.
    assert_eq!(std::fs::read_to_string(work.join("hello.txt")).unwrap(), "hello\n");
    let untouched_ino = std::fs::metadata(work.join("untouched.txt")).unwrap().ino();

    // The user moves on; the next job starts from the new commit in the reused copy.
    std::fs::write(w.repo.join("notes.txt"), "keep me too\n").unwrap();
    git(&w.repo, &["commit", "-qam", "more notes"]);
    let head = git(&w.repo, &["rev-parse", "HEAD"]).trim().to_string();
    w.server.push_tool_call("run_command", json!({"command": "test ! -e hello.txt && cat notes.txt"}));
    script_success(&w.server, "hello again\n");
    w.env.ok(&["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]);
    // Both jobs carry the same fixed clock: tell them apart by id.
    let job = store.recent_jobs(2, None).unwrap().into_iter().find(|j| j.id != first_id).unwrap();
    assert_eq!(job.status, "done");
    let shown = job_json(&w.env, &job.id);
    let first_command = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "command")
        .cloned()
        .unwrap_or_default();
    assert_eq!(first_command["exit_code"], 0, "{first_command}");
    assert!(first_command.to_string().contains("keep me too"), "{first_command}");
    let branch = job.branch_name.unwrap();
    assert_eq!(git(&w.repo, &["rev-parse", &format!("{branch}~1")]).trim(), head);
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello again\n");
    assert_eq!(git(&w.repo, &["diff", "--stat", &head, &branch]).lines().count(), 2, "only hello.txt");

    // The same copy went round: the file neither job nor commit touched was never rewritten.
    let pool = pooled(&w.env);
    assert_eq!(pool.len(), 1);
    assert_eq!(std::fs::metadata(pool[0].join("work/untouched.txt")).unwrap().ino(), untouched_ino);
}

/// Whether `/dev/shm` is a tmpfs here (where vibe makes copies in memory).
fn shm_is_tmpfs() -> bool {
    let out = Command::new("stat").args(["-f", "-c", "%T", "/dev/shm"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "tmpfs"
}

/// The filesystem type the job's command saw its copy on.
fn copy_filesystem(env: &TestEnv, job: &str) -> String {
    let shown = job_json(env, job);
    let command = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "command" && e.to_string().contains("stat -f"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(command["exit_code"], 0, "{command}");
    command.to_string()
}

#[test]
fn a_first_copy_is_made_in_memory_and_goes_round_the_pool_there() {
    let w = world();
    let in_memory = shm_is_tmpfs();
    let stat = "stat -f -c %T . && cat notes.txt";
    w.server.push_tool_call("run_command", json!({"command": stat}));
    script_success(&w.server, "hello\n");
    w.env.ok(&["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]);
    let store = Store::open(&w.env.db_path()).unwrap();
    let first = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(first.status, "done");
    let seen = copy_filesystem(&w.env, &first.id);
    assert_eq!(seen.contains("tmpfs"), in_memory, "{seen}");
    assert!(seen.contains("keep me"), "the copy is whole: {seen}");

    // The finished copy waits in the pool, where it is.
    let pool = pooled(&w.env);
    assert_eq!(pool.len(), 1);
    let link = pool[0].join("work");
    assert_eq!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), in_memory);
    let copy = std::fs::canonicalize(&link).unwrap();
    assert_eq!(std::fs::read_to_string(copy.join("hello.txt")).unwrap(), "hello\n");

    // The next job takes it, cleaned; it goes back to the pool after.
    w.server.push_tool_call("run_command", json!({"command": format!("test ! -e hello.txt && {stat}")}));
    script_success(&w.server, "hello again\n");
    w.env.ok(&["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]);
    let second = store.recent_jobs(2, None).unwrap().into_iter().find(|j| j.id != first.id).unwrap();
    assert_eq!(second.status, "done");
    let seen = copy_filesystem(&w.env, &second.id);
    assert_eq!(seen.contains("tmpfs"), in_memory, "{seen}");
    assert_eq!(
        git(&w.repo, &["show", &format!("{}:hello.txt", second.branch_name.unwrap())]),
        "hello again\n"
    );
    let pool = pooled(&w.env);
    assert_eq!(pool.len(), 1);
    assert_eq!(std::fs::canonicalize(pool[0].join("work")).unwrap(), copy, "the same copy went round");
}

#[test]
fn copy_in_memory_false_makes_every_copy_on_disk() {
    let w = world();
    w.env.ok(&["config", "set", "sandbox.copy_in_memory", "false"]);
    w.server.push_tool_call("run_command", json!({"command": "stat -f -c %T ."}));
    script_success(&w.server, "hello\n");
    w.env.ok(&["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]);
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    assert!(!copy_filesystem(&w.env, &job.id).contains("tmpfs"));
}

#[test]
fn reuse_copies_zero_keeps_no_copy() {
    let w = world();
    w.env.ok(&["config", "set", "sandbox.reuse_copies", "0"]);
    script_success(&w.server, "hello\n");
    w.env.ok(&["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr"]);
    assert!(pooled(&w.env).is_empty());
    assert!(!w.env.vibe_home().join("sandbox-pool").exists());
}

#[test]
fn a_plan_file_with_the_models_own_criterion_ids_runs_with_vibes() {
    let w = world();
    let mut crs = crs_doc();
    crs["acceptance_criteria"][0]["id"] = json!("s1");
    let doc = json!({"crs": crs, "plan": plan_doc(&[(CHECK, &["s1"])])});
    let plan = w.env.root().join("sloppy.json");
    std::fs::write(&plan, doc.to_string()).unwrap();
    script_success(&w.server, "hello\n");
    w.env.ok(&["run", "--plan", plan.to_str().unwrap(), "--yes", "--no-pr"]);
    // The agent was told AC1, and its finish with AC1 was accepted.
    let task = w.server.chat_requests()[0].messages()[1]["content"].as_str().unwrap().to_string();
    assert!(task.contains("- AC1: hello.txt says hello") && task.contains("[AC1]"), "{task}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    let message = git(&w.repo, &["log", "-1", "--format=%B", job.branch_name.as_deref().unwrap()]);
    assert!(message.contains("- [x] AC1: hello.txt says hello"), "{message}");
}

#[test]
fn a_secret_printed_by_an_acceptance_check_is_kept_out_of_the_job_record() {
    let w = world();
    // The key appears only in what the check prints, never in the plan.
    let check = "echo AKIA$(echo IOSFODNN7EXAMPLE); grep -q hello hello.txt";
    let plan = plan_file(w.env.root(), &[(check, &["AC1"])]);
    w.server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    w.server.push_tool_call("run_command", json!({"command": check}));
    w.server.push_tool_call(
        "finish",
        json!({"summary": "Wrote hello.txt.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": check, "exit_code": 0}], "note": ""}
        ]}),
    );
    let out =
        w.env.vibe().args(["run", "--plan", plan.to_str().unwrap(), "--yes", "--no-pr"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for file in walk(&w.env.vibe_home()) {
        if file.to_string_lossy().contains("sandbox-pool") {
            continue; // the pooled copy is the repository itself
        }
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !bytes.windows(20).any(|win| win == b"AKIAIOSFODNN7EXAMPLE"),
            "the key printed by the check is in {}",
            file.display()
        );
    }
}

#[test]
fn a_failed_stage_destroys_its_sandbox_and_a_resume_continues_in_a_new_one_from_the_saved_work() {
    let w = world();
    w.server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    // The model fails for good on the second turn: the running stage fails.
    w.server.push_error(400, "invalid_request_error", None, "bad request");
    let plan = w.plan.to_str().unwrap().to_string();
    let out = w.env.vibe().args(["run", "--plan", &plan, "--yes", "--no-pr", "--json"]).output().unwrap();
    assert!(!out.status.success());
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "failed", "{}", String::from_utf8_lossy(&out.stdout));
    let art = w.env.vibe_home().join("jobs").join(&job.id);
    // Nothing of the sandbox is left; the agent's work so far is saved with the job.
    assert!(!art.join("sandbox").exists() && !art.join("sandbox.json").exists());
    assert!(std::fs::read_to_string(art.join("diff.patch")).unwrap().contains("+hello"));

    // The resumed attempt gets a new sandbox holding that work, and the conversation goes on.
    w.server.push_tool_call("run_command", json!({"command": CHECK}));
    finish(&w.server);
    let out = w.env.vibe().args(["jobs", "resume", &job.id[..8], "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = job_json(&w.env, &job.id);
    assert_eq!(shown["job"]["status"], "done", "{shown}");
    let branch = shown["job"]["branch_name"].as_str().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    // The plan's check ran in the new sandbox and found the restored file.
    let checked = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "command" && e["command"] == CHECK && e["exit_code"] == 0);
    assert!(checked, "{shown}");
    assert!(!art.join("sandbox").exists() && !art.join("sandbox.json").exists());
}
