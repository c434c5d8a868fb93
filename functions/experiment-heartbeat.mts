import type { Config } from '@netlify/functions';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { shownStatus } from './_lib/liveness.ts';
import { recordHeartbeat } from './_lib/repositories/liveness.repository.ts';

export const config: Config = { path: '/api/experiments/:id/heartbeat', method: ['POST'] };

/**
 * "Still alive": what the SDKs send when a run has logged nothing for a while, so a long quiet
 * phase (evaluation, a slow epoch) does not make the run look crashed.
 */
export default endpoint(config, 'Logging, series and export', {
	POST: method({
		...onExperiment('editor'),
		docs: { success: '200 `{id, status, last_seen_at}`' },
		handle: async ({ db, params }) => {
			const seen = await recordHeartbeat(db, params.id);
			if (!seen) throw notFound('Experiment');
			return json({
				id: params.id,
				status: shownStatus(seen),
				last_seen_at: seen.last_seen_at.toISOString()
			});
		}
	})
});
