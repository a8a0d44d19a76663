//! The agent runs a project's real tests: the user's toolchains (read-only) and the
//! repository's ignored dependency directories (read-only below a writable layer) are in the
//! sandbox, with no network and without the home's secrets. Real projects built here, the
//! real bubblewrap sandbox, `vibe run --yes` against the loopback model server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use vibe::config::Backend;
use vibe::sandbox::{self, CommandRequest, Policy, SandboxSpec};
use vibe::store::Store;

use crate::common::openai::OpenAiServer;
use crate::common::{git, TestEnv};

const KEY: &str = "sk-test-toolchains-7777";
const PLANTED: &str = "PLANTED-SSH-KEY-5d1f0c";

/// The real home of whoever runs the tests (where rustup, cargo and pyenv live).
fn real_home() -> PathBuf {
    PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
}

/// A test world whose home is a temporary one holding a planted SSH key, as a user's would.
fn world(name: &str) -> (TestEnv, PathBuf, OpenAiServer) {
    let mut env = TestEnv::new();
    let ssh = env.root().join("home/.ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(ssh.join("id_ed25519"), format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{PLANTED}\n"))
        .unwrap();
    let repo = env.git_repo(name);
    env.cwd = repo.clone();
    let server = OpenAiServer::start();
    env.set("OPENAI_BASE_URL", server.base_url());
    env.set("OPENAI_API_KEY", KEY);
    (env, repo, server)
}

/// A plan whose one acceptance check is `check`.
fn plan(env: &TestEnv, check: &str) -> String {
    let path = crate::suite::jobs::plan_file(env.root(), &[(check, &["AC1"])]);
    path.display().to_string()
}

/// The agent edits `file`, runs `check` (and `extra` commands), and finishes.
fn script(server: &OpenAiServer, file: &str, content: &str, check: &str, extra: &[&str]) {
    server.push_tool_call("write_file", json!({"path": file, "content": content}));
    for command in extra {
        server.push_tool_call("run_command", json!({"command": command}));
    }
    server.push_tool_call("run_command", json!({"command": check}));
    server.push_tool_call(
        "finish",
        json!({"summary": "Done.", "criteria": [
            {"id": "AC1", "holds": true, "evidence": [{"command": check, "exit_code": 0}], "note": ""}
        ]}),
    );
}

/// Runs the job and returns its final status, with stderr for messages.
fn run_job(env: &TestEnv, plan: &str) -> (String, String) {
    let out = env.vibe().args(["run", "--plan", plan, "--yes", "--no-pr"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let store = Store::open(&env.db_path()).unwrap();
    let status = store.recent_jobs(1, None).unwrap().into_iter().next().map(|j| j.status).unwrap_or_default();
    (status, format!("{stderr}\n{}", String::from_utf8_lossy(&out.stdout)))
}

/// What every request to the model carried.
fn sent(server: &OpenAiServer) -> String {
    server.requests().iter().map(|r| r.all_text()).collect::<Vec<_>>().join("\n")
}

/// Every file under `dir` with its size and modification time.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.path().symlink_metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), m.len(), m.modified().unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn ok(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) {
    let out = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The version of `name` this project's own lock file holds (so it is in the local cargo
/// registry of any machine that built vibe).
fn locked_version(name: &str) -> (String, String) {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let block = lock.split("[[package]]").find(|b| b.contains(&format!("name = \"{name}\"\n"))).unwrap();
    let field = |f: &str| {
        block
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{f} = \"")))
            .unwrap()
            .trim_end_matches('"')
            .to_string()
    };
    (field("version"), field("checksum"))
}

