import type { Config } from '@netlify/functions';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { CreateShareLinkBody, ListShareLinksQuery } from './_lib/contracts/share-links.ts';
import type { Db } from './_lib/db.ts';
import type { Principal } from './_lib/auth.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { conflict, notFound, validationError } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { publicOrigin } from './_lib/public-url.ts';
import {
	createShareLink,
	experimentWorkspaces,
	listShareLinks,
	sharingEnabled,
	viewWorkspace
} from './_lib/repositories/share-link.repository.ts';
import { generateShareToken, sharedPageUrl } from './_lib/share-token.ts';

export const config: Config = { path: '/api/share-links', method: ['GET', 'POST'] };

/**
 * Read-only links for people without an account, to one run, a compare selection (up to 100
 * runs of one workspace) or a saved view. Only a signed-in session makes or lists them: a link
 * gives access, and an API key can never give access to anything. The token is in the answer
 * to the POST only; the database keeps its hash.
 */
export default endpoint(config, 'Share links', {
	GET: method({
		access: 'session',
		query: ListShareLinksQuery,
		docs: {
			who: 'a signed-in session, viewer or higher in the workspace',
			success: `200 \`{sharing_enabled, items: [ShareLink]}\` (newest first, at most 200)`
		},
		handle: async ({ db, principal, query }) => {
			await requireWorkspaceRole(db, principal, query.workspaceId, 'viewer');
			const [enabled, items] = await Promise.all([
				sharingEnabled(db, query.workspaceId),
				listShareLinks(db, query.workspaceId)
			]);
			return json({ sharing_enabled: enabled ?? false, items }, 200, { 'cache-control': 'no-store' });
		}
	}),
	POST: method({
		access: 'session',
		body: CreateShareLinkBody,
		docs: {
			who: 'a signed-in session, editor or higher in the target’s workspace',
			request:
				'`{experimentId} | {experimentIds} (1–100, one workspace) | {viewId}`, plus `expiresAt?`, `anonymous?`',
			success:
				'201 `ShareLink` plus `token` and `url` (`/s/<token>`), shown only this once; 409 when sharing is off'
		},
		handle: async ({ req, db, principal, body }) => {
			const workspaceId = await targetWorkspace(db, principal, body);
			if (!(await sharingEnabled(db, workspaceId))) {
				throw conflict('Sharing is turned off for this workspace; an admin can turn it on in Settings.');
			}
			const { token, hash } = generateShareToken();
			const link = await createShareLink(db, {
				workspaceId,
				tokenHash: hash,
				experimentId: body.experimentId,
				experimentIds: body.experimentIds,
				viewId: body.viewId,
				anonymous: body.anonymous,
				expiresAt: body.expiresAt ?? null,
				createdBy: principal.userId
			});
			const url = sharedPageUrl(publicOrigin(req), token);
			return json({ ...link, token, url }, 201, { 'cache-control': 'no-store' });
		}
	})
});

/**
 * The workspace the link's target lives in, with the caller an editor there. A run or view that
 * does not exist and one in a workspace the caller is not in are the same 404; runs of two
 * workspaces (each one the caller edits) are a 400, as a link belongs to one workspace.
 */
async function targetWorkspace(db: Db, principal: Principal, body: CreateShareLinkBody): Promise<string> {
	if (body.viewId) {
		const workspaceId = await viewWorkspace(db, body.viewId);
		if (!workspaceId) throw notFound('View');
		await requireWorkspaceRole(db, principal, workspaceId, 'editor');
		return workspaceId;
	}
	const ids = body.experimentIds ?? [body.experimentId!];
	const found = await experimentWorkspaces(db, ids);
	if (found.length !== ids.length) throw notFound('Experiment');
	const workspaces = [...new Set(found.map((row) => row.workspace_id))];
	for (const workspaceId of workspaces) {
		try {
			await requireWorkspaceRole(db, principal, workspaceId, 'editor');
		} catch (error) {
			// Not a member: the runs there are as missing to the caller as unknown ids.
			if ((error as { status?: number }).status === 404) throw notFound('Experiment');
			throw error;
		}
	}
	if (workspaces.length > 1) {
		throw validationError('Invalid request body', {
			experimentIds: ['must all be runs of one workspace']
		});
	}
	return workspaces[0];
}
