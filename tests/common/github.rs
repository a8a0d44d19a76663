//! A loopback GitHub: the OAuth device flow on the web root, the REST subset of a PR
//! pipeline under `/api/v3` (the Enterprise layout), and git smart-HTTP for
//! `/{owner}/{name}.git` served by `git http-backend` behind Basic auth. Repositories are
//! bare repositories under a temp root, read with `git`. Every request is recorded.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::gh_http::{serve, Request, Response};

pub const CLIENT_ID: &str = "Iv1.loopbackclient";
/// The token the default user holds.
pub const TOKEN: &str = "gho_LoopbackToken0123456789abcdefSECRET";

#[derive(Debug, Clone)]
pub struct User {
    pub login: String,
    pub id: i64,
    pub name: Option<String>,
    pub scopes: String,
}

#[derive(Debug, Clone)]
pub struct RepoMeta {
    pub id: i64,
    pub owner: String,
    pub name: String,
    pub default_branch: String,
    pub private: bool,
    /// Logins that may push (the owner always may).
    pub pushers: Vec<String>,
    pub fork_of: Option<String>,
}

impl RepoMeta {
    fn full(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

#[derive(Debug, Clone)]
pub struct PullMeta {
    pub number: i64,
    pub repo: String,
    pub head_owner: String,
    pub head_repo: String,
    pub head_ref: String,
    pub head_sha: String,
    pub base_ref: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
    pub state: String,
    pub merged: bool,
}

/// A canned answer for requests whose path starts with `prefix`, used `times` times.
#[derive(Debug, Clone)]
pub struct Injected {
    pub method: String,
    pub prefix: String,
    pub times: u32,
    pub response: Response,
}

#[derive(Debug, Default)]
pub struct State {
    pub requests: Vec<Request>,
    pub tokens: HashMap<String, User>,
    /// Outcomes of successive token polls: authorization_pending, slow_down, expired_token,
    /// access_denied, ok. When empty, polls succeed.
    pub device_script: VecDeque<String>,
    /// The token a successful device flow issues.
    pub device_token: String,
    pub device_interval: u64,
    pub repos: BTreeMap<String, RepoMeta>,
    pub pulls: Vec<PullMeta>,
    pub injected: Vec<Injected>,
    /// 404s a new fork answers before it is ready.
    pub fork_delay: u32,
    next_id: i64,
}

pub struct GithubServer {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    pub root: PathBuf,
    _dir: tempfile::TempDir,
}

impl GithubServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("git");
        std::fs::create_dir_all(&root).unwrap();
        let mut st =
            State { device_token: TOKEN.into(), device_interval: 5, next_id: 1000, ..State::default() };
        st.tokens.insert(
            TOKEN.into(),
            User {
                login: "octocat".into(),
                id: 583231,
                name: Some("The Octocat".into()),
                scopes: "repo, read:user".into(),
            },
        );
        let state = Arc::new(Mutex::new(st));
        let url_cell: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
        let (s2, r2, u2) = (state.clone(), root.clone(), url_cell.clone());
        let url = serve(Arc::new(move |req: Request| {
            let base = u2.lock().unwrap().clone();
            route(&s2, &r2, &base, req)
        }));
        *url_cell.lock().unwrap() = url.clone();
        Self { url, state, root, _dir: dir }
    }

    pub fn api_url(&self) -> String {
        format!("{}/api/v3", self.url)
    }

    pub fn host(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }

    /// Adds a user with its own token.
    pub fn add_user(&self, token: &str, login: &str, id: i64) {
        self.state
            .lock()
            .unwrap()
            .tokens
            .insert(token.into(), User { login: login.into(), id, name: None, scopes: "repo".into() });
    }

