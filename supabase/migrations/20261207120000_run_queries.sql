-- What the run query language (filter and sort by any column) needs from the schema, so that no
-- query ever scans points or unnests every run's hyperparameter list:
--
-- * experiments.hyperparams_by_key: the hyperparameters as one object keyed by name, kept by
--   Postgres itself (a stored generated column), so `hp.lr < 1e-3` is one jsonb lookup per run.
--   The ordered array stays the source (the wire contract returns it in the SDK's order).
-- * metric_series.first_value: the value at the lowest step, for `metric.<name>.first`, kept by
--   ingest in the same statement as the other summary columns.
-- * experiments.last_seen_at: the last sign of life of a run (any write from its SDK); a running
--   run not seen for a while shows as crashed.
-- * Text sorts compare by code point (collate "C"), the same on every server whatever its locale,
--   so a page boundary means the same thing on PGlite, a local PostgreSQL and Supabase.

create function tora_hyperparams_by_key(hyperparams jsonb) returns jsonb
language sql immutable parallel safe
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(entry ->> 'key', entry -> 'value'), '{}'::jsonb)
  from pg_catalog.jsonb_array_elements(
    case when pg_catalog.jsonb_typeof(hyperparams) = 'array' then hyperparams else '[]'::jsonb end
  ) as entry
  where pg_catalog.jsonb_typeof(entry -> 'key') = 'string'
$$;
comment on function tora_hyperparams_by_key(jsonb) is
  'experiments.hyperparams ([{key, value}, ...]) as {key: value}; keys are unique (the API refuses duplicates).';

alter table experiments
  add column hyperparams_by_key jsonb not null generated always as (tora_hyperparams_by_key(hyperparams)) stored;
comment on column experiments.hyperparams_by_key is
  'The hyperparameters keyed by name, for filters and sorts (generated from hyperparams; never written).';

alter table experiments add column last_seen_at timestamptz not null default now();
update experiments set last_seen_at = updated_at;
comment on column experiments.last_seen_at is
  'The last time the run''s SDK wrote anything (created, logged, updated, heartbeat); a running run not seen for a while shows as crashed.';

drop index experiments_workspace_name_idx;
create index experiments_workspace_name_idx on experiments (workspace_id, name collate "C", id);

alter table metric_series add column first_value double precision;
update metric_series s set first_value = (
  select p.value from metric_points p where p.series_id = s.id order by p.step, p.msg_id limit 1
);
comment on column metric_series.first_value is
  'Value of the point with the lowest step (among equal steps the one stored first; within one batch, the lowest msg_id).';
