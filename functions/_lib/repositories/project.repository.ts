/**
 * Projects: named groups of a workspace's experiments. Writes that count the workspace's projects
 * hold the workspace row's lock, so the per-workspace limit holds under concurrent writers; the
 * unique (workspace_id, name) constraint is the database's own guard against duplicate names.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import { MAX_PROJECTS_PER_WORKSPACE, type Project } from '../contracts/projects.ts';
import type { Db } from '../db.ts';
import { lockWorkspace, violatesUnique } from './workspace-lock.ts';
import type { Database, ProjectsTable } from '../db-types.ts';

type Tx = Transaction<Database>;
type ProjectRow = Selectable<ProjectsTable>;

const isDuplicateName = (error: unknown) => violatesUnique(error, 'projects_workspace_name_key');

function toProject(row: ProjectRow, runCount: number): Project {
	return {
		id: row.id,
		workspace_id: row.workspace_id,
		name: row.name,
		description: row.description,
		run_count: runCount,
		created_by: row.created_by,
		created_at: row.created_at.toISOString(),
		updated_at: row.updated_at.toISOString()
	};
}

async function runCount(db: Db | Tx, projectId: string): Promise<number> {
	const { count } = await db
		.selectFrom('experiments')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('project_id', '=', projectId)
		.executeTakeFirstOrThrow();
	return Number(count);
}

/** By name (code-point order, the same on every server), each with its number of runs. */
export async function listProjects(db: Db, workspaceId: string): Promise<Project[]> {
	const rows = await db
		.selectFrom('projects as p')
		.selectAll('p')
		.select(sql<number>`(select count(*) from experiments e where e.project_id = p.id)::int`.as('run_count'))
		.where('p.workspace_id', '=', workspaceId)
		.orderBy(sql`p.name collate "C"`)
		.orderBy('p.id')
		.limit(MAX_PROJECTS_PER_WORKSPACE)
		.execute();
	return rows.map(({ run_count, ...row }) => toProject(row, run_count));
}

export async function getProject(
	db: Db,
	workspaceId: string,
	projectId: string
): Promise<Project | undefined> {
	const row = await db
		.selectFrom('projects')
		.selectAll()
		.where('workspace_id', '=', workspaceId)
		.where('id', '=', projectId)
		.executeTakeFirst();
	return row && toProject(row, await runCount(db, row.id));
}

/** The workspace's project of that name, if any (names are compared exactly, as stored). */
export async function findProjectByName(
	db: Db,
	workspaceId: string,
	name: string
): Promise<Project | undefined> {
	const row = await db
		.selectFrom('projects')
		.selectAll()
		.where('workspace_id', '=', workspaceId)
		.where('name', '=', name)
		.executeTakeFirst();
	return row && toProject(row, await runCount(db, row.id));
}

export type CreateProjectOutcome =
	| { kind: 'created'; project: Project }
	| { kind: 'duplicate-name' }
	| { kind: 'too-many'; limit: number }
	| { kind: 'missing' };

export interface NewProject {
	workspaceId: string;
	createdBy: string;
	name: string;
	description: string;
}

export async function createProject(db: Db, input: NewProject): Promise<CreateProjectOutcome> {
	try {
		return await db.transaction().execute(async (tx): Promise<CreateProjectOutcome> => {
			if (!(await lockWorkspace(tx, input.workspaceId))) return { kind: 'missing' };
			if ((await countProjects(tx, input.workspaceId)) >= MAX_PROJECTS_PER_WORKSPACE)
				return { kind: 'too-many', limit: MAX_PROJECTS_PER_WORKSPACE };
			const row = await tx
				.insertInto('projects')
				.values({
					workspace_id: input.workspaceId,
					created_by: input.createdBy,
					name: input.name,
					description: input.description
				})
				.returningAll()
				.executeTakeFirstOrThrow();
			return { kind: 'created', project: toProject(row, 0) };
		});
	} catch (error) {
		if (isDuplicateName(error)) return { kind: 'duplicate-name' };
		throw error;
	}
}

