//! `vibe gh parse-url|commits|contents`: GitHub look-ups.

use serde_json::json;

use super::Ctx;
use crate::cli::GhCommand;
use crate::error::Error;
use crate::github::client::Contents;
use crate::github::{host_of, url, Client, GithubError, RepoRef};

/// Dispatches `vibe gh …`.
pub fn run(ctx: &Ctx, cmd: GhCommand) -> Result<(), Error> {
    match cmd {
        GhCommand::ParseUrl { url } => parse_url(ctx, &url),
        GhCommand::Commits { repository, branch, limit } => {
            commits(ctx, &repository, branch.as_deref(), limit)
        }
        GhCommand::Contents { repository, path, git_ref } => {
            contents(ctx, &repository, path.as_deref().unwrap_or(""), git_ref.as_deref())
        }
    }
}

/// The REST base for a host: the configured one for the configured host, else the
/// github.com / Enterprise Server layout.
fn api_for(ctx: &Ctx, host: &str) -> String {
    if host.eq_ignore_ascii_case(&host_of(&ctx.config.github.url)) {
        ctx.config.github.api_url.clone()
    } else if host == "github.com" {
        "https://api.github.com".into()
    } else {
        format!("https://{host}/api/v3")
    }
}

fn parse_url(ctx: &Ctx, input: &str) -> Result<(), Error> {
    let r = url::parse(input, &host_of(&ctx.config.github.url))?;
    let api = crate::untrusted::url_shown(&crate::untrusted::join_url(
        &api_for(ctx, &r.host),
        &format!("/repos/{}", r.full_name()),
    ));
    let scheme = if host_of(&ctx.config.github.url) == r.host && ctx.config.github.url.starts_with("http://")
    {
        "http"
    } else {
        "https"
    };
    let web = format!("{scheme}://{}/{}/{}", r.host, r.owner, r.name);
    if ctx.out.json {
        return ctx.out.json(&json!({
            "host": r.host, "owner": r.owner, "name": r.name, "full_name": r.full_name(),
            "web_url": web, "clone_url": format!("{web}.git"), "api_url": api,
        }));
    }
    ctx.out
        .line(format!("host   {}\nowner  {}\nname   {}\nweb    {web}\napi    {api}", r.host, r.owner, r.name))
}

/// A client for the repository's host, with the token when there is one (public
/// repositories can be read without).
fn client_for(ctx: &Ctx, input: &str) -> Result<(Client, RepoRef), Error> {
    let configured = host_of(&ctx.config.github.url);
    let r = url::parse(input, &configured)?;
    if !r.host.eq_ignore_ascii_case(&configured) {
        return Err(Error::usage(format!(
            "{} is on {}, but vibe is configured for {configured}",
            r.full_name(),
            r.host
        ))
        .with_hint(format!(
            "set VIBE_GITHUB_URL=https://{0} and VIBE_GITHUB_API_URL={1}",
            r.host,
            crate::untrusted::url_shown(&api_for(ctx, &r.host))
        )));
    }
    let token = match crate::github::resolve_token(&ctx.config) {
        Ok(t) => Some(t.secret),
        Err(GithubError::NeedsLogin { .. }) => None,
        Err(e) => {
            tracing::info!("reading without a token: {e}");
            None
        }
    };
    Ok((Client::new(&ctx.config, token)?, r))
}

fn commits(ctx: &Ctx, input: &str, branch: Option<&str>, limit: usize) -> Result<(), Error> {
    let (client, r) = client_for(ctx, input)?;
    let rt = ctx.runtime()?;
    let list = rt.block_on(client.commits(&r, branch, limit.max(1)))?;
    if ctx.out.json {
        return ctx.out.json(&json!({ "repo": r.full_name(), "branch": branch, "commits": list }));
    }
    let mut t = ctx.out.table(&["sha", "date", "author", "message"]);
    for c in &list {
        let author = c.commit.author.as_ref();
        t.add_row(vec![
            c.sha.get(..7).unwrap_or(&c.sha).to_string(),
            author.and_then(|a| a.date.as_deref()).map(crate::output::when).unwrap_or_default(),
            author.and_then(|a| a.name.clone()).unwrap_or_default(),
            c.commit.message.lines().next().unwrap_or("").to_string(),
        ]);
    }
    ctx.out.line(t.to_string())
}

fn contents(ctx: &Ctx, input: &str, path: &str, git_ref: Option<&str>) -> Result<(), Error> {
    let (client, r) = client_for(ctx, input)?;
    let rt = ctx.runtime()?;
    let c = rt.block_on(client.contents(&r, path, git_ref))?;
    if ctx.out.json {
        return ctx.out.json(&json!({ "repo": r.full_name(), "ref": git_ref, "contents": c }));
    }
    match c {
        Contents::Dir { entries } => {
            let mut t = ctx.out.table(&["type", "size", "path"]);
            for e in entries {
                let size = if e.kind == "file" { e.size.to_string() } else { String::new() };
                t.add_row(vec![e.kind, size, e.path]);
            }
            ctx.out.line(t.to_string())
        }
        Contents::File { content, .. } => {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            out.write_all(content.as_bytes())?;
            Ok(())
        }
    }
}
