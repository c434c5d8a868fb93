import { authenticate, requireSession } from './_lib/auth.ts';
import { ApiKeyIdParams } from './_lib/contracts/api-keys.ts';
import { getDb } from './_lib/db.ts';
import { notFound } from './_lib/errors.ts';
import { json, methods, readParams, type FunctionConfig } from './_lib/http.ts';
import { revokeApiKey } from './_lib/repositories/api-key.repository.ts';

/** Revoking one of the caller's keys; it stops working on the next request. */
export default methods({
	DELETE: async (req, context) => {
		const db = getDb();
		const principal = await authenticate(req, db);
		requireSession(principal);
		const { id } = readParams(context, ApiKeyIdParams);
		const revoked = await revokeApiKey(db, principal.userId, id);
		if (!revoked) throw notFound('API key');
		return json(revoked);
	}
});

export const config: FunctionConfig = { path: '/api/api-keys/:id', method: ['DELETE'] };
