import type { Config } from '@netlify/functions';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { CreateExperimentBody } from './_lib/contracts/experiments.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { conflict, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { withDetail } from './_lib/repositories/experiment-detail.ts';
import { createExperiment } from './_lib/repositories/experiment.repository.ts';
import { ensurePersonalWorkspace } from './_lib/repositories/profile.repository.ts';

export const config: Config = { path: '/api/experiments', method: ['POST'] };

/**
 * Creating an experiment: what the public SDK's `setup()` / `Tora.create_experiment` call. With
 * no workspace given, a scoped key creates in its workspace, anyone else in their personal one.
 * `project` names a project of that workspace (made on first use). `importKey` makes the create
 * idempotent: the workspace's run already made with that key is answered (200) unchanged.
 */
export default endpoint(config, 'Experiments', {
	POST: method({
		access: 'signed-in',
		body: CreateExperimentBody,
		docs: {
			who: 'editor',
			success:
				'201 `Experiment` (with `notes` and `context`); 200 with the existing run when `importKey` was used before; 409 past the project limit'
		},
		handle: async ({ req, db, principal, body }) => {
			const workspaceId =
				body.workspaceId ?? principal.keyWorkspaceId ?? (await ensurePersonalWorkspace(db, principal.userId));
			// The workspace comes from the body (or the caller), not the path: checked here.
			await requireWorkspaceRole(db, principal, workspaceId, 'editor');
			const outcome = await createExperiment(
				db,
				{
					workspaceId,
					createdBy: principal.userId,
					name: body.name,
					description: body.description ?? '',
					tags: body.tags ?? [],
					hyperparams: body.hyperparams ?? [],
					project: body.project,
					importKey: body.importKey,
					startedAt: body.startedAt
				},
				publicOrigin(req)
			);
			switch (outcome.kind) {
				case 'missing':
					throw notFound('Workspace');
				case 'too-many-projects':
					throw conflict(`A workspace holds at most ${outcome.limit} projects; name an existing one.`);
				case 'created':
					// The single-read shape (as GET /api/experiments/:id); a new run has no notes or context yet.
					return outcome.created
						? json({ ...outcome.experiment, notes: '', context: null }, 201)
						: json(await withDetail(db, outcome.experiment), 200);
			}
		}
	})
});
