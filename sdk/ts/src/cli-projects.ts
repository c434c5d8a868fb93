/**
 * `tora projects list`: the projects of one workspace, or of every workspace the key can see
 * (`GET /api/workspaces/{id}/projects`, one bounded answer per workspace).
 */
import type { Api } from './cli-api.js';
import { shortDate, table } from './cli-format.js';
import type { WireProject, WireWorkspace } from './wire.js';

export interface ListedProject {
	project: WireProject;
	/** Its workspace, when the listing spans several. */
	workspace?: WireWorkspace;
}

export interface ProjectListing {
	projects: ListedProject[];
	workspaceCount: number;
}

async function workspaceProjects(api: Api, workspaceId: string): Promise<WireProject[]> {
	const data = await api.call<{ projects: WireProject[] }>(
		'GET',
		`/workspaces/${encodeURIComponent(workspaceId)}/projects`,
		undefined,
		`workspace ${workspaceId} not found`
	);
	return data.projects;
}

/** By workspace (in the order the server lists workspaces), then as each lists its projects. */
export async function listProjects(api: Api, workspace?: string): Promise<ProjectListing> {
	if (workspace) {
		const projects = await workspaceProjects(api, workspace);
		return { projects: projects.map((project) => ({ project })), workspaceCount: 1 };
	}
	const workspaces = await api.call<WireWorkspace[]>('GET', '/workspaces');
	const projects: ListedProject[] = [];
	for (const w of workspaces) {
		for (const project of await workspaceProjects(api, w.id)) projects.push({ project, workspace: w });
	}
	return { projects, workspaceCount: workspaces.length };
}

/** A WORKSPACE column when the projects come from several; the name last, as it has spaces. */
export function projectTable(listing: ProjectListing): string {
	const several = listing.workspaceCount > 1;
	const header = ['ID', ...(several ? ['WORKSPACE'] : []), 'RUNS', 'UPDATED', 'NAME'];
	const rows = listing.projects.map(({ project, workspace }) => [
		project.id,
		...(several ? [workspace?.name ?? project.workspace_id] : []),
		String(project.run_count),
		shortDate(project.updated_at),
		project.name
	]);
	return table(header, rows);
}
