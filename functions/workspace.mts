import { authenticate, requireSession } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { UpdateWorkspaceBody, WorkspaceParams } from './_lib/contracts/workspaces.ts';
import { getDb } from './_lib/db.ts';
import { notFound } from './_lib/errors.ts';
import { json, methods, readBody, readParams, type FunctionConfig } from './_lib/http.ts';
import { deleteWorkspace, findWorkspace, updateWorkspace } from './_lib/repositories/workspace.repository.ts';

/**
 * One workspace: members read it, admins rename it, the owner deletes it (with everything in
 * it). Deleting needs a signed-in session: a script's key cannot destroy a workspace.
 */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'viewer');
		const workspace = await findWorkspace(db, id, principal.userId);
		if (!workspace) throw notFound('Workspace');
		return json(workspace);
	},
	PATCH: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'admin');
		const body = await readBody(req, UpdateWorkspaceBody);
		const patch = {
			...(body.name !== undefined ? { name: body.name } : {}),
			...(body.description !== undefined ? { description: body.description ?? '' } : {})
		};
		return json(await updateWorkspace(db, id, principal.userId, patch));
	},
	DELETE: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSession(principal);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'owner');
		return json(await deleteWorkspace(db, id));
	}
});

export const config: FunctionConfig = { path: '/api/workspaces/:id', method: ['GET', 'PATCH', 'DELETE'] };
