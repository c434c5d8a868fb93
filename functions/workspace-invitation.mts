import { authenticate, requireSessionToChangeAccess } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { WorkspaceInvitationParams } from './_lib/contracts/invitations.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';
import { revokeInvitation } from './_lib/repositories/invitation.repository.ts';

/**
 * Revoking a pending invitation (admins; only owners revoke invitations to become admin). Like
 * every change to who may join a workspace, it needs a signed-in session.
 */
export default methods({
	DELETE: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSessionToChangeAccess(principal);
		const { id, invitationId } = readParams(context, WorkspaceInvitationParams);
		await requireWorkspaceRole(db, principal, id, 'admin');
		return json(await revokeInvitation(db, { workspaceId: id, actorId: principal.userId, invitationId }));
	}
});

export const config: FunctionConfig = {
	path: '/api/workspaces/:id/invitations/:invitationId',
	method: ['DELETE']
};
