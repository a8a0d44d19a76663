//! `vibe run --sandbox e2b` end to end: the real E2B client aimed at the loopback control
//! plane and envd (`common::e2b`), real processes in the sandbox's directory, the real model
//! client aimed at the scripted loopback model server.

use std::path::PathBuf;

use serde_json::{json, Value};
use vibe::store::Store;

use crate::common::e2b::E2bServer;
use crate::common::openai::OpenAiServer;
use crate::common::{git, TestEnv};
use crate::suite::jobs::plan_file;

const OPENAI_KEY: &str = "sk-test-never-in-a-sandbox-4242";
const E2B_KEY: &str = "e2b_test_key_0123456789abcdef";
const GITHUB_TOKEN: &str = "ghp_never_in_a_sandbox_0123456789";
/// The check the agent runs and the plan names; `wc` shows output streams back.
const CHECK: &str = "grep -q hello hello.txt && wc -c hello.txt";

struct World {
    env: TestEnv,
    repo: PathBuf,
    plan: PathBuf,
    model: OpenAiServer,
    e2b: E2bServer,
}

fn world() -> World {
    let mut env = TestEnv::new();
    let repo = env.git_repo("repo");
    std::fs::write(repo.join("notes.txt"), "keep me\n").unwrap();
    std::fs::create_dir_all(repo.join("bin")).unwrap();
    std::fs::write(repo.join("bin/run.sh"), "#!/bin/sh\necho run\n").unwrap();
    std::os::unix::fs::symlink("notes.txt", repo.join("notes-link")).unwrap();
    std::fs::write(repo.join(".gitignore"), "build/\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "notes"]);
    env.cwd = repo.clone();
    let model = OpenAiServer::start();
    env.set("OPENAI_BASE_URL", model.base_url());
    env.set("OPENAI_API_KEY", OPENAI_KEY);
    env.set("GITHUB_TOKEN", GITHUB_TOKEN);
    let e2b = E2bServer::start(E2B_KEY);
    env.set("E2B_API_KEY", E2B_KEY);
    env.set("E2B_API_URL", e2b.base_url());
    env.set("E2B_SANDBOX_URL", e2b.base_url());
    let plan = plan_file(env.root(), &[(CHECK, &["AC1"])]);
    World { env, repo, plan, model, e2b }
}

/// The agent writes hello.txt and edits files with commands (a new file, a removed one, a
/// build output the repository ignores), checks, and finishes.
fn script(model: &OpenAiServer) {
    model.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    model.push_tool_call(
        "run_command",
        json!({"command": "mkdir -p build src && echo junk > build/out.o && printf 'fn main() {}\\n' > src/main.rs && rm notes.txt && chmod -x bin/run.sh && echo done >&2"}),
    );
    model.push_tool_call("read_file", json!({"path": "src/main.rs"}));
    model.push_tool_call("run_command", json!({"command": CHECK}));
    push_finish(model);
}

/// The agent's `finish`: AC1 holds, shown by the check.
fn push_finish(model: &OpenAiServer) {
    model.push_tool_call(
        "finish",
        json!({"summary": "Wrote hello.txt.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
        ]}),
    );
}

