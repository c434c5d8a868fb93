import { authenticate, requireSession } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { WorkspaceParams } from './_lib/contracts/workspaces.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';
import { leaveWorkspace } from './_lib/repositories/member.repository.ts';

/**
 * The caller leaves a workspace. The last owner cannot (transfer or delete first), nor can a user
 * leave their personal workspace; both are 409s. Needs a signed-in session.
 */
export default methods({
	POST: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSession(principal);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'viewer');
		return json(await leaveWorkspace(db, { workspaceId: id, userId: principal.userId }));
	}
});

export const config: FunctionConfig = { path: '/api/workspaces/:id/leave', method: ['POST'] };
