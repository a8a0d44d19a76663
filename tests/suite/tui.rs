//! The review screen on a real pseudo-terminal: the real binary, the loopback model server,
//! keys typed as a person would. Only `python3` (its `pty` module) is needed.

use std::process::Stdio;

use serde_json::json;
use vibe::store::Store;

use crate::common::openai::OpenAiServer;
use crate::common::TestEnv;
use crate::suite::jobs::{crs_doc, plan_doc};

const CHECK: &str = "grep -q hello hello.txt";

/// Runs `vibe ARGS` on an 80×24 pseudo-terminal. Each `(wait_for, keys)` pair waits until the
/// screen has shown `wait_for` since the keys before were typed (one word that was not on the
/// screen at that place before: only changed cells are drawn), then types `keys`. Returns the exit code and what the terminal
/// showed.
pub(crate) fn on_terminal(env: &TestEnv, args: &[&str], script: &[(&str, &str)]) -> (i32, String) {
    const DRIVER: &str = r#"
import fcntl, json, os, pty, select, struct, sys, termios, time
argv, script = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    os.execv(argv[0], argv)
seen, step, mark, deadline = b"", 0, 0, time.time() + 120
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 1)
    if not ready:
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    seen += data
    while step < len(script) and script[step][0].encode() in seen[mark:]:
        os.write(fd, script[step][1].encode())
        mark = len(seen)
        step += 1
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(seen)
sys.exit(os.waitstatus_to_exitcode(status) if step == len(script) else 99)
"#;
    let bin = assert_cmd::cargo::cargo_bin("vibe");
    let mut argv = vec![bin.display().to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let out = std::process::Command::new("python3")
        .args(["-c", DRIVER, &json!(argv).to_string(), &json!(script).to_string()])
        .env_clear()
        .envs(&env.env)
        .current_dir(&env.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("python3 is needed to give vibe a terminal");
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.code() != Some(99), "a key was never asked for: {shown}");
    (out.status.code().unwrap_or(-1), shown)
}

pub(crate) fn world() -> (TestEnv, std::path::PathBuf, OpenAiServer) {
    let mut env = TestEnv::new();
    let repo = env.git_repo("repo");
    env.cwd = repo.clone();
    let server = OpenAiServer::start();
    env.set("OPENAI_BASE_URL", server.base_url());
    env.set("OPENAI_API_KEY", "sk-test-tui-0000");
    env.set("TERM", "xterm-256color");
    server.push_json(&crs_doc());
    server.push_json(&plan_doc(&[(CHECK, &["AC1"])]));
    (env, repo, server)
}

#[test]
fn vibe_run_on_a_terminal_opens_the_review_and_approving_runs_the_job() {
    let (env, repo, server) = world();
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    server.push_tool_call("run_command", json!({"command": CHECK}));
    server.push_tool_call(
        "finish",
        json!({"summary": "Wrote hello.txt.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
        ]}),
    );
    // The Tests tab first, then approve; the job watch follows it to its end.
    let (code, shown) = on_terminal(
        &env,
        &["run", "add a greeting file", "--no-pr"],
        &[("approve", "3"), ("proves:", "a"), ("opens", "q")],
    );
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("Review focus") || shown.contains("Write the file"), "{shown}");
    // The alternate screen was left and raw mode ended before the job's output.
    assert!(shown.contains("\u{1b}[?1049l"), "{shown}");
    let store = Store::open(&env.db_path()).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    assert_eq!(job.status, "done");
    let plan = store.plan(job.plan_id.as_deref().unwrap()).unwrap();
    assert_eq!(plan.status, "approved");
    assert_eq!(std::fs::read_to_string(repo.join("hello.txt")).ok(), None, "the user's tree is untouched");
    assert!(env.vibe_home().join("logs/tui.log").exists());
}

#[test]
fn vibe_plan_on_a_terminal_records_a_rejection_with_its_reason() {
    let (env, _repo, _server) = world();
    let (code, shown) = on_terminal(&env, &["plan", "add a greeting file"], &[("approve", "xtoo vague\r")]);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("rejected."), "{shown}");
    let store = Store::open(&env.db_path()).unwrap();
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["plan", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().or(listed[0]["record"]["id"].as_str()).unwrap().to_string();
    assert_eq!(store.plan(&id).unwrap().status, "rejected");
    let reviews = store.reviews(&id).unwrap();
    assert_eq!(reviews.last().unwrap().body.as_deref(), Some("too vague"));
}

#[test]
fn the_whole_plan_edited_in_the_editor_becomes_a_new_version_that_is_approved() {
    let (mut env, _repo, _server) = world();
    let editor = env.root().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/^intent: greet$/intent: greet the world/' \"$1\"\n")
        .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    env.set("EDITOR", editor.display().to_string());
    let (code, shown) =
        on_terminal(&env, &["plan", "add a greeting file"], &[("approve", "E"), ("approve", "a")]);
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("approved."), "{shown}");
    let store = Store::open(&env.db_path()).unwrap();
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["plan", "list", "--json"])).unwrap();
    let ids: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().or(r["record"]["id"].as_str()).unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{listed}");
    let newest = ids.iter().map(|id| store.plan(id).unwrap()).find(|p| p.parent_id.is_some()).unwrap();
    assert_eq!(newest.status, "approved");
    let plan: serde_json::Value = serde_json::from_str(newest.plan_json.as_deref().unwrap()).unwrap();
    assert_eq!(plan["steps"][0]["intent"], "greet the world");
    // The text stays where the editor had it.
    let kept = std::fs::read_dir(env.vibe_home().join("edits")).unwrap().count();
    assert_eq!(kept, 1);
}

