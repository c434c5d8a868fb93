import type { Config } from '@netlify/functions';
import type { Me } from './_lib/contracts/auth.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { countPendingInvitations, ensurePersonalWorkspace } from './_lib/repositories/profile.repository.ts';

export const config: Config = { path: '/api/me', method: ['GET'] };

/** The caller: who they are, how they authenticated, their personal workspace, pending invites. */
export default endpoint(config, 'Service and account', {
	GET: method({
		access: 'signed-in',
		docs: { success: '200 `{user: {id, email}, authMethod, personalWorkspaceId, pendingInvitations}`' },
		handle: async ({ db, principal }) => {
			const [personalWorkspaceId, pendingInvitations] = await Promise.all([
				ensurePersonalWorkspace(db, principal.userId),
				countPendingInvitations(db, principal.email)
			]);
			const me: Me = {
				user: { id: principal.userId, email: principal.email },
				authMethod: principal.via,
				personalWorkspaceId,
				pendingInvitations
			};
			return json(me);
		}
	})
});
