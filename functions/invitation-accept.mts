import { authenticate, requireSession } from './_lib/auth.ts';
import { InvitationParams } from './_lib/contracts/invitations.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';
import { respondToInvitation } from './_lib/repositories/invitation.repository.ts';

/**
 * Accepting an invitation addressed to the caller: the invitation and the new membership are
 * written in one transaction, gated on the invitation still being pending, so two concurrent
 * accepts make one membership and one 409.
 * Someone else's invitation is a 404; one that is no longer pending is a 409.
 */
export default methods({
	POST: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSession(principal);
		const { id } = readParams(context, InvitationParams);
		return json(
			await respondToInvitation(db, {
				invitationId: id,
				userId: principal.userId,
				email: principal.email,
				accept: true
			})
		);
	}
});

export const config: FunctionConfig = { path: '/api/invitations/:id/accept', method: ['POST'] };
