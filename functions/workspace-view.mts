import type { Config } from '@netlify/functions';
import { UpdateViewBody, ViewParams } from './_lib/contracts/views.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { conflict, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { deleteView, updateView } from './_lib/repositories/view.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/views/:viewId', method: ['PATCH', 'DELETE'] };

/**
 * One saved view: rename it, replace its state, or make it the workspace's default (which the
 * previous default stops being, in the same transaction); or delete it. A view of another
 * workspace is a 404 here.
 */
export default endpoint(config, 'Experiments', {
	PATCH: method({
		...inWorkspace('editor', { params: ViewParams }),
		body: UpdateViewBody,
		docs: { success: '200 `SavedView`; 409 for a duplicate name' },
		handle: async ({ db, params, body }) => {
			const updated = await updateView(db, params.id, params.viewId, body);
			switch (updated.kind) {
				case 'updated':
					return json(updated.view);
				case 'duplicate-name':
					throw conflict(`A view named "${body.name}" already exists in this workspace.`);
				case 'missing':
					throw notFound('View');
			}
		}
	}),
	DELETE: method({
		...inWorkspace('editor', { params: ViewParams }),
		docs: { success: '200 `SavedView` (the deleted view)' },
		handle: async ({ db, params }) => {
			const deleted = await deleteView(db, params.id, params.viewId);
			if (!deleted) throw notFound('View');
			return json(deleted);
		}
	})
});
