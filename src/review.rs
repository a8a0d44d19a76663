//! Review operations on a plan, answered the same way for every frontend: approve a given
//! version (bound to its content hash), reject with a reason, comment on a step or a
//! criterion, lock a step, answer the CRS's open questions, replace the plan with an edited
//! one (checked like a generated one; on problems the edit comes back), and revise with
//! feedback (the model writes a new version that records its parent and the feedback, and
//! the parent becomes `superseded`), and edit the CRS's acceptance criteria (a new CRS and a
//! new plan version implementing it, the parent `superseded`; the plan's testing strategy is
//! checked against the new criteria and cannot be approved while a check names a removed
//! criterion or a criterion has no check). Every entry is in the store before the next model
//! call, so nothing a reviewer typed is lost when the model fails.

use std::path::Path;

use crate::clock::Clock;
use crate::config::Config;
use crate::crs::schema::CriterionIds;
use crate::crs::{AcceptanceCriterion, Crs, Owner};
use crate::error::Error;
use crate::llm::Progress;
use crate::plan::{self, Plan, PlanOutcome, Revision};
use crate::store::{CrsRecord, PlanRecord, ReviewKind, ReviewRecord, Store, StoreError};

/// What a comment or an answer is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Target {
    /// A step, 0-based.
    Step(usize),
    /// An acceptance criterion by id (`AC1`).
    Criterion(String),
    /// An open question of the CRS, 0-based.
    Question(usize),
}

impl Target {
    /// As stored: `S1`, `AC1`, `Q1` (1-based).
    pub fn label(&self) -> String {
        match self {
            Target::Step(i) => format!("S{}", i + 1),
            Target::Criterion(id) => id.clone(),
            Target::Question(i) => format!("Q{}", i + 1),
        }
    }
}

/// Why a review operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The version was revised or replaced: review the newest one.
    #[error("plan {id} is {status}; only its newest version can be reviewed")]
    NotCurrent { id: String, status: String },
    /// The content differs from what the reviewer saw.
    #[error("plan {id} is not the version that was shown (its content changed)")]
    Changed { id: String },
    /// A job was asked to run a plan that is not approved as it stands.
    #[error("plan {id} is not approved in its current form")]
    NotApproved { id: String },
    /// The target does not exist.
    #[error("the plan has no {0}")]
    NoTarget(String),
    /// The plan's testing strategy does not match its CRS's acceptance criteria.
    #[error("plan {id} does not match its acceptance criteria: {}", problems.join("; "))]
    Uncovered { id: String, problems: Vec<String> },
    /// An edit of the acceptance criteria cannot be made.
    #[error("{0}")]
    Criteria(String),
    /// The edited plan fails the plan's checks; it is handed back.
    #[error("the edited plan has {} problem(s): {}", problems.len(), problems.join("; "))]
    Invalid { problems: Vec<String>, plan: Box<Plan> },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored document could not be read.
    #[error("{0}")]
    Corrupt(String),
}

impl From<ReviewError> for Error {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::Store(s) => s.into(),
            ReviewError::NotCurrent { .. } => {
                Error::usage(e.to_string()).with_hint("list its versions with `vibe plan show ID`")
            }
            ReviewError::NotApproved { .. } => Error::usage(e.to_string())
                .with_hint("review it again, or pass --yes to approve it as it stands"),
            ReviewError::Uncovered { .. } => Error::usage(e.to_string()).with_hint(
                "regenerate the plan, or edit its testing strategy, so every criterion has a check",
            ),
            ReviewError::Criteria(_) => Error::usage(e.to_string()),
            ReviewError::Invalid { .. } => {
                Error::usage(e.to_string()).with_hint("fix the problems named and submit the plan again")
            }
            _ => Error::failure(e.to_string()),
        }
    }
}

/// A plan version with the CRS it implements, as stored.
#[derive(Debug, Clone)]
pub struct Version {
    /// The plan's record.
    pub record: PlanRecord,
    /// The plan.
    pub plan: Plan,
    /// The CRS's record.
    pub crs_record: CrsRecord,
    /// The CRS.
    pub crs: Crs,
}

