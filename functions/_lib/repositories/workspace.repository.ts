import { sql } from 'kysely';
import type { WorkspaceRole } from '../contracts/common.ts';
import type { Db } from '../db.ts';
import { sweepOrphanedObjects } from '../storage/artifact-http.ts';

export async function findRole(
	db: Db,
	workspaceId: string,
	userId: string
): Promise<WorkspaceRole | undefined> {
	const row = await db
		.selectFrom('workspace_members')
		.select('role')
		.where('workspace_id', '=', workspaceId)
		.where('user_id', '=', userId)
		.executeTakeFirst();
	return row?.role;
}

/** A workspace as one member sees it (Workspace contract; dates become ISO strings in JSON). */
export interface WorkspaceView {
	id: string;
	name: string;
	description: string;
	role: WorkspaceRole;
	member_count: number;
	personal: boolean;
	created_at: Date;
	updated_at: Date;
}

function selectWorkspaces(db: Db, userId: string) {
	return db
		.selectFrom('workspace_members as m')
		.innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
		.where('m.user_id', '=', userId)
		.select((eb) => [
			'w.id',
			'w.name',
			'w.description',
			'm.role',
			eb
				.selectFrom('workspace_members as c')
				.whereRef('c.workspace_id', '=', 'w.id')
				.select((count) => count.fn.countAll<number>().as('n'))
				.as('member_count'),
			sql<boolean>`w.personal_owner_id is not null`.as('personal'),
			'w.created_at',
			'w.updated_at'
		]);
}

function toView(row: Omit<WorkspaceView, 'member_count'> & { member_count: number | null }): WorkspaceView {
	return { ...row, member_count: Number(row.member_count ?? 0) };
}

/** The user's workspaces: their personal one first, then by name. A scoped key sees only its own. */
export async function listWorkspaces(db: Db, userId: string, onlyId?: string): Promise<WorkspaceView[]> {
	let query = selectWorkspaces(db, userId)
		.orderBy(sql`w.personal_owner_id is not distinct from ${userId}`, 'desc')
		.orderBy(sql`lower(w.name)`)
		.orderBy('w.id');
	if (onlyId) query = query.where('w.id', '=', onlyId);
	return (await query.execute()).map(toView);
}

export async function findWorkspace(
	db: Db,
	workspaceId: string,
	userId: string
): Promise<WorkspaceView | undefined> {
	const row = await selectWorkspaces(db, userId).where('w.id', '=', workspaceId).executeTakeFirst();
	return row && toView(row);
}

/** A new workspace with its creator as owner, in one transaction. */
export async function createWorkspace(
	db: Db,
	input: { userId: string; name: string; description: string }
): Promise<WorkspaceView> {
	return db.transaction().execute(async (tx) => {
		const { id } = await tx
			.insertInto('workspaces')
			.values({ name: input.name, description: input.description, created_by: input.userId })
			.returning('id')
			.executeTakeFirstOrThrow();
		await tx
			.insertInto('workspace_members')
			.values({ workspace_id: id, user_id: input.userId, role: 'owner' })
			.execute();
		const created = await findWorkspace(tx, id, input.userId);
		// The membership was inserted just above, in this transaction.
		if (!created) throw new Error('A workspace just created is not visible to its creator');
		return created;
	});
}

/** Thrown inside a transaction to roll it back; the repository function returns `undefined`. */
class WorkspaceGone extends Error {}

/**
 * The changed workspace, or `undefined` when it was deleted, or the user removed from it, since
 * their role was checked (the change is then rolled back).
 */
export async function updateWorkspace(
	db: Db,
	workspaceId: string,
	userId: string,
	patch: { name?: string; description?: string }
): Promise<WorkspaceView | undefined> {
	try {
		return await db.transaction().execute(async (tx) => {
			await tx
				.updateTable('workspaces')
				.set({ ...patch, updated_at: sql`now()` })
				.where('id', '=', workspaceId)
				.execute();
			const updated = await findWorkspace(tx, workspaceId, userId);
			if (!updated) throw new WorkspaceGone();
			return updated;
		});
	} catch (error) {
		if (error instanceof WorkspaceGone) return undefined;
		throw error;
	}
}

/**
 * Locks the workspace row (FOR NO KEY UPDATE: new members can still join) so that every change
 * to owner memberships in this workspace runs one after the other; the database's own check
 * (migration 20261124100000) takes the same lock.
 */
export async function lockWorkspace(db: Db, workspaceId: string): Promise<LockedWorkspace | undefined> {
	return db
		.selectFrom('workspaces')
		.select(['id', 'personal_owner_id'])
		.where('id', '=', workspaceId)
		.forNoKeyUpdate()
		.executeTakeFirst();
}

export interface LockedWorkspace {
	id: string;
	personal_owner_id: string | null;
}

export type WorkspaceDeletion =
	| { kind: 'deleted' }
	| { kind: 'workspace-not-found' }
	/** Personal workspaces exist for as long as their user does. */
	| { kind: 'personal-workspace' };

/**
 * Deletes a workspace and, by cascade, everything in it; then its artifacts' objects leave
 * storage. Personal workspaces stay.
 */
export async function deleteWorkspace(db: Db, workspaceId: string): Promise<WorkspaceDeletion> {
	const deletion = await db.transaction().execute(async (tx): Promise<WorkspaceDeletion> => {
		const workspace = await lockWorkspace(tx, workspaceId);
		if (!workspace) return { kind: 'workspace-not-found' };
		if (workspace.personal_owner_id) return { kind: 'personal-workspace' };
		await tx.deleteFrom('workspaces').where('id', '=', workspaceId).execute();
		return { kind: 'deleted' };
	});
	if (deletion.kind === 'deleted') await sweepOrphanedObjects(db);
	return deletion;
}
