-- Share links: read-only access to one experiment, a compare selection or a saved view for anyone
-- holding the link, without an account.
--
-- * Only the SHA-256 of a link's token is stored (the token is shown once, when the link is
--   made); a request finds its link by that hash, so the token itself is never compared.
-- * A link names exactly one kind of target. Deleting an experiment or a view deletes its links
--   (a deleted run's links must stop working); links to a compare selection keep their ids, and
--   the reads skip runs that no longer exist.
-- * `workspaces.sharing_enabled` lets an admin turn sharing off: existing links stop answering
--   while it is off and work again when it is turned back on.

alter table workspaces add column sharing_enabled boolean not null default true;
comment on column workspaces.sharing_enabled is
  'Whether the workspace''s share links answer; turned off by an admin, every link of it is a 404.';

create table share_links (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  token_hash bytea not null unique,
  experiment_id uuid references experiments (id) on delete cascade,
  experiment_ids uuid[],
  view_id uuid references saved_views (id) on delete cascade,
  anonymous boolean not null default false,
  expires_at timestamptz,
  revoked_at timestamptz,
  created_by uuid references profiles (id) on delete set null,
  created_at timestamptz not null default now(),
  view_count bigint not null default 0,
  last_viewed_at timestamptz,
  constraint share_links_one_target check (
    num_nonnulls(experiment_id, experiment_ids, view_id) = 1
  ),
  -- The API allows 100 runs in a compare selection.
  constraint share_links_selection_size check (
    experiment_ids is null or cardinality(experiment_ids) between 1 and 100
  ),
  constraint share_links_token_hash_length check (octet_length(token_hash) = 32)
);
create index share_links_workspace_idx on share_links (workspace_id, created_at desc, id);

comment on table share_links is
  'Read-only links to an experiment, a compare selection or a saved view, for people without an account.';
comment on column share_links.token_hash is
  'SHA-256 of the link''s token (tora_sh_ + 43 base62 characters); the token itself is never stored.';
comment on column share_links.experiment_ids is
  'A compare selection (1–100 runs of the link''s workspace); runs deleted since are skipped when read.';
comment on column share_links.anonymous is
  'Hides the creator, emails, workspace and project names, host and git details from the shared pages.';
comment on column share_links.expires_at is 'After this the link answers 404; null: never expires.';
comment on column share_links.revoked_at is 'Set when revoked; a revoked link answers 404 and is kept for the list.';
comment on column share_links.view_count is 'Successful reads of the link''s shared content (not of its series).';

alter table share_links enable row level security;
