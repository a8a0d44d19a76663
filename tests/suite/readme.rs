//! The README's claims, checked against the code: the caps on server waits, the sandbox's
//! environment allow-list, the kind of ids, and a command beside every benchmark figure.

use std::collections::BTreeSet;
use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The README with line breaks folded, so a phrase may span lines.
fn flat() -> String {
    readme().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_caps_on_server_waits_are_the_codes() {
    let text = flat();
    let model = vibe::llm::MAX_RETRY_WAIT.as_secs();
    assert!(
        text.contains(&format!("each capped at {model} s: a longer (or absurd) wait is cut to {model} s"))
    );
    assert_eq!(vibe::github::client::MAX_SERVER_WAIT.as_secs(), 3600);
    assert!(text.contains("`x-ratelimit-reset`, each capped at one hour) when the wait is at most 90 s"));
    assert!(text.contains(&format!("whole numbers up to {}", vibe::config::MAX_COUNT)));
}

#[test]
fn the_sandbox_environment_allow_list_is_the_codes() {
    let text = flat();
    let start = text.find("The environment is cleared and only").expect("the README states the allow-list");
    let sentence = &text[start..];
    let sentence = &sentence[..sentence.find(" pass").unwrap()];
    let listed: BTreeSet<&str> = sentence.split('`').skip(1).step_by(2).collect();
    let code: BTreeSet<&str> = vibe::sandbox::local::ENV_ALLOW_LIST.iter().copied().collect();
    assert_eq!(listed, code, "README: {sentence}");
}

#[test]
fn record_ids_are_random_uuids_as_the_readme_says() {
    assert!(flat().contains("Ids are random UUIDs (v4) made on the client"));
    let ids: BTreeSet<String> = (0..64).map(|_| vibe::store::new_id()).collect();
    assert_eq!(ids.len(), 64);
    for id in &ids {
        let u = uuid::Uuid::parse_str(id).unwrap();
        assert_eq!(u.get_version(), Some(uuid::Version::Random), "{id}");
    }
}

#[test]
fn every_benchmark_figure_has_a_command_that_exists() {
    let readme = readme();
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let exists = |name: &str| {
        manifest.contains(&format!("[[bench]]\nname = \"{name}\""))
            && Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("benches/{name}.rs")).exists()
    };
    // Every `cargo bench --bench X` named anywhere.
    let mut named = Vec::new();
    for part in readme.split("cargo bench --bench").skip(1) {
        let name: String =
            part.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if name != "NAME" {
            named.push(name);
        }
    }
    assert!(!named.is_empty());
    for name in &named {
        assert!(exists(name), "README names `cargo bench --bench {name}`, which does not exist");
    }
    // Every row of the benchmark table names its benchmark, or follows a row that does.
    let table = readme.split_once("## Benchmarks").unwrap().1;
    let mut current: Option<String> = None;
    for row in table.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| what")) {
        let what = row.split('|').nth(1).unwrap();
        if let Some(start) = what.rfind("(`") {
            let name = what[start + 2..].split('`').next().unwrap().to_string();
            assert!(exists(&name), "benchmark `{name}` of row {row}");
            current = Some(name);
        }
        assert!(current.is_some(), "a figure without a benchmark: {row}");
    }
}
