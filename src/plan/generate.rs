//! Making a plan for a CRS: gather context for the CRS, ask the model for a plan that passes
//! the schema and the sanity checks (shown to the model in repair turns when it does not);
//! the caller ([`crate::pipeline`]) records it. A reference to a criterion by the id the
//! model first gave it (`s2`) is rewritten to vibe's (`AC2`) when it names one criterion.

use std::time::Instant;

use crate::clock::Clock;
use crate::config::Config;
use crate::context::{self, Context};
use crate::crs::schema::CriterionIds;
use crate::crs::{tokens_i64, Crs, Owner};
use crate::error::Error;
use crate::llm::{Client, Message, Progress, StructuredRequest, Usage};
use crate::store::{CrsRecord, PlanRecord};

use super::{schema, Plan};

/// Output limit of a plan answer.
const MAX_OUTPUT_TOKENS: u32 = 8192;

const TASK: &str = "Write the implementation plan for the \
Change Request Specification (CRS) below, in the repository described above. Steps are ordered and \
small; each names the files it reads, creates, modifies or deletes (paths relative to the repository root; \
a file read, modified or deleted must exist already or be created by an earlier step) and the commands it \
runs in the repository root. The testing strategy lists commands that prove the acceptance criteria: every \
criterion id of the CRS must appear in the `criteria` of at least one check. Prefer the project's own build \
and test commands as seen in the context. complexity is low, medium or high; confidence is 0..1; \
needs_network is true only when executing the plan needs the network (for example to download \
dependencies).";

/// A generated plan, not yet recorded.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    /// The row to write to `plan_records` (status `draft`).
    pub record: PlanRecord,
    /// The plan.
    pub plan: Plan,
    /// The repository context that was sent.
    pub context: Context,
    /// Tokens and cost of every call made for the plan.
    pub usage: Usage,
}

/// What a revision starts from: the version revised and what the reviewer said about it.
#[derive(Debug, Clone)]
pub struct Revision<'a> {
    /// The version revised (the new one's parent).
    pub parent: &'a PlanRecord,
    /// Its plan.
    pub plan: &'a Plan,
    /// What to change, in the reviewer's words.
    pub feedback: &'a str,
    /// Comments on steps and criteria, and answers to open questions, one line each
    /// (`S2: …`, `AC1: …`, `Q1 (question): answer`).
    pub notes: Vec<String>,
    /// 0-based indexes of the steps to keep word for word.
    pub locked: Vec<usize>,
}

impl Revision<'_> {
    fn prompt(&self) -> Result<String, Error> {
        let prev = serde_json::to_string_pretty(self.plan).map_err(|e| Error::failure(e.to_string()))?;
        let mut text = format!(
            "\n\nThis is a revision. The previous version of the plan:\n```json\n{prev}\n```\n\nThe reviewer asks:\n{}",
            self.feedback.trim()
        );
        if !self.notes.is_empty() {
            text.push_str("\n\nThe reviewer's notes (steps are S1, S2, … of the previous version; questions are the CRS's open questions):");
            for n in &self.notes {
                text.push_str(&format!("\n- {n}"));
            }
        }
        if !self.locked.is_empty() {
            let names: Vec<String> = self.locked.iter().map(|i| format!("S{}", i + 1)).collect();
            text.push_str(&format!(
                "\n\nLocked steps, to keep exactly as they are (every field, word for word), in the same order among themselves: {}.",
                names.join(", ")
            ));
        }
        Ok(text)
    }

    /// Problems with `plan` as a revision: a locked step not kept word for word.
    fn check(&self, plan: &Plan) -> Vec<String> {
        self.locked
            .iter()
            .filter_map(|&i| self.plan.steps.get(i).map(|s| (i, s)))
            .filter(|(_, s)| !plan.steps.contains(s))
            .map(|(i, s)| {
                format!(
                    "$.steps: locked step S{} \"{}\" must be kept word for word, every field unchanged",
                    i + 1,
                    s.title
                )
            })
            .collect()
    }
}

/// What a plan is written from.
#[derive(Debug, Clone, Copy)]
pub struct Basis<'a> {
    /// The recorded CRS the plan implements.
    pub crs_record: &'a CrsRecord,
    /// A walk of the repository already taken (for the CRS), if any.
    pub snapshot: Option<&'a context::Snapshot>,
    /// The context already gathered and sent with the CRS in the same command, if any: sent
    /// again unchanged, so the two requests share their leading part.
    pub context: Option<&'a Context>,
    /// The version revised, for a revision.
    pub revision: Option<&'a Revision<'a>>,
}

