//! `vibe admin metrics --json` on a database with 1,000,000 job rows, plus plans, pull
//! requests and users in proportion (400,000 plans, about 300,000 pull requests, 2,000
//! users, a year of per-day model usage), with realistic statuses and times.
//!
//! The database is generated once (one transaction, prepared statements) and kept under
//! `target/bench-data/`; set `VIBE_BENCH_REGENERATE=1` to build it again. The real binary is
//! timed, as a user would run it. Run with `cargo bench --bench metrics`. Target: ≤ 100 ms.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::params;
use vibe::store::{Store, SCHEMA_VERSION};

const USERS: usize = 2_000;
const PLANS: usize = 400_000;
const JOBS: usize = 1_000_000;
const REPOS: usize = 300;
const RUNS: usize = 30;
/// Bump when the generator changes, so a stale cached database is not reused.
const GENERATOR: u32 = 2;
/// "Now" of the generated data and of the timed runs: one year of history before it.
const NOW: &str = "2026-03-14T15:09:26.000Z";
const NOW_UNIX_MS: i64 = 1_773_500_966_000;
const YEAR_MS: i64 = 365 * 86_400_000;

/// xorshift64*: fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A time-ordered, UUID-shaped id (like UUIDv7): millisecond time, then a counter.
fn id(unix_ms: i64, counter: usize) -> String {
    let v = ((unix_ms as u128) << 80) | (0x7u128 << 76) | (0x8u128 << 60) | counter as u128;
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn ts(unix_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    vibe::store::ts(t)
}

fn pick<'a>(rng: &mut Rng, weighted: &[(&'a str, f64)]) -> &'a str {
    let mut x = rng.unit();
    for (v, w) in weighted {
        if x < *w {
            return v;
        }
        x -= w;
    }
    weighted[weighted.len() - 1].0
}

