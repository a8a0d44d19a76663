//! The local sandbox against hostile commands: real bubblewrap, real temp git repositories.
//! Every test states what an attacker tries and checks the host afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vibe::config::Backend;
use vibe::sandbox::local::{probe, probe_with};
use vibe::sandbox::{
    self, ChangeKind, CommandOutcome, CommandRequest, Policy, Sandbox, SandboxError, SandboxSpec,
};

use crate::common::{git, TestEnv};

/// Environment a user might run vibe with: the allow-listed basics plus secrets.
pub fn hostile_host_env() -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".into(), std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()));
    env.insert("LANG".into(), "C.UTF-8".into());
    for (k, v) in [
        ("GITHUB_TOKEN", "ghp_sandboxleak0000000000000000000000"),
        ("OPENAI_API_KEY", "sk-sandboxleak-openai"),
        ("E2B_API_KEY", "e2b_sandboxleak"),
        ("SUPABASE_KEY", "supabase-sandboxleak"),
        ("AWS_SECRET_ACCESS_KEY", "aws-sandboxleak"),
    ] {
        env.insert(k.into(), v.into());
    }
    env
}

/// A repository with a few files, and a spec for a sandbox of it.
pub fn fixture(env: &TestEnv, name: &str) -> (PathBuf, SandboxSpec) {
    let repo = env.git_repo(name);
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join("src/lib.rs"), "pub fn answer() -> u32 {\n    41\n}\n").unwrap();
    std::fs::write(repo.join("old.txt"), "to be deleted\n").unwrap();
    std::fs::write(repo.join(".gitignore"), "target/\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "files"]);
    let spec = SandboxSpec {
        repo: repo.clone(),
        base: None,
        allow_dirty: false,
        dir: env.root().join(format!("{name}-sandbox")),
        policy: Policy { command_timeout: Duration::from_secs(60), ..Policy::default() },
        host_env: hostile_host_env(),
        label: "test".into(),
    };
    (repo, spec)
}

/// Shell that rewrites `src/lib.rs` in place (same inode, same size), turning 41 into `to`, and
/// puts its mtime back: only its ctime tells.
fn rewrite_in_place(to: u32) -> String {
    format!(
        "cp -p src/lib.rs /tmp/ref; sed s/41/{to}/ src/lib.rs > /tmp/x; cat /tmp/x > src/lib.rs; \
         touch -r /tmp/ref src/lib.rs"
    )
}

pub fn sh(script: &str) -> CommandRequest {
    CommandRequest::shell(script)
}

async fn run(sb: &dyn Sandbox, script: &str) -> CommandOutcome {
    sb.run(sh(script), None, None).await.unwrap()
}

async fn local(spec: SandboxSpec) -> Box<dyn Sandbox> {
    let (sb, warnings) = sandbox::Sandboxes::default().create(Backend::Local, spec).await.unwrap();
    assert!(warnings.is_empty());
    sb
}

/// Everything git keeps about the user's checkout: HEAD, branch, index bytes, refs, status.
fn repo_state(repo: &Path) -> String {
    let index = std::fs::read(repo.join(".git/index")).unwrap();
    let mut files: Vec<String> =
        walk(&repo.join(".git")).into_iter().map(|p| p.display().to_string()).collect();
    files.sort();
    format!(
        "head={} branch={} status={:?} index={} files={}",
        git(repo, &["rev-parse", "HEAD"]).trim(),
        git(repo, &["symbolic-ref", "HEAD"]).trim(),
        git(repo, &["status", "--porcelain", "--untracked-files=all"]),
        index.len() as u64 + index.iter().map(|b| *b as u64).sum::<u64>(),
        files.join(",")
    )
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Host processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if !entry.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(marker) {
            found.push(format!("{}: {text}", entry.file_name().to_string_lossy()));
        }
    }
    found
}

#[test]
fn probe_reports_a_working_bubblewrap_and_a_broken_one() {
    let p = probe();
    assert!(p.available, "{p:?}");
    assert_eq!(p.mechanism, "bubblewrap");
    assert!(p.detail.contains("namespaces"), "{p:?}");
    let broken = probe_with(Path::new("/bin/false"));
    assert!(!broken.available);
    assert!(broken.detail.contains("cannot create namespaces"), "{broken:?}");
}

