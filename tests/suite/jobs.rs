//! `vibe jobs …` against jobs in a real store: listing, interruption detection, cancel,
//! watch, result; `vibe run` refusals that come before any model call.

use std::path::Path;

use serde_json::Value;
use vibe::store::{JobRecord, Store};

use crate::common::{git, TestEnv, NOW};

pub(crate) fn job(id: &str, status: &str, pid: Option<i64>) -> JobRecord {
    JobRecord {
        id: id.into(),
        plan_id: None,
        user_id: None,
        github_host: None,
        repo_full_name: None,
        branch_name: None,
        sandbox: Some("local".into()),
        status: status.into(),
        base_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        commit_sha: None,
        execution_time_ms: None,
        files_changed: 0,
        lines_added: None,
        lines_removed: None,
        tokens_used: None,
        error_message: None,
        started_at: Some(NOW.into()),
        finished_at: None,
        repo_path: None,
        model: Some("gpt-4.1".into()),
        cost_usd: None,
        pid,
        heartbeat_at: Some(NOW.into()),
        cancel_requested: false,
        result_json: None,
        created_at: NOW.into(),
        updated_at: NOW.into(),
    }
}

fn dead_pid() -> i64 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = i64::from(child.id());
    child.wait().unwrap();
    pid
}

fn status_events(store: &Store, id: &str) -> Vec<String> {
    store
        .job_events(id, 0)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "status")
        .map(|e| serde_json::from_str::<Value>(&e.payload).unwrap()["to"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_job_whose_process_died_shows_as_interrupted_once_from_any_command() {
    let env = TestEnv::new();
    let mut store = Store::open(&env.db_path()).unwrap();
    let id = "0193c1e2-0000-7000-8000-000000000001";
    store.insert_job(&job(id, "running", Some(dead_pid()))).unwrap();
    store.insert_job(&job("0193c1e2-0000-7000-8000-000000000002", "done", None)).unwrap();

    let list: Value = serde_json::from_str(&env.ok(&["jobs", "list", "--json"])).unwrap();
    let statuses: Vec<&str> =
        list["jobs"].as_array().unwrap().iter().map(|j| j["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["done", "interrupted"]);

    let out = env.vibe().args(["jobs", "show", "0193c1e2-0000-7000-8000-000000000001"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("status       interrupted"), "{stdout}");
    assert!(stdout.contains("is gone"), "{stdout}");
    assert!(stderr.contains("vibe jobs resume 0193c1e2"), "{stderr}");
    env.ok(&["jobs", "progress", "0193c1e2-0000-7000-8000-000000000001"]);
    assert_eq!(status_events(&store, id), ["interrupted"]);

    // An ambiguous prefix and an unknown id say what to do.
    let (_, err) = env.fails(&["jobs", "show", "0193c1e2"], 1);
    assert!(err.contains("ambiguous"), "{err}");
    let (_, err) = env.fails(&["jobs", "show", "ffff"], 1);
    assert!(err.contains("no job with id ffff") && err.contains("vibe jobs list"), "{err}");
    let (_, err) = env.fails(&["jobs", "list", "--status", "sleeping"], 2);
    assert!(err.contains("use one of: queued"), "{err}");
}

#[test]
fn cancel_stops_a_job_nobody_runs_and_refuses_a_finished_one() {
    let env = TestEnv::new();
    let mut store = Store::open(&env.db_path()).unwrap();
    store.insert_job(&job("aaaa0000-0000-7000-8000-000000000001", "queued", None)).unwrap();
    store.insert_job(&job("bbbb0000-0000-7000-8000-000000000001", "done", None)).unwrap();
    let out: Value = serde_json::from_str(&env.ok(&["jobs", "cancel", "aaaa", "--json"])).unwrap();
    assert_eq!(out["status"], "cancelled");
    assert_eq!(status_events(&store, "aaaa0000-0000-7000-8000-000000000001"), ["cancelled"]);
    let events = store.job_events("aaaa0000-0000-7000-8000-000000000001", 0).unwrap();
    let last: Value = serde_json::from_str(&events.last().unwrap().payload).unwrap();
    assert_eq!(
        last["failure"], "cancelled",
        "scripts read the same failure kind as for a running job: {last}"
    );
    let (_, err) = env.fails(&["jobs", "cancel", "bbbb"], 2);
    assert!(err.contains("job bbbb0000 is done; there is nothing to cancel"), "{err}");
    let (_, err) = env.fails(&["jobs", "resume", "bbbb"], 2);
    assert!(err.contains("cannot be resumed") && err.contains("vibe jobs result"), "{err}");
}

pub(crate) fn finished_job(env: &TestEnv, id: &str, passed: bool) {
    let mut store = Store::open(&env.db_path()).unwrap();
    let mut j = job(id, if passed { "done" } else { "failed" }, None);
    let result = serde_json::json!({
        "summary": "Added two().",
        "criteria": [{"id": "AC1", "description": "two() returns 2", "holds": passed, "evidence": "`cargo test` exited 0"}],
        "tests": [],
        "files": [{"path": "src/lib.rs", "added": 3, "removed": 0}],
        "files_changed": 1, "lines_added": 3, "lines_removed": 0, "tokens": 1234, "cost_usd": null,
        "passed": passed, "branch": passed.then_some("vibe/cccc0000-add-two"), "commit_sha": null,
        "pr_url": null
    });
    j.result_json = Some(result.to_string());
    j.error_message = (!passed).then(|| "acceptance criteria not met: AC1".to_string());
    store.insert_job(&j).unwrap();
    for (kind, payload) in [
        ("status", r#"{"kind":"status","from":"queued","to":"provisioning"}"#),
        (
            "command",
            r#"{"kind":"command","command":"cargo test","exit_code":0,"timed_out":false,"duration_ms":1500,"tail":"ok"}"#,
        ),
        (
            "status",
            if passed {
                r#"{"kind":"status","from":"committing","to":"done"}"#
            } else {
                r#"{"kind":"status","from":"testing","to":"failed"}"#
            },
        ),
    ] {
        store.append_job_event(id, kind, payload, NOW).unwrap();
    }
    let dir = env.vibe_home().join("jobs").join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("diff.patch"), "diff --git a/src/lib.rs b/src/lib.rs\n+pub fn two() {}\n")
        .unwrap();
}

#[test]
fn watch_replays_a_finished_job_and_exits_with_its_outcome() {
    let env = TestEnv::new();
    finished_job(&env, "cccc0000-0000-7000-8000-000000000001", true);
    finished_job(&env, "dddd0000-0000-7000-8000-000000000001", false);
    let out = env.vibe().args(["jobs", "watch", "cccc"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "● provisioning\n  $ cargo test  (exit 0, 1.5s)\n● done\n");
    assert!(String::from_utf8_lossy(&out.stdout).contains("job cccc0000 done: branch"));

    let (stdout, _) = env.fails(&["jobs", "watch", "dddd", "--json"], 5);
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let seqs: Vec<i64> =
        lines.iter().filter(|l| l["type"] == "job").map(|l| l["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(lines[1]["kind"], "command");
    assert_eq!(lines[3]["type"], "finished");
    assert_eq!(lines[3]["status"], "failed");
    assert_eq!(lines.last().unwrap()["error"]["exit_code"], 5);
}

#[test]
fn result_shows_summary_criteria_diffstat_and_patch() {
    let env = TestEnv::new();
    finished_job(&env, "cccc0000-0000-7000-8000-000000000001", true);
    let out = env.ok(&["jobs", "result", "cccc"]);
    assert!(out.contains("Added two()."), "{out}");
    assert!(out.contains("AC1 two() returns 2") && out.contains("yes"), "{out}");
    assert!(out.contains(" src/lib.rs | +3 -0"), "{out}");
    assert!(out.contains("+pub fn two() {}"), "{out}");
    assert_eq!(
        env.ok(&["jobs", "result", "cccc", "--patch"]),
        "diff --git a/src/lib.rs b/src/lib.rs\n+pub fn two() {}\n"
    );
    let doc: Value = serde_json::from_str(&env.ok(&["jobs", "result", "cccc", "--json"])).unwrap();
    assert_eq!(doc["result"]["tokens"], 1234);
    let mut store = Store::open(&env.db_path()).unwrap();
    store.insert_job(&job("eeee0000-0000-7000-8000-000000000001", "queued", None)).unwrap();
    let (_, err) = env.fails(&["jobs", "result", "eeee"], 1);
    assert!(
        err.contains("has no result yet (it is queued)") && err.contains("vibe jobs watch eeee0000"),
        "{err}"
    );
}

/// The CRS the tests run: one criterion, checked by `grep`.
pub fn crs_doc() -> Value {
    serde_json::json!({
        "summary": "Add a greeting file",
        "goals": ["greet"], "non_goals": [], "constraints": [],
        "acceptance_criteria": [{"id": "AC1", "description": "hello.txt says hello", "verification": "grep hello hello.txt"}],
        "affected_areas": ["hello.txt"], "risks": [], "open_questions": []
    })
}

/// A plan for [`crs_doc`] with the given checks (command, criteria).
pub fn plan_doc(checks: &[(&str, &[&str])]) -> Value {
    let testing: Vec<Value> = checks
        .iter()
        .map(|(cmd, ac)| serde_json::json!({"command": cmd, "proves": "it works", "criteria": ac}))
        .collect();
    serde_json::json!({
        "summary": "Write hello.txt",
        "steps": [{"title": "Write the file", "intent": "greet", "files": [{"path": "hello.txt", "action": "create"}], "commands": []}],
        "testing_strategy": testing,
        "complexity": "low", "confidence": 0.9, "estimated_files_changed": 1, "needs_network": false
    })
}

/// A plan file as `vibe plan --json` writes it.
pub fn plan_file(dir: &Path, checks: &[(&str, &[&str])]) -> std::path::PathBuf {
    let doc = serde_json::json!({ "crs": crs_doc(), "plan": plan_doc(checks) });
    let path = dir.join("plan.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

#[test]
fn run_refuses_a_dirty_tree_e2b_and_an_unapproved_plan_before_doing_anything() {
    let mut env = TestEnv::new();
    let repo = env.git_repo("repo");
    env.cwd = repo.clone();
    let plan = plan_file(env.root(), &[("grep -q hello hello.txt", &["AC1"])]);
    let plan = plan.to_str().unwrap();

    let (_, err) = env.fails(&["run", "--plan", plan, "--sandbox", "e2b", "--yes"], 4);
    assert!(err.contains("needs an E2B API key") && err.contains("E2B_API_KEY"), "{err}");

    let (_, err) = env.fails(&["run", "--plan", plan], 2);
    assert!(err.contains("must be approved") && err.contains("--yes"), "{err}");

    std::fs::write(repo.join("README.md"), "changed\n").unwrap();
    let (_, err) = env.fails(&["run", "--plan", plan, "--yes"], 2);
    assert!(err.contains("uncommitted changes (README.md)") && err.contains("--allow-dirty"), "{err}");
    git(&repo, &["checkout", "README.md"]);

    let (_, err) = env.fails(&["run", "--plan", "nope.json", "--yes"], 1);
    assert!(err.contains("no plan with id nope.json"), "{err}");
    let store = Store::open(&env.db_path()).unwrap();
    assert!(store.recent_jobs(10, None).unwrap().is_empty());
}

#[test]
fn a_job_that_did_not_pass_names_its_branch_and_how_to_continue_from_it() {
    let env = TestEnv::new();
    let mut store = Store::open(&env.db_path()).unwrap();
    let branch = "vibe/ffff0000-add-two";
    let kept = |id: &str, status: &str, stop: Value, message: &str| {
        let mut j = job(id, status, None);
        j.branch_name = Some(branch.into());
        j.commit_sha = Some("89abcdef0123456789abcdef0123456789abcdef".into());
        j.error_message = Some(message.into());
        j.result_json = Some(
            serde_json::json!({
                "summary": "Added two().", "tests": [], "files": [],
                "criteria": [{"id": "AC1", "description": "two() returns 2", "holds": false, "evidence": "`cargo test` exited 101"}],
                "files_changed": 1, "lines_added": 3, "lines_removed": 0, "tokens": 99, "cost_usd": null,
                "passed": false, "branch": branch, "commit_sha": "89abcdef0123456789abcdef0123456789abcdef",
                "pr_url": null, "stop": stop
            })
            .to_string(),
        );
        j
    };
    let checks = "acceptance criteria not met: AC1; its work is kept on branch vibe/ffff0000-add-two";
    store.insert_job(&kept("ffff0000-0000-7000-8000-000000000001", "failed", Value::Null, checks)).unwrap();
    let out = env.ok(&["jobs", "result", "ffff"]);
    assert!(out.contains("branch vibe/ffff0000-add-two at 89abcdef0123"), "{out}");
    assert!(
        out.contains("continue from it with `vibe run --plan PLAN --base vibe/ffff0000-add-two --yes`"),
        "{out}"
    );
    let out = env.vibe().args(["jobs", "show", "ffff"]).output().unwrap();
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.contains(
            "its work is kept on branch vibe/ffff0000-add-two; continue from it with `vibe run --plan PLAN"
        ) && !note.contains("jobs resume"),
        "{note}"
    );
    let (_, err) = env.fails(&["jobs", "watch", "ffff"], 5);
    assert!(err.contains(&format!("job ffff0000: {checks}")), "{err}");
    assert!(
        err.contains("continue from its work with `vibe run --plan PLAN --base vibe/ffff0000-add-two"),
        "{err}"
    );

    // A model that never called a tool: not the work's fault, exit 1 and what to change.
    let stop = serde_json::json!({"ended": "no_tool_calls", "used": 3, "limit": 2, "model": "tiny"});
    let message = "the model `tiny` is not calling tools";
    store.insert_job(&kept("aaaa1111-0000-7000-8000-000000000001", "failed", stop, message)).unwrap();
    let (_, err) = env.fails(&["jobs", "watch", "aaaa1111"], 1);
    assert!(err.contains(message) && err.contains("with tool (function) calling in VIBE_MODEL"), "{err}");

    // A cancelled job that kept its work says where.
    store.insert_job(&kept("bbbb1111-0000-7000-8000-000000000001", "cancelled", Value::Null, "")).unwrap();
    let (_, err) = env.fails(&["jobs", "watch", "bbbb1111"], 130);
    assert!(err.contains("was cancelled; its work is kept on branch vibe/ffff0000-add-two"), "{err}");
}
