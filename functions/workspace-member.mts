import { authenticate, requireSessionToChangeAccess } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { MemberParams, UpdateMemberBody } from './_lib/contracts/workspaces.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readBody, readParams, type FunctionConfig } from './_lib/http.ts';
import { changeMemberRole, removeMember } from './_lib/repositories/member.repository.ts';

/**
 * One membership: admins change roles below admin and remove members below admin; owners do
 * both for anyone (membership-rules.ts). Ownership itself only moves by transfer. Both change
 * who may see the workspace, so both need a signed-in session (a key gets a 403).
 */
export default methods({
	PATCH: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSessionToChangeAccess(principal);
		const { id, userId } = readParams(context, MemberParams);
		await requireWorkspaceRole(db, principal, id, 'admin');
		const { role } = await readBody(req, UpdateMemberBody);
		return json(
			await changeMemberRole(db, { workspaceId: id, actorId: principal.userId, targetId: userId, role })
		);
	},
	DELETE: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSessionToChangeAccess(principal);
		const { id, userId } = readParams(context, MemberParams);
		await requireWorkspaceRole(db, principal, id, 'admin');
		return json(await removeMember(db, { workspaceId: id, actorId: principal.userId, targetId: userId }));
	}
});

export const config: FunctionConfig = {
	path: '/api/workspaces/:id/members/:userId',
	method: ['PATCH', 'DELETE']
};
