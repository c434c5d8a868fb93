-- Schema v1: the whole product's tables.
--
-- Users live in Supabase's auth.users in production, but this file must also apply to a plain
-- Postgres or PGlite with no auth schema, so nothing here references auth.*: `profiles` is filled
-- just in time from verified tokens instead.
--
-- Every table has row level security enabled and no policies. Our functions connect as a
-- privileged role (which bypasses RLS); with no policies, Supabase's public Data API (anon /
-- authenticated roles) sees no rows even where a default grant exists, and the grants are revoked
-- at the end as well.

create table profiles (
  id uuid primary key,
  email text not null,
  display_name text,
  created_at timestamptz not null default now(),
  constraint profiles_email_lowercase check (email = lower(email))
);
create unique index profiles_email_key on profiles (email);
comment on table profiles is
  'One row per user who has signed in: id is the verified token''s sub (auth.users.id under Supabase), filled just in time.';
comment on column profiles.email is 'Lower-cased email from the verified token; invitations match on it.';

create table workspaces (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  description text not null default '',
  personal_owner_id uuid unique references profiles (id) on delete cascade,
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint workspaces_name_length check (char_length(name) between 1 and 255),
  constraint workspaces_description_length check (char_length(description) <= 2000)
);
comment on table workspaces is 'A team''s space holding experiments; access is by workspace_members role.';
comment on column workspaces.personal_owner_id is
  'Set for the personal workspace created on a user''s first use; at most one per user.';

create table workspace_members (
  workspace_id uuid not null references workspaces (id) on delete cascade,
  user_id uuid not null references profiles (id) on delete cascade,
  role text not null,
  joined_at timestamptz not null default now(),
  primary key (workspace_id, user_id),
  constraint workspace_members_role check (role in ('owner', 'admin', 'editor', 'viewer'))
);
create index workspace_members_user_idx on workspace_members (user_id);
comment on table workspace_members is
  'Who belongs to a workspace and with which role: viewer reads; editor also writes experiments; admin also manages members below admin; owner may do everything.';

create table invitations (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  email text not null,
  role text not null,
  status text not null default 'pending',
  invited_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  responded_at timestamptz,
  constraint invitations_email_lowercase check (email = lower(email)),
  constraint invitations_role check (role in ('admin', 'editor', 'viewer')),
  constraint invitations_status check (status in ('pending', 'accepted', 'declined', 'revoked'))
);
create unique index invitations_one_pending_per_email on invitations (workspace_id, email)
  where status = 'pending';
create index invitations_email_idx on invitations (email) where status = 'pending';
comment on table invitations is
  'Invitation of an email address (signed in or not yet) to a workspace with a role; accepted once.';
comment on column invitations.role is 'Ownership is only ever transferred, never granted by invitation.';

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references profiles (id) on delete cascade,
  workspace_id uuid references workspaces (id) on delete cascade,
  name text not null,
  prefix text not null,
  key_hash bytea not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint api_keys_name_length check (char_length(name) between 1 and 100)
);
create unique index api_keys_key_hash_key on api_keys (key_hash);
create index api_keys_user_idx on api_keys (user_id);
comment on table api_keys is
  'Keys that let scripts act as their owner; only the SHA-256 of the key is stored, the key itself is shown once.';
comment on column api_keys.workspace_id is 'When set, the key acts only within this workspace.';
comment on column api_keys.prefix is 'The first characters of the key, shown in lists so users can tell keys apart.';
comment on column api_keys.last_used_at is 'Updated at most once a minute per key, so authentication stays off the write path.';

create table experiments (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null,
  description text not null default '',
  tags text[] not null default '{}',
  hyperparams jsonb not null default '[]',
  status text not null default 'running',
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint experiments_name_length check (char_length(name) between 1 and 255),
  constraint experiments_description_length check (char_length(description) <= 10000),
  constraint experiments_status check (status in ('running', 'finished', 'failed')),
  constraint experiments_hyperparams_array check (jsonb_typeof(hyperparams) = 'array')
);
create index experiments_workspace_created_idx on experiments (workspace_id, created_at desc, id desc);
create index experiments_workspace_updated_idx on experiments (workspace_id, updated_at desc, id desc);
create index experiments_workspace_name_idx on experiments (workspace_id, name, id);
create index experiments_tags_idx on experiments using gin (tags);
comment on table experiments is 'One training run: its description, tags, hyperparameters and status.';
comment on column experiments.hyperparams is
  'Ordered array of {key, value} objects, exactly as the SDK sends them (value: string, number or boolean).';