impl Version {
    /// Reads a version and its CRS.
    pub fn load(store: &Store, plan_id: &str) -> Result<Version, ReviewError> {
        let record = store.plan(plan_id)?;
        let plan = plan::from_record(&record).map_err(|e| ReviewError::Corrupt(e.message))?;
        let crs_id = record
            .crs_id
            .clone()
            .ok_or_else(|| ReviewError::Corrupt(format!("plan {plan_id} has no CRS")))?;
        let crs_record = store.crs(&crs_id)?;
        let crs = serde_json::from_str(&crs_record.crs_json)
            .map_err(|e| ReviewError::Corrupt(format!("CRS {crs_id} cannot be read: {e}")))?;
        Ok(Version { record, plan, crs_record, crs })
    }

    /// The criterion ids of the CRS, with the ids the model first gave them.
    pub fn criterion_ids(&self) -> Result<CriterionIds, ReviewError> {
        let stored: serde_json::Value = serde_json::from_str(&self.crs_record.crs_json)
            .map_err(|e| ReviewError::Corrupt(format!("CRS {} cannot be read: {e}", self.crs_record.id)))?;
        Ok(CriterionIds::with_originals(&self.crs, &stored))
    }

    /// Where the plan's testing strategy does not match the CRS's criteria (empty when it does).
    pub fn criteria_problems(&self) -> Result<Vec<String>, ReviewError> {
        Ok(plan::schema::check_criteria(&self.plan, &self.crs, &self.criterion_ids()?))
    }
}

fn entry(plan_id: &str, kind: ReviewKind, clock: &Clock) -> ReviewRecord {
    ReviewRecord {
        id: crate::store::new_id(),
        plan_id: plan_id.to_string(),
        kind,
        target: None,
        body: None,
        content_hash: None,
        created_at: clock.now_ts(),
    }
}

/// Refuses a version that was revised or replaced.
fn current(store: &Store, plan_id: &str) -> Result<PlanRecord, ReviewError> {
    let rec = store.plan(plan_id)?;
    if rec.status == "superseded" {
        return Err(ReviewError::NotCurrent { id: plan_id.to_string(), status: rec.status });
    }
    Ok(rec)
}

/// Approves the version `plan_id` whose content hash is `content_hash` (what the reviewer saw).
pub fn approve(
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    content_hash: &str,
) -> Result<(), ReviewError> {
    let rec = current(store, plan_id)?;
    let plan = plan::from_record(&rec).map_err(|e| ReviewError::Corrupt(e.message))?;
    if plan::content_hash(&plan) != content_hash {
        return Err(ReviewError::Changed { id: plan_id.to_string() });
    }
    let problems = Version::load(store, plan_id)?.criteria_problems()?;
    if !problems.is_empty() {
        return Err(ReviewError::Uncovered { id: plan_id.to_string(), problems });
    }
    let mut e = entry(plan_id, ReviewKind::Approve, clock);
    e.content_hash = Some(content_hash.to_string());
    store.insert_review(&e)?;
    store.set_plan_status(plan_id, "approved", &e.created_at)?;
    Ok(())
}

/// Whether `plan` is the approved content of the version `plan_id`: its last decision is an
/// approval of exactly this content.
pub fn is_approved(store: &Store, plan_id: &str, plan: &Plan) -> Result<bool, ReviewError> {
    let rec = store.plan(plan_id)?;
    let last = store
        .reviews(plan_id)?
        .into_iter()
        .rev()
        .find(|r| matches!(r.kind, ReviewKind::Approve | ReviewKind::Reject));
    let hash = plan::content_hash(plan);
    let stored = plan::from_record(&rec).map(|p| plan::content_hash(&p)).ok();
    Ok(rec.status == "approved"
        && stored.as_deref() == Some(hash.as_str())
        && last.is_some_and(|r| r.kind == ReviewKind::Approve && r.content_hash.as_deref() == Some(&hash)))
}

/// Rejects the version `plan_id`, keeping the reason.
pub fn reject(
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    reason: Option<&str>,
) -> Result<(), ReviewError> {
    current(store, plan_id)?;
    let mut e = entry(plan_id, ReviewKind::Reject, clock);
    e.body = reason.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    store.insert_review(&e)?;
    store.set_plan_status(plan_id, "rejected", &e.created_at)?;
    Ok(())
}

