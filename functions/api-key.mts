import type { Config } from '@netlify/functions';
import { ApiKeyIdParams } from './_lib/contracts/api-keys.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { revokeApiKey } from './_lib/repositories/api-key.repository.ts';

export const config: Config = { path: '/api/api-keys/:id', method: ['DELETE'] };

/** Revoking one of the caller's keys; it stops working on the next request. */
export default endpoint(config, 'API keys', {
	DELETE: method({
		access: 'session',
		params: ApiKeyIdParams,
		docs: { who: 'session, own keys', success: '200 the revoked key; it stops working at once' },
		handle: async ({ db, principal, params }) => {
			const revoked = await revokeApiKey(db, principal.userId, params.id);
			if (!revoked) throw notFound('API key');
			return json(revoked);
		}
	})
});
