//! Queries for the GitHub area: pull-request records by repository and number.

use rusqlite::{params, OptionalExtension};

use super::{PrRecord, Store, StoreResult, PR_COLS};

impl Store {
    /// Pull-request records, newest first; only those of `repo` (host, owner/name) when given.
    pub fn pr_list_recent(&self, limit: u32, repo: Option<(&str, &str)>) -> StoreResult<Vec<PrRecord>> {
        let (host, full) = repo.unwrap_or(("", ""));
        let sql = format!(
            "select {PR_COLS} from pr_records where deleted_at is null \
               and (?1 = '' or (github_host = ?1 and repo_full_name = ?2 collate nocase)) \
             order by created_at desc, pr_number desc limit ?3"
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows =
            stmt.query_map(params![host, full, limit], PrRecord::from_row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The record of one pull request.
    pub fn pr_find(&self, host: &str, repo_full_name: &str, number: i64) -> StoreResult<Option<PrRecord>> {
        let sql = format!(
            "select {PR_COLS} from pr_records where github_host = ?1 and repo_full_name = ?2 collate nocase \
             and pr_number = ?3"
        );
        Ok(self
            .conn()
            .query_row(&sql, params![host, repo_full_name, number], PrRecord::from_row)
            .optional()?)
    }
}
