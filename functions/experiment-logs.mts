import type { Config } from '@netlify/functions';
import { LogEntry } from './_lib/contracts/logs.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { ingestResponse } from './_lib/ingest-response.ts';
import { noteSignOfLife } from './_lib/repositories/liveness.repository.ts';
import { ingestLogs } from './_lib/repositories/metric-ingest.repository.ts';

export const config: Config = { path: '/api/experiments/:id/logs', method: ['POST'] };

/** One log entry (same fields and idempotency as a batch entry). */
export default endpoint(config, 'Logging, series and export', {
	POST: method({
		...onExperiment('editor'),
		body: LogEntry,
		docs: { request: '`LogEntry`', success: '201 `{received, stored, duplicates}`' },
		handle: async ({ db, params, body }) => {
			await noteSignOfLife(db, params.id);
			return ingestResponse(await ingestLogs(db, params.id, [body]));
		}
	})
});
