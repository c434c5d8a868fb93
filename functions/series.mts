import type { Config } from '@netlify/functions';
import { SeriesBatchBody } from './_lib/contracts/series.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { readSeriesBatch } from './_lib/series-batch.ts';

export const config: Config = { path: '/api/series', method: ['POST'] };

/**
 * Many runs' series in one request, for comparing up to 100 runs: every (run, metric) bucketed on
 * the x-axis asked for, or with `groupBy` per group a mean (or median) line with a band, computed
 * on aligned step buckets from each member's last value per bucket. Runs the caller may not see
 * are left out, as in `experiments/batch`. POST because 100 ids do not fit a URL; it changes nothing.
 */
export default endpoint(config, 'Logging, series and export', {
	POST: method({
		access: 'signed-in',
		body: SeriesBatchBody,
		docs: {
			request:
				'`{experimentIds, metrics | pattern, buckets?, from?, to?, x?, groupBy?, aggregate?, band?, members?}` (1–100 ids)',
			success: '200 `{series: [...], groups: [...], buckets, truncated, reason, ...}` for the runs I can see'
		},
		handle: async ({ req, db, principal, body }) => {
			const outcome = await readSeriesBatch(db, principal, body, publicOrigin(req));
			if (outcome.kind === 'bad-pattern') {
				throw validationError('Invalid request body', { pattern: [outcome.message] });
			}
			return json(outcome.read, 200, { 'cache-control': 'no-store' });
		}
	})
});
