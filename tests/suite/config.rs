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
    assert!(out.contains("trust_store  [ROOT]/vibe-home/trust.json (does not exist)"), "{out}");
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

/// A repository whose `.env` is `text`, committed.
fn repo_with_dotenv(env: &mut TestEnv, text: &str) -> std::path::PathBuf {
    let repo = env.git_repo("app");
    std::fs::write(repo.join(".env"), text).unwrap();
    crate::common::git(&repo, &["add", ".env"]);
    crate::common::git(&repo, &["commit", "-q", "-m", "env"]);
    env.cwd = repo.clone();
    repo
}

#[test]
fn an_autoenv_dotenv_does_not_stop_vibe() {
    let mut env = TestEnv::new();
    repo_with_dotenv(&mut env, "workon myproject\n");
    let out = env.vibe().args(["config", "show", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        env.filter(&String::from_utf8_lossy(&out.stderr)),
        "warning: [ROOT]/app/.env: skipped line 1 (not KEY=VALUE; vibe reads only its own variables there)\n"
    );
}

#[test]
fn a_shell_style_dotenv_gives_vibe_its_own_variables_and_nothing_else() {
    let mut env = TestEnv::new();
    repo_with_dotenv(
        &mut env,
        "# app settings\nexport DATABASE_URL=postgres://localhost/app\nexport VIBE_MODEL=\"qwen2.5-coder:32b\" # local\n\
         VIBE_FAST_MODEL='small $HOME'\nSECRET_THING=\"a b\"\n[ -f .env.local ] && source .env.local\n",
    );
    let out = env.vibe().args(["config", "show", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(".env: skipped line 6 ("), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let value = |key: &str| {
        json["keys"].as_array().unwrap().iter().find(|k| k["key"] == key).unwrap()["value"].clone()
    };
    assert_eq!(value("model.name"), "qwen2.5-coder:32b");
    assert_eq!(value("model.fast"), "small $HOME", "values are taken as written, never expanded");
    let name = json["keys"].as_array().unwrap().iter().find(|k| k["key"] == "model.name").unwrap().clone();
    assert_eq!(name["source"]["layer"], "dot_env");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("postgres://"),
        "other tools' variables are not read"
    );
}

#[test]
fn a_bad_value_for_a_vibe_variable_in_dotenv_names_file_and_line_and_exits_2() {
    let mut env = TestEnv::new();
    repo_with_dotenv(&mut env, "workon x\nexport PORT=8080\nVIBE_AGENT_MAX_TURNS=lots\n");
    let (_, err) = env.fails(&["config", "show"], 2);
    assert_eq!(
        env.filter(&err),
        "error: [ROOT]/app/.env:3: bad value for `agent.max_turns`: \"lots\" (a whole number up to 1000000000)\n  \
         hint: fix the value, or remove it to use the default\n"
    );
    std::fs::write(env.cwd.join(".env"), "VIBE_MODEL=\"gpt-4.1\nPORT=1\n").unwrap();
    let (_, err) = env.fails(&["config", "show"], 2);
    assert!(
        env.filter(&err).starts_with(
            "error: [ROOT]/app/.env:1: cannot read the value of VIBE_MODEL: the quote is never closed\n"
        ),
        "{err}"
    );
}
