import type { Config } from '@netlify/functions';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { CreateApiKeyBody } from './_lib/contracts/api-keys.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { json } from './_lib/http.ts';
import { createApiKey, listApiKeys } from './_lib/repositories/api-key.repository.ts';

export const config: Config = { path: '/api/api-keys', method: ['GET', 'POST'] };

/**
 * The caller's API keys. Only a signed-in session manages keys, so a leaked key cannot mint
 * more keys (or an unscoped one from a scoped one). A key may be given an expiry (`expiresAt`).
 */
export default endpoint(config, 'API keys', {
	GET: method({
		access: 'session',
		docs: {
			success: '200 `[{id, name, prefix, workspace_id, created_at, last_used_at, revoked_at, expires_at}]`'
		},
		handle: async ({ db, principal }) => json(await listApiKeys(db, principal.userId))
	}),
	POST: method({
		access: 'session',
		body: CreateApiKeyBody,
		docs: { success: '201 the summary plus `key`, shown only this once' },
		handle: async ({ db, principal, body }) => {
			const workspaceId = body.workspaceId ?? null;
			// The workspace comes from the body, not the path: the endpoint cannot check it.
			if (workspaceId) await requireWorkspaceRole(db, principal, workspaceId, 'viewer');
			const created = await createApiKey(db, {
				userId: principal.userId,
				name: body.name,
				workspaceId,
				expiresAt: body.expiresAt ?? null
			});
			return json(created, 201, { 'cache-control': 'no-store' });
		}
	})
});
