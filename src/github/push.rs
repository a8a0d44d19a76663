//! Pushing a local branch to GitHub over HTTPS with libgit2. The token is handed to git
//! only through the credential callback (user `x-access-token`), never put in a URL, and
//! the remote is anonymous, so nothing is written to `.git/config`.

use std::cell::{Cell, RefCell};
use std::path::Path;

use super::{scrub, GithubError, GithubResult, RepoRef};
use crate::config::Secret;

/// The HTTPS clone URL of `repo` on the web host `web` (`https://github.com/o/r.git`).
pub fn clone_url(web: &str, repo: &RepoRef) -> String {
    format!("{}/{}/{}.git", web.trim_end_matches('/'), repo.owner, repo.name)
}

/// The repository `origin` points at, parsed; `None` without an `origin` remote.
pub fn origin(repo_path: &Path, default_host: &str) -> GithubResult<Option<RepoRef>> {
    let repo = open(repo_path)?;
    let remote = match repo.find_remote("origin") {
        Ok(r) => r,
        Err(_) => return Ok(None),
    };
    match remote.url() {
        Some(url) => super::url::parse(url, default_host).map(Some),
        None => Ok(None),
    }
}

/// The branch `HEAD` is on, if any.
pub fn current_branch(repo_path: &Path) -> GithubResult<Option<String>> {
    let repo = open(repo_path)?;
    let head = match repo.head() {
        Ok(h) => h,
        Err(_) => return Ok(None),
    };
    Ok(head.is_branch().then(|| head.shorthand().map(str::to_string)).flatten())
}

/// The commit a local branch points at, or an error saying the branch does not exist.
pub fn branch_head(repo_path: &Path, branch: &str) -> GithubResult<String> {
    let repo = open(repo_path)?;
    let reference = repo.find_reference(&format!("refs/heads/{branch}")).map_err(|_| GithubError::Local {
        message: format!("there is no local branch `{branch}`"),
        hint: "name an existing branch with --branch (see `git branch`)".into(),
    })?;
    let commit = reference.peel_to_commit().map_err(|e| GithubError::Git(e.message().to_string()))?;
    Ok(commit.id().to_string())
}

/// The first line of the message of a branch's head commit.
pub fn head_summary(repo_path: &Path, branch: &str) -> GithubResult<String> {
    let repo = open(repo_path)?;
    let commit = repo
        .revparse_single(&format!("refs/heads/{branch}"))
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| GithubError::Git(e.message().to_string()))?;
    Ok(commit.summary().unwrap_or("").to_string())
}

/// Pushes `refs/heads/{branch}` to the same branch at `url`. Branches under `vibe/` are
/// vibe's own and are force-pushed (a re-run replaces them); others must fast-forward.
pub fn push_branch(repo_path: &Path, branch: &str, url: &str, token: &Secret) -> GithubResult<()> {
    let repo = open(repo_path)?;
    let mut remote =
        repo.remote_anonymous(url).map_err(|e| GithubError::Git(scrub(e.message(), token.expose())))?;
    let attempts = Cell::new(0u32);
    let rejected: RefCell<Option<String>> = RefCell::new(None);
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.credentials(|_url, _user, allowed| {
        attempts.set(attempts.get() + 1);
        if attempts.get() > 1 {
            return Err(git2::Error::from_str("the server refused the credentials"));
        }
        if !allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) {
            return Err(git2::Error::from_str("the remote asks for a credential type other than a token"));
        }
        git2::Cred::userpass_plaintext("x-access-token", token.expose())
    });
    callbacks.push_update_reference(|refname, status| {
        if let Some(msg) = status {
            *rejected.borrow_mut() = Some(format!("{refname}: {msg}"));
        }
        Ok(())
    });
    let mut opts = git2::PushOptions::new();
    opts.remote_callbacks(callbacks);
    let force = if branch.starts_with("vibe/") { "+" } else { "" };
    let refspec = format!("{force}refs/heads/{branch}:refs/heads/{branch}");
    let shown = crate::untrusted::url_shown(url);
    tracing::debug!("git: push {refspec} to {shown}");
    let result = remote.push(&[refspec.as_str()], Some(&mut opts));
    if let Err(e) = result {
        let msg = crate::untrusted::scrub_url(&scrub(e.message(), token.expose()), url);
        let url = &shown;
        if attempts.get() > 1 || e.class() == git2::ErrorClass::Http && msg.contains("401") {
            return Err(GithubError::BadCredentials { message: format!("push to {url} was refused: {msg}") });
        }
        if msg.contains("403") {
            return Err(GithubError::Forbidden {
                message: format!("push of `{branch}` to {url} was refused ({msg})"),
            });
        }
        return Err(GithubError::Git(format!("push of `{branch}` to {url} failed: {msg}")));
    }
    let why = rejected.borrow().clone();
    if let Some(why) = why {
        return Err(GithubError::Local {
            message: format!("the remote rejected the push: {}", scrub(&why, token.expose())),
            hint: rejection_hint(&why, branch),
        });
    }
    Ok(())
}

/// What to do about a rejected ref update, from git's reason.
fn rejection_hint(why: &str, branch: &str) -> String {
    let lower = why.to_ascii_lowercase();
    if lower.contains("workflow") {
        "pushing changes to .github/workflows needs the `workflow` scope: add it to VIBE_GITHUB_SCOPES \
         and run `vibe login` again"
            .into()
    } else if lower.contains("fast-forward") || lower.contains("fetch first") {
        format!("the remote branch `{branch}` has commits you do not have: pull them first, or push another branch")
    } else if lower.contains("protected") {
        format!("`{branch}` is protected on GitHub: push to another branch")
    } else {
        format!("check that you may push `{branch}` to this repository")
    }
}

fn open(repo_path: &Path) -> GithubResult<git2::Repository> {
    git2::Repository::open(repo_path).map_err(|e| GithubError::Local {
        message: format!("{} is not a git repository ({})", repo_path.display(), e.message()),
        hint: "run vibe inside a git repository, or pass --repo PATH".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_get_a_hint_that_fits() {
        let h = rejection_hint("refusing to allow an OAuth App to create or update workflow `.github/workflows/ci.yml` without `workflow` scope", "b");
        assert!(h.contains("`workflow` scope"), "{h}");
        assert!(rejection_hint("non-fast-forward", "b").contains("pull them first"));
        assert!(rejection_hint("protected branch hook declined", "main").contains("protected"));
    }
}