/// The editor's text carries the acceptance criteria too: an edit of them is saved as a new
/// CRS version (as the CRS tab saves it), approval is refused while a criterion has no check,
/// and a second edit that adds the check is approved.
#[test]
fn criteria_edited_in_the_editor_are_saved_and_an_unchecked_one_blocks_approval() {
    let (mut env, _repo, _server) = world();
    let editor = env.root().join("editor.sh");
    let script = r#"#!/bin/sh
n=$(cat "$0.n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$0.n"
if [ $n = 1 ]; then
  sed -i 's/^condition: hello.txt says hello$/condition: hello.txt says hello once/' "$1"
  printf '\n## Criterion: AC5\ncondition: hello.txt has one line\nverify by: wc -l hello.txt\n' >> "$1"
else
  printf '\n## Check: test "$(wc -l < hello.txt)" = 1\nproves: one line\ncriteria: AC2\n' >> "$1"
fi
"#;
    std::fs::write(&editor, script).unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    env.set("EDITOR", editor.display().to_string());
    let (code, shown) = on_terminal(
        &env,
        &["plan", "add a greeting file"],
        &[("approve", "E"), ("longer", "a"), ("does", "E"), ("v3", "a")],
    );
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("approved."), "{shown}");
    let store = Store::open(&env.db_path()).unwrap();
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["plan", "list", "--json"])).unwrap();
    let approved = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().or(r["record"]["id"].as_str()).unwrap().to_string())
        .map(|id| store.plan(&id).unwrap())
        .find(|p| p.status == "approved")
        .expect("an approved version");
    let chain = store.plan_versions(&approved.id).unwrap();
    let statuses: Vec<&str> = chain.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, ["superseded", "superseded", "approved"]);
    // The criteria went in as their own version, through the criteria edit.
    let criteria_edit = store.reviews(&chain[1].id).unwrap();
    assert_eq!(criteria_edit[0].target.as_deref(), Some("criteria"));
    assert_eq!(
        criteria_edit[0].body.as_deref(),
        Some("changed AC1: hello.txt says hello once; added AC2: hello.txt has one line")
    );
    // The approved version runs the new criteria, each with its check.
    let crs: serde_json::Value =
        serde_json::from_str(&store.crs(approved.crs_id.as_deref().unwrap()).unwrap().crs_json).unwrap();
    let ac = &crs["acceptance_criteria"];
    assert_eq!(ac[0]["description"], "hello.txt says hello once");
    assert_eq!(
        (ac[1]["id"].as_str(), ac[1]["description"].as_str()),
        (Some("AC2"), Some("hello.txt has one line"))
    );
    let plan: serde_json::Value = serde_json::from_str(approved.plan_json.as_deref().unwrap()).unwrap();
    assert_eq!(plan["testing_strategy"][1]["criteria"][0], "AC2");
}

#[test]
fn vibe_alone_without_a_terminal_prints_help_as_before() {
    let (env, _repo, _server) = world();
    let (stdout, stderr) = env.fails(&[], 2);
    assert_eq!(stdout, "");
    assert_eq!(stderr, env.ok(&["-h"]), "`vibe` alone prints the short help on stderr");
    assert!(!env.vibe_home().join("logs/tui.log").exists(), "no screen was opened");
}

#[test]
fn vibe_alone_on_a_terminal_opens_home_and_a_plan_opened_there_is_reviewed() {
    let (env, _repo, _server) = world();
    env.ok(&["plan", "add a greeting file"]);
    // Home lists the plan; Enter opens its review; a rejection there comes back to home,
    // which shows the plan rejected; q leaves.
    let (code, shown) = on_terminal(
        &env,
        &[],
        &[("hello.txt", "\r"), ("approve", "xnot now\r"), ("rejected", "2"), ("Run", "q")],
    );
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("\u{1b}[?1049l"), "the alternate screen was left: {shown}");
    let store = Store::open(&env.db_path()).unwrap();
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["plan", "list", "--json"])).unwrap();
    let id = listed[0]["id"].as_str().or(listed[0]["record"]["id"].as_str()).unwrap().to_string();
    assert_eq!(store.plan(&id).unwrap().status, "rejected");
    assert_eq!(store.reviews(&id).unwrap().last().unwrap().body.as_deref(), Some("not now"));
}

/// Whether the terminal was sent a colour (a foreground or background other than the default)
/// in any SGR sequence.
fn coloured(shown: &str) -> bool {
    let sgr = regex::Regex::new(r"\x1b\[([0-9;]*)m").unwrap();
    let found = sgr.captures_iter(shown).any(|c| {
        c[1].split(';')
            .filter_map(|p| p.parse::<u32>().ok())
            .any(|p| matches!(p, 30..=38 | 40..=48 | 90..=97 | 100..=107))
    });
    found
}

#[test]
fn no_color_keeps_the_review_and_home_free_of_colour() {
    let (mut env, _repo, server) = world();
    env.env.remove("NO_COLOR");
    let (_, shown) = on_terminal(&env, &["plan", "add a greeting file"], &[("approve", "q")]);
    assert!(coloured(&shown), "colour is used when allowed: {shown:?}");
    env.set("NO_COLOR", "1");
    server.push_json(&crs_doc());
    server.push_json(&plan_doc(&[(CHECK, &["AC1"])]));
    let (_, shown) = on_terminal(&env, &["plan", "add a greeting file"], &[("approve", "q")]);
    assert!(shown.contains("approve") && !coloured(&shown), "{shown:?}");
    let (code, shown) = on_terminal(&env, &[], &[("hello.txt", "?"), ("approve", "qq")]);
    assert_eq!(code, 0, "{shown}");
    assert!(!coloured(&shown), "{shown:?}");
}
