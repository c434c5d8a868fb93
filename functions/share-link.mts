import type { Config } from '@netlify/functions';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { ShareLinkParams } from './_lib/contracts/share-links.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { findShareLink, revokeShareLink } from './_lib/repositories/share-link.repository.ts';

export const config: Config = { path: '/api/share-links/:id', method: ['DELETE'] };

/**
 * Revokes a share link: its token answers 404 from then on. The link stays in the list (revoked,
 * with its view count) so the workspace can see what was shared; revoking twice is harmless.
 */
export default endpoint(config, 'Share links', {
	DELETE: method({
		access: 'session',
		params: ShareLinkParams,
		docs: {
			who: 'a signed-in session, editor or higher in the link’s workspace',
			success: '200 `ShareLink` (revoked)'
		},
		handle: async ({ db, principal, params }) => {
			const link = await findShareLink(db, params.id);
			if (!link) throw notFound('Share link');
			try {
				await requireWorkspaceRole(db, principal, link.workspace_id, 'editor');
			} catch (error) {
				if ((error as { status?: number }).status === 404) throw notFound('Share link');
				throw error;
			}
			const revoked = await revokeShareLink(db, params.id);
			if (!revoked) throw notFound('Share link');
			return json(revoked);
		}
	})
});