#[tokio::test]
async fn commands_change_the_copy_and_the_diff_reproduces_them_while_the_user_repo_is_untouched() {
    let env = TestEnv::new();
    let (repo, spec) = fixture(&env, "repo");
    let before = repo_state(&repo);
    let sb = local(spec).await;
    let out = run(
        sb.as_ref(),
        "set -e; sed -i s/41/42/ src/lib.rs; echo new > added.txt; rm old.txt; mkdir -p target; echo junk > target/out; \
         printf '\\000\\001binary' > data.bin; git status --short; git add -A; git -c user.name=a -c user.email=a@b commit -qm agent; \
         git checkout -q -b evil; echo /nonexistent > .git/objects/info/alternates; echo done",
    )
    .await;
    assert!(out.success(), "{out:?}");
    assert!(out.stdout.contains("done"), "{out:?}");

    let diff = sb.diff().await.unwrap();
    assert_eq!(diff.base_commit, git(&repo, &["rev-parse", "HEAD"]).trim());
    let mut kinds: Vec<(String, ChangeKind)> = diff.files.iter().map(|f| (f.path.clone(), f.kind)).collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        kinds,
        vec![
            ("added.txt".into(), ChangeKind::Added),
            ("data.bin".into(), ChangeKind::Added),
            ("old.txt".into(), ChangeKind::Deleted),
            ("src/lib.rs".into(), ChangeKind::Modified),
        ]
    );
    assert_eq!((diff.additions, diff.deletions), (2, 2), "{diff:?}");
    assert!(diff.files.iter().any(|f| f.path == "data.bin" && f.binary));
    assert!(!diff.patch.contains("target/out"));

    // The patch reproduces the copy on a fresh checkout of the base.
    let check = env.root().join("check");
    git(env.root(), &["clone", "-q", repo.to_str().unwrap(), check.to_str().unwrap()]);
    std::fs::write(env.root().join("p.patch"), &diff.patch).unwrap();
    git(&check, &["apply", "--binary", env.root().join("p.patch").to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(check.join("src/lib.rs")).unwrap(),
        "pub fn answer() -> u32 {\n    42\n}\n"
    );
    assert_eq!(std::fs::read(check.join("data.bin")).unwrap(), b"\x00\x01binary");
    assert!(!check.join("old.txt").exists());

    // The user's work tree, index, branch, refs and .git are exactly as before.
    assert_eq!(repo_state(&repo), before);
    assert_eq!(
        std::fs::read_to_string(repo.join("src/lib.rs")).unwrap(),
        "pub fn answer() -> u32 {\n    41\n}\n"
    );
    sb.destroy().await.unwrap();
    assert!(!env.root().join("repo-sandbox").exists());
    assert!(matches!(sb.read("src/lib.rs").await, Err(SandboxError::Destroyed)));
}

#[tokio::test]
async fn a_change_that_keeps_size_and_mtime_still_shows_in_the_diff() {
    // A command that rewrites a file in place with the same size and puts its mtime back (and
    // refreshes the copy's index) must still show in the diff.
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "stat");
    let sb = local(spec).await;
    let out = run(
        sb.as_ref(),
        &format!(
            "set -e; sleep 1.1; {}; git update-index --refresh >/dev/null 2>&1 || true; echo ok",
            rewrite_in_place(43)
        ),
    )
    .await;
    assert!(out.success(), "{out:?}");
    let diff = sb.diff().await.unwrap();
    let kinds: Vec<(String, ChangeKind)> = diff.files.iter().map(|f| (f.path.clone(), f.kind)).collect();
    assert_eq!(kinds, vec![("src/lib.rs".to_string(), ChangeKind::Modified)], "{diff:?}");
    assert!(diff.patch.contains("+    43"), "{}", diff.patch);
    sb.destroy().await.unwrap();
}

#[tokio::test]
async fn the_copys_git_metadata_cannot_hide_changes_from_the_diff() {
    // The diff reads the copy's files through vibe's own repository: exclude rules, config
    // and an index planted in the copy's .git, or a .git replaced by a file, change nothing.
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "planted");
    let sb = local(spec).await;
    let out = run(
        sb.as_ref(),
        &format!(
            "set -e; echo '*' >> .git/info/exclude; git config core.trustctime false; \
             git config core.excludesFile /vibe/work/.git/info/exclude; echo new > hidden.txt; \
             {}; git add -A; rm -rf .git; echo 'gitdir: /etc' > .git; echo ok",
            rewrite_in_place(44)
        ),
    )
    .await;
    assert!(out.success(), "{out:?}");
    let diff = sb.diff().await.unwrap();
    let mut kinds: Vec<(String, ChangeKind)> = diff.files.iter().map(|f| (f.path.clone(), f.kind)).collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        kinds,
        vec![("hidden.txt".into(), ChangeKind::Added), ("src/lib.rs".into(), ChangeKind::Modified)],
        "{diff:?}"
    );
    assert!(!diff.patch.contains("gitdir"), "{}", diff.patch);
    sb.destroy().await.unwrap();
}

