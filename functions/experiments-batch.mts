import type { Config } from '@netlify/functions';
import { ExperimentBatchBody } from './_lib/contracts/experiments.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { findVisibleExperiments } from './_lib/repositories/experiment.repository.ts';

export const config: Config = { path: '/api/experiments/batch', method: ['POST'] };

/**
 * Several experiments at once, for the compare view: in the requested order, leaving out those
 * the caller may not see (a shared comparison link may outlive someone's access to one run).
 * POST because up to 100 ids do not fit a URL comfortably; it reads, it changes nothing. Each
 * experiment carries only the metric summaries named in `metrics`, its first results, and the
 * values of the context keys named in `context`.
 */
export default endpoint(config, 'Experiments', {
	POST: method({
		access: 'signed-in',
		body: ExperimentBatchBody,
		docs: {
			request: '`{ids, metrics?, context?}` (1–100 ids)',
			success: '200 `[Experiment]` I can see, in order'
		},
		handle: async ({ req, db, principal, body }) =>
			json(
				await findVisibleExperiments(db, principal, body.ids, body.metrics, publicOrigin(req), body.context)
			)
	})
});
