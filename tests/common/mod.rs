//! Shared test fixtures: an isolated environment per test (temp home, data directory and
//! config directory, fixed clock, cleared environment), git helpers, and the loopback servers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;

// Loopback servers speaking the real wire protocols (one module each).
pub mod e2b;
pub mod gh_http;
pub mod github;
pub mod openai;
pub mod pg;
pub mod postgrest;

/// The clock every test runs at, so output is reproducible.
pub const NOW: &str = "2026-03-14T15:09:26.000Z";

/// One test's world: its own HOME, VIBE_HOME, config directory and working directory.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub env: HashMap<String, String>,
    pub cwd: PathBuf,
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        for sub in ["home", "vibe-home", "config", "work"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }
        let mut env = HashMap::new();
        env.insert("HOME".into(), root.join("home").display().to_string());
        env.insert("VIBE_HOME".into(), root.join("vibe-home").display().to_string());
        env.insert("XDG_CONFIG_HOME".into(), root.join("config").display().to_string());
        env.insert("XDG_DATA_HOME".into(), root.join("home/.local/share").display().to_string());
        env.insert("VIBE_NOW".into(), NOW.into());
        env.insert("NO_COLOR".into(), "1".into());
        env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
        // Never let a test reach a real keyring or a real service.
        env.insert("VIBE_KEYRING".into(), "file".into());
        env.insert("OPENAI_BASE_URL".into(), "http://127.0.0.1:9/v1".into());
        env.insert("VIBE_GITHUB_API_URL".into(), "http://127.0.0.1:9".into());
        env.insert("VIBE_GITHUB_URL".into(), "http://127.0.0.1:9".into());
        env.insert("E2B_API_URL".into(), "http://127.0.0.1:9".into());
        Self { cwd: root.join("work"), dir, env }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn vibe_home(&self) -> PathBuf {
        self.root().join("vibe-home")
    }

    pub fn db_path(&self) -> PathBuf {
        self.vibe_home().join("vibe.db")
    }

    pub fn user_config(&self) -> PathBuf {
        self.root().join("config/vibe/config.toml")
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// `vibe` with this environment only, run in `cwd`.
    pub fn vibe(&self) -> Command {
        let mut cmd = Command::cargo_bin("vibe").expect("vibe binary");
        cmd.env_clear().envs(&self.env).current_dir(&self.cwd);
        cmd
    }

    /// Aims vibe's GitHub client at a loopback server (waits capped to a few milliseconds).
    pub fn use_github(&mut self, server: &github::GithubServer) -> &mut Self {
        self.set("VIBE_GITHUB_URL", server.url.clone());
        self.set("VIBE_GITHUB_API_URL", server.api_url());
        self.set("GITHUB_CLIENT_ID", github::CLIENT_ID);
        self.set("VIBE_GITHUB_WAIT_CAP_MS", "5")
    }

    /// Runs vibe with `args`, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.vibe().args(args).output().expect("run vibe");
        assert!(
            out.status.success(),
            "vibe {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs vibe with `args`, asserts the exit code, returns (stdout, stderr).
    pub fn fails(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.vibe().args(args).output().expect("run vibe");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "vibe {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        (stdout, stderr)
    }

    /// Replaces the temp root in `text` with `[ROOT]` for snapshots.
    pub fn filter(&self, text: &str) -> String {
        text.replace(&self.root().display().to_string(), "[ROOT]")
    }

    /// A fresh git repository with one commit, under the test root.
    pub fn git_repo(&self, name: &str) -> PathBuf {
        let path = self.root().join(name);
        std::fs::create_dir_all(&path).expect("mkdir repo");
        git(&path, &["init", "-q", "-b", "main"]);
        git(&path, &["config", "user.name", "Test User"]);
        git(&path, &["config", "user.email", "test@example.com"]);
        std::fs::write(path.join("README.md"), "# demo\n").expect("write");
        git(&path, &["add", "."]);
        git(&path, &["commit", "-q", "-m", "initial"]);
        path
    }
}

/// Runs git in `dir`, asserting success; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = StdCommand::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2026-03-14T15:09:26Z")
        .env("GIT_COMMITTER_DATE", "2026-03-14T15:09:26Z")
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// Tracking records written through the library (history, admin).
pub mod records;
