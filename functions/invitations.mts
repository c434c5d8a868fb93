import { authenticate, requireSession } from './_lib/auth.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, type FunctionConfig } from './_lib/http.ts';
import { listReceivedInvitations } from './_lib/repositories/invitation.repository.ts';

/**
 * Pending invitations addressed to the caller's email. Answering invitations changes which
 * workspaces an account belongs to, so like key management it needs a signed-in session.
 */
export default methods({
	GET: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSession(principal);
		return json(await listReceivedInvitations(db, principal.email));
	}
});

export const config: FunctionConfig = { path: '/api/invitations', method: ['GET'] };
