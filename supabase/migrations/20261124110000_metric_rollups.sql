-- Multi-resolution rollups of metric points, maintained on ingest, so a bucketed series read costs
-- about the same for a million points as for ten thousand.
--
-- Level L aggregates the steps [k * 16^L, (k + 1) * 16^L) of one series into one row (bucket k).
-- A read that wants N buckets over a step range picks an output bucket width w = 2^j covering
-- the range in at most N buckets, then the coarsest level whose width divides w, and merges at
-- most 16 * N rows; both widths are powers of two, so every output bucket is an exact union of
-- rollup buckets and the answer equals a brute-force aggregation over the points.

create table metric_rollups (
  series_id bigint not null,
  level smallint not null,
  bucket bigint not null,
  point_count bigint not null,
  min_value double precision not null,
  max_value double precision not null,
  last_step bigint not null,
  last_value double precision not null,
  last_logged_at timestamptz not null,
  constraint metric_rollups_pkey primary key (series_id, level, bucket),
  constraint metric_rollups_level check (level between 1 and 6)
);
comment on table metric_rollups is
  'Per-series aggregates over aligned step ranges of width 16^level (levels 1-6), updated set-wise in the same statement that stores the points.';
comment on column metric_rollups.bucket is 'step >> (4 * level): the bucket''s first step is bucket * 16^level.';
comment on column metric_rollups.last_value is
  'Value at the highest step in the bucket; among equal steps, the one ingested last.';
comment on column metric_rollups.series_id is
  'metric_series.id; no foreign key (ingest pays no per-row check): the metric_series delete trigger removes orphans.';

alter table metric_rollups enable row level security;

create or replace function delete_orphaned_metric_points() returns trigger
language plpgsql as $$
begin
  delete from metric_points where series_id in (select id from deleted_series);
  delete from metric_auto_step_messages where series_id in (select id from deleted_series);
  delete from metric_rollups where series_id in (select id from deleted_series);
  return null;
end;
$$;
comment on function delete_orphaned_metric_points() is
  'Removes the points, auto-step records and rollups of deleted series in set-wise statements (those tables have no foreign key by design).';
