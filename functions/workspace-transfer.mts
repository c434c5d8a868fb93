import type { Config } from '@netlify/functions';
import { TransferWorkspaceBody } from './_lib/contracts/workspaces.ts';
import { endpoint, inWorkspace, method } from './_lib/endpoint.ts';
import { validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { unlessRefused } from './_lib/membership-errors.ts';
import { transferOwnership } from './_lib/repositories/member.repository.ts';

export const config: Config = { path: '/api/workspaces/:id/transfer', method: ['POST'] };

/**
 * The owner hands the workspace to another member, atomically: they become owner, the caller
 * becomes admin. The only way anyone becomes an owner. Needs a signed-in session.
 */
export default endpoint(config, 'Workspaces', {
	POST: method({
		...inWorkspace('owner', { session: 'changes access' }),
		body: TransferWorkspaceBody,
		docs: { success: '200 `Workspace`' },
		handle: async ({ db, principal, params, body }) => {
			if (body.userId === principal.userId) {
				throw validationError('You cannot transfer ownership to yourself.', {
					userId: ['must be another member of the workspace']
				});
			}
			const transfer = await transferOwnership(db, {
				workspaceId: params.id,
				actorId: principal.userId,
				targetId: body.userId
			});
			return json(unlessRefused(transfer, 'transferred').workspace);
		}
	})
});
