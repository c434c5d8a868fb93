-- Sorting a workspace's runs by a metric summary or a result without reading every run.
--
-- "The 50 runs with the lowest val/loss that match this filter" used to read every run of the
-- workspace (rows of ~1.7 KB, hyperparameters included), probe each one's series for the sort
-- value, and sort them all: ~100 ms at 100,000 runs however few rows the page shows. With the
-- workspace on the series and result rows, an index on (workspace, name, value, run) hands the
-- runs over already in order: a page walks it from the cursor, checks the filter on each run it
-- meets and stops after 51 matches, so the first page and the hundredth cost about the same.
--
-- The workspace is copied from the run by a trigger (writers never pass it, so it cannot
-- disagree), and follows the run if the run ever changes workspace.
--
-- Indexed aggregates: last, min and max (the ones the runs table offers per metric column) and
-- results. first, count and last_step still sort correctly, by reading every run.

alter table metric_series add column workspace_id uuid;
update metric_series s set workspace_id = e.workspace_id from experiments e where e.id = s.experiment_id;
alter table metric_series alter column workspace_id set not null;
comment on column metric_series.workspace_id is
  'The run''s workspace, for sorting a workspace''s runs by a summary (filled by a trigger from experiments; never written directly).';

alter table results add column workspace_id uuid;
update results r set workspace_id = e.workspace_id from experiments e where e.id = r.experiment_id;
alter table results alter column workspace_id set not null;
comment on column results.workspace_id is
  'The run''s workspace, for sorting a workspace''s runs by a result (filled by a trigger from experiments; never written directly).';

create function tora_copy_run_workspace() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.workspace_id := (select e.workspace_id from public.experiments e where e.id = new.experiment_id);
  return new;
end;
$$;
comment on function tora_copy_run_workspace() is
  'Sets workspace_id of a metric_series or results row to its experiment''s workspace.';

create trigger metric_series_workspace
  before insert or update of experiment_id, workspace_id on metric_series
  for each row execute function tora_copy_run_workspace();
create trigger results_workspace
  before insert or update of experiment_id, workspace_id on results
  for each row execute function tora_copy_run_workspace();

create function tora_move_run_rows() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  update public.metric_series set workspace_id = new.workspace_id where experiment_id = new.id;
  update public.results set workspace_id = new.workspace_id where experiment_id = new.id;
  return null;
end;
$$;
comment on function tora_move_run_rows() is
  'Keeps metric_series.workspace_id and results.workspace_id equal to their experiment''s workspace.';

create trigger experiments_move_run_rows
  after update of workspace_id on experiments
  for each row when (old.workspace_id is distinct from new.workspace_id)
  execute function tora_move_run_rows();

create index metric_series_sort_last_idx on metric_series (workspace_id, name, last_value, experiment_id);
create index metric_series_sort_min_idx on metric_series (workspace_id, name, min_value, experiment_id);
create index metric_series_sort_max_idx on metric_series (workspace_id, name, max_value, experiment_id);
create index results_sort_idx on results (workspace_id, name, value, experiment_id);

-- The runs without the sort key come last, by id: a range of this index.
create index experiments_workspace_id_idx on experiments (workspace_id, id);
