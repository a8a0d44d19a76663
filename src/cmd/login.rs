//! `vibe login`, `vibe logout`, `vibe whoami`: the GitHub identity and where its token lives.

use std::io::{IsTerminal, Read};

use serde_json::json;

use super::Ctx;
use crate::cli::LoginArgs;
use crate::config::Secret;
use crate::error::Error;
use crate::github::auth::{TokenSource, TokenStore};
use crate::github::device::DeviceFlow;
use crate::github::{host_of, pr, Client, GithubError};

/// `vibe login`
pub fn login(ctx: &Ctx, args: &LoginArgs) -> Result<(), Error> {
    let host = host_of(&ctx.config.github.url);
    let rt = ctx.runtime()?;
    let (token, granted_scope) = if args.with_token {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        let t = text.trim();
        if t.is_empty() || t.contains(char::is_whitespace) {
            return Err(Error::usage("--with-token expects one token on standard input")
                .with_hint("echo \"$TOKEN\" | vibe login --with-token"));
        }
        (Secret::new(t), None)
    } else {
        let flow = DeviceFlow::new(&ctx.config)?;
        let code = rt.block_on(flow.request_code())?;
        ctx.out.note(format!(
            "First copy your one-time code: {}\nThen open {} in a browser and enter it.",
            ctx.out.bold(&code.user_code),
            code.verification_uri
        ));
        if std::io::stderr().is_terminal() && !ctx.out.json {
            if copy_to_clipboard(&code.user_code) {
                ctx.out.note("(the code is on the clipboard)");
            }
            if !args.no_browser {
                open_browser(&code.verification_uri);
            }
        }
        ctx.out.note("Waiting for authorization… (Ctrl-C to cancel)");
        let granted = rt.block_on(async {
            tokio::select! {
                r = flow.wait_for_token(&code) => r,
                _ = tokio::signal::ctrl_c() => Err(GithubError::Cancelled),
            }
        })?;
        (granted.token, Some(granted.scope))
    };
    let client = Client::new(&ctx.config, Some(token.clone()))?;
    let (me, header_scopes) = rt.block_on(client.user())?;
    let store_ = TokenStore::from_config(&ctx.config);
    store_.set(&token).map_err(|e| {
        Error::from(e).with_hint(format!(
            "logged in as {} but the token could not be stored; set GITHUB_TOKEN (or GH_TOKEN) for vibe to use instead",
            me.login
        ))
    })?;
    let mut store = ctx.store()?;
    let user = pr::record_user(&mut store, &ctx.clock, &host, &me, true)?;
    let scopes = header_scopes.or(granted_scope).unwrap_or_default();
    let source = store_.source();
    let env_var = ctx.config.github.token_from_env.as_ref().map(|(_, v)| v.clone());
    if ctx.out.json {
        return ctx.out.json(&json!({
            "host": host, "login": me.login, "name": me.name, "user_id": user.id,
            "token_source": source, "scopes": split_scopes(&scopes), "env_token_overrides": env_var,
        }));
    }
    ctx.out.line(format!(
        "Logged in to {host} as {}{}",
        me.login,
        me.name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
    ))?;
    ctx.out.line(format!("  token stored in: {source}"))?;
    if !scopes.is_empty() {
        ctx.out.line(format!("  scopes: {}", split_scopes(&scopes).join(", ")))?;
    }
    let granted = split_scopes(&scopes);
    if !granted.is_empty() && !granted.iter().any(|s| s == "repo" || s == "public_repo") {
        ctx.out.warn("the token has neither the `repo` nor the `public_repo` scope: vibe cannot push or open pull requests with it");
    }
    if let TokenSource::File(p) = &source {
        ctx.out.warn(format!("the token is kept in plain text in {} because VIBE_KEYRING=file", p.display()));
    }
    if let Some(var) = env_var {
        ctx.out.warn(format!("{var} is set and takes precedence over the stored token"));
    }
    Ok(())
}

/// `vibe logout`
pub fn logout(ctx: &Ctx) -> Result<(), Error> {
    let host = host_of(&ctx.config.github.url);
    let store = TokenStore::from_config(&ctx.config);
    let removed = store.delete()?;
    let env_var = ctx.config.github.token_from_env.as_ref().map(|(_, v)| v.clone());
    if ctx.out.json {
        return ctx.out.json(&json!({ "host": host, "removed": removed, "env_token": env_var }));
    }
    if removed {
        ctx.out.line(format!("Removed the token for {host} from the {}", store.source()))?;
    } else {
        ctx.out.line(format!("No token was stored for {host}"))?;
    }
    if let Some(var) = env_var {
        ctx.out.warn(format!("{var} is still set in the environment; unset it to log out completely"));
    }
    Ok(())
}

/// `vibe whoami`
pub fn whoami(ctx: &Ctx) -> Result<(), Error> {
    let token = crate::github::resolve_token(&ctx.config)?;
    let client = Client::new(&ctx.config, Some(token.secret.clone()))?;
    let rt = ctx.runtime()?;
    let (me, scopes) = rt.block_on(client.user()).map_err(|e| match e {
        GithubError::BadCredentials { message } => Error::from(GithubError::BadCredentials {
            message: format!("{message}; token from {}", token.source),
        }),
        other => other.into(),
    })?;
    let mut store = ctx.store()?;
    let user = pr::record_user(&mut store, &ctx.clock, &token.host, &me, false)?;
    let scopes = scopes.map(|s| split_scopes(&s));
    if ctx.out.json {
        return ctx.out.json(&json!({
            "host": token.host, "login": me.login, "id": me.id, "name": me.name, "email": me.email,
            "html_url": me.html_url, "user_id": user.id, "token_source": token.source,
            "scopes": scopes, "token_valid": true,
        }));
    }
    ctx.out.line(format!(
        "{} on {}{}",
        me.login,
        token.host,
        me.name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
    ))?;
    if let Some(url) = &me.html_url {
        ctx.out.line(format!("  profile: {url}"))?;
    }
    ctx.out.line(format!("  token:   {} (valid)", token.source))?;
    match scopes {
        Some(s) if !s.is_empty() => ctx.out.line(format!("  scopes:  {}", s.join(", ")))?,
        _ => ctx.out.line("  scopes:  (not reported for this kind of token)")?,
    }
    Ok(())
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split([',', ' ']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn copy_to_clipboard(text: &str) -> bool {
    use std::io::Write as _;
    let tools: &[(&str, &[&str])] = &[
        ("pbcopy", &[]),
        ("wl-copy", &[]),
        ("xclip", &["-selection", "clipboard"]),
        ("xsel", &["--clipboard", "--input"]),
    ];
    for (tool, args) in tools {
        let child = std::process::Command::new(tool)
            .args(*args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Ok(mut c) = child {
            let wrote = c.stdin.take().is_some_and(|mut s| s.write_all(text.as_bytes()).is_ok());
            if wrote && c.wait().is_ok_and(|s| s.success()) {
                return true;
            }
        }
    }
    false
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
