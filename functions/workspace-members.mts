import { authenticate } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { WorkspaceParams } from './_lib/contracts/workspaces.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';
import { listMembers } from './_lib/repositories/member.repository.ts';

/** Who belongs to a workspace, for any of its members. New members join by invitation. */
export default methods({
	GET: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		const { id } = readParams(context, WorkspaceParams);
		await requireWorkspaceRole(db, principal, id, 'viewer');
		return json(await listMembers(db, id));
	}
});

export const config: FunctionConfig = { path: '/api/workspaces/:id/members', method: ['GET'] };
