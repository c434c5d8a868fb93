import type { Config } from '@netlify/functions';
import { CreateInvitationBody, InvitationListQuery } from './_lib/contracts/invitations.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { unlessRefused } from './_lib/membership-errors.ts';
import { createInvitation, listWorkspaceInvitations } from './_lib/repositories/invitation.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/invitations', method: ['GET', 'POST'] };

/**
 * A workspace's invitations, for its admins: list (`?status=pending|accepted|declined|revoked|all`,
 * pending by default; a key may read them, like members) and invite an email with a role (only
 * owners invite admins). Inviting gives someone access, so it needs a signed-in session.
 */
export default endpoint(config, 'Invitations', {
	GET: method({
		...inWorkspace('admin'),
		query: InvitationListQuery,
		docs: { request: '`?status=`', success: '200 `[Invitation]`' },
		handle: async ({ db, params, query }) => json(await listWorkspaceInvitations(db, params.id, query.status))
	}),
	POST: method({
		...inWorkspace('admin', { session: 'changes access' }),
		body: CreateInvitationBody,
		docs: { who: 'admin (owner to invite an admin), session', success: '201 `Invitation`' },
		handle: async ({ db, principal, params, body }) => {
			const created = await createInvitation(db, {
				workspaceId: params.id,
				actorId: principal.userId,
				email: body.email,
				role: body.role
			});
			return json(unlessRefused(created, 'ok').invitation, 201);
		}
	})
});
