import type * as z from 'zod';
import type { CreateProjectBody, Project, UpdateProjectBody } from '$contracts/projects';
import type { Caller } from './caller';
import { apiPath } from './transport';

/** A workspace's projects: named groups of its experiments. */
export function projectsApi(call: Caller) {
	return {
		/** By name, each with its number of runs. */
		list: (workspaceId: string) =>
			call
				.json<{ projects: Project[] }>('GET', apiPath('workspaces', workspaceId, 'projects'))
				.then((data) => data.projects),
		create: (workspaceId: string, body: z.input<typeof CreateProjectBody>) =>
			call.json<Project>('POST', apiPath('workspaces', workspaceId, 'projects'), { body }),
		update: (workspaceId: string, projectId: string, body: z.input<typeof UpdateProjectBody>) =>
			call.json<Project>('PATCH', apiPath('workspaces', workspaceId, 'projects', projectId), { body }),
		/** Its experiments stay, in no project. */
		remove: (workspaceId: string, projectId: string) =>
			call.json<Project>('DELETE', apiPath('workspaces', workspaceId, 'projects', projectId))
	};
}