#[tokio::test]
async fn a_copy_prepared_ahead_is_taken_over_only_when_it_fits() {
    let env = TestEnv::new();
    let (repo, mut spec) = fixture(&env, "ahead");
    let head = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let prepared = sandbox::local::prepared_dir(&spec.dir);
    sandbox::local::prepare(&repo, &head, false, &prepared, None, true).unwrap();
    // Mark the prepared copy to tell it from a fresh one.
    std::fs::write(prepared.join("work/marker"), "prepared\n").unwrap();
    spec.base = Some(head.clone());
    let sb = local(spec.clone()).await;
    assert!(!prepared.exists(), "the prepared copy was moved into the sandbox");
    assert_eq!(sb.read("marker").await.unwrap(), b"prepared\n");
    let out = run(sb.as_ref(), "git status --short; cat src/lib.rs").await;
    assert!(out.success() && out.stdout.contains("?? marker") && out.stdout.contains("41"), "{out:?}");
    let diff = sb.diff().await.unwrap();
    assert_eq!(diff.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["marker"]);
    sb.destroy().await.unwrap();

    // Made from another commit: discarded, and a fresh copy made.
    std::fs::write(repo.join("src/lib.rs"), "pub fn answer() -> u32 {\n    50\n}\n").unwrap();
    git(&repo, &["commit", "-qam", "next"]);
    sandbox::local::prepare(&repo, &head, false, &prepared, None, false).unwrap();
    std::fs::write(prepared.join("work/marker"), "prepared\n").unwrap();
    spec.base = Some(git(&repo, &["rev-parse", "HEAD"]).trim().to_string());
    let sb = local(spec).await;
    assert!(!prepared.exists(), "a prepared copy that does not fit is removed");
    assert!(sb.read("marker").await.is_err());
    assert!(String::from_utf8(sb.read("src/lib.rs").await.unwrap()).unwrap().contains("50"));
    assert!(sb.diff().await.unwrap().files.is_empty());
    sb.destroy().await.unwrap();

    // Uncommitted changes are copied only when allowed; a failure leaves nothing.
    std::fs::write(repo.join("src/lib.rs"), "dirty\n").unwrap();
    sandbox::local::prepare(&repo, &head, false, &prepared, None, true).unwrap();
    assert!(std::fs::read_to_string(prepared.join("work/src/lib.rs")).unwrap().contains("41"));
    sandbox::local::discard(&prepared).unwrap();
    sandbox::local::prepare(&repo, &head, true, &prepared, None, true).unwrap();
    assert_eq!(std::fs::read_to_string(prepared.join("work/src/lib.rs")).unwrap(), "dirty\n");
    sandbox::local::discard(&prepared).unwrap();
    assert!(sandbox::local::prepare(
        &repo,
        "0000000000000000000000000000000000000000",
        false,
        &prepared,
        None,
        true
    )
    .is_err());
    assert!(!prepared.exists());
}

#[tokio::test]
async fn a_finished_copy_is_reused_clean_for_the_next_job_whatever_its_commands_did() {
    use std::os::unix::fs::MetadataExt;
    let env = TestEnv::new();
    let (repo, mut spec) = fixture(&env, "pooled");
    let outside = env.root().join("outside");
    std::fs::create_dir_all(outside.join("m")).unwrap();
    std::fs::write(outside.join("m/keep.txt"), "host file\n").unwrap();
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    std::fs::write(repo.join("docs/guide.md"), "guide\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "docs"]);
    let pool = env.root().join("pool");
    let first_dir = spec.dir.clone();

    let sb = local(spec.clone()).await;
    let untouched_ino = std::fs::metadata(first_dir.join("work/.gitignore")).unwrap().ino();
    // Everything a hostile job could leave behind: an in-place edit that keeps size and
    // mtime, new and ignored files, a locked-down file, a directory swapped for a link to
    // the host, a hook and a commit in the copy's .git.
    let out = run(
        sb.as_ref(),
        &format!(
            "set -e; {}; echo new > new.txt; mkdir -p target && echo junk > target/out; \
             chmod 600 old.txt; rm -rf docs; ln -s {} docs; printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > .git/hooks/post-checkout; \
             chmod +x .git/hooks/post-checkout; git add -A; git -c user.name=a -c user.email=a@b commit -qm evil; echo ok",
            rewrite_in_place(47),
            outside.display()
        ),
    )
    .await;
    assert!(out.success(), "{out:?}");
    drop(sb);
    sandbox::local::retire(&first_dir, Some(&pool), 1);
    assert!(!first_dir.join("work").exists());

    // The next job of the same repository gets that copy back, as clean as a new one.
    std::fs::write(repo.join("src/lib.rs"), "pub fn answer() -> u32 {\n    50\n}\n").unwrap();
    git(&repo, &["commit", "-qam", "next"]);
    spec.dir = env.root().join("pooled-second");
    let (sb, _) = sandbox::Sandboxes::default()
        .with_pool(pool.clone(), 1)
        .create(Backend::Local, spec.clone())
        .await
        .unwrap();
    let work = spec.dir.join("work");
    assert_eq!(
        std::fs::metadata(work.join(".gitignore")).unwrap().ino(),
        untouched_ino,
        "the copy was reused"
    );
    assert_eq!(std::fs::metadata(work.join("old.txt")).unwrap().mode() & 0o777, 0o644);
    assert_eq!(
        std::fs::read_to_string(work.join("src/lib.rs")).unwrap(),
        "pub fn answer() -> u32 {\n    50\n}\n"
    );
    assert_eq!(std::fs::read_to_string(work.join("docs/guide.md")).unwrap(), "guide\n");
    assert!(std::fs::symlink_metadata(work.join("docs")).unwrap().is_dir());
    assert!(!work.join("new.txt").exists() && !work.join("target").exists());
    assert!(!work.join(".git/hooks/post-checkout").exists());
    assert_eq!(std::fs::read_to_string(outside.join("m/keep.txt")).unwrap(), "host file\n");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1, "nothing was written through the link");
    let head = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    assert_eq!(sb.base_commit(), head);
    let out = run(sb.as_ref(), "git rev-parse HEAD; git status --porcelain; git log --oneline | wc -l").await;
    assert!(out.success(), "{out:?}");
    assert_eq!(out.stdout, format!("{head}\n4\n"), "{out:?}");
    assert!(sb.diff().await.unwrap().files.is_empty());
    sb.destroy().await.unwrap();
}

