import type { Config } from '@netlify/functions';
import type { Principal } from './_lib/auth.ts';
import { CreateWorkspaceBody } from './_lib/contracts/workspaces.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { forbidden } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { ensurePersonalWorkspace } from './_lib/repositories/profile.repository.ts';
import { createWorkspace, listWorkspaces } from './_lib/repositories/workspace.repository.ts';

export const config: Config = { path: '/api/workspaces', method: ['GET', 'POST'] };

/** Checked before the body is read: the key cannot create anything, whatever it sends. */
function refuseScopedKey(principal: Principal): void {
	if (principal.keyWorkspaceId) {
		throw forbidden('This API key is limited to one workspace; it cannot create workspaces.');
	}
}

/**
 * The caller's workspaces with their role, and creating one (the creator becomes its owner).
 * `POST` is part of the fixed wire contract: the Python SDK calls it with an API key and
 * `{name, description}`, where description may be null. A key scoped to one workspace sees only
 * that workspace and cannot create others.
 */
export default endpoint(config, 'Workspaces', {
	GET: method({
		access: 'signed-in',
		docs: { success: '200 `[Workspace]`, personal first' },
		handle: async ({ db, principal }) => {
			const scope = principal.keyWorkspaceId ?? undefined;
			const list = await listWorkspaces(db, principal.userId, scope);
			// The personal workspace is made on first use; listing first spares every later call the
			// check. Only its own user can own a personal workspace (ownership never moves there).
			if (scope || list.some((workspace) => workspace.personal && workspace.role === 'owner')) {
				return json(list);
			}
			await ensurePersonalWorkspace(db, principal.userId);
			return json(await listWorkspaces(db, principal.userId, scope));
		}
	}),
	POST: method({
		access: 'signed-in',
		checkCredential: refuseScopedKey,
		body: CreateWorkspaceBody,
		docs: { who: 'signed in or unscoped key', success: '201 `Workspace` (caller is owner)' },
		handle: async ({ db, principal, body }) => {
			const created = await createWorkspace(db, {
				userId: principal.userId,
				name: body.name,
				description: body.description ?? ''
			});
			return json(created, 201);
		}
	})
});
