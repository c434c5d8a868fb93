import { authenticate, requireSession } from './_lib/auth.ts';
import { InvitationParams } from './_lib/contracts/invitations.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';
import { respondToInvitation } from './_lib/repositories/invitation.repository.ts';

/**
 * Declining an invitation addressed to the caller; it stays on record as declined.
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
				accept: false
			})
		);
	}
});

export const config: FunctionConfig = { path: '/api/invitations/:id/decline', method: ['POST'] };
