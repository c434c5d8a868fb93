import type { Config } from '@netlify/functions';
import { ProjectParams, UpdateProjectBody } from './_lib/contracts/projects.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { conflict, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { deleteProject, getProject, updateProject } from './_lib/repositories/project.repository.ts';

export const config: Config = {
	path: '/api/workspaces/:id/projects/:projectId',
	method: ['GET', 'PATCH', 'DELETE']
};

/**
 * One project of a workspace: read it, rename it or change its description, or delete it (its
 * experiments stay, in no project). A project of another workspace is a 404 here.
 */
export default endpoint(config, 'Projects', {
	GET: method({
		...inWorkspace('viewer', { params: ProjectParams }),
		docs: { success: '200 `Project`' },
		handle: async ({ db, params }) => {
			const project = await getProject(db, params.id, params.projectId);
			if (!project) throw notFound('Project');
			return json(project);
		}
	}),
	PATCH: method({
		...inWorkspace('editor', { params: ProjectParams }),
		body: UpdateProjectBody,
		docs: { success: '200 `Project`; 409 for a duplicate name' },
		handle: async ({ db, params, body }) => {
			const updated = await updateProject(db, params.id, params.projectId, body);
			switch (updated.kind) {
				case 'updated':
					return json(updated.project);
				case 'duplicate-name':
					throw conflict(`A project named "${body.name}" already exists in this workspace.`);
				case 'missing':
					throw notFound('Project');
			}
		}
	}),
	DELETE: method({
		...inWorkspace('editor', { params: ProjectParams }),
		docs: { success: '200 `Project` (as it was; its experiments are now in no project)' },
		handle: async ({ db, params }) => {
			const deleted = await deleteProject(db, params.id, params.projectId);
			if (!deleted) throw notFound('Project');
			return json(deleted);
		}
	})
});
