//! The running stage's link to the coding agent.

use crate::config::Config;
use crate::sandbox::Sandbox;

use super::stages::{AgentReport, StageCx};
use super::{JobError, JobSpec};

pub(super) async fn run(
    config: &Config,
    spec: &JobSpec,
    sandbox: &dyn Sandbox,
    cx: &mut StageCx<'_>,
) -> Result<AgentReport, JobError> {
    let _ = (config, spec, sandbox, cx);
    Err(JobError::Stage("agent".into()))
}
