//! `vibe config …` and configuration errors as the user sees them.

use crate::common::TestEnv;

#[test]
fn show_lists_every_key_with_its_source_and_redacts_secrets() {
    let mut env = TestEnv::new();
    env.set("OPENAI_API_KEY", "sk-proj-abcdefghijklmnopqrstuvwxyz");
    let out = env.ok(&["config", "show"]);
    assert!(out.contains("model.api_key"), "{out}");
    assert!(out.contains("sk-p…wxyz"), "{out}");
    assert!(!out.contains("abcdefghijklmnop"), "{out}");
    assert!(out.contains("env OPENAI_API_KEY"), "{out}");
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["config", "show", "--json"])).unwrap();
    let keys = json["keys"].as_array().unwrap();
    let name = keys.iter().find(|k| k["key"] == "model.name").unwrap();
    assert_eq!(name["value"], "gpt-4.1");
    assert_eq!(name["source"]["layer"], "default");
}

#[test]
fn set_writes_the_user_file_and_show_reads_it_back() {
    let env = TestEnv::new();
    env.ok(&["config", "set", "model.name", "llama3.1"]);
    let text = std::fs::read_to_string(env.user_config()).unwrap();
    assert!(text.contains("[model]") && text.contains("name = \"llama3.1\""), "{text}");
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["config", "show", "--json"])).unwrap();
    let name = json["keys"].as_array().unwrap().iter().find(|k| k["key"] == "model.name").unwrap().clone();
    assert_eq!(name["value"], "llama3.1");
    assert_eq!(name["source"]["layer"], "user_file");
    env.ok(&["config", "unset", "model.name"]);
    assert!(!std::fs::read_to_string(env.user_config()).unwrap().contains("llama3.1"));
}

#[test]
fn bad_configuration_names_file_line_and_key_and_exits_2() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.user_config().parent().unwrap()).unwrap();
    std::fs::write(env.user_config(), "[model]\nname = \"x\"\ncolour = \"blue\"\n").unwrap();
    let (_, err) = env.fails(&["config", "show"], 2);
    assert_eq!(
        env.filter(&err),
        "error: [ROOT]/config/vibe/config.toml:3: unknown key `model.colour`\n  hint: `vibe config show` lists every key\n"
    );
    std::fs::remove_file(env.user_config()).unwrap();
    let (_, err) = env.fails(&["config", "set", "sandbox.network", "maybe"], 2);
    assert!(err.contains("bad value for `sandbox.network`"), "{err}");
    let (_, err) = env.fails(&["config", "set", "no.such", "1"], 2);
    assert!(err.contains("unknown key `no.such`"), "{err}");
}

#[test]
fn path_shows_files_and_data_directory() {
    let env = TestEnv::new();
    let out = env.filter(&env.ok(&["config", "path"]));
    assert!(out.contains("user_config  [ROOT]/config/vibe/config.toml (does not exist)"), "{out}");
    assert!(out.contains("database     [ROOT]/vibe-home/vibe.db"), "{out}");
}

/// Lists every file under `dir`, relative to it.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn commands_write_only_to_vibe_home_and_the_user_config_file() {
    let env = TestEnv::new();
    env.ok(&["config", "set", "model.name", "m"]);
    env.ok(&["config", "show"]);
    env.ok(&["config", "path"]);
    let _ = env.vibe().arg("doctor").output().unwrap();
    let outside: Vec<String> = files_under(env.root())
        .into_iter()
        .filter(|f| !f.starts_with("vibe-home/") && f != "config/vibe/config.toml")
        .collect();
    assert!(outside.is_empty(), "files written outside VIBE_HOME and the user config: {outside:?}");
}