fn generate(path: &Path) -> rusqlite::Result<()> {
    // Create and migrate through the library, then fill with one raw connection.
    drop(Store::open(path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display())));
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "synchronous", "off")?;
    conn.pragma_update(None, "cache_size", -262_144)?; // 256 MiB
    let tx = conn.transaction()?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start_ms = NOW_UNIX_MS - YEAR_MS;
    let repos: Vec<String> = (0..REPOS).map(|i| format!("org{}/service-{i}", i % 40)).collect();
    let models = [("gpt-4.1", 0.7), ("gpt-4.1-mini", 0.2), ("o4-mini", 0.1)];

    let mut users = Vec::with_capacity(USERS);
    {
        let mut stmt = tx.prepare(
            "insert into users (id, github_host, github_id, login, name, html_url, last_login_at, created_at, updated_at) \
             values (?1, 'github.com', ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?;
        for i in 0..USERS {
            let at = start_ms + (i as i64) * (YEAR_MS / USERS as i64);
            let uid = id(at, i);
            let login = format!("dev{i}");
            let last = ts(at + (rng.unit() * (NOW_UNIX_MS - at) as f64) as i64);
            stmt.execute(params![
                uid,
                100_000 + i as i64,
                login,
                format!("Developer {i}"),
                format!("https://github.com/{login}"),
                last,
                ts(at)
            ])?;
            users.push(uid);
        }
    }

    let mut plans = Vec::with_capacity(PLANS);
    {
        let mut stmt = tx.prepare(
            "insert into plan_records (id, user_id, github_host, repo_full_name, status, task_summary, complexity, \
               confidence, steps_count, processing_time_ms, model, prompt_tokens, completion_tokens, tokens_used, \
               cost_usd, created_at, updated_at) \
             values (?1, ?2, 'github.com', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)",
        )?;
        let statuses = [("approved", 0.72), ("draft", 0.12), ("rejected", 0.06), ("superseded", 0.10)];
        for i in 0..PLANS {
            let at = start_ms + (i as i64) * (YEAR_MS / PLANS as i64);
            let pid = id(at, i);
            let prompt = 2_000 + rng.below(12_000) as i64;
            let completion = 500 + rng.below(3_000) as i64;
            stmt.execute(params![
                pid,
                users[rng.below(USERS)],
                repos[rng.below(REPOS)],
                pick(&mut rng, &statuses),
                format!("Change request number {i}"),
                pick(&mut rng, &[("low", 0.4), ("medium", 0.45), ("high", 0.15)]),
                0.5 + rng.unit() * 0.5,
                2 + rng.below(10) as i64,
                3_000 + rng.below(40_000) as i64,
                pick(&mut rng, &models),
                prompt,
                completion,
                prompt + completion,
                (prompt as f64 * 2.0 + completion as f64 * 8.0) / 1e6,
                ts(at)
            ])?;
            plans.push((pid, at));
        }
    }

    let mut done_jobs = Vec::new();
    {
        let mut stmt = tx.prepare(
            "insert into job_records (id, plan_id, user_id, github_host, repo_full_name, branch_name, sandbox, status, \
               base_commit, commit_sha, execution_time_ms, files_changed, lines_added, lines_removed, tokens_used, \
               error_message, started_at, finished_at, model, cost_usd, created_at, updated_at) \
             values (?1, ?2, ?3, 'github.com', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
        )?;
        let statuses = [
            ("done", 0.70),
            ("failed", 0.18),
            ("cancelled", 0.04),
            ("interrupted", 0.03),
            ("queued", 0.01),
            ("provisioning", 0.01),
            ("running", 0.015),
            ("testing", 0.01),
            ("committing", 0.005),
        ];
        for i in 0..JOBS {
            let (plan_id, plan_at) = &plans[(i * PLANS / JOBS).min(PLANS - 1)];
            let at = plan_at + 60_000 + rng.below(3_600_000) as i64;
            let jid = id(at, i);
            let status = pick(&mut rng, &statuses);
            let finished = matches!(status, "done" | "failed" | "cancelled" | "interrupted");
            // Long-tailed: most jobs take 1-5 minutes, a few close to an hour.
            let u = rng.unit();
            let ms =
                (45_000.0 + 240_000.0 * u * u + 3_000_000.0 * u.powi(30) + rng.below(1_000) as f64) as i64;
            let started = at + 500 + rng.below(5_000) as i64;
            let tokens = 5_000 + rng.below(120_000) as i64;
            let files = rng.below(12) as i64;
            stmt.execute(params![
                jid,
                plan_id,
                users[rng.below(USERS)],
                repos[rng.below(REPOS)],
                format!("vibe/{}-change-{i}", &jid[..8]),
                if rng.below(10) < 8 { "local" } else { "e2b" },
                status,
                format!("{:040x}", rng.next()),
                (status == "done").then(|| format!("{:040x}", rng.next())),
                finished.then_some(ms),
                files,
                files * 12,
                files * 3,
                tokens,
                (status == "failed").then_some("tests failed"),
                ts(started),
                finished.then(|| ts(started + ms)),
                pick(&mut rng, &models),
                tokens as f64 * 4.0 / 1e6,
                ts(at),
                ts(if finished { started + ms } else { at })
            ])?;
            if status == "done" {
                done_jobs.push((jid, at + ms));
            }
        }
    }

    {
        let mut stmt = tx.prepare(
            "insert into pr_records (id, job_id, user_id, github_host, repo_full_name, pr_number, pr_url, state, \
               draft, title, head_ref, base_ref, created_at, updated_at) \
             values (?1, ?2, ?3, 'github.com', ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'main', ?11, ?11)",
        )?;
        let mut numbers = vec![0i64; REPOS];
        for (i, (job_id, at)) in done_jobs.iter().enumerate() {
            if rng.below(100) >= 43 {
                continue;
            }
            let r = rng.below(REPOS);
            numbers[r] += 1;
            let state = pick(&mut rng, &[("merged", 0.6), ("open", 0.25), ("closed", 0.15)]);
            stmt.execute(params![
                id(*at, i),
                job_id,
                users[rng.below(USERS)],
                repos[r],
                numbers[r],
                format!("https://github.com/{}/pull/{}", repos[r], numbers[r]),
                state,
                rng.below(10) == 0,
                format!("Change request number {i}"),
                format!("vibe/change-{i}"),
                ts(*at)
            ])?;
        }
    }

    {
        let mut stmt = tx.prepare(
            "insert into usage_daily (day, model, stage, calls, prompt_tokens, completion_tokens, cost_usd) \
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for d in 0..365 {
            let day = &ts(NOW_UNIX_MS - d * 86_400_000)[..10];
            for (model, _) in models {
                for stage in ["crs", "plan", "agent"] {
                    let calls = 50 + rng.below(5_000) as i64;
                    let prompt = calls * (2_000 + rng.below(6_000) as i64);
                    let completion = calls * (300 + rng.below(1_500) as i64);
                    let cost = (prompt as f64 * 2.0 + completion as f64 * 8.0) / 1e6;
                    stmt.execute(params![day, model, stage, calls, prompt, completion, cost])?;
                }
            }
        }
    }
    tx.commit()?;
    conn.pragma_update(None, "synchronous", "normal")?;
    conn.query_row("pragma wal_checkpoint(truncate)", [], |_| Ok(()))?;
    Ok(())
}