#[test]
fn a_rust_crate_with_a_registry_dependency_passes_cargo_test_offline_and_reuses_the_users_target() {
    let (mut env, repo, server) = world("crate");
    let rustup =
        std::env::var("RUSTUP_HOME").unwrap_or_else(|_| real_home().join(".rustup").display().to_string());
    let cargo =
        std::env::var("CARGO_HOME").unwrap_or_else(|_| real_home().join(".cargo").display().to_string());
    env.set("RUSTUP_HOME", rustup.clone());
    env.set("CARGO_HOME", cargo.clone());
    let (version, checksum) = locked_version("itoa");
    std::fs::write(
        repo.join("Cargo.toml"),
        format!("[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"={version}\"\n"),
    )
    .unwrap();
    std::fs::write(
        repo.join("Cargo.lock"),
        format!(
            "version = 3\n\n[[package]]\nname = \"fixture\"\nversion = \"0.1.0\"\ndependencies = [\n \"itoa\",\n]\n\n\
             [[package]]\nname = \"itoa\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{checksum}\"\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    let lib = "pub fn show(n: u32) -> String {\n    itoa::Buffer::new().format(n).to_string()\n}\n\n#[test]\nfn shows() {\n    assert_eq!(show(7), \"7\");\n}\n";
    std::fs::write(repo.join("src/lib.rs"), lib).unwrap();
    std::fs::write(repo.join(".gitignore"), "/target\n").unwrap();
    // The user has built it before: its target/ is there, ignored by git.
    let path = std::env::var("PATH").unwrap();
    let host = [("RUSTUP_HOME", rustup.as_str()), ("CARGO_HOME", cargo.as_str()), ("PATH", path.as_str())];
    ok(&repo, "cargo", &["test", "--offline", "--no-run", "-q"], &host);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "crate"]);
    let before = listing(&repo.join("target"));

    let check = "cargo test --offline";
    let changed = lib.replace("assert_eq!(show(7), \"7\");", "assert_eq!(show(42), \"42\");");
    let planted = format!("cat {}/home/.ssh/id_ed25519", env.root().display());
    script(&server, "src/lib.rs", &changed, check, &[&planted, "touch target/written-by-the-job"]);
    let (status, out) = run_job(&env, &plan(&env, check));
    assert_eq!(status, "done", "{out}");
    assert_eq!(listing(&repo.join("target")), before, "nothing the job wrote reached the user's target/");
    let sent = sent(&server);
    assert!(!sent.contains(PLANTED), "the planted key reached the model");
    assert!(!sent.contains("could not choose a version"), "rustup found its toolchain");
}

