//! GitHub: device-flow login, token handling, REST look-ups, push over smart-HTTP with the
//! credential callback, pull requests (new, existing, from a fork), against the loopback
//! GitHub in `common/github.rs`.

use serde_json::{json, Value};

use crate::common::gh_http::Response;
use crate::common::github::{GithubServer, TOKEN};
use crate::common::{git, TestEnv, NOW};

fn setup() -> (TestEnv, GithubServer) {
    let server = GithubServer::start();
    let mut env = TestEnv::new();
    env.use_github(&server);
    (env, server)
}

fn login_with_token(env: &TestEnv, token: &str) {
    let out = env.vibe().args(["login", "--with-token"]).write_stdin(format!("{token}\n")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

#[test]
fn parse_url_normalizes_forms_and_rejects_bad_input_with_exit_2() {
    let env = TestEnv::new();
    let v = parse(&env.ok(&["gh", "parse-url", "git@github.com:rust-lang/cargo.git", "--json"]));
    assert_eq!(v["host"], "github.com");
    assert_eq!(v["full_name"], "rust-lang/cargo");
    let v = parse(&env.ok(&["gh", "parse-url", "ssh://git@ghe.example.com:2222/team/app.git/", "--json"]));
    assert_eq!(
        (v["host"].as_str(), v["owner"].as_str(), v["name"].as_str()),
        (Some("ghe.example.com"), Some("team"), Some("app"))
    );
    assert_eq!(v["api_url"], "https://ghe.example.com/api/v3/repos/team/app");
    let out =
        env.ok(&["gh", "parse-url", "https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz@github.com/o/r"]);
    assert!(out.contains("owner  o") && !out.contains("ghp_"), "{out}");
    let (_, err) = env.fails(&["gh", "parse-url", "ftp://example.com/o/r"], 2);
    assert!(err.contains("not a repository URL") && err.contains("hint:"), "{err}");
    let (_, err) = env.fails(&["gh", "parse-url", "https://x-access-token:ghp_secretsecret@github.com/o"], 2);
    assert!(!err.contains("ghp_secretsecret"), "{err}");
}

#[test]
fn device_flow_polls_through_pending_and_slow_down_and_records_the_user() {
    let (env, server) = setup();
    server.script_device(&["authorization_pending", "slow_down", "authorization_pending", "ok"]);
    let out = env.vibe().args(["login", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("WDJB-MJHT") && stderr.contains(&format!("{}/login/device", server.url)),
        "{stderr}"
    );
    let v = parse(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["login"], "octocat");
    assert_eq!(v["scopes"], json!(["repo", "read:user"]));
    assert_eq!(v["token_source"]["kind"], "file");

    let code = server.requests_to("POST", "/login/device/code");
    assert_eq!(code.len(), 1);
    assert_eq!(code[0].header("accept"), Some("application/json"));
    assert_eq!(code[0].form_get("client_id").as_deref(), Some("Iv1.loopbackclient"));
    assert_eq!(code[0].form_get("scope").as_deref(), Some("repo read:user user:email"));
    let polls = server.requests_to("POST", "/login/oauth/access_token");
    assert_eq!(polls.len(), 4);
    for p in &polls {
        assert_eq!(p.form_get("grant_type").as_deref(), Some("urn:ietf:params:oauth:grant-type:device_code"));
        assert!(p.form_get("client_secret").is_none());
    }
    // The profile is in `users`, logged in now, with the deterministic id.
    let store = vibe::store::Store::open(&env.db_path()).unwrap();
    let user = store.current_user().unwrap().unwrap();
    assert_eq!(user.login, "octocat");
    assert_eq!(user.github_host, server.host());
    assert_eq!(user.last_login_at.as_deref(), Some(NOW));
    assert_eq!(user.id, vibe::github::ids::user_id(&server.host(), 583231));
    assert_eq!(v["user_id"], user.id);

    // whoami uses the stored token and says where it came from.
    let out = env.ok(&["whoami"]);
    assert!(
        out.contains("octocat on 127.0.0.1") && out.contains("(valid)") && out.contains("repo, read:user"),
        "{out}"
    );
    let who = server.requests_to("GET", "/api/v3/user");
    let last = who.last().unwrap();
    assert_eq!(last.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
}

#[test]
fn device_flow_stops_on_expired_and_denied_with_a_clear_message() {
    let (env, server) = setup();
    server.script_device(&["authorization_pending", "expired_token"]);
    let (_, err) = env.fails(&["login"], 1);
    assert!(err.contains("expired") && err.contains("hint: run `vibe login` again"), "{err}");
    server.script_device(&["access_denied"]);
    let (_, err) = env.fails(&["login"], 1);
    assert!(err.contains("denied"), "{err}");
    // Nothing was stored.
    let (_, err) = env.fails(&["whoami"], 3);
    assert!(err.contains("not logged in") && err.contains("vibe login"), "{err}");
    assert!(!env.vibe_home().join("keyring/tokens.json").exists());
}

#[test]
fn login_without_a_client_id_says_how_to_set_one() {
    let (mut env, _server) = setup();
    env.env.remove("GITHUB_CLIENT_ID");
    let (_, err) = env.fails(&["login"], 4);
    assert!(err.contains("GITHUB_CLIENT_ID") && err.contains("--with-token"), "{err}");
}

#[test]
fn with_token_login_logout_and_a_revoked_token() {
    let (env, server) = setup();
    let (_, err) = env
        .vibe()
        .args(["login", "--with-token"])
        .write_stdin("gho_notvalidnotvalid\n")
        .output()
        .map(|o| {
            assert_eq!(o.status.code(), Some(3));
            ((), String::from_utf8_lossy(&o.stderr).into_owned())
        })
        .unwrap();
    assert!(err.contains("rejected the token") && err.contains("vibe login"), "{err}");
    // A token that cannot push is accepted with a warning.
    server.add_user("gho_readonlyreadonlyreadonly", "reader", 7);
    server.state.lock().unwrap().tokens.get_mut("gho_readonlyreadonlyreadonly").unwrap().scopes =
        "read:user".into();
    let out = env
        .vibe()
        .args(["login", "--with-token"])
        .write_stdin("gho_readonlyreadonlyreadonly")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("neither the `repo` nor the `public_repo` scope"), "{err}");
    login_with_token(&env, TOKEN);
    let stored = std::fs::read_to_string(env.vibe_home().join("keyring/tokens.json")).unwrap();
    assert!(stored.contains(&server.host()));
    let v = parse(&env.ok(&["logout", "--json"]));
    assert_eq!(v["removed"], true);
    env.fails(&["whoami"], 3);
    // The environment wins over the keyring and is reported as the source.
    let mut env2 = env;
    env2.set("GH_TOKEN", TOKEN);
    let v = parse(&env2.ok(&["whoami", "--json"]));
    assert_eq!(v["token_source"], json!({"kind": "env", "detail": "GH_TOKEN"}));
    // A revoked token: 401 → log in again, exit 3.
    env2.set("GH_TOKEN", "gho_revokedrevokedrevoked");
    let (_, err) = env2.fails(&["whoami"], 3);
    assert!(err.contains("Bad credentials") && err.contains("run `vibe login` again"), "{err}");
    assert!(!err.contains("gho_revokedrevokedrevoked"), "{err}");
}

/// A repository with `n` extra commits, made in one `git fast-import`.
fn repo_with_commits(env: &TestEnv, name: &str, n: usize) -> std::path::PathBuf {
    let path = env.git_repo(name);
    let mut stream = String::new();
    for i in 0..n {
        let data = format!("commit {i}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Test User <test@example.com> {} +0000\ndata {}\n{data}",
            1_773_500_000 + i,
            data.len()
        ));
        if i == 0 {
            stream.push_str("from refs/heads/main^0\n");
        }
        stream.push_str(&format!("M 644 inline counter.txt\ndata {}\n{i}\n\n", format!("{i}\n").len()));
    }
    let mut child = std::process::Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(&path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    git(&path, &["reset", "-q", "--hard", "main"]);
    path
}

#[test]
fn commits_follow_link_pagination_and_send_the_required_headers() {
    let (env, server) = setup();
    let src = repo_with_commits(&env, "src", 130);
    server.add_repo("octo-org", "demo", &src, &[]);
    login_with_token(&env, TOKEN);
    let v = parse(&env.ok(&["gh", "commits", "octo-org/demo", "--limit", "131", "--json"]));
    let commits = v["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 131);
    assert_eq!(commits[0]["commit"]["message"], "commit 129");
    assert_eq!(commits[130]["commit"]["message"], "initial");
    let reqs = server.requests_to("GET", "/api/v3/repos/octo-org/demo/commits");
    assert_eq!(reqs.len(), 2, "two pages");
    assert!(reqs[1].target.contains("page=2"), "{}", reqs[1].target);
    for r in &reqs {
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
        assert!(r.header("user-agent").is_some_and(|u| u.starts_with("vibe/")));
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    }
    let out = env.ok(&["gh", "commits", "octo-org/demo", "--limit", "2"]);
    assert!(out.contains("commit 129") && out.contains("commit 128") && !out.contains("commit 127"), "{out}");
}

#[test]
fn contents_lists_directories_decodes_files_and_reports_bad_refs() {
    let (env, server) = setup();
    let src = env.git_repo("src");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    let long = "a line of documentation that is long enough to wrap the base64 body\n".repeat(3);
    std::fs::write(src.join("docs/guide.md"), &long).unwrap();
    git(&src, &["add", "."]);
    git(&src, &["commit", "-q", "-m", "docs"]);
    git(&src, &["tag", "v1"]);
    server.add_repo("octo-org", "demo", &src, &[]);
    // Anonymous reads of a public repository work without logging in.
    let v = parse(&env.ok(&["gh", "contents", "octo-org/demo", "--json"]));
    let entries = v["contents"]["entries"].as_array().unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(names, ["README.md", "docs"]);
    assert_eq!(entries[1]["type"], "dir");
    let out =
        env.ok(&["gh", "contents", &format!("{}/octo-org/demo", server.url), "docs/guide.md", "--ref", "v1"]);
    assert_eq!(out, long);
    let (_, err) = env.fails(&["gh", "contents", "octo-org/demo", "README.md", "--ref", "nope"], 1);
    assert!(err.contains("README.md in octo-org/demo (No commit found for the ref nope) not found"), "{err}");
    let (_, err) = env.fails(&["gh", "commits", "octo-org/demo", "--branch", "nope"], 1);
    assert!(err.contains("branch nope of octo-org/demo"), "{err}");
    let (_, err) = env.fails(&["gh", "contents", "octo-org/missing"], 1);
    assert!(err.contains("repository octo-org/missing not found, or this token cannot see it"), "{err}");
    assert!(server.requests_to("GET", "/api/v3/repos").iter().all(|r| r.header("authorization").is_none()));
}

#[test]
fn rate_limits_are_retried_then_reported_with_when_to_retry() {
    let (env, server) = setup();
    let src = env.git_repo("src");
    server.add_repo("octo-org", "demo", &src, &[]);
    // Secondary limit with Retry-After: retried, then succeeds.
    server.inject(
        "GET",
        "/api/v3/repos/octo-org/demo/commits",
        1,
        Response::json(403, &json!({"message": "You have exceeded a secondary rate limit."}))
            .header("Retry-After", "1"),
    );
    env.ok(&["gh", "commits", "octo-org/demo"]);
    assert_eq!(server.requests_to("GET", "/api/v3/repos/octo-org/demo/commits").len(), 2);
    // Primary limit, reset an hour away: no long wait, a message saying when.
    let reset = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
    server.inject(
        "GET",
        "/api/v3/repos/octo-org/demo/commits",
        5,
        Response::json(403, &json!({"message": "API rate limit exceeded for user ID 1."}))
            .header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", reset.to_string()),
    );
    let (_, err) = env.fails(&["gh", "commits", "octo-org/demo"], 1);
    assert!(
        err.contains("rate limit exceeded")
            && err.contains("retry after")
            && (err.contains("(in 59m") || err.contains("(in 1h")),
        "{err}"
    );
    // A 403 without rate-limit signals is a permission error, not retried.
    server.inject(
        "GET",
        "/api/v3/repos/octo-org/demo/contents",
        1,
        Response::json(403, &json!({"message": "Resource not accessible by integration"})),
    );
    let before = server.requests().len();
    let (_, err) = env.fails(&["gh", "contents", "octo-org/demo"], 1);
    assert!(err.contains("no permission: Resource not accessible by integration"), "{err}");
    assert_eq!(server.requests().len(), before + 1);
}

/// A repo whose origin is the loopback server, with branch `feature` one commit ahead.
fn workspace(env: &TestEnv, server: &GithubServer, owner: &str, pushers: &[&str]) -> std::path::PathBuf {
    let repo = env.git_repo("demo");
    server.add_repo(owner, "demo", &repo, pushers);
    git(&repo, &["remote", "add", "origin", &format!("{}/{owner}/demo.git", server.url)]);
    git(&repo, &["switch", "-q", "-c", "vibe/1a2b3c4d-health"]);
    std::fs::write(repo.join("health.rs"), "pub fn health() -> u16 { 200 }\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "Add a health route"]);
    git(&repo, &["switch", "-q", "main"]);
    repo
}

/// A CRS, plan and finished job in the database, as `vibe run` leaves them.
fn seed_job(env: &TestEnv, repo: &std::path::Path) -> String {
    let mut store = vibe::store::Store::open(&env.db_path()).unwrap();
    let crs = json!({
        "summary": "Add a /health route", "goals": [], "non_goals": [], "constraints": [],
        "acceptance_criteria": [{"id": "AC1", "description": "GET /health answers 200", "verification": "cargo test"}],
        "affected_areas": [], "risks": [], "open_questions": []
    });
    let crs_id = "0193c1e2-0000-7000-8000-00000000c001".to_string();
    store
        .insert_crs(&vibe::store::CrsRecord {
            id: crs_id.clone(),
            user_id: None,
            github_host: None,
            repo_full_name: None,
            repo_path: None,
            prompt: "add health".into(),
            summary: Some("Add a /health route".into()),
            crs_json: crs.to_string(),
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            tokens_used: None,
            cost_usd: None,
            processing_time_ms: None,
            created_at: NOW.into(),
            updated_at: NOW.into(),
        })
        .unwrap();
    let plan_id = "0193c1e2-0000-7000-8000-00000000b001".to_string();
    store
        .insert_plan(&vibe::store::PlanRecord {
            id: plan_id.clone(),
            user_id: None,
            github_host: None,
            repo_full_name: None,
            parent_id: None,
            status: "approved".into(),
            task_summary: Some("health".into()),
            complexity: None,
            confidence: None,
            steps_count: 1,
            processing_time_ms: None,
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            tokens_used: None,
            crs_id: Some(crs_id),
            repo_path: None,
            plan_json: None,
            cost_usd: None,
            created_at: NOW.into(),
            updated_at: NOW.into(),
        })
        .unwrap();
    let job_id = "0193c1e2-0000-7000-8000-00000000a001".to_string();
    // The shape of the jobs engine's `JobResult`.
    let result = json!({
        "summary": "added the route",
        "criteria": [{"id": "AC1", "description": "GET /health answers 200", "holds": true, "evidence": "health_ok passes"},
                     {"id": "AC9", "description": "no key in output", "holds": true, "evidence": "printed sk-modelkey0123456789abcdef"}],
        "checks": [{"command": "cargo test", "proves": "AC1", "criteria": ["AC1"], "exit_code": 0, "timed_out": false, "passed": true, "tail": ""}],
        "files": [{"path": "health.rs", "added": 1, "removed": 0}],
        "files_changed": 1, "lines_added": 1, "lines_removed": 0, "tokens": 10, "cost_usd": null, "passed": true,
        "branch": "vibe/1a2b3c4d-health", "commit_sha": null, "pr_url": null
    });
    store
        .insert_job(&vibe::store::JobRecord {
            id: job_id.clone(),
            plan_id: Some(plan_id),
            user_id: None,
            github_host: None,
            repo_full_name: None,
            branch_name: Some("vibe/1a2b3c4d-health".into()),
            sandbox: Some("local".into()),
            status: "done".into(),
            base_commit: None,
            commit_sha: None,
            execution_time_ms: Some(1000),
            files_changed: 1,
            lines_added: Some(1),
            lines_removed: Some(0),
            tokens_used: Some(10),
            error_message: None,
            started_at: Some(NOW.into()),
            finished_at: Some(NOW.into()),
            repo_path: Some(repo.display().to_string()),
            model: None,
            cost_usd: None,
            pid: None,
            heartbeat_at: None,
            cancel_requested: false,
            result_json: Some(result.to_string()),
            created_at: NOW.into(),
            updated_at: NOW.into(),
        })
        .unwrap();
    std::fs::create_dir_all(env.vibe_home().join("jobs").join(&job_id)).unwrap();
    std::fs::write(env.vibe_home().join("jobs").join(&job_id).join("result.json"), result.to_string())
        .unwrap();
    job_id
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn pr_create_pushes_with_the_credential_callback_opens_records_and_is_idempotent() {
    let (mut env, server) = setup();
    let repo = workspace(&env, &server, "octo-org", &["octocat"]);
    env.cwd = repo.clone();
    env.set("OPENAI_API_KEY", "sk-modelkey0123456789abcdef");
    login_with_token(&env, TOKEN);
    let job = seed_job(&env, &repo);

    let out = env.vibe().args(["pr", "create", "--job", &job[..13], "--json", "-vv"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let v = parse(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["existed"], false);
    assert_eq!(v["fork"], Value::Null);
    assert_eq!(v["record"]["pr_number"], 1);
    assert_eq!(v["record"]["state"], "open");
    assert_eq!(v["record"]["job_id"], job);
    assert_eq!(v["record"]["title"], "Add a /health route");
    assert_eq!(v["pushed_to"], format!("{}/octo-org/demo.git", server.url));

    // The branch arrived in the remote, pushed over smart-HTTP with Basic credentials that
    // the server first challenged for (the credential callback ran).
    let local = git(&repo, &["rev-parse", "vibe/1a2b3c4d-health"]);
    let remote = crate::common::github::run_git(
        &server.bare("octo-org/demo"),
        &["rev-parse", "refs/heads/vibe/1a2b3c4d-health"],
    );
    assert_eq!(local, remote);
    let git_reqs: Vec<_> =
        server.requests().into_iter().filter(|r| r.path().starts_with("/octo-org/demo.git/")).collect();
    assert!(git_reqs.iter().any(|r| r.header("authorization").is_none()), "first request is unauthenticated");
    assert!(git_reqs.iter().any(|r| r.path().ends_with("git-receive-pack")
        && r.header("authorization").is_some_and(|h| h.starts_with("Basic "))));
    let config = std::fs::read_to_string(repo.join(".git/config")).unwrap();
    assert!(!config.contains(TOKEN) && !config.contains("x-access-token"), "{config}");

    // The PR request and its body built from the job.
    let created = server.requests_to("POST", "/api/v3/repos/octo-org/demo/pulls");
    assert_eq!(created.len(), 1);
    let body = created[0].json();
    assert_eq!(body["head"], "vibe/1a2b3c4d-health");
    assert_eq!(body["base"], "main");
    assert_eq!(body["draft"], false);
    let text = body["body"].as_str().unwrap();
    assert!(text.contains("## Summary\n\nAdd a /health route"), "{text}");
    assert!(text.contains("| ✅ | **AC1** GET /health answers 200 | met | health_ok passes |"), "{text}");
    assert!(text.contains("- `cargo test`: passed") && text.contains("- `health.rs` (+1 −0)"), "{text}");
    assert!(text.contains(&format!("vibe job `{job}`")), "{text}");
    assert!(!text.contains("sk-modelkey0123456789abcdef") && text.contains("printed sk-m…cdef"), "{text}");

    // Recorded, with the user who opened it.
    let store = vibe::store::Store::open(&env.db_path()).unwrap();
    let rec = store.pr_find(&server.host(), "octo-org/demo", 1).unwrap().unwrap();
    assert_eq!(rec.job_id.as_deref(), Some(job.as_str()));
    assert_eq!(rec.user_id, Some(vibe::github::ids::user_id(&server.host(), 583231)));
    assert_eq!(rec.head_sha.as_deref(), Some(local.trim()));
    drop(store);

    // Again: the PR exists, so it is found and reported, not duplicated.
    let v = parse(&env.ok(&["pr", "create", "--job", &job, "--json"]));
    assert_eq!(v["existed"], true);
    assert_eq!(v["record"]["pr_number"], 1);
    assert_eq!(server.pulls().len(), 1);
    let lookups = server.requests_to("GET", "/api/v3/repos/octo-org/demo/pulls");
    assert_eq!(lookups.last().unwrap().query_get("head").as_deref(), Some("octo-org:vibe/1a2b3c4d-health"));

    // The token is nowhere: not in the database, the logs (-vv), job artifacts, or the PR text.
    for f in
        files_under(&env.vibe_home()).into_iter().filter(|p| !p.starts_with(env.vibe_home().join("keyring")))
    {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(TOKEN), "token found in {}", f.display());
    }
    assert!(!stderr.contains(TOKEN), "{stderr}");
    assert!(stderr.contains("github: POST"), "-vv logs the requests: {stderr}");
    assert!(!text.contains(TOKEN));
}

#[test]
fn pr_create_forks_when_the_user_cannot_push() {
    let (mut env, server) = setup();
    let repo = workspace(&env, &server, "upstream-org", &[]);
    env.cwd = repo.clone();
    env.set("GITHUB_TOKEN", TOKEN);
    server.state.lock().unwrap().fork_delay = 1;
    let out = env.ok(&[
        "pr",
        "create",
        "--branch",
        "vibe/1a2b3c4d-health",
        "--title",
        "Health",
        "--body",
        "Adds it.",
        "--draft",
    ]);
    assert!(out.contains("Opened draft pull request #1 on upstream-org/demo"), "{out}");
    assert_eq!(server.requests_to("POST", "/api/v3/repos/upstream-org/demo/forks").len(), 1);
    let fork_head = crate::common::github::run_git(
        &server.bare("octocat/demo"),
        &["rev-parse", "refs/heads/vibe/1a2b3c4d-health"],
    );
    assert_eq!(fork_head, git(&repo, &["rev-parse", "vibe/1a2b3c4d-health"]));
    let body = server.requests_to("POST", "/api/v3/repos/upstream-org/demo/pulls")[0].json();
    assert_eq!(body["head"], "octocat:vibe/1a2b3c4d-health");
    assert_eq!(body["maintainer_can_modify"], true);
    assert_eq!(body["draft"], true);
    assert_eq!(body["body"], "Adds it.");
    // Nothing was pushed upstream.
    let upstream_heads = crate::common::github::run_git(
        &server.bare("upstream-org/demo"),
        &["for-each-ref", "--format=%(refname)"],
    );
    assert!(!upstream_heads.contains("vibe/"), "{upstream_heads}");
}

#[test]
fn pr_list_and_status_refresh_the_recorded_state() {
    let (mut env, server) = setup();
    let repo = workspace(&env, &server, "octo-org", &["octocat"]);
    env.cwd = repo.clone();
    env.set("GITHUB_TOKEN", TOKEN);
    env.ok(&["pr", "create", "--branch", "vibe/1a2b3c4d-health"]);
    let v = parse(&env.ok(&["pr", "list", "--json"]));
    assert_eq!(v["pull_requests"][0]["state"], "open");
    server.set_pull_state(1, "closed", true);
    let v = parse(&env.ok(&["pr", "status", "--branch", "vibe/1a2b3c4d-health", "--json"]));
    assert_eq!(v["state"], "merged");
    let out = env.ok(&["pr", "list", "--offline"]);
    assert!(out.contains("merged") && out.contains("octo-org/demo"), "{out}");
    // The record is what `vibe admin prs` reads.
    let admin = env.ok(&["admin", "prs", "--json"]);
    assert!(admin.contains("octo-org/demo") && admin.contains("merged"), "{admin}");
    server.set_pull_state(1, "closed", false);
    let out = env.ok(&["pr", "status", "1"]);
    assert!(out.contains("state:  closed"), "{out}");
    let (_, err) = env.fails(&["pr", "status", "--branch", "main"], 1);
    assert!(err.contains("no pull request for branch `main`"), "{err}");
    // One PR GitHub no longer shows does not hide the others.
    server.inject(
        "GET",
        "/api/v3/repos/octo-org/demo/pulls/1",
        1,
        Response::json(404, &json!({"message": "Not Found"})),
    );
    let out = env.vibe().args(["pr", "list"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("#1 of octo-org/demo: pull request #1 of octo-org/demo not found"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("closed"));
}

#[test]
fn pr_create_explains_missing_login_remote_and_branch() {
    let (mut env, server) = setup();
    let repo = workspace(&env, &server, "octo-org", &["octocat"]);
    env.cwd = repo.clone();
    let (_, err) = env.fails(&["pr", "create", "--branch", "vibe/1a2b3c4d-health"], 3);
    assert!(err.contains("not logged in") && err.contains("vibe login"), "{err}");
    env.set("GITHUB_TOKEN", TOKEN);
    let (_, err) = env.fails(&["pr", "create", "--branch", "nope"], 2);
    assert!(err.contains("no local branch `nope`"), "{err}");
    let (_, err) = env.fails(&["pr", "create", "--branch", "main"], 2);
    assert!(err.contains("is the base branch itself"), "{err}");
    // A job that never committed has no branch to open from.
    let job = seed_job(&env, &repo);
    {
        let mut store = vibe::store::Store::open(&env.db_path()).unwrap();
        let mut j = store.job(&job).unwrap();
        j.branch_name = None;
        j.status = "failed".into();
        store.update_job(&j).unwrap();
    }
    let (_, err) = env.fails(&["pr", "create", "--job", &job], 2);
    assert!(err.contains("has no branch to open a pull request from (it is failed)"), "{err}");
    // A branch with nothing new: GitHub's own 422 message comes through.
    git(&repo, &["branch", "empty-change", "main"]);
    let (_, err) = env.fails(&["pr", "create", "--branch", "empty-change"], 1);
    assert!(err.contains("Validation Failed: No commits between main and empty-change"), "{err}");
    git(&repo, &["remote", "set-url", "origin", "https://elsewhere.example.com/o/r.git"]);
    let (_, err) = env.fails(&["pr", "create", "--branch", "vibe/1a2b3c4d-health"], 2);
    assert!(err.contains("points at elsewhere.example.com") && err.contains("VIBE_GITHUB_URL"), "{err}");
    assert!(server.pulls().is_empty());
    let store = vibe::store::Store::open(&env.db_path()).unwrap();
    assert!(store.pr_list_recent(10, None).unwrap().is_empty(), "nothing half-recorded");
}

#[test]
fn readiness_tells_vibe_run_what_is_missing() {
    use vibe::github::pr::{readiness, Readiness};
    let (mut env, server) = setup();
    let repo = workspace(&env, &server, "octo-org", &["octocat"]);
    let load = |env: &TestEnv| {
        let inputs = vibe::config::Inputs { env: env.env.clone(), cwd: repo.clone(), ..Default::default() };
        vibe::config::Config::load(&inputs).unwrap()
    };
    match readiness(&load(&env), &repo) {
        Readiness::NotReady { reason, fix } => {
            assert!(reason.contains("not logged in"), "{reason}");
            assert!(fix.as_deref().is_some_and(|f| f.contains("vibe login")), "{fix:?}");
        }
        other => panic!("{other:?}"),
    }
    env.set("GITHUB_TOKEN", TOKEN);
    assert!(matches!(readiness(&load(&env), &repo), Readiness::Ready { .. }));
    git(&repo, &["remote", "remove", "origin"]);
    match readiness(&load(&env), &repo) {
        Readiness::NotReady { reason, .. } => assert!(reason.contains("no `origin`"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_a_keyring_login_says_so_and_points_to_the_environment() {
    let (mut env, _server) = setup();
    env.set("VIBE_KEYRING", "none");
    let out = env.vibe().args(["login", "--with-token"]).write_stdin(format!("{TOKEN}\n")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no keyring is in use") && err.contains("GITHUB_TOKEN"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
    assert!(files_under(&env.vibe_home())
        .iter()
        .all(|f| !String::from_utf8_lossy(&std::fs::read(f).unwrap()).contains(TOKEN)));
    let (_, err) = env.fails(&["whoami"], 3);
    assert!(err.contains("GITHUB_TOKEN"), "{err}");
}

#[test]
fn an_unfiltered_pull_list_never_attaches_to_someone_elses_pr() {
    let (mut env, server) = setup();
    let repo = workspace(&env, &server, "octo-org", &["octocat"]);
    env.cwd = repo.clone();
    env.set("GITHUB_TOKEN", TOKEN);
    env.ok(&["pr", "create", "--branch", "vibe/1a2b3c4d-health"]);
    // GitHub silently ignores a malformed `head` filter and lists every open PR.
    let pull = |n: i64, owner: &str, branch: &str| {
        json!({"number": n, "html_url": format!("{}/octo-org/demo/pull/{n}", server.url), "state": "open", "draft": false,
               "title": "t", "head": {"ref": branch, "label": format!("{owner}:{branch}"), "sha": "0"},
               "base": {"ref": "main"}})
    };
    server.inject(
        "GET",
        "/api/v3/repos/octo-org/demo/pulls",
        1,
        Response::json(
            200,
            &json!([
                pull(7, "mallory", "vibe/1a2b3c4d-health"),
                pull(5, "octo-org", "other"),
                pull(1, "octo-org", "vibe/1a2b3c4d-health")
            ]),
        ),
    );
    let v = parse(&env.ok(&["pr", "create", "--branch", "vibe/1a2b3c4d-health", "--json"]));
    assert_eq!(v["existed"], true);
    assert_eq!(v["record"]["pr_number"], 1);
}

#[test]
fn a_host_without_device_flow_is_reported_with_the_alternative() {
    let (mut env, _server) = setup();
    env.set("GITHUB_CLIENT_ID", "Iv1.unknown");
    let (_, err) = env.fails(&["login"], 1);
    assert!(err.contains("does not offer the device flow") && err.contains("--with-token"), "{err}");
}

#[test]
fn ctrl_c_cancels_a_waiting_login_cleanly() {
    use std::io::BufRead as _;
    let (env, server) = setup();
    server.script_device(&vec!["authorization_pending"; 100_000]);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("vibe"));
    cmd.env_clear().envs(&env.env).current_dir(&env.cwd).arg("login");
    cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("Waiting for authorization") {}
    // Wait until it is really polling, then interrupt it.
    while server.requests_to("POST", "/login/oauth/access_token").len() < 2 {
        std::thread::yield_now();
    }
    // SAFETY: sending a signal to our own child process by its pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("login cancelled"), "{rest}");
    assert!(!env.vibe_home().join("keyring/tokens.json").exists());
}

#[test]
fn what_the_user_sees() {
    let (mut env, server) = setup();
    let shown = |env: &TestEnv, s: String| {
        let s = env.filter(&s).replace(&server.url, "[GITHUB]").replace(&server.host(), "[HOST]");
        s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
    };
    insta::assert_snapshot!(shown(&env, env.ok(&["gh", "parse-url", "git@github.com:rust-lang/cargo.git"])), @r"
    host   github.com
    owner  rust-lang
    name   cargo
    web    https://github.com/rust-lang/cargo
    api    https://api.github.com/repos/rust-lang/cargo
    ");
    login_with_token(&env, TOKEN);
    insta::assert_snapshot!(shown(&env, env.ok(&["whoami"])), @r"
    octocat on [HOST] (The Octocat)
      profile: [GITHUB]/octocat
      token:   file store [ROOT]/vibe-home/keyring/tokens.json (VIBE_KEYRING=file) (valid)
      scopes:  repo, read:user
    ");
    let repo = workspace(&env, &server, "octo-org", &["octocat"]);
    env.cwd = repo;
    insta::assert_snapshot!(
        shown(&env, env.ok(&["pr", "create", "--branch", "vibe/1a2b3c4d-health"])),
        @"Opened pull request #1 on octo-org/demo: [GITHUB]/octo-org/demo/pull/1"
    );
    insta::assert_snapshot!(shown(&env, env.ok(&["pr", "list"])), @r"
    #  REPO           STATE  TITLE               BRANCH                URL
    1  octo-org/demo  open   Add a health route  vibe/1a2b3c4d-health  [GITHUB]/octo-org/demo/pull/1
    ");
}
