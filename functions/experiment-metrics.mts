import type { Config } from '@netlify/functions';
import { SeriesQuery } from './_lib/contracts/logs.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { readSeries } from './_lib/repositories/metric-read.repository.ts';

export const config: Config = { path: '/api/experiments/:id/metrics', method: ['GET'] };

/**
 * Metric series for charts: raw points, or deterministic buckets (min/max/last/count) when a
 * series is longer than `buckets`; `after=<cursor>` returns only points past the last read.
 */
export default endpoint(config, 'Logging, series and export', {
	GET: method({
		...onExperiment('viewer'),
		query: SeriesQuery,
		docs: { success: '200 `{series: [...], cursor, next_start_after, series_count}`' },
		handle: async ({ db, params, query }) => {
			const outcome = await readSeries(db, params.id, query);
			if (outcome.kind === 'unknown-cursor') {
				throw validationError('Invalid query parameters', {
					after: ['is not a cursor returned by this endpoint']
				});
			}
			return json(outcome.read, 200, { 'cache-control': 'no-store' });
		}
	})
});