    /// Publishes the git repository at `source` as `owner/name` (a bare clone).
    pub fn add_repo(&self, owner: &str, name: &str, source: &Path, pushers: &[&str]) {
        let bare = self.root.join(owner).join(format!("{name}.git"));
        std::fs::create_dir_all(bare.parent().unwrap()).unwrap();
        run_git(&self.root, &["clone", "-q", "--bare", source.to_str().unwrap(), bare.to_str().unwrap()]);
        let mut st = self.state.lock().unwrap();
        st.next_id += 1;
        let id = st.next_id;
        st.repos.insert(
            format!("{owner}/{name}").to_ascii_lowercase(),
            RepoMeta {
                id,
                owner: owner.into(),
                name: name.into(),
                default_branch: "main".into(),
                private: false,
                pushers: pushers.iter().map(|s| s.to_string()).collect(),
                fork_of: None,
            },
        );
    }

    pub fn bare(&self, full: &str) -> PathBuf {
        let (o, n) = full.split_once('/').unwrap();
        self.root.join(o).join(format!("{n}.git"))
    }

    pub fn script_device(&self, outcomes: &[&str]) {
        self.state.lock().unwrap().device_script = outcomes.iter().map(|s| s.to_string()).collect();
    }

    pub fn inject(&self, method: &str, prefix: &str, times: u32, response: Response) {
        self.state.lock().unwrap().injected.push(Injected {
            method: method.into(),
            prefix: prefix.into(),
            times,
            response,
        });
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Requests whose method matches and whose path starts with `prefix`.
    pub fn requests_to(&self, method: &str, prefix: &str) -> Vec<Request> {
        self.requests().into_iter().filter(|r| r.method == method && r.path().starts_with(prefix)).collect()
    }

    pub fn pulls(&self) -> Vec<PullMeta> {
        self.state.lock().unwrap().pulls.clone()
    }

    pub fn set_pull_state(&self, number: i64, state: &str, merged: bool) {
        let mut st = self.state.lock().unwrap();
        for p in st.pulls.iter_mut().filter(|p| p.number == number) {
            p.state = state.into();
            p.merged = merged;
        }
    }
}

pub fn run_git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn git_try(dir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out =
        Command::new("git").args(args).current_dir(dir).env("GIT_CONFIG_NOSYSTEM", "1").output().ok()?;
    out.status.success().then_some(out.stdout)
}

fn msg(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": status.to_string()}),
    )
}

fn route(state: &Arc<Mutex<State>>, root: &Path, base: &str, req: Request) -> Response {
    {
        let mut st = state.lock().unwrap();
        st.requests.push(req.clone());
        let path = req.path().to_string();
        if let Some(inj) = st
            .injected
            .iter_mut()
            .find(|i| i.times > 0 && i.method == req.method && path.starts_with(&i.prefix))
        {
            inj.times -= 1;
            return inj.response.clone();
        }
    }
    let path = req.path().to_string();
    if path == "/login/device/code" && req.method == "POST" {
        return device_code(state, base, &req);
    }
    if path == "/login/oauth/access_token" && req.method == "POST" {
        return access_token(state, &req);
    }
    if let Some(rest) = path.strip_prefix("/api/v3") {
        return api(state, root, base, &req, rest);
    }
    if path.contains(".git/") {
        return git_http(state, root, &req);
    }
    Response::text(404, "Not Found")
}

fn reply_oauth(req: &Request, fields: &[(&str, Value)]) -> Response {
    // GitHub answers form-encoded unless asked for JSON.
    if req.header("accept").is_some_and(|a| a.contains("application/json")) {
        let obj: serde_json::Map<String, Value> =
            fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        Response::json(200, &Value::Object(obj))
    } else {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect::<Vec<_>>()
            .join("&");
        Response {
            status: 200,
            headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
            body: body.into_bytes(),
        }
    }
}

fn device_code(state: &Arc<Mutex<State>>, base: &str, req: &Request) -> Response {
    if req.form_get("client_id").as_deref() != Some(CLIENT_ID) {
        return Response::text(404, "Not Found");
    }
    let interval = state.lock().unwrap().device_interval;
    reply_oauth(
        req,
        &[
            ("device_code", json!("3584d83530557fdd1f46af8289938c8ef79f9dc5")),
            ("user_code", json!("WDJB-MJHT")),
            ("verification_uri", json!(format!("{base}/login/device"))),
            ("expires_in", json!(900)),
            ("interval", json!(interval)),
        ],
    )
}

