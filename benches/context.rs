//! Context-gathering benchmark: builds a 20,000-file git repository in a temp directory
//! (sources in nested modules, docs, an ignored build directory, binaries, lock files), then
//! times `context::gather` for a prompt and reports wall time and peak resident memory; then
//! the same with the cache in `VIBE_HOME/cache` (an unchanged repository is not walked again).
//!
//! Run with `cargo bench --bench context`. Target: well under 0.3 s per gather on a laptop,
//! memory growth of a few MiB.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const FILES: usize = 20_000;

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) of this process so far, in milliseconds: less sensitive to a
/// busy machine than wall time.
fn cpu_ms() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    ms(ru.ru_utime) + ms(ru.ru_stime)
}

fn words(seed: usize) -> [&'static str; 3] {
    const W: &[&str] = &[
        "user", "account", "session", "token", "cache", "index", "render", "parse", "query", "route",
        "login", "payment", "invoice", "order", "report", "metric", "event", "queue", "worker", "config",
        "limit", "request", "response", "handler", "store", "record", "schema", "widget", "layout", "theme",
    ];
    [W[seed % W.len()], W[(seed / 7) % W.len()], W[(seed / 31) % W.len()]]
}

fn generate(root: &Path) -> std::io::Result<()> {
    std::fs::write(root.join(".gitignore"), "target/\n*.log\n")?;
    std::fs::write(root.join("README.md"), "# bench\n\nA generated repository.\n")?;
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"bench\"\n")?;
    for i in 0..FILES {
        let [a, b, c] = words(i);
        let dir = root.join(format!("src/{a}/{b}_{}", i % 13));
        std::fs::create_dir_all(&dir)?;
        let (name, body) = match i % 20 {
            0 => (format!("{c}_{i}.png"), vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3]),
            1 => (format!("{c}_{i}.md"), format!("# {a} {b}\n\nNotes about {c} number {i}.\n").into_bytes()),
            _ => (
                format!("{c}_{i}.rs"),
                format!(
                    "//! {a} {b} {c}\n\nuse crate::{a}::{b};\n\npub struct {C}{i} {{\n    pub {a}_id: u64,\n    {b}: String,\n}}\n\n\
                     impl {C}{i} {{\n    pub fn {c}_{a}(&self, {b}_count: usize) -> usize {{\n        let total = self.{a}_id as usize + {b}_count;\n        \
                     total * {i}\n    }}\n}}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn {c}_works() {{\n        assert_eq!(1 + 1, 2);\n    }}\n}}\n",
                    C = c.to_uppercase()
                )
                .into_bytes(),
            ),
        };
        std::fs::write(dir.join(name), body)?;
    }
    // Ignored build output: must not be walked.
    for i in 0..2000 {
        let dir = root.join(format!("target/debug/deps/d{}", i % 20));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("lib{i}.rlib")), b"\0\0\0")?;
    }
    std::fs::write(root.join("Cargo.lock"), "# lock\n".repeat(1000))?;
    Ok(())
}

fn git(root: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("git {args:?} failed; timing without git history");
    }
}

fn main() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create a temp dir: {e}");
            std::process::exit(1);
        }
    };
    let root = dir.path().join("bench-repo");
    if let Err(e) = std::fs::create_dir_all(&root).and_then(|_| generate(&root)) {
        eprintln!("cannot generate the repository: {e}");
        std::process::exit(1);
    }
    git(&root, &["init", "-q", "-b", "main"]);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "generated"]);
    // One uncommitted file, as in a repository being worked on.
    std::fs::create_dir_all(root.join("src/login")).ok();
    std::fs::write(root.join("src/login/rate_limit.rs"), "pub fn rate_limit_login() {}\n").ok();

    let prompt = "add rate limiting to the login session handler and report metrics";
    let rss_before = peak_rss_kib();
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut last = None;
    let mut rss_first = None;
    for run in 0..7 {
        let t = Instant::now();
        let c = cpu_ms();
        match vibe::context::gather(&root, prompt, 12_000) {
            Ok(ctx) => last = Some(ctx),
            Err(e) => {
                eprintln!("gather failed: {e}");
                std::process::exit(1);
            }
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ms() - c);
        if run == 0 {
            rss_first = peak_rss_kib();
        }
    }
    cpu.sort_by(f64::total_cmp);
    let rss_after = peak_rss_kib();
    // With the cache of `VIBE_HOME/cache`: the first run walks and keeps the walk, the others
    // find the repository unchanged. A walk right after a change is not kept, so wait first.
    std::thread::sleep(vibe::context::cache::RACY);
    let cache = dir.path().join("cache");
    let mut cached = Vec::new();
    for _ in 0..8 {
        let t = Instant::now();
        if let Err(e) = vibe::context::gather_cached(&root, Some(&cache), prompt, 12_000) {
            eprintln!("gather failed: {e}");
            std::process::exit(1);
        }
        cached.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let first_cached = cached.remove(0);
    cached.sort_by(f64::total_cmp);
    // Where the time goes.
    let c = cpu_ms();
    let walked = vibe::context::walk::walk(&root).map(|(f, _)| f).unwrap_or_default();
    let walk_ms = cpu_ms() - c;
    let c = cpu_ms();
    let recent = vibe::context::recent::recent(&root, &walked);
    let recent_ms = cpu_ms() - c;
    println!(
        "context/parts (CPU): walk {walk_ms:.1} ms ({} files), git recency {recent_ms:.1} ms ({} uncommitted, {} recently committed)",
        walked.len(),
        recent.uncommitted.len(),
        recent.committed.len()
    );
    times.sort_by(f64::total_cmp);
    let Some(ctx) = last else { return };
    println!(
        "context/gather: {} files seen, {} scanned, {} included, {} of {} tokens",
        ctx.files_seen,
        ctx.files_scanned,
        ctx.files.len(),
        ctx.tokens,
        ctx.max_tokens
    );
    println!(
        "context/gather: wall min {:.1} ms, median {:.1} ms, max {:.1} ms (7 runs)",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
    println!("context/gather: CPU time min {:.1} ms, median {:.1} ms", cpu[0], cpu[cpu.len() / 2]);
    println!(
        "context/gather, cache: first run {first_cached:.1} ms (walks, keeps the walk), then wall min {:.1} ms, median {:.1} ms (7 runs)",
        cached[0],
        cached[cached.len() / 2]
    );
    if let (Some(a), Some(f), Some(b)) = (rss_before, rss_first, rss_after) {
        let mib = |k: u64| k as f64 / 1024.0;
        println!(
            "context/gather: peak RSS {:.1} MiB before, {:.1} MiB after the first run, {:.1} MiB after all 7",
            mib(a),
            mib(f),
            mib(b)
        );
    }
}
