/**
 * MLflow experiments are Tora projects. The experiment id is the project's id; "0" (MLflow's
 * default experiment, which clients use when none is set) is the project "Default" of the
 * caller's default workspace, made on first use by an editor. Lifecycle (delete marks, restore
 * unmarks) and experiment tags live in mlflow_experiments; Tora's own UI ignores the mark and
 * keeps showing the project and its runs (deleting in MLflow is reversible; deleting a project in
 * Tora is not, so the MLflow call never does that).
 */
import { sql } from 'kysely';
import type { Principal } from '../auth.ts';
import { ProjectName } from '../contracts/experiments.ts';
import type { WorkspaceRole } from '../contracts/common.ts';
import type { Db } from '../db.ts';
import { createProject, ensureProject, updateProject } from '../repositories/project.repository.ts';
import {
	accessTo,
	asUuid,
	defaultWorkspace,
	experimentName,
	requireRole,
	resolveExperimentName,
	visibleWorkspaces,
	type WorkspaceAccess
} from './access.ts';
import type { KeyValuePair } from './contracts.ts';
import { alreadyExists, doesNotExist, invalidParameter } from './errors.ts';
import { jsonb } from './json.ts';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_PROJECT_NAME = 'Default';

export interface ExperimentRow {
	id: string;
	name: string;
	workspace_id: string;
	created_at: Date;
	updated_at: Date;
	lifecycle_stage: 'active' | 'deleted' | null;
	tags: unknown;
}

export interface LoadedExperiment {
	row: ExperimentRow;
	workspace: WorkspaceAccess;
	defaultWorkspaceId: string;
}

export interface MlflowExperiment {
	experiment_id: string;
	name: string;
	artifact_location: string;
	lifecycle_stage: 'active' | 'deleted';
	last_update_time: number;
	creation_time: number;
	tags: KeyValuePair[];
}

export function tagList(tags: unknown): KeyValuePair[] {
	if (!tags || typeof tags !== 'object') return [];
	return Object.entries(tags as Record<string, unknown>).map(([key, value]) => ({
		key,
		value: String(value)
	}));
}

export function toMlflowExperiment(loaded: LoadedExperiment): MlflowExperiment {
	const { row, workspace, defaultWorkspaceId } = loaded;
	return {
		experiment_id: row.id,
		name: experimentName(row.name, workspace, defaultWorkspaceId),
		artifact_location: `mlflow-artifacts:/${row.id}`,
		lifecycle_stage: row.lifecycle_stage ?? 'active',
		last_update_time: row.updated_at.getTime(),
		creation_time: row.created_at.getTime(),
		tags: tagList(row.tags)
	};
}

function selectExperiments(db: Db) {
	return db
		.selectFrom('projects as p')
		.leftJoin('mlflow_experiments as x', 'x.project_id', 'p.id')
		.select([
			'p.id',
			'p.name',
			'p.workspace_id',
			'p.created_at',
			'p.updated_at',
			'x.lifecycle_stage',
			'x.tags'
		]);
}

const checkedProjectName = (name: string) => {
	const parsed = ProjectName.safeParse(name);
	if (!parsed.success)
		throw invalidParameter(
			`Experiment name "${name}" ${parsed.error.issues[0].message} (Tora project names are one line of at most 100 characters).`
		);
	return parsed.data;
};

/** The Default project of the caller's default workspace; made when missing and the caller may. */
async function defaultExperiment(
	db: Db,
	principal: Principal,
	minimum: WorkspaceRole
): Promise<LoadedExperiment> {
	const workspace = await defaultWorkspace(db, principal);
	requireRole(workspace, minimum);
	const find = () =>
		selectExperiments(db)
			.where('p.workspace_id', '=', workspace.workspaceId)
			.where('p.name', '=', DEFAULT_PROJECT_NAME)
			.executeTakeFirst();
	let row = await find();
	if (!row && workspace.role !== 'viewer') {
		const made = await db
			.transaction()
			.execute((tx) => ensureProject(tx, workspace.workspaceId, DEFAULT_PROJECT_NAME, principal.userId));
		if (made.kind === 'too-many')
			throw invalidParameter(
				`The workspace already holds ${made.limit} projects; the Default experiment cannot be made.`
			);
		row = await find();
	}
	if (!row) throw doesNotExist('Experiment "0" (the Default project) does not exist yet.');
	return { row, workspace, defaultWorkspaceId: workspace.workspaceId };
}

/** An experiment by MLflow id, with the caller's role checked. */
export async function loadExperiment(
	db: Db,
	principal: Principal,
	experimentId: string,
	minimum: WorkspaceRole
): Promise<LoadedExperiment> {
	if (experimentId === DEFAULT_EXPERIMENT_ID) return defaultExperiment(db, principal, minimum);
	const missing = `No experiment with id "${experimentId}".`;
	const id = asUuid(experimentId);
	if (!id) throw doesNotExist(missing);
	const row = await selectExperiments(db).where('p.id', '=', id).executeTakeFirst();
	if (!row) throw doesNotExist(missing);
	const workspace = await accessTo(db, principal, row.workspace_id, missing);
	requireRole(workspace, minimum);
	const fallback = await defaultWorkspace(db, principal);
	return { row, workspace, defaultWorkspaceId: fallback.workspaceId };
}

