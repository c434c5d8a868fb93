import { authenticate } from './_lib/auth.ts';
import { ExperimentBatchBody } from './_lib/contracts/experiments.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readBody, type FunctionConfig } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { findVisibleExperiments } from './_lib/repositories/experiment.repository.ts';

/**
 * Several experiments at once, for the compare view: in the requested order, leaving out those
 * the caller may not see (a shared comparison link may outlive someone's access to one run).
 * POST because up to 100 ids do not fit a URL comfortably; it reads, it changes nothing. Each
 * experiment carries only the metric summaries named in `metrics`, and its first results.
 */
export default methods({
	POST: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { ids, metrics } = await readBody(req, ExperimentBatchBody);
		return json(await findVisibleExperiments(db, principal, ids, metrics, publicOrigin(req)));
	}
});

export const config: FunctionConfig = { path: '/api/experiments/batch', method: ['POST'] };
