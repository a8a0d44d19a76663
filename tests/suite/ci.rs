//! What CI promises: `.ci/run` runs exactly the README's test command, and everything the
//! suite needs is installed, so no test can skip without the suite failing.

use std::path::Path;

fn repo_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// The one line of the code block after "Run the tests" in the README.
pub fn readme_test_command() -> String {
    let readme = repo_file("README.md");
    let after = readme.split_once("Run the tests").expect("README: a \"Run the tests\" section").1;
    let block = after.split_once("```sh\n").expect("README: a sh block after \"Run the tests\"").1;
    let block = block.split_once("```").unwrap().0;
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "the README's test command is one line: {lines:?}");
    lines[0].trim().to_string()
}

#[test]
fn ci_runs_exactly_the_readmes_test_command_with_formatting_and_lints() {
    let command = readme_test_command();
    let script = repo_file(".ci/run");
    let last = script.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert_eq!(last.trim(), command, ".ci/run must end with the README's test command");
    for part in
        ["cargo fmt --check", "cargo clippy --locked --all-targets -- -D warnings", "cargo test --locked"]
    {
        assert!(command.contains(part), "the test command runs `{part}`: {command}");
    }
    assert!(script.contains("need+=(python3)"), ".ci/run installs python3");
    assert!(script.contains("need+=(postgresql)"), ".ci/run installs PostgreSQL for the mirror's tests");
}

/// The sandbox's keyring test needs python3 and returns early without it; CI installs it,
/// and this test makes a machine without it fail instead of passing quietly.
#[test]
fn everything_the_suite_needs_is_installed() {
    let mut missing = Vec::new();
    if matches!(std::env::consts::ARCH, "x86_64" | "aarch64") && !Path::new("/usr/bin/python3").exists() {
        missing.push("/usr/bin/python3 (apt-get install python3)");
    }
    for tool in ["bwrap", "git"] {
        let found =
            std::process::Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
        if !found {
            missing.push(tool);
        }
    }
    assert!(missing.is_empty(), "missing for the test suite: {}; .ci/run installs them", missing.join(", "));
}
