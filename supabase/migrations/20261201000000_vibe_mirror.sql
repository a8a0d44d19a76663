-- vibe's team mirror: the tracking tables `vibe sync` pushes to, their row rules, the indexes
-- the admin views read with, and the team metrics only the project's secret key may read.
--
-- Apply it once per Supabase project: `supabase db push` from a checkout of vibe, or paste
-- this file into the SQL editor and run it. It is idempotent (running it again changes
-- nothing) and extends a project that ran an earlier version of the tracking schema.
--
-- Design:
--  * Ids are UUIDs made by vibe, so a re-sent row merges into itself (upsert on `id`).
--    Users and pull requests have deterministic ids (UUIDv5 of the GitHub identity / PR), so
--    two machines of one person converge on one row.
--  * `updated_at` is the server's: a trigger sets it on every write and keeps `created_at`.
--    vibe never sends it. `deleted_at` is a tombstone; sync never deletes.
--  * Who may do what:
--      - the secret key (role service_role, BYPASSRLS): everything; for an admin or CI;
--      - a team member signed in with Supabase Auth (role authenticated): only rows linked to
--        the `users` row whose `auth_user_id` is their Auth user id;
--      - the publishable key without a session (role anon): nothing at all, so a
--        misconfigured client fails loudly (42501) instead of reading an empty table.
--  * `vibe_team_metrics(since_day)` aggregates the whole team for `vibe admin --remote
--    metrics`; only service_role may execute it.

begin;

create or replace function public.vibe_touch_row() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  if tg_op = 'UPDATE' then
    new.created_at := old.created_at;
  elsif new.created_at is null then
    new.created_at := now();
  end if;
  return new;
end;
$$;

-- users: one row per GitHub identity that used vibe ------------------------------------------
create table if not exists public.users (
  id              uuid primary key,
  github_host     text        not null default 'github.com',
  github_id       bigint      not null,
  login           text        not null,
  name            text,
  email           text,
  avatar_url      text,
  html_url        text,
  auth_user_id    uuid,                      -- the member's Supabase Auth user (auth.users.id)
  last_login_at   timestamptz,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  deleted_at      timestamptz,
  constraint users_github_identity_key unique (github_host, github_id)
);

-- crs_records: one row per change request spec (its summary and cost, not its text) ----------
create table if not exists public.crs_records (
  id                  uuid primary key,
  user_id             uuid references public.users (id) on delete cascade,
  github_host         text,
  repo_full_name      text,
  summary             text,
  model               text,
  prompt_tokens       integer check (prompt_tokens is null or prompt_tokens >= 0),
  completion_tokens   integer check (completion_tokens is null or completion_tokens >= 0),
  tokens_used         integer check (tokens_used is null or tokens_used >= 0),
  cost_usd            double precision check (cost_usd is null or cost_usd >= 0),
  processing_time_ms  bigint check (processing_time_ms is null or processing_time_ms >= 0),
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  deleted_at          timestamptz
);

-- plan_records: one row per plan version -------------------------------------------------------
create table if not exists public.plan_records (
  id                  uuid primary key,
  user_id             uuid references public.users (id) on delete cascade,
  github_host         text,
  repo_full_name      text,
  parent_id           uuid references public.plan_records (id) on delete set null,
  status              text        not null default 'draft'
                      check (status in ('draft', 'approved', 'rejected', 'superseded')),
  task_summary        text,
  complexity          text,
  confidence          real
                      check (confidence is null or (confidence >= 0 and confidence <= 1)),
  steps_count         integer     not null default 0 check (steps_count >= 0),
  processing_time_ms  bigint      check (processing_time_ms is null or processing_time_ms >= 0),
  model               text,
  prompt_tokens       integer     check (prompt_tokens is null or prompt_tokens >= 0),
  completion_tokens   integer     check (completion_tokens is null or completion_tokens >= 0),
  tokens_used         integer     check (tokens_used is null or tokens_used >= 0),
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  deleted_at          timestamptz
);
alter table public.plan_records
  add column if not exists crs_id uuid references public.crs_records (id) on delete set null,
  add column if not exists cost_usd double precision check (cost_usd is null or cost_usd >= 0);

