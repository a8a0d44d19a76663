-- vibe local history, schema version 4: how far the team mirror (`vibe sync`) has got.
-- Additive only.
--
-- Per mirror (its Supabase URL) and table, a cursor over (updated_at, id): every row at or
-- before it has been confirmed by the server. Rows are read in that order through the
-- (updated_at, id) indexes below. A row written at or behind a cursor (clocks that stand
-- still or step back, writers that commit out of timestamp order) rewinds that cursor to just
-- before it, so nothing is skipped; a rewound cursor only re-sends rows, which the server
-- merges into themselves.

create table sync_cursors (
  target      text not null,   -- the mirror's URL
  tbl         text not null,
  updated_at  text not null,
  id          text not null,
  synced_at   text,            -- when the cursor last moved
  primary key (target, tbl)
) without rowid;

create index users_sync_idx on users (updated_at, id);
create index crs_records_sync_idx on crs_records (updated_at, id);
create index plan_records_sync_idx on plan_records (updated_at, id);
create index job_records_sync_idx on job_records (updated_at, id);
create index pr_records_sync_idx on pr_records (updated_at, id);

-- Model usage gets a modification time of its own (written by SQLite, in the store's format)
-- so the roll-up can be mirrored incrementally too; its id is day|model|stage.
alter table usage_daily add column updated_at text not null default '';
update usage_daily set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
create index usage_daily_sync_idx on usage_daily (updated_at, day, model, stage);

create trigger usage_daily_touch_ins after insert on usage_daily begin
  update usage_daily set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    where day = new.day and model = new.model and stage = new.stage;
end;
create trigger usage_daily_touch_upd after update of calls, prompt_tokens, completion_tokens, cost_usd
  on usage_daily begin
  update usage_daily set updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    where day = new.day and model = new.model and stage = new.stage;
end;

-- Rewinds: a written row that sorts at or before a table's cursor moves the cursor back.
create trigger users_sync_rewind_ins after insert on users begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'users' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger users_sync_rewind_upd after update on users begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'users' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger crs_sync_rewind_ins after insert on crs_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'crs_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger crs_sync_rewind_upd after update on crs_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'crs_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger plans_sync_rewind_ins after insert on plan_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'plan_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger plans_sync_rewind_upd after update on plan_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'plan_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger jobs_sync_rewind_ins after insert on job_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'job_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger jobs_sync_rewind_upd after update on job_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'job_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger prs_sync_rewind_ins after insert on pr_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'pr_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
create trigger prs_sync_rewind_upd after update on pr_records begin
  update sync_cursors set updated_at = new.updated_at, id = ''
    where tbl = 'pr_records' and (updated_at, id) >= (new.updated_at, new.id);
end;
