import { authenticate, requireSession } from './_lib/auth.ts';
import { requireWorkspaceRole } from './_lib/authorize.ts';
import { CreateApiKeyBody } from './_lib/contracts/api-keys.ts';
import { getDb } from './_lib/db.ts';
import { json, methods, readBody, type FunctionConfig } from './_lib/http.ts';
import { createApiKey, listApiKeys } from './_lib/repositories/api-key.repository.ts';

/**
 * The caller's API keys. Only a signed-in session manages keys, so a leaked key cannot mint
 * more keys (or an unscoped one from a scoped one). A key may be given an expiry (`expiresAt`).
 */
export default methods({
	GET: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSession(principal);
		return json(await listApiKeys(db, principal.userId));
	},
	POST: async (req) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSession(principal);
		const body = await readBody(req, CreateApiKeyBody);
		const workspaceId = body.workspaceId ?? null;
		if (workspaceId) await requireWorkspaceRole(db, principal, workspaceId, 'viewer');
		const created = await createApiKey(db, {
			userId: principal.userId,
			name: body.name,
			workspaceId,
			expiresAt: body.expiresAt ?? null
		});
		return json(created, 201, { 'cache-control': 'no-store' });
	}
});

export const config: FunctionConfig = { path: '/api/api-keys', method: ['GET', 'POST'] };
