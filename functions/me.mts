import { authenticate } from './_lib/auth.ts';
import type { Me } from './_lib/contracts/auth.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, type FunctionConfig } from './_lib/http.ts';
import { countPendingInvitations, ensurePersonalWorkspace } from './_lib/repositories/profile.repository.ts';

/** The caller: who they are, how they authenticated, their personal workspace, pending invites. */
export default methods({
	GET: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
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
});

export const config: FunctionConfig = { path: '/api/me', method: ['GET'] };
