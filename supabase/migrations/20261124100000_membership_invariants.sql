-- Membership invariants that the database keeps by itself, whatever code (or person) changes the
-- rows:
--
-- 1. A workspace never loses its last owner (by removal or demotion of owner memberships).
-- 2. The owner of a personal workspace stays an owner of it.
--
-- Both are checked when the transaction commits (deferred constraint triggers), so a transaction
-- may change owner rows in any order: a transfer promotes one member and demotes another.
-- Workspaces are created with their owner in one transaction (createWorkspace,
-- ensurePersonalWorkspace). Creation is not checked here, so test set-ups may still insert a
-- workspace and its owner in two statements.
--
-- Concurrency: two transactions could each remove a different one of the last two owners, and each
-- would still see the other owner, whose change is not committed yet. So the check first locks the
-- workspace row. FOR NO KEY UPDATE serialises these checks without blocking new members, whose
-- foreign key only takes KEY SHARE. Under READ COMMITTED, which our functions use, every statement
-- in the check takes a fresh snapshot. So the check that runs second sees the first one's commit
-- and fails. The functions take the same lock before they change owner memberships, so they
-- answer with a clear 409 before this check fires. The check is a safety net.
--
-- A consequence: deleting a profile that is the only owner of a shared workspace is refused until
-- ownership is transferred or the workspace is deleted. A personal workspace is deleted along with
-- its profile, so it never blocks the deletion.
--
-- The schema already guarantees one membership per user and workspace (the primary key of
-- workspace_members). The accept endpoint guarantees that an invitation is accepted once: it gates
-- on `update ... where status = 'pending'`.

create function enforce_workspace_owner() returns trigger
language plpgsql as $$
declare
  target_workspace uuid := old.workspace_id;
  personal_owner uuid;
begin
  select personal_owner_id into personal_owner
  from workspaces
  where id = target_workspace
  for no key update;
  if not found then
    -- The workspace itself was deleted in this transaction; its memberships went with it.
    return null;
  end if;

  if not exists (
    select 1 from workspace_members where workspace_id = target_workspace and role = 'owner'
  ) then
    raise exception 'workspace % would be left without an owner', target_workspace
      using errcode = 'check_violation',
            constraint = 'workspace_owner_required',
            hint = 'Transfer ownership, or delete the workspace, instead of removing its last owner.';
  end if;

  if personal_owner is not null and not exists (
    select 1 from workspace_members
    where workspace_id = target_workspace and user_id = personal_owner and role = 'owner'
  ) then
    raise exception 'personal workspace % must stay owned by %', target_workspace, personal_owner
      using errcode = 'check_violation',
            constraint = 'personal_workspace_owner_required';
  end if;

  return null;
end;
$$;
comment on function enforce_workspace_owner() is
  'Deferred check after an owner membership is removed or demoted: the workspace still has an owner, and a personal workspace is still owned by its user. It locks the workspace row first, so concurrent removals of the last owners cannot both commit.';

create constraint trigger workspace_members_owner_removed
  after delete on workspace_members
  deferrable initially deferred
  for each row when (old.role = 'owner')
  execute function enforce_workspace_owner();
comment on trigger workspace_members_owner_removed on workspace_members is
  'Removing an owner membership must leave the workspace with an owner (checked at commit).';

create constraint trigger workspace_members_owner_changed
  after update on workspace_members
  deferrable initially deferred
  for each row when (
    old.role = 'owner'
    and (new.role <> 'owner' or new.workspace_id <> old.workspace_id or new.user_id <> old.user_id)
  )
  execute function enforce_workspace_owner();
comment on trigger workspace_members_owner_changed on workspace_members is
  'Demoting or moving an owner membership must leave the workspace with an owner (checked at commit).';

-- Admins list a workspace's invitations, newest first. Deleting a workspace also cascades to its
-- invitations, and the existing partial index only covers pending ones, so this index serves both.
create index invitations_workspace_created_idx on invitations (workspace_id, created_at desc, id desc);
comment on index invitations_workspace_created_idx is
  'A workspace''s invitations newest first (admin lists, any status); also serves the cascade when a workspace is deleted.';
