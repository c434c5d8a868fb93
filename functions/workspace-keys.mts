import type { Config } from '@netlify/functions';
import { KeysQuery } from './_lib/contracts/views.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { queryClock } from './_lib/liveness.ts';
import { listKeyValues, listWorkspaceKeys } from './_lib/repositories/workspace-keys.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/keys', method: ['GET'] };

/**
 * What the query box suggests: every hyperparameter key, metric, result and tag name the
 * workspace has used (a name once used stays listed), or with `?values=<key>` the values of
 * `hp.<name>`, `name`, `tag`, `status` or `creator` among the newest 1,000 runs.
 */
export default endpoint(config, 'Experiments', {
	GET: method({
		...inWorkspace('viewer'),
		query: KeysQuery,
		docs: {
			request: '`?values=<key>` (optional)',
			success: '200 `{hyperparams, metrics, results, tags}` (sorted names), or with `values` `{values}`'
		},
		handle: async ({ db, params, query }) =>
			json(
				query.values
					? await listKeyValues(db, params.id, query.values, queryClock())
					: await listWorkspaceKeys(db, params.id)
			)
	})
});
