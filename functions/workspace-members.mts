import type { Config } from '@netlify/functions';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { listMembers } from './_lib/repositories/member.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/members', method: ['GET'] };

/** Who belongs to a workspace, for any of its members. New members join by invitation. */
export default endpoint(config, 'Members', {
	GET: method({
		...inWorkspace('viewer'),
		docs: { success: '200 `[Member]`' },
		handle: async ({ db, params }) => json(await listMembers(db, params.id))
	})
});
