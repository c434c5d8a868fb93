import { authenticate } from './_lib/auth.ts';
import { CreateWorkspaceBody } from './_lib/contracts/workspaces.ts';
import { getDb } from './_lib/db.ts';
import { forbidden } from './_lib/errors.ts';
import { json, methods, readBody, type FunctionConfig } from './_lib/http.ts';
import { ensurePersonalWorkspace } from './_lib/repositories/profile.repository.ts';
import { createWorkspace, listWorkspaces } from './_lib/repositories/workspace.repository.ts';

/**
 * The caller's workspaces with their role, and creating one (the creator becomes its owner).
 * `POST` is part of the fixed wire contract: the Python SDK calls it with an API key and
 * `{name, description}`, where description may be null. A key scoped to one workspace sees only
 * that workspace and cannot create others.
 */
export default methods({
	GET: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const scope = principal.keyWorkspaceId ?? undefined;
		const list = await listWorkspaces(db, principal.userId, scope);
		// The personal workspace is made on first use; listing first spares every later call the
		// check. Only its own user can own a personal workspace (ownership never moves there).
		if (scope || list.some((workspace) => workspace.personal && workspace.role === 'owner')) {
			return json(list);
		}
		await ensurePersonalWorkspace(db, principal.userId);
		return json(await listWorkspaces(db, principal.userId, scope));
	},
	POST: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		if (principal.keyWorkspaceId) {
			throw forbidden('This API key is limited to one workspace; it cannot create workspaces.');
		}
		const body = await readBody(req, CreateWorkspaceBody);
		const created = await createWorkspace(db, {
			userId: principal.userId,
			name: body.name,
			description: body.description ?? ''
		});
		return json(created, 201);
	}
});

export const config: FunctionConfig = { path: '/api/workspaces', method: ['GET', 'POST'] };
