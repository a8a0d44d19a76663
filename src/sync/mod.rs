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
        let url = format!("{}/rest/v1/{table}?on_conflict=id", self.url);
        let body = serde_json::to_vec(rows).map_err(|e| SyncError::Unreachable { message: e.to_string() })?;
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            let mut req = self
                .http
                .post(&url)
                .header("apikey", self.key.expose())
                .header("Content-Type", "application/json")
                .header("Prefer", "resolution=merge-duplicates,return=minimal")
                .body(body.clone());
            if let Some(s) = &self.session {
                req = req.bearer_auth(&s.access_token);
            } else if self.key.expose().starts_with("eyJ") {
                req = req.bearer_auth(self.key.expose());
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    last = without_url(&e);
                    continue;
                }
            };
            let status = resp.status().as_u16();
            if resp.status().is_success() {
                return Ok(());
            }
            let text = resp.text().await.unwrap_or_default();
            let err: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let code = err.get("code").and_then(Value::as_str).unwrap_or("").to_string();
            let message = err
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| text.chars().take(200).collect());
            if status >= 500 {
                last = format!("{status} {message}");
                continue;
            }
            let table = table.to_string();
            return Err(match (status, code.as_str()) {
                (401 | 403, "42501") | (403, _) => SyncError::Forbidden { table, status, message },
                (401, _) => SyncError::Unauthorized { message },
                (404, _) | (_, "42P01") => SyncError::SchemaMissing { table, message },
                _ => SyncError::Rejected { table, status, code, message },
            });
        }
        Err(SyncError::Unreachable { message: last })
    }
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

/// The tables `vibe sync` pushes, in order (model usage waits for installation ids).
pub fn tables() -> impl Iterator<Item = &'static MirrorTable> {
    MIRROR_TABLES.iter().filter(|t| t.name != "usage_daily")
}

/// Pushes every row after the cursors (every row with `full`), table by table, `batch` rows
/// per request.
pub async fn push(
    store: &mut Store,
    mirror: &Mirror,
    batch: usize,
    dry_run: bool,
    full: bool,
    now: &str,
    progress: &dyn Progress,
) -> Result<Vec<TableReport>, SyncError> {
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
        let mut report = TableReport { table: table.name, ..TableReport::default() };
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
            let payload: Vec<_> = rows.into_iter().map(|r| clean(r.row)).collect();
            mirror.upsert(table.name, &payload).await?;
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
