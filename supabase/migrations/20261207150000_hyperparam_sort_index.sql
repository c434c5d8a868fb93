-- Sorting a workspace's runs by a hyperparameter without reading every run: one narrow row per
-- (run, hyperparameter) holding the sort tuple the query language orders by, and an index on
-- (workspace, key, tuple, run) that a page walks from its cursor (as the metric and result sort
-- indexes of 20261207140000 are walked).
--
-- The tuple is experiment-query.ts's hyperparameter sort: numbers first by value, then strings by
-- code point, then everything else (booleans false < true, JSON null, lists, objects) — `kind`,
-- `number_value`, `text_value`. Triggers keep the rows equal to experiments.hyperparams_by_key:
-- inserted set-wise with the runs (one statement for a batch of runs), rewritten when a run's
-- hyperparameters or workspace change; deleted with the run.

create table experiment_params (
  experiment_id uuid not null references experiments (id) on delete cascade,
  workspace_id uuid not null,
  key text not null,
  kind smallint not null,
  number_value double precision not null,
  text_value text collate "C" not null,
  primary key (experiment_id, key),
  constraint experiment_params_kind check (kind in (0, 1, 2))
);
comment on table experiment_params is
  'One row per hyperparameter of a run, as its sort tuple (kept by triggers from experiments.hyperparams; never written directly).';
comment on column experiment_params.kind is '0: a number, 1: a string, 2: anything else (boolean, null, list, object).';
comment on column experiment_params.number_value is 'The number; a boolean as 1 or 0; otherwise 0.';
comment on column experiment_params.text_value is 'The string (code-point order); otherwise empty.';

create index experiment_params_sort_idx
  on experiment_params (workspace_id, key, kind, number_value, text_value, experiment_id);

alter table experiment_params enable row level security;

create function tora_param_rows(hyperparams_by_key jsonb)
returns table (key text, kind smallint, number_value double precision, text_value text)
language sql immutable parallel safe
set search_path = ''
as $$
  select p.key,
    (case pg_catalog.jsonb_typeof(p.value) when 'number' then 0 when 'string' then 1 else 2 end)::smallint,
    case pg_catalog.jsonb_typeof(p.value)
      when 'number' then (p.value)::double precision
      when 'boolean' then case when p.value = 'true'::jsonb then 1 else 0 end
      else 0
    end,
    case when pg_catalog.jsonb_typeof(p.value) = 'string' then p.value ->> 0 else '' end
  from pg_catalog.jsonb_each(hyperparams_by_key) as p(key, value)
$$;
comment on function tora_param_rows(jsonb) is
  'The experiment_params rows (sort tuples) of one run''s hyperparams_by_key.';

create function tora_insert_param_rows() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  insert into public.experiment_params (experiment_id, workspace_id, key, kind, number_value, text_value)
  select e.id, e.workspace_id, p.key, p.kind, p.number_value, p.text_value
  from inserted_experiments e cross join lateral public.tora_param_rows(e.hyperparams_by_key) p;
  return null;
end;
$$;
comment on function tora_insert_param_rows() is 'Adds the experiment_params rows of newly inserted runs, set-wise.';

create trigger experiments_param_rows_insert
  after insert on experiments
  referencing new table as inserted_experiments
  for each statement execute function tora_insert_param_rows();

create function tora_rewrite_param_rows() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  delete from public.experiment_params where experiment_id = new.id;
  insert into public.experiment_params (experiment_id, workspace_id, key, kind, number_value, text_value)
  select new.id, new.workspace_id, p.key, p.kind, p.number_value, p.text_value
  from public.tora_param_rows(new.hyperparams_by_key) p;
  return null;
end;
$$;
comment on function tora_rewrite_param_rows() is
  'Rewrites a run''s experiment_params rows after its hyperparameters or workspace changed.';

create trigger experiments_param_rows_update
  after update of hyperparams, workspace_id on experiments
  for each row
  when (old.hyperparams is distinct from new.hyperparams or old.workspace_id is distinct from new.workspace_id)
  execute function tora_rewrite_param_rows();

insert into experiment_params (experiment_id, workspace_id, key, kind, number_value, text_value)
select e.id, e.workspace_id, p.key, p.kind, p.number_value, p.text_value
from experiments e cross join lateral tora_param_rows(e.hyperparams_by_key) p;
