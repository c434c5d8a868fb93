import type { Config } from '@netlify/functions';
import { authSetup } from './_lib/config.ts';
import { LocalSignInBody, type Session } from './_lib/contracts/auth.ts';
import { endpoint, method } from './_lib/endpoint.ts';
import { ApiError, notFound } from './_lib/errors.ts';
import { json } from './_lib/http.ts';
import { ensurePersonalWorkspace, upsertProfileByEmail } from './_lib/repositories/profile.repository.ts';
import { mintLocalToken } from './_lib/tokens.ts';

export const config: Config = { path: '/api/auth/local', method: ['POST'] };

/**
 * Local mode sign-in: an email, no password, for a single-user or trusted install. Anywhere
 * else it does not exist (404, whatever the body holds), and it is never on by default.
 */
export default endpoint(config, 'Service and account', {
	POST: method({
		access: 'anyone',
		guard: () => {
			const setup = authSetup();
			if (setup.mode === 'disabled') throw new ApiError(503, 'UNAVAILABLE', setup.problem);
			if (setup.mode !== 'local') throw notFound('Local sign-in (this deployment uses Supabase Auth)');
		},
		body: LocalSignInBody,
		docs: {
			who: 'anyone, local mode only (404 otherwise)',
			success:
				'200 `{access_token, expires_at, user: {id, email}}` (1-hour token; creates the user and their personal workspace)'
		},
		handle: async ({ db, body }) => {
			const profile = await upsertProfileByEmail(db, body.email.toLowerCase());
			await ensurePersonalWorkspace(db, profile.id);
			const { token, expiresAt } = await mintLocalToken({ userId: profile.id, email: profile.email });
			const session: Session = {
				access_token: token,
				expires_at: expiresAt.toISOString(),
				user: { id: profile.id, email: profile.email }
			};
			return json(session, 200, { 'cache-control': 'no-store' });
		}
	})
});
