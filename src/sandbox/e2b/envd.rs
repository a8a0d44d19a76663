//! The daemon inside an E2B sandbox (envd): plain HTTP `/files` for uploads and downloads,
//! Connect-RPC for processes (server streaming) and the file system (unary JSON). Every call
//! carries the sandbox's access token and the routing headers. HTTP/1.1 only: downloads over
//! HTTP/2 trip hyper's flood protection on the padding frames the sandbox proxy sends.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::api::without_url;
use super::connect::{self, ConnectError, Decoder, EntryInfo, ListDirResponse, ProcessEvent, StartRequest};
use super::{Failure, SandboxError};

/// envd's port, named in the routing header.
const ENVD_PORT: &str = "49983";

/// A client for one sandbox's envd.
#[derive(Debug, Clone)]
pub struct Envd {
    /// For streaming calls: no total timeout (a command may run for long).
    stream_http: reqwest::Client,
    /// For unary calls and files.
    http: reqwest::Client,
    base: String,
    id: String,
    token: String,
    /// Uploads as a raw body (envd 0.5.7 and later); older ones take only multipart forms.
    raw_upload: bool,
    /// Names the sandbox's user on every call: envd before 0.4.0 has no default user.
    name_user: bool,
}

/// The sandbox's default user, named to an envd older than 0.4.0.
const USER: &str = "user";
/// The first envd version with a default user.
const DEFAULT_USER_SINCE: (u64, u64, u64) = (0, 4, 0);

/// The first envd version that takes a raw (`application/octet-stream`) upload.
const RAW_UPLOAD_SINCE: (u64, u64, u64) = (0, 5, 7);

/// A semver `major.minor.patch` (a pre-release or build suffix ignored); `None` when it is not one.
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let core = text.trim().trim_start_matches('v').split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let v = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(v)
}

/// What reading a process stream gives.
#[derive(Debug)]
pub enum StreamItem {
    Event(ProcessEvent),
    /// The end-of-stream message: `Some` when the call failed.
    End(Option<ConnectError>),
}

/// A running `process.Process/Start` call.
#[derive(Debug)]
pub struct ProcessStream {
    resp: reqwest::Response,
    decoder: Decoder,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: serde_json::Value,
    #[serde(default)]
    message: String,
}

impl Envd {
    /// The envd of sandbox `id` at `base`, authorised by `token`.
    pub fn new(base: &str, id: &str, token: &str) -> Result<Self, SandboxError> {
        let build = |timeout: Option<Duration>| {
            let mut b = reqwest::Client::builder()
                .http1_only()
                .connect_timeout(Duration::from_secs(10))
                .user_agent(concat!("vibe/", env!("CARGO_PKG_VERSION")));
            if let Some(t) = timeout {
                b = b.timeout(t);
            }
            b.build().map_err(|e| SandboxError::Cloud {
                failure: Failure::Network,
                message: format!("cannot build the HTTP client: {e}"),
            })
        };
        Ok(Self {
            stream_http: build(None)?,
            http: build(Some(Duration::from_secs(300)))?,
            base: base.trim_end_matches('/').to_string(),
            id: id.to_string(),
            token: token.to_string(),
            raw_upload: true,
            name_user: false,
        })
    }

    /// Speaks to envd `version` as it understands: uploads as multipart forms before 0.5.7,
    /// the user named on every call before 0.4.0; both also when the version is unknown
    /// (every envd takes those).
    pub fn for_version(mut self, version_text: Option<&str>) -> Self {
        let v = version_text.and_then(version);
        self.raw_upload = v.is_some_and(|v| v >= RAW_UPLOAD_SINCE);
        self.name_user = v.is_none_or(|v| v < DEFAULT_USER_SINCE);
        self
    }

    /// `/files` names the user in a query parameter.
    fn files(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.request(&self.http, method, "/files").query(&[("path", path)]);
        if self.name_user {
            req.query(&[("username", USER)])
        } else {
            req
        }
    }

