-- Projects, and import keys on experiments.
--
-- * projects: a named group of experiments inside a workspace (an MLflow experiment, a W&B
--   project). Optional for an experiment: runs created without one stay unassigned, so existing
--   data and older SDKs keep working. The composite foreign key keeps an experiment's project in
--   the experiment's own workspace; deleting a project unassigns its experiments (they stay).
-- * experiments.import_key: a source's own id for a run (`mlflow:<run id>`,
--   `tensorboard:<run dir>`), unique per workspace, so creating the same imported run twice
--   answers the first one instead of making a copy (importers are idempotent through it).

create table projects (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null,
  description text not null default '',
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint projects_name_length check (char_length(name) between 1 and 100),
  constraint projects_description_length check (char_length(description) <= 10000),
  constraint projects_workspace_name_key unique (workspace_id, name),
  -- The target of experiments' composite foreign key.
  constraint projects_workspace_id_key unique (workspace_id, id)
);
comment on table projects is
  'A named group of experiments inside a workspace (optional for an experiment).';

alter table projects enable row level security;

alter table experiments
  add column project_id uuid,
  add column import_key text,
  add constraint experiments_project_fkey foreign key (workspace_id, project_id)
    references projects (workspace_id, id) on delete set null (project_id),
  add constraint experiments_import_key_length check (char_length(import_key) between 1 and 200),
  add constraint experiments_workspace_import_key unique (workspace_id, import_key);

comment on column experiments.project_id is
  'The project the run belongs to, in the same workspace; null when it belongs to none.';
comment on column experiments.import_key is
  'A source''s id for an imported run (unique per workspace): creating it again answers this run.';

-- A project's runs newest first (the dashboard filtered by a project), its run count, and the
-- unassignment a project's deletion does.
create index experiments_project_created_idx on experiments (project_id, created_at desc, id desc)
  where project_id is not null;
