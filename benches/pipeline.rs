//! Pipeline overhead benchmark: everything `vibe run` does besides waiting for the model.
//!
//! A loopback OpenAI-compatible server answers at once (zero model latency) with a CRS, a plan
//! and four agent turns (write a file, mark the plan's step done, run the check, finish). The benchmark times the whole
//! `vibe run PROMPT --yes --no-pr` process — configuration, context gathering for CRS and
//! plan, records, sandbox copy at the base commit under bubblewrap, agent tool calls, the
//! plan's check, the commit on a new branch — on a small repository and on a 20,000-file one,
//! and reports the median wall time and the process's peak resident memory. The first run of
//! each repository is reported apart: it makes a new copy, later runs reuse a pooled one.
//!
//! Run with `cargo bench --bench pipeline`. Targets: ≤ 0.3 s (small), ≤ 0.5 s (20,000 files),
//! ≤ 1 s for the first run of each repository, peak memory ≤ 50 MB. Exits non-zero when a
//! target is missed. Each size also prints where the first and the last run's time went
//! (start to the CRS request, CRS, plan, the time before each job event, exit), which shows
//! the sandbox copy (`sandbox_ready`) and the copy's diff (the `stage_completed` after the
//! agent) as the costs that grow with the repository, and the prompt tokens of each model
//! request (counted like vibe counts them when a server reports none) with the part of each
//! that repeats the start of an earlier request (what a server with prompt caching reads from
//! its cache). Token targets: ≤ 10,000 prompt tokens in total (small), ≤ 14,000 (20,000 files).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/openai.rs"]
mod openai;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const RUNS: usize = 5;
const CHECK: &str = "grep -q hello hello.txt";
const MAX_RSS_MB: f64 = 50.0;
/// The first run of a repository (no copy to reuse, no context cache), in seconds.
const FIRST_RUN_TARGET: f64 = 1.0;

/// Prompt tokens of a request: its tools and messages.
fn prompt_tokens(body: &Value) -> usize {
    let tools = body.get("tools").map_or(0, |t| vibe::llm::tokens::estimate(&t.to_string()));
    let messages = body["messages"].as_array().map_or(0, |m| {
        m.iter()
            .map(|m| {
                let content = m["content"].as_str().map(str::to_string).unwrap_or_default();
                let calls = m.get("tool_calls").map(Value::to_string).unwrap_or_default();
                vibe::llm::tokens::estimate_message(&format!("{content}{calls}"))
            })
            .sum()
    });
    tools + messages
}

/// Each request's prompt tokens and the tokens of its longest leading part that an earlier
/// request of the same run started with.
fn tokens_per_request(bodies: &[Value]) -> Vec<(String, usize, usize)> {
    let leading =
        |b: &Value| format!("{}{}", b.get("tools").map(Value::to_string).unwrap_or_default(), b["messages"]);
    let texts: Vec<String> = bodies.iter().map(leading).collect();
    bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let name = b["response_format"]["json_schema"]["name"].as_str().unwrap_or("agent").to_string();
            let total = prompt_tokens(b);
            let shared = texts[..i]
                .iter()
                .map(|t| t.bytes().zip(texts[i].bytes()).take_while(|(a, b)| a == b).count())
                .max()
                .unwrap_or(0);
            let mut cut = shared;
            while !texts[i].is_char_boundary(cut) {
                cut -= 1;
            }
            let cached = vibe::llm::tokens::estimate(&texts[i][..cut]).min(total);
            (name, total, cached)
        })
        .collect()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A committed, packed repository with `files` source files in nested directories.
fn repo(root: &Path, name: &str, files: usize) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "user.name", "Bench"]);
    git(&dir, &["config", "user.email", "bench@example.com"]);
    git(&dir, &["config", "gc.auto", "0"]);
    std::fs::write(dir.join("README.md"), "# bench\n\nA greeting service.\n").unwrap();
    std::fs::write(dir.join(".gitignore"), "target/\n").unwrap();
    for i in 0..files {
        let sub = dir.join(format!("src/m{}/n{}", i % 50, (i / 50) % 20));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join(format!("f{i}.rs")),
            format!("//! module {i}\n\npub fn value_{i}() -> usize {{\n    {i}\n}}\n"),
        )
        .unwrap();
    }
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "initial"]);
    // Packed, as a cloned or long-lived repository is.
    git(&dir, &["gc", "-q"]);
    dir
}

fn crs() -> Value {
    json!({
        "summary": "Add a greeting file",
        "goals": ["greet"], "non_goals": [], "constraints": [],
        "acceptance_criteria": [{"id": "AC1", "description": "hello.txt says hello", "verification": CHECK}],
        "affected_areas": ["hello.txt"], "risks": [], "open_questions": []
    })
}

fn plan() -> Value {
    json!({
        "summary": "Write hello.txt",
        "steps": [{"title": "Write the file", "intent": "greet", "files": [{"path": "hello.txt", "action": "create"}], "commands": []}],
        "testing_strategy": [{"command": CHECK, "proves": "the greeting is there", "criteria": ["AC1"]}],
        "complexity": "low", "confidence": 0.9, "estimated_files_changed": 1, "needs_network": false
    })
}

fn script(server: &openai::OpenAiServer) {
    // Whole answers at once: streamed ones come in small delayed pieces, which is model
    // time, not ours.
    server.push(openai::Reply::json(&crs()).not_streamed());
    server.push(openai::Reply::json(&plan()).not_streamed());
    server.push_tool_call("write_file", json!({"path": "hello.txt", "content": "hello\n"}));
    server.push_tool_call("complete_step", json!({"summary": "Wrote hello.txt."}));
    server.push_tool_call("run_command", json!({"command": CHECK}));
    server.push_tool_call(
        "finish",
        json!({"summary": "Wrote hello.txt.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": CHECK, "exit_code": 0}], "note": ""}
        ]}),
    );
}

