//! The team mirror: pushes the local tracking rows to a Supabase project's Data API
//! (PostgREST) as bulk upserts (`on_conflict=id`, `Prefer: resolution=merge-duplicates`),
//! parents before children, in batches. A table's cursor (`store::sync`) moves only after the
//! server confirmed a batch, so a repeated or interrupted sync loses and duplicates nothing.
//! The server keeps `updated_at`; only the mirror's columns are sent, and free text that could
//! hold a secret (a job's error message) goes through the redactor first.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::config::Secret;
use crate::store::{MirrorTable, Store, StoreError, SyncCursor, MIRROR_TABLES};

pub mod auth;
pub mod remote;

/// Rows per request unless `VIBE_SYNC_BATCH` says otherwise (the Data API caps at 1000).
pub const DEFAULT_BATCH: usize = 500;

/// Attempts per request on network errors and 5xx answers.
const ATTEMPTS: u32 = 3;

/// What went wrong talking to the mirror.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// SUPABASE_URL or SUPABASE_KEY is missing.
    #[error("the team mirror is not configured: tracking stays local")]
    NotConfigured,
    /// A publishable (anon) key cannot write on its own: a member must sign in.
    #[error("SUPABASE_KEY is a publishable key and no team member is signed in")]
    NeedsLogin,
    /// The stored session could not be refreshed (revoked, or unused for too long).
    #[error("the mirror session of {email} has expired")]
    SessionExpired { email: String },
    /// Supabase Auth refused a sign-in step.
    #[error("Supabase Auth refused ({status} {code}): {message}")]
    Auth { status: u16, code: String, message: String },
    /// `vibe admin --remote` without the project's secret key.
    #[error("reading the team's records from the mirror needs the project's secret key in ADMIN_SECRET_KEY")]
    NoAdminKey,
    /// The keyring holding the session.
    #[error("{0}")]
    Keyring(String),
    /// 401 without a row-rule code: the key is wrong.
    #[error("Supabase refused the key (401): {message}")]
    Unauthorized { message: String },
    /// 403, or `42501`: the row rules or grants refused.
    #[error("Supabase's row rules refused the write to {table} ({status}): {message}")]
    Forbidden { table: String, status: u16, message: String },
    /// 404 / `42P01` / `PGRST205`: the tables are not there.
    #[error("the mirror has no table {table} (404): {message}")]
    SchemaMissing { table: String, message: String },
    /// Any other refusal.
    #[error("Supabase rejected {table} ({status} {code}): {message}")]
    Rejected { table: String, status: u16, code: String, message: String },
    /// Network errors or 5xx after every attempt.
    #[error("Supabase did not answer after {ATTEMPTS} attempts: {message}")]
    Unreachable { message: String },
    /// The local database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SyncError> for crate::error::Error {
    fn from(e: SyncError) -> Self {
        use crate::error::{Error, ErrorKind};
        let msg = e.to_string();
        match e {
            SyncError::NotConfigured => {
                Error::new(ErrorKind::NeedsConfig, msg).with_hint("set SUPABASE_URL and SUPABASE_KEY")
            }
            SyncError::NeedsLogin => Error::new(ErrorKind::NeedsLogin, msg).with_hint(
                "run `vibe sync login` to sign in with your e-mail, or set the project's secret key",
            ),
            SyncError::SessionExpired { .. } => {
                Error::new(ErrorKind::NeedsLogin, msg).with_hint("run `vibe sync login` again")
            }
            SyncError::Auth { ref code, .. } if code == "otp_expired" => Error::failure(msg)
                .with_hint("the code was wrong or too old: run `vibe sync login` for a new one"),
            SyncError::Auth { ref code, .. } if code.starts_with("over_") => Error::failure(msg)
                .with_hint("Supabase limits how often codes are sent: wait, then try again"),
            SyncError::Auth { .. } => Error::failure(msg),
            SyncError::NoAdminKey => Error::new(ErrorKind::NeedsConfig, msg).with_hint(
                "set ADMIN_SECRET_KEY to the project's secret key (sb_secret_…); a publishable key reads nothing",
            ),
            SyncError::Keyring(_) => Error::failure(msg)
                .with_hint("set VIBE_KEYRING=file to keep the session in VIBE_HOME instead"),
            SyncError::Unauthorized { .. } => Error::new(ErrorKind::NeedsConfig, msg)
                .with_hint("check SUPABASE_KEY: it must be a key of the project at SUPABASE_URL"),
            SyncError::Forbidden { .. } => Error::failure(msg)
                .with_hint("use the project's secret key, or check the row rules of the migration"),
            SyncError::SchemaMissing { .. } => Error::failure(msg)
                .with_hint("apply the migration in supabase/migrations to the project (see the README)"),
            SyncError::Unreachable { .. } => Error::failure(msg).with_hint(
                "check SUPABASE_URL and that the project is running; nothing was marked as synced",
            ),
            SyncError::Rejected { ref code, .. } if code == "23503" => Error::failure(msg).with_hint(
                "a row it points to is missing in the mirror (was the mirror reset?): run `vibe sync --full`",
            ),
            SyncError::Rejected { .. } => Error::failure(msg),
            SyncError::Store(e) => e.into(),
        }
    }
}

