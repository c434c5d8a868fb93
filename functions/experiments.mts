import { authenticate } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { CreateExperimentBody } from './_lib/contracts/experiments.ts';
import { getDb } from './_lib/db.ts';
import { notFound } from './_lib/errors.ts';
import { json, methods, readBody, type FunctionConfig } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { createExperiment } from './_lib/repositories/experiment.repository.ts';
import { ensurePersonalWorkspace } from './_lib/repositories/profile.repository.ts';

/**
 * Creating an experiment: what the public SDK's `setup()` / `Tora.create_experiment` call. With
 * no workspace given, a scoped key creates in its workspace, anyone else in their personal one.
 */
export default methods({
	POST: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const body = await readBody(req, CreateExperimentBody);
		const workspaceId =
			body.workspaceId ?? principal.keyWorkspaceId ?? (await ensurePersonalWorkspace(db, principal.userId));
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
		return json(experiment, 201);
	}
});

export const config: FunctionConfig = { path: '/api/experiments', method: ['POST'] };