#[tokio::test]
async fn a_dirty_tree_is_refused_unless_allowed_and_then_included() {
    let env = TestEnv::new();
    let (repo, mut spec) = fixture(&env, "dirty");
    std::fs::write(repo.join("src/lib.rs"), "pub fn answer() -> u32 {\n    7\n}\n").unwrap();
    std::fs::write(repo.join("untracked.txt"), "wip\n").unwrap();
    std::fs::remove_file(repo.join("old.txt")).unwrap();
    let before = repo_state(&repo);

    let err = sandbox::Sandboxes::default().create(Backend::Local, spec.clone()).await.err().unwrap();
    assert!(matches!(err, SandboxError::DirtyTree { .. }), "{err}");
    let user_error = vibe::error::Error::from(err);
    assert!(user_error.message.contains("uncommitted changes"), "{}", user_error.message);
    assert!(user_error.hint.unwrap().contains("--allow-dirty"));
    assert!(!spec.dir.exists(), "a refused sandbox leaves nothing behind");

    spec.allow_dirty = true;
    let sb = local(spec).await;
    assert_eq!(sb.read("src/lib.rs").await.unwrap(), b"pub fn answer() -> u32 {\n    7\n}\n");
    assert_eq!(sb.read("untracked.txt").await.unwrap(), b"wip\n");
    assert!(matches!(sb.read("old.txt").await, Err(SandboxError::NotFound(_))));
    let diff = sb.diff().await.unwrap();
    assert_eq!(diff.files.len(), 3, "{diff:?}");
    assert_eq!(repo_state(&repo), before);
}

#[tokio::test]
async fn writes_outside_the_copy_fail_and_the_host_stays_untouched() {
    let env = TestEnv::new();
    let (repo, spec) = fixture(&env, "writes");
    let outside = env.root().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let host_tmp_marker = format!("/tmp/vibe-sandbox-escape-{}", std::process::id());
    let objects = repo.join(".git/objects");
    let sb = local(spec).await;
    let script = format!(
        "for target in /etc/vibe-escape {outside}/escaped {host_tmp_marker} {objects}/escaped {repo}/escaped /usr/escaped; do \
           if echo x > $target; then echo WROTE $target; fi; done; \
         touch /tmp/private-ok && echo TMP-OK; ls -d {repo}/src 2>/dev/null && echo SAW-USER-TREE; true",
        outside = outside.display(),
        objects = objects.display(),
        repo = repo.display()
    );
    let out = run(sb.as_ref(), &script).await;
    // The system and the user's object store are read-only; other host paths do not exist
    // in the sandbox (writes under /tmp land in its private /tmp).
    for target in [
        "/etc/vibe-escape",
        "/usr/escaped",
        &format!("{}/escaped", objects.display()),
        &format!("{}/escaped", outside.display()),
    ] {
        assert!(!out.stdout.contains(&format!("WROTE {target}")), "{out:?}");
    }
    assert!(out.stdout.contains("TMP-OK"), "{out:?}");
    assert!(!out.stdout.contains("SAW-USER-TREE"), "{out:?}");
    assert!(!Path::new("/etc/vibe-escape").exists());
    assert!(!outside.join("escaped").exists());
    assert!(!Path::new(&host_tmp_marker).exists());
    assert!(!objects.join("escaped").exists());
    assert!(!repo.join("escaped").exists());
}

