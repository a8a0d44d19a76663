-- vibe local history, schema version 3: what reviewers said about each version of a plan.
-- A version is a plan_records row; parent_id links it to the version it revised. Local only.

create table plan_reviews (
  id            text primary key,
  plan_id       text not null references plan_records (id) on delete cascade,
  kind          text not null
                check (kind in ('approve', 'reject', 'comment', 'lock', 'unlock', 'answer', 'feedback', 'revise', 'edit')),
  -- What the entry is about: a step (S1, S2, …), a criterion (AC1, …), a question (Q1, …).
  target        text,
  -- The reason, comment, answer or feedback as the reviewer typed it.
  body          text,
  -- For an approval: the SHA-256 of the approved version's plan document.
  content_hash  text,
  created_at    text not null
);

create index plan_reviews_by_plan on plan_reviews (plan_id, created_at);