export async function experimentByName(
	db: Db,
	principal: Principal,
	name: string
): Promise<LoadedExperiment> {
	const target = await resolveExperimentName(db, principal, name);
	const row = await selectExperiments(db)
		.where('p.workspace_id', '=', target.workspace.workspaceId)
		.where('p.name', '=', target.projectName)
		.executeTakeFirst();
	if (!row) throw doesNotExist(`No experiment named "${name}".`);
	const fallback = target.isDefault ? target.workspace : await defaultWorkspace(db, principal);
	return { row, workspace: target.workspace, defaultWorkspaceId: fallback.workspaceId };
}

export async function createExperiment(
	db: Db,
	principal: Principal,
	name: string,
	tags: KeyValuePair[]
): Promise<string> {
	const target = await resolveExperimentName(db, principal, name);
	requireRole(target.workspace, 'editor');
	const projectName = checkedProjectName(target.projectName);
	const created = await createProject(db, {
		workspaceId: target.workspace.workspaceId,
		createdBy: principal.userId,
		name: projectName,
		description: ''
	});
	switch (created.kind) {
		case 'duplicate-name':
			throw alreadyExists(`Experiment "${name}" already exists.`);
		case 'too-many':
			throw invalidParameter(`A workspace holds at most ${created.limit} projects (MLflow experiments).`);
		case 'missing':
			throw doesNotExist('The workspace is gone.');
	}
	if (tags.length) {
		await db
			.insertInto('mlflow_experiments')
			.values({
				project_id: created.project.id,
				tags: jsonb(Object.fromEntries(tags.map((t) => [t.key, t.value])))
			})
			.execute();
	}
	return created.project.id;
}

export async function renameExperiment(
	db: Db,
	principal: Principal,
	experimentId: string,
	newName: string
): Promise<void> {
	const loaded = await loadExperiment(db, principal, experimentId, 'editor');
	const target = await resolveExperimentName(db, principal, newName);
	if (target.workspace.workspaceId !== loaded.row.workspace_id) {
		throw invalidParameter('An experiment cannot move to another workspace by renaming it.');
	}
	const outcome = await updateProject(db, loaded.row.workspace_id, loaded.row.id, {
		name: checkedProjectName(target.projectName)
	});
	if (outcome.kind === 'duplicate-name') throw alreadyExists(`Experiment "${newName}" already exists.`);
	if (outcome.kind === 'missing') throw doesNotExist(`No experiment with id "${experimentId}".`);
}

export async function setLifecycle(
	db: Db,
	principal: Principal,
	experimentId: string,
	stage: 'active' | 'deleted'
): Promise<void> {
	if (stage === 'deleted' && experimentId === DEFAULT_EXPERIMENT_ID) {
		throw invalidParameter('The default experiment (id "0") cannot be deleted.');
	}
	const loaded = await loadExperiment(db, principal, experimentId, 'editor');
	const deletedAt = stage === 'deleted' ? sql<Date>`now()` : null;
	await db
		.insertInto('mlflow_experiments')
		.values({ project_id: loaded.row.id, lifecycle_stage: stage, deleted_at: deletedAt })
		.onConflict((oc) =>
			oc.column('project_id').doUpdateSet({ lifecycle_stage: stage, deleted_at: deletedAt })
		)
		.execute();
}

export async function setExperimentTag(
	db: Db,
	principal: Principal,
	experimentId: string,
	tag: KeyValuePair
): Promise<void> {
	const loaded = await loadExperiment(db, principal, experimentId, 'editor');
	if (loaded.row.lifecycle_stage === 'deleted')
		throw invalidParameter("The experiment must be in the 'active' state.");
	const entry = { [tag.key]: tag.value };
	await db
		.insertInto('mlflow_experiments')
		.values({ project_id: loaded.row.id, tags: jsonb(entry) })
		.onConflict((oc) =>
			oc.column('project_id').doUpdateSet({ tags: sql`mlflow_experiments.tags || ${jsonb(entry)}` })
		)
		.execute();
}

/** Every experiment (project) the caller can see, for a search to filter, order and page. */
export async function allVisibleExperiments(db: Db, principal: Principal): Promise<LoadedExperiment[]> {
	const workspaces = await visibleWorkspaces(db, principal);
	if (!workspaces.length) return [];
	const fallback = await defaultWorkspace(db, principal);
	const byId = new Map(workspaces.map((w) => [w.workspaceId, w]));
	const rows = await selectExperiments(db)
		.where('p.workspace_id', 'in', [...byId.keys()])
		.orderBy('p.created_at')
		.orderBy('p.id')
		.execute();
	return rows.map((row) => ({
		row,
		workspace: byId.get(row.workspace_id)!,
		defaultWorkspaceId: fallback.workspaceId
	}));
}