#[tokio::test]
async fn file_operations_refuse_dotdot_absolute_and_symlink_escapes() {
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "paths");
    let outside = env.root().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "TOP-SECRET").unwrap();
    let sb = local(spec).await;
    // The attacker plants symlinks inside the copy first.
    let out = run(
        sb.as_ref(),
        &format!(
            "ln -s {o} escape && ln -s {o}/secret.txt leak.txt && ln -s /etc/passwd passwd",
            o = outside.display()
        ),
    )
    .await;
    assert!(out.success(), "{out:?}");

    for path in ["../outside/secret.txt", "/etc/passwd", "escape/secret.txt", "leak.txt", ".git/config"] {
        let err = sb.read(path).await.unwrap_err();
        assert!(err.is_refusal(), "{path}: {err}");
        assert!(!err.to_string().contains("TOP-SECRET"));
    }
    for path in [
        "../outside/new.txt",
        "/tmp/new.txt",
        "escape/new.txt",
        "escape/deep/new.txt",
        "leak.txt",
        ".git/hooks/post-checkout",
    ] {
        let err = sb.write(path, b"pwned").await.unwrap_err();
        assert!(matches!(err, SandboxError::PathRefused { .. }), "{path}: {err}");
    }
    assert!(sb.remove("../outside/secret.txt").await.unwrap_err().is_refusal());
    assert!(sb.remove("escape/secret.txt").await.unwrap_err().is_refusal());
    // Removing the symlink itself is fine and does not touch its target.
    sb.remove("leak.txt").await.unwrap();
    assert_eq!(std::fs::read_to_string(outside.join("secret.txt")).unwrap(), "TOP-SECRET");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 1, "nothing was created outside");
    assert!(sb.list("../", false, 100).await.unwrap_err().is_refusal());
    assert!(sb.search("SECRET", "escape", 10).await.unwrap_err().is_refusal());

    // A FIFO planted by a command is refused instead of blocking the reader.
    assert!(run(sb.as_ref(), "mkfifo pipe").await.success());
    assert!(matches!(sb.read("pipe").await, Err(SandboxError::Invalid(_))));

    // Listing and search honour .gitignore.
    assert!(run(sb.as_ref(), "mkdir -p target && echo 'fn answer() {}' > target/gen.rs").await.success());
    let all = sb.list("", true, 1000).await.unwrap();
    assert!(!all.entries.iter().any(|e| e.path.starts_with("target")), "{:?}", all.entries);
    let hits = sb.search("fn answer", "", 10).await.unwrap();
    assert_eq!(hits.hits.iter().map(|h| h.path.as_str()).collect::<Vec<_>>(), ["src/lib.rs"]);
    assert!(matches!(sb.search("(unclosed", "", 10).await, Err(SandboxError::Invalid(_))));

    // Ordinary operations work.
    sb.write("src/new/mod.rs", b"// new\n").await.unwrap();
    assert_eq!(sb.read("src/new/mod.rs").await.unwrap(), b"// new\n");
    let listing = sb.list("", true, 100).await.unwrap();
    let paths: Vec<&str> = listing.entries.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"src/new/mod.rs") && paths.contains(&"src/lib.rs"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.starts_with(".git/") || *p == ".git"), "{paths:?}");
    let hits = sb.search(r"fn \w+\(\)", "src", 10).await.unwrap();
    assert_eq!(hits.hits.len(), 1);
    assert_eq!((hits.hits[0].path.as_str(), hits.hits[0].line), ("src/lib.rs", 1));
}

#[tokio::test]
async fn a_hard_link_to_a_host_file_cannot_be_made_or_written_through() {
    let env = TestEnv::new();
    let (repo, spec) = fixture(&env, "hardlink");
    let work = spec.dir.join("work");
    let sb = local(spec).await;
    // A file of the user's that the sandbox can see (the object store the copy borrows from):
    // visible, yet no link to it can be made from inside.
    let object = std::fs::read_dir(repo.join(".git/objects"))
        .unwrap()
        .flatten()
        .filter(|d| d.file_name().len() == 2)
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .next()
        .unwrap()
        .path();
    let out = run(
        sb.as_ref(),
        &format!(
            "test -r {o} && echo VISIBLE; ln {o} object-link && echo LINKED; true",
            o = object.display()
        ),
    )
    .await;
    assert!(out.stdout.contains("VISIBLE"), "the target is there: {out:?}");
    assert!(!out.stdout.contains("LINKED"), "{out:?}");
    assert!(!work.join("object-link").exists());

    // A link planted in the copy some other way (as a command without isolation could) is
    // replaced by the write tool, never written through: the host file keeps its bytes.
    let host_file = env.root().join("host-file.txt");
    std::fs::write(&host_file, "host\n").unwrap();
    std::fs::hard_link(&host_file, work.join("linked.txt")).unwrap();
    sb.write("linked.txt", b"from the agent\n").await.unwrap();
    assert_eq!(std::fs::read_to_string(&host_file).unwrap(), "host\n");
    assert_eq!(sb.read("linked.txt").await.unwrap(), b"from the agent\n");
}