/// `vibe run --plan … --yes --no-pr --sandbox e2b`, waited for: its output and stderr.
fn run_e2b_plan(w: &World) -> (std::process::Output, String) {
    let out = w
        .env
        .vibe()
        .args(["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr", "--sandbox", "e2b"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stderr)
}

/// The same, started in the background with its output dropped.
fn spawn_e2b_plan(w: &World) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"))
        .env_clear()
        .envs(&w.env.env)
        .current_dir(&w.env.cwd)
        .args(["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr", "--sandbox", "e2b"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn run_job(w: &World, sandbox: &str) -> vibe::store::JobRecord {
    let out = w
        .env
        .vibe()
        .args(["run", "--plan", w.plan.to_str().unwrap(), "--yes", "--no-pr", "--sandbox", sandbox])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains("$ grep -q hello hello.txt && wc -c hello.txt  (exit 0"), "{stderr}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    job
}

fn tree_of(w: &World, job: &vibe::store::JobRecord) -> (String, String) {
    let branch = job.branch_name.clone().unwrap();
    (
        git(&w.repo, &["rev-parse", &format!("{branch}^{{tree}}")]),
        git(&w.repo, &["rev-parse", &format!("{branch}~1")]),
    )
}

#[test]
fn an_e2b_job_commits_the_same_work_as_a_local_one_and_its_sandbox_is_killed() {
    let w = world();
    let base = git(&w.repo, &["rev-parse", "HEAD"]);
    script(&w.model);
    let job = run_job(&w, "e2b");

    // One sandbox, from the base template, named after the job, killed at the end.
    let sandboxes = w.e2b.sandboxes();
    assert_eq!(sandboxes.len(), 1, "{sandboxes:?}");
    let sb = &sandboxes[0];
    assert_eq!(sb.template, "base");
    assert_eq!(sb.metadata.get("vibe_job"), Some(&job.id));
    assert_eq!(sb.allow_internet_access, Some(false));
    assert!(sb.killed_at.is_some(), "the sandbox was left alive");
    assert!(sb.timeouts[0] >= 600, "{:?}", sb.timeouts);
    // The work went up as one archive, and commands ran in the unpacked repository.
    let reqs = w.e2b.requests();
    let uploads: Vec<_> =
        reqs.iter().filter(|r| r.method == "POST" && r.path.starts_with("/files")).collect();
    assert!(
        uploads[0].body.starts_with(&[0x1f, 0x8b]) && uploads[0].contains("keep me"),
        "{:?}",
        uploads[0].path
    );
    let starts: Vec<Value> = reqs
        .iter()
        .filter(|r| r.path == "/process.Process/Start")
        .map(|r| {
            assert_eq!(r.header("content-type"), Some("application/connect+json"));
            assert!(r.header("connect-timeout-ms").is_some());
            serde_json::from_slice(&r.body[5..]).unwrap()
        })
        .collect();
    assert_eq!(starts.len(), 4, "unpack, two agent commands, one check: {starts:?}");
    assert_eq!(starts[1]["process"]["cwd"], "/home/user/repo");
    assert_eq!(starts[1]["process"]["args"][0], "-l");
    // The file the agent wrote went up by itself, never through the sandbox's git.
    assert!(reqs.iter().any(|r| r.method == "POST" && r.path == "/files?path=/home/user/repo/hello.txt"));
    // Every envd call carried the sandbox's token and routing headers, not the API key.
    for r in reqs.iter().filter(|r| r.header("e2b-sandbox-id").is_some()) {
        assert_eq!(r.header("e2b-sandbox-port"), Some("49983"), "{}", r.path);
        assert!(r.path == "/health" || r.header("x-access-token") == Some(sb.token.as_str()), "{}", r.path);
    }
    // No secret in any request; the E2B key only in the control plane's header.
    for r in &reqs {
        for secret in [OPENAI_KEY, GITHUB_TOKEN] {
            assert!(!r.contains(secret), "{secret} was sent in {} {}", r.method, r.path);
        }
        let key_sent = r.contains(E2B_KEY);
        assert_eq!(key_sent, r.header("x-api-key") == Some(E2B_KEY), "{} {}", r.method, r.path);
        assert!(!key_sent || r.header("e2b-sandbox-id").is_none(), "the E2B key went to envd: {}", r.path);
    }

    // The result came back as files: the commit holds the agent's changes, not the ignored
    // build output, and the executable bit it took away.
    let branch = job.branch_name.clone().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:src/main.rs")]), "fn main() {}\n");
    let files = git(&w.repo, &["ls-tree", "-r", "--name-only", &branch]);
    assert!(!files.contains("notes.txt\n") && !files.contains("build/"), "{files}");
    assert!(git(&w.repo, &["ls-tree", &branch, "bin/run.sh"]).starts_with("100644"));
    assert_eq!(git(&w.repo, &["rev-parse", &format!("{branch}~1")]), base);
    // Nothing of the user's tree changed.
    assert!(w.repo.join("notes.txt").exists() && !w.repo.join("hello.txt").exists());
    assert_eq!(git(&w.repo, &["status", "--porcelain"]), "");

    // The same scripted job in the local sandbox commits the same tree on the same base.
    script(&w.model);
    let local = run_job(&w, "local");
    assert_eq!(tree_of(&w, &local), tree_of(&w, &job));
    assert_eq!(w.e2b.sandboxes().len(), 1, "the local job made no E2B sandbox");
}

fn job_json(env: &TestEnv, id: &str) -> Value {
    serde_json::from_str(&env.ok(&["jobs", "show", id, "--json", "--events", "0"])).unwrap()
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

#[test]
fn a_sandbox_that_expires_interrupts_the_job_and_resume_continues_in_a_new_one() {
    let w = world();
    // E2B is busy twice: creation is retried after the time it asks for.
    w.e2b.fail_next("POST", "/v2/sandboxes", 429, &[("Retry-After", "0")]);
    w.e2b.fail_next("POST", "/v2/sandboxes", 503, &[]);
    let marker = format!("sleep 0.{}", std::process::id());
    w.e2b.expire_on(&marker);
    w.model.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    w.model.push_tool_call("run_command", json!({"command": marker}));
    // After the resume, in a new sandbox with the work saved so far.
    w.model.push_tool_call("run_command", json!({"command": CHECK}));
    push_finish(&w.model);
    let (out, stderr) = run_e2b_plan(&w);
    assert!(!out.status.success(), "{stderr}");
    let creates = w.e2b.requests().iter().filter(|r| r.method == "POST" && r.path == "/v2/sandboxes").count();
    assert_eq!(creates, 3, "two refusals, then the sandbox");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "interrupted", "{stderr}");
    let message = job.error_message.clone().unwrap();
    assert!(message.contains("no longer exists") && message.contains("vibe jobs resume"), "{message}");
    let art = w.env.vibe_home().join("jobs").join(&job.id);
    assert!(std::fs::read_to_string(art.join("diff.patch")).unwrap().contains("+hello"));
    assert!(!art.join("sandbox.json").exists());

    let out = w.env.vibe().args(["jobs", "resume", &job.id[..8]]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = job_json(&w.env, &job.id);
    assert_eq!(shown["job"]["status"], "done", "{shown}");
    assert_eq!(
        statuses(&shown),
        ["provisioning", "running", "interrupted", "queued", "running", "testing", "committing", "done"]
    );
    let interrupted = shown["events"].as_array().unwrap().iter().find(|e| e["to"] == "interrupted").unwrap();
    assert_eq!(interrupted["failure"], "sandbox_gone", "{interrupted}");
    let branch = shown["job"]["branch_name"].as_str().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    // Two sandboxes, neither left alive; the second got the saved work as a file.
    let sandboxes = w.e2b.sandboxes();
    assert_eq!(sandboxes.len(), 2);
    assert!(w.e2b.alive().is_empty(), "{sandboxes:?}");
    assert!(w.e2b.requests().iter().any(|r| r.header("e2b-sandbox-id") == Some(&sandboxes[1].id)
        && r.path == "/files?path=/home/user/repo/hello.txt"));
}

#[test]
fn a_bad_key_names_e2b_api_key_and_makes_no_sandbox() {
    let mut w = world();
    w.env.set("E2B_API_KEY", "e2b_wrong_key");
    let (out, stderr) = run_e2b_plan(&w);
    assert!(!out.status.success());
    assert!(stderr.contains("E2B refused the API key in E2B_API_KEY"), "{stderr}");
    assert!(w.e2b.sandboxes().is_empty());
    let store = Store::open(&w.env.db_path()).unwrap();
    assert_eq!(store.recent_jobs(1, None).unwrap()[0].status, "failed");
}

#[test]
fn a_sigkilled_vibe_leaves_no_sandbox_once_any_jobs_command_looks() {
    let w = world();
    let sleeper = format!("sleep 3{}", std::process::id() % 100);
    w.model.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    w.model.push_tool_call("run_command", json!({"command": sleeper}));
    let mut child = spawn_e2b_plan(&w);
    let started = std::time::Instant::now();
    while !w.e2b.requests().iter().any(|r| r.path == "/process.Process/Start" && r.contains(&sleeper)) {
        assert!(started.elapsed().as_secs() < 60, "the command never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(w.e2b.alive().len(), 1);

    w.env.ok(&["jobs", "list"]);
    assert!(w.e2b.alive().is_empty(), "the orphaned sandbox is still alive");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "interrupted");
    // The agent's work so far was brought down before the kill.
    let art = w.env.vibe_home().join("jobs").join(&job.id);
    assert!(std::fs::read_to_string(art.join("diff.patch")).unwrap().contains("+hello"));
}

#[test]
fn a_vibe_sigkilled_while_e2b_makes_its_sandbox_leaves_none_once_any_jobs_command_looks() {
    let w = world();
    w.e2b.stall_create();
    let mut child = spawn_e2b_plan(&w);
    let started = std::time::Instant::now();
    // E2B has made the sandbox; its answer (with the id) never reaches vibe.
    while w.e2b.alive().is_empty() {
        assert!(started.elapsed().as_secs() < 60, "no sandbox was made");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(w.e2b.alive().len(), 1);

    w.env.ok(&["jobs", "list"]);
    assert!(w.e2b.alive().is_empty(), "the sandbox made for the dead job is still alive");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "interrupted");
    let art = w.env.vibe_home().join("jobs").join(&job.id);
    assert!(!art.join("sandbox.making").exists());
    // Found by the job's label, as E2B lists sandboxes.
    let listed =
        w.e2b.requests().into_iter().filter(|r| r.method == "GET" && r.path.starts_with("/v2/sandboxes?"));
    assert!(listed.into_iter().any(|r| r.path.contains(&job.id)));
    // Once released, looking again asks E2B nothing more.
    let before = w.e2b.requests().len();
    w.env.ok(&["jobs", "show", &job.id[..8]]);
    assert_eq!(w.e2b.requests().len(), before);
}

#[test]
fn a_batch_runs_its_jobs_at_once_each_in_its_own_sandbox_and_sums_them_up() {
    let w = world();
    // Each job's command waits until all three sandboxes are running it: the batch can only
    // finish when its jobs run at the same time.
    let barrier = tempfile::tempdir().unwrap();
    let wait = format!(
        "touch {dir}/$$.ready; n=0; until [ $(ls {dir} | wc -l) -ge 3 ]; do n=$((n+1)); [ $n -gt 1200 ] && exit 9; sleep 0.05; done",
        dir = barrier.path().display()
    );
    let plan = crate::suite::jobs::plan_doc(&[(CHECK, &["AC1"])]);
    let crs = crate::suite::jobs::crs_doc();
    w.model.respond_with(move |r| {
        let schema = r.json_schema().map(|s| s["properties"].clone()).unwrap_or(Value::Null);
        if schema.get("acceptance_criteria").is_some() {
            return crate::common::openai::Reply::json(&crs);
        }
        if schema.get("testing_strategy").is_some() {
            return crate::common::openai::Reply::json(&plan);
        }
        let tool_results = r.messages().iter().filter(|m| m["role"] == "tool").count();
        match tool_results {
            0 => crate::common::openai::Reply::tool_call(
                "write_file",
                json!({"path": "hello.txt", "content": "hello\n"}),
            ),
            1 => crate::common::openai::Reply::tool_call("run_command", json!({"command": wait})),
            2 => crate::common::openai::Reply::tool_call("run_command", json!({"command": CHECK})),
            _ => crate::common::openai::Reply::tool_call(
                "finish",
                json!({"summary": "Wrote hello.txt.", "criteria": [
                    {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
                ]}),
            ),
        }
    });
    let file = w.env.root().join("batch.txt");
    std::fs::write(
        &file,
        "add a greeting file\n{\"prompt\": \"add a greeting file, again\"}\n# skipped\nand once more\n",
    )
    .unwrap();
    let out = w
        .env
        .vibe()
        .args([
            "run",
            "--batch",
            file.to_str().unwrap(),
            "--parallel",
            "3",
            "--yes",
            "--no-pr",
            "--sandbox",
            "e2b",
            "--json",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let rows: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            (row["type"].as_str(), row["index"].as_u64(), row["status"].as_str()),
            (Some("batch_job"), Some(i as u64 + 1), Some("done"))
        );
        let branch = row["branch"].as_str().unwrap();
        assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    }
    assert_eq!(stderr.matches(" started: ").count(), 3, "{stderr}");
    // Three sandboxes whose lifetimes overlapped, all killed.
    let sandboxes = w.e2b.sandboxes();
    assert_eq!(sandboxes.len(), 3);
    let last_created = sandboxes.iter().map(|s| s.created_at).max().unwrap();
    let first_killed = sandboxes.iter().map(|s| s.killed_at.unwrap()).min().unwrap();
    assert!(last_created < first_killed, "{sandboxes:?}");
    let store = Store::open(&w.env.db_path()).unwrap();
    assert_eq!(store.recent_jobs(10, None).unwrap().len(), 3);
}

#[test]
fn ctrl_c_cancels_every_job_of_a_batch_and_kills_every_sandbox() {
    let w = world();
    let marker = format!("sleep 5{}", std::process::id() % 100);
    let wait = marker.clone();
    w.model.respond_with(move |r| {
        let schema = r.json_schema().map(|s| s["properties"].clone()).unwrap_or(Value::Null);
        if schema.get("acceptance_criteria").is_some() {
            return crate::common::openai::Reply::json(&crate::suite::jobs::crs_doc());
        }
        if schema.get("testing_strategy").is_some() {
            return crate::common::openai::Reply::json(&crate::suite::jobs::plan_doc(&[(CHECK, &["AC1"])]));
        }
        crate::common::openai::Reply::tool_call("run_command", json!({"command": wait}))
    });
    let file = w.env.root().join("batch.txt");
    std::fs::write(&file, "add a greeting file\nadd another greeting file\n").unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"))
        .env_clear()
        .envs(&w.env.env)
        .current_dir(&w.env.cwd)
        .args([
            "run",
            "--batch",
            file.to_str().unwrap(),
            "--parallel",
            "2",
            "--yes",
            "--no-pr",
            "--sandbox",
            "e2b",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while w
        .e2b
        .requests()
        .iter()
        .filter(|r| r.path == "/process.Process/Start" && r.contains(&marker))
        .count()
        < 2
    {
        assert!(started.elapsed().as_secs() < 60, "the commands never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(w.e2b.sandboxes().len(), 2);
    assert!(w.e2b.alive().is_empty(), "{:?}", w.e2b.alive());
    let store = Store::open(&w.env.db_path()).unwrap();
    let jobs = store.recent_jobs(10, None).unwrap();
    assert_eq!(jobs.iter().map(|j| j.status.as_str()).collect::<Vec<_>>(), ["cancelled", "cancelled"]);
}

/// The model for a batch: the CRS and plan for every prompt, then an agent that writes
/// hello.txt, checks and finishes.
fn batch_model(model: &OpenAiServer) {
    let plan = crate::suite::jobs::plan_doc(&[(CHECK, &["AC1"])]);
    let crs = crate::suite::jobs::crs_doc();
    model.respond_with(move |r| {
        let schema = r.json_schema().map(|s| s["properties"].clone()).unwrap_or(Value::Null);
        if schema.get("acceptance_criteria").is_some() {
            return crate::common::openai::Reply::json(&crs);
        }
        if schema.get("testing_strategy").is_some() {
            return crate::common::openai::Reply::json(&plan);
        }
        match r.messages().iter().filter(|m| m["role"] == "tool").count() {
            0 => crate::common::openai::Reply::tool_call(
                "write_file",
                json!({"path": "hello.txt", "content": "hello\n"}),
            ),
            1 => crate::common::openai::Reply::tool_call("run_command", json!({"command": CHECK})),
            _ => crate::common::openai::Reply::tool_call(
                "finish",
                json!({"summary": "Wrote hello.txt.", "criteria": [
                    {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
                ]}),
            ),
        }
    });
}

/// A world whose model answers a two-prompt batch, on a terminal, and the batch file's path.
fn batch_on_a_terminal() -> (World, String) {
    let mut w = world();
    w.env.set("TERM", "xterm-256color");
    batch_model(&w.model);
    let file = w.env.root().join("batch.txt");
    std::fs::write(&file, "add a greeting file\nadd a farewell file\n").unwrap();
    (w, file.display().to_string())
}

#[test]
fn a_batch_without_yes_reviews_every_plan_before_any_job_and_runs_only_the_approved() {
    let (w, file) = batch_on_a_terminal();
    let args = ["run", "--batch", &file, "--parallel", "2", "--no-pr", "--sandbox", "e2b"];
    // The first plan is approved, the second rejected with a reason.
    let (code, shown) = crate::suite::tui::on_terminal(
        &w.env,
        &args,
        &[("approve", "a"), ("[2/2] planning", ""), ("approve", "xnot this one\r")],
    );
    assert_eq!(code, 0, "{shown}");
    // Both plans were reviewed before the one job started.
    let reviewed = shown.find("[2/2] planning").unwrap();
    let started = shown.find(" started: add a greeting file").unwrap_or_else(|| panic!("{shown}"));
    assert!(reviewed < started, "{shown}");
    assert!(!shown.contains("started: add a farewell"), "{shown}");
    assert!(shown.contains("rejected     add a farewell file  plan "), "{shown}");
    assert!(shown.contains("not run, as reviewed: #2"), "{shown}");

    let store = Store::open(&w.env.db_path()).unwrap();
    let jobs = store.recent_jobs(10, None).unwrap();
    assert_eq!(jobs.len(), 1, "only the approved plan became a job");
    assert_eq!(jobs[0].status, "done");
    let approved = store.plan(jobs[0].plan_id.as_deref().unwrap()).unwrap();
    assert_eq!(approved.status, "approved");
    let listed: Value = serde_json::from_str(&w.env.ok(&["plan", "list", "--json"])).unwrap();
    let rejected: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().or(r["record"]["id"].as_str()).unwrap().to_string())
        .filter(|id| store.plan(id).unwrap().status == "rejected")
        .collect();
    assert_eq!(rejected.len(), 1, "{listed}");
    assert_eq!(store.reviews(&rejected[0]).unwrap().last().unwrap().body.as_deref(), Some("not this one"));
    // One sandbox, for the approved job, and it is gone.
    assert_eq!(w.e2b.sandboxes().len(), 1);
    assert!(w.e2b.alive().is_empty());
}

#[test]
fn a_batch_without_yes_and_without_a_terminal_is_refused_before_anything_is_written() {
    let w = world();
    let file = w.env.root().join("batch.txt");
    std::fs::write(&file, "add a greeting file\n").unwrap();
    let out =
        w.env.vibe().args(["run", "--batch", file.to_str().unwrap(), "--sandbox", "e2b"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("there is no terminal here") && stderr.contains("--yes"), "{stderr}");
    assert!(w.model.requests().is_empty(), "a plan was written");
    assert!(w.e2b.sandboxes().is_empty());
}

#[test]
fn a_sandbox_creation_that_hangs_past_its_deadline_is_a_timeout_and_leaves_no_sandbox() {
    let mut w = world();
    w.env.set("VIBE_E2B_CREATE_TIMEOUT_SECS", "1");
    w.e2b.stall_create();
    let (out, stderr) = run_e2b_plan(&w);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("E2B did not create a sandbox within 1 s (e2b.create_timeout_secs)"), "{stderr}");
    assert!(stderr.contains("vibe config set e2b.create_timeout_secs"), "{stderr}");
    // The sandbox E2B made for the request that never came back was found by the job's
    // label and killed.
    assert_eq!(w.e2b.sandboxes().len(), 1);
    assert!(w.e2b.alive().is_empty(), "{:?}", w.e2b.alive());
    let listed =
        w.e2b.requests().into_iter().find(|r| r.method == "GET" && r.path.starts_with("/v2/sandboxes?"));
    assert!(listed.unwrap().path.contains("metadata=vibe_job="));
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "failed");
    assert!(job.error_message.unwrap().contains("within 1 s"));
}

#[test]
fn a_sandbox_limit_still_reached_after_the_retries_says_so_and_what_to_do() {
    let w = world();
    let body = json!({"code": 429, "message": "You have reached the maximum number of concurrent E2B sandboxes (20)."});
    for _ in 0..4 {
        w.e2b.push(crate::common::e2b::Canned {
            method: "POST".into(),
            prefix: "/v2/sandboxes".into(),
            status: 429,
            headers: vec![
                ("Retry-After".into(), "0".into()),
                ("Content-Type".into(), "application/json".into()),
            ],
            body: body.to_string(),
        });
    }
    let (out, stderr) = run_e2b_plan(&w);
    assert!(!out.status.success(), "{stderr}");
    let creates = w.e2b.requests().iter().filter(|r| r.method == "POST" && r.path == "/v2/sandboxes").count();
    assert_eq!(creates, 4, "the first attempt and three retries");
    assert!(stderr.contains("E2B's limit on sandboxes"), "{stderr}");
    assert!(stderr.contains("maximum number of concurrent E2B sandboxes (20)"), "{stderr}");
    assert!(stderr.contains("--parallel") && stderr.contains("E2B plan"), "{stderr}");
    assert!(w.e2b.sandboxes().is_empty());
}

/// Whether process `pid` runs (a zombie waiting for its parent does not).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| !rest.starts_with('Z')))
        .unwrap_or(false)
}

#[test]
fn cancelling_an_e2b_job_kills_the_processes_its_command_detached() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("child.pid");
    let sleeper = format!("sleep 4{}", std::process::id() % 100);
    // A child in a session of its own, which envd's kill of the command does not reach.
    let command = format!(
        "setsid sh -c 'echo $$ > {}.tmp && mv {0}.tmp {0}; exec {sleeper}' & {sleeper}",
        pid_file.display()
    );
    w.model.push_tool_call("run_command", json!({"command": command}));
    let mut vibe = spawn_e2b_plan(&w);
    let started = std::time::Instant::now();
    while !pid_file.exists() {
        assert!(started.elapsed().as_secs() < 60, "the command never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let child: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    assert!(running(child));
    unsafe { libc::kill(vibe.id() as i32, libc::SIGINT) };
    assert!(!vibe.wait().unwrap().success());
    // SIGKILL is delivered by now; the process may take a moment to go.
    let killed = std::time::Instant::now();
    while running(child) && killed.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let survived = running(child);
    if survived {
        unsafe { libc::kill(child, libc::SIGKILL) };
    }
    assert!(!survived, "the detached child outlived the cancelled command");
    // Found by the command's mark, by one more command in the sandbox.
    let starts: Vec<Value> = w
        .e2b
        .requests()
        .iter()
        .filter(|r| r.path == "/process.Process/Start")
        .map(|r| serde_json::from_slice(&r.body[5..]).unwrap())
        .collect();
    let mark = starts.iter().find(|s| s["process"]["args"][2].as_str().unwrap().contains(&sleeper)).unwrap()
        ["process"]["envs"]["VIBE_RUN_ID"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(starts
        .iter()
        .any(|s| s["process"]["args"][1].as_str().unwrap().contains(&format!("VIBE_RUN_ID={mark}"))));
    let store = Store::open(&w.env.db_path()).unwrap();
    assert_eq!(store.recent_jobs(1, None).unwrap()[0].status, "cancelled");
    assert!(w.e2b.alive().is_empty());
}

#[test]
fn ignored_directories_in_the_sandbox_are_neither_walked_nor_brought_down() {
    let w = world();
    // `build/` is ignored by the repository; the agent also ignores `deps/` in a new
    // .gitignore of its own and fills both, at the top and deeper down.
    w.model.push_tool_call(
        "run_command",
        json!({"command": "printf 'deps/\\n' > sub.gitignore && mkdir -p sub/deps/a/b build/c/d sub/build && mv sub.gitignore sub/.gitignore && echo j > build/c/d/out.o && echo j > sub/build/x.o && echo j > sub/deps/a/b/lib.js && echo kept > sub/kept.txt && echo hello > hello.txt"}),
    );
    w.model.push_tool_call("run_command", json!({"command": CHECK}));
    push_finish(&w.model);
    let job = run_job(&w, "e2b");
    let reqs = w.e2b.requests();
    let listed: Vec<String> = reqs
        .iter()
        .filter(|r| r.path == "/filesystem.Filesystem/ListDir")
        .map(|r| r.json()["path"].as_str().unwrap().to_string())
        .collect();
    assert!(listed.contains(&"/home/user/repo/sub".to_string()), "{listed:?}");
    for ignored in ["/home/user/repo/build", "/home/user/repo/sub/build", "/home/user/repo/sub/deps"] {
        assert!(!listed.iter().any(|p| p.starts_with(ignored)), "{ignored} was walked: {listed:?}");
        assert!(
            !reqs.iter().any(|r| r.method == "GET" && r.path.starts_with(&format!("/files?path={ignored}"))),
            "{ignored} was brought down"
        );
    }
    let branch = job.branch_name.unwrap();
    let files = git(&w.repo, &["ls-tree", "-r", "--name-only", &branch]);
    assert!(files.contains("sub/kept.txt") && files.contains("sub/.gitignore"), "{files}");
    assert!(!files.contains("build/") && !files.contains("deps/"), "{files}");
}

#[test]
fn an_envd_older_than_0_5_7_gets_its_files_as_multipart_forms() {
    let w = world();
    w.e2b.set_envd_version("0.5.6");
    script(&w.model);
    let job = run_job(&w, "e2b");
    let uploads: Vec<_> = w
        .e2b
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/files?"))
        .collect();
    assert!(uploads.len() >= 2, "the archive and the file the agent wrote");
    for r in &uploads {
        assert!(
            r.header("content-type").unwrap().starts_with("multipart/form-data; boundary="),
            "{}",
            r.path
        );
    }
    // The archive went up whole inside its form and was unpacked.
    let archive = &uploads[0];
    assert!(archive.contains("filename=\"/home/user/.vibe-snapshot.tar.gz\""));
    assert!(archive.body.windows(2).any(|w| w == [0x1f, 0x8b]));
    let branch = job.branch_name.clone().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:src/main.rs")]), "fn main() {}\n");
}

#[test]
fn the_crs_and_plan_prompts_describe_the_e2b_template_not_this_machine() {
    let mut w = world();
    w.env.set("VIBE_E2B_TEMPLATE", "team-node-20");
    w.model.push_json(&crate::suite::jobs::crs_doc());
    w.model.push_json(&crate::suite::jobs::plan_doc(&[(CHECK, &["AC1"])]));
    // The backend chosen on the command line, not in the configuration; the plan then
    // waits for review (no terminal), so no sandbox is made.
    let out = w.env.vibe().args(["run", "add a greeting file", "--sandbox", "e2b"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let requests = w.model.chat_requests();
    assert_eq!(requests.len(), 2);
    for r in requests {
        let text = r.all_text();
        assert!(text.contains("Sandbox: Commands run in an E2B cloud sandbox"), "{text}");
        assert!(text.contains("the template `team-node-20`") && text.contains("/home/user/repo"), "{text}");
        assert!(text.contains("not this machine's") && text.contains("no internet access"), "{text}");
        assert!(
            !text.contains("the user's cargo") && !text.contains("Commands run in a sandbox with"),
            "{text}"
        );
    }
    assert!(w.e2b.sandboxes().is_empty());
}

#[test]
fn a_command_that_leaves_a_process_in_the_background_ends_with_it_gone() {
    let mut w = world();
    // A broken end of command would wait for the background process until this limit.
    w.env.set("VIBE_COMMAND_TIMEOUT", "120");
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("bg.pid");
    let sleeper = format!("sleep 5{}", std::process::id() % 100);
    let command = format!("{sleeper} & echo $! > {}; echo started", pid_file.display());
    w.model.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    w.model.push_tool_call("run_command", json!({"command": command}));
    w.model.push_tool_call("run_command", json!({"command": CHECK}));
    push_finish(&w.model);
    let (out, stderr) = run_e2b_plan(&w);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("$ {command}  (exit 0")), "{stderr}");
    let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    let survived = running(pid);
    if survived {
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(!survived, "the background process outlived its command");
}

#[test]
fn an_envd_older_than_0_4_0_is_told_the_user_on_every_call() {
    let w = world();
    w.e2b.set_envd_version("0.3.9");
    script(&w.model);
    let job = run_job(&w, "e2b");
    let branch = job.branch_name.clone().unwrap();
    assert_eq!(git(&w.repo, &["show", &format!("{branch}:hello.txt")]), "hello\n");
    let envd: Vec<_> = w
        .e2b
        .requests()
        .into_iter()
        .filter(|r| r.header("e2b-sandbox-id").is_some() && r.path != "/health")
        .collect();
    assert!(envd.len() > 5);
    for r in envd {
        if r.path.starts_with("/files?") {
            assert!(r.path.contains("username=user"), "{}", r.path);
        } else {
            assert_eq!(r.header("authorization"), Some("Basic dXNlcjo="), "{}", r.path);
        }
    }
}

#[test]
fn leaving_a_review_of_a_batch_stops_it_and_no_job_runs() {
    let (w, file) = batch_on_a_terminal();
    let args = ["run", "--batch", &file, "--no-pr", "--sandbox", "e2b"];
    // The first plan is approved; the reviewer leaves the second screen without a verdict.
    let (code, shown) = crate::suite::tui::on_terminal(
        &w.env,
        &args,
        &[("approve", "a"), ("[2/2] planning", ""), ("approve", "q")],
    );
    assert_ne!(code, 0, "{shown}");
    assert!(shown.contains("review stopped at plan 2 of 2: no job of the batch was run"), "{shown}");
    assert!(!shown.contains(" started: "), "{shown}");
    let store = Store::open(&w.env.db_path()).unwrap();
    let jobs = store.recent_jobs(10, None).unwrap();
    assert_eq!(jobs.iter().map(|j| j.status.as_str()).collect::<Vec<_>>(), ["cancelled"]);
    assert!(w.e2b.sandboxes().is_empty(), "no sandbox was made");
}

/// A job approved in a batch's review waits, queued, while the next plan is reviewed; when
/// vibe is SIGKILLed there, the next `vibe jobs` command finds the job cancelled, never
/// started, and says how to run its plan.
#[test]
fn a_batch_killed_during_its_review_leaves_its_queued_jobs_cancelled_not_queued() {
    let (w, file) = batch_on_a_terminal();
    std::thread::scope(|scope| {
        let review = scope.spawn(|| {
            let args = ["run", "--batch", &file, "--no-pr", "--sandbox", "e2b"];
            crate::suite::tui::on_terminal(&w.env, &args, &[("approve", "a")])
        });
        killed_while_reviewing(&w, review);
    });
}

/// Waits until the batch reviews its second plan, checks its first job waits, and SIGKILLs it.
fn killed_while_reviewing(w: &World, review: std::thread::ScopedJoinHandle<'_, (i32, String)>) {
    // The first plan is approved and its job queued; the second plan is written.
    for _ in 0..2400 {
        if w.model.chat_requests().len() >= 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(w.model.chat_requests().len(), 4, "both plans are written, nothing else");
    let store = Store::open(&w.env.db_path()).unwrap();
    let job = store.recent_jobs(10, None).unwrap().remove(0);
    let owner = job.pid.expect("the batch records itself as the job's owner");
    // While the batch lives, its job waits as it is.
    let listed: Value = serde_json::from_str(&w.env.ok(&["jobs", "list", "--json"])).unwrap();
    assert_eq!(listed["jobs"][0]["status"], "queued", "{listed}");

    // SAFETY: SIGKILL to the vibe process that runs the batch (the test started it).
    assert_eq!(unsafe { libc::kill(owner as libc::pid_t, libc::SIGKILL) }, 0);
    let (code, shown) = review.join().unwrap();
    // The driver exits with the signal's negative number: -9 is 247.
    assert_eq!(code, 256 - 9, "{shown}");
    let job = store.job(&job.id).unwrap();

    let listed: Value = serde_json::from_str(&w.env.ok(&["jobs", "list", "--json"])).unwrap();
    assert_eq!(listed["jobs"][0]["status"], "cancelled", "{listed}");
    let shown = job_json(&w.env, &job.id);
    let message = shown["job"]["error_message"].as_str().unwrap();
    let plan = &job.plan_id.as_deref().unwrap()[..8];
    assert!(message.starts_with("cancelled before it started: the process that was to run it"), "{message}");
    assert!(message.ends_with(&format!("`vibe run --plan {plan} --yes`")), "{message}");
    let last = shown["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["to"].as_str(), last["failure"].as_str()),
        (Some("cancelled"), Some("cancelled")),
        "{last}"
    );
    // Nothing of it ran: no sandbox, no agent request.
    assert!(w.e2b.sandboxes().is_empty());
    assert_eq!(w.model.chat_requests().len(), 4);
}

#[test]
fn a_batch_with_json_on_a_terminal_asks_for_each_plan_and_sums_up_in_json_lines() {
    let (w, file) = batch_on_a_terminal();
    let args = ["run", "--batch", &file, "--no-pr", "--sandbox", "e2b", "--json"];
    // No review screen with --json: a question per plan, answered in turn.
    let (code, shown) = crate::suite::tui::on_terminal(
        &w.env,
        &args,
        &[("for \"add a greeting file\"? [y/N]", "y\r"), ("for \"add a farewell file\"? [y/N]", "n\r")],
    );
    assert_eq!(code, 0, "{shown}");
    let rows: Vec<Value> = shown
        .lines()
        .filter(|l| l.starts_with("{\"type\":\"batch_job\""))
        .map(|l| serde_json::from_str(l.trim_end()).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{shown}");
    assert_eq!(rows[0]["status"], "done");
    assert_eq!(rows[1]["status"], "rejected");
    assert!(rows[1]["plan_id"].is_string() && rows[1]["job_id"].is_null(), "{}", rows[1]);
    assert_eq!(w.e2b.sandboxes().len(), 1);
}
