import type { Config } from '@netlify/functions';
import { LogBatchBody, MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from './_lib/contracts/logs.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { ApiError } from './_lib/errors.ts';
import { ingestResponse } from './_lib/ingest-response.ts';
import { noteSignOfLife } from './_lib/repositories/liveness.repository.ts';
import { ingestLogs } from './_lib/repositories/metric-ingest.repository.ts';

export const config: Config = { path: '/api/experiments/:id/logs/batch', method: ['POST'] };

/**
 * A batch of metric points and results, exactly as the `tora` SDK sends it. All or nothing; an
 * entry whose msg_id is already stored (a retry after a lost reply) is skipped, never an error.
 */
export default endpoint(config, 'Logging, series and export', {
	POST: method({
		...onExperiment('editor'),
		body: LogBatchBody,
		bodyLimit: MAX_BATCH_BYTES,
		precheckBody: refuseTooManyEntries,
		bodyError: 'Invalid log entries',
		docs: {
			request: '`{logs: [LogEntry]}` (≤ 10,000 entries, ≤ 2 MB)',
			success: '201 `{received, stored, duplicates}`'
		},
		handle: async ({ db, params, body }) => {
			await noteSignOfLife(db, params.id);
			return ingestResponse(await ingestLogs(db, params.id, body.logs));
		}
	})
});

/** Counting entries is cheap; validating 10,001 of them before saying "too many" is not. */
function refuseTooManyEntries(raw: unknown): void {
	const logs = (raw as { logs?: unknown })?.logs;
	if (Array.isArray(logs) && logs.length > MAX_BATCH_ENTRIES) {
		throw new ApiError(
			413,
			'PAYLOAD_TOO_LARGE',
			`A batch holds at most ${MAX_BATCH_ENTRIES} entries and 2 MB; this one has ${logs.length} entries. Split it.`
		);
	}
}
