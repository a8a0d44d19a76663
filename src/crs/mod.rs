//! The change request spec (CRS): what must change and how we know it is done. The types are
//! here; [`schema`] holds its JSON Schema and checks, [`generate()`] makes and records one
//! through [`crate::llm`], [`to_markdown`] renders it.

use serde::{Deserialize, Serialize};

/// A change request spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crs {
    /// One or two sentences: the change.
    pub summary: String,
    /// What the change must achieve.
    pub goals: Vec<String>,
    /// What is deliberately out of scope.
    pub non_goals: Vec<String>,
    /// Limits the change must respect (compatibility, performance, style, …).
    pub constraints: Vec<String>,
    /// Checkable conditions that say the change is done.
    pub acceptance_criteria: Vec<AcceptanceCriterion>,
    /// Parts of the repository likely touched (paths, modules, components).
    pub affected_areas: Vec<String>,
    /// What could go wrong.
    pub risks: Vec<String>,
    /// Questions the prompt leaves open (answered by assumption in the plan).
    pub open_questions: Vec<String>,
}

/// One acceptance criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptanceCriterion {
    /// Short stable id: `AC1`, `AC2`, …
    pub id: String,
    /// The condition, stated so it can be checked.
    pub description: String,
    /// How to check it (a command, a test, an observation).
    pub verification: String,
}

mod generate;
mod render;
pub mod schema;

pub(crate) use generate::repository_message;
pub(crate) use generate::tokens_i64;
pub use generate::{generate, load, request_tokens, CrsOutcome, Input, Owner};
pub use render::to_markdown;
