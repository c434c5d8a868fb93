import { authenticate } from './_lib/auth.ts';
import { requireExperimentRole } from './_lib/authorize.ts';
import { ExperimentIdParams } from './_lib/contracts/experiment-params.ts';
import { ExportQuery } from './_lib/contracts/logs.ts';
import { getDb, getSql } from './_lib/db.ts';
import { notFound } from './_lib/errors.ts';
import { methods, readParams, readQuery, type FunctionConfig } from './_lib/http.ts';
import { exportFileName, exportLong, exportWide } from './_lib/repositories/metric-export.repository.ts';

/** All metric points as CSV (`format=long`: a row per point; `wide`: a row per step), streamed. */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, ExperimentIdParams);
		const { format } = readQuery(req, ExportQuery);
		await requireExperimentRole(db, principal, id, 'viewer');
		const experiment = await db
			.selectFrom('experiments')
			.select('name')
			.where('id', '=', id)
			.executeTakeFirst();
		if (!experiment) throw notFound('Experiment');
		const chunks = format === 'wide' ? exportWide(getSql(), id) : exportLong(getSql(), id);
		const body = new ReadableStream<Uint8Array>({
			async pull(controller) {
				try {
					const next = await chunks.next();
					if (next.done) controller.close();
					else controller.enqueue(next.value);
				} catch (error) {
					// Headers are already sent: all we can do is cut the stream and log why.
					console.error('[tora] CSV export failed mid-stream', error);
					controller.error(error);
				}
			},
			async cancel() {
				await chunks.return(undefined);
			}
		});
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

export const config: FunctionConfig = { path: '/api/experiments/:id/export.csv', method: ['GET'] };
