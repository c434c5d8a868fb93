import type { Config } from '@netlify/functions';
import { UpdateWorkspaceBody } from './_lib/contracts/workspaces.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { conflict, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { deleteWorkspace, findWorkspace, updateWorkspace } from './_lib/repositories/workspace.repository.ts';

export const config: Config = { path: '/api/workspaces/:id', method: ['GET', 'PATCH', 'DELETE'] };

/**
 * One workspace: members read it, admins rename it, the owner deletes it (with everything in
 * it). Deleting needs a signed-in session: a script's key cannot destroy a workspace.
 * `undefined` after a passed role check means it went away in between: still a 404.
 */
export default endpoint(config, 'Workspaces', {
	GET: method({
		...inWorkspace('viewer'),
		docs: { success: '200 `Workspace`' },
		handle: async ({ db, principal, params }) => {
			const workspace = await findWorkspace(db, params.id, principal.userId);
			if (!workspace) throw notFound('Workspace');
			return json(workspace);
		}
	}),
	PATCH: method({
		...inWorkspace('admin'),
		body: UpdateWorkspaceBody,
		docs: { success: '200 `Workspace`' },
		handle: async ({ db, principal, params, body }) => {
			const patch = {
				...(body.name !== undefined ? { name: body.name } : {}),
				...(body.description !== undefined ? { description: body.description ?? '' } : {})
			};
			const workspace = await updateWorkspace(db, params.id, principal.userId, patch);
			if (!workspace) throw notFound('Workspace');
			return json(workspace);
		}
	}),
	DELETE: method({
		...inWorkspace('owner', { session: 'required' }),
		docs: { success: '200 `{id}`' },
		handle: async ({ db, params }) => {
			const deletion = await deleteWorkspace(db, params.id);
			if (deletion.kind === 'workspace-not-found') throw notFound('Workspace');
			if (deletion.kind === 'personal-workspace') {
				throw conflict('A personal workspace cannot be deleted; it exists for as long as its user does.');
			}
			return json({ id: params.id });
		}
	})
});