#[test]
fn a_python_project_uses_the_dependency_that_lives_only_in_its_ignored_venv() {
    let (env, repo, server) = world("py");
    std::fs::write(repo.join("requirements.txt"), "greetlib\n").unwrap();
    std::fs::write(repo.join(".gitignore"), ".venv/\n__pycache__/\n").unwrap();
    std::fs::create_dir_all(repo.join("tests")).unwrap();
    let test = "import unittest\nimport greetlib\n\nclass T(unittest.TestCase):\n    def test_hello(self):\n        self.assertEqual(greetlib.hello(), 'hello')\n";
    std::fs::write(repo.join("tests/test_greet.py"), test).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "py"]);
    let path = std::env::var("PATH").unwrap();
    ok(&repo, "python3", &["-m", "venv", "--without-pip", ".venv"], &[("PATH", path.as_str())]);
    let site = std::fs::read_dir(repo.join(".venv/lib"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path()
        .join("site-packages");
    std::fs::create_dir_all(site.join("greetlib")).unwrap();
    std::fs::write(site.join("greetlib/__init__.py"), "def hello():\n    return 'hello'\n").unwrap();
    let before = listing(&repo.join(".venv"));

    let check = ".venv/bin/python -m unittest discover -s tests";
    let changed = format!(
        "{test}\n    def test_twice(self):\n        self.assertEqual(greetlib.hello() * 2, 'hellohello')\n"
    );
    script(&server, "tests/test_greet.py", &changed, check, &["touch .venv/written-by-the-job"]);
    let (status, out) = run_job(&env, &plan(&env, check));
    assert_eq!(status, "done", "{out}");
    assert_eq!(listing(&repo.join(".venv")), before, "nothing the job wrote reached the user's .venv");
}

#[test]
fn a_node_project_uses_the_dependency_that_lives_only_in_its_ignored_node_modules() {
    let (env, repo, server) = world("node");
    std::fs::write(repo.join("package.json"), "{\"name\": \"fixture\", \"version\": \"1.0.0\"}\n").unwrap();
    std::fs::write(repo.join(".gitignore"), "node_modules/\n").unwrap();
    let test = "const greet = require('greet');\nif (greet() !== 'hello') process.exit(1);\n";
    std::fs::write(repo.join("test.js"), test).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "node"]);
    std::fs::create_dir_all(repo.join("node_modules/greet")).unwrap();
    std::fs::write(repo.join("node_modules/greet/index.js"), "module.exports = () => 'hello';\n").unwrap();
    let before = listing(&repo.join("node_modules"));

    let check = "node test.js";
    let changed = format!("{test}console.log('ok');\n");
    // The job may write below node_modules: the write stays in its own layer.
    script(&server, "test.js", &changed, check, &["echo 'module.exports = 1' > node_modules/greet/extra.js"]);
    let (status, out) = run_job(&env, &plan(&env, check));
    assert_eq!(status, "done", "{out}");
    assert_eq!(listing(&repo.join("node_modules")), before);
    // The commit holds the change, not the dependencies.
    let files = git(&repo, &["log", "--all", "--name-only", "--format=", "-1", "--branches=vibe/*"]);
    assert!(files.contains("test.js") && !files.contains("node_modules"), "{files}");
}

