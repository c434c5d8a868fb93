import type { Config } from '@netlify/functions';
import { UpdateExperimentBody } from './_lib/contracts/experiments.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import {
	deleteExperiment,
	getExperiment,
	updateExperiment
} from './_lib/repositories/experiment.repository.ts';

export const config: Config = { path: '/api/experiments/:id', method: ['GET', 'PATCH', 'DELETE'] };

/**
 * One experiment: viewers read it (the SDK's `load_experiment`), editors change or delete it.
 * `undefined` after a passed role check means it was deleted in between: still a 404.
 */
export default endpoint(config, 'Experiments', {
	GET: method({
		...onExperiment('viewer'),
		docs: { success: '200 `Experiment`' },
		handle: async ({ req, db, params }) => {
			const experiment = await getExperiment(db, params.id, publicOrigin(req));
			if (!experiment) throw notFound('Experiment');
			return json(experiment);
		}
	}),
	PATCH: method({
		...onExperiment('editor'),
		body: UpdateExperimentBody,
		docs: { request: '`{name?, description?, tags?, hyperparams?, status?}`', success: '200 `Experiment`' },
		handle: async ({ req, db, params, body }) => {
			const experiment = await updateExperiment(db, params.id, body, publicOrigin(req));
			if (!experiment) throw notFound('Experiment');
			return json(experiment);
		}
	}),
	DELETE: method({
		...onExperiment('editor'),
		docs: { success: '200 `{id, deleted: true}`' },
		handle: async ({ db, params }) => {
			if (!(await deleteExperiment(db, params.id))) throw notFound('Experiment');
			return json({ id: params.id, deleted: true });
		}
	})
});
