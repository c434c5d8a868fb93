import type { Config } from '@netlify/functions';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { listReceivedInvitations } from './_lib/repositories/invitation.repository.ts';

export const config: Config = { path: '/api/invitations', method: ['GET'] };

/**
 * Pending invitations addressed to the caller's email. Answering invitations changes which
 * workspaces an account belongs to, so like key management it needs a signed-in session.
 */
export default endpoint(config, 'Invitations', {
	GET: method({
		access: 'session',
		docs: { success: '200 `[Invitation]` addressed to me' },
		handle: async ({ db, principal }) => json(await listReceivedInvitations(db, principal.email))
	})
});
