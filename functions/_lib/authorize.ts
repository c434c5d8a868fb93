/**
 * Workspace authorization: one role order, one check. Not a member → 404 (we do not reveal that
 * a workspace exists); a member without the right → 403; a key scoped to another workspace → 403.
 */
import type { Principal } from './auth.ts';
import type { WorkspaceRole } from './contracts/common.ts';
import { roleAtLeast } from './contracts/rules.ts';
import type { Db } from './db.ts';
import { forbidden, notFound } from './errors.ts';
import { findRole } from './repositories/workspace.repository.ts';

// The role order lives in contracts/rules.ts, shared with the site's permissions.
export { roleAtLeast };

/** "an editor", "a viewer": the role as the 403 message names it. */
const withArticle = (role: WorkspaceRole) => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;

function requireRank(role: WorkspaceRole, minimum: WorkspaceRole): void {
	if (!roleAtLeast(role, minimum)) {
		throw forbidden(`This needs the ${minimum} role or higher; you are ${withArticle(role)}.`);
	}
}

export async function requireWorkspaceRole(
	db: Db,
	principal: Principal,
	workspaceId: string,
	minimum: WorkspaceRole
): Promise<WorkspaceRole> {
	const role = await findRole(db, workspaceId, principal.userId);
	if (!role) throw notFound('Workspace');
	if (principal.keyWorkspaceId && principal.keyWorkspaceId !== workspaceId) {
		throw forbidden('This API key is limited to another workspace.');
	}
	requireRank(role, minimum);
	return role;
}

/**
 * The experiment's workspace and the caller's role there, in one query; the same 404 / 403 rules.
 * A missing experiment and one the caller cannot see are the same 404.
 */
export async function requireExperimentRole(
	db: Db,
	principal: Principal,
	experimentId: string,
	minimum: WorkspaceRole
): Promise<{ workspaceId: string; role: WorkspaceRole }> {
	const row = await db
		.selectFrom('experiments as e')
		.innerJoin('workspace_members as m', (join) =>
			join.onRef('m.workspace_id', '=', 'e.workspace_id').on('m.user_id', '=', principal.userId)
		)
		.select(['e.workspace_id', 'm.role'])
		.where('e.id', '=', experimentId)
		.executeTakeFirst();
	if (!row) throw notFound('Experiment');
	if (principal.keyWorkspaceId && principal.keyWorkspaceId !== row.workspace_id) {
		throw forbidden('This API key is limited to another workspace.');
	}
	requireRank(row.role, minimum);
	return { workspaceId: row.workspace_id, role: row.role };
}
