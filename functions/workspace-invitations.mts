import { authenticate, requireSessionToChangeAccess } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { CreateInvitationBody, InvitationListQuery } from './_lib/contracts/invitations.ts';
import { WorkspaceParams } from './_lib/contracts/workspaces.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readBody, readParams, readQuery, type FunctionConfig } from './_lib/http.ts';
import { createInvitation, listWorkspaceInvitations } from './_lib/repositories/invitation.repository.ts';

/**
 * A workspace's invitations, for its admins: list (`?status=pending|accepted|declined|revoked|all`,
 * pending by default; a key may read them, like members) and invite an email with a role (only
 * owners invite admins). Inviting gives someone access, so it needs a signed-in session.
 */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'admin');
		const { status } = readQuery(req, InvitationListQuery);
		return json(await listWorkspaceInvitations(db, id, status));
	},
	POST: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSessionToChangeAccess(principal);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'admin');
		const { email, role } = await readBody(req, CreateInvitationBody);
		const invitation = await createInvitation(db, {
			workspaceId: id,
			actorId: principal.userId,
			email,
			role
		});
		return json(invitation, 201);
	}
});

export const config: FunctionConfig = { path: '/api/workspaces/:id/invitations', method: ['GET', 'POST'] };