/// A sandbox of `repo` whose host environment has `home` as HOME and `path` as PATH.
fn spec(env: &TestEnv, repo: &Path, home: &Path, path: String) -> SandboxSpec {
    let host_env = [
        ("HOME".to_string(), home.display().to_string()),
        ("PATH".to_string(), path),
        ("GITHUB_TOKEN".to_string(), "ghp_toolchainleak000000000000000000000".to_string()),
    ]
    .into();
    SandboxSpec {
        repo: repo.to_path_buf(),
        base: None,
        allow_dirty: false,
        dir: env.root().join("sandbox"),
        policy: Policy { command_timeout: Duration::from_secs(60), ..Policy::default() },
        host_env,
        label: "test".into(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn toolchains_and_layers_are_read_only_and_the_homes_secrets_stay_out() {
    let env = TestEnv::new();
    let home = env.root().join("home");
    for d in [".cargo/bin", ".cargo/registry/cache", ".ssh", ".aws", ".local/bin", "tools/bin"] {
        std::fs::create_dir_all(home.join(d)).unwrap();
    }
    std::fs::write(home.join(".cargo/bin/mytool"), "#!/bin/sh\necho tool-ran\n").unwrap();
    std::process::Command::new("chmod").args(["+x"]).arg(home.join(".cargo/bin/mytool")).status().unwrap();
    std::fs::write(home.join(".cargo/registry/cache/crate"), "crate\n").unwrap();
    std::fs::write(home.join(".cargo/credentials.toml"), format!("token = \"{PLANTED}\"\n")).unwrap();
    std::fs::write(home.join(".ssh/id_rsa"), PLANTED).unwrap();
    std::fs::write(home.join(".aws/credentials"), PLANTED).unwrap();
    let repo = env.git_repo("layers");
    std::fs::write(repo.join("package.json"), "{}\n").unwrap();
    std::fs::write(repo.join(".gitignore"), "node_modules/\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "layers"]);
    std::fs::create_dir_all(repo.join("node_modules/dep")).unwrap();
    std::fs::write(repo.join("node_modules/dep/index.js"), "original\n").unwrap();
    // A hostile PATH: the home itself, the SSH directory, and a toolchain beside them.
    let path = format!(
        "{}:{}:{}:/usr/bin:/bin",
        home.display(),
        home.join(".ssh").display(),
        home.join(".cargo/bin").display()
    );
    let (sb, _) =
        sandbox::Sandboxes::default().create(Backend::Local, spec(&env, &repo, &home, path)).await.unwrap();
    let h = home.display();
    let run = |script: String| {
        let sb = &sb;
        async move { sb.run(CommandRequest::shell(script), None, None).await.unwrap() }
    };

    let out = run("mytool && echo \"$CARGO_HOME\" && cat \"$CARGO_HOME/registry/cache/crate\"".into()).await;
    assert!(out.success(), "{out:?}");
    assert!(out.stdout.contains("tool-ran") && out.stdout.contains("crate"), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("{h}/.cargo")), "CARGO_HOME is passed: {}", out.stdout);
    let out = run(format!(
        "cat {h}/.ssh/id_rsa {h}/.aws/credentials {h}/.cargo/credentials.toml; ls -a {h} {h}/.cargo; env"
    ))
    .await;
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(!all.contains(PLANTED), "a secret of the home is visible: {all}");
    assert!(!all.contains("ghp_toolchainleak"), "a token passed: {all}");
    assert!(all.contains("CARGO_NET_OFFLINE=true"), "offline switches are set: {all}");
    let out = run(format!("touch {h}/.cargo/registry/cache/planted || echo refused")).await;
    assert!(out.stdout.contains("refused"), "{out:?}");
    assert!(!home.join(".cargo/registry/cache/planted").exists());

    // The dependency directory: the user's content, writable for the job only, and the
    // job's writes still there for its next command.
    let out = run("cat node_modules/dep/index.js && echo changed > node_modules/dep/index.js && echo new > node_modules/dep/b.js".into()).await;
    assert!(out.success() && out.stdout.contains("original"), "{out:?}");
    let out = run("cat node_modules/dep/index.js node_modules/dep/b.js".into()).await;
    assert_eq!(out.stdout, "changed\nnew\n");
    assert_eq!(std::fs::read_to_string(repo.join("node_modules/dep/index.js")).unwrap(), "original\n");
    assert!(!repo.join("node_modules/dep/b.js").exists());
    assert!(sb.diff().await.unwrap().files.is_empty(), "dependencies are not part of the change");
    sb.destroy().await.unwrap();
}

#[test]
fn the_crs_and_plan_prompts_say_what_the_sandbox_can_run() {
    let (env, repo, server) = world("prompt");
    std::fs::write(repo.join("package.json"), "{}\n").unwrap();
    std::fs::write(repo.join(".gitignore"), "node_modules/\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "node"]);
    std::fs::create_dir_all(repo.join("node_modules/dep")).unwrap();
    server.push_json(&crate::suite::jobs::crs_doc());
    server.push_json(&crate::suite::jobs::plan_doc(&[("node test.js", &["AC1"])]));
    env.ok(&["plan", "add a greeting", "--json"]);
    let requests = server.chat_requests();
    assert_eq!(requests.len(), 2);
    for r in requests {
        let text = r.all_text();
        assert!(text.contains("Sandbox: Commands run in a sandbox"), "{text}");
        assert!(text.contains("ignored node_modules are present"), "{text}");
        assert!(text.contains("There is no network"), "{text}");
    }
}

#[test]
fn doctor_says_what_the_sandbox_can_run_in_this_repository() {
    let (env, repo, _server) = world("doctor");
    std::fs::write(repo.join("package.json"), r#"{"dependencies": {"greet": "1"}}"#).unwrap();
    std::fs::write(repo.join("requirements.txt"), "missing-dist>=1\n").unwrap();
    std::fs::write(repo.join(".gitignore"), "node_modules/\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "projects"]);
    std::fs::create_dir_all(repo.join("node_modules/greet")).unwrap();
    std::fs::write(repo.join("node_modules/greet/index.js"), "module.exports = 1;\n").unwrap();
    let out = env.vibe().args(["doctor", "--json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<&serde_json::Value> = doc["checks"]
        .as_array()
        .unwrap_or_else(|| doc.as_array().unwrap())
        .iter()
        .filter(|c| c["name"] == "toolchain")
        .collect();
    assert_eq!(lines.len(), 2, "{doc}");
    let python = lines.iter().find(|c| c["detail"].as_str().unwrap().starts_with("python")).unwrap();
    assert_eq!(python["status"], "warn", "{python}");
    assert!(python["detail"].as_str().unwrap().contains("dependencies missing"), "{python}");
    assert!(python["fix"].as_str().unwrap().contains("virtual environment"), "{python}");
    let node = lines.iter().find(|c| c["detail"].as_str().unwrap().starts_with("node")).unwrap();
    assert_eq!(node["status"], "ok", "{node}");
    assert!(node["detail"].as_str().unwrap().contains("dependencies found offline"), "{node}");
    // Nothing of the probe's sandbox is left behind.
    let left = std::fs::read_dir(env.vibe_home().join("doctor")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0);
}

/// A loopback "registry" answering every request with `registry-ok`; counts connections.
fn registry() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&hits);
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\nconnection: close\r\n\r\nregistry-ok");
        }
    });
    (port, hits)
}

#[tokio::test(flavor = "current_thread")]
async fn registries_mode_lets_allowed_hosts_through_the_proxy_and_refuses_the_rest() {
    let env = TestEnv::new();
    let repo = env.git_repo("registries");
    let (port, hits) = registry();
    let home = env.root().join("home");
    let mut with_registries = spec(&env, &repo, &home, "/usr/bin:/bin".into());
    with_registries.policy.registries = Some(vec![format!("127.0.0.1:{port}")]);
    let (sb, _) = sandbox::Sandboxes::default().create(Backend::Local, with_registries).await.unwrap();
    let script = format!(
        r#"import http.client, os, socket
def through_proxy(host, port):
    c = http.client.HTTPConnection("127.0.0.1", 3128, timeout=10)
    c.set_tunnel(host, port)
    try:
        c.request("GET", "/")
        print(host, c.getresponse().read().decode())
    except OSError as e:
        print(host, "refused:", e)
through_proxy("127.0.0.1", {port})
through_proxy("evil.example", 443)
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=5)
    print("direct: connected")
except OSError:
    print("direct: no route")
print("proxy:", os.environ.get("HTTPS_PROXY"))
"#
    );
    let req = CommandRequest {
        argv: vec!["/usr/bin/python3".into(), "-c".into(), script],
        ..CommandRequest::default()
    };
    let out = sb.run(req, None, None).await.unwrap();
    assert!(out.stdout.contains("127.0.0.1 registry-ok"), "{out:?}");
    assert!(out.stdout.contains("evil.example refused:") && out.stdout.contains("403"), "{out:?}");
    assert!(out.stdout.contains("direct: no route"), "only the proxy leads out: {out:?}");
    assert!(out.stdout.contains("proxy: http://127.0.0.1:3128"), "{out:?}");
    assert!(out.stderr.contains("refused network access to evil.example:443"), "recorded: {out:?}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1, "one request reached the registry");
    // Without the registries mode there is no way out at all.
    drop(sb);
    let mut offline = spec(&env, &repo, &home, "/usr/bin:/bin".into());
    offline.dir = env.root().join("sandbox-off");
    let (sb, _) = sandbox::Sandboxes::default().create(Backend::Local, offline).await.unwrap();
    let out = sb
        .run(CommandRequest::shell("echo ${HTTPS_PROXY:-none}; echo $CARGO_NET_OFFLINE"), None, None)
        .await
        .unwrap();
    assert_eq!(out.stdout, "none\ntrue\n");
}