create table experiment_references (
  experiment_id uuid not null references experiments (id) on delete cascade,
  referenced_id uuid not null references experiments (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (experiment_id, referenced_id),
  constraint experiment_references_not_self check (experiment_id <> referenced_id)
);
create index experiment_references_referenced_idx on experiment_references (referenced_id);
comment on table experiment_references is
  'Directed links between experiments (for example a fine-tune pointing at its base run).';

create table metric_series (
  id bigint generated always as identity primary key,
  experiment_id uuid not null references experiments (id) on delete cascade,
  name text not null,
  point_count bigint not null default 0,
  first_step bigint,
  last_step bigint,
  min_value double precision,
  max_value double precision,
  last_value double precision,
  first_logged_at timestamptz,
  last_logged_at timestamptz,
  constraint metric_series_name check (name ~ '^[A-Za-z0-9_./-]{1,100}$')
);
create unique index metric_series_experiment_name_key on metric_series (experiment_id, name);
comment on table metric_series is
  'One metric of one experiment, with a summary updated set-wise on every ingest so lists and comparisons never scan points.';
comment on column metric_series.last_value is 'Value of the point with the highest step (the latest ingested among equal steps).';

create table metric_points (
  series_id bigint not null,
  step bigint not null,
  msg_id uuid not null,
  value double precision not null,
  logged_at timestamptz not null default now(),
  metadata jsonb,
  constraint metric_points_pkey primary key (series_id, step, msg_id)
);
comment on table metric_points is
  'The volume table: one row per logged point, narrow (series id, not metric name). Its key serves both "one series ordered by step" and retry de-duplication, and stays an append-mostly index because steps grow.';
comment on column metric_points.series_id is
  'metric_series.id; no foreign key, so ingest pays no per-row check: a statement trigger on metric_series deletes orphans.';
comment on column metric_points.msg_id is
  'Client message id: an entry re-sent with the same metric, step and msg_id is skipped, so retried batches never duplicate.';
comment on column metric_points.metadata is 'Optional client metadata beyond the entry type; null for almost every row.';

create table metric_auto_step_messages (
  series_id bigint not null,
  msg_id uuid not null,
  step bigint not null,
  constraint metric_auto_step_messages_pkey primary key (series_id, msg_id)
);
comment on table metric_auto_step_messages is
  'Entries logged without a step get the series'' next step on the server; this remembers which step a msg_id got so a retry is recognised instead of stored again.';

create function delete_orphaned_metric_points() returns trigger
language plpgsql as $$
begin
  delete from metric_points where series_id in (select id from deleted_series);
  delete from metric_auto_step_messages where series_id in (select id from deleted_series);
  return null;
end;
$$;
comment on function delete_orphaned_metric_points() is
  'Removes the points of deleted series in one set-wise statement (metric_points has no foreign key by design).';

create trigger metric_series_delete_points
  after delete on metric_series
  referencing old table as deleted_series
  for each statement execute function delete_orphaned_metric_points();

create table results (
  experiment_id uuid not null references experiments (id) on delete cascade,
  name text not null,
  value double precision not null,
  msg_id uuid,
  logged_at timestamptz not null default now(),
  primary key (experiment_id, name),
  constraint results_name check (name ~ '^[A-Za-z0-9_./-]{1,100}$')
);
comment on table results is 'Final named values of an experiment (accuracy, best loss...); a later write of the same name replaces the value.';

-- RLS everywhere, no policies: only our privileged connection reads or writes.
alter table profiles enable row level security;
alter table workspaces enable row level security;
alter table workspace_members enable row level security;
alter table invitations enable row level security;
alter table api_keys enable row level security;
alter table experiments enable row level security;
alter table experiment_references enable row level security;
alter table metric_series enable row level security;
alter table metric_points enable row level security;
alter table metric_auto_step_messages enable row level security;
alter table results enable row level security;

-- Functions are executable by PUBLIC unless told otherwise; ours are trigger functions that
-- nobody needs to call, so no one may, now or for functions added later.
revoke execute on all functions in schema public from public;
-- (Global, not per schema: PUBLIC's execute is a global default that a per-schema rule cannot remove.)
alter default privileges revoke execute on functions from public;

-- Supabase grants public tables, sequences and functions to its API roles by default. Take back
-- what exists now, and the default itself, so tables created by later migrations (run by the same
-- role) are never granted either. The roles do not exist on a plain Postgres or PGlite.
do $$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = api_role) then
      execute format('revoke all on all tables in schema public from %I', api_role);
      execute format('revoke all on all sequences in schema public from %I', api_role);
      execute format('revoke all on all functions in schema public from %I', api_role);
      execute format('alter default privileges in schema public revoke all on tables from %I', api_role);
      execute format('alter default privileges in schema public revoke all on sequences from %I', api_role);
      execute format('alter default privileges in schema public revoke all on functions from %I', api_role);
    end if;
  end loop;
end;
$$;
