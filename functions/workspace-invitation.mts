import type { Config } from '@netlify/functions';
import { WorkspaceInvitationParams } from './_lib/contracts/invitations.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { unlessRefused } from './_lib/membership-errors.ts';
import { revokeInvitation } from './_lib/repositories/invitation.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/invitations/:invitationId', method: ['DELETE'] };

/**
 * Revoking a pending invitation (admins; only owners revoke invitations to become admin). Like
 * every change to who may join a workspace, it needs a signed-in session.
 */
export default endpoint(config, 'Invitations', {
	DELETE: method({
		...inWorkspace('admin', { params: WorkspaceInvitationParams, session: 'changes access' }),
		docs: { success: '200 `Invitation` (revoked)' },
		handle: async ({ db, principal, params }) => {
			const revocation = await revokeInvitation(db, {
				workspaceId: params.id,
				actorId: principal.userId,
				invitationId: params.invitationId
			});
			return json(unlessRefused(revocation, 'ok').invitation);
		}
	})
});
