import type { Config } from '@netlify/functions';
import { ListExperimentsQuery, WorkspaceExperimentsParams } from './_lib/contracts/experiments.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { queryClock } from './_lib/liveness.ts';
import { publicOrigin } from './_lib/public-url.ts';
import { listWorkspaceExperiments } from './_lib/repositories/experiment.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/experiments', method: ['GET'] };

/**
 * A workspace's experiments, searched, filtered and paged by cursor (`next_cursor`); each carries
 * only the metric summaries named in `metrics`, so a page costs the same however many metrics
 * its experiments hold. With `count=true` the page also says how many runs match in all (`total`),
 * for "select all N that match"; without it no count is made.
 */
export default endpoint(config, 'Experiments', {
	GET: method({
		...inWorkspace('viewer', { params: WorkspaceExperimentsParams }),
		query: ListExperimentsQuery,
		docs: {
			success: '200 `{items: [Experiment], next_cursor, metric_names, total?}` (`total` with `count=true`)'
		},
		handle: async ({ req, db, params, query }) =>
			json(await listWorkspaceExperiments(db, params.id, query, publicOrigin(req), queryClock()))
	})
});
