//! The completions and man pages checked in under `completions/` and `man/` must match what
//! the current command line generates. To refresh them after changing `src/cli.rs`:
//! `UPDATE_GENERATED=1 cargo test --test cli generated`.

use std::path::{Path, PathBuf};

use crate::common::TestEnv;

const SHELLS: &[(&str, &str)] = &[
    ("bash", "vibe.bash"),
    ("zsh", "_vibe"),
    ("fish", "vibe.fish"),
    ("powershell", "_vibe.ps1"),
    ("elvish", "vibe.elv"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GENERATED").is_some()
}

fn check(path: &Path, fresh: &[u8], stale: &mut Vec<String>) {
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, fresh).unwrap();
    } else if std::fs::read(path).ok().as_deref() != Some(fresh) {
        stale.push(path.strip_prefix(root()).unwrap().display().to_string());
    }
}

#[test]
fn generated_completions_and_man_pages_are_current() {
    let env = TestEnv::new();
    let mut stale = Vec::new();
    for (shell, file) in SHELLS {
        let out = env.vibe().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(!out.stdout.is_empty());
        check(&root().join("completions").join(file), &out.stdout, &mut stale);
    }
    let dir = env.root().join("man");
    env.ok(&["man", "--out", dir.to_str().unwrap()]);
    let mut pages: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    assert!(pages.iter().any(|p| p.ends_with("vibe.1")));
    assert!(pages.iter().any(|p| p.ends_with("vibe-config-set.1")));
    for page in &pages {
        let fresh = std::fs::read(page).unwrap();
        check(&root().join("man").join(page.file_name().unwrap()), &fresh, &mut stale);
    }
    // Pages of removed commands must go too.
    if !updating() {
        for entry in std::fs::read_dir(root().join("man")).unwrap() {
            let name = entry.unwrap().file_name();
            if !pages.iter().any(|p| p.file_name() == Some(name.as_os_str())) {
                stale.push(format!("man/{} (no such command any more)", name.to_string_lossy()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nrefresh them with: UPDATE_GENERATED=1 cargo test --test cli generated"
    );
}

#[test]
fn completions_reject_unknown_shells() {
    let env = TestEnv::new();
    let (_, err) = env.fails(&["completions", "tcsh"], 2);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}

/// The configuration table in the README, rendered from `vibe::config::KEYS`.
fn config_table() -> String {
    let mut t = String::from(
        "| key | environment | default | from an untrusted repository | meaning |\n|---|---|---|---|---|\n",
    );
    for k in vibe::config::KEYS {
        let env: Vec<String> = k.env.iter().map(|e| format!("`{e}`")).collect();
        let default = match (k.default, k.secret) {
            (Some(d), _) => format!("`{d}`"),
            (None, true) => "(secret)".to_string(),
            (None, false) => String::new(),
        };
        let untrusted = match k.guard {
            vibe::config::Guard::Open => "taken".to_string(),
            guard => format!("ignored ({})", format!("{guard:?}").to_lowercase()),
        };
        t.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            k.name,
            env.join(", "),
            default,
            untrusted,
            k.help.replace('|', "\\|")
        ));
    }
    t
}

#[test]
fn generated_readme_configuration_table_is_current() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- config-keys:start -->\n", "<!-- config-keys:end -->");
    let a = readme.find(start).expect("README has the config-keys markers") + start.len();
    let b = readme.find(end).unwrap();
    let fresh = config_table();
    if updating() {
        std::fs::write(&path, format!("{}{}{}", &readme[..a], fresh, &readme[b..])).unwrap();
    } else {
        assert_eq!(
            readme[a..b],
            fresh,
            "README configuration table is stale: UPDATE_GENERATED=1 cargo test --test cli generated"
        );
    }
}
