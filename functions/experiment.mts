import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import { UpdateExperimentBody } from './_lib/contracts/experiments.ts';
import { getDb } from './_lib/db.ts';
import { notFound } from './_lib/errors.ts';
import { json, methods, readBody, readParams, type FunctionConfig } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import {
	deleteExperiment,
	getExperiment,
	updateExperiment
} from './_lib/repositories/experiment.repository.ts';

/**
 * One experiment: viewers read it (the SDK's `load_experiment`), editors change or delete it.
 * `undefined` after a passed role check means it was deleted in between: still a 404.
 */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		await requireExperimentRole(db, principal, id, 'viewer');
		const experiment = await getExperiment(db, id, publicOrigin(req));
		if (!experiment) throw notFound('Experiment');
		return json(experiment);
	},
	PATCH: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		const body = await readBody(req, UpdateExperimentBody);
		await requireExperimentRole(db, principal, id, 'editor');
		const experiment = await updateExperiment(db, id, body, publicOrigin(req));
		if (!experiment) throw notFound('Experiment');
		return json(experiment);
	},
	DELETE: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		await requireExperimentRole(db, principal, id, 'editor');
		if (!(await deleteExperiment(db, id))) throw notFound('Experiment');
		return json({ id, deleted: true });
	}
});

export const config: FunctionConfig = { path: '/api/experiments/:id', method: ['GET', 'PATCH', 'DELETE'] };
