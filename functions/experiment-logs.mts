import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import { LogEntry, type LogBatchResult } from './_lib/contracts/logs.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readBody, readParams, type FunctionConfig } from './_lib/http.ts';
import { ingestLogs } from './_lib/repositories/metric-ingest.repository.ts';

/** One log entry (same fields and idempotency as a batch entry). */
export default methods({
	POST: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		await requireExperimentRole(db, principal, id, 'editor');
		const entry = await readBody(req, LogEntry);
		const result: LogBatchResult = await ingestLogs(db, id, [entry]);
		return json(result, 201);
	}
});

export const config: FunctionConfig = { path: '/api/experiments/:id/logs', method: ['POST'] };
