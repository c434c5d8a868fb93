/**
 * Saved views of a workspace's runs table. Every write runs in one transaction holding the
 * workspace row's lock, so the per-workspace limit and "at most one default" stay true under
 * concurrent writers (the partial unique index is the database's own guarantee of the latter).
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import { MAX_VIEWS_PER_WORKSPACE, type SavedView, type ViewState } from '../contracts/views.ts';
import type { Db } from '../db.ts';
import { lockWorkspace, violatesUnique } from './workspace-lock.ts';
import type { Database, SavedViewsTable } from '../db-types.ts';

type Tx = Transaction<Database>;
type ViewRow = Selectable<SavedViewsTable>;

const isDuplicateName = (error: unknown) => violatesUnique(error, 'saved_views_workspace_name_key');

function toView(row: ViewRow): SavedView {
	return {
		id: row.id,
		workspace_id: row.workspace_id,
		name: row.name,
		state: row.state as SavedView['state'],
		is_default: row.is_default,
		created_by: row.created_by,
		created_at: row.created_at.toISOString(),
		updated_at: row.updated_at.toISOString()
	};
}

/** The default view first, then by name (code-point order, the same on every server). */
export async function listViews(db: Db, workspaceId: string): Promise<SavedView[]> {
	const rows = await db
		.selectFrom('saved_views')
		.selectAll()
		.where('workspace_id', '=', workspaceId)
		.orderBy('is_default', 'desc')
		.orderBy(sql`name collate "C"`)
		.orderBy('id')
		.execute();
	return rows.map(toView);
}

async function clearDefault(tx: Tx, workspaceId: string): Promise<void> {
	await tx
		.updateTable('saved_views')
		.set({ is_default: false, updated_at: sql<Date>`now()` })
		.where('workspace_id', '=', workspaceId)
		.where('is_default', '=', true)
		.execute();
}

export interface NewView {
	workspaceId: string;
	createdBy: string;
	name: string;
	state: ViewState;
	isDefault: boolean;
}

export type CreateViewOutcome =
	| { kind: 'created'; view: SavedView }
	| { kind: 'duplicate-name' }
	| { kind: 'too-many'; limit: number }
	| { kind: 'missing' };

export async function createView(db: Db, input: NewView): Promise<CreateViewOutcome> {
	try {
		return await db.transaction().execute(async (tx): Promise<CreateViewOutcome> => {
			if (!(await lockWorkspace(tx, input.workspaceId))) return { kind: 'missing' };
			const { count } = await tx
				.selectFrom('saved_views')
				.select((eb) => eb.fn.countAll<number>().as('count'))
				.where('workspace_id', '=', input.workspaceId)
				.executeTakeFirstOrThrow();
			if (Number(count) >= MAX_VIEWS_PER_WORKSPACE)
				return { kind: 'too-many', limit: MAX_VIEWS_PER_WORKSPACE };
			if (input.isDefault) await clearDefault(tx, input.workspaceId);
			const row = await tx
				.insertInto('saved_views')
				.values({
					workspace_id: input.workspaceId,
					created_by: input.createdBy,
					name: input.name,
					state: input.state,
					is_default: input.isDefault
				})
				.returningAll()
				.executeTakeFirstOrThrow();
			return { kind: 'created', view: toView(row) };
		});
	} catch (error) {
		if (isDuplicateName(error)) return { kind: 'duplicate-name' };
		throw error;
	}
}

export interface ViewChanges {
	name?: string;
	state?: ViewState;
	isDefault?: boolean;
}

export type UpdateViewOutcome =
	{ kind: 'updated'; view: SavedView } | { kind: 'duplicate-name' } | { kind: 'missing' };

/** Making a view the default un-defaults the previous one in the same transaction. */
export async function updateView(
	db: Db,
	workspaceId: string,
	viewId: string,
	changes: ViewChanges
): Promise<UpdateViewOutcome> {
	try {
		return await db.transaction().execute(async (tx): Promise<UpdateViewOutcome> => {
			if (!(await lockWorkspace(tx, workspaceId))) return { kind: 'missing' };
			if (changes.isDefault) await clearDefault(tx, workspaceId);
			const row = await tx
				.updateTable('saved_views')
				.set({
					name: changes.name,
					state: changes.state,
					is_default: changes.isDefault,
					updated_at: sql<Date>`now()`
				})
				.where('workspace_id', '=', workspaceId)
				.where('id', '=', viewId)
				.returningAll()
				.executeTakeFirst();
			// Nothing to roll back but the cleared default: throwing undoes it.
			if (!row) throw new MissingView();
			return { kind: 'updated', view: toView(row) };
		});
	} catch (error) {
		if (error instanceof MissingView) return { kind: 'missing' };
		if (isDuplicateName(error)) return { kind: 'duplicate-name' };
		throw error;
	}
}

class MissingView extends Error {}

/** The deleted view, or undefined when the workspace holds no such view. */
export async function deleteView(
	db: Db,
	workspaceId: string,
	viewId: string
): Promise<SavedView | undefined> {
	const row = await db
		.deleteFrom('saved_views')
		.where('workspace_id', '=', workspaceId)
		.where('id', '=', viewId)
		.returningAll()
		.executeTakeFirst();
	return row && toView(row);
}
