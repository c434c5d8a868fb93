import type { Config } from '@netlify/functions';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { CreateExperimentBody, type ExperimentDetail } from './_lib/contracts/experiments.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { createExperiment } from './_lib/repositories/experiment.repository.ts';
import { ensurePersonalWorkspace } from './_lib/repositories/profile.repository.ts';

export const config: Config = { path: '/api/experiments', method: ['POST'] };

/**
 * Creating an experiment: what the public SDK's `setup()` / `Tora.create_experiment` call. With
 * no workspace given, a scoped key creates in its workspace, anyone else in their personal one.
 */
export default endpoint(config, 'Experiments', {
	POST: method({
		access: 'signed-in',
		body: CreateExperimentBody,
		docs: { who: 'editor', success: '201 `Experiment` (with `notes` and `context`)' },
		handle: async ({ req, db, principal, body }) => {
			const workspaceId =
				body.workspaceId ?? principal.keyWorkspaceId ?? (await ensurePersonalWorkspace(db, principal.userId));
			// The workspace comes from the body (or the caller), not the path: checked here.
			await requireWorkspaceRole(db, principal, workspaceId, 'editor');
			const experiment = await createExperiment(
				db,
				{
					workspaceId,
					createdBy: principal.userId,
					name: body.name,
					description: body.description ?? '',
					tags: body.tags ?? [],
					hyperparams: body.hyperparams ?? []
				},
				publicOrigin(req)
			);
			if (!experiment) throw notFound('Workspace');
			// The single-read shape (as GET /api/experiments/:id): a new run has no notes or context yet.
			const created: ExperimentDetail = { ...experiment, notes: '', context: null };
			return json(created, 201);
		}
	})
});