/// Generates a plan for the recorded CRS `crs_record` (from a snapshot of the repository when
/// one was taken for the CRS) and returns it with its record (linked to the CRS and
/// `owner`); it writes nothing.
pub async fn generate(
    client: &Client,
    config: &Config,
    owner: &Owner,
    clock: &Clock,
    basis: Basis<'_>,
    progress: Progress<'_>,
) -> Result<PlanOutcome, Error> {
    let Basis { crs_record, snapshot, context: gathered, revision } = basis;
    let root = config.require_repo()?.to_path_buf();
    let stored: serde_json::Value = serde_json::from_str(&crs_record.crs_json)
        .map_err(|e| Error::failure(format!("CRS {} cannot be read: {e}", crs_record.id)))?;
    let crs: Crs = serde_json::from_value(stored.clone())
        .map_err(|e| Error::failure(format!("CRS {} cannot be read: {e}", crs_record.id)))?;
    let ids = CriterionIds::with_originals(&crs, &stored);
    let started = Instant::now();
    let owner = owner.clone();
    let query = format!(
        "{}\n{}\n{}\n{}",
        crs_record.prompt,
        crs.summary,
        crs.affected_areas.join("\n"),
        crs.goals.join("\n")
    );
    let context = match gathered {
        Some(c) => c.clone(),
        None => context::gather_with(&root, snapshot, &query, config.context_max_tokens)?,
    };
    let crs_json = serde_json::to_string_pretty(&crs).map_err(|e| Error::failure(e.to_string()))?;
    let req = StructuredRequest {
        model: config.model.name.clone(),
        messages: vec![
            Message::system(crate::crs::repository_message(config, &root, &context)),
            Message::user(format!(
                "{TASK}\n\nCRS:\n```json\n{crs_json}\n```\n\nOriginal request:\n{}{}",
                crs_record.prompt,
                revision.map(Revision::prompt).transpose()?.unwrap_or_default()
            )),
        ],
        name: "plan".into(),
        schema: schema::schema(),
        max_output_tokens: Some(MAX_OUTPUT_TOKENS),
        temperature: Some(0.2),
        stream: true,
    };
    let check = |p: &Plan| {
        let mut problems = schema::check_with(p, &crs, &ids, &root);
        problems.extend(revision.map(|r| r.check(p)).unwrap_or_default());
        problems
    };
    let out = client.structured_checked::<Plan>(&req, &check, progress).await?;
    let mut plan = out.value;
    schema::resolve_criteria(&mut plan, &ids);
    let now = clock.now_ts();
    let record = PlanRecord {
        id: crate::store::new_id(),
        user_id: owner.user_id.or_else(|| crs_record.user_id.clone()),
        github_host: owner.github_host,
        repo_full_name: owner.repo_full_name,
        parent_id: revision.map(|r| r.parent.id.clone()),
        status: "draft".into(),
        task_summary: Some(plan.summary.clone()),
        complexity: Some(plan.complexity.as_str().to_string()),
        confidence: Some(plan.confidence.clamp(0.0, 1.0)),
        steps_count: plan.steps.len() as i64,
        processing_time_ms: Some(started.elapsed().as_millis() as i64),
        model: Some(out.usage.model.clone()),
        prompt_tokens: Some(tokens_i64(out.usage.prompt_tokens)),
        completion_tokens: Some(tokens_i64(out.usage.completion_tokens)),
        tokens_used: Some(tokens_i64(out.usage.total())),
        crs_id: Some(crs_record.id.clone()),
        repo_path: owner.repo_path,
        plan_json: Some(serde_json::to_string(&plan).map_err(|e| Error::failure(e.to_string()))?),
        cost_usd: Some(out.usage.cost_usd),
        created_at: now.clone(),
        updated_at: now,
    };
    Ok(PlanOutcome { record, plan, context, usage: out.usage })
}

/// The plan stored in a record.
pub fn from_record(record: &PlanRecord) -> Result<Plan, Error> {
    let json = record
        .plan_json
        .as_deref()
        .ok_or_else(|| Error::failure(format!("plan {} has no stored plan document", record.id)))?;
    serde_json::from_str(json).map_err(|e| {
        Error::failure(format!("plan {} is stored in a form this vibe cannot read: {e}", record.id))
    })
}
