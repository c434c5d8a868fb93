import type { Config } from '@netlify/functions';
import { CreateViewBody } from './_lib/contracts/views.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { conflict, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { createView, listViews } from './_lib/repositories/view.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/views', method: ['GET', 'POST'] };

/**
 * A workspace's saved views of its runs table (filter, sort, columns, compare settings), shared
 * by its members. A view's queries are checked when saved, never when read: one whose query a
 * later grammar refuses is still listed, and the site shows the error.
 */
export default endpoint(config, 'Experiments', {
	GET: method({
		...inWorkspace('viewer'),
		docs: { success: '200 `[SavedView]` (the default first, then by name)' },
		handle: async ({ db, params }) => json(await listViews(db, params.id))
	}),
	POST: method({
		...inWorkspace('editor'),
		body: CreateViewBody,
		docs: { success: '201 `SavedView`; 409 for a duplicate name or past 200 views' },
		handle: async ({ db, principal, params, body }) => {
			const created = await createView(db, {
				workspaceId: params.id,
				createdBy: principal.userId,
				name: body.name,
				state: body.state,
				isDefault: body.isDefault ?? false
			});
			switch (created.kind) {
				case 'created':
					return json(created.view, 201);
				case 'duplicate-name':
					throw conflict(`A view named "${body.name}" already exists in this workspace.`);
				case 'too-many':
					throw conflict(`A workspace holds at most ${created.limit} views; delete one first.`);
				case 'missing':
					throw notFound('Workspace');
			}
		}
	})
});
