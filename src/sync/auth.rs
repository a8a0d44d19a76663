//! A team member's sign-in to the mirror through Supabase Auth (an e-mail one-time code).
//! The session (access and refresh token) is kept in the keyring entry `vibe-supabase` for
//! the project's URL, like the GitHub token, and refreshed when its access token expires; the
//! refresh token rotates, so the new one replaces the old at once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::SyncError;
use crate::config::{Config, Secret};
use crate::github::auth::TokenStore;

/// The keyring service sessions are stored under (one entry per project URL).
pub const SERVICE: &str = "vibe-supabase";

/// Seconds before expiry at which an access token is refreshed.
const REFRESH_MARGIN: i64 = 60;

/// A signed-in member's session.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    /// The bearer token the Data API checks (a JWT with role `authenticated`).
    pub access_token: String,
    /// Exchanged for a new session when the access token expires.
    pub refresh_token: String,
    /// When the access token expires, in seconds since the epoch.
    pub expires_at: i64,
    /// The Auth user's id (`auth.uid()` in the row rules).
    pub user_id: String,
    /// The member's e-mail address.
    pub email: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Whether the access token is expired or about to be.
    pub fn expiring(&self) -> bool {
        self.expires_at - REFRESH_MARGIN <= unix_now()
    }

    /// Reads the Auth server's answer to a verify or refresh.
    fn from_answer(v: &Value) -> Option<Session> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let user = v.get("user")?;
        let expires_at = v
            .get("expires_at")
            .and_then(Value::as_i64)
            .or_else(|| v.get("expires_in").and_then(Value::as_i64).map(|n| unix_now() + n))?;
        Some(Session {
            access_token: s("access_token")?,
            refresh_token: s("refresh_token")?,
            expires_at,
            user_id: user.get("id").and_then(Value::as_str)?.to_string(),
            email: user.get("email").and_then(Value::as_str).unwrap_or_default().to_string(),
        })
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Where the session of the configured project is kept.
pub fn session_store(config: &Config, url: &str) -> TokenStore {
    TokenStore::named(config, SERVICE, url.trim_end_matches('/'))
}

/// The stored session, if a member signed in.
pub fn stored_session(store: &TokenStore) -> Result<Option<Session>, SyncError> {
    let Some(secret) = store.get().map_err(|e| SyncError::Keyring(e.to_string()))? else {
        return Ok(None);
    };
    serde_json::from_str(secret.expose()).map(Some).map_err(|_| {
        SyncError::Keyring("the stored mirror session is unreadable: run `vibe sync login`".into())
    })
}

/// Keeps `session` in the keyring.
pub fn save_session(store: &TokenStore, session: &Session) -> Result<(), SyncError> {
    let text = serde_json::to_string(session).map_err(|e| SyncError::Keyring(e.to_string()))?;
    store.set(&Secret::new(text)).map_err(|e| SyncError::Keyring(e.to_string()))
}

/// Supabase Auth of one project, reached with its publishable key.
#[derive(Debug, Clone)]
pub struct Auth {
    http: reqwest::Client,
    url: String,
    key: Secret,
}

impl Auth {
    /// Auth at project `url` with API key `key`.
    pub fn new(url: &str, key: &Secret) -> Result<Auth, SyncError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("vibe/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| SyncError::Unreachable { message: e.to_string() })?;
        Ok(Auth { http, url: url.trim_end_matches('/').to_string(), key: key.clone() })
    }

    /// Asks Auth to e-mail a one-time code to `email` (creating the member on first use).
    pub async fn send_code(&self, email: &str) -> Result<(), SyncError> {
        self.call("otp", json!({"email": email, "create_user": true}), None).await.map(drop)
    }

    /// Exchanges the e-mailed code for a session.
    pub async fn verify(&self, email: &str, code: &str) -> Result<Session, SyncError> {
        let v = self.call("verify", json!({"type": "email", "email": email, "token": code}), None).await?;
        Session::from_answer(&v).ok_or_else(|| bad_answer("verify"))
    }

    /// A new session for `session`'s refresh token (which is then spent).
    pub async fn refresh(&self, session: &Session) -> Result<Session, SyncError> {
        let v = self
            .call("token?grant_type=refresh_token", json!({"refresh_token": session.refresh_token}), None)
            .await?;
        Session::from_answer(&v).ok_or_else(|| bad_answer("token"))
    }

    /// Ends the session on the server.
    pub async fn logout(&self, session: &Session) -> Result<(), SyncError> {
        self.call("logout", json!({}), Some(&session.access_token)).await.map(drop)
    }

    async fn call(&self, path: &str, body: Value, bearer: Option<&str>) -> Result<Value, SyncError> {
        let url = format!("{}/auth/v1/{path}", self.url);
        let (status, text) = super::with_retries(|| {
            let req = self.http.post(&url).header("apikey", self.key.expose()).json(&body);
            match bearer {
                Some(b) => req.bearer_auth(b),
                None => req,
            }
        })
        .await?;
        if (200..300).contains(&status) {
            return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
        }
        let err: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let s = |k: &str| err.get(k).and_then(Value::as_str).map(str::to_string);
        let code = s("error_code")
            .or_else(|| s("code"))
            .or_else(|| s("error"))
            .unwrap_or_else(|| status.to_string());
        let message = s("msg")
            .or_else(|| s("message"))
            .or_else(|| s("error_description"))
            .unwrap_or_else(|| text.chars().take(200).collect());
        Err(SyncError::Auth { status, code, message })
    }
}

fn bad_answer(what: &str) -> SyncError {
    SyncError::Auth {
        status: 200,
        code: "bad_answer".into(),
        message: format!("Supabase Auth's {what} answer holds no session"),
    }
}

/// The member's session, refreshed (and stored again) when it is about to expire; `None` when
/// nobody signed in.
pub async fn current_session(store: &TokenStore, auth: &Auth) -> Result<Option<Session>, SyncError> {
    let Some(session) = stored_session(store)? else { return Ok(None) };
    if !session.expiring() {
        return Ok(Some(session));
    }
    let fresh = auth.refresh(&session).await.map_err(|e| match e {
        SyncError::Auth { .. } => SyncError::SessionExpired { email: session.email.clone() },
        e => e,
    })?;
    save_session(store, &fresh)?;
    Ok(Some(fresh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_read_from_auths_answer_and_never_debug_printed_with_its_tokens() {
        let v = json!({
            "access_token": "eyJ.access.sig", "token_type": "bearer", "expires_in": 3600,
            "expires_at": 4_000_000_000_i64, "refresh_token": "r-123",
            "user": {"id": "a0000000-0000-4000-8000-00000000000a", "email": "ada@example.com"}
        });
        let s = Session::from_answer(&v).unwrap();
        assert_eq!(s.user_id, "a0000000-0000-4000-8000-00000000000a");
        assert_eq!(s.expires_at, 4_000_000_000);
        assert!(!s.expiring());
        let shown = format!("{s:?}");
        assert!(!shown.contains("eyJ.access") && !shown.contains("r-123"), "{shown}");
        assert!(Session::from_answer(&json!({"user": {"id": "x"}})).is_none());
    }

    #[test]
    fn an_access_token_near_its_end_is_expiring() {
        let s = Session {
            access_token: String::new(),
            refresh_token: String::new(),
            expires_at: unix_now() + 30,
            user_id: String::new(),
            email: String::new(),
        };
        assert!(s.expiring());
    }
}
