//! Plan reviews: the entries reviewers leave on a plan version (approval bound to the
//! version's content hash, rejection with its reason, comments, locks, answers, the feedback
//! a revision was asked with), and the chain of versions.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{PlanRecord, Store, StoreError, StoreResult, PLAN_COLS};

/// What a review entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// The version was approved (its content hash is kept).
    Approve,
    /// The version was rejected (the reason is the body).
    Reject,
    /// A comment on a step or a criterion.
    Comment,
    /// A step is locked: revisions keep it word for word.
    Lock,
    /// A lock was lifted.
    Unlock,
    /// An answer to one of the CRS's open questions.
    Answer,
    /// Feedback given for a revision, kept on the version it revises before the model call.
    Feedback,
    /// On a new version: the model revised its parent with this feedback.
    Revise,
    /// On a new version: the reviewer replaced its parent with an edited plan.
    Edit,
}

impl ReviewKind {
    /// As stored in `plan_reviews.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Approve => "approve",
            ReviewKind::Reject => "reject",
            ReviewKind::Comment => "comment",
            ReviewKind::Lock => "lock",
            ReviewKind::Unlock => "unlock",
            ReviewKind::Answer => "answer",
            ReviewKind::Feedback => "feedback",
            ReviewKind::Revise => "revise",
            ReviewKind::Edit => "edit",
        }
    }

    /// Reads a stored kind.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "approve" => ReviewKind::Approve,
            "reject" => ReviewKind::Reject,
            "comment" => ReviewKind::Comment,
            "lock" => ReviewKind::Lock,
            "unlock" => ReviewKind::Unlock,
            "answer" => ReviewKind::Answer,
            "feedback" => ReviewKind::Feedback,
            "revise" => ReviewKind::Revise,
            "edit" => ReviewKind::Edit,
            _ => return None,
        })
    }
}

/// One entry of a plan version's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub id: String,
    pub plan_id: String,
    pub kind: ReviewKind,
    pub target: Option<String>,
    pub body: Option<String>,
    pub content_hash: Option<String>,
    pub created_at: String,
}

const REVIEW_COLS: &str = "id, plan_id, kind, target, body, content_hash, created_at";

impl ReviewRecord {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let kind: String = r.get(2)?;
        Ok(Self {
            id: r.get(0)?,
            plan_id: r.get(1)?,
            kind: ReviewKind::parse(&kind).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, kind.into())
            })?,
            target: r.get(3)?,
            body: r.get(4)?,
            content_hash: r.get(5)?,
            created_at: r.get(6)?,
        })
    }
}

impl Store {
    /// Adds a review entry.
    pub fn insert_review(&mut self, r: &ReviewRecord) -> StoreResult<()> {
        self.conn().execute(
            &format!("insert into plan_reviews ({REVIEW_COLS}) values (?1,?2,?3,?4,?5,?6,?7)"),
            params![r.id, r.plan_id, r.kind.as_str(), r.target, r.body, r.content_hash, r.created_at],
        )?;
        Ok(())
    }

    /// A version's review entries, oldest first.
    pub fn reviews(&self, plan_id: &str) -> StoreResult<Vec<ReviewRecord>> {
        let mut stmt = self.conn().prepare(&format!(
            "select {REVIEW_COLS} from plan_reviews where plan_id = ?1 order by created_at, rowid"
        ))?;
        let rows = stmt.query_map([plan_id], ReviewRecord::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a new plan version in one transaction: the row, the entry saying how it was
    /// made, and its parent marked `superseded`.
    pub fn insert_version(
        &mut self,
        plan: &PlanRecord,
        how: &ReviewRecord,
        usage: Option<&crate::llm::Usage>,
    ) -> StoreResult<()> {
        let parent = plan.parent_id.clone();
        let now = plan.created_at.clone();
        let insert = |s: &mut Store| -> StoreResult<()> {
            s.insert_plan(plan)?;
            s.insert_review(how)?;
            if let Some(p) = &parent {
                s.set_plan_status(p, "superseded", &now)?;
            }
            Ok(())
        };
        match usage {
            Some(u) => self.with_usage(&plan.created_at, u, "plan", insert),
            None => {
                self.conn().execute_batch("begin immediate")?;
                match insert(self) {
                    Ok(()) => Ok(self.conn().execute_batch("commit")?),
                    Err(e) => {
                        let _ = self.conn().execute_batch("rollback");
                        Err(e)
                    }
                }
            }
        }
    }

    /// Records a version made by editing the CRS in one transaction: the new CRS, the plan
    /// version that implements it, the entry saying how it was made, and the parent plan
    /// marked `superseded`.
    pub fn insert_crs_version(
        &mut self,
        crs: &super::CrsRecord,
        plan: &PlanRecord,
        how: &ReviewRecord,
    ) -> StoreResult<()> {
        self.conn().execute_batch("begin immediate")?;
        let done = (|| -> StoreResult<()> {
            self.insert_crs(crs)?;
            self.insert_plan(plan)?;
            self.insert_review(how)?;
            if let Some(p) = &plan.parent_id {
                self.set_plan_status(p, "superseded", &plan.created_at)?;
            }
            Ok(())
        })();
        match done {
            Ok(()) => Ok(self.conn().execute_batch("commit")?),
            Err(e) => {
                let _ = self.conn().execute_batch("rollback");
                Err(e)
            }
        }
    }

    /// The versions of a plan, oldest first: `id`, its ancestors through `parent_id`, and
    /// its descendants along the newest child.
    pub fn plan_versions(&self, id: &str) -> StoreResult<Vec<PlanRecord>> {
        let mut chain = vec![self.plan(id)?];
        while let Some(parent) = chain.last().and_then(|p| p.parent_id.clone()) {
            if chain.iter().any(|p| p.id == parent) {
                break;
            }
            match self.plan(&parent) {
                Ok(p) => chain.push(p),
                Err(StoreError::NotFound { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        chain.reverse();
        let sql = format!(
            "select {PLAN_COLS} from plan_records where parent_id = ?1 and deleted_at is null \
             order by created_at desc, rowid desc limit 1"
        );
        while let Some(last) = chain.last().map(|p| p.id.clone()) {
            let child = self.conn().query_row(&sql, [&last], PlanRecord::from_row).optional()?;
            match child {
                Some(c) if !chain.iter().any(|p| p.id == c.id) => chain.push(c),
                _ => break,
            }
        }
        Ok(chain)
    }
}
