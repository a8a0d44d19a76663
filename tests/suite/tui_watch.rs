//! The job watch on a real pseudo-terminal: `vibe jobs watch` opens the screen, shows the
//! job's log, opens the result, and cancels a running job after asking.

use vibe::store::Store;

use crate::common::{TestEnv, NOW};
use crate::suite::jobs::{finished_job, job};
use crate::suite::tui::on_terminal;

fn terminal_env() -> TestEnv {
    let mut env = TestEnv::new();
    env.set("TERM", "xterm-256color");
    env
}

#[test]
fn watch_on_a_terminal_shows_a_finished_job_and_its_result() {
    let env = terminal_env();
    finished_job(&env, "cccc0000-0000-7000-8000-000000000001", true);
    let (code, shown) = on_terminal(&env, &["jobs", "watch", "cccc"], &[("opens", "r"), ("Files", "qq")]);
    assert_eq!(code, 0, "{shown}");
    // Only changed cells are drawn, so words are looked for, not whole lines.
    // The watch: the command with its output.
    assert!(shown.contains("$ cargo test"), "{shown}");
    // The result: diffstat, criteria with evidence, the diff.
    for word in ["Criteria", "returns", "exited", "Diff", "two()"] {
        assert!(shown.contains(word), "{word}: {shown}");
    }
    // The terminal is given back, and the outcome printed after it.
    let after = &shown[shown.rfind("\u{1b}[?1049l").expect("the alternate screen is left")..];
    assert!(after.contains("job cccc0000 done"), "{after}");
}

