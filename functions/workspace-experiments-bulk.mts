import type { Config } from '@netlify/functions';
import { BulkBody } from './_lib/contracts/views.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { conflict } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { queryClock } from './_lib/liveness.ts';
import { runBulkAction, type BulkAction } from './_lib/repositories/bulk.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/experiments/bulk', method: ['POST'] };

/**
 * One action on many runs of the workspace: add or remove tags, or delete. The runs are `ids`
 * (runs of other workspaces among them are ignored) or every run `filter` selects (the query
 * language, as the list reads it; at most 10,000). All or nothing, in one transaction.
 */
export default endpoint(config, 'Experiments', {
	POST: method({
		...inWorkspace('editor'),
		body: BulkBody,
		docs: {
			request: '`{ids} | {filter}`, `action` (`add-tags`, `remove-tags`, `delete`), `tags` (tag actions)',
			success: '200 `{matched, changed}`; 409 past 10,000 matches or the tag limit'
		},
		handle: async ({ db, params, body }) => {
			const action: BulkAction =
				body.action === 'delete' ? { action: 'delete' } : { action: body.action, tags: body.tags ?? [] };
			const selection = body.ids ? { ids: body.ids } : { filter: body.filter?.expr };
			const outcome = await runBulkAction(db, params.id, selection, action, queryClock());
			switch (outcome.kind) {
				case 'done':
					return json({ matched: outcome.matched, changed: outcome.changed });
				case 'too-many':
					throw conflict(
						`More than ${outcome.limit.toLocaleString('en-US')} runs match; narrow the filter and repeat the action on each part.`
					);
				case 'tag-limit':
					throw conflict(
						`${outcome.runs} ${outcome.runs === 1 ? 'run' : 'runs'} would have more than ${outcome.limit} tags; nothing was changed.`
					);
			}
		}
	})
});