/// A Supabase project's Data API, as configured.
#[derive(Debug, Clone)]
pub struct Mirror {
    http: reqwest::Client,
    url: String,
    key: Secret,
    /// A signed-in member's session: requests carry its access token.
    session: Option<auth::Session>,
}

/// The kind of an API key, from its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// `sb_secret_…` or a legacy service_role JWT.
    Secret,
    /// `sb_publishable_…` or a legacy anon JWT.
    Publishable,
}

impl KeyKind {
    /// Reads the kind from the key: the prefix of the new keys, the `role` claim of legacy JWTs.
    pub fn of(key: &str) -> KeyKind {
        if key.starts_with("sb_publishable_") {
            return KeyKind::Publishable;
        }
        if key.starts_with("eyJ") {
            use base64::Engine as _;
            let role = key
                .split('.')
                .nth(1)
                .and_then(|p| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()
                })
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v.get("role").and_then(Value::as_str).map(str::to_string));
            if role.as_deref() == Some("anon") {
                return KeyKind::Publishable;
            }
        }
        KeyKind::Secret
    }
}

impl Mirror {
    /// The mirror of the configuration, or [`SyncError::NotConfigured`].
    pub fn from_config(config: &crate::config::Config) -> Result<Mirror, SyncError> {
        let (Some(url), Some(key)) = (&config.supabase.url, &config.supabase.key) else {
            return Err(SyncError::NotConfigured);
        };
        Mirror::with_key(url, key)
    }

    /// The mirror at project `url`, reached with `key`.
    fn with_key(url: &str, key: &Secret) -> Result<Mirror, SyncError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("vibe/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SyncError::Unreachable { message: e.to_string() })?;
        Ok(Mirror { http, url: url.trim_end_matches('/').to_string(), key: key.clone(), session: None })
    }

    /// The same mirror, reached as the signed-in member of `session`.
    pub fn with_session(mut self, session: auth::Session) -> Mirror {
        self.session = Some(session);
        self
    }

    /// The signed-in member, if any.
    pub fn session(&self) -> Option<&auth::Session> {
        self.session.as_ref()
    }

    /// The API key (for Auth calls of the same project).
    pub fn key(&self) -> &Secret {
        &self.key
    }

    /// The project URL, which names this mirror's cursors.
    pub fn target(&self) -> &str {
        &self.url
    }

    /// The key's kind.
    pub fn key_kind(&self) -> KeyKind {
        KeyKind::of(self.key.expose())
    }

    /// Upserts `rows` into `table`; Ok once the server confirmed them.
    async fn upsert(&self, table: &str, rows: &[serde_json::Map<String, Value>]) -> Result<(), SyncError> {
        let body = serde_json::to_vec(rows).map_err(|e| SyncError::Unreachable { message: e.to_string() })?;
        let path = format!("{table}?on_conflict=id");
        self.send(
            reqwest::Method::POST,
            &path,
            table,
            Some(body),
            "resolution=merge-duplicates,return=minimal",
        )
        .await
        .map(drop)
    }

    /// Sends one Data API request (`/rest/v1/{path}`) with bounded retries on network errors
    /// and 5xx; the answer's body, or the refusal as a [`SyncError`] naming `table`.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        table: &str,
        body: Option<Vec<u8>>,
        prefer: &str,
    ) -> Result<String, SyncError> {
        let url = format!("{}/rest/v1/{path}", self.url);
        let (status, text) = with_retries(|| {
            let mut req = self.http.request(method.clone(), &url).header("apikey", self.key.expose());
            if let Some(body) = &body {
                req = req.header("Content-Type", "application/json").body(body.clone());
            }
            if !prefer.is_empty() {
                req = req.header("Prefer", prefer);
            }
            if let Some(s) = &self.session {
                req = req.bearer_auth(&s.access_token);
            } else if self.key.expose().starts_with("eyJ") {
                req = req.bearer_auth(self.key.expose());
            }
            req
        })
        .await?;
        if (200..300).contains(&status) {
            return Ok(text);
        }
        let err: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let code = err.get("code").and_then(Value::as_str).unwrap_or("").to_string();
        let message = err
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| text.chars().take(200).collect());
        let table = table.to_string();
        Err(match (status, code.as_str()) {
            (401 | 403, "42501") | (403, _) => SyncError::Forbidden { table, status, message },
            (401, _) => SyncError::Unauthorized { message },
            (404, _) | (_, "42P01") => SyncError::SchemaMissing { table, message },
            _ => SyncError::Rejected { table, status, code, message },
        })
    }
}