/// Checks that `target` names something in `v`.
fn check_target(v: &Version, target: &Target) -> Result<(), ReviewError> {
    let ok = match target {
        Target::Step(i) => *i < v.plan.steps.len(),
        Target::Criterion(id) => v.crs.acceptance_criteria.iter().any(|c| &c.id == id),
        Target::Question(i) => *i < v.crs.open_questions.len(),
    };
    if ok {
        Ok(())
    } else {
        Err(ReviewError::NoTarget(target.label()))
    }
}

/// Comments on a step or a criterion of `plan_id`; the comment goes to the model with the
/// next revision.
pub fn comment(
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    target: &Target,
    text: &str,
) -> Result<(), ReviewError> {
    note(store, clock, plan_id, ReviewKind::Comment, target, text)
}

/// Answers an open question of the CRS; the answer feeds the next version.
pub fn answer(
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    question: usize,
    text: &str,
) -> Result<(), ReviewError> {
    note(store, clock, plan_id, ReviewKind::Answer, &Target::Question(question), text)
}

fn note(
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    kind: ReviewKind,
    target: &Target,
    text: &str,
) -> Result<(), ReviewError> {
    current(store, plan_id)?;
    check_target(&Version::load(store, plan_id)?, target)?;
    let mut e = entry(plan_id, kind, clock);
    e.target = Some(target.label());
    e.body = Some(text.trim().to_string());
    store.insert_review(&e)?;
    Ok(())
}

/// Locks (or unlocks) a step: a revision keeps a locked step word for word.
pub fn lock(
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    step: usize,
    locked: bool,
) -> Result<(), ReviewError> {
    current(store, plan_id)?;
    check_target(&Version::load(store, plan_id)?, &Target::Step(step))?;
    let mut e = entry(plan_id, if locked { ReviewKind::Lock } else { ReviewKind::Unlock }, clock);
    e.target = Some(Target::Step(step).label());
    store.insert_review(&e)?;
    Ok(())
}

/// The 0-based indexes of the locked steps of `plan_id`, in order.
pub fn locked_steps(store: &Store, plan_id: &str) -> Result<Vec<usize>, ReviewError> {
    let mut locked = Vec::new();
    for r in store.reviews(plan_id)? {
        let Some(i) = r.target.as_deref().and_then(step_index) else { continue };
        match r.kind {
            ReviewKind::Lock if !locked.contains(&i) => locked.push(i),
            ReviewKind::Unlock => locked.retain(|&l| l != i),
            _ => {}
        }
    }
    locked.sort_unstable();
    Ok(locked)
}

fn step_index(label: &str) -> Option<usize> {
    label.strip_prefix('S')?.parse::<usize>().ok()?.checked_sub(1)
}