-- job_records: one row per execution of a plan -------------------------------------------------
create table if not exists public.job_records (
  id                  uuid primary key,
  plan_id             uuid references public.plan_records (id) on delete set null,
  user_id             uuid references public.users (id) on delete cascade,
  github_host         text,
  repo_full_name      text,
  branch_name         text,
  sandbox             text,
  status              text        not null default 'queued'
                      check (status in ('queued', 'provisioning', 'running', 'testing', 'committing',
                                        'done', 'failed', 'cancelled', 'interrupted')),
  base_commit         text,
  commit_sha          text,
  execution_time_ms   bigint      check (execution_time_ms is null or execution_time_ms >= 0),
  files_changed       integer     not null default 0 check (files_changed >= 0),
  lines_added         integer     check (lines_added is null or lines_added >= 0),
  lines_removed       integer     check (lines_removed is null or lines_removed >= 0),
  tokens_used         integer     check (tokens_used is null or tokens_used >= 0),
  error_message       text,
  started_at          timestamptz,
  finished_at         timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  deleted_at          timestamptz,
  constraint job_records_finished_after_start
    check (finished_at is null or started_at is null or finished_at >= started_at)
);
alter table public.job_records
  add column if not exists model text,
  add column if not exists cost_usd double precision check (cost_usd is null or cost_usd >= 0);

-- pr_records: one row per pull request a job opened (or found open) ----------------------------
create table if not exists public.pr_records (
  id              uuid primary key,
  job_id          uuid references public.job_records (id) on delete set null,
  user_id         uuid references public.users (id) on delete cascade,
  github_host     text        not null default 'github.com',
  repo_full_name  text        not null,
  pr_number       integer     not null check (pr_number > 0),
  pr_url          text        not null,
  state           text        not null default 'open'
                  check (state in ('open', 'closed', 'merged')),
  draft           boolean     not null default false,
  title           text,
  head_ref        text,
  base_ref        text,
  head_sha        text,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  deleted_at      timestamptz,
  constraint pr_records_pr_key unique (github_host, repo_full_name, pr_number)
);

-- usage_records: model usage per vibe installation, day, model and stage -----------------------
create table if not exists public.usage_records (
  id                  uuid primary key,      -- UUIDv5 of installation, day, model and stage
  user_id             uuid references public.users (id) on delete cascade,
  day                 date        not null,
  model               text        not null,
  stage               text        not null,
  calls               bigint      not null default 0 check (calls >= 0),
  prompt_tokens       bigint      not null default 0 check (prompt_tokens >= 0),
  completion_tokens   bigint      not null default 0 check (completion_tokens >= 0),
  cost_usd            double precision not null default 0 check (cost_usd >= 0),
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  deleted_at          timestamptz
);

-- triggers and indexes -------------------------------------------------------------------------
do $$
declare t text;
begin
  foreach t in array array['users', 'crs_records', 'plan_records', 'job_records', 'pr_records',
                           'usage_records'] loop
    execute format('drop trigger if exists vibe_touch_row on public.%I', t);
    execute format('create trigger vibe_touch_row before insert or update on public.%I '
                   'for each row execute function public.vibe_touch_row()', t);
    execute format('create index if not exists %I on public.%I (updated_at, id)',
                   t || '_sync_cursor_idx', t);
    execute format('create index if not exists %I on public.%I (created_at)',
                   t || '_created_idx', t);
  end loop;
end;
$$;

create index if not exists users_auth_user_id_idx     on public.users (auth_user_id);
create index if not exists crs_records_user_id_idx    on public.crs_records (user_id);
create index if not exists plan_records_user_id_idx   on public.plan_records (user_id);
create index if not exists plan_records_status_idx    on public.plan_records (status, created_at);
create index if not exists job_records_user_id_idx    on public.job_records (user_id);
create index if not exists job_records_plan_id_idx    on public.job_records (plan_id);
create index if not exists job_records_status_idx     on public.job_records (status, created_at);
create index if not exists job_records_time_idx       on public.job_records (execution_time_ms)
  where deleted_at is null and execution_time_ms is not null;
create index if not exists pr_records_user_id_idx     on public.pr_records (user_id);
create index if not exists pr_records_job_id_idx      on public.pr_records (job_id);
create index if not exists pr_records_state_idx       on public.pr_records (state, created_at);
create index if not exists usage_records_day_idx      on public.usage_records (day, model);
create index if not exists usage_records_user_id_idx  on public.usage_records (user_id);