fn access_token(state: &Arc<Mutex<State>>, req: &Request) -> Response {
    if req.form_get("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:device_code") {
        return reply_oauth(req, &[("error", json!("unsupported_grant_type"))]);
    }
    if req.form_get("client_id").as_deref() != Some(CLIENT_ID) {
        return reply_oauth(req, &[("error", json!("incorrect_client_credentials"))]);
    }
    if req.form_get("device_code").as_deref() != Some("3584d83530557fdd1f46af8289938c8ef79f9dc5") {
        return reply_oauth(req, &[("error", json!("incorrect_device_code"))]);
    }
    let mut st = state.lock().unwrap();
    let outcome = st.device_script.pop_front().unwrap_or_else(|| "ok".into());
    match outcome.as_str() {
        "ok" => {
            let token = st.device_token.clone();
            reply_oauth(
                req,
                &[
                    ("access_token", json!(token)),
                    ("token_type", json!("bearer")),
                    ("scope", json!("repo,read:user")),
                ],
            )
        }
        "slow_down" => {
            st.device_interval += 5;
            let interval = st.device_interval;
            reply_oauth(
                req,
                &[
                    ("error", json!("slow_down")),
                    ("error_description", json!("Too many requests have been made in the same timeframe.")),
                    ("interval", json!(interval)),
                ],
            )
        }
        other => reply_oauth(
            req,
            &[("error", json!(other)), ("error_description", json!(format!("{other} (loopback)")))],
        ),
    }
}

fn authed(state: &Arc<Mutex<State>>, req: &Request) -> Result<Option<User>, Response> {
    let Some(h) = req.header("authorization") else { return Ok(None) };
    let token = h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("token ")).unwrap_or("");
    match state.lock().unwrap().tokens.get(token) {
        Some(u) => Ok(Some(u.clone())),
        None => Err(msg(401, "Bad credentials")),
    }
}

fn repo_json(base: &str, m: &RepoMeta, user: Option<&User>, repos: &BTreeMap<String, RepoMeta>) -> Value {
    let full = m.full();
    let mut v = json!({
        "id": m.id, "node_id": format!("R_{}", m.id), "name": m.name, "full_name": full,
        "owner": {"login": m.owner, "id": 1, "type": "User"},
        "private": m.private, "fork": m.fork_of.is_some(), "default_branch": m.default_branch,
        "html_url": format!("{base}/{full}"), "clone_url": format!("{base}/{full}.git"),
        "ssh_url": format!("git@127.0.0.1:{full}.git"), "url": format!("{base}/api/v3/repos/{full}"),
    });
    if let Some(u) = user {
        let push = u.login.eq_ignore_ascii_case(&m.owner)
            || m.pushers.iter().any(|p| p.eq_ignore_ascii_case(&u.login));
        v["permissions"] = json!({"admin": push && u.login.eq_ignore_ascii_case(&m.owner), "maintain": push, "push": push, "triage": true, "pull": true});
    }
    if let Some(parent) = m.fork_of.as_ref().and_then(|p| repos.get(&p.to_ascii_lowercase())) {
        v["parent"] = json!({"full_name": parent.full(), "default_branch": parent.default_branch});
        v["source"] = v["parent"].clone();
    }
    v
}

fn pull_json(base: &str, p: &PullMeta) -> Value {
    json!({
        "id": 9000 + p.number, "number": p.number, "state": p.state, "draft": p.draft, "title": p.title, "body": p.body,
        "html_url": format!("{base}/{}/pull/{}", p.repo, p.number),
        "url": format!("{base}/api/v3/repos/{}/pulls/{}", p.repo, p.number),
        "merged": p.merged, "merged_at": if p.merged { json!("2026-03-14T16:00:00Z") } else { Value::Null },
        "mergeable": Value::Null, "created_at": "2026-03-14T15:09:26Z",
        "head": {"ref": p.head_ref, "sha": p.head_sha, "label": format!("{}:{}", p.head_owner, p.head_ref), "repo": {"full_name": p.head_repo}},
        "base": {"ref": p.base_ref, "label": format!("{}:{}", p.repo.split('/').next().unwrap_or(""), p.base_ref), "repo": {"full_name": p.repo}},
        "user": {"login": p.head_owner},
    })
}