#[tokio::test]
async fn the_home_given_to_vibe_and_its_ssh_keys_are_invisible() {
    let env = TestEnv::new();
    let home = env.root().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_ed25519"), "PRIVATE-KEY-MATERIAL").unwrap();
    std::fs::create_dir_all(env.vibe_home()).unwrap();
    std::fs::write(env.vibe_home().join("vibe.db"), "DATABASE-CONTENT").unwrap();
    let (_repo, mut spec) = fixture(&env, "home");
    spec.host_env.insert("HOME".into(), home.display().to_string());
    let sb = local(spec).await;
    let out = run(
        sb.as_ref(),
        &format!(
            "echo HOME=$HOME; ls -A $HOME; cat {h}/.ssh/id_ed25519 ~/.ssh/id_ed25519 {v}/vibe.db /root/.ssh/* 2>&1; ls {h} 2>&1; true",
            h = home.display(),
            v = env.vibe_home().display()
        ),
    )
    .await;
    assert!(out.stdout.contains("HOME=/vibe/home"), "{out:?}");
    assert!(!out.stdout.contains("PRIVATE-KEY") && !out.stderr.contains("PRIVATE-KEY"), "{out:?}");
    assert!(!out.stdout.contains("DATABASE") && !out.stderr.contains("DATABASE"), "{out:?}");
    assert!(out.stdout.contains("No such file"), "{out:?}");
}

#[tokio::test]
async fn secrets_of_the_parent_environment_never_enter() {
    let env = TestEnv::new();
    let (_repo, mut spec) = fixture(&env, "secrets");
    spec.policy.env.insert("CARGO_TERM_COLOR".into(), "never".into());
    spec.host_env.insert("VIBE_PARENT_ONLY".into(), "present".into());
    let sb = local(spec).await;
    let out = run(sb.as_ref(), "env; cat /proc/1/environ | tr '\\0' '\\n'").await;
    assert!(out.success(), "{out:?}");
    for leak in ["sandboxleak", "GITHUB_TOKEN", "OPENAI_API_KEY", "E2B_API_KEY", "SUPABASE_KEY", "AWS_SECRET"]
    {
        assert!(!out.stdout.contains(leak), "{leak} leaked:\n{}", out.stdout);
    }
    assert!(out.stdout.contains("LANG=C.UTF-8"), "{}", out.stdout);
    assert!(out.stdout.contains("CARGO_TERM_COLOR=never"), "{}", out.stdout);
    // A variable of vibe's environment that is not on the allow-list stays out; what the
    // request itself sets comes in.
    let mut req = sh("echo ${VIBE_PARENT_ONLY:-absent} $EXTRA");
    req.env.insert("EXTRA".into(), "1".into());
    let out = sb.run(req, None, None).await.unwrap();
    assert_eq!(out.stdout.trim(), "absent 1");
}

#[tokio::test]
async fn loopback_services_of_the_host_are_unreachable_unless_the_policy_allows_network() {
    let env = TestEnv::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let probe = format!(
        "if bash -c 'echo hello > /dev/tcp/127.0.0.1/{port}'; then echo CONNECTED; else echo REFUSED; fi"
    );

    let (_repo, spec) = fixture(&env, "net-off");
    let sb = local(spec).await;
    let out = run(sb.as_ref(), &probe).await;
    assert!(out.stdout.contains("REFUSED"), "{out:?}");
    assert!(listener.accept().is_err(), "no connection may arrive");

    let (_repo, mut spec) = fixture(&env, "net-on");
    spec.policy.network = true;
    let sb = local(spec).await;
    let out = run(sb.as_ref(), &probe).await;
    assert!(out.stdout.contains("CONNECTED"), "{out:?}");
    assert!(listener.accept().is_ok(), "the allowed connection arrived");
}

#[tokio::test]
async fn a_process_flood_hits_the_process_limit() {
    let env = TestEnv::new();
    let (_repo, mut spec) = fixture(&env, "nproc");
    spec.policy.max_processes = 40;
    spec.policy.command_timeout = Duration::from_secs(30);
    let sb = local(spec).await;
    let out = run(
        sb.as_ref(),
        "ok=0; for i in $(seq 1 120); do (sleep 4801 &) 2>/dev/null && ok=$((ok+1)); done; \
         echo ok=$ok",
    )
    .await;
    let started: u32 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("ok="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(started < 40, "{started} background processes under a limit of 40: {out:?}");
    assert!(processes_with("sleep 4801").is_empty(), "{:?}", processes_with("sleep 4801"));
}

#[tokio::test]
async fn a_fork_bomb_is_bounded_and_killed_with_its_tree() {
    let env = TestEnv::new();
    let (_repo, mut spec) = fixture(&env, "bomb");
    spec.policy.max_processes = 64;
    spec.policy.command_timeout = Duration::from_secs(3);
    let sb = local(spec).await;
    let out =
        run(sb.as_ref(), "vibebomb4802() { vibebomb4802 | vibebomb4802 & }; vibebomb4802; sleep 100").await;
    assert!(!out.success(), "{out:?}");
    assert!(processes_with("vibebomb4802").is_empty(), "{:?}", processes_with("vibebomb4802"));
    // The sandbox still works afterwards.
    assert!(run(sb.as_ref(), "true").await.success());
}

#[tokio::test]
async fn a_command_that_never_ends_is_killed_by_the_timeout() {
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "timeout");
    let sb = local(spec).await;
    let mut req = sh("echo started; sleep 4803; echo never");
    req.timeout = Some(Duration::from_secs(1));
    let out = sb.run(req, None, None).await.unwrap();
    assert!(out.timed_out && !out.cancelled, "{out:?}");
    assert_eq!(out.exit_code, None);
    assert!(out.stdout.contains("started") && !out.stdout.contains("never"), "{out:?}");
    assert!(processes_with("sleep 4803").is_empty());
}

