import type { Config } from '@netlify/functions';
import { SharedSeriesBody, SharedTokenParams } from './_lib/contracts/share-links.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { workspaceReader } from './_lib/repositories/share-link.repository.ts';
import { openLink, sharedRunIds } from './_lib/share-content.ts';
import { readSeriesBatch } from './_lib/series-batch.ts';

export const config: Config = { path: '/api/shared/:token/series', method: ['POST'] };

/**
 * The shared runs' series, bucketed as `POST /api/series` reads them (without `groupBy`). Ids
 * outside the link's runs are dropped before anything is read, so a token never reads a series
 * it does not cover; the same 404 as `GET /api/shared/:token` otherwise.
 */
export default endpoint(config, 'Share links', {
	POST: method({
		access: 'anyone',
		params: SharedTokenParams,
		body: SharedSeriesBody,
		docs: {
			who: 'anyone with the link (the token in the path)',
			request: 'the body of `POST /api/series` without `groupBy`; ids must be among the shared runs',
			success: '200 as `POST /api/series`, for the shared runs only'
		},
		handle: async ({ db, params, body, context }) => {
			const link = await openLink(db, params.token, context.ip);
			const { ids } = await sharedRunIds(db, link);
			const shared = new Set(ids);
			const asked = body.experimentIds.filter((id) => shared.has(id));
			const reader = asked.length > 0 ? await workspaceReader(db, link.workspaceId) : undefined;
			if (asked.length === 0 || !reader) {
				return json(
					{
						experiment_ids: [],
						metrics: [],
						missing_metrics: [],
						buckets: body.buckets,
						series: [],
						groups: [],
						truncated: false,
						reason: 'none of the experiments asked for is shared by this link'
					},
					200,
					{ 'cache-control': 'no-store' }
				);
			}
			// Read as the workspace, scoped to it, over the shared ids only (see workspaceReader).
			const outcome = await readSeriesBatch(
				db,
				{ userId: reader, keyWorkspaceId: link.workspaceId },
				{ ...body, experimentIds: asked },
				''
			);
			if (outcome.kind === 'bad-pattern') {
				throw validationError('Invalid request body', { pattern: [outcome.message] });
			}
			return json(outcome.read, 200, { 'cache-control': 'no-store' });
		}
	})
});