    /// Connect calls name the user in basic authentication with an empty password.
    fn rpc(&self, client: &reqwest::Client, method: &str) -> reqwest::RequestBuilder {
        let req = self.request(client, reqwest::Method::POST, &format!("/{method}"));
        if self.name_user {
            req.basic_auth(USER, Some(""))
        } else {
            req
        }
    }

    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        client
            .request(method, format!("{}{path}", self.base))
            .header("X-Access-Token", &self.token)
            .header("E2b-Sandbox-Id", &self.id)
            .header("E2b-Sandbox-Port", ENVD_PORT)
    }

    async fn send(
        &self,
        what: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, SandboxError> {
        req.send().await.map_err(|e| SandboxError::Cloud {
            failure: Failure::Network,
            message: format!("{what}: cannot reach the E2B sandbox ({})", without_url(&e)),
        })
    }

    /// Writes `bytes` to `path` in the sandbox (parents created).
    pub async fn upload(&self, path: &str, bytes: Vec<u8>) -> Result<(), SandboxError> {
        let req = self.files(reqwest::Method::POST, path);
        let req = if self.raw_upload {
            req.header("Content-Type", "application/octet-stream").body(bytes)
        } else {
            let boundary = format!("vibe-{}", uuid::Uuid::new_v4().simple());
            req.header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
                .body(multipart(&boundary, path, &bytes))
        };
        let resp = self.send("uploading a file", req).await?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(self.error(resp, "uploading a file").await)
    }

    /// Reads `path` from the sandbox; `None` when it does not exist.
    pub async fn download(&self, path: &str) -> Result<Option<Vec<u8>>, SandboxError> {
        let req = self.files(reqwest::Method::GET, path);
        let resp = self.send("downloading a file", req).await?;
        match resp.status().as_u16() {
            200 => resp.bytes().await.map(|b| Some(b.to_vec())).map_err(|e| SandboxError::Cloud {
                failure: Failure::Network,
                message: format!("downloading a file: {}", without_url(&e)),
            }),
            404 => Ok(None),
            _ => Err(self.error(resp, "downloading a file").await),
        }
    }

    /// Every entry under `path`, `depth` levels down.
    pub async fn list_dir(&self, path: &str, depth: u32) -> Result<Vec<EntryInfo>, SandboxError> {
        let resp: ListDirResponse = self
            .unary("filesystem.Filesystem/ListDir", serde_json::json!({ "path": path, "depth": depth }))
            .await?;
        Ok(resp.entries)
    }

    /// Removes `path` recursively (a missing path is fine).
    pub async fn remove(&self, path: &str) -> Result<(), SandboxError> {
        let _: serde_json::Value =
            self.unary("filesystem.Filesystem/Remove", serde_json::json!({ "path": path })).await?;
        Ok(())
    }

    /// Kills process `pid` (SIGKILL). A process already gone is fine.
    pub async fn kill(&self, pid: u32) -> Result<(), SandboxError> {
        let body = serde_json::json!({ "process": { "pid": pid }, "signal": "SIGNAL_SIGKILL" });
        match self.unary::<serde_json::Value>("process.Process/SendSignal", body).await {
            Ok(_) | Err(SandboxError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Whether the sandbox still answers (`GET /health`); false when the proxy says it is gone.
    pub async fn alive(&self) -> Result<bool, SandboxError> {
        let resp = self
            .send("checking the sandbox", self.request(&self.http, reqwest::Method::GET, "/health"))
            .await?;
        let status = resp.status().as_u16();
        if status == 502 {
            let body = resp.text().await.unwrap_or_default();
            return Ok(!body.contains("was not found"));
        }
        Ok(true)
    }

    /// Starts a process; `timeout` bounds its lifetime (envd kills it).
    pub async fn start(
        &self,
        request: &StartRequest,
        timeout: Option<Duration>,
    ) -> Result<ProcessStream, SandboxError> {
        let payload = serde_json::to_vec(request)
            .map_err(|e| SandboxError::Invalid(format!("cannot encode the command: {e}")))?;
        let mut req = self
            .rpc(&self.stream_http, "process.Process/Start")
            .header("Content-Type", "application/connect+json")
            .header("Connect-Protocol-Version", "1")
            .header("Keepalive-Ping-Interval", "50")
            .body(connect::envelope(&payload));
        if let Some(t) = timeout {
            req = req.header("Connect-Timeout-Ms", t.as_millis().to_string());
        }
        let resp = self.send("starting a command", req).await?;
        if resp.status().as_u16() != 200 {
            return Err(self.error(resp, "starting a command").await);
        }
        Ok(ProcessStream { resp, decoder: Decoder::default() })
    }

    async fn unary<T: DeserializeOwned>(
        &self,
        method: &str,
        body: serde_json::Value,
    ) -> Result<T, SandboxError> {
        let req = self.rpc(&self.http, method).header("Connect-Protocol-Version", "1").json(&body);
        let resp = self.send(method, req).await?;
        if resp.status().as_u16() != 200 {
            return Err(self.error(resp, method).await);
        }
        resp.json().await.map_err(|e| SandboxError::Cloud {
            failure: Failure::Service,
            message: format!("{method}: the sandbox answered with an unexpected body: {e}"),
        })
    }

    /// The typed error for a non-200 answer: a Connect error (`code` a string), a proxy
    /// error (`code` an integer; "was not found" means the sandbox is gone), or neither.
    async fn error(&self, resp: reqwest::Response, what: &str) -> SandboxError {
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body: ErrorBody = serde_json::from_str(&text).unwrap_or_default();
        if status == 502 && body.message.contains("was not found") {
            return SandboxError::Gone(self.id.clone());
        }
        let failure = match (status, body.code.as_str()) {
            (_, Some("not_found")) | (404, None) => return SandboxError::NotFound(body.message),
            (401 | 403, _) | (_, Some("unauthenticated" | "permission_denied")) => Failure::Auth,
            (429, _) | (_, Some("resource_exhausted")) => Failure::Limit,
            _ => Failure::Service,
        };
        let detail = if body.message.is_empty() { format!("HTTP {status}") } else { body.message };
        SandboxError::Cloud { failure, message: format!("{what} in the E2B sandbox failed: {detail}") }
    }
}

impl ProcessStream {
    /// The next event or the end; `Ok(None)` never comes before the end message, so a
    /// stream cut short is an error.
    pub async fn next(&mut self) -> Result<StreamItem, SandboxError> {
        loop {
            if let Some((flags, payload)) = self.decoder.next().map_err(protocol)? {
                if flags & connect::END_STREAM != 0 {
                    return Ok(StreamItem::End(connect::decode_end_of_stream(&payload).map_err(protocol)?));
                }
                if let Some(event) = connect::decode_event(&payload).map_err(protocol)? {
                    return Ok(StreamItem::Event(event));
                }
                continue;
            }
            match self.resp.chunk().await {
                Ok(Some(bytes)) => self.decoder.push(&bytes),
                Ok(None) | Err(_) => {
                    return Err(SandboxError::Cloud {
                        failure: Failure::Network,
                        message: "the command's output stream from the E2B sandbox was cut off".into(),
                    })
                }
            }
        }
    }
}

/// A `multipart/form-data` body with one part named `file`, its file name the destination.
fn multipart(boundary: &str, path: &str, bytes: &[u8]) -> Vec<u8> {
    let name = path.replace(['"', '\r', '\n'], "_");
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

fn protocol(message: String) -> SandboxError {
    SandboxError::Cloud { failure: Failure::Service, message }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn versions_decide_how_files_go_up() {
        assert_eq!(version("0.5.7"), Some((0, 5, 7)));
        assert_eq!(version("v0.10.2-beta.1"), Some((0, 10, 2)));
        assert_eq!(version("0.5"), None);
        let envd = |v: Option<&str>| Envd::new("http://127.0.0.1:9", "sbx", "tok").unwrap().for_version(v);
        assert!(envd(Some("0.5.7")).raw_upload);
        assert!(envd(Some("0.6.0")).raw_upload);
        assert!(!envd(Some("0.5.6")).raw_upload);
        assert!(!envd(Some("0.1.1")).raw_upload);
        assert!(!envd(None).raw_upload, "unknown: the form every version takes");
        assert!(envd(Some("0.3.9")).name_user && envd(None).name_user);
        assert!(!envd(Some("0.4.0")).name_user && !envd(Some("0.5.7")).name_user);
    }

    #[test]
    fn a_multipart_body_names_the_destination() {
        let body = multipart("b", "/home/user/a\"b.txt", b"hi");
        assert_eq!(
            String::from_utf8(body).unwrap(),
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"/home/user/a_b.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nhi\r\n--b--\r\n"
        );
    }
}
