//! A private PostgreSQL cluster per test: `initdb` in a temp directory, a free loopback port,
//! no Unix socket, stopped (and its files removed) when the value drops. PostgreSQL refuses to
//! run as root, so under root the server runs as `nobody` through `setpriv`.
//!
//! The binaries are found on `PATH` or in Debian's `/usr/lib/postgresql/<version>/bin`
//! (`.ci/run` installs the `postgresql` package).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The superuser every test connects as.
pub const SUPERUSER: &str = "postgres";

/// A running cluster.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`.
pub fn pg_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

const NOBODY: u32 = 65534;

impl PgCluster {
    /// Creates and starts a cluster; panics with what to install when PostgreSQL is missing.
    pub fn start() -> Self {
        let bin = pg_bin_dir().expect(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql (.ci/run does)",
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("mkdir data");
        if is_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
            std::os::unix::fs::chown(&data, Some(NOBODY), Some(NOBODY)).expect("chown data");
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        }
        let mut c = PgCluster { dir, bin, port: 0 };
        c.pg("initdb", &["-D", path(&data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync"]);
        // A free port: bind, read, release; retry on the rare race with another test.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let opts = format!(
                "-p {port} -k '' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=40 -c shared_buffers=16MB"
            );
            let log = data.join("server.log");
            let ok = c.pg_status(
                "pg_ctl",
                &["-D", path(&data), "-o", &opts, "-l", path(&log), "-w", "-t", "30", "start"],
            );
            if ok {
                c.port = port;
                return c;
            }
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if !text.contains("could not bind") && !text.contains("in use") {
                panic!("PostgreSQL did not start:\n{text}");
            }
        }
        panic!("PostgreSQL did not find a free port")
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if is_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn pg_status(&self, tool: &str, args: &[&str]) -> bool {
        let out =
            self.command(tool).args(args).current_dir(self.dir.path()).output().expect("run PostgreSQL tool");
        out.status.success()
    }

    fn pg(&self, tool: &str, args: &[&str]) {
        let out =
            self.command(tool).args(args).current_dir(self.dir.path()).output().expect("run PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Connection string of database `db`.
    pub fn conninfo(&self, db: &str) -> String {
        format!("host=127.0.0.1 port={} user={SUPERUSER} dbname={db}", self.port)
    }

    /// A superuser connection to `db`.
    pub fn connect(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.conninfo(db), postgres::NoTls).expect("connect to PostgreSQL")
    }

    /// Creates database `name`.
    pub fn create_db(&self, name: &str) {
        self.connect("postgres")
            .batch_execute(&format!("create database \"{name}\""))
            .expect("create database");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.command("pg_ctl").args(["-D", path(&data), "-m", "immediate", "-w", "stop"]).output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
