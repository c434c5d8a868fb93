import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import { SeriesQuery } from './_lib/contracts/logs.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, readQuery, type FunctionConfig } from './_lib/http.ts';
import { readSeries } from './_lib/repositories/metric-read.repository.ts';

/**
 * Metric series for charts: raw points, or deterministic buckets (min/max/last/count) when a
 * series is longer than `buckets`; `after=<cursor>` returns only points past the last read.
 */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		const query = readQuery(req, SeriesQuery);
		await requireExperimentRole(db, principal, id, 'viewer');
		return json(await readSeries(db, id, query), 200, { 'cache-control': 'no-store' });
	}
});

export const config: FunctionConfig = { path: '/api/experiments/:id/metrics', method: ['GET'] };
