/**
 * Memberships: listing, role changes, removal, leaving and ownership transfer. Every change runs
 * in one transaction that first locks the workspace row, then re-reads the roles it decides on,
 * so concurrent changes in one workspace are decided one after the other on fresh data. A change
 * that may not happen comes back as a refusal (membership-errors.ts words it for the API).
 */
import { sql } from 'kysely';
import type { WorkspaceRole } from '../contracts/common.ts';
import type { GrantableRole } from '../contracts/workspaces.ts';
import type { Db } from '../db.ts';
import { refuseRemoval, refuseRoleChange, type RoleRefusal } from '../membership-rules.ts';
import {
	findRole,
	findWorkspace,
	lockWorkspace,
	type LockedWorkspace,
	type WorkspaceView
} from './workspace.repository.ts';

export interface MemberView {
	user_id: string;
	email: string;
	role: WorkspaceRole;
	joined_at: Date;
}

/** Ending someone's ownership would leave the workspace without the owner it must keep. */
export type OwnershipRefusal =
	/** The user of a personal workspace always stays its owner. `self`: they asked it themselves. */
	| { kind: 'personal-owner-stays'; self: boolean }
	| { kind: 'only-owner'; self: boolean }
	/** The database's own owner check refused the commit (a race the checks above did not see). */
	| { kind: 'owner-required' };

export type MembershipRefusal =
	/** The workspace is gone, or the caller no longer belongs to it. */
	| { kind: 'workspace-not-found' }
	| { kind: 'member-not-found' }
	| RoleRefusal
	| OwnershipRefusal
	| { kind: 'only-owner-transfers' }
	| { kind: 'personal-workspace-kept' }
	| { kind: 'personal-workspace-not-transferable' };

export type MembershipChange<T> = T | MembershipRefusal;

function selectMembers(db: Db, workspaceId: string) {
	return db
		.selectFrom('workspace_members as m')
		.innerJoin('profiles as p', 'p.id', 'm.user_id')
		.select(['m.user_id', 'p.email', 'm.role', 'm.joined_at'])
		.where('m.workspace_id', '=', workspaceId);
}

/** Owners first, then admins, editors, viewers; by email within a role. */
export async function listMembers(db: Db, workspaceId: string): Promise<MemberView[]> {
	return selectMembers(db, workspaceId)
		.orderBy(sql`array_position(array['owner', 'admin', 'editor', 'viewer'], m.role)`)
		.orderBy('p.email')
		.execute();
}

async function findMember(db: Db, workspaceId: string, userId: string): Promise<MemberView | undefined> {
	return selectMembers(db, workspaceId).where('m.user_id', '=', userId).executeTakeFirst();
}

async function setRole(tx: Db, workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
	await tx
		.updateTable('workspace_members')
		.set({ role })
		.where('workspace_id', '=', workspaceId)
		.where('user_id', '=', userId)
		.execute();
}

async function deleteMembership(tx: Db, workspaceId: string, userId: string): Promise<void> {
	await tx
		.deleteFrom('workspace_members')
		.where('workspace_id', '=', workspaceId)
		.where('user_id', '=', userId)
		.execute();
}

/**
 * Refuses to take ownership away from `target` when that would leave the workspace without an
 * owner, or a personal workspace without its user. Call with the workspace row locked.
 */
async function refuseEndingOwnership(
	db: Db,
	workspace: LockedWorkspace,
	target: { user_id: string; role: WorkspaceRole },
	self: boolean
): Promise<OwnershipRefusal | undefined> {
	if (target.role !== 'owner') return undefined;
	if (workspace.personal_owner_id === target.user_id) return { kind: 'personal-owner-stays', self };
	const { owners } = await db
		.selectFrom('workspace_members')
		.select((eb) => eb.fn.countAll<number>().as('owners'))
		.where('workspace_id', '=', workspace.id)
		.where('role', '=', 'owner')
		.executeTakeFirstOrThrow();
	return Number(owners) <= 1 ? { kind: 'only-owner', self } : undefined;
}

/**
 * Runs one membership change in a transaction. Refusals are decided before anything is written,
 * so returning one commits nothing. The database's own owner check (a deferred trigger) fails a
 * commit that would leave a workspace without an owner; the checks above normally answer first,
 * so this turns the rare race into a refusal too.
 */
async function changeMembership<T>(
	db: Db,
	change: (tx: Db) => Promise<MembershipChange<T>>
): Promise<MembershipChange<T>> {
	try {
		return await db.transaction().execute(change);
	} catch (error) {
		const constraint = (error as { constraint_name?: unknown }).constraint_name;
		if (constraint === 'workspace_owner_required' || constraint === 'personal_workspace_owner_required') {
			return { kind: 'owner-required' };
		}
		throw error;
	}
}