async function countProjects(tx: Tx, workspaceId: string): Promise<number> {
	const { count } = await tx
		.selectFrom('projects')
		.select((eb) => eb.fn.countAll<number>().as('count'))
		.where('workspace_id', '=', workspaceId)
		.executeTakeFirstOrThrow();
	return Number(count);
}

export type EnsureProjectOutcome =
	{ kind: 'found'; id: string } | { kind: 'too-many'; limit: number } | { kind: 'missing' };

/**
 * The id of the workspace's project named `name`, made if it does not exist yet (what an SDK's
 * `project=` does). Inside the caller's transaction: the experiment that names the project is
 * inserted in the same one, so a failed insert leaves no empty project behind. Two callers
 * making the same project at once both end with the one row (`on conflict do nothing`, then read).
 */
export async function ensureProject(
	tx: Tx,
	workspaceId: string,
	name: string,
	createdBy: string
): Promise<EnsureProjectOutcome> {
	const existing = await projectIdByName(tx, workspaceId, name);
	if (existing) return { kind: 'found', id: existing };
	if (!(await lockWorkspace(tx, workspaceId))) return { kind: 'missing' };
	if ((await countProjects(tx, workspaceId)) >= MAX_PROJECTS_PER_WORKSPACE)
		return { kind: 'too-many', limit: MAX_PROJECTS_PER_WORKSPACE };
	const inserted = await tx
		.insertInto('projects')
		.values({ workspace_id: workspaceId, name, created_by: createdBy })
		.onConflict((oc) => oc.constraint('projects_workspace_name_key').doNothing())
		.returning('id')
		.executeTakeFirst();
	const id = inserted?.id ?? (await projectIdByName(tx, workspaceId, name));
	if (!id) throw new Error('project neither inserted nor found');
	return { kind: 'found', id };
}

async function projectIdByName(tx: Tx, workspaceId: string, name: string): Promise<string | undefined> {
	const row = await tx
		.selectFrom('projects')
		.select('id')
		.where('workspace_id', '=', workspaceId)
		.where('name', '=', name)
		.executeTakeFirst();
	return row?.id;
}

export interface ProjectChanges {
	name?: string;
	description?: string;
}

export type UpdateProjectOutcome =
	{ kind: 'updated'; project: Project } | { kind: 'duplicate-name' } | { kind: 'missing' };

export async function updateProject(
	db: Db,
	workspaceId: string,
	projectId: string,
	changes: ProjectChanges
): Promise<UpdateProjectOutcome> {
	try {
		const row = await db
			.updateTable('projects')
			.set({ name: changes.name, description: changes.description, updated_at: sql<Date>`now()` })
			.where('workspace_id', '=', workspaceId)
			.where('id', '=', projectId)
			.returningAll()
			.executeTakeFirst();
		if (!row) return { kind: 'missing' };
		return { kind: 'updated', project: toProject(row, await runCount(db, row.id)) };
	} catch (error) {
		if (isDuplicateName(error)) return { kind: 'duplicate-name' };
		throw error;
	}
}

/**
 * Deletes the project; its experiments stay, unassigned (the foreign key sets their project to
 * null in the same statement). Answers the project as it was, with the runs it had.
 */
export async function deleteProject(
	db: Db,
	workspaceId: string,
	projectId: string
): Promise<Project | undefined> {
	return db.transaction().execute(async (tx) => {
		const count = await runCount(tx, projectId);
		const row = await tx
			.deleteFrom('projects')
			.where('workspace_id', '=', workspaceId)
			.where('id', '=', projectId)
			.returningAll()
			.executeTakeFirst();
		return row && toProject(row, count);
	});
}

/** Project names by id, for the experiments a read returns (one query for a page of them). */
export async function projectNames(db: Db, ids: (string | null)[]): Promise<Map<string, string>> {
	const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
	if (!wanted.length) return new Map();
	const rows = await db.selectFrom('projects').select(['id', 'name']).where('id', 'in', wanted).execute();
	return new Map(rows.map((row) => [row.id, row.name]));
}
