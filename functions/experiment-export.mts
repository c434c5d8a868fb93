import type { Config } from '@netlify/functions';
import { getConfig, settingValue } from './_lib/config.ts';
import { ExportQuery } from './_lib/contracts/logs.ts';
import { getSql } from './_lib/db.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { streamedBody } from './_lib/http.ts';
import { exportFileName, exportLong, exportWide } from './_lib/repositories/metric-export.repository.ts';

export const config: Config = { path: '/api/experiments/:id/export.csv', method: ['GET'] };

/**
 * All metric points as CSV (`format=long`: a row per point; `wide`: a row per step), streamed.
 * Everything that can be refused is checked before the head goes out; a failure after it cuts
 * the transfer (see `streamedBody`).
 */
export default endpoint(config, 'Logging, series and export', {
	GET: method({
		...onExperiment('viewer'),
		query: ExportQuery,
		docs: { request: '`?format=long|wide`', success: '200 `text/csv`, streamed' },
		handle: async ({ db, params: { id }, query: { format } }) => {
			const timeoutMs = settingValue(getConfig().exportTimeoutMs);
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
	})
});