fn percentile(sorted: &[Duration], pct: usize) -> Duration {
    let rank = (sorted.len() * pct).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs the real binary against the generated database; returns the wall time and stdout.
fn run(exe: &str, home: &Path, args: &[&str]) -> (Duration, String) {
    let start = Instant::now();
    let out = Command::new(exe)
        .args(args)
        .env_clear()
        .env("VIBE_HOME", home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("VIBE_NOW", NOW)
        .env("NO_COLOR", "1")
        .current_dir(home)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
    let elapsed = start.elapsed();
    assert!(out.status.success(), "vibe {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    (elapsed, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn time(exe: &str, home: &Path, args: &[&str]) -> Vec<Duration> {
    run(exe, home, args); // warm the page cache
    let mut times: Vec<Duration> = (0..RUNS).map(|_| run(exe, home, args).0).collect();
    times.sort();
    times
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_vibe");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let home = target.join(format!("bench-data/metrics-1m-s{SCHEMA_VERSION}-g{GENERATOR}"));
    let db = home.join("vibe.db");
    let regenerate = std::env::var_os("VIBE_BENCH_REGENERATE").is_some_and(|v| v == "1");
    if regenerate || !db.exists() {
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap_or_else(|e| panic!("cannot create {}: {e}", home.display()));
        let started = Instant::now();
        if let Err(e) = generate(&db) {
            let _ = std::fs::remove_dir_all(&home);
            panic!("generating the database failed: {e}");
        }
        println!(
            "generated {} in {:.1} s ({:.0} MiB)",
            db.display(),
            started.elapsed().as_secs_f64(),
            std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0
        );
    }

    let (_, out) = run(exe, &home, &["admin", "metrics", "--json"]);
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bad JSON ({e}): {out}"));
    assert_eq!(doc["totals"]["jobs"], JOBS as u64, "{out}");
    println!(
        "database: {} users, {} plans, {} jobs, {} pull requests; median job {} ms, p95 {} ms",
        doc["totals"]["users"],
        doc["totals"]["plans"],
        doc["totals"]["jobs"],
        doc["totals"]["prs"],
        doc["job_time"]["median_ms"],
        doc["job_time"]["p95_ms"]
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (args, target) in [
        (&["admin", "metrics", "--json"][..], " (target ≤ 100 ms)"),
        (&["admin", "metrics"][..], ""),
        (&["admin", "jobs", "--status", "failed", "--json"][..], ""),
        (&["history", "--limit", "20", "--json"][..], ""),
    ] {
        let times = time(exe, &home, args);
        println!(
            "vibe {}: median {:.1} ms, p95 {:.1} ms, min {:.1} ms over {RUNS} runs{target}",
            args.join(" "),
            ms(percentile(&times, 50)),
            ms(percentile(&times, 95)),
            ms(times[0])
        );
    }
}