/// Sends the request `make` builds until an answer other than a 5xx comes, with bounded
/// back-off on network errors and 5xx; returns that answer's status and body, or
/// [`SyncError::Unreachable`] with the last failure.
pub(crate) async fn with_retries(
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<(u16, String), SyncError> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
        let resp = match make().send().await {
            Ok(r) => r,
            Err(e) => {
                last = without_url(&e);
                continue;
            }
        };
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        if status < 500 {
            return Ok((status, text));
        }
        let err: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let said = ["message", "msg"].iter().find_map(|k| err.get(*k).and_then(Value::as_str));
        last = match said {
            Some(m) => format!("{status} {m}"),
            None => status.to_string(),
        };
    }
    Err(SyncError::Unreachable { message: last })
}

/// A network error's text without the URL (it names the project, not a secret, but is noise).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "").replace(" ()", "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// What a sync did (or, with `dry_run`, would do) to one table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TableReport {
    pub table: &'static str,
    /// Rows confirmed by the server (or that would be sent).
    pub rows: usize,
    /// Requests that carried them.
    pub batches: usize,
    /// Ids that would be sent (`dry_run` only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
}

/// Events of a sync, for the progress display.
pub trait Progress {
    /// A table starts with `pending` rows after its cursor.
    fn table(&self, table: &str, pending: u64);
    /// `n` more rows were confirmed.
    fn sent(&self, n: u64);
}

/// The tables `vibe sync` pushes, in order: parents first, model usage last.
pub fn tables() -> impl Iterator<Item = &'static MirrorTable> {
    MIRROR_TABLES.iter()
}

/// The mirror's name of a local table (model usage per day is `usage_records` there).
pub fn remote_name(table: &MirrorTable) -> &'static str {
    match table.name {
        "usage_daily" => "usage_records",
        name => name,
    }
}

/// Who the rows of this vibe installation are: its id (one per `VIBE_HOME`, naming its model
/// usage rows in the mirror) and the user they belong to.
#[derive(Debug, Clone)]
pub struct Installation {
    /// A random id made once per installation.
    pub id: String,
    /// The user model usage is counted for (the last one logged in), if any.
    pub user_id: Option<String>,
}

impl Installation {
    /// A usage row as the mirror keeps it: one id per installation, day, model and stage.
    fn usage_row(&self, mut row: serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
        let part = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let name = format!("{}|{}|{}|{}", self.id, part("day"), part("model"), part("stage"));
        let id = uuid::Uuid::new_v5(&USAGE_NAMESPACE, name.as_bytes());
        row.insert("id".into(), Value::from(id.to_string()));
        row.insert("user_id".into(), self.user_id.clone().map(Value::from).unwrap_or(Value::Null));
        row
    }
}

/// The namespace of usage row ids (UUIDv5 of installation, day, model and stage).
const USAGE_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5f1b_7c2e_9a4d_4e8b_b0c3_6d2a_1e7f_9c40);

/// This installation's id from `VIBE_HOME/installation-id`, made on first use.
pub fn installation_id(home: &std::path::Path) -> Result<String, SyncError> {
    let path = home.join("installation-id");
    let found = std::fs::read_to_string(&path);
    if let Ok(s) = &found {
        if uuid::Uuid::parse_str(s.trim()).is_ok() {
            return Ok(s.trim().to_string());
        }
    }
    let id = uuid::Uuid::new_v4().to_string();
    let io = |e: std::io::Error| SyncError::Keyring(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(home).map_err(io)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &id).map_err(io)?;
    if found.is_ok() {
        // Unreadable as an id: replaced.
        std::fs::rename(&tmp, &path).map_err(io)?;
        return Ok(id);
    }
    // Two first syncs at once: the first link wins and both read it back.
    if std::fs::hard_link(&tmp, &path).is_err() {
        let _ = std::fs::remove_file(&tmp);
        return std::fs::read_to_string(&path).map(|s| s.trim().to_string()).map_err(io);
    }
    let _ = std::fs::remove_file(&tmp);
    Ok(id)
}

/// How a sync goes.
#[derive(Debug, Clone, Copy)]
pub struct Push<'a> {
    /// Rows per request.
    pub batch: usize,
    /// List what would go, send nothing.
    pub dry_run: bool,
    /// Every row, not only those after the cursors.
    pub full: bool,
    /// The time cursors are stamped with.
    pub now: &'a str,
    /// Whose rows these are.
    pub installation: &'a Installation,
}

