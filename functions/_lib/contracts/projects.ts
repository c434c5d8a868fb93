/**
 * Projects: named groups of experiments inside a workspace (`/api/workspaces/:id/projects`,
 * `/api/projects/:id`). An experiment belongs to at most one; runs without one stay unassigned.
 */
import * as z from 'zod';
import { Uuid } from './common.ts';
import { ExperimentDescription, ProjectName } from './experiments.ts';

/** Projects one workspace may hold: every list of them is one bounded answer. */
export const MAX_PROJECTS_PER_WORKSPACE = 1000;

export const Project = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	name: z.string(),
	description: z.string(),
	/** Experiments in the project now. */
	run_count: z.number().int(),
	created_by: z.uuid().nullable(),
	created_at: z.string(),
	updated_at: z.string()
});
export type Project = z.infer<typeof Project>;

export const CreateProjectBody = z.strictObject({
	name: ProjectName,
	description: ExperimentDescription.optional()
});
export type CreateProjectBody = z.infer<typeof CreateProjectBody>;

export const UpdateProjectBody = z
	.strictObject({ name: ProjectName.optional(), description: ExperimentDescription.optional() })
	.refine((body) => body.name !== undefined || body.description !== undefined, {
		error: 'give at least one of name, description'
	});
export type UpdateProjectBody = z.infer<typeof UpdateProjectBody>;

/** `/api/workspaces/:id/projects/:projectId`. */
export const ProjectParams = z.object({ id: Uuid, projectId: Uuid });
