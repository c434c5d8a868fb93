import { authSetup } from './_lib/config.ts';
import { LocalSignInBody, type Session } from './_lib/contracts/auth.ts';
import { getDb } from './_lib/db.ts';
import { ApiError, notFound } from './_lib/errors.ts';
import { json, methods, readBody, type FunctionConfig } from './_lib/http.ts';
import { ensurePersonalWorkspace, upsertProfileByEmail } from './_lib/repositories/profile.repository.ts';
import { mintLocalToken } from './_lib/tokens.ts';

/**
 * Local mode sign-in: an email, no password, for a single-user or trusted install. Anywhere
 * else it does not exist (404), and it is never on by default.
 */
export default methods({
	POST: async (req) => {
		const setup = authSetup();
		if (setup.mode === 'disabled') throw new ApiError(503, 'UNAVAILABLE', setup.problem);
		if (setup.mode !== 'local') throw notFound('Local sign-in (this deployment uses Supabase Auth)');
		const body = await readBody(req, LocalSignInBody);
		const db = getDb();
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
});

export const config: FunctionConfig = { path: '/api/auth/local', method: ['POST'] };
