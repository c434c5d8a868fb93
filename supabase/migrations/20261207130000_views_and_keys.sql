-- Saved views of the runs table, and the catalog of names the query box suggests.
--
-- * saved_views: a named table state (filter, sort, columns, compare settings) shared by a
--   workspace's members; at most one is the workspace's default. `state` is stored as the API
--   accepted it and never re-validated on read, so a view whose query a later grammar refuses
--   still opens (the site shows the error).
-- * workspace_keys: every hyperparameter key, metric name, result name and tag ever used in a
--   workspace, so suggesting keys is one index range instead of a scan of every run. Statement
--   triggers add names in the same transaction as the rows that use them; names are never
--   removed (a key once used stays suggested), which keeps deletes free of any bookkeeping.

create table saved_views (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null,
  state jsonb not null default '{}',
  is_default boolean not null default false,
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint saved_views_name_length check (char_length(name) between 1 and 100),
  constraint saved_views_state_object check (jsonb_typeof(state) = 'object'),
  -- The API allows 16 KB of JSON; jsonb's text form spaces it out a little, hence the margin.
  constraint saved_views_state_size check (octet_length(state::text) <= 24576),
  constraint saved_views_workspace_name_key unique (workspace_id, name)
);
create unique index saved_views_one_default_idx on saved_views (workspace_id) where is_default;
comment on table saved_views is
  'A named state of a workspace''s runs table (filter, sort, columns, compare settings); at most one default per workspace.';
comment on column saved_views.state is
  '{filter?, sort?, order?, columns?, compare?} as the API accepted it (contracts/views.ts); not re-validated on read.';

create table workspace_keys (
  workspace_id uuid not null references workspaces (id) on delete cascade,
  kind text not null,
  -- Code-point order, the same on every server, so the primary key serves the sorted listing.
  name text collate "C" not null,
  primary key (workspace_id, kind, name),
  constraint workspace_keys_kind check (kind in ('hp', 'metric', 'result', 'tag'))
);
comment on table workspace_keys is
  'Every hyperparameter key, metric, result and tag name used in a workspace (for suggestions), kept by triggers; never pruned.';

alter table saved_views enable row level security;
alter table workspace_keys enable row level security;

-- Rows are inserted in (kind, name) order so that two transactions adding the same names take
-- their index locks in the same order and cannot deadlock.

create function catalog_experiment_keys() returns trigger
language plpgsql as $$
begin
  insert into workspace_keys (workspace_id, kind, name)
  select workspace_id, kind, name from (
    select e.workspace_id, 'hp' as kind, k.name
    from inserted_experiments e cross join lateral jsonb_object_keys(e.hyperparams_by_key) as k(name)
    union
    select e.workspace_id, 'tag', t.name
    from inserted_experiments e cross join lateral unnest(e.tags) as t(name)
  ) n
  order by workspace_id, kind, name
  on conflict do nothing;
  return null;
end;
$$;
comment on function catalog_experiment_keys() is
  'Adds the hyperparameter keys and tags of newly inserted experiments to workspace_keys, once per statement.';

create trigger experiments_catalog_inserted
  after insert on experiments
  referencing new table as inserted_experiments
  for each statement execute function catalog_experiment_keys();

-- Updates: a transition-table trigger cannot name columns, and every sign of life (last_seen_at)
-- and every series count is an update of experiments. A row trigger limited to the two columns,
-- with its condition checked before any function runs, costs those updates nothing; only a change
-- of tags or hyperparameters (an edit, a bulk tag action) calls it.
create function catalog_changed_keys() returns trigger
language plpgsql as $$
begin
  insert into workspace_keys (workspace_id, kind, name)
  select new.workspace_id, kind, name from (
    select 'hp' as kind, k.name from jsonb_object_keys(new.hyperparams_by_key) as k(name)
    where new.hyperparams is distinct from old.hyperparams
    union
    select 'tag', t.name from unnest(new.tags) as t(name)
    where not (t.name = any (old.tags))
  ) n
  order by kind, name
  on conflict do nothing;
  return null;
end;
$$;
comment on function catalog_changed_keys() is
  'Adds the hyperparameter keys and tags an update gave an experiment to workspace_keys.';

create trigger experiments_catalog_updated
  after update of hyperparams, tags on experiments
  for each row
  when (old.hyperparams is distinct from new.hyperparams or old.tags is distinct from new.tags)
  execute function catalog_changed_keys();

create function catalog_series_names() returns trigger
language plpgsql as $$
begin
  insert into workspace_keys (workspace_id, kind, name)
  select distinct e.workspace_id, 'metric', s.name
  from inserted_series s join experiments e on e.id = s.experiment_id
  order by 1, 3
  on conflict do nothing;
  return null;
end;
$$;
comment on function catalog_series_names() is
  'Adds the names of newly created metric series to workspace_keys, once per statement.';

create trigger metric_series_catalog_inserted
  after insert on metric_series
  referencing new table as inserted_series
  for each statement execute function catalog_series_names();

-- An upsert that replaces a result's value is an update: only new names reach this trigger, and
-- a batch without results runs no results statement at all.
create function catalog_result_names() returns trigger
language plpgsql as $$
begin
  insert into workspace_keys (workspace_id, kind, name)
  select distinct e.workspace_id, 'result', r.name
  from inserted_results r join experiments e on e.id = r.experiment_id
  order by 1, 3
  on conflict do nothing;
  return null;
end;
$$;
comment on function catalog_result_names() is
  'Adds newly recorded result names to workspace_keys, once per statement.';

create trigger results_catalog_inserted
  after insert on results
  referencing new table as inserted_results
  for each statement execute function catalog_result_names();

-- The names already in use.
insert into workspace_keys (workspace_id, kind, name)
select e.workspace_id, 'hp', k.name
from experiments e cross join lateral jsonb_object_keys(e.hyperparams_by_key) as k(name)
union
select e.workspace_id, 'tag', t.name from experiments e cross join lateral unnest(e.tags) as t(name)
union
select e.workspace_id, 'metric', s.name from metric_series s join experiments e on e.id = s.experiment_id
union
select e.workspace_id, 'result', r.name from results r join experiments e on e.id = r.experiment_id
on conflict do nothing;
