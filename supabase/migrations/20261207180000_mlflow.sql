-- What the MLflow tracking API (/api/2.0/mlflow/...) needs beyond Tora's own rows.
--
-- An MLflow experiment is a Tora project and an MLflow run a Tora experiment; params, metrics
-- and the run's name live where Tora keeps them. These two tables hold only what Tora has no
-- place for: MLflow's lifecycle (delete marks, restore unmarks), the run's exact MLflow status
-- (KILLED is "failed" to Tora), its start and end times in milliseconds, and the tags verbatim,
-- so that a get-run answers exactly what the client logged. A run or project without a row here
-- (made through Tora's own API) reads as active, with its status and times derived from Tora's.

create table mlflow_runs (
  experiment_id uuid primary key references experiments (id) on delete cascade,
  lifecycle_stage text not null default 'active',
  status text not null default 'RUNNING',
  start_time bigint not null,
  end_time bigint,
  user_id text not null default '',
  -- The run's tags as MLflow names them ({"mlflow.runName": "...", ...}); values are text.
  tags jsonb not null default '{}'::jsonb,
  deleted_at timestamptz,
  constraint mlflow_runs_lifecycle check (lifecycle_stage in ('active', 'deleted')),
  constraint mlflow_runs_status check (status in ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
  constraint mlflow_runs_tags_object check (jsonb_typeof(tags) = 'object'),
  constraint mlflow_runs_user_length check (char_length(user_id) <= 250)
);
comment on table mlflow_runs is
  'MLflow-only state of a run logged through the MLflow API: lifecycle, exact status, times in ms, tags verbatim.';
alter table mlflow_runs enable row level security;

create table mlflow_experiments (
  project_id uuid primary key references projects (id) on delete cascade,
  lifecycle_stage text not null default 'active',
  tags jsonb not null default '{}'::jsonb,
  deleted_at timestamptz,
  constraint mlflow_experiments_lifecycle check (lifecycle_stage in ('active', 'deleted')),
  constraint mlflow_experiments_tags_object check (jsonb_typeof(tags) = 'object')
);
comment on table mlflow_experiments is
  'MLflow-only state of a project used as an MLflow experiment: lifecycle and experiment tags.';
alter table mlflow_experiments enable row level security;
