//! Startup cost of the `vibe` binary: wall time of `vibe --version` over many runs (median,
//! p95, min), the CPU time it used (user + system) and its peak resident memory (both from
//! `wait4`'s rusage). The same figures for `/bin/true` give the floor of starting any process
//! on the machine, which matters on a loaded one.
//!
//! Run with `cargo bench --bench startup` (release build). Targets: ≤ 2 ms and ≤ 8 MB.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 20;
const RUNS: usize = 500;

/// One run's measurements.
struct Sample {
    wall: Duration,
    cpu: Duration,
    /// Peak resident set, KiB.
    rss: i64,
}

fn tv(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// Runs `exe args` once.
fn run_once(exe: &str, args: &[&str]) -> Sample {
    let start = Instant::now();
    let child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (`Child` is never waited on below);
    // `status` and `usage` are valid for writes.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(reaped, pid, "wait4 failed");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{exe} {args:?} failed");
    drop(child);
    Sample { wall: elapsed, cpu: tv(usage.ru_utime) + tv(usage.ru_stime), rss: usage.ru_maxrss }
}

fn percentile<T: Copy + Ord>(sorted: &[T], pct: usize) -> T {
    let rank = (sorted.len() * pct).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs `exe args` many times and prints the figures.
fn measure(label: &str, exe: &str, args: &[&str], targets: bool) {
    for _ in 0..WARMUP {
        run_once(exe, args);
    }
    let samples: Vec<Sample> = (0..RUNS).map(|_| run_once(exe, args)).collect();
    let mut wall: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    let mut cpu: Vec<Duration> = samples.iter().map(|s| s.cpu).collect();
    let mut rss: Vec<i64> = samples.iter().map(|s| s.rss).collect();
    wall.sort();
    cpu.sort();
    rss.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mib = |kib: i64| kib as f64 / 1024.0;
    let (wall_target, rss_target) =
        if targets { ("   (target ≤ 2 ms)", "   (target ≤ 8 MiB)") } else { ("", "") };
    println!("{label}, {RUNS} runs ({WARMUP} warm-up)");
    println!(
        "  wall time: median {:.2} ms, p95 {:.2} ms, min {:.2} ms{wall_target}",
        ms(percentile(&wall, 50)),
        ms(percentile(&wall, 95)),
        ms(wall[0])
    );
    println!(
        "  CPU time:  median {:.2} ms, p95 {:.2} ms",
        ms(percentile(&cpu, 50)),
        ms(percentile(&cpu, 95))
    );
    println!(
        "  peak RSS:  median {:.1} MiB, max {:.1} MiB{rss_target}",
        mib(percentile(&rss, 50)),
        mib(rss[rss.len() - 1])
    );
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_vibe");
    let size = std::fs::metadata(exe).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0;
    measure(&format!("vibe --version (binary {size:.1} MiB)"), exe, &["--version"], true);
    if std::path::Path::new("/bin/true").exists() {
        measure("/bin/true (floor: starting any process here)", "/bin/true", &[], false);
    }
}
