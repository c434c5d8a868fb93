import type { Config } from '@netlify/functions';
import { CreateProjectBody } from './_lib/contracts/projects.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { conflict, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { createProject, listProjects } from './_lib/repositories/project.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/projects', method: ['GET', 'POST'] };

/**
 * A workspace's projects (named groups of its experiments), by name with their run counts.
 * Editors make them here; an SDK's `project=` also makes one on first use.
 */
export default endpoint(config, 'Projects', {
	GET: method({
		...inWorkspace('viewer'),
		docs: { success: '200 `{projects: [Project]}` (by name)' },
		handle: async ({ db, params }) => json({ projects: await listProjects(db, params.id) })
	}),
	POST: method({
		...inWorkspace('editor'),
		body: CreateProjectBody,
		docs: { success: '201 `Project`; 409 for a duplicate name or past the project limit' },
		handle: async ({ db, principal, params, body }) => {
			const created = await createProject(db, {
				workspaceId: params.id,
				createdBy: principal.userId,
				name: body.name,
				description: body.description ?? ''
			});
			switch (created.kind) {
				case 'created':
					return json(created.project, 201);
				case 'duplicate-name':
					throw conflict(`A project named "${body.name}" already exists in this workspace.`);
				case 'too-many':
					throw conflict(`A workspace holds at most ${created.limit} projects; delete one first.`);
				case 'missing':
					throw notFound('Workspace');
			}
		}
	})
});
