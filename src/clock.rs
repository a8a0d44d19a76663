//! Time as an input. `VIBE_NOW` (RFC 3339) freezes the clock for reproducible output in
//! tests and demos; otherwise it is the system clock.

use time::OffsetDateTime;

/// Source of the current time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    fixed: Option<OffsetDateTime>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock stopped at `t`.
    pub fn fixed(t: OffsetDateTime) -> Self {
        Self { fixed: Some(t) }
    }

    /// `VIBE_NOW` from the given environment when set and valid, else the system clock.
    pub fn from_env(env: &std::collections::HashMap<String, String>) -> Self {
        env.get("VIBE_NOW").and_then(|s| crate::store::parse_ts(s)).map_or_else(Self::system, Self::fixed)
    }

    /// Now, in UTC.
    pub fn now(&self) -> OffsetDateTime {
        self.fixed.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Now, formatted as the store keeps timestamps.
    pub fn now_ts(&self) -> String {
        crate::store::ts(self.now())
    }
}
