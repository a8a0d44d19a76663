//! Writes of the model stages: a CRS or plan row together with its usage in the daily
//! roll-up, in one transaction, so a failure leaves neither.

use super::{CrsRecord, PlanRecord, Store, StoreResult};
use crate::llm::Usage;

impl Store {
    pub(super) fn with_usage(
        &mut self,
        created_at: &str,
        usage: &Usage,
        stage: &str,
        insert: impl FnOnce(&mut Store) -> StoreResult<()>,
    ) -> StoreResult<()> {
        self.conn().execute_batch("begin immediate")?;
        let day = created_at.get(..10).unwrap_or(created_at).to_string();
        let result = insert(self).and_then(|()| {
            self.record_usage(
                &day,
                &usage.model,
                stage,
                i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
                i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
                usage.cost_usd,
            )
        });
        match result {
            Ok(()) => {
                self.conn().execute_batch("commit")?;
                Ok(())
            }
            Err(e) => {
                let _ = self.conn().execute_batch("rollback");
                Err(e)
            }
        }
    }

    /// Records a generated CRS and adds its usage to the roll-up under `stage`.
    pub fn save_crs(&mut self, record: &CrsRecord, usage: &Usage, stage: &str) -> StoreResult<()> {
        self.with_usage(&record.created_at, usage, stage, |s| s.insert_crs(record))
    }

    /// Records a generated plan and adds its usage to the roll-up under `stage`.
    pub fn save_plan(&mut self, record: &PlanRecord, usage: &Usage, stage: &str) -> StoreResult<()> {
        self.with_usage(&record.created_at, usage, stage, |s| s.insert_plan(record))
    }
}
