import type { Config } from '@netlify/functions';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { unlessRefused } from './_lib/membership-errors.ts';
import { leaveWorkspace } from './_lib/repositories/member.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/leave', method: ['POST'] };

/**
 * The caller leaves a workspace. The last owner cannot (transfer or delete first), nor can a user
 * leave their personal workspace; both are 409s. Needs a signed-in session.
 */
export default endpoint(config, 'Workspaces', {
	POST: method({
		...inWorkspace('viewer', { session: 'required' }),
		docs: { who: 'member, session', success: '200 `Member`' },
		handle: async ({ db, principal, params }) => {
			const leaving = await leaveWorkspace(db, { workspaceId: params.id, userId: principal.userId });
			return json(unlessRefused(leaving, 'left').member);
		}
	})
});
