-- vibe local history, schema version 2: roll-ups that keep `vibe admin metrics` fast however
-- many rows the tracking tables hold. Additive only: two tables kept exact by triggers, and
-- indexes for the listings. Rows with a `deleted_at` tombstone are not counted.

-- Live rows per table and status (users and CRSs have no status: '').
create table record_counts (
  tbl     text not null,
  status  text not null,
  n       integer not null default 0,
  primary key (tbl, status)
) without rowid;

insert into record_counts (tbl, status, n)
  select 'users', '', count(*) from users where deleted_at is null;
insert into record_counts (tbl, status, n)
  select 'crs_records', '', count(*) from crs_records where deleted_at is null;
insert into record_counts (tbl, status, n)
  select 'plan_records', status, count(*) from plan_records where deleted_at is null group by status;
insert into record_counts (tbl, status, n)
  select 'job_records', status, count(*) from job_records where deleted_at is null group by status;
insert into record_counts (tbl, status, n)
  select 'pr_records', state, count(*) from pr_records where deleted_at is null group by state;

-- Live jobs with an execution time, per whole second of that time. Percentiles walk this
-- small table to the right second, then the time index inside that second only.
create table job_time_hist (
  sec  integer primary key,
  n    integer not null default 0
);

insert into job_time_hist (sec, n)
  select execution_time_ms / 1000, count(*) from job_records
  where deleted_at is null and execution_time_ms is not null group by execution_time_ms / 1000;

create index job_records_live_time_idx on job_records (execution_time_ms)
  where deleted_at is null and execution_time_ms is not null;
-- Listings filtered by status walk these in `created_at` order and stop at the limit.
create index job_records_status_created_idx on job_records (status, created_at);
create index plan_records_status_created_idx on plan_records (status, created_at);
create index pr_records_state_created_idx on pr_records (state, created_at);
-- Listings filtered by repository (`owner/name` in any case, or a local path).
create index job_records_repo_created_idx on job_records (repo_full_name collate nocase, created_at);
create index job_records_path_created_idx on job_records (repo_path, created_at);
create index plan_records_repo_created_idx on plan_records (repo_full_name collate nocase, created_at);
create index plan_records_path_created_idx on plan_records (repo_path, created_at);
create index crs_records_repo_created_idx on crs_records (repo_full_name collate nocase, created_at);
create index crs_records_path_created_idx on crs_records (repo_path, created_at);
create index pr_records_repo_created_idx on pr_records (repo_full_name collate nocase, created_at);
create index crs_records_user_idx on crs_records (user_id);
create index pr_records_user_idx on pr_records (user_id);

-- users
create trigger users_count_ins after insert on users when new.deleted_at is null begin
  insert into record_counts (tbl, status, n) values ('users', '', 1)
    on conflict (tbl, status) do update set n = n + 1;
end;
create trigger users_count_del after delete on users when old.deleted_at is null begin
  update record_counts set n = n - 1 where tbl = 'users' and status = '';
end;
create trigger users_count_upd after update of deleted_at on users
  when (old.deleted_at is null) <> (new.deleted_at is null) begin
  update record_counts set n = n + (case when new.deleted_at is null then 1 else -1 end)
    where tbl = 'users' and status = '';
  insert into record_counts (tbl, status, n) select 'users', '', 1 where new.deleted_at is null
    on conflict (tbl, status) do nothing;
end;

-- crs_records
create trigger crs_count_ins after insert on crs_records when new.deleted_at is null begin
  insert into record_counts (tbl, status, n) values ('crs_records', '', 1)
    on conflict (tbl, status) do update set n = n + 1;
end;
create trigger crs_count_del after delete on crs_records when old.deleted_at is null begin
  update record_counts set n = n - 1 where tbl = 'crs_records' and status = '';
end;
create trigger crs_count_upd after update of deleted_at on crs_records
  when (old.deleted_at is null) <> (new.deleted_at is null) begin
  update record_counts set n = n + (case when new.deleted_at is null then 1 else -1 end)
    where tbl = 'crs_records' and status = '';
  insert into record_counts (tbl, status, n) select 'crs_records', '', 1 where new.deleted_at is null
    on conflict (tbl, status) do nothing;
end;

-- plan_records
create trigger plans_count_ins after insert on plan_records when new.deleted_at is null begin
  insert into record_counts (tbl, status, n) values ('plan_records', new.status, 1)
    on conflict (tbl, status) do update set n = n + 1;
end;
create trigger plans_count_del after delete on plan_records when old.deleted_at is null begin
  update record_counts set n = n - 1 where tbl = 'plan_records' and status = old.status;
end;
create trigger plans_count_upd after update of status, deleted_at on plan_records
  when old.status is not new.status or old.deleted_at is not new.deleted_at begin
  update record_counts set n = n - 1
    where tbl = 'plan_records' and status = old.status and old.deleted_at is null;
  insert into record_counts (tbl, status, n) select 'plan_records', new.status, 1
    where new.deleted_at is null
    on conflict (tbl, status) do update set n = n + 1;
end;

-- job_records
create trigger jobs_count_ins after insert on job_records when new.deleted_at is null begin
  insert into record_counts (tbl, status, n) values ('job_records', new.status, 1)
    on conflict (tbl, status) do update set n = n + 1;
end;
create trigger jobs_count_del after delete on job_records when old.deleted_at is null begin
  update record_counts set n = n - 1 where tbl = 'job_records' and status = old.status;
end;
create trigger jobs_count_upd after update of status, deleted_at on job_records
  when old.status is not new.status or old.deleted_at is not new.deleted_at begin
  update record_counts set n = n - 1
    where tbl = 'job_records' and status = old.status and old.deleted_at is null;
  insert into record_counts (tbl, status, n) select 'job_records', new.status, 1
    where new.deleted_at is null
    on conflict (tbl, status) do update set n = n + 1;
end;

create trigger jobs_time_ins after insert on job_records
  when new.deleted_at is null and new.execution_time_ms is not null begin
  insert into job_time_hist (sec, n) values (new.execution_time_ms / 1000, 1)
    on conflict (sec) do update set n = n + 1;
end;
create trigger jobs_time_del after delete on job_records
  when old.deleted_at is null and old.execution_time_ms is not null begin
  update job_time_hist set n = n - 1 where sec = old.execution_time_ms / 1000;
end;
create trigger jobs_time_upd after update of execution_time_ms, deleted_at on job_records
  when old.execution_time_ms is not new.execution_time_ms or old.deleted_at is not new.deleted_at begin
  update job_time_hist set n = n - 1
    where sec = old.execution_time_ms / 1000 and old.deleted_at is null;
  insert into job_time_hist (sec, n) select new.execution_time_ms / 1000, 1
    where new.deleted_at is null and new.execution_time_ms is not null
    on conflict (sec) do update set n = n + 1;
end;

-- pr_records
create trigger prs_count_ins after insert on pr_records when new.deleted_at is null begin
  insert into record_counts (tbl, status, n) values ('pr_records', new.state, 1)
    on conflict (tbl, status) do update set n = n + 1;
end;
create trigger prs_count_del after delete on pr_records when old.deleted_at is null begin
  update record_counts set n = n - 1 where tbl = 'pr_records' and status = old.state;
end;
create trigger prs_count_upd after update of state, deleted_at on pr_records
  when old.state is not new.state or old.deleted_at is not new.deleted_at begin
  update record_counts set n = n - 1
    where tbl = 'pr_records' and status = old.state and old.deleted_at is null;
  insert into record_counts (tbl, status, n) select 'pr_records', new.state, 1
    where new.deleted_at is null
    on conflict (tbl, status) do update set n = n + 1;
end;
