//! Startup cost of the `vibe` binary: wall time of `vibe --version` over many runs (median,
//! p95, min) and its peak resident memory (from `wait4`'s rusage).
//!
//! Run with `cargo bench --bench startup` (release build). Targets: ≤ 2 ms and ≤ 8 MB.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 20;
const RUNS: usize = 500;

/// One run: wall time and peak RSS in KiB.
fn run_once(exe: &str) -> (Duration, i64) {
    let start = Instant::now();
    let child = Command::new(exe)
        .arg("--version")
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
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "vibe --version failed");
    drop(child);
    (elapsed, usage.ru_maxrss)
}

fn percentile<T: Copy + Ord>(sorted: &[T], pct: usize) -> T {
    let rank = (sorted.len() * pct).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_vibe");
    let size = std::fs::metadata(exe).map(|m| m.len()).unwrap_or(0);
    for _ in 0..WARMUP {
        run_once(exe);
    }
    let mut times = Vec::with_capacity(RUNS);
    let mut rss = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let (t, kib) = run_once(exe);
        times.push(t);
        rss.push(kib);
    }
    times.sort();
    rss.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mib = |kib: i64| kib as f64 / 1024.0;
    println!("vibe --version, {RUNS} runs ({WARMUP} warm-up), binary {:.1} MiB", size as f64 / 1_048_576.0);
    println!(
        "  wall time: median {:.2} ms, p95 {:.2} ms, min {:.2} ms   (target ≤ 2 ms)",
        ms(percentile(&times, 50)),
        ms(percentile(&times, 95)),
        ms(times[0])
    );
    println!(
        "  peak RSS:  median {:.1} MiB, max {:.1} MiB   (target ≤ 8 MiB)",
        mib(percentile(&rss, 50)),
        mib(rss[rss.len() - 1])
    );
}