#[tokio::test]
async fn daemonised_children_die_with_the_command() {
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "daemon");
    let sb = local(spec).await;
    let out = run(
        sb.as_ref(),
        "setsid sleep 4804 > /dev/null 2>&1 & nohup sleep 4805 > /dev/null 2>&1 & echo detached",
    )
    .await;
    assert!(out.success() && out.stdout.contains("detached"), "{out:?}");
    assert!(processes_with("sleep 4804").is_empty(), "{:?}", processes_with("sleep 4804"));
    assert!(processes_with("sleep 4805").is_empty(), "{:?}", processes_with("sleep 4805"));
}

#[tokio::test]
async fn cancel_kills_the_whole_tree_and_streams_what_came_before() {
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "cancel");
    let sb = local(spec).await;
    let (tx, rx) = tokio::sync::watch::channel(false);
    let seen = Arc::new(Mutex::new(String::new()));
    let (seen2, tx2) = (seen.clone(), Arc::new(tx));
    let tx3 = tx2.clone();
    let sink: sandbox::OutputSink = Arc::new(move |chunk: sandbox::OutputChunk| {
        seen2.lock().unwrap().push_str(&chunk.text);
        if chunk.text.contains("ready") {
            let _ = tx3.send(true);
        }
    });
    let out =
        sb.run(sh("setsid sleep 4806 & sleep 4807 & echo ready; wait"), Some(sink), Some(rx)).await.unwrap();
    assert!(out.cancelled && !out.timed_out, "{out:?}");
    assert!(seen.lock().unwrap().contains("ready"));
    assert!(processes_with("sleep 4806").is_empty(), "{:?}", processes_with("sleep 4806"));
    assert!(processes_with("sleep 4807").is_empty());
    drop(tx2);
}

#[tokio::test]
async fn large_output_is_capped_with_head_and_tail() {
    let env = TestEnv::new();
    let (_repo, mut spec) = fixture(&env, "output");
    spec.policy.max_output_bytes = 1000;
    let sb = local(spec).await;
    let out = run(sb.as_ref(), "seq 1 100000").await;
    assert!(out.truncated);
    assert!(out.stdout.starts_with("1\n2\n3\n"), "{}", &out.stdout[..20]);
    assert!(out.stdout.ends_with("99999\n100000\n"));
    assert!(out.stdout.contains("bytes omitted"));
    assert!(out.stdout.len() < 1100);
}

#[tokio::test]
async fn a_sandbox_reopens_from_its_handle_with_its_changes_until_destroyed() {
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "reopen");
    let dir = spec.dir.clone();
    let sb = local(spec).await;
    sb.write("notes.md", b"step 1 done\n").await.unwrap();
    let base = sb.base_commit().to_string();
    let handle = sb.handle();
    assert_eq!(handle.backend, Backend::Local);
    // The handle is plain data another process reads back.
    let handle: sandbox::SandboxHandle =
        serde_json::from_str(&serde_json::to_string(&handle).unwrap()).unwrap();
    drop(sb);
    let sandboxes = sandbox::Sandboxes::default();
    let sb = sandboxes.reopen(&handle).await.unwrap();
    assert_eq!(sb.base_commit(), base);
    assert_eq!(sb.read("notes.md").await.unwrap(), b"step 1 done\n");
    let out = run(sb.as_ref(), "env").await;
    assert!(!out.stdout.contains("sandboxleak"));
    sb.destroy().await.unwrap();
    assert!(!dir.exists());
    let err = sandboxes.reopen(&handle).await.err().unwrap();
    assert!(matches!(err, SandboxError::Gone(_)), "{err}");
}