fn link_pages<T: Clone>(base: &str, req: &Request, items: &[T]) -> (Vec<T>, Option<String>) {
    let per_page =
        req.query_get("per_page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(30).clamp(1, 100);
    let page = req.query_get("page").and_then(|v| v.parse::<usize>().ok()).unwrap_or(1).max(1);
    let start = (page - 1) * per_page;
    let slice: Vec<T> = items.iter().skip(start).take(per_page).cloned().collect();
    let last = items.len().div_ceil(per_page).max(1);
    let link = (page < last).then(|| {
        let mut q: Vec<(String, String)> = req.query().into_iter().filter(|(k, _)| k != "page").collect();
        let mk = |n: usize, q: &mut Vec<(String, String)>| {
            let mut q2 = q.clone();
            q2.push(("page".into(), n.to_string()));
            let qs = q2
                .iter()
                .map(|(k, v)| format!("{k}={}", v.replace(':', "%3A").replace('/', "%2F")))
                .collect::<Vec<_>>()
                .join("&");
            format!("<{base}{}?{qs}>", req.path())
        };
        format!("{}; rel=\"next\", {}; rel=\"last\"", mk(page + 1, &mut q), mk(last, &mut q))
    });
    (slice, link)
}

fn api(state: &Arc<Mutex<State>>, root: &Path, base: &str, req: &Request, rest: &str) -> Response {
    if req.header("user-agent").is_none_or(str::is_empty) {
        return Response::text(
            403,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.",
        );
    }
    let user = match authed(state, req) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let rate = |r: Response| {
        r.header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "4999")
            .header("x-ratelimit-resource", "core")
    };
    if rest == "/user" {
        return match &user {
            Some(u) => rate(Response::json(
                200,
                &json!({"login": u.login, "id": u.id, "name": u.name, "email": null,
                        "avatar_url": format!("{base}/avatars/{}", u.id), "html_url": format!("{base}/{}", u.login), "type": "User"}),
            ))
            .header("X-OAuth-Scopes", u.scopes.clone()),
            None => msg(401, "Requires authentication"),
        };
    }
    let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    if segs.len() < 3 || segs[0] != "repos" {
        return msg(404, "Not Found");
    }
    let full = format!("{}/{}", segs[1], segs[2]);
    let meta = {
        let mut st = state.lock().unwrap();
        let key = full.to_ascii_lowercase();
        if st.repos.get(&key).is_some_and(|m| m.fork_of.is_some()) && st.fork_delay > 0 && segs.len() == 3 {
            st.fork_delay -= 1;
            return msg(404, "Not Found");
        }
        st.repos.get(&key).cloned()
    };
    let Some(meta) = meta else { return msg(404, "Not Found") };
    if meta.private && user.is_none() {
        return msg(404, "Not Found");
    }
    let bare = root.join(&meta.owner).join(format!("{}.git", meta.name));
    let tail: Vec<&str> = segs[3..].to_vec();
    match (req.method.as_str(), tail.first().copied()) {
        ("GET", None) => {
            let st = state.lock().unwrap();
            rate(Response::json(200, &repo_json(base, &meta, user.as_ref(), &st.repos)))
        }
        ("GET", Some("branches")) => {
            let name = tail[1..].join("/");
            match git_try(&bare, &["rev-parse", "--verify", &format!("refs/heads/{name}")]) {
                Some(sha) => Response::json(
                    200,
                    &json!({"name": name, "commit": {"sha": String::from_utf8_lossy(&sha).trim()}, "protected": false}),
                ),
                None => msg(404, "Branch not found"),
            }
        }
        ("GET", Some("commits")) => commits(base, &bare, &meta, req),
        ("GET", Some("contents")) => contents(&bare, &meta, req, &tail[1..].join("/")),
        ("GET", Some("pulls")) if tail.len() == 1 => {
            let st = state.lock().unwrap();
            let want_state = req.query_get("state").unwrap_or_else(|| "open".into());
            let head = req.query_get("head");
            let list: Vec<Value> = st
                .pulls
                .iter()
                .rev()
                .filter(|p| p.repo.eq_ignore_ascii_case(&meta.full()))
                .filter(|p| want_state == "all" || p.state == want_state)
                // GitHub ignores a `head` filter without `owner:` (a documented quirk).
                .filter(|p| match head.as_deref().and_then(|h| h.split_once(':')) {
                    Some((o, b)) => p.head_owner.eq_ignore_ascii_case(o) && p.head_ref == b,
                    None => true,
                })
                .map(|p| pull_json(base, p))
                .collect();
            let (page, link) = link_pages(base, req, &list);
            let r = rate(Response::json(200, &Value::Array(page)));
            match link {
                Some(l) => r.header("Link", l),
                None => r,
            }
        }
        ("GET", Some("pulls")) => {
            let n: i64 = tail[1].parse().unwrap_or(-1);
            let st = state.lock().unwrap();
            match st.pulls.iter().find(|p| p.number == n && p.repo.eq_ignore_ascii_case(&meta.full())) {
                Some(p) => rate(Response::json(200, &pull_json(base, p))),
                None => msg(404, "Not Found"),
            }
        }
        ("POST", Some("pulls")) => create_pull(state, root, base, req, &meta, user.as_ref()),
        ("POST", Some("forks")) => fork(state, root, base, &meta, user.as_ref()),
        _ => msg(404, "Not Found"),
    }
}