/// One `vibe run`: its wall time, peak memory, and when it started and ended by the clock the
/// records are stamped with.
struct Run {
    wall: Duration,
    rss_mb: f64,
    began: time::OffsetDateTime,
    ended: time::OffsetDateTime,
}

/// Runs `vibe run` once.
// The child is reaped with wait4 (for its resource usage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn run_once(home: &Path, repo: &Path, base_url: &str) -> Run {
    let began = time::OffsetDateTime::now_utc();
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_vibe"))
        .args(["run", "add a greeting file", "--yes", "--no-pr", "-q"])
        .current_dir(repo)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.join("home"))
        .env("VIBE_HOME", home.join("vibe-home"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("VIBE_KEYRING", "none")
        .env("OPENAI_BASE_URL", base_url)
        .env("OPENAI_API_KEY", "sk-bench")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data, zero-initialised; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for the child we just spawned.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(rc, pid, "wait4 failed");
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        panic!("vibe run failed ({status}): {err}");
    }
    Run { wall, rss_mb: usage.ru_maxrss as f64 / 1024.0, began, ended: time::OffsetDateTime::now_utc() }
}

/// Where the time of the last run (`run`) went, from the timestamps of its records and events:
/// from the start of the process to the CRS request (configuration, the clean-tree check,
/// context), the CRS and plan, each job event, and from the last event to the exit.
fn breakdown(home: &Path, run: &Run) {
    let store = vibe::store::Store::open(&home.join("vibe-home/vibe.db")).unwrap();
    let job = store.recent_jobs(1, None).unwrap().remove(0);
    let plan = store.plan(job.plan_id.as_deref().unwrap()).unwrap();
    let crs = store.crs(plan.crs_id.as_deref().unwrap()).unwrap();
    let ts = |s: &str| vibe::store::parse_ts(s).unwrap();
    let crs_ms = crs.processing_time_ms.unwrap_or(0);
    let before_crs = ts(&crs.created_at) - time::Duration::milliseconds(crs_ms) - run.began;
    let mut line = format!(
        "  start {}ms, crs {}ms, plan {}ms, plan→job {}ms",
        before_crs.whole_milliseconds(),
        crs_ms,
        plan.processing_time_ms.unwrap_or(0),
        (ts(&job.created_at) - ts(&plan.created_at)).whole_milliseconds()
    );
    let events = store.job_events(&job.id, 0).unwrap();
    let mut last = ts(&job.created_at);
    for e in &events {
        let at = ts(&e.created_at);
        let kind = if e.kind == "status" {
            serde_json::from_str::<Value>(&e.payload).unwrap()["to"].as_str().unwrap_or("?").to_string()
        } else {
            e.kind.clone()
        };
        line.push_str(&format!(", {kind} +{}ms", (at - last).whole_milliseconds()));
        last = at;
    }
    line.push_str(&format!(", exit +{}ms", (run.ended - last).whole_milliseconds()));
    println!("{line}");
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let server = openai::OpenAiServer::start();
    let mut ok = true;
    println!(
        "{:<14} {:>6} {:>10} {:>10} {:>10} {:>9}",
        "repository", "runs", "median", "min", "target", "peak MiB"
    );
    for (name, files, target, token_target) in
        [("small", 20, 0.3, 10_000), ("20000-files", 20_000, 0.5, 14_000)]
    {
        let repo = repo(tmp.path(), name, files);
        let home = tmp.path().join(format!("{name}-env"));
        // The first run (page cache, first database migration, no pooled copy yet) is
        // reported on its own: later jobs of a repository reuse the copy of earlier ones.
        script(&server);
        let before = server.chat_requests().len();
        let first = run_once(&home, &repo, &server.base_url());
        let first_met = first.wall.as_secs_f64() <= FIRST_RUN_TARGET && first.rss_mb <= MAX_RSS_MB;
        ok &= first_met;
        println!(
            "  first run: {:.3}s, {:.1} MiB, target {FIRST_RUN_TARGET:.1}s {}",
            first.wall.as_secs_f64(),
            first.rss_mb,
            if first_met { "ok" } else { "MISSED" }
        );
        breakdown(&home, &first);
        let bodies: Vec<Value> = server.chat_requests()[before..].iter().map(|r| r.body.clone()).collect();
        let per = tokens_per_request(&bodies);
        let total: usize = per.iter().map(|(_, t, _)| t).sum();
        let cached: usize = per.iter().map(|(_, _, c)| c).sum();
        let list: Vec<String> = per.iter().map(|(n, t, c)| format!("{n} {t} ({c} repeated)")).collect();
        println!(
            "  prompt tokens: {}; total {total} ({cached} repeated), target {token_target}",
            list.join(", ")
        );
        ok &= total <= token_target;
        let mut times = Vec::new();
        let mut peak: f64 = 0.0;
        let mut last = None;
        for _ in 0..RUNS {
            script(&server);
            let run = run_once(&home, &repo, &server.base_url());
            times.push(run.wall.as_secs_f64());
            peak = peak.max(run.rss_mb);
            last = Some(run);
        }
        times.sort_by(f64::total_cmp);
        breakdown(&home, &last.unwrap());
        let median = times[times.len() / 2];
        let met = median <= target && peak <= MAX_RSS_MB;
        ok &= met;
        println!(
            "{name:<14} {RUNS:>6} {:>9.3}s {:>9.3}s {:>9.1}s {peak:>9.1} {}",
            median,
            times[0],
            target,
            if met { "ok" } else { "MISSED" }
        );
    }
    if !ok {
        std::process::exit(1);
    }
}