/**
 * A change the caller makes to a membership: `change` runs in `changeMembership` with the
 * workspace row locked and the caller's role re-read under the lock (it may have changed since
 * authorization). A workspace that is gone, or that the caller no longer belongs to, is refused.
 */
async function changeAsActor<T>(
	db: Db,
	input: { workspaceId: string; actorId: string },
	change: (tx: Db, workspace: LockedWorkspace, actor: WorkspaceRole) => Promise<MembershipChange<T>>
): Promise<MembershipChange<T>> {
	return changeMembership(db, async (tx) => {
		const workspace = await lockWorkspace(tx, input.workspaceId);
		const actor = workspace && (await findRole(tx, input.workspaceId, input.actorId));
		if (!workspace || !actor) return { kind: 'workspace-not-found' };
		return change(tx, workspace, actor);
	});
}

export async function changeMemberRole(
	db: Db,
	input: { workspaceId: string; actorId: string; targetId: string; role: GrantableRole }
): Promise<MembershipChange<{ kind: 'changed'; member: MemberView }>> {
	return changeAsActor(db, input, async (tx, workspace, actor) => {
		const target = await findMember(tx, input.workspaceId, input.targetId);
		if (!target) return { kind: 'member-not-found' };
		const refusedByRole = refuseRoleChange(actor, target.role, input.role);
		if (refusedByRole) return refusedByRole;
		if (target.role === input.role) return { kind: 'changed', member: target };
		const self = input.targetId === input.actorId;
		const refusedByOwnership = await refuseEndingOwnership(tx, workspace, target, self);
		if (refusedByOwnership) return refusedByOwnership;
		await setRole(tx, input.workspaceId, input.targetId, input.role);
		return { kind: 'changed', member: { ...target, role: input.role } };
	});
}

/** Removes another member (the caller leaves with `leaveWorkspace` instead). */
export async function removeMember(
	db: Db,
	input: { workspaceId: string; actorId: string; targetId: string }
): Promise<MembershipChange<{ kind: 'removed'; member: MemberView }>> {
	return changeAsActor(db, input, async (tx, workspace, actor) => {
		const target = await findMember(tx, input.workspaceId, input.targetId);
		if (!target) return { kind: 'member-not-found' };
		const refusal =
			refuseRemoval(actor, target.role) ?? (await refuseEndingOwnership(tx, workspace, target, false));
		if (refusal) return refusal;
		await deleteMembership(tx, input.workspaceId, input.targetId);
		return { kind: 'removed', member: target };
	});
}

/** The caller leaves; the last owner, and the user of a personal workspace, cannot. */
export async function leaveWorkspace(
	db: Db,
	input: { workspaceId: string; userId: string }
): Promise<MembershipChange<{ kind: 'left'; member: MemberView }>> {
	return changeMembership(db, async (tx) => {
		const workspace = await lockWorkspace(tx, input.workspaceId);
		const me = workspace && (await findMember(tx, input.workspaceId, input.userId));
		if (!workspace || !me) return { kind: 'workspace-not-found' };
		if (workspace.personal_owner_id === input.userId) return { kind: 'personal-workspace-kept' };
		const refusal = await refuseEndingOwnership(tx, workspace, me, true);
		if (refusal) return refusal;
		await deleteMembership(tx, input.workspaceId, input.userId);
		return { kind: 'left', member: me };
	});
}

/**
 * Hands ownership to another member (never the caller: the handler refuses that) atomically:
 * they become owner, the caller becomes admin. Returns the workspace as the caller now sees it.
 */
export async function transferOwnership(
	db: Db,
	input: { workspaceId: string; actorId: string; targetId: string }
): Promise<MembershipChange<{ kind: 'transferred'; workspace: WorkspaceView }>> {
	return changeAsActor(db, input, async (tx, workspace, actor) => {
		if (actor !== 'owner') return { kind: 'only-owner-transfers' };
		if (workspace.personal_owner_id) return { kind: 'personal-workspace-not-transferable' };
		if (!(await findMember(tx, input.workspaceId, input.targetId))) return { kind: 'member-not-found' };
		await setRole(tx, input.workspaceId, input.targetId, 'owner');
		await setRole(tx, input.workspaceId, input.actorId, 'admin');
		const transferred = await findWorkspace(tx, input.workspaceId, input.actorId);
		// The caller's membership was locked and updated just above, in this transaction.
		if (!transferred) throw new Error('A transferred workspace is not visible to its previous owner');
		return { kind: 'transferred', workspace: transferred };
	});
}
