//! `vibe doctor`: one line per check with ok / warn / fail and the fix; exit 1 when a
//! required check fails.

use super::Ctx;
use crate::config::ConfigError;
use crate::doctor::{self, Check, Status};
use crate::error::Error;
use crate::output::Output;

/// Runs every check and reports.
pub fn run(ctx: &Ctx) -> Result<(), Error> {
    let checks = ctx.runtime()?.block_on(doctor::run_all(&ctx.config));
    report(ctx.out, &checks)
}

/// Reports a configuration that does not load as a failed check (and nothing else can be
/// checked without it).
pub fn run_without_config(out: Output, e: ConfigError) -> Result<(), Error> {
    report(out, &[doctor::config_failed(&e)])
}

fn report(out: Output, checks: &[Check]) -> Result<(), Error> {
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    if out.json {
        out.json(&serde_json::json!({ "ok": failed == 0, "checks": checks }))?;
    } else {
        for c in checks {
            let tag = match c.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
            };
            out.line(format!("{tag}  {:<9} {}", c.name, c.detail))?;
            if let Some(fix) = &c.fix {
                out.line(format!("      {:<9} fix: {fix}", ""))?;
            }
        }
    }
    if failed > 0 {
        let noun = if failed == 1 { "check" } else { "checks" };
        return Err(Error::failure(format!("{failed} required {noun} failed"))
            .with_hint("follow the fix lines above, then run `vibe doctor` again")
            .reported());
    }
    Ok(())
}
