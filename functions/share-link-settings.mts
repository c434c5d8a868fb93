import type { Config } from '@netlify/functions';
import { SharingBody } from './_lib/contracts/share-links.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { setSharing } from './_lib/repositories/share-link.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/sharing', method: ['PUT'] };

/**
 * Turns the workspace's share links off (every link answers 404, none can be made) or back on
 * (links not revoked or expired answer again). An admin's decision, and one that changes who can
 * see the workspace's runs, so it needs a signed-in session.
 */
export default endpoint(config, 'Share links', {
	PUT: method({
		...inWorkspace('admin', { session: 'changes access' }),
		body: SharingBody,
		docs: { success: '200 `{workspace_id, sharing_enabled}`' },
		handle: async ({ db, params, body }) => {
			if (!(await setSharing(db, params.id, body.enabled))) throw notFound('Workspace');
			return json({ workspace_id: params.id, sharing_enabled: body.enabled });
		}
	})
});