#[test]
fn cancel_in_the_watch_asks_first_then_stops_the_job() {
    let env = terminal_env();
    let id = "eeee0000-0000-7000-8000-000000000001";
    let mut store = Store::open(&env.db_path()).unwrap();
    store.insert_job(&job(id, "running", None)).unwrap();
    store
        .append_job_event(id, "step", r#"{"kind":"step","n":1,"of":2,"title":"Write the greeting"}"#, NOW)
        .unwrap();
    let (code, shown) = on_terminal(
        &env,
        &["jobs", "watch", "eeee"],
        &[("greeting", "c"), ("go on", "n\x03"), ("go on", "y"), ("quit", "q")],
    );
    assert_eq!(code, 130, "{shown}");
    assert!(shown.contains("Step 1/2"), "{shown}");
    assert!(shown.contains("cancelling…"), "{shown}");
    assert_eq!(store.job(id).unwrap().status, "cancelled");
    let after = &shown[shown.rfind("\u{1b}[?1049l").unwrap()..];
    assert!(after.contains("job eeee0000 was cancelled"), "{after}");
}

/// A command's output reaches the job's log while it runs, in whole lines, redacted: the
/// agent's commands and the test stage's checks alike; `vibe jobs watch --json` carries it,
/// and the line output of `vibe jobs watch` stays as it was.
#[test]
fn command_output_is_logged_as_it_comes_and_redacted() {
    use serde_json::{json, Value};

    use crate::common::openai::OpenAiServer;
    use crate::suite::jobs::{crs_doc, plan_doc};

    const TOKEN: &str = "ghp_R2d2C3poL8x7Wq4Zt6Yv9Bn1Mk3Js5Hg0Fd2";
    const CHECK: &str = "grep -q hello hello.txt && echo checked hello.txt";
    let mut env = TestEnv::new();
    let repo = env.git_repo("repo");
    env.cwd = repo;
    let server = OpenAiServer::start();
    env.set("OPENAI_BASE_URL", server.base_url());
    env.set("OPENAI_API_KEY", "sk-test-output-0000");
    server.push_json(&crs_doc());
    server.push_json(&plan_doc(&[(CHECK, &["AC1"])]));
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    server.push_tool_call(
        "run_command",
        // The token is put together by the shell, so only the output holds it whole.
        json!({"command": format!(
            "for i in 1 2 3; do echo line $i; done; A={}; echo token=${{A}}{} >&2",
            &TOKEN[..16],
            &TOKEN[16..]
        )}),
    );
    // A token the model writes into a command stays out of the log too.
    server.push_tool_call("run_command", json!({"command": format!("true {TOKEN}")}));
    server.push_tool_call("run_command", json!({"command": CHECK}));
    server.push_tool_call(
        "finish",
        json!({"summary": "Wrote hello.txt.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
        ]}),
    );
    let out = env.vibe().args(["run", "add a greeting file", "--yes", "--no-pr"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(&env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);

    let out = env.vibe().args(["jobs", "watch", &job.id, "--json"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(TOKEN), "{stdout}");
    let events: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["type"] == "job")
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    // The agent's command: started, its output, then its end.
    let started = kinds.iter().position(|k| *k == "command_started").unwrap();
    assert!(events[started]["command"].as_str().unwrap().starts_with("for i in 1 2 3"));
    // How the lines are batched depends on timing; what each stream carried does not.
    let printed = |stream: &str| -> String {
        events
            .iter()
            .skip(started)
            .take_while(|e| e["kind"] != "command")
            .filter(|e| e["kind"] == "output" && e["stream"] == stream)
            .map(|e| e["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(printed("stdout"), "line 1\nline 2\nline 3\n");
    assert_eq!(printed("stderr"), "token=[redacted: GitHub token]\n");
    // The test stage's check streams too.
    let check = events
        .iter()
        .rposition(|e| e["kind"] == "command_started" && e["command"] == CHECK)
        .expect("the check's output is logged");
    assert_eq!(events[check + 1]["kind"], "output");
    assert_eq!(events[check + 1]["text"], "checked hello.txt\n");
    // The lines of `vibe jobs watch` without a terminal do not show the output.
    let out = env.vibe().args(["jobs", "watch", &job.id]).output().unwrap();
    let lines = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(lines.lines().all(|l| !matches!(l.trim(), "line 2" | "checked hello.txt")), "{lines}");
}

/// A loopback model whose agent writes the file and runs the check, then answers `finish`
/// only once `gate` is open (so the job is surely running while the test acts on it).
fn gated_world(
    gate: &std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (TestEnv, crate::common::openai::OpenAiServer) {
    use serde_json::json;

    use crate::common::openai::Reply;
    const CHECK: &str = "grep -q hello hello.txt";
    let (env, _repo, server) = crate::suite::tui::world();
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    server.push_tool_call("run_command", json!({"command": CHECK}));
    let open = std::sync::Arc::clone(gate);
    server.respond_with(move |_| {
        while !open.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Reply::tool_call(
            "finish",
            json!({"summary": "Wrote hello.txt.", "criteria": [
                {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
            ]}),
        )
    });
    (env, server)
}

#[test]
fn vibe_run_on_a_terminal_goes_from_the_review_to_the_watch_and_the_result() {
    let gate = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (env, _server) = gated_world(&gate);
    let (code, shown) = on_terminal(
        &env,
        &["run", "add a greeting file", "--no-pr"],
        &[("approve", "a"), ("opens", "r"), ("Files", "qq")],
    );
    assert_eq!(code, 0, "{shown}");
    // The watch, then the result (only changed cells are drawn: words, not lines).
    for word in ["Activity", "Criteria", "Diff", "+hello"] {
        assert!(shown.contains(word), "{word}: {shown}");
    }
    let store = Store::open(&env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    // The job ran in a process of its own, so leaving the watch would have left it running.
    assert!(job.pid.is_some_and(|p| p != 0));
    let after = &shown[shown.rfind("\u{1b}[?1049l").unwrap()..];
    assert!(after.contains(&format!("job {} done", &job.id[..8])), "{after}");
}

#[test]
fn detach_leaves_the_job_running_and_jobs_watch_picks_it_up_again() {
    let gate = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (env, _server) = gated_world(&gate);
    let (code, shown) =
        on_terminal(&env, &["run", "add a greeting file", "--no-pr"], &[("approve", "a"), ("detach", "d")]);
    assert_eq!(code, 0, "{shown}");
    let store = Store::open(&env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let short = &job.id[..8];
    let after = &shown[shown.rfind("\u{1b}[?1049l").unwrap()..];
    assert!(after.contains(&format!("watch it again with `vibe jobs watch {short}`")), "{after}");
    assert!(!vibe::jobs::Status::parse(&store.job(&job.id).unwrap().status).unwrap().is_final());

    gate.store(true, std::sync::atomic::Ordering::SeqCst);
    let (code, shown) = on_terminal(&env, &["jobs", "watch", short], &[("opens", "q")]);
    assert_eq!(code, 0, "{shown}");
    assert_eq!(store.job(&job.id).unwrap().status, "done");
    let after = &shown[shown.rfind("\u{1b}[?1049l").unwrap()..];
    assert!(after.contains(&format!("job {short} done")), "{after}");
}

/// `vibe jobs resume` on a terminal follows the resumed job on the watch screen, as `vibe run`
/// does after approval; the job runs in a process of its own.
#[test]
fn resume_on_a_terminal_follows_the_job_on_the_watch_screen() {
    let gate = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (env, server) = gated_world(&gate);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"))
        .env_clear()
        .envs(&env.env)
        .current_dir(&env.cwd)
        .args(["run", "add a greeting file", "--yes", "--no-pr", "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The agent waits for its model's last answer: the process running the job dies there.
    for _ in 0..2400 {
        if server.chat_requests().len() >= 5 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(server.chat_requests().len() >= 5, "the agent never asked for its last answer");
    child.kill().unwrap();
    child.wait().unwrap();
    let store = Store::open(&env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let short = &job.id[..8];
    let shown = env.ok(&["jobs", "show", short, "--json"]);
    assert!(shown.contains("\"interrupted\""), "{shown}");

    gate.store(true, std::sync::atomic::Ordering::SeqCst);
    let (code, shown) = on_terminal(&env, &["jobs", "resume", short], &[("opens", "r"), ("Files", "qq")]);
    assert_eq!(code, 0, "{shown}");
    // The watch, then the result (only changed cells are drawn: words, not lines).
    for word in ["Activity", "Criteria", "Diff", "+hello"] {
        assert!(shown.contains(word), "{word}: {shown}");
    }
    let job = store.job(&job.id).unwrap();
    assert_eq!(job.status, "done");
    assert!(job.pid.is_some_and(|p| p != 0 && p != i64::from(child.id())));
    let after = &shown[shown.rfind("\u{1b}[?1049l").expect("the alternate screen is left")..];
    assert!(after.contains(&format!("job {short} done")), "{after}");
}

#[test]
fn the_readme_states_the_live_output_caps_of_the_code() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let chunk = vibe::jobs::live_output::CHUNK / 1024;
    let per_command = vibe::jobs::live_output::PER_COMMAND / 1024;
    assert!(flat.contains(&format!("at most {chunk} KiB each")), "README: the size of one output event");
    assert!(flat.contains(&format!("at most {per_command} KiB per command")), "README: the cap per command");
}
