-- vibe's team mirror, part 2: the team's users with the number of their records, for
-- `vibe admin --remote users` (the secret key only, like the team metrics). Running it again
-- changes nothing.

begin;

create or replace function public.vibe_team_users(
  since_ts timestamptz default null, max_rows integer default 20, only_user uuid default null)
returns jsonb
language sql stable
set search_path = ''
as $$
  select coalesce(jsonb_agg(x.doc order by x.created_at desc, x.id desc), '[]'::jsonb)
  from (
    select u.created_at, u.id,
           to_jsonb(u) || jsonb_build_object(
             'plans', (select count(*) from public.plan_records p where p.user_id = u.id and p.deleted_at is null),
             'jobs',  (select count(*) from public.job_records j  where j.user_id = u.id and j.deleted_at is null),
             'prs',   (select count(*) from public.pr_records r   where r.user_id = u.id and r.deleted_at is null)
           ) as doc
    from public.users u
    where u.deleted_at is null and (since_ts is null or u.created_at >= since_ts)
      and (only_user is null or u.id = only_user)
    order by u.created_at desc, u.id desc
    limit greatest(1, coalesce(max_rows, 20))
  ) x
$$;

revoke all on function public.vibe_team_users(timestamptz, integer, uuid) from public, anon, authenticated;
grant execute on function public.vibe_team_users(timestamptz, integer, uuid) to service_role;

commit;

-- Ask the Data API to reload its schema cache (harmless where nothing listens).
notify pgrst, 'reload schema';