#[tokio::test]
async fn the_none_backend_runs_unisolated_with_a_warning() {
    let env = TestEnv::new();
    let (repo, spec) = fixture(&env, "none");
    let (sb, warnings) = sandbox::Sandboxes::default().create(Backend::None, spec).await.unwrap();
    assert_eq!(sb.backend(), Backend::None);
    assert_eq!(sb.handle().backend, Backend::None);
    assert!(warnings[0].message.contains("without a sandbox"), "{warnings:?}");
    let out = run(sb.as_ref(), "echo changed > README.md; env").await;
    assert!(out.success());
    assert!(!out.stdout.contains("sandboxleak"));
    assert_eq!(std::fs::read_to_string(repo.join("README.md")).unwrap(), "# demo\n");
}

/// A Python script that looks for the key `description` in its session keyring and prints
/// its payload, or `NOT-FOUND`.
fn keyring_probe(description: &str) -> String {
    format!(
        r#"import ctypes, os
nr = {{"x86_64": 250, "aarch64": 219}}[os.uname().machine]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
key = libc.syscall(nr, 10, -3, b"user", b"{description}", 0)
if key < 0:
    print("NOT-FOUND")
else:
    buf = ctypes.create_string_buffer(256)
    n = libc.syscall(nr, 11, ctypes.c_long(key), buf, 256)
    print("FOUND", buf.raw[:max(n, 0)].decode())
"#
    )
}

#[tokio::test]
async fn keys_in_the_session_keyring_are_out_of_reach() {
    if !matches!(std::env::consts::ARCH, "x86_64" | "aarch64") {
        eprintln!("skipped: the keyctl probe knows x86_64 and aarch64 only");
        return;
    }
    assert!(Path::new("/usr/bin/python3").exists(), "this test needs /usr/bin/python3 (.ci/run installs it)");
    // This test thread gets its own session keyring holding a token, like the one the
    // keyutils credential store keeps.
    let name = std::ffi::CString::new(format!("vibe-test-{}", std::process::id())).unwrap();
    let payload = b"KEYRING-TOKEN-4840";
    let description = std::ffi::CString::new("vibe-test-token").unwrap();
    unsafe {
        assert!(
            libc::syscall(libc::SYS_keyctl, 1 as libc::c_long, name.as_ptr()) >= 0,
            "join session keyring"
        );
        let key = libc::syscall(
            libc::SYS_add_key,
            c"user".as_ptr(),
            description.as_ptr(),
            payload.as_ptr(),
            payload.len(),
            -3 as libc::c_long,
        );
        assert!(key >= 0, "add_key: {}", std::io::Error::last_os_error());
    }
    let script = keyring_probe("vibe-test-token");
    // Outside the sandbox the key is readable: the probe works.
    let direct = std::process::Command::new("/usr/bin/python3").args(["-c", &script]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&direct.stdout).trim(), "FOUND KEYRING-TOKEN-4840");

    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "keyring");
    let sb = local(spec).await;
    let req = CommandRequest {
        argv: vec!["/usr/bin/python3".into(), "-c".into(), script],
        ..CommandRequest::default()
    };
    let out = sb.run(req, None, None).await.unwrap();
    assert_eq!(out.stdout.trim(), "NOT-FOUND", "{out:?}");
    assert!(!out.stdout.contains("KEYRING-TOKEN") && !out.stderr.contains("KEYRING-TOKEN"));
}

#[tokio::test]
async fn descriptors_leaked_by_the_parent_do_not_reach_the_sandbox() {
    let env = TestEnv::new();
    let secret = env.root().join("leaky.db");
    std::fs::write(&secret, "DESCRIPTOR-SECRET-4850").unwrap();
    let path = std::ffi::CString::new(secret.to_str().unwrap()).unwrap();
    // Opened without close-on-exec, as a careless library might.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY) };
    assert!(fd > 2);
    let script = format!("cat /proc/self/fd/{fd} 2>/dev/null || echo CLOSED");
    let direct = std::process::Command::new("sh").args(["-c", &script]).output().unwrap();
    assert!(String::from_utf8_lossy(&direct.stdout).contains("DESCRIPTOR-SECRET"), "the probe works");

    let (_repo, spec) = fixture(&env, "fds");
    let sb = local(spec).await;
    let out = run(sb.as_ref(), &format!("{script}; ls /proc/self/fd")).await;
    unsafe { libc::close(fd) };
    assert!(out.stdout.contains("CLOSED"), "{out:?}");
    assert!(!out.stdout.contains("DESCRIPTOR-SECRET"), "{out:?}");
}

#[tokio::test]
async fn destroy_removes_a_copy_a_command_locked_down() {
    let env = TestEnv::new();
    let (_repo, spec) = fixture(&env, "locked");
    let dir = spec.dir.clone();
    let sb = local(spec).await;
    let out = run(
        sb.as_ref(),
        "mkdir -p locked/inner && touch locked/inner/f && chmod 000 locked/inner locked src",
    )
    .await;
    assert!(out.success(), "{out:?}");
    sb.destroy().await.unwrap();
    assert!(!dir.exists());
    sb.destroy().await.unwrap();
}
