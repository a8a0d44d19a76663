//! git for the unit tests: runs the real command in a test repository, with an identity and
//! no system configuration, and fails the test when git does.

use std::path::Path;

/// Runs `git ARGS` in `dir`; returns its standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    #[allow(clippy::unwrap_used)]
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
