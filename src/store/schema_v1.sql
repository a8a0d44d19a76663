-- vibe local history, schema version 1.
-- The four tracking tables carry the columns of the Supabase schema (protocols/supabase_schema.sql)
-- so the mirror is a straight copy; columns marked "local" stay on this machine.
-- Timestamps are RFC 3339 UTC text with milliseconds ("2026-01-31T12:00:00.000Z"), which sorts.

create table users (
  id              text primary key,
  github_host     text not null default 'github.com',
  github_id       integer not null,
  login           text not null,
  name            text,
  email           text,
  avatar_url      text,
  html_url        text,
  auth_user_id    text,
  last_login_at   text,
  created_at      text not null,
  updated_at      text not null,
  deleted_at      text,
  unique (github_host, github_id)
);

create table crs_records (
  id                  text primary key,
  user_id             text references users (id) on delete cascade,
  github_host         text,
  repo_full_name      text,
  repo_path           text,               -- local
  prompt              text not null,
  summary             text,
  crs_json            text not null,
  model               text,
  prompt_tokens       integer,
  completion_tokens   integer,
  tokens_used         integer,
  cost_usd            real,
  processing_time_ms  integer,
  created_at          text not null,
  updated_at          text not null,
  deleted_at          text
);

create table plan_records (
  id                  text primary key,
  user_id             text references users (id) on delete cascade,
  github_host         text,
  repo_full_name      text,
  parent_id           text references plan_records (id) on delete set null,
  status              text not null default 'draft'
                      check (status in ('draft', 'approved', 'rejected', 'superseded')),
  task_summary        text,
  complexity          text,
  confidence          real check (confidence is null or (confidence >= 0 and confidence <= 1)),
  steps_count         integer not null default 0 check (steps_count >= 0),
  processing_time_ms  integer check (processing_time_ms is null or processing_time_ms >= 0),
  model               text,
  prompt_tokens       integer,
  completion_tokens   integer,
  tokens_used         integer,
  crs_id              text references crs_records (id) on delete set null,  -- local
  repo_path           text,                                                -- local
  plan_json           text,                                                -- local
  cost_usd            real,                                                -- local
  created_at          text not null,
  updated_at          text not null,
  deleted_at          text
);

create table job_records (
  id                  text primary key,
  plan_id             text references plan_records (id) on delete set null,
  user_id             text references users (id) on delete cascade,
  github_host         text,
  repo_full_name      text,
  branch_name         text,
  sandbox             text,
  status              text not null default 'queued'
                      check (status in ('queued', 'provisioning', 'running', 'testing', 'committing',
                                        'done', 'failed', 'cancelled', 'interrupted')),
  base_commit         text,
  commit_sha          text,
  execution_time_ms   integer check (execution_time_ms is null or execution_time_ms >= 0),
  files_changed       integer not null default 0 check (files_changed >= 0),
  lines_added         integer,
  lines_removed       integer,
  tokens_used         integer,
  error_message       text,
  started_at          text,
  finished_at         text,
  repo_path           text,               -- local
  model               text,               -- local
  cost_usd            real,               -- local
  pid                 integer,            -- local: process running the job
  heartbeat_at        text,               -- local: last sign of life of that process
  cancel_requested    integer not null default 0,  -- local
  result_json         text,               -- local
  created_at          text not null,
  updated_at          text not null,
  deleted_at          text
);

create table pr_records (
  id              text primary key,
  job_id          text references job_records (id) on delete set null,
  user_id         text references users (id) on delete cascade,
  github_host     text not null default 'github.com',
  repo_full_name  text not null,
  pr_number       integer not null check (pr_number > 0),
  pr_url          text not null,
  state           text not null default 'open' check (state in ('open', 'closed', 'merged')),
  draft           integer not null default 0,
  title           text,
  head_ref        text,
  base_ref        text,
  head_sha        text,
  created_at      text not null,
  updated_at      text not null,
  deleted_at      text,
  unique (github_host, repo_full_name, pr_number)
);

-- Append-only log of each job: (job_id, seq) is unique, so a resumed job never duplicates.
create table job_events (
  id          text primary key,
  job_id      text not null references job_records (id) on delete cascade,
  seq         integer not null,
  kind        text not null,
  payload     text not null,
  created_at  text not null,
  updated_at  text not null,
  unique (job_id, seq)
);

-- Model usage per day, model and stage, kept up to date on every call so metrics stay
-- fast however many jobs there are.
create table usage_daily (
  day                 text not null,
  model               text not null,
  stage               text not null,
  calls               integer not null default 0,
  prompt_tokens       integer not null default 0,
  completion_tokens   integer not null default 0,
  cost_usd            real not null default 0,
  primary key (day, model, stage)
) without rowid;

create index crs_records_created_idx on crs_records (created_at);
create index plan_records_created_idx on plan_records (created_at);
create index plan_records_user_idx on plan_records (user_id);
create index job_records_created_idx on job_records (created_at);
create index job_records_status_idx on job_records (status);
create index job_records_time_idx on job_records (execution_time_ms) where execution_time_ms is not null;
create index job_records_user_idx on job_records (user_id);
create index job_records_plan_idx on job_records (plan_id);
create index pr_records_created_idx on pr_records (created_at);
create index pr_records_state_idx on pr_records (state);
create index pr_records_job_idx on pr_records (job_id);