fn commits(base: &str, bare: &Path, meta: &RepoMeta, req: &Request) -> Response {
    let reference = req.query_get("sha").unwrap_or_else(|| meta.default_branch.clone());
    let Some(out) = git_try(bare, &["log", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%B%x1e", &reference, "--"])
    else {
        if git_try(bare, &["rev-parse", "--verify", "HEAD"]).is_none() {
            return msg(409, "Git Repository is empty.");
        }
        return msg(404, &format!("No commit found for SHA: {reference}"));
    };
    let text = String::from_utf8_lossy(&out);
    let items: Vec<Value> = text
        .split('\x1e')
        .map(|r| r.trim_start_matches('\n'))
        .filter(|r| !r.is_empty())
        .map(|r| {
            let f: Vec<&str> = r.splitn(5, '\x1f').collect();
            let author = json!({"name": f[1], "email": f[2], "date": f[3]});
            json!({"sha": f[0], "commit": {"message": f[4].trim_end(), "author": author, "committer": author, "tree": {"sha": "0"}},
                   "author": null, "committer": null, "parents": [], "html_url": format!("{base}/{}/commit/{}", meta.full(), f[0])})
        })
        .collect();
    let (page, link) = link_pages(base, req, &items);
    let r = Response::json(200, &Value::Array(page));
    match link {
        Some(l) => r.header("Link", l),
        None => r,
    }
}

fn contents(bare: &Path, meta: &RepoMeta, req: &Request, path: &str) -> Response {
    use base64::Engine as _;
    let path = super::gh_http::pct_decode(path);
    let reference = req.query_get("ref").unwrap_or_else(|| meta.default_branch.clone());
    if git_try(bare, &["rev-parse", "--verify", &format!("{reference}^{{commit}}")]).is_none() {
        return msg(404, &format!("No commit found for the ref {reference}"));
    }
    let spec = format!("{reference}:{path}");
    let Some(kind) = git_try(bare, &["cat-file", "-t", &spec]) else { return msg(404, "Not Found") };
    match String::from_utf8_lossy(&kind).trim() {
        "tree" => {
            let out = git_try(bare, &["ls-tree", "-l", &spec]).unwrap_or_default();
            let entries: Vec<Value> = String::from_utf8_lossy(&out)
                .lines()
                .filter_map(|l| {
                    let (info, name) = l.split_once('\t')?;
                    let f: Vec<&str> = info.split_whitespace().collect();
                    let kind = match f[1] {
                        "tree" => "dir",
                        "commit" => "submodule",
                        _ if f[0] == "120000" => "symlink",
                        _ => "file",
                    };
                    let p = if path.is_empty() { name.to_string() } else { format!("{path}/{name}") };
                    Some(json!({"name": name, "path": p, "type": kind, "sha": f[2], "size": f[3].parse::<u64>().unwrap_or(0)}))
                })
                .collect();
            Response::json(200, &Value::Array(entries))
        }
        _ => {
            let data = git_try(bare, &["cat-file", "blob", &spec]).unwrap_or_default();
            let b64 = base64::engine::general_purpose::STANDARD.encode(&data);
            let wrapped: String =
                b64.as_bytes().chunks(60).map(|c| format!("{}\n", String::from_utf8_lossy(c))).collect();
            let sha =
                git_try(bare, &["rev-parse", &spec]).map(|s| String::from_utf8_lossy(&s).trim().to_string());
            let name = path.rsplit('/').next().unwrap_or(&path);
            Response::json(
                200,
                &json!({"type": "file", "encoding": "base64", "size": data.len(), "name": name, "path": path, "content": wrapped, "sha": sha}),
            )
        }
    }
}

fn validation(errors: Value) -> Response {
    Response::json(
        422,
        &json!({"message": "Validation Failed", "errors": errors, "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request", "status": "422"}),
    )
}

fn create_pull(
    state: &Arc<Mutex<State>>,
    root: &Path,
    base_url: &str,
    req: &Request,
    meta: &RepoMeta,
    user: Option<&User>,
) -> Response {
    let Some(user) = user else { return msg(401, "Requires authentication") };
    let body = req.json();
    for field in ["title", "head", "base"] {
        if body.get(field).and_then(Value::as_str).is_none_or(str::is_empty) {
            return validation(json!([{"resource": "PullRequest", "field": field, "code": "missing_field"}]));
        }
    }
    let head = body["head"].as_str().unwrap_or("");
    let base = body["base"].as_str().unwrap_or("");
    let (head_owner, head_ref) = head.split_once(':').unwrap_or((&meta.owner, head));
    let mut st = state.lock().unwrap();
    let head_repo = if head_owner.eq_ignore_ascii_case(&meta.owner) {
        Some(meta.clone())
    } else {
        st.repos
            .values()
            .find(|r| {
                r.owner.eq_ignore_ascii_case(head_owner)
                    && r.fork_of.as_deref().is_some_and(|f| f.eq_ignore_ascii_case(&meta.full()))
            })
            .cloned()
    };
    let Some(head_repo) = head_repo else {
        return validation(json!([{"resource": "PullRequest", "field": "head", "code": "invalid"}]));
    };
    let head_bare = root.join(&head_repo.owner).join(format!("{}.git", head_repo.name));
    let base_bare = root.join(&meta.owner).join(format!("{}.git", meta.name));
    let Some(head_sha) = git_try(&head_bare, &["rev-parse", "--verify", &format!("refs/heads/{head_ref}")])
    else {
        return validation(json!([{"resource": "PullRequest", "field": "head", "code": "invalid"}]));
    };
    let head_sha = String::from_utf8_lossy(&head_sha).trim().to_string();
    let Some(base_sha) = git_try(&base_bare, &["rev-parse", "--verify", &format!("refs/heads/{base}")])
    else {
        return validation(json!([{"resource": "PullRequest", "field": "base", "code": "invalid"}]));
    };
    if st.pulls.iter().any(|p| {
        p.repo.eq_ignore_ascii_case(&meta.full())
            && p.state == "open"
            && p.head_owner.eq_ignore_ascii_case(head_owner)
            && p.head_ref == head_ref
    }) {
        return validation(
            json!([{"resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for {head_owner}:{head_ref}.")}]),
        );
    }
    if head_sha == String::from_utf8_lossy(&base_sha).trim() {
        return validation(
            json!([{"resource": "PullRequest", "code": "custom", "message": format!("No commits between {base} and {head_ref}")}]),
        );
    }
    let number = st.pulls.len() as i64 + 1;
    let p = PullMeta {
        number,
        repo: meta.full(),
        head_owner: head_repo.owner.clone(),
        head_repo: head_repo.full(),
        head_ref: head_ref.into(),
        head_sha,
        base_ref: base.into(),
        title: body["title"].as_str().unwrap_or("").into(),
        body: body["body"].as_str().unwrap_or("").into(),
        draft: body["draft"].as_bool().unwrap_or(false),
        state: "open".into(),
        merged: false,
    };
    let _ = user;
    let v = pull_json(base_url, &p);
    st.pulls.push(p);
    Response::json(201, &v)
        .header("Location", format!("{base_url}/api/v3/repos/{}/pulls/{number}", meta.full()))
}

fn fork(
    state: &Arc<Mutex<State>>,
    root: &Path,
    base: &str,
    meta: &RepoMeta,
    user: Option<&User>,
) -> Response {
    let Some(user) = user else { return msg(401, "Requires authentication") };
    if user.login.eq_ignore_ascii_case(&meta.owner) {
        return validation(
            json!([{"resource": "Fork", "code": "custom", "message": "You cannot fork your own repository."}]),
        );
    }
    let key = format!("{}/{}", user.login, meta.name).to_ascii_lowercase();
    let mut st = state.lock().unwrap();
    if !st.repos.contains_key(&key) {
        let src = root.join(&meta.owner).join(format!("{}.git", meta.name));
        let dst = root.join(&user.login).join(format!("{}.git", meta.name));
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        run_git(root, &["clone", "-q", "--bare", src.to_str().unwrap(), dst.to_str().unwrap()]);
        st.next_id += 1;
        let id = st.next_id;
        st.repos.insert(
            key.clone(),
            RepoMeta {
                id,
                owner: user.login.clone(),
                name: meta.name.clone(),
                default_branch: meta.default_branch.clone(),
                private: false,
                pushers: vec![],
                fork_of: Some(meta.full()),
            },
        );
    }
    let m = st.repos[&key].clone();
    Response::json(202, &repo_json(base, &m, Some(user), &st.repos))
}

/// git smart-HTTP through `git http-backend`, with GitHub's Basic auth for tokens.
fn git_http(state: &Arc<Mutex<State>>, root: &Path, req: &Request) -> Response {
    use base64::Engine as _;
    let challenge = || {
        Response::text(401, "Authentication required").header("WWW-Authenticate", "Basic realm=\"GitHub\"")
    };
    let creds = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let Some((_, password)) = creds.as_deref().and_then(|c| c.split_once(':')) else { return challenge() };
    let user = state.lock().unwrap().tokens.get(password).cloned();
    let Some(user) = user else { return challenge() };
    let path = req.path();
    let full = path.trim_start_matches('/').split(".git/").next().unwrap_or("").to_string();
    let meta = state.lock().unwrap().repos.get(&full.to_ascii_lowercase()).cloned();
    let Some(meta) = meta else { return Response::text(404, "Repository not found.") };
    let pushing =
        path.ends_with("git-receive-pack") || req.query_get("service").as_deref() == Some("git-receive-pack");
    let may_push = user.login.eq_ignore_ascii_case(&meta.owner)
        || meta.pushers.iter().any(|p| p.eq_ignore_ascii_case(&user.login));
    if pushing && !may_push {
        return Response::text(403, &format!("Permission to {} denied to {}.", meta.full(), user.login));
    }
    let mut child = Command::new("git")
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root)
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", path)
        .env("QUERY_STRING", req.target.split_once('?').map(|(_, q)| q).unwrap_or(""))
        .env("REQUEST_METHOD", &req.method)
        .env("CONTENT_TYPE", req.header("content-type").unwrap_or(""))
        .env("CONTENT_LENGTH", req.body.len().to_string())
        .env("REMOTE_USER", &user.login)
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("git http-backend");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        let body = req.body.clone();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&body);
        });
    }
    let out = child.wait_with_output().expect("http-backend output");
    let raw = out.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((i, n)) = split else { return Response::text(500, &String::from_utf8_lossy(&out.stderr)) };
    let head = String::from_utf8_lossy(&raw[..i]).into_owned();
    let mut resp = Response { status: 200, headers: vec![], body: raw[i + n..].to_vec() };
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("status") {
                resp.status = v.split_whitespace().next().and_then(|s| s.parse().ok()).unwrap_or(200);
            } else {
                resp.headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    resp
}
