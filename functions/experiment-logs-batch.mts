import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import {
	LogBatchBody,
	MAX_BATCH_BYTES,
	MAX_BATCH_ENTRIES,
	type LogBatchResult
} from './_lib/contracts/logs.ts';
import { getDb } from './_lib/db.ts';
import { ApiError } from './_lib/errors.ts';
import { json, methods, readJson, readParams, validate, type FunctionConfig } from './_lib/http.ts';
import { ingestLogs } from './_lib/repositories/metric-ingest.repository.ts';

/**
 * A batch of metric points and results, exactly as the `tora` SDK sends it. All or nothing; an
 * entry whose msg_id is already stored (a retry after a lost reply) is skipped, never an error.
 */
export default methods({
	POST: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		await requireExperimentRole(db, principal, id, 'editor');
		const body = await readJson(req, MAX_BATCH_BYTES);
		const logs = (body as { logs?: unknown })?.logs;
		if (Array.isArray(logs) && logs.length > MAX_BATCH_ENTRIES) {
			throw new ApiError(
				413,
				'PAYLOAD_TOO_LARGE',
				`A batch holds at most ${MAX_BATCH_ENTRIES} entries and 2 MB; this one has ${logs.length} entries. Split it.`
			);
		}
		const batch = validate(LogBatchBody, body, 'Invalid log entries');
		const result: LogBatchResult = await ingestLogs(db, id, batch.logs);
		return json(result, 201);
	}
});

export const config: FunctionConfig = { path: '/api/experiments/:id/logs/batch', method: ['POST'] };
