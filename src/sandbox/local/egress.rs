//! `sandbox.network = "registries"`: commands reach the package registries their project
//! uses, and nothing else. Their network namespace has no route out; its only exit is a
//! socket on its loopback (see [`super::namespaces`]) that vibe serves as an HTTP proxy:
//! `CONNECT host:443` (and plain `http://` requests) go through to allowed hosts, every other
//! request is answered `403` and recorded. Names are resolved by vibe, so the sandbox needs no
//! DNS; tools find the proxy through the usual `HTTPS_PROXY` variables.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Manifest files and the registries their projects download from.
pub const REGISTRIES: &[(&str, &[&str])] = &[
    ("Cargo.toml", &["index.crates.io", "static.crates.io", "crates.io"]),
    ("package.json", &["registry.npmjs.org", "registry.yarnpkg.com"]),
    ("pyproject.toml", &["pypi.org", "files.pythonhosted.org"]),
    ("requirements.txt", &["pypi.org", "files.pythonhosted.org"]),
    ("setup.py", &["pypi.org", "files.pythonhosted.org"]),
    ("Pipfile", &["pypi.org", "files.pythonhosted.org"]),
    ("go.mod", &["proxy.golang.org", "sum.golang.org"]),
    ("Gemfile", &["rubygems.org", "index.rubygems.org"]),
    ("pom.xml", &["repo.maven.apache.org", "repo1.maven.org"]),
    ("build.gradle", &["plugins.gradle.org", "services.gradle.org", "repo.maven.apache.org"]),
    ("build.gradle.kts", &["plugins.gradle.org", "services.gradle.org", "repo.maven.apache.org"]),
    ("composer.json", &["repo.packagist.org", "packagist.org"]),
];

/// The hosts a repository's manifests download from, plus `extra` from the user's own
/// configuration (`host` for port 443, or `host:port`).
pub fn registry_hosts(repo: &std::path::Path, extra: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for (manifest, names) in REGISTRIES {
        if repo.join(manifest).is_file() {
            hosts.extend(names.iter().map(|h| h.to_string()));
        }
    }
    hosts.extend(extra.iter().map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()));
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Which destinations the proxy lets through.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    entries: Vec<(String, u16)>,
}

impl Allow {
    /// From `host` (port 443) or `host:port` entries.
    pub fn new(hosts: &[String]) -> Self {
        let entries = hosts
            .iter()
            .filter_map(|h| match h.rsplit_once(':') {
                Some((host, port)) => port.parse().ok().map(|p| (host.to_ascii_lowercase(), p)),
                None => Some((h.to_ascii_lowercase(), 443)),
            })
            .collect();
        Self { entries }
    }

    /// Whether `host:port` may be reached.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.entries.iter().any(|(h, p)| *h == host && *p == port)
    }
}

/// Destinations refused during one command, for the job's record.
pub type Refused = Arc<Mutex<Vec<String>>>;

/// Serves the proxy on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, allow: Arc<Allow>, refused: Refused) {
    loop {
        let Ok((conn, _)) = listener.accept().await else { continue };
        let (allow, refused) = (Arc::clone(&allow), Arc::clone(&refused));
        tokio::spawn(async move {
            let _ = handle(conn, &allow, &refused).await;
        });
    }
}

/// The largest request head the proxy reads.
const MAX_HEAD: usize = 16 * 1024;

