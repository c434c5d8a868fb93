/**
 * Where MLflow calls land and who may make them. An MLflow client names experiments by name or id
 * and runs by id, never a workspace, so:
 * - the caller's default workspace is the API key's workspace if the key is scoped, else the
 *   user's personal workspace;
 * - an experiment name `<workspace>/<project>` whose first part is a workspace the caller belongs
 *   to (its id, or its name when exactly one of their workspaces has it) targets that workspace;
 *   any other name is a project of the default workspace;
 * - everything the caller cannot see is RESOURCE_DOES_NOT_EXIST (as Tora's 404: no "exists but
 *   hidden"), and a member below the needed role gets PERMISSION_DENIED (403).
 */
import { sql } from 'kysely';
import type { Principal } from '../auth.ts';
import type { WorkspaceRole } from '../contracts/common.ts';
import { roleAtLeast } from '../contracts/rules.ts';
import type { Db } from '../db.ts';
import { MlflowError, doesNotExist, invalidParameter } from './errors.ts';

export interface WorkspaceAccess {
	workspaceId: string;
	workspaceName: string;
	role: WorkspaceRole;
}

/** The workspaces the caller can act in (a scoped key: only its own), with their names and roles. */
export async function visibleWorkspaces(db: Db, principal: Principal): Promise<WorkspaceAccess[]> {
	let query = db
		.selectFrom('workspace_members as m')
		.innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
		.select(['w.id', 'w.name', 'm.role', 'w.personal_owner_id'])
		.where('m.user_id', '=', principal.userId);
	if (principal.keyWorkspaceId) query = query.where('w.id', '=', principal.keyWorkspaceId);
	const rows = await query.orderBy('w.id').execute();
	return rows.map((row) => ({ workspaceId: row.id, workspaceName: row.name, role: row.role }));
}

export async function defaultWorkspace(db: Db, principal: Principal): Promise<WorkspaceAccess> {
	const row = await db
		.selectFrom('workspaces as w')
		.innerJoin('workspace_members as m', (join) =>
			join.onRef('m.workspace_id', '=', 'w.id').on('m.user_id', '=', principal.userId)
		)
		.select(['w.id', 'w.name', 'm.role'])
		.where(
			principal.keyWorkspaceId
				? sql<boolean>`w.id = ${principal.keyWorkspaceId}`
				: sql<boolean>`w.personal_owner_id = ${principal.userId}`
		)
		.executeTakeFirst();
	if (!row)
		throw doesNotExist("No default workspace: the API key's workspace or your personal workspace is gone.");
	return { workspaceId: row.id, workspaceName: row.name, role: row.role };
}

export function requireRole(access: WorkspaceAccess, minimum: WorkspaceRole): void {
	if (!roleAtLeast(access.role, minimum)) {
		throw new MlflowError(
			403,
			'PERMISSION_DENIED',
			`This needs the ${minimum} role or higher in workspace "${access.workspaceName}"; you are ${access.role}.`
		);
	}
}

export interface ExperimentTarget {
	workspace: WorkspaceAccess;
	/** The project's name inside that workspace. */
	projectName: string;
	/** Whether the workspace is the caller's default one (names there carry no prefix). */
	isDefault: boolean;
}

/** Which workspace and project an MLflow experiment name means for this caller. */
export async function resolveExperimentName(
	db: Db,
	principal: Principal,
	name: string
): Promise<ExperimentTarget> {
	const trimmed = name.trim();
	const slash = trimmed.indexOf('/');
	const fallback = await defaultWorkspace(db, principal);
	if (slash > 0) {
		const prefix = trimmed.slice(0, slash);
		const rest = trimmed.slice(slash + 1).trim();
		const candidates = (await visibleWorkspaces(db, principal)).filter(
			(w) => w.workspaceId === prefix.toLowerCase() || w.workspaceName === prefix
		);
		if (candidates.length > 1) {
			throw invalidParameter(
				`Several of your workspaces are named "${prefix}"; name it by its id: "<workspace id>/${rest}".`
			);
		}
		if (candidates.length === 1 && rest) {
			const workspace = candidates[0];
			return { workspace, projectName: rest, isDefault: workspace.workspaceId === fallback.workspaceId };
		}
	}
	return { workspace: fallback, projectName: trimmed, isDefault: true };
}

/** The MLflow name of a project: bare in the default workspace, `<workspace>/<project>` elsewhere. */
export function experimentName(
	projectName: string,
	workspace: WorkspaceAccess,
	defaultWorkspaceId: string
): string {
	return workspace.workspaceId === defaultWorkspaceId
		? projectName
		: `${workspace.workspaceName}/${projectName}`;
}

/** The caller's role in a workspace, or RESOURCE_DOES_NOT_EXIST when they cannot see it. */
export async function accessTo(
	db: Db,
	principal: Principal,
	workspaceId: string,
	what: string
): Promise<WorkspaceAccess> {
	if (principal.keyWorkspaceId && principal.keyWorkspaceId !== workspaceId) throw doesNotExist(what);
	const row = await db
		.selectFrom('workspace_members as m')
		.innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
		.select(['w.id', 'w.name', 'm.role'])
		.where('m.workspace_id', '=', workspaceId)
		.where('m.user_id', '=', principal.userId)
		.executeTakeFirst();
	if (!row) throw doesNotExist(what);
	return { workspaceId: row.id, workspaceName: row.name, role: row.role };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** MLflow ids are free text; ours are UUIDs, and anything else names nothing. */
export const asUuid = (id: string): string | undefined => (UUID.test(id) ? id.toLowerCase() : undefined);
