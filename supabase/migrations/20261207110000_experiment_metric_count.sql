-- Lists show how many metrics and results each experiment has without carrying all of them.
-- Counting an experiment's series on every list read costs as much as the series it counts (20
-- experiments with 10,000 metrics each: 200,000 index entries per page), so the counts are kept
-- with the experiment instead: statement triggers on metric_series and results change them in the
-- same transaction as the rows they count, whoever inserts or deletes them. Ingest reads
-- metric_count, under the experiment's row lock, to refuse series past the per-experiment limit
-- without counting either.

alter table experiments add column metric_count integer not null default 0;
comment on column experiments.metric_count is
  'Number of metric_series rows of this experiment, kept by the metric_series count triggers (never written directly).';

update experiments e set metric_count = s.n
from (select experiment_id, count(*)::int as n from metric_series group by experiment_id) s
where s.experiment_id = e.id;

create function count_metric_series() returns trigger
language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update experiments e set metric_count = e.metric_count + c.n
    from (select experiment_id, count(*)::int as n from inserted_series group by experiment_id) c
    where e.id = c.experiment_id;
  else
    -- With the experiment itself being deleted (the cascade), its row is already gone: no-op.
    update experiments e set metric_count = e.metric_count - c.n
    from (select experiment_id, count(*)::int as n from deleted_series group by experiment_id) c
    where e.id = c.experiment_id;
  end if;
  return null;
end;
$$;
comment on function count_metric_series() is
  'Keeps experiments.metric_count equal to the experiment''s number of metric_series rows, one set-wise update per statement.';

create trigger metric_series_count_inserted
  after insert on metric_series
  referencing new table as inserted_series
  for each statement execute function count_metric_series();

create trigger metric_series_count_deleted
  after delete on metric_series
  referencing old table as deleted_series
  for each statement execute function count_metric_series();

alter table experiments add column result_count integer not null default 0;
comment on column experiments.result_count is
  'Number of results rows (result names) of this experiment, kept by the results count triggers (never written directly).';

update experiments e set result_count = r.n
from (select experiment_id, count(*)::int as n from results group by experiment_id) r
where r.experiment_id = e.id;

-- An upsert that replaces a result's value is an update: only new names reach the insert trigger.
create function count_results() returns trigger
language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    update experiments e set result_count = e.result_count + c.n
    from (select experiment_id, count(*)::int as n from inserted_results group by experiment_id) c
    where e.id = c.experiment_id;
  else
    update experiments e set result_count = e.result_count - c.n
    from (select experiment_id, count(*)::int as n from deleted_results group by experiment_id) c
    where e.id = c.experiment_id;
  end if;
  return null;
end;
$$;
comment on function count_results() is
  'Keeps experiments.result_count equal to the experiment''s number of results rows, one set-wise update per statement.';

create trigger results_count_inserted
  after insert on results
  referencing new table as inserted_results
  for each statement execute function count_results();

create trigger results_count_deleted
  after delete on results
  referencing old table as deleted_results
  for each statement execute function count_results();
