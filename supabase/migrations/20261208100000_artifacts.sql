-- Artifacts: files kept with a run (checkpoints, configs, plots, logged images).
--
-- The bytes live in object storage (the single server's data directory, or Supabase Storage),
-- never in the database: a row here is the catalogue entry. An upload is two steps, so a large
-- body never passes through a function: the client asks for an upload (a 'pending' row and a
-- short-lived, single-use upload URL), sends the bytes to storage, then completes it, which checks
-- what storage holds against the declared size and sha256. Only 'complete' rows are listed or
-- downloaded, so a half-written upload is never seen; a client that was cut off asks again.

create table artifacts (
  id uuid primary key default gen_random_uuid(),
  -- Kept from the run at upload time: the per-workspace quota sums it without a join.
  workspace_id uuid not null references workspaces (id) on delete cascade,
  experiment_id uuid not null references experiments (id) on delete cascade,
  path text not null,
  size bigint not null,
  sha256 text not null,
  content_type text not null,
  state text not null default 'pending',
  storage_key text not null,
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  step bigint,
  media_key text,
  -- Asked with overwrite: completing it replaces a complete artifact at the same path.
  overwrite boolean not null default false,
  -- SHA-256 of the single-use upload token (the single server's own upload endpoint); null once used.
  upload_token_hash text,
  upload_expires_at timestamptz,
  constraint artifacts_state check (state in ('pending', 'complete')),
  constraint artifacts_path_length check (char_length(path) between 1 and 512),
  constraint artifacts_size check (size >= 0),
  constraint artifacts_sha256 check (sha256 ~ '^[0-9a-f]{64}$'),
  constraint artifacts_content_type_length check (char_length(content_type) between 1 and 255),
  constraint artifacts_step check (step is null or step >= 0),
  constraint artifacts_media_key_length check (media_key is null or char_length(media_key) between 1 and 255)
);
comment on table artifacts is
  'Files stored with an experiment: the catalogue row of an object in artifact storage (pending until its upload is verified).';
comment on column artifacts.path is 'Normalised relative path inside the run (a/b.txt): no "..", no leading slash, no backslash or control characters.';
comment on column artifacts.sha256 is 'Lower-case hex SHA-256 the client declared; completion checks the stored object against it.';
comment on column artifacts.state is 'pending: upload asked for, bytes not yet verified (never listed); complete: verified and listed.';
comment on column artifacts.storage_key is 'The object''s key in storage: <workspace>/<experiment>/<artifact id>.';
comment on column artifacts.step is 'For a logged image: the step it belongs to.';
comment on column artifacts.media_key is 'For a logged image: its name (the Media panel groups by it).';
comment on column artifacts.upload_token_hash is 'SHA-256 of the single-use upload token the single server''s upload URL carries; cleared when used.';

-- One complete artifact per path in a run; pending rows may repeat (a retried request).
create unique index artifacts_complete_path on artifacts (experiment_id, path) where state = 'complete';
create index artifacts_experiment_path on artifacts (experiment_id, path, id);
create index artifacts_workspace on artifacts (workspace_id);
create index artifacts_upload_token on artifacts (upload_token_hash) where upload_token_hash is not null;
alter table artifacts enable row level security;

-- Objects whose rows are gone (deleted, or cascaded away with their run or workspace), waiting
-- for storage to remove them. A trigger fills it, so every way of deleting a run is covered.
create table artifact_orphans (
  storage_key text primary key,
  orphaned_at timestamptz not null default now()
);
comment on table artifact_orphans is
  'Storage keys of deleted artifact rows whose objects are still to be removed from storage.';
alter table artifact_orphans enable row level security;

create function artifacts_note_orphan() returns trigger
language plpgsql as $$
begin
  insert into artifact_orphans (storage_key) values (old.storage_key) on conflict do nothing;
  return old;
end;
$$;
comment on function artifacts_note_orphan() is
  'Queues the object of a deleted artifact row for removal from storage.';
create trigger artifacts_orphan after delete on artifacts
  for each row execute function artifacts_note_orphan();