/// The comments and answers of `plan_id`, one line each, for the model.
fn notes(store: &Store, v: &Version) -> Result<Vec<String>, ReviewError> {
    let mut out = Vec::new();
    for r in store.reviews(&v.record.id)? {
        let (Some(target), Some(body)) = (r.target.as_deref(), r.body.as_deref()) else { continue };
        match r.kind {
            ReviewKind::Comment => out.push(format!("{target}: {body}")),
            ReviewKind::Answer => {
                let q = target
                    .strip_prefix('Q')
                    .and_then(|n| n.parse::<usize>().ok())
                    .and_then(|n| v.crs.open_questions.get(n.wrapping_sub(1)));
                match q {
                    Some(q) => out.push(format!("{target} ({q}): {body}")),
                    None => out.push(format!("{target}: {body}")),
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Carries the locks of `from` to the new version `to`, at the steps' new places.
fn carry_locks(
    store: &mut Store,
    clock: &Clock,
    from: &Version,
    to: &PlanRecord,
    plan: &Plan,
) -> Result<(), ReviewError> {
    for i in locked_steps(store, &from.record.id)? {
        let Some(step) = from.plan.steps.get(i) else { continue };
        if let Some(j) = plan.steps.iter().position(|s| s == step) {
            let mut e = entry(&to.id, ReviewKind::Lock, clock);
            e.target = Some(Target::Step(j).label());
            store.insert_review(&e)?;
        }
    }
    Ok(())
}

/// Replaces the version `plan_id` with a plan the reviewer edited. The edit is checked like a
/// generated plan; on problems it comes back in the error, unrecorded. Otherwise it becomes a
/// new draft version whose parent is `plan_id`.
pub fn replace(
    config: &Config,
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    mut edited: Plan,
) -> Result<PlanRecord, ReviewError> {
    current(store, plan_id)?;
    let v = Version::load(store, plan_id)?;
    let stored: serde_json::Value = serde_json::from_str(&v.crs_record.crs_json)
        .map_err(|e| ReviewError::Corrupt(format!("CRS {} cannot be read: {e}", v.crs_record.id)))?;
    let ids = CriterionIds::with_originals(&v.crs, &stored);
    let root =
        v.record.repo_path.as_deref().map(Path::new).or(config.repo.as_deref()).unwrap_or(Path::new("."));
    let mut problems = plan::schema::check_with(&edited, &v.crs, &ids, root);
    for i in locked_steps(store, plan_id)? {
        if let Some(s) = v.plan.steps.get(i).filter(|s| !edited.steps.contains(s)) {
            problems.push(format!(
                "$.steps: locked step S{} \"{}\" was changed; unlock it first",
                i + 1,
                s.title
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ReviewError::Invalid { problems, plan: Box::new(edited) });
    }
    plan::schema::resolve_criteria(&mut edited, &ids);
    let now = clock.now_ts();
    let record = PlanRecord {
        id: crate::store::new_id(),
        parent_id: Some(plan_id.to_string()),
        status: "draft".into(),
        task_summary: Some(edited.summary.clone()),
        complexity: Some(edited.complexity.as_str().to_string()),
        confidence: Some(edited.confidence.clamp(0.0, 1.0)),
        steps_count: edited.steps.len() as i64,
        processing_time_ms: None,
        model: None,
        prompt_tokens: None,
        completion_tokens: None,
        tokens_used: None,
        cost_usd: None,
        plan_json: Some(serde_json::to_string(&edited).map_err(|e| ReviewError::Corrupt(e.to_string()))?),
        created_at: now.clone(),
        updated_at: now,
        ..v.record.clone()
    };
    let how = entry(&record.id, ReviewKind::Edit, clock);
    store.insert_version(&record, &how, None)?;
    carry_locks(store, clock, &v, &record, &edited)?;
    Ok(record)
}

/// Runs store work on a blocking thread with a connection of its own to the store at `db`,
/// so a frontend sharing the calling task answers its keys meanwhile.
pub async fn off_task<T, E>(
    db: &Path,
    work: impl FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<ReviewError> + Send + 'static,
{
    let db = db.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut store = Store::open(&db).map_err(|e| E::from(ReviewError::Store(e)))?;
        work(&mut store)
    })
    .await
    .unwrap_or_else(|e| {
        Err(E::from(ReviewError::Corrupt(format!("the store work stopped unexpectedly: {e}"))))
    })
}

/// Asks the model to revise the version `plan_id` with `feedback`, the version's comments,
/// answers and locks. The feedback is recorded first; the new version records its parent and
/// the feedback, and the parent becomes `superseded`. The store at `db` is read and written
/// off the calling task.
pub async fn revise(
    config: &Config,
    clock: &Clock,
    db: &Path,
    client: &crate::llm::Client,
    plan_id: &str,
    feedback: &str,
    progress: Progress<'_>,
) -> Result<PlanOutcome, Error> {
    let feedback = feedback.trim().to_string();
    let clock = *clock;
    let (v, notes, locked, owner) = off_task(db, {
        let (config, id, feedback) = (config.clone(), plan_id.to_string(), feedback.clone());
        move |store: &mut Store| -> Result<_, Error> {
            current(store, &id)?;
            if feedback.is_empty() {
                return Err(Error::usage("say what to change in the plan"));
            }
            let v = Version::load(store, &id)?;
            let mut fb = entry(&id, ReviewKind::Feedback, &clock);
            fb.body = Some(feedback);
            store.insert_review(&fb)?;
            let notes = notes(store, &v)?;
            let locked = locked_steps(store, &id)?;
            let root = config.require_repo()?.to_path_buf();
            let owner = Owner::of(&config, store, &root)?;
            Ok((v, notes, locked, owner))
        }
    })
    .await?;
    let revision = Revision { parent: &v.record, plan: &v.plan, feedback: &feedback, notes, locked };
    let basis =
        plan::Basis { crs_record: &v.crs_record, snapshot: None, context: None, revision: Some(&revision) };
    let out = plan::generate(client, config, &owner, &clock, basis, progress).await?;
    off_task(db, move |store: &mut Store| -> Result<_, Error> {
        let mut how = entry(&out.record.id, ReviewKind::Revise, &clock);
        how.body = Some(feedback);
        store.insert_version(&out.record, &how, Some(&out.usage))?;
        carry_locks(store, &clock, &v, &out.record, &out.plan)?;
        Ok(out)
    })
    .await
}

/// A change to one acceptance criterion of the CRS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CriterionEdit {
    /// A new criterion; it takes the id after the highest one (`AC4` after `AC3`).
    Add { description: String, verification: String },
    /// New wording for a criterion; its id stays.
    Change { id: String, description: String, verification: String },
    /// The criterion is dropped; its id is not given to another.
    Remove { id: String },
}

impl CriterionEdit {
    /// One line for the record, naming the criterion `id`: `added AC4: …`, `removed AC2`.
    fn describe(&self, id: &str) -> String {
        match self {
            CriterionEdit::Add { description, .. } => format!("added {id}: {}", description.trim()),
            CriterionEdit::Change { description, .. } => format!("changed {id}: {}", description.trim()),
            CriterionEdit::Remove { .. } => format!("removed {id}"),
        }
    }
}

/// A version made by editing the acceptance criteria.
#[derive(Debug, Clone)]
pub struct CriteriaEdited {
    /// The new plan version (the same plan, bound to the new CRS).
    pub record: PlanRecord,
    /// The plan.
    pub plan: Plan,
    /// The new CRS's record.
    pub crs_record: CrsRecord,
    /// The new CRS.
    pub crs: Crs,
    /// Where the plan's testing strategy no longer matches the criteria (a check covering a
    /// removed criterion, a criterion no check covers): the version cannot be approved until
    /// a revision or an edit fixes them.
    pub problems: Vec<String>,
}

fn criterion_number(id: &str) -> Option<u32> {
    id.strip_prefix("AC")?.parse().ok()
}

/// The number the first criterion added to `criteria` comes after: [`edit_criteria`] gives
/// added criteria the ids after it, in order.
fn last_number(criteria: &[AcceptanceCriterion]) -> u32 {
    criteria.iter().filter_map(|c| criterion_number(&c.id)).max().unwrap_or(0).max(criteria.len() as u32)
}

/// The edits that turn the criteria `now` into `wanted` (matched by id, ignoring case; a
/// wording that differs only in spacing is unchanged), and for each criterion of `wanted`
/// whose id is new, that id and the one [`edit_criteria`] will give it.
pub fn criteria_edits(
    now: &[AcceptanceCriterion],
    wanted: &[AcceptanceCriterion],
) -> (Vec<CriterionEdit>, Vec<(String, String)>) {
    let same = |a: &str, b: &str| a.split_whitespace().eq(b.split_whitespace());
    let find = |list: &[AcceptanceCriterion], id: &str| {
        list.iter().position(|c| c.id.trim().eq_ignore_ascii_case(id.trim()))
    };
    let mut edits = Vec::new();
    for c in now {
        if find(wanted, &c.id).is_none() {
            edits.push(CriterionEdit::Remove { id: c.id.clone() });
        }
    }
    let mut next = last_number(now);
    let mut renamed = Vec::new();
    for w in wanted {
        match find(now, &w.id) {
            Some(i) => {
                let c = &now[i];
                if !same(&c.description, &w.description) || !same(&c.verification, &w.verification) {
                    edits.push(CriterionEdit::Change {
                        id: c.id.clone(),
                        description: w.description.clone(),
                        verification: w.verification.clone(),
                    });
                }
            }
            None => {
                next += 1;
                renamed.push((w.id.clone(), format!("AC{next}")));
                edits.push(CriterionEdit::Add {
                    description: w.description.clone(),
                    verification: w.verification.clone(),
                });
            }
        }
    }
    (edits, renamed)
}

/// Applies `edits` to the acceptance criteria of the version `plan_id`: records a new CRS and
/// a new plan version implementing it (parent `plan_id`, which becomes `superseded`), with an
/// `edit` entry on `criteria` saying what changed. Nothing calls the model; the plan's
/// testing strategy is checked against the new criteria and the problems come back.
pub fn edit_criteria(
    store: &mut Store,
    clock: &Clock,
    plan_id: &str,
    edits: &[CriterionEdit],
) -> Result<CriteriaEdited, ReviewError> {
    current(store, plan_id)?;
    if edits.is_empty() {
        return Err(ReviewError::Criteria("no change to the acceptance criteria was given".into()));
    }
    let v = Version::load(store, plan_id)?;
    let old_doc: serde_json::Value = serde_json::from_str(&v.crs_record.crs_json)
        .map_err(|e| ReviewError::Corrupt(format!("CRS {} cannot be read: {e}", v.crs_record.id)))?;
    let mut list: Vec<(AcceptanceCriterion, Option<String>)> = v
        .crs
        .acceptance_criteria
        .iter()
        .cloned()
        .zip(crate::crs::schema::original_ids(&old_doc).into_iter().chain(std::iter::repeat(None)))
        .collect();
    let mut next = last_number(&v.crs.acceptance_criteria);
    let mut said = Vec::new();
    let filled = |what: &str, text: &str| {
        let t = text.trim();
        if t.is_empty() {
            Err(ReviewError::Criteria(format!("a criterion needs {what}")))
        } else {
            Ok(t.to_string())
        }
    };
    for edit in edits {
        let at = |id: &str, list: &[(AcceptanceCriterion, Option<String>)]| {
            list.iter()
                .position(|(c, _)| c.id.eq_ignore_ascii_case(id.trim()))
                .ok_or_else(|| ReviewError::NoTarget(format!("criterion {}", id.trim())))
        };
        match edit {
            CriterionEdit::Add { description, verification } => {
                next += 1;
                let id = format!("AC{next}");
                list.push((
                    AcceptanceCriterion {
                        id: id.clone(),
                        description: filled("a description", description)?,
                        verification: filled("a way to verify it", verification)?,
                    },
                    None,
                ));
                said.push(edit.describe(&id));
            }
            CriterionEdit::Change { id, description, verification } => {
                let i = at(id, &list)?;
                list[i].0.description = filled("a description", description)?;
                list[i].0.verification = filled("a way to verify it", verification)?;
                said.push(edit.describe(&list[i].0.id));
            }
            CriterionEdit::Remove { id } => {
                let i = at(id, &list)?;
                let gone = list.remove(i);
                said.push(edit.describe(&gone.0.id));
            }
        }
    }
    if list.is_empty() {
        return Err(ReviewError::Criteria(
            "the CRS needs at least one acceptance criterion; change the last one instead of removing it"
                .into(),
        ));
    }
    let originals: Vec<Option<String>> = list.iter().map(|(_, o)| o.clone()).collect();
    let crs = Crs { acceptance_criteria: list.into_iter().map(|(c, _)| c).collect(), ..v.crs.clone() };
    let doc =
        crate::crs::schema::stored(&crs, &originals).map_err(|e| ReviewError::Corrupt(e.to_string()))?;
    let now = clock.now_ts();
    let crs_record = CrsRecord {
        id: crate::store::new_id(),
        crs_json: doc.to_string(),
        model: None,
        prompt_tokens: None,
        completion_tokens: None,
        tokens_used: None,
        cost_usd: None,
        processing_time_ms: None,
        created_at: now.clone(),
        updated_at: now.clone(),
        ..v.crs_record.clone()
    };
    let record = PlanRecord {
        id: crate::store::new_id(),
        parent_id: Some(plan_id.to_string()),
        status: "draft".into(),
        crs_id: Some(crs_record.id.clone()),
        processing_time_ms: None,
        model: None,
        prompt_tokens: None,
        completion_tokens: None,
        tokens_used: None,
        cost_usd: None,
        created_at: now.clone(),
        updated_at: now,
        ..v.record.clone()
    };
    let mut how = entry(&record.id, ReviewKind::Edit, clock);
    how.target = Some(CRITERIA.to_string());
    how.body = Some(said.join("; "));
    store.insert_crs_version(&crs_record, &record, &how)?;
    carry_locks(store, clock, &v, &record, &v.plan)?;
    let made = Version { record, plan: v.plan.clone(), crs_record, crs };
    let problems = made.criteria_problems()?;
    Ok(CriteriaEdited {
        record: made.record,
        plan: made.plan,
        crs_record: made.crs_record,
        crs: made.crs,
        problems,
    })
}

/// The target of the entry that records an edit of the acceptance criteria.
pub const CRITERIA: &str = "criteria";
