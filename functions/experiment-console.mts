import type { Config } from '@netlify/functions';
import { getConfig, settingValue } from './_lib/config.ts';
import { CONSOLE_BODY_LIMIT, ConsoleBatchBody, ConsoleQuery } from './_lib/contracts/run-context.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { ApiError, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { appendConsole, readConsole } from './_lib/repositories/run-context.repository.ts';
import { noteSignOfLife } from './_lib/repositories/liveness.repository.ts';

export const config: Config = { path: '/api/experiments/:id/console', method: ['GET', 'POST'] };

/**
 * What a run printed: the SDKs tee stdout and stderr and send numbered lines in batches (a resent
 * number is kept once); readers page by that number, which is also how the live tail follows.
 * Each run may store TORA_CONSOLE_MAX_BYTES of text; past it a batch is refused whole with a 413
 * the SDKs report once before they stop sending console lines (metrics go on).
 */
export default endpoint(config, 'Logging, series and export', {
	GET: method({
		...onExperiment('viewer'),
		query: ConsoleQuery,
		docs: {
			request: '`?after=<seq>&limit=1..5000&q=<text>&stream=stdout|stderr&from=<ISO time>`',
			success: '200 `{lines: [{seq, time, stream, text}], cursor, more, last_seq}`'
		},
		handle: async ({ db, params, query }) =>
			json(await readConsole(db, params.id, query), 200, { 'cache-control': 'no-store' })
	}),
	POST: method({
		...onExperiment('editor'),
		body: ConsoleBatchBody,
		bodyLimit: CONSOLE_BODY_LIMIT,
		docs: {
			request: '`{lines: [{seq, time, stream, text}]}` (1–5,000 lines, 2 MB)',
			success: '201 `{accepted, duplicates, console_bytes, console_bytes_limit, last_seq}`'
		},
		handle: async ({ db, params, body }) => {
			const limit = settingValue(getConfig().consoleMaxBytes);
			const outcome = await appendConsole(db, params.id, body.lines, limit);
			if (outcome.kind === 'missing') throw notFound('Experiment');
			if (outcome.kind === 'over-limit') {
				const message = `This run's console would hold ${outcome.bytes} bytes, over its limit of ${outcome.limit} (TORA_CONSOLE_MAX_BYTES); the batch was not stored.`;
				throw new ApiError(413, 'PAYLOAD_TOO_LARGE', message, { lines: ['console limit reached'] });
			}
			await noteSignOfLife(db, params.id);
			return json(outcome.result, 201);
		}
	})
});