-- privileges and row-level security ------------------------------------------------------------
alter table public.users         enable row level security;
alter table public.crs_records   enable row level security;
alter table public.plan_records  enable row level security;
alter table public.job_records   enable row level security;
alter table public.pr_records    enable row level security;
alter table public.usage_records enable row level security;

revoke all on public.users, public.crs_records, public.plan_records, public.job_records,
              public.pr_records, public.usage_records from anon;
grant select, insert, update, delete
  on public.users, public.crs_records, public.plan_records, public.job_records,
     public.pr_records, public.usage_records
  to authenticated, service_role;

drop policy if exists users_own on public.users;
create policy users_own on public.users
  for all to authenticated
  using (auth_user_id = (select auth.uid()))
  with check (auth_user_id = (select auth.uid()));

do $$
declare t text;
begin
  foreach t in array array['crs_records', 'plan_records', 'job_records', 'pr_records',
                           'usage_records'] loop
    execute format('drop policy if exists %I on public.%I', t || '_own', t);
    execute format(
      'create policy %I on public.%I for all to authenticated '
      'using (user_id in (select u.id from public.users u where u.auth_user_id = (select auth.uid()))) '
      'with check (user_id in (select u.id from public.users u where u.auth_user_id = (select auth.uid())))',
      t || '_own', t);
  end loop;
end;
$$;

-- team metrics, for the secret key only --------------------------------------------------------
-- The pieces `vibe admin metrics` shows: live rows per table and status, exact nearest-rank
-- job-time percentiles, pull requests opened since `since_day`, and model usage from that day.
create or replace function public.vibe_team_metrics(since_day date) returns jsonb
language sql stable
set search_path = ''
as $$
  with counts as (
    select 'users' as tbl, '' as status, count(*) as n from public.users where deleted_at is null
    union all
    select 'crs_records', '', count(*) from public.crs_records where deleted_at is null
    union all
    select 'plan_records', status, count(*) from public.plan_records where deleted_at is null group by status
    union all
    select 'job_records', status, count(*) from public.job_records where deleted_at is null group by status
    union all
    select 'pr_records', state, count(*) from public.pr_records where deleted_at is null group by state
  ),
  times as (
    select execution_time_ms as ms,
           row_number() over (order by execution_time_ms) as rn,
           count(*) over () as n
    from public.job_records
    where deleted_at is null and execution_time_ms is not null
  ),
  usage as (
    select to_char(day, 'YYYY-MM-DD') as day, model, sum(calls)::bigint as calls,
           sum(prompt_tokens)::bigint as prompt_tokens, sum(completion_tokens)::bigint as completion_tokens,
           sum(cost_usd) as cost_usd
    from public.usage_records
    where deleted_at is null and day >= since_day
    group by day, model
  )
  select jsonb_build_object(
    'counts', coalesce((select jsonb_agg(jsonb_build_object('tbl', tbl, 'status', status, 'n', n))
                        from counts where n > 0), '[]'::jsonb),
    'job_time', jsonb_build_object(
      'count', coalesce((select max(n) from times), 0),
      'median_ms', (select ms from times where rn = greatest(1, least(n, (n * 50 + 99) / 100))),
      'p95_ms', (select ms from times where rn = greatest(1, least(n, (n * 95 + 99) / 100)))),
    'prs_opened_in_window', (select count(*) from public.pr_records
                             where deleted_at is null and created_at >= since_day::timestamp at time zone 'UTC'),
    'usage', coalesce((select jsonb_agg(jsonb_build_object(
                         'day', day, 'model', model, 'calls', calls, 'prompt_tokens', prompt_tokens,
                         'completion_tokens', completion_tokens, 'cost_usd', cost_usd)
                       order by day desc, model) from usage), '[]'::jsonb)
  )
$$;

revoke all on function public.vibe_team_metrics(date) from public, anon, authenticated;
grant execute on function public.vibe_team_metrics(date) to service_role;

commit;

-- Ask the Data API to reload its schema cache (harmless where nothing listens).
notify pgrst, 'reload schema';