async fn handle(mut conn: tokio::net::TcpStream, allow: &Allow, refused: &Refused) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let head_end = loop {
        let mut chunk = [0u8; 2048];
        let n = tokio::time::timeout(Duration::from_secs(30), conn.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::other("request head timed out"))??;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return respond(&mut conn, "431 Request Header Fields Too Large", "request head too large\n")
                .await;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let Some((host, port, forward)) = destination(method, target, &head) else {
        return respond(
            &mut conn,
            "400 Bad Request",
            "vibe's proxy takes CONNECT host:port or http:// URLs\n",
        )
        .await;
    };
    if !allow.allows(&host, port) {
        if let Ok(mut list) = refused.lock() {
            list.push(format!("{host}:{port}"));
        }
        let body = format!(
            "vibe: network access to {host}:{port} is refused: sandbox.network = \"registries\" lets commands \
             reach the project's package registries only\n"
        );
        return respond(&mut conn, "403 Forbidden", &body).await;
    }
    let upstream =
        tokio::time::timeout(Duration::from_secs(15), tokio::net::TcpStream::connect((host.as_str(), port)))
            .await
            .map_err(|_| std::io::Error::other("connect timed out"));
    let mut upstream = match upstream {
        Ok(Ok(s)) => s,
        _ => {
            return respond(&mut conn, "502 Bad Gateway", &format!("vibe: cannot reach {host}:{port}\n"))
                .await
        }
    };
    match forward {
        None => {
            conn.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").await?;
            upstream.write_all(&buf[head_end..]).await?;
        }
        Some(rewritten) => {
            upstream.write_all(rewritten.as_bytes()).await?;
            upstream.write_all(&buf[head_end..]).await?;
        }
    }
    tokio::io::copy_bidirectional(&mut conn, &mut upstream).await?;
    Ok(())
}

/// Where a request goes: host, port, and for a plain `http://` request the head rewritten to
/// origin form (`None` for `CONNECT`).
fn destination(method: &str, target: &str, head: &str) -> Option<(String, u16, Option<String>)> {
    if method.eq_ignore_ascii_case("CONNECT") {
        let (host, port) = target.rsplit_once(':')?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return None;
        }
        return Some((host.to_string(), port.parse().ok()?, None));
    }
    let rest = target.strip_prefix("http://")?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (authority, 80),
    };
    if host.is_empty() || host.contains('@') {
        return None;
    }
    let first_line_end = head.find("\r\n")?;
    let version = head[..first_line_end].split_whitespace().nth(2).unwrap_or("HTTP/1.1");
    let rewritten = format!("{method} /{path} {version}{}", &head[first_line_end..]);
    Some((host.to_string(), port, Some(rewritten)))
}

async fn respond(conn: &mut tokio::net::TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let text = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(text.as_bytes()).await?;
    conn.shutdown().await
}

/// The variables that point the usual tools at the proxy.
pub fn proxy_env() -> Vec<(String, String)> {
    let url = format!("http://127.0.0.1:{}", super::namespaces::PROXY_PORT);
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "CARGO_HTTP_PROXY",
        "npm_config_proxy",
        "npm_config_https_proxy",
    ]
    .iter()
    .map(|k| (k.to_string(), url.clone()))
    .chain([("NO_PROXY".to_string(), String::new()), ("no_proxy".to_string(), String::new())])
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_listed_hosts_and_ports_are_allowed() {
        let allow = Allow::new(&["crates.io".into(), "127.0.0.1:8080".into()]);
        assert!(allow.allows("crates.io", 443) && allow.allows("CRATES.IO.", 443));
        assert!(!allow.allows("crates.io", 80) && !allow.allows("evil.example", 443));
        assert!(allow.allows("127.0.0.1", 8080) && !allow.allows("127.0.0.1", 443));
    }

    #[test]
    fn requests_name_their_destination() {
        assert_eq!(destination("CONNECT", "pypi.org:443", ""), Some(("pypi.org".into(), 443, None)));
        let head = "GET http://h:81/a/b?c HTTP/1.1\r\nHost: h:81\r\n\r\n";
        let (host, port, fwd) = destination("GET", "http://h:81/a/b?c", head).unwrap();
        assert_eq!((host.as_str(), port), ("h", 81));
        assert_eq!(fwd.unwrap(), "GET /a/b?c HTTP/1.1\r\nHost: h:81\r\n\r\n");
        assert!(destination("GET", "/relative", "").is_none());
        assert!(destination("GET", "http://user@h/", "GET http://user@h/ HTTP/1.1\r\n\r\n").is_none());
    }

    #[test]
    fn manifests_name_their_registries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        let hosts = registry_hosts(dir.path(), &["Mirror.example:8443".into()]);
        assert!(hosts.contains(&"index.crates.io".to_string()));
        assert!(hosts.contains(&"mirror.example:8443".to_string()));
        assert!(!hosts.iter().any(|h| h.contains("npmjs")));
    }
}
