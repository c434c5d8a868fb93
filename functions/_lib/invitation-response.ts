import { authenticate, requireSession } from './auth.ts';
import { InvitationParams } from './contracts/invitations.ts';
import { getDb } from './db.ts';
import { json, methods, type Handler, readParams } from './http.ts';
import { respondToInvitation } from './repositories/invitation.repository.ts';

/**
 * The invitee's answer to an invitation addressed to their email (accept or decline; one function
 * per path shares this handler). Someone else's invitation is a 404; one that is no longer
 * pending is a 409. Needs a signed-in session.
 */
export function invitationResponse(accept: boolean): Handler {
	return methods({
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
					accept
				})
			);
		}
	});
}
