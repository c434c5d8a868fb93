/**
 * Memberships: listing, role changes, removal, leaving and ownership transfer. Every change runs
 * in one transaction that first locks the workspace row, then re-reads the roles it decides on,
 * so concurrent changes in one workspace are decided one after the other on fresh data.
 */
import { sql } from 'kysely';
import type { WorkspaceRole } from '../contracts/common.ts';
import type { GrantableRole } from '../contracts/workspaces.ts';
import type { Db } from '../db.ts';
import { conflict, forbidden, notFound, validationError } from '../errors.ts';
import { assertCanChangeRole, assertCanRemove } from '../membership-rules.ts';
import { findRole, findWorkspace, lockWorkspace, type WorkspaceView } from './workspace.repository.ts';

export interface MemberView {
	user_id: string;
	email: string;
	role: WorkspaceRole;
	joined_at: Date;
}

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

async function getMember(db: Db, workspaceId: string, userId: string): Promise<MemberView> {
	const member = await selectMembers(db, workspaceId).where('m.user_id', '=', userId).executeTakeFirst();
	if (!member) throw notFound('Member');
	return member;
}

/** The caller's role, re-read under the workspace lock (it may have changed since authorization). */
async function actorRole(db: Db, workspaceId: string, userId: string): Promise<WorkspaceRole> {
	const role = await findRole(db, workspaceId, userId);
	if (!role) throw notFound('Workspace');
	return role;
}

/**
 * Refuses to take ownership away from `target` when that would leave the workspace without an
 * owner, or a personal workspace without its user. Call with the workspace row locked.
 */
async function assertOwnershipMayEnd(
	db: Db,
	workspace: { id: string; personal_owner_id: string | null },
	target: { user_id: string; role: WorkspaceRole },
	self: boolean
): Promise<void> {
	if (target.role !== 'owner') return;
	if (workspace.personal_owner_id === target.user_id) {
		throw conflict(
			self
				? 'You cannot leave or step down from your personal workspace.'
				: 'The user of a personal workspace always stays its owner.'
		);
	}
	const { owners } = await db
		.selectFrom('workspace_members')
		.select((eb) => eb.fn.countAll<number>().as('owners'))
		.where('workspace_id', '=', workspace.id)
		.where('role', '=', 'owner')
		.executeTakeFirstOrThrow();
	if (Number(owners) <= 1) {
		throw conflict(
			self
				? 'You are the only owner: transfer ownership to another member (or delete the workspace) first.'
				: 'This is the only owner: a workspace must always have one.'
		);
	}
}

/**
 * The database's own owner check (a deferred trigger) fails a commit that would leave a workspace
 * without an owner; the checks above normally answer first, so this maps the rare race to a 409.
 */
function mapOwnerInvariant(error: unknown): never {
	const constraint = (error as { constraint_name?: unknown }).constraint_name;
	if (constraint === 'workspace_owner_required' || constraint === 'personal_workspace_owner_required') {
		throw conflict('A workspace must always have an owner; transfer ownership first.');
	}
	throw error;
}

export async function changeMemberRole(
	db: Db,
	input: { workspaceId: string; actorId: string; targetId: string; role: GrantableRole }
): Promise<MemberView> {
	return db
		.transaction()
		.execute(async (tx) => {
			const workspace = await lockWorkspace(tx, input.workspaceId);
			const actor = await actorRole(tx, input.workspaceId, input.actorId);
			const target = await getMember(tx, input.workspaceId, input.targetId);
			assertCanChangeRole(actor, target.role, input.role);
			if (target.role === input.role) return target;
			await assertOwnershipMayEnd(tx, workspace, target, input.targetId === input.actorId);
			await tx
				.updateTable('workspace_members')
				.set({ role: input.role })
				.where('workspace_id', '=', input.workspaceId)
				.where('user_id', '=', input.targetId)
				.execute();
			return { ...target, role: input.role };
		})
		.catch(mapOwnerInvariant);
}

export async function removeMember(
	db: Db,
	input: { workspaceId: string; actorId: string; targetId: string }
): Promise<MemberView> {
	if (input.targetId === input.actorId) {
		throw validationError('To remove yourself, leave the workspace: POST /api/workspaces/:id/leave.', {
			userId: ['is you; use leave instead']
		});
	}
	return db
		.transaction()
		.execute(async (tx) => {
			const workspace = await lockWorkspace(tx, input.workspaceId);
			const actor = await actorRole(tx, input.workspaceId, input.actorId);
			const target = await getMember(tx, input.workspaceId, input.targetId);
			assertCanRemove(actor, target.role);
			await assertOwnershipMayEnd(tx, workspace, target, false);
			await tx
				.deleteFrom('workspace_members')
				.where('workspace_id', '=', input.workspaceId)
				.where('user_id', '=', input.targetId)
				.execute();
			return target;
		})
		.catch(mapOwnerInvariant);
}

/** The caller leaves; the last owner, and the user of a personal workspace, cannot. */
export async function leaveWorkspace(
	db: Db,
	input: { workspaceId: string; userId: string }
): Promise<MemberView> {
	return db
		.transaction()
		.execute(async (tx) => {
			const workspace = await lockWorkspace(tx, input.workspaceId);
			const me = await selectMembers(tx, input.workspaceId)
				.where('m.user_id', '=', input.userId)
				.executeTakeFirst();
			if (!me) throw notFound('Workspace');
			if (workspace.personal_owner_id === input.userId) {
				throw conflict('You cannot leave your personal workspace.');
			}
			await assertOwnershipMayEnd(tx, workspace, me, true);
			await tx
				.deleteFrom('workspace_members')
				.where('workspace_id', '=', input.workspaceId)
				.where('user_id', '=', input.userId)
				.execute();
			return me;
		})
		.catch(mapOwnerInvariant);
}

/**
 * Hands ownership to another member atomically: they become owner, the caller becomes admin.
 * Returns the workspace as the caller now sees it.
 */
export async function transferOwnership(
	db: Db,
	input: { workspaceId: string; actorId: string; targetId: string }
): Promise<WorkspaceView> {
	if (input.targetId === input.actorId) {
		throw validationError('You cannot transfer ownership to yourself.', {
			userId: ['must be another member of the workspace']
		});
	}
	return db
		.transaction()
		.execute(async (tx) => {
			const workspace = await lockWorkspace(tx, input.workspaceId);
			const actor = await actorRole(tx, input.workspaceId, input.actorId);
			if (actor !== 'owner') throw forbidden('Only an owner can transfer ownership.');
			if (workspace.personal_owner_id) {
				throw conflict('A personal workspace cannot be transferred; create a workspace to share instead.');
			}
			await getMember(tx, input.workspaceId, input.targetId);
			await tx
				.updateTable('workspace_members')
				.set({ role: 'owner' })
				.where('workspace_id', '=', input.workspaceId)
				.where('user_id', '=', input.targetId)
				.execute();
			await tx
				.updateTable('workspace_members')
				.set({ role: 'admin' })
				.where('workspace_id', '=', input.workspaceId)
				.where('user_id', '=', input.actorId)
				.execute();
			const view = await findWorkspace(tx, input.workspaceId, input.actorId);
			if (!view) throw notFound('Workspace');
			return view;
		})
		.catch(mapOwnerInvariant);
}
