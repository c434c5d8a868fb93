import type { Config } from '@netlify/functions';
import { MemberParams, UpdateMemberBody } from './_lib/contracts/workspaces.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { unlessRefused } from './_lib/membership-errors.ts';
import { changeMemberRole, removeMember } from './_lib/repositories/member.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/members/:userId', method: ['PATCH', 'DELETE'] };

/** Admins manage members below admin; owners manage everyone (membership-rules.ts). */
const MANAGER = 'admin (below admin) / owner, session';

/**
 * One membership: admins change roles below admin and remove members below admin; owners do
 * both for anyone (membership-rules.ts). Ownership itself only moves by transfer. Both change
 * who may see the workspace, so both need a signed-in session (a key gets a 403).
 */
export default endpoint(config, 'Members', {
	PATCH: method({
		...inWorkspace('admin', { params: MemberParams, session: 'changes access' }),
		body: UpdateMemberBody,
		docs: { who: MANAGER, success: '200 `Member`' },
		handle: async ({ db, principal, params, body }) => {
			const change = await changeMemberRole(db, {
				workspaceId: params.id,
				actorId: principal.userId,
				targetId: params.userId,
				role: body.role
			});
			return json(unlessRefused(change, 'changed').member);
		}
	}),
	DELETE: method({
		...inWorkspace('admin', { params: MemberParams, session: 'changes access' }),
		docs: { who: MANAGER, success: '200 `Member`' },
		handle: async ({ db, principal, params }) => {
			if (params.userId === principal.userId) {
				throw validationError('To remove yourself, leave the workspace: POST /api/workspaces/:id/leave.', {
					userId: ['is you; use leave instead']
				});
			}
			const removal = await removeMember(db, {
				workspaceId: params.id,
				actorId: principal.userId,
				targetId: params.userId
			});
			return json(unlessRefused(removal, 'removed').member);
		}
	})
});
