import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ConfigError, optionalEnv } from './_lib/config.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import { ExportQuery } from './_lib/contracts/logs.ts';
import { getDb, getSql } from './_lib/db.ts';
import { notFound } from './_lib/errors.ts';
import { methods, readParams, readQuery, streamedBody, type FunctionConfig } from './_lib/http.ts';
import {
	DEFAULT_EXPORT_TIMEOUT_MS,
	exportFileName,
	exportLong,
	exportWide
} from './_lib/repositories/metric-export.repository.ts';

/**
 * All metric points as CSV (`format=long`: a row per point; `wide`: a row per step), streamed.
 * Everything that can be refused is checked before the head goes out; a failure after it cuts
 * the transfer (see `streamedBody`).
 */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		const { format } = readQuery(req, ExportQuery);
		const timeoutMs = exportTimeoutMs();
		await requireExperimentRole(db, principal, id, 'viewer');
		const experiment = await db
			.selectFrom('experiments')
			.select('name')
			.where('id', '=', id)
			.executeTakeFirst();
		if (!experiment) throw notFound('Experiment');
		const exportRows = format === 'wide' ? exportWide : exportLong;
		const body = streamedBody('CSV export', (signal) => exportRows(getSql(), id, { signal, timeoutMs }));
		const file = exportFileName(experiment.name, format);
		return new Response(body, {
			status: 200,
			headers: {
				'content-type': 'text/csv; charset=utf-8',
				'content-disposition': `attachment; filename="${file}"`,
				'cache-control': 'no-store'
			}
		});
	}
});

/** `TORA_EXPORT_TIMEOUT_MS`: database time one export may use (default 5 minutes). */
function exportTimeoutMs(): number {
	const configured = optionalEnv('TORA_EXPORT_TIMEOUT_MS');
	if (configured === undefined) return DEFAULT_EXPORT_TIMEOUT_MS;
	const ms = Number(configured);
	if (!Number.isSafeInteger(ms) || ms < 1) {
		throw new ConfigError(
			`TORA_EXPORT_TIMEOUT_MS must be a whole number of milliseconds, not "${configured}"`
		);
	}
	return ms;
}

export const config: FunctionConfig = { path: '/api/experiments/:id/export.csv', method: ['GET'] };
