import type { Config } from '@netlify/functions';
import { CONTEXT_BODY_LIMIT, ContextBody } from './_lib/contracts/run-context.ts';
import { endpoint, method, onExperiment } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { readContext, writeContext } from './_lib/repositories/run-context.repository.ts';

export const config: Config = { path: '/api/experiments/:id/context', method: ['GET', 'PUT'] };

/**
 * Where and how a run ran: git state (with the diff), command, machine, packages and allowed
 * environment variables, as its SDK captured them at start-up. Sent once and replaced whole; the
 * server strips credentials from the remote and redacts secret-looking variables again.
 */
export default endpoint(config, 'Experiments', {
	GET: method({
		...onExperiment('viewer'),
		docs: {
			success: '200 `{summary, git_diff, git_diff_truncated, packages, env, captured_at}`; 404 if none'
		},
		handle: async ({ db, params }) => {
			const context = await readContext(db, params.id);
			if (!context) throw notFound('Context');
			return json(context);
		}
	}),
	PUT: method({
		...onExperiment('editor'),
		body: ContextBody,
		bodyLimit: CONTEXT_BODY_LIMIT,
		docs: {
			request:
				'`{git?: {commit, branch?, remote?, dirty?, diff?, diffTruncated?}, command?, cwd?, runtime?, os?, host?, cpus?, memoryBytes?, gpus?, packages?, env?}` (4 MB)',
			success: '200 the stored context'
		},
		handle: async ({ db, params, body }) => {
			const context = await writeContext(db, params.id, body);
			if (!context) throw notFound('Experiment');
			return json(context);
		}
	})
});
