import type { Config } from '@netlify/functions';
import { SharedTokenParams } from './_lib/contracts/share-links.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { recordLinkView } from './_lib/repositories/share-link.repository.ts';
import { openLink, readSharedContent, sharedNotFound } from './_lib/share-content.ts';

export const config: Config = { path: '/api/shared/:token', method: ['GET'] };

/**
 * What a share link shows, authorised by its token alone (credentials sent along are not read):
 * the run with its hyperparameters, results, metric summaries, notes and context, or the runs of
 * a compare selection or a view (with the view's settings). Unknown, malformed, revoked and
 * expired tokens, a workspace with sharing off and a deleted target are one identical 404;
 * a client with many unknown tokens gets 429.
 */
export default endpoint(config, 'Share links', {
	GET: method({
		access: 'anyone',
		params: SharedTokenParams,
		docs: {
			who: 'anyone with the link (the token in the path)',
			success: '200 `{target, anonymous, workspace, shared_by, view, experiments: [...], ...}`'
		},
		handle: async ({ db, params, context }) => {
			const link = await openLink(db, params.token, context.ip);
			const content = await readSharedContent(db, link);
			if (!content) throw sharedNotFound();
			await recordLinkView(db, link.id);
			return json(content, 200, { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
		}
	})
});
