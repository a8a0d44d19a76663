//! The store under concurrent writers and crashes: processes writing at once lose no row, a
//! writer killed inside a transaction leaves a consistent database.
//!
//! The other processes are this test binary itself, started with `VIBE_TEST_STORE_ROLE` set:
//! [`store_role`] then plays that role against the given database instead of its own check.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use vibe::store::{Store, StoreResult};

use crate::common::records;

const ROLE_VAR: &str = "VIBE_TEST_STORE_ROLE";

/// Starts this test binary as a child playing `role` (arguments separated by `|`).
fn spawn_role(role: &[&str]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["suite::store::store_role", "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(ROLE_VAR, role.join("|"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs the role named by `VIBE_TEST_STORE_ROLE`; without it, plays the writer role alone on
/// a fresh database and checks every row arrived.
#[test]
fn store_role() {
    let Ok(role) = std::env::var(ROLE_VAR) else {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vibe.db");
        writer(&db, "solo", 25).unwrap();
        assert_eq!(count(&db, "select count(*) from job_records where id like 'solo%'"), 25);
        assert_eq!(count(&db, "select count(*) from job_events"), 50);
        return;
    };
    let parts: Vec<&str> = role.split('|').collect();
    match parts.as_slice() {
        ["writer", db, tag, n] => writer(Path::new(db), tag, n.parse().unwrap()).unwrap(),
        ["hang", db, marker] => hang(Path::new(db), Path::new(marker)),
        other => panic!("unknown role {other:?}"),
    }
}

/// Writes `n` jobs, each followed by two events in their own transactions.
fn writer(db: &Path, tag: &str, n: usize) -> StoreResult<()> {
    let mut store = Store::open(db)?;
    for i in 0..n {
        let id = format!("{tag}-{i:06}");
        let at = format!("2026-03-14T15:{:02}:{:02}.000Z", (i / 60) % 60, i % 60);
        store.insert_job(&vibe::store::JobRecord {
            id: id.clone(),
            ..records::job(tag, "queued", None, &at)
        })?;
        store.append_job_event(&id, "created", "{}", &at)?;
        let mut job = store.job(&id)?;
        job.status = "done".into();
        job.execution_time_ms = Some(i as i64 * 10);
        store.update_job(&job)?;
        store.append_job_event(&id, "finished", "{}", &at)?;
    }
    Ok(())
}

/// Opens a write transaction, writes a few megabytes into it (more than the page cache, so
/// pages reach the WAL), tells the parent through `marker`, and waits to be killed.
fn hang(db: &Path, marker: &Path) {
    let mut store = Store::open(db).unwrap();
    let _: StoreResult<()> = store.write(|tx| {
        tx.pragma_update(None, "cache_size", 8)?;
        let pad = "x".repeat(2048);
        for i in 0..2000 {
            tx.execute(
                "insert into job_records (id, status, error_message, created_at, updated_at) \
                 values (?1, 'running', ?2, '2026-03-14T15:00:00.000Z', '2026-03-14T15:00:00.000Z')",
                rusqlite::params![format!("uncommitted-{i:05}"), pad],
            )?;
        }
        std::fs::write(marker, "in transaction").unwrap();
        loop {
            std::thread::sleep(Duration::from_millis(100));
        }
    });
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("pragma integrity_check", [], |r| r.get(0)).unwrap()
}

#[test]
fn two_processes_and_a_thread_writing_at_once_lose_no_row() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("vibe.db");
    let n = 150;
    // The database does not exist yet: the writers also race to create and migrate it.
    let db_arg = db.display().to_string();
    let n_arg = n.to_string();
    let mut a = spawn_role(&["writer", &db_arg, "a", &n_arg]);
    let mut b = spawn_role(&["writer", &db_arg, "b", &n_arg]);
    let db2 = db.clone();
    let thread = std::thread::spawn(move || writer(&db2, "t", n));
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    thread.join().unwrap().unwrap();

    assert_eq!(integrity(&db), "ok");
    for tag in ["a", "b", "t"] {
        let sql = format!("select count(*) from job_records where id like '{tag}-%' and status = 'done'");
        assert_eq!(count(&db, &sql), n as i64, "jobs of {tag}");
    }
    assert_eq!(count(&db, "select count(*) from job_events"), 3 * 2 * n as i64);
    // Every job's log is gap-free: seq 1 then 2.
    assert_eq!(count(&db, "select count(*) from job_events where seq not in (1, 2)"), 0);
    // The roll-ups the triggers keep agree with the rows.
    let store = Store::open(&db).unwrap();
    let m = store.metrics("2026-03-01").unwrap();
    assert_eq!(m.totals.jobs, 3 * n as i64);
    assert_eq!(m.jobs_by_status.get("done"), Some(&(3 * n as i64)));
    assert_eq!(m.job_time.count, 3 * n as i64);
}

#[test]
fn a_writer_killed_inside_a_transaction_leaves_a_consistent_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vibe.db");
    let marker = dir.path().join("marker");
    writer(&db, "kept", 10).unwrap();

    let mut child = spawn_role(&["hang", &db.display().to_string(), &marker.display().to_string()]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the writer exited early: {status}");
        }
        assert!(Instant::now() < deadline, "the writer never reached its transaction");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The open transaction has written pages to the WAL.
    let wal = std::fs::metadata(dir.path().join("vibe.db-wal")).unwrap().len();
    assert!(wal > 1_000_000, "WAL is only {wal} bytes");
    child.kill().unwrap(); // SIGKILL
    assert!(!child.wait().unwrap().success());

    let mut store = Store::open(&db).unwrap();
    assert_eq!(integrity(&db), "ok");
    assert_eq!(count(&db, "select count(*) from job_records"), 10);
    assert_eq!(count(&db, "select count(*) from job_records where id like 'uncommitted%'"), 0);
    assert_eq!(store.metrics("2026-03-01").unwrap().totals.jobs, 10);
    // And it takes writes again.
    store.insert_job(&records::job("after", "queued", None, "2026-03-14T15:09:26.000Z")).unwrap();
    assert_eq!(count(&db, "select count(*) from job_records"), 11);
}
