import { authenticate, requireSessionToChangeAccess } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { TransferWorkspaceBody, WorkspaceParams } from './_lib/contracts/workspaces.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readBody, readParams, type FunctionConfig } from './_lib/http.ts';
import { transferOwnership } from './_lib/repositories/member.repository.ts';

/**
 * The owner hands the workspace to another member, atomically: they become owner, the caller
 * becomes admin. The only way anyone becomes an owner. Needs a signed-in session.
 */
export default methods({
	POST: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSessionToChangeAccess(principal);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'owner');
		const { userId } = await readBody(req, TransferWorkspaceBody);
		return json(
			await transferOwnership(db, { workspaceId: id, actorId: principal.userId, targetId: userId })
		);
	}
});

export const config: FunctionConfig = { path: '/api/workspaces/:id/transfer', method: ['POST'] };
