import type { Config } from '@netlify/functions';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';

export const config: Config = { path: '/api/experiments/:id/results', method: ['GET'] };

/** The experiment's final values (one per name, the latest logged). */
export default endpoint(config, 'Logging, series and export', {
	GET: method({
		...onExperiment('viewer'),
		docs: { success: '200 `[{name, value, logged_at}]`' },
		handle: async ({ db, params }) => {
			const results = await db
				.selectFrom('results')
				.select(['name', 'value', 'logged_at'])
				.where('experiment_id', '=', params.id)
				.orderBy('name')
				.execute();
			return json(results);
		}
	})
});