/// Pushes every row after the cursors (every row with `full`), table by table, `batch` rows
/// per request.
pub async fn push(
    store: &mut Store,
    mirror: &Mirror,
    how: &Push<'_>,
    progress: &dyn Progress,
) -> Result<Vec<TableReport>, SyncError> {
    let Push { batch, dry_run, full, now, installation } = *how;
    if mirror.key_kind() == KeyKind::Publishable && mirror.session.is_none() {
        return Err(SyncError::NeedsLogin);
    }
    let target = mirror.target().to_string();
    if let (Some(s), false) = (&mirror.session, dry_run) {
        // The row rules admit a member's rows through their users row's Auth id.
        store.link_auth_user(&s.user_id, now)?;
    }
    if full && !dry_run {
        store.reset_sync_cursors(&target)?;
    }
    let mut reports = Vec::new();
    for table in tables() {
        let mut report = TableReport { table: remote_name(table), ..TableReport::default() };
        let pending = store.pending_count(&target, table)?;
        progress.table(table.name, pending.max(0) as u64);
        if dry_run {
            let mut after =
                if full { SyncCursor::default() } else { store.sync_cursor(&target, table.name)? };
            loop {
                let rows = store.rows_after(table, &after, batch)?;
                let Some(last) = rows.last() else { break };
                after = last.cursor.clone();
                report.rows += rows.len();
                report.batches += 1;
                report.ids.extend(rows.iter().map(|r| r.cursor.id.clone()));
            }
            reports.push(report);
            continue;
        }
        loop {
            let from: SyncCursor = store.sync_cursor(&target, table.name)?;
            let rows = store.rows_after(table, &from, batch)?;
            let Some(last) = rows.last() else { break };
            let to = last.cursor.clone();
            let rows = with_pending_parents(store, table, &from, rows)?;
            let payload: Vec<_> =
                rows.into_iter()
                    .map(|r| {
                        if table.name == "usage_daily" {
                            installation.usage_row(r.row)
                        } else {
                            clean(r.row)
                        }
                    })
                    .collect();
            mirror.upsert(remote_name(table), &payload).await?;
            // Only now, confirmed: move the cursor (unless a writer rewound it meanwhile).
            store.advance_sync_cursor(&target, table.name, &from, &to, now)?;
            report.rows += payload.len();
            report.batches += 1;
            progress.sent(payload.len() as u64);
        }
        reports.push(report);
    }
    Ok(reports)
}

/// A plan's earlier version (`parent_id`) may be pending behind the batch (changed later than
/// its child): it goes in the same request, first, so no child reaches the mirror before its
/// parent. It is sent again when the cursor reaches it, merging into itself.
fn with_pending_parents(
    store: &Store,
    table: &MirrorTable,
    from: &SyncCursor,
    mut rows: Vec<crate::store::PendingRow>,
) -> Result<Vec<crate::store::PendingRow>, SyncError> {
    if !table.columns.contains(&"parent_id") {
        return Ok(rows);
    }
    let id_of = |r: &crate::store::PendingRow| r.row.get("id").and_then(Value::as_str).map(str::to_string);
    loop {
        let have: std::collections::HashSet<String> = rows.iter().filter_map(id_of).collect();
        let missing: Vec<String> = rows
            .iter()
            .filter_map(|r| r.row.get("parent_id").and_then(Value::as_str).map(str::to_string))
            .filter(|p| !have.contains(p))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut parents = store.pending_by_id(table, from, &missing)?;
        if parents.is_empty() {
            return Ok(rows);
        }
        parents.append(&mut rows);
        rows = parents;
    }
}

/// Redacts free text that may quote a secret (an error message) before it leaves.
fn clean(mut row: serde_json::Map<String, Value>) -> serde_json::Map<String, Value> {
    for col in ["error_message"] {
        if let Some(Value::String(s)) = row.get(col) {
            let r = crate::redact::redact(s, crate::redact::Mode::Text).into_string();
            row.insert(col.to_string(), Value::String(r));
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_kinds_are_read_from_the_key() {
        assert_eq!(KeyKind::of("sb_publishable_abc"), KeyKind::Publishable);
        assert_eq!(KeyKind::of("sb_secret_abc"), KeyKind::Secret);
        // {"role":"anon"} and {"role":"service_role"} as legacy JWT payloads.
        assert_eq!(KeyKind::of("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.sig"), KeyKind::Publishable);
        assert_eq!(KeyKind::of("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig"), KeyKind::Secret);
    }
}
